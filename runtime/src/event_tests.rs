//! The event pipeline end to end: rich events and log lines from a run's handle through the
//! writer into files of Polyaxon's formats, read back by Polyaxon's own Python readers.

use crate::event::{EncodeCtx, EventKind, LogLine, Payload};
use crate::testing::Recorder;
use crate::timestamp::Timestamp;
use crate::{ArtifactKind, Error, Settings};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A payload that returns a fixed value, optionally after writing an asset.
struct Fixed {
    bytes: usize,
    value: Result<Value, String>,
    asset: Option<(&'static str, &'static [u8])>,
}

impl Fixed {
    fn new(value: Value) -> Box<Fixed> {
        Box::new(Fixed {
            bytes: 16,
            value: Ok(value),
            asset: None,
        })
    }
}

impl Payload for Fixed {
    fn bytes(&self) -> usize {
        self.bytes
    }

    fn encode(self: Box<Self>, ctx: &mut EncodeCtx<'_>) -> Result<Value, Error> {
        let mut value = self.value.map_err(Error::Serialize)?;
        if let Some((name, bytes)) = self.asset {
            let (abs, rel) = ctx.asset("image", name, Some(1), Some("png"))?;
            std::fs::write(&abs, bytes).map_err(|e| Error::io("asset", e))?;
            value["path"] = Value::String(rel);
            ctx.set_meta("has_pictures", Value::Bool(true));
        }
        Ok(value)
    }
}

fn scratch(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "polytrack-unit-{label}-{}-{}",
        std::process::id(),
        crate::new_uuid()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn offline(root: &Path) -> Settings {
    Settings::new()
        .offline(true)
        .offline_root(root)
        .collect_resources(false)
        .env([("HOME", "/nonexistent")])
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Writes a text, an image (with its asset), a chart and log lines into an offline run.
fn write_sample_run(root: &Path) -> PathBuf {
    let run = crate::init_with(offline(root)).unwrap();
    let dir = run.get_artifacts_path(None).unwrap();
    run.emit(
        EventKind::TEXT,
        "notes/first",
        Some(1),
        Fixed::new(json!("hello | world \u{e9}")),
    )
    .unwrap();
    run.emit(
        EventKind::TEXT,
        "notes/first",
        None,
        Fixed::new(json!("two")),
    )
    .unwrap();
    run.emit(
        EventKind::IMAGE,
        "sample",
        Some(1),
        Box::new(Fixed {
            bytes: 3,
            value: Ok(json!({"height": 1, "width": 1, "colorspace": 3, "unused": null})),
            asset: Some(("sample", b"png")),
        }),
    )
    .unwrap();
    run.emit(
        EventKind::CHART,
        "plot",
        Some(2),
        Fixed::new(json!({"kind": "vega", "figure": {"mark": "bar"}})),
    )
    .unwrap();
    let at = Timestamp::from_micros(1_795_664_254_111_507);
    run.emit_logs(vec![
        LogLine {
            timestamp: at,
            text: "  epoch 1 done \n".into(),
        },
        LogLine {
            timestamp: at,
            text: "   ".into(),
        },
    ])
    .unwrap();
    run.emit_log(LogLine {
        timestamp: at,
        text: "second".into(),
    })
    .unwrap();
    let report = run.end().unwrap();
    assert!(report.is_complete(), "{report}");
    dir
}

#[test]
fn rows_of_every_format_reach_their_files() {
    let root = scratch("formats");
    let dir = write_sample_run(&root);

    let text = read(&dir.join("events/text/notes__first.plx"));
    let lines: Vec<&str> = text.split('\n').collect();
    assert_eq!(lines.len(), 3, "{text:?}");
    assert_eq!(lines[0], "", "JSON lines files start empty");
    assert!(
        lines[1].starts_with("{\"timestamp\": \"20")
            && lines[1].ends_with("\", \"step\": 1, \"text\": \"hello | world \\u00e9\"}"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].ends_with("\"step\": null, \"text\": \"two\"}"),
        "{}",
        lines[2]
    );

    let image = read(&dir.join("events/image/sample.plx"));
    let (header, row) = image.split_once('\n').unwrap();
    assert_eq!(header, "step|timestamp|image");
    let fields: Vec<&str> = row.split('|').collect();
    assert_eq!(fields.len(), 3, "{row}");
    assert_eq!(fields[0], "1");
    assert_eq!(
        fields[2],
        "{\"height\":1,\"width\":1,\"colorspace\":3,\"path\":\"assets/image/sample_1.png\"}"
    );
    assert_eq!(
        std::fs::read(dir.join("assets/image/sample_1.png")).unwrap(),
        b"png"
    );

    let chart = read(&dir.join("events/chart/plot.plx"));
    let line: Value = serde_json::from_str(chart.trim_start_matches('\n')).unwrap();
    assert_eq!(line["step"], 2);
    assert_eq!(
        line["chart"],
        "{\"kind\":\"vega\",\"figure\":{\"mark\":\"bar\"}}"
    );

    let logs = read(&dir.join("plxlogs/logs.jsonl"));
    let lines: Vec<&str> = logs.split('\n').collect();
    assert_eq!(lines.len(), 3, "{logs:?}");
    assert_eq!(lines[0], "");
    let first: Value = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(first["timestamp"], "2026-11-26T03:37:34.111507+00:00");
    assert_eq!(first["value"], "epoch 1 done");
    assert!(
        first["node"].is_string() && first["pod"].is_string() && first["container"].is_string()
    );
    assert!(lines[1].starts_with("{\"timestamp\":"), "{}", lines[1]);
    let second: Value = serde_json::from_str(lines[2]).unwrap();
    assert_eq!(second["value"], "second");

    // The run knows it has events (and what the payload flagged); every event file has its
    // lineage summary.
    let run: Value = serde_json::from_str(&read(&dir.join("run.plx.json"))).unwrap();
    assert_eq!(run["meta_info"]["has_events"], true);
    assert_eq!(run["meta_info"]["has_pictures"], true);
    let lineage: Value = serde_json::from_str(&read(&dir.join("lineages.plx.json"))).unwrap();
    let summary = |path: &str| {
        lineage
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["path"] == path)
            .unwrap_or_else(|| panic!("no lineage for {path}: {lineage}"))
            .clone()
    };
    let text = summary("events/text/notes__first.plx");
    assert_eq!(text["kind"], "text");
    assert_eq!(text["summary"]["is_event"], true);
    // As pandas sees a step column of [1, null].
    assert_eq!(
        text["summary"]["step"],
        json!({"count": 1, "min": 1.0, "max": null})
    );
    assert_eq!(summary("events/image/sample.plx")["kind"], "image");
    assert_eq!(
        summary("events/chart/plot.plx")["summary"]["step"]["max"],
        2
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn a_payload_that_fails_to_encode_is_reported_not_lost_silently() {
    let recorder = Recorder::new();
    let run = crate::init_with(Settings::new().recorder(recorder.clone())).unwrap();
    run.emit(
        EventKind::HISTOGRAM,
        "h",
        None,
        Box::new(Fixed {
            bytes: 1,
            value: Err("bins and counts differ".into()),
            asset: None,
        }),
    )
    .unwrap();
    // A value of the wrong type for its kind fails too.
    run.emit(
        EventKind::TEXT,
        "t",
        Some(3),
        Fixed::new(json!({"not": "text"})),
    )
    .unwrap();
    run.emit(
        EventKind::CURVE,
        "c",
        Some(3),
        Fixed::new(json!({"kind": "custom"})),
    )
    .unwrap();
    let report = run.end().unwrap();
    assert!(!report.is_complete(), "{report}");
    assert!(
        report
            .undelivered
            .iter()
            .any(|l| l.contains("2 rich event")),
        "{report:?}"
    );
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.contains("bins and counts differ")),
        "{report:?}"
    );
    assert_eq!(
        recorder.events(ArtifactKind::Curve),
        vec![("c".to_owned(), Some(3), json!({"kind": "custom"}))]
    );
    assert!(recorder.events(ArtifactKind::Histogram).is_empty());
}

#[test]
fn the_payload_budget_refuses_then_recovers() {
    let recorder = Recorder::new();
    let run = crate::init_with(
        Settings::new()
            .recorder(recorder.clone())
            .payload_budget(100),
    )
    .unwrap();
    let sized = |bytes| {
        Box::new(Fixed {
            bytes,
            value: Ok(json!("x")),
            asset: None,
        })
    };
    let stall = recorder.stall();
    run.emit(EventKind::TEXT, "a", Some(1), sized(60)).unwrap();
    let refused = run.emit(EventKind::TEXT, "a", Some(2), sized(60));
    assert!(
        matches!(refused, Err(Error::Backpressure { .. })),
        "{refused:?}"
    );
    // Log lines count against the same budget.
    let line = LogLine {
        timestamp: Timestamp::now(),
        text: "y".repeat(200),
    };
    assert!(matches!(
        run.emit_log(line.clone()),
        Err(Error::Backpressure { .. })
    ));
    drop(stall);
    run.flush(Duration::from_secs(10)).unwrap();
    run.emit(EventKind::TEXT, "a", Some(3), sized(60)).unwrap();
    run.flush(Duration::from_secs(10)).unwrap();
    // Bigger than the whole budget, and accepted because nothing else is in flight.
    run.emit_log(line).unwrap();
    let report = run.end().unwrap();
    assert_eq!(report.refused_events, 2, "{report}");
    let steps: Vec<Option<i64>> = recorder
        .events(ArtifactKind::Text)
        .into_iter()
        .map(|(_, step, _)| step)
        .collect();
    assert_eq!(steps, [Some(1), Some(3)]);
    assert_eq!(recorder.logs(), ["y".repeat(200)]);
}

/// The pinned venv's Python, or `None` (with a note) outside `scripts/test.sh`; under it
/// (`POLYTRACK_REQUIRE_SERVER=1`) a missing venv fails the test.
fn python() -> Option<PathBuf> {
    let venv = std::env::var_os("POLYTRACK_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv-test"));
    let python = venv.join("bin/python");
    if python.exists() {
        return Some(python);
    }
    assert!(
        std::env::var("POLYTRACK_REQUIRE_SERVER").as_deref() != Ok("1"),
        "POLYTRACK_REQUIRE_SERVER=1 but no Python venv at {}",
        venv.display()
    );
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "NOTE: no Python venv (.venv-test): the traceml check did nothing. Run scripts/test.sh."
    );
    None
}

fn read_with_traceml(python: &Path, file: &Path) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/compat/read_events.py");
    let out = std::process::Command::new(python)
        .arg(script)
        .arg(file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "traceml cannot read {}: {stdout}\n{}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&stdout).unwrap()
}

#[test]
fn traceml_reads_text_and_pipe_json_files() {
    let Some(python) = python() else {
        return;
    };
    let root = scratch("traceml");
    let dir = write_sample_run(&root);

    let text = read_with_traceml(&python, &dir.join("events/text/notes__first.plx"));
    assert_eq!(text["rows"], 2, "{text}");
    assert_eq!(text["steps"], json!([1, null]), "{text}");
    assert_eq!(
        text["values"],
        json!(["hello | world \u{e9}", "two"]),
        "{text}"
    );
    assert_eq!(text["summary"]["is_event"], true, "{text}");

    let image = read_with_traceml(&python, &dir.join("events/image/sample.plx"));
    assert_eq!(image["rows"], 1, "{image}");
    assert_eq!(image["steps"], json!([1]), "{image}");
    let value: Value = serde_json::from_str(image["values"][0].as_str().unwrap()).unwrap();
    assert_eq!(value["path"], "assets/image/sample_1.png", "{image}");
    assert_eq!(image["summary"]["step"]["count"], 1, "{image}");
    assert!(image["summary"]["timestamp"]["min"].is_string(), "{image}");

    let chart = read_with_traceml(&python, &dir.join("events/chart/plot.plx"));
    assert_eq!(chart["rows"], 1, "{chart}");
    assert_eq!(chart["steps"], json!([2]), "{chart}");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn resource_samples_are_written_by_the_writer() {
    let root = scratch("resources");
    let run = crate::init_with(offline(&root).collect_resources(true)).unwrap();
    let dir = run.get_artifacts_path(None).unwrap();
    let report = run.end().unwrap();
    assert!(report.is_complete(), "{report}");
    // The first sample is taken at the start; the end waits for it.
    let memory = read(&dir.join("resources/metric/memory.plx"));
    let rows: Vec<&str> = memory.split('\n').collect();
    assert_eq!(rows[0], "step|timestamp|metric");
    assert_eq!(rows.len(), 2, "{memory:?}");
    assert!(rows[1].starts_with("|20"), "{}", rows[1]);
    let lineage: Value = serde_json::from_str(&read(&dir.join("lineages.plx.json"))).unwrap();
    let system = lineage
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["path"] == "resources/metric/memory.plx")
        .unwrap_or_else(|| panic!("no lineage for the memory metric: {lineage}"));
    assert_eq!(system["kind"], "system");
    let _ = std::fs::remove_dir_all(&root);
}

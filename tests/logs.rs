//! Logs (`plxlogs/logs.jsonl`) from `tracing`, `log`, the console and child processes: the file
//! as Polyaxon writes it, read back by traceml's `V1Logs`, and served by the real server's logs
//! endpoint after `polyaxon ops push` and for an external run; a stalled terminal; a million
//! lines from four threads; two runs live at once, each recording its own lines.
//!
//! Console capture redirects file descriptors 1 and 2, which a test harness cannot do to
//! itself: those scenarios run in `logs-child` (`logs_child.rs`).

#[path = "api_support.rs"]
mod support;

use polytrack::Settings;
use polytrack_tests::{repo_root, run_ok, scratch, server, venv};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{Api, PROJECT};

/// `logs-child <args>` with stdout and stderr both into `<root>/console.txt` (one file, as a
/// terminal is: the capture then keeps their interleaving).
fn run_child(args: &[&str], root: &Path) -> (String, String) {
    let console = std::fs::File::create(root.join("console.txt")).expect("console file");
    let status = Command::new(env!("CARGO_BIN_EXE_logs-child"))
        .args(args)
        .stdout(console.try_clone().expect("dup"))
        .stderr(console)
        .status()
        .expect("logs-child runs");
    let printed = std::fs::read_to_string(root.join("console.txt")).unwrap_or_default();
    assert!(
        status.success(),
        "logs-child {args:?} failed; it printed:\n{printed}"
    );
    (result_uuid(root), printed)
}

fn result_uuid(root: &Path) -> String {
    let result = std::fs::read_to_string(root.join("result.txt")).expect("result.txt");
    let uuid = result.lines().next().unwrap_or_default().to_owned();
    assert_eq!(uuid.len(), 32, "{result}");
    uuid
}

/// The rows of a `logs.jsonl`, checked against Polyaxon's format on the way: created empty,
/// then `"\n"` + one compact V1Log object per line.
fn rows(file: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(file)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    assert!(text.starts_with('\n') && !text.ends_with('\n'), "{text:?}");
    text[1..]
        .split('\n')
        .map(|line| {
            let row: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
            assert_eq!(
                serde_json::to_string(&row).ok().as_deref(),
                Some(line),
                "compact"
            );
            let keys: Vec<&str> = row
                .as_object()
                .map(|o| o.keys().map(String::as_str).collect())
                .unwrap_or_default();
            assert_eq!(
                keys,
                ["timestamp", "node", "pod", "container", "value"],
                "{line}"
            );
            let ts = row["timestamp"].as_str().unwrap_or_default();
            assert!(
                ts.contains('T') && ts.ends_with("+00:00"),
                "ISO with T: {line}"
            );
            row
        })
        .collect()
}

fn values(rows: &[Value]) -> Vec<String> {
    rows.iter()
        .map(|r| r["value"].as_str().unwrap_or_default().to_owned())
        .collect()
}

const SOURCES: [&str; 9] = [
    "INFO train: source 1 from tracing epoch=1",
    "INFO train: source 2 from log",
    "source 3 from println",
    "source 4 from eprintln",
    "source 5 from a child",
    "source 6 from its stderr",
    "WARN train: source 7 from tracing",
    "source 8 \u{e9}t\u{e9} \u{1F600}",
    "source 9 without a newline",
];

/// The values traceml's `V1Logs.read_jsonl` reads from `file` (what Polyaxon's server runs).
fn read_with_traceml(venv: &Path, file: &Path) -> Vec<String> {
    let script = "import json, sys\n\
                  from traceml.logging import V1Logs\n\
                  logs = V1Logs.read_jsonl(open(sys.argv[1]).read(), to_structured=True)\n\
                  print(json.dumps([l.value for l in logs.logs]))\n";
    let out = run_ok(
        Command::new(venv.join("bin/python"))
            .args(["-c", script])
            .arg(file),
    );
    serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// The log values the real server serves for run `uuid` (the UI's Logs tab).
fn served_logs(api: &Api, uuid: &str) -> Vec<String> {
    let v = api.get(&format!(
        "/streams/v1/polyaxon/{PROJECT}/runs/{uuid}/logs?force=true"
    ));
    v["logs"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|l| l["value"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_source_reaches_plxlogs_in_order_and_the_server_after_a_push() {
    let root = scratch("logs-sources");
    let (uuid, printed) = run_child(&["sources", &root.display().to_string()], &root);
    let file = root.join("runs").join(&uuid).join("plxlogs/logs.jsonl");
    let rows = rows(&file);
    assert_eq!(values(&rows), SOURCES, "in order, nothing else");
    let host = std::process::Command::new("hostname").output().ok();
    let host = host.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    for row in &rows {
        assert_eq!(row["node"], "local");
        if let Some(host) = &host {
            assert_eq!(row["container"].as_str(), Some(host.as_str()));
        }
    }
    // Still printed: the console capture tees, it does not swallow.
    for line in [
        "source 3 from println",
        "source 4 from eprintln",
        "source 5 from a child",
    ] {
        assert!(printed.contains(line), "{line:?} not printed:\n{printed}");
    }

    let Some(venv) = venv() else { return };
    assert_eq!(read_with_traceml(&venv, &file), SOURCES);

    let Some(server) = server() else { return };
    run_ok(
        Command::new(repo_root().join("tests/compat/push_and_read.sh"))
            .arg(&root)
            .arg(&uuid)
            .arg("loss")
            .env("POLYTRACK_TEST_HOST", &server.host)
            .env("POLYTRACK_TEST_VENV", &server.venv),
    );
    assert_eq!(served_logs(&Api::new(&server), &uuid), SOURCES);
}

#[test]
fn an_external_run_captures_the_console_by_default_and_the_server_serves_it() {
    let Some(server) = server() else { return };
    let root = scratch("logs-external");
    let (uuid, printed) = run_child(
        &["console", &root.display().to_string(), &server.host],
        &root,
    );
    let want = [
        "console 1 on stdout",
        "console 2 on stderr",
        "console 3 from a child",
    ];
    assert_eq!(
        values(&rows(&root.join(&uuid).join("plxlogs/logs.jsonl"))),
        want
    );
    for line in want {
        assert!(printed.contains(line), "{line:?} not printed:\n{printed}");
    }
    // The run's folder was uploaded at the end: the server serves its logs.
    assert_eq!(served_logs(&Api::new(&server), &uuid), want);
}

#[test]
fn a_stalled_terminal_never_stalls_the_program_and_the_run_keeps_every_line() {
    const N: usize = 100_000;
    let root = scratch("logs-flood");
    // Nobody reads the child's stdout until it has ended its run: its terminal is stalled.
    let mut child = Command::new(env!("CARGO_BIN_EXE_logs-child"))
        .args(["flood", &root.display().to_string(), &N.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("logs-child runs");
    let deadline = Instant::now() + Duration::from_secs(300); // a hang, not a speed claim
    while !root.join("result.txt").exists() {
        assert!(
            Instant::now() < deadline,
            "the program stalled with its terminal"
        );
        if let Ok(Some(status)) = child.try_wait() {
            panic!("logs-child exited early: {status}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut shown = String::new();
    if let Some(mut out) = child.stdout.take() {
        let _ = std::io::Read::read_to_string(&mut out, &mut shown);
    }
    assert!(child.wait().is_ok_and(|s| s.success()));
    let uuid = result_uuid(&root);
    let lines = values(&rows(
        &root.join("runs").join(&uuid).join("plxlogs/logs.jsonl"),
    ));
    let want: Vec<String> = (0..N).map(|i| format!("flood {i}")).collect();
    assert_eq!(lines.len(), N);
    assert!(lines == want, "every line, in order");
    let report = std::fs::read_to_string(root.join("result.txt")).unwrap_or_default();
    assert!(
        report.contains("did not reach the stalled terminal"),
        "the end report says what the terminal missed: {report}"
    );
    assert!(shown.lines().count() < N, "the terminal did miss lines");
}

/// Two `#[track_run]` trials at once on two threads (a sweep), each logging through `tracing`
/// on its own thread and on one it carries its run into: each run's `plxlogs/` holds its own
/// lines, all of them, in order, and none of the other's.
#[test]
fn two_runs_on_two_threads_each_record_their_own_lines() {
    let root = scratch("logs-trials");
    let console = std::fs::File::create(root.join("console.txt")).expect("console file");
    let status = Command::new(env!("CARGO_BIN_EXE_logs-child"))
        .args(["trials", &root.display().to_string()])
        .env("HOME", "/nonexistent")
        .env("POLYAXON_NO_CONFIG", "true")
        .env("POLYAXON_IS_OFFLINE", "true")
        .env("POLYAXON_OFFLINE_ROOT", &root)
        .env("POLYTRACK_PROJECT", PROJECT)
        .env_remove("POLYAXON_HOST")
        .stdout(console.try_clone().expect("dup"))
        .stderr(console)
        .status()
        .expect("logs-child runs");
    let printed = std::fs::read_to_string(root.join("console.txt")).unwrap_or_default();
    assert!(status.success(), "logs-child trials failed:\n{printed}");
    let mut dirs = Vec::new();
    for k in [1, 2] {
        let dir = std::fs::read_to_string(root.join(format!("trial-{k}.txt"))).expect("trial");
        let lines = values(&rows(&Path::new(&dir).join("plxlogs/logs.jsonl")));
        let line = |i| format!("INFO trial: trial {k} line {i}");
        let (first, carried): (Vec<_>, Vec<_>) =
            ((0..100).map(line).collect(), (100..200).map(line).collect());
        let (mine, theirs): (Vec<_>, Vec<_>) =
            lines.iter().cloned().partition(|l| first.contains(l));
        assert_eq!(mine, first, "trial {k}: its own thread's lines, in order");
        assert_eq!(
            theirs, carried,
            "trial {k}: the carried thread's lines, in order, only"
        );
        dirs.push(dir);
    }
    assert_ne!(dirs[0], dirs[1], "two runs");
}

/// 1,000,000 `tracing` events from 4 threads into one offline run: every one in `plxlogs/`,
/// each thread's in its order.
#[test]
fn a_million_lines_from_four_threads_are_all_recorded() {
    use tracing_subscriber::prelude::*;
    const THREADS: usize = 4;
    const PER_THREAD: usize = 250_000;
    let root = scratch("logs-million");
    let subscriber = tracing_subscriber::registry().with(polytrack::logs::layer());
    let dispatch = tracing::Dispatch::new(subscriber);
    // The writer of a debug build on a busy 2-core machine can fall more than the default
    // 100 ms behind (the lines are then refused, counted and reported, as the end report
    // would show): what this checks is that lines are never lost, so callers may wait longer.
    let run = polytrack::init_with(
        Settings::new()
            .offline(true)
            .offline_root(&root)
            .queue_timeout(Duration::from_secs(10))
            .env([("HOME", "/nonexistent"), ("POLYAXON_NO_CONFIG", "true")]),
    )
    .expect("the run starts");
    let dir = run.get_artifacts_path(None).expect("run folder");
    let refused: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let dispatch = dispatch.clone();
                s.spawn(move || {
                    tracing::dispatcher::with_default(&dispatch, || {
                        for i in 0..PER_THREAD {
                            tracing::info!(target: "load", "t{t} {i}");
                        }
                    })
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| usize::from(h.join().is_err()))
            .sum()
    });
    assert_eq!(refused, 0);
    let report = run.end().expect("the run ends");
    assert!(
        report.is_complete() && report.refused_events == 0,
        "{report}"
    );
    let text = std::fs::read_to_string(dir.join("plxlogs/logs.jsonl")).expect("logs.jsonl");
    let mut next = [0usize; THREADS];
    let mut total = 0;
    for line in text.split('\n').skip(1) {
        let row: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let value = row["value"].as_str().unwrap_or_default();
        let Some(rest) = value.strip_prefix("INFO load: t") else {
            panic!("unexpected line {value:?}");
        };
        let (t, i) = rest.split_once(' ').expect("t i");
        let (t, i): (usize, usize) = (t.parse().expect("t"), i.parse().expect("i"));
        assert_eq!(i, next[t], "thread {t}'s lines in order");
        next[t] += 1;
        total += 1;
    }
    assert_eq!(total, THREADS * PER_THREAD, "none lost");
    let _ = std::fs::remove_dir_all(PathBuf::from(&root));
}

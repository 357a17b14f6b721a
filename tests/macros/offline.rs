//! End to end: `#[track_run(offline)]` with the other attributes writes an offline run folder
//! with the run's name, description, tags, inputs, outputs, metrics and final status.

use polytrack::{track_metrics, track_params, track_run};
use polytrack_tests::{check_with_polyaxon, scratch, venv};
use serde::Serialize;
use serde_json::Value;
use std::path::{Path, PathBuf};

use crate::support::{exclusive, offline_root};

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[derive(Serialize)]
struct Optimizer {
    lr: f64,
    momentum: f64,
}

#[derive(Serialize)]
struct Config {
    epochs: u32,
    optimizer: Optimizer,
}

#[derive(Serialize)]
struct Eval {
    loss: f64,
}

#[derive(Serialize)]
struct Report {
    final_loss: f64,
}

#[track_params(prefix = "data")]
fn load(rows: usize) -> usize {
    rows
}

#[track_metrics(prefix = "val", step = epoch)]
fn evaluate(epoch: u32) -> Eval {
    Eval {
        loss: 1.0 / f64::from(epoch + 1),
    }
}

#[track_run(
    offline,
    name = "macros-e2e",
    description = "tracked by attributes",
    tags("e2e", "macros")
)]
fn train(config: Config, fail: bool) -> Result<Report, String> {
    load(100);
    for epoch in 0..config.epochs {
        evaluate(epoch);
    }
    if fail {
        return Err("failed on purpose".to_owned());
    }
    Ok(Report { final_loss: 0.25 })
}

/// The run folders under `root`.
fn runs(root: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(root.join("runs"))
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default()
}

/// Calls `f` and returns its result with the one run folder it made.
fn with_new_run<T>(root: &Path, f: impl FnOnce() -> T) -> (T, PathBuf) {
    let before = runs(root);
    let result = f();
    let mut made: Vec<PathBuf> = runs(root)
        .into_iter()
        .filter(|dir| !before.contains(dir))
        .collect();
    assert_eq!(made.len(), 1, "one new run folder: {made:?}");
    (result, made.remove(0))
}

#[test]
fn an_offline_run_folder_holds_what_the_attributes_logged() {
    let _serial = exclusive();
    let root = offline_root();
    let config = Config {
        epochs: 3,
        optimizer: Optimizer {
            lr: 0.1,
            momentum: 0.9,
        },
    };
    let (result, dir) = with_new_run(&root, || train(config, false));
    assert!(result.is_ok());
    let run = read_json(&dir.join("run.plx.json"));
    assert_eq!(run["name"], "macros-e2e");
    assert_eq!(run["description"], "tracked by attributes");
    assert_eq!(run["tags"], serde_json::json!(["e2e", "macros"]));
    assert_eq!(run["status"], "succeeded");
    assert_eq!(run["inputs"]["epochs"], 3);
    assert_eq!(run["inputs"]["optimizer__lr"], 0.1);
    assert_eq!(run["inputs"]["optimizer__momentum"], 0.9);
    assert_eq!(run["inputs"]["fail"], false);
    assert_eq!(run["inputs"]["data__rows"], 100);
    assert_eq!(run["outputs"]["final_loss"], 0.25);
    let loss = std::fs::read_to_string(dir.join("events/metric/val__loss.plx"))
        .expect("the metric's event file");
    let steps: Vec<&str> = loss
        .lines()
        .skip(1)
        .map(|line| line.split('|').next().unwrap_or_default())
        .collect();
    assert_eq!(steps, ["0", "1", "2"]);
    // What the attributes wrote is what Polyaxon's own readers accept.
    if let Some(venv) = venv() {
        let check = check_with_polyaxon(&venv, &dir);
        assert_eq!(check["ok"], true, "{check:#}");
    }
}

#[test]
fn an_err_is_the_offline_runs_failed_status_and_message() {
    let _serial = exclusive();
    let root = offline_root();
    let config = Config {
        epochs: 1,
        optimizer: Optimizer {
            lr: 0.1,
            momentum: 0.0,
        },
    };
    let (result, dir) = with_new_run(&root, || train(config, true));
    assert_eq!(result.err().as_deref(), Some("failed on purpose"));
    let run = read_json(&dir.join("run.plx.json"));
    assert_eq!(run["status"], "failed");
    let last = run["status_conditions"]
        .as_array()
        .and_then(|conditions| conditions.last())
        .cloned()
        .unwrap_or_default();
    assert_eq!(last["type"], "failed");
    assert_eq!(last["message"], "failed on purpose");
}

// `std::process::exit` inside a tracked run: a child process (this binary, running only the
// test below in its child role) logs rows and exits with code 3.

/// Set in the child: how it leaves (`std` for `std::process::exit`, `polytrack` for
/// `polytrack::exit`, `process-run` for `std::process::exit` with `init()`'s run).
const EXIT_CHILD: &str = "POLYTRACK_TEST_EXIT_CHILD";
const EXIT_ROWS: u32 = 2000;

#[track_run(offline, name = "exits")]
fn exits(how: &str) {
    for step in 0..EXIT_ROWS {
        polytrack::log_metric_at("loss", f64::from(step), i64::from(step)).ok();
    }
    match how {
        "polytrack" => polytrack::exit(3),
        _ => std::process::exit(3),
    }
}

fn exit_child(how: &str) -> ! {
    if how == "process-run" {
        let run = polytrack::init_with(polytrack::Settings::new().offline(true).name("exits"));
        let run = run.expect("an offline run");
        for step in 0..EXIT_ROWS {
            polytrack::log_metric_at("loss", f64::from(step), i64::from(step)).ok();
        }
        let _kept = run; // never dropped: `exit` runs no destructor
        std::process::exit(3);
    }
    exits(how);
    unreachable!("`exits` exits the process")
}

/// Runs this binary's exit test in its child role, and returns the one run folder it made.
fn run_exit_child(how: &str) -> PathBuf {
    let root = scratch("macros-exit");
    let exe = std::env::current_exe().expect("the test binary");
    let out = std::process::Command::new(exe)
        .args([
            "every_row_logged_before_an_exit_reaches_the_files",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(EXIT_CHILD, how)
        .env("POLYAXON_OFFLINE_ROOT", &root)
        .env("POLYAXON_NO_CONFIG", "true")
        .output()
        .expect("the child runs");
    assert_eq!(
        out.status.code(),
        Some(3),
        "the child exits with its own code; stderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut made = runs(&root);
    assert_eq!(made.len(), 1, "one run folder: {made:?}");
    made.remove(0)
}

#[test]
fn every_row_logged_before_an_exit_reaches_the_files() {
    if let Ok(how) = std::env::var(EXIT_CHILD) {
        exit_child(&how);
    }
    for (how, status, message) in [
        (
            "std",
            "succeeded",
            "The process exited before the run ended",
        ),
        (
            "process-run",
            "succeeded",
            "The process exited before the run ended",
        ),
        ("polytrack", "failed", "The process exited with code 3"),
    ] {
        let dir = run_exit_child(how);
        let rows = std::fs::read_to_string(dir.join("events/metric/loss.plx"))
            .unwrap_or_else(|e| panic!("{how}: the metric's event file: {e}"));
        let steps: Vec<u32> = rows
            .lines()
            .skip(1)
            .map(|line| {
                line.split('|')
                    .next()
                    .unwrap_or_default()
                    .parse()
                    .unwrap_or(u32::MAX)
            })
            .collect();
        assert_eq!(
            steps,
            (0..EXIT_ROWS).collect::<Vec<_>>(),
            "{how}: every row, in order"
        );
        let run = read_json(&dir.join("run.plx.json"));
        assert_eq!(run["status"], status, "{how}: {run:#}");
        let last = run["status_conditions"]
            .as_array()
            .and_then(|conditions| conditions.last())
            .cloned()
            .unwrap_or_default();
        assert_eq!(last["type"], status, "{how}");
        assert_eq!(last["reason"], "ExitHandler", "{how}");
        assert_eq!(last["message"], message, "{how}");
        if let Some(venv) = venv() {
            let check = check_with_polyaxon(&venv, &dir);
            assert_eq!(check["ok"], true, "{how}: {check:#}");
        }
    }
}

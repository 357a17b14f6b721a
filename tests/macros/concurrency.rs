//! Concurrent runs: each `#[track_run]` call is the current run of its own thread, or of its
//! own future on every poll, so trials run in parallel (threads, a rayon pool, `tokio::join!`,
//! `tokio::spawn` on a multi-thread runtime) each hold exactly their own inputs, outputs and
//! metric rows. Read back from the offline run folders the trials write.
//!
//! These tests run in parallel with each other on purpose (a run of one test that received
//! another test's rows would fail it); each holds the binary's gate shared, so that no test
//! that installs a recorder runs meanwhile.

use polytrack::{track_metrics, track_params, track_run};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::{json, Value};
use std::path::Path;

const EPOCHS: u32 = 20;

use crate::support::{offline_root, shared};

#[derive(Serialize)]
struct Eval {
    loss: f64,
}

#[derive(Serialize)]
struct Outcome {
    best: f64,
    /// The run's uuid, to find its folder (not logged).
    #[serde(skip)]
    uuid: String,
}

/// A value unique to trial `id` at `epoch`.
fn loss(id: u32, epoch: u32) -> f64 {
    f64::from(id * 1000 + epoch)
}

#[track_params(prefix = "data")]
fn load(shard: u32) -> u32 {
    shard
}

#[track_metrics(step = epoch)]
fn validate(id: u32, epoch: u32) -> Eval {
    Eval {
        loss: loss(id, epoch),
    }
}

fn uuid_of_current() -> String {
    polytrack::current()
        .and_then(|run| run.uuid().map(str::to_owned))
        .expect("a tracked body has a current run")
}

#[track_run(offline)]
fn trial(id: u32, lr: f64) -> Outcome {
    load(id);
    for epoch in 0..EPOCHS {
        validate(id, epoch);
        polytrack::log_metric_at("lr", lr, i64::from(epoch)).expect("logged");
        std::thread::yield_now();
    }
    polytrack::log_outputs!(trial = id).expect("logged");
    Outcome {
        best: f64::from(id),
        uuid: uuid_of_current(),
    }
}

#[track_run(offline)]
async fn async_trial(id: u32, lr: f64) -> Outcome {
    load(id);
    for epoch in 0..EPOCHS {
        validate(id, epoch);
        polytrack::log_metric_at("lr", lr, i64::from(epoch)).expect("logged");
        // Suspends: the task may resume on another worker thread, between other tasks.
        tokio::task::yield_now().await;
    }
    polytrack::log_outputs!(trial = id).expect("logged");
    Outcome {
        best: f64::from(id),
        uuid: uuid_of_current(),
    }
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `(step, value)` rows of a metric's event file.
fn rows(dir: &Path, metric: &str) -> Vec<(i64, f64)> {
    let path = dir.join(format!("events/metric/{metric}.plx"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .skip(1)
        .map(|line| {
            let cells: Vec<&str> = line.split('|').collect();
            let step = cells[0].parse().expect("a step");
            let value = cells[2].parse().expect("a value");
            (step, value)
        })
        .collect()
}

/// Asserts that trial `id`'s run folder holds its own data and nothing else.
fn assert_own_run(id: u32, lr: f64, outcome: &Outcome) {
    let dir = offline_root().join("runs").join(&outcome.uuid);
    let run = read_json(&dir.join("run.plx.json"));
    assert_eq!(run["status"], "succeeded", "trial {id}: {run:#}");
    assert_eq!(
        run["inputs"],
        json!({"id": id, "lr": lr, "data__shard": id}),
        "trial {id}"
    );
    let outputs = &run["outputs"];
    assert_eq!(
        outputs["best"],
        json!(f64::from(id)),
        "trial {id}: {outputs}"
    );
    assert_eq!(outputs["trial"], json!(id), "trial {id}: {outputs}");
    assert_eq!(
        outputs["loss"],
        json!(loss(id, EPOCHS - 1)),
        "trial {id}: {outputs}"
    );
    let expected: Vec<(i64, f64)> = (0..EPOCHS).map(|e| (i64::from(e), loss(id, e))).collect();
    assert_eq!(rows(&dir, "loss"), expected, "trial {id}'s loss rows");
    let lrs: Vec<(i64, f64)> = (0..EPOCHS).map(|e| (i64::from(e), lr)).collect();
    assert_eq!(rows(&dir, "lr"), lrs, "trial {id}'s lr rows");
}

fn lr(id: u32) -> f64 {
    0.01 * f64::from(id + 1)
}

#[test]
fn four_trials_on_four_threads_hold_their_own_data() {
    let _gate = shared();
    offline_root();
    let outcomes: Vec<(u32, Outcome)> = std::thread::scope(|s| {
        let handles: Vec<_> = (1..=4)
            .map(|id| s.spawn(move || (id, trial(id, lr(id)))))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("the trial's thread"))
            .collect()
    });
    for (id, outcome) in &outcomes {
        assert_own_run(*id, lr(*id), outcome);
    }
}

#[test]
fn a_rayon_sweep_holds_each_trials_own_data() {
    let _gate = shared();
    offline_root();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .expect("a pool");
    let outcomes: Vec<(u32, Outcome)> = pool.install(|| {
        (10..16u32)
            .into_par_iter()
            .map(|id| (id, trial(id, lr(id))))
            .collect()
    });
    for (id, outcome) in &outcomes {
        assert_own_run(*id, lr(*id), outcome);
    }
}

#[test]
fn tokio_join_holds_each_trials_own_data() {
    let _gate = shared();
    offline_root();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("a runtime");
    let (a, b, c) = runtime.block_on(async {
        tokio::join!(
            async_trial(20, lr(20)),
            async_trial(21, lr(21)),
            async_trial(22, lr(22))
        )
    });
    assert_own_run(20, lr(20), &a);
    assert_own_run(21, lr(21), &b);
    assert_own_run(22, lr(22), &c);
}

#[test]
fn tokio_spawned_trials_hold_their_own_data() {
    let _gate = shared();
    offline_root();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(3)
        .build()
        .expect("a runtime");
    let outcomes = runtime.block_on(async {
        let tasks: Vec<_> = (30..35u32)
            .map(|id| (id, tokio::spawn(async_trial(id, lr(id)))))
            .collect();
        let mut outcomes = Vec::new();
        for (id, task) in tasks {
            outcomes.push((id, task.await.expect("the trial's task")));
        }
        outcomes
    });
    for (id, outcome) in &outcomes {
        assert_own_run(*id, lr(*id), outcome);
    }
}

#[track_run(offline)]
fn outer(id: u32) -> Outcome {
    polytrack::log_metric_at("lr", 0.5, 0).expect("logged");
    let inner = trial(id, lr(id));
    // After the nested run ended, the outer one is current again.
    polytrack::log_metric_at("lr", 0.5, 1).expect("logged");
    polytrack::log_output("inner", &inner.uuid).expect("logged");
    Outcome {
        best: 0.0,
        uuid: uuid_of_current(),
    }
}

#[test]
fn nested_runs_stack_on_a_thread() {
    let _gate = shared();
    offline_root();
    let outcome = outer(40);
    let dir = offline_root().join("runs").join(&outcome.uuid);
    let run = read_json(&dir.join("run.plx.json"));
    assert_eq!(run["inputs"], json!({"id": 40}));
    assert_eq!(rows(&dir, "lr"), [(0, 0.5), (1, 0.5)]);
    assert!(!dir.join("events/metric/loss.plx").exists());
    let inner = Outcome {
        best: 40.0,
        uuid: run["outputs"]["inner"]
            .as_str()
            .expect("the inner run's uuid")
            .to_owned(),
    };
    assert_own_run(40, lr(40), &inner);
}

#[track_run(offline)]
fn with_workers(id: u32) -> Outcome {
    let run = polytrack::current().expect("inside #[track_run]");
    std::thread::scope(|s| {
        for worker in 0..3 {
            let run = run.clone();
            s.spawn(move || {
                let _entered = run.enter();
                polytrack::log_metric_at("worker", f64::from(id + worker), i64::from(worker))
                    .expect("logged");
            });
        }
    });
    Outcome {
        best: 0.0,
        uuid: uuid_of_current(),
    }
}

#[test]
fn a_run_carried_into_spawned_threads_gets_their_rows() {
    let _gate = shared();
    offline_root();
    let a = std::thread::spawn(|| with_workers(50));
    let b = std::thread::spawn(|| with_workers(60));
    for (id, outcome) in [(50, a.join().expect("a")), (60, b.join().expect("b"))] {
        let dir = offline_root().join("runs").join(&outcome.uuid);
        let mut rows = rows(&dir, "worker");
        rows.sort_by_key(|(step, _)| *step);
        assert_eq!(
            rows,
            [
                (0, f64::from(id)),
                (1, f64::from(id + 1)),
                (2, f64::from(id + 2))
            ]
        );
    }
}

#[test]
fn a_run_carried_into_a_spawned_task_gets_its_rows() {
    let _gate = shared();
    offline_root();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("a runtime");
    let uuid = runtime.block_on(spawning_trial());
    let dir = offline_root().join("runs").join(uuid);
    assert_eq!(rows(&dir, "task"), [(0, 1.0), (1, 2.0)]);
}

#[track_run(offline)]
async fn spawning_trial() -> String {
    let run = polytrack::current().expect("inside #[track_run]");
    let task = tokio::spawn(run.instrument(async {
        polytrack::log_metric_at("task", 1.0, 0).expect("logged");
        tokio::task::yield_now().await;
        polytrack::log_metric_at("task", 2.0, 1).expect("logged");
    }));
    task.await.expect("the task");
    uuid_of_current()
}

#[test]
fn a_thread_without_a_run_reaches_the_process_run_and_trials_keep_theirs() {
    let _gate = shared();
    offline_root();
    let process = polytrack::init_with(polytrack::Settings::new().offline(true).name("process"))
        .expect("the process's run starts");
    let dir = process.get_artifacts_path(None).expect("a folder");
    std::thread::spawn(|| polytrack::log_metric_at("process", 7.0, 0).expect("logged"))
        .join()
        .expect("the thread");
    // A trial started meanwhile is its own thread's current run, not the process's.
    let outcome = trial(70, lr(70));
    polytrack::log_metric_at("process", 8.0, 1).expect("logged");
    process.end().expect("ended");
    assert_eq!(rows(&dir, "process"), [(0, 7.0), (1, 8.0)]);
    assert!(!dir.join("events/metric/loss.plx").exists());
    assert_own_run(70, lr(70), &outcome);
}

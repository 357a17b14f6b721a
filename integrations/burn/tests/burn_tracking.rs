//! burn trainings tracked with `.with_polytrack(&run)`: the example's run read back by
//! Polyaxon's own Python readers and served back by the real server after `polyaxon ops push`,
//! burn's early stopping fed by what the logger logged, and the run's status from the
//! training's outcome.

#[allow(dead_code)]
#[path = "../examples/burn_mnist_like.rs"]
mod example;

#[path = "../../../tests/api_support.rs"]
mod support;

use burn::optim::AdamConfig;
use burn::tensor::TensorReadError;
use burn::train::metric::store::{Aggregate, Direction, Split};
use burn::train::metric::{
    LearningRateMetric, Metric, MetricMetadata, MetricName, SerializedEntry,
};
use burn::train::{MetricEarlyStoppingStrategy, StoppingCondition};
use example::{train, TrainingConfig};
use polytrack::Settings;
use polytrack_tests::{check_with_polyaxon, repo_root, run_ok, scratch, server, venv};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

fn offline(root: &Path) -> Settings {
    Settings::new()
        .offline(true)
        .offline_root(root)
        .env([("HOME", "/nonexistent"), ("POLYAXON_NO_CONFIG", "true")])
}

/// A configuration that trains in a second or two.
fn small(num_epochs: usize) -> TrainingConfig {
    TrainingConfig::new(AdamConfig::new())
        .with_num_epochs(num_epochs)
        .with_train_items(128)
        .with_valid_items(64)
        .with_batch_size(32)
}

fn run_file(dir: &Path) -> Value {
    let text = std::fs::read_to_string(dir.join("run.plx.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// `(step, value)` of every row of an event file, read from the file itself.
fn metric_rows(dir: &Path, name: &str) -> Vec<(i64, f64)> {
    let path = dir.join("events/metric").join(format!("{name}.plx"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .skip(1)
        .map(|row| {
            let cols: Vec<&str> = row.split('|').collect();
            (cols[0].parse().unwrap(), cols[2].parse().unwrap())
        })
        .collect()
}

fn steps(rows: &[(i64, f64)]) -> Vec<i64> {
    rows.iter().map(|(s, _)| *s).collect()
}

fn run_dir(trained: &example::Trained) -> PathBuf {
    trained
        .run_dir
        .clone()
        .expect("an offline run has a folder")
}

/// The example, offline: metrics per split at burn's steps, the configuration as inputs, the
/// model as an artifact, every file read by traceml; then pushed with `polyaxon ops push` to
/// the real server, which serves it back.
#[test]
fn example_run_is_read_by_polyaxon_and_served_after_push() {
    let root = scratch("burn-example");
    let config = TrainingConfig::new(AdamConfig::new());
    let trained = train(&config, offline(&root), |t| t).unwrap();
    assert!(trained.result.error.is_none(), "{:?}", trained.result.error);
    let dir = run_dir(&trained);
    let uuid = trained.uuid.clone().unwrap();

    // Per iteration: 1024 / 64 = 16 training and 256 / 64 = 4 validation iterations an epoch.
    let iterations = |items: usize| (1..=(3 * items / 64) as i64).collect::<Vec<_>>();
    for name in ["train__loss", "train__accuracy", "train__learning_rate"] {
        assert_eq!(steps(&metric_rows(&dir, name)), iterations(1024), "{name}");
    }
    for name in ["valid__loss", "valid__accuracy"] {
        assert_eq!(steps(&metric_rows(&dir, name)), iterations(256), "{name}");
    }
    assert!(
        metric_rows(&dir, "train__learning_rate")
            .iter()
            .all(|(_, lr)| *lr == config.learning_rate),
        "the learning rate is burn's"
    );
    // Per epoch, at the epoch: the mean burn computes (weighted by batch size; here every
    // batch has 64 items, so the plain mean of the iterations).
    for split in ["train", "valid"] {
        for metric in ["loss", "accuracy"] {
            let per_epoch = metric_rows(&dir, &format!("epoch__{split}__{metric}"));
            assert_eq!(steps(&per_epoch), [1, 2, 3], "{split} {metric}");
            let per_iteration = metric_rows(&dir, &format!("{split}__{metric}"));
            let per = per_iteration.len() / 3;
            for (epoch, (_, value)) in per_epoch.iter().enumerate() {
                let batch = &per_iteration[epoch * per..(epoch + 1) * per];
                let mean = batch.iter().map(|(_, v)| v).sum::<f64>() / per as f64;
                assert!(
                    (mean - value).abs() <= 1e-4 * mean.abs().max(1.0),
                    "{split} {metric} epoch {}: {value} is not the mean {mean}",
                    epoch + 1
                );
            }
        }
    }
    let valid_accuracy = metric_rows(&dir, "epoch__valid__accuracy");
    assert!(
        valid_accuracy.last().unwrap().1 > 50.0,
        "the MLP learns the synthetic classes: {valid_accuracy:?}"
    );
    let train_loss = metric_rows(&dir, "epoch__train__loss");
    assert!(train_loss[2].1 < train_loss[0].1, "{train_loss:?}");
    assert!(
        !dir.join("events/metric/epoch__train__learning_rate.plx")
            .exists()
            || metric_rows(&dir, "epoch__train__learning_rate").len() == 3
    );

    let run = run_file(&dir);
    assert_eq!(run["status"], "succeeded", "{run:#}");
    let inputs = &run["inputs"];
    assert_eq!(inputs["num_epochs"], 3);
    assert_eq!(inputs["batch_size"], 64);
    assert_eq!(inputs["learning_rate"], 0.01);
    assert_eq!(inputs["optimizer"]["beta_1"], 0.9);
    assert_eq!(run["tags"], serde_json::json!(["burn"]));
    assert!(
        dir.join("outputs/model.bpk").metadata().unwrap().len() > 1000,
        "the trained model is saved"
    );
    assert!(
        dir.join("outputs/burn").is_dir(),
        "burn's folder is the run's"
    );
    // burn's application log lines, in its experiment.log and in the run's logs.
    let logs = std::fs::read_to_string(dir.join("plxlogs/logs.jsonl")).unwrap();
    let lines: Vec<String> = logs
        .split('\n')
        .skip(1)
        .map(|l| {
            let row: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            row["value"].as_str().unwrap_or_default().to_owned()
        })
        .collect();
    for epoch in 1..=3 {
        let said = format!("Executing training step for epoch {epoch}");
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("INFO burn_train") && l.ends_with(&said)),
            "{said:?} not in the run's logs: {lines:#?}"
        );
    }
    assert!(
        !lines.iter().any(|l| l.contains("polytrack")),
        "polytrack's own lines stay out of the run: {lines:#?}"
    );
    // (Which training's experiment.log gets the lines depends on which test installed the
    // process's subscriber first; the unit tests of `ApplicationLogger` check the file.)

    let Some(venv) = venv() else { return };
    let check = check_with_polyaxon(&venv, &dir);
    assert_eq!(check["ok"], true, "{check:#}");
    let read = |name: &str| {
        check["metrics"][name]["steps"]
            .as_array()
            .map(Vec::len)
            .unwrap_or(0)
    };
    assert_eq!(
        read("train__loss"),
        48,
        "traceml reads train__loss: {check:#}"
    );
    assert_eq!(read("valid__accuracy"), 12);
    assert_eq!(read("epoch__valid__loss"), 3);
    let lineage: Vec<&str> = check["lineage"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(lineage.contains(&"model"), "{lineage:?}");
    let lineage_file: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("lineages.plx.json")).unwrap())
            .unwrap();
    let model = lineage_file
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "model")
        .unwrap();
    assert_eq!(model["kind"], "model");
    assert_eq!(model["summary"]["framework"], "burn", "{model:#}");
    assert!(
        model["path"]
            .as_str()
            .is_some_and(|p| p.ends_with("outputs/model.bpk")),
        "log_model copied the checkpoint into the outputs: {model:#}"
    );
    assert_eq!(run_file(&dir)["meta_info"]["has_model"], true);

    let Some(server) = server() else { return };
    let names = "train__loss,valid__accuracy,epoch__train__loss,epoch__valid__accuracy";
    let streams = run_ok(
        Command::new("bash")
            .arg(repo_root().join("tests/compat/push_and_read.sh"))
            .args([root.to_str().unwrap(), &uuid, names])
            .env("POLYAXON_HOST", &server.host)
            .env("POLYTRACK_TEST_VENV", &server.venv),
    );
    let streams: Value = serde_json::from_str(streams.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("streams answer is not JSON ({e}): {streams}"));
    for name in names.split(',') {
        let served = streams["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == name)
            .unwrap_or_else(|| panic!("{name} not served: {streams}"));
        let served_steps: Vec<i64> = served["data"]["step"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_i64)
            .collect();
        assert_eq!(served_steps, steps(&metric_rows(&dir, name)), "{name}");
    }
    let api = support::Api::new(&server);
    let served = api.run(&uuid);
    assert_eq!(served["name"], "burn-mnist-like");
    assert_eq!(served["status"], "succeeded");
    assert_eq!(served["inputs"]["num_epochs"], 3);
    assert_eq!(served["inputs"]["optimizer"]["beta_2"], 0.999);
    assert!(
        api.lineage(&uuid)
            .contains(&("model".to_owned(), "model".to_owned())),
        "{:?}",
        api.lineage(&uuid)
    );
    std::fs::remove_dir_all(&root).unwrap();
}

/// burn's early stopping asks the logger for each epoch's value: on a learning rate that never
/// improves it stops after epoch 2 of 5, which it could not without those answers.
#[test]
fn early_stopping_reads_the_logged_metrics_back() {
    let root = scratch("burn-early-stopping");
    let trained = train(&small(5), offline(&root), |t| {
        t.early_stopping(MetricEarlyStoppingStrategy::new(
            &LearningRateMetric::new(),
            Aggregate::Mean,
            Direction::Lowest,
            Split::Train,
            StoppingCondition::NoImprovementSince { n_epochs: 1 },
        ))
    })
    .unwrap();
    assert!(trained.result.error.is_none());
    let dir = run_dir(&trained);
    assert_eq!(steps(&metric_rows(&dir, "epoch__train__loss")), [1, 2]);
    assert_eq!(steps(&metric_rows(&dir, "epoch__valid__loss")), [1, 2]);
    assert_eq!(steps(&metric_rows(&dir, "train__loss")).len(), 2 * 128 / 32);
    assert_eq!(run_file(&dir)["status"], "succeeded");
    std::fs::remove_dir_all(&root).unwrap();
}

/// A metric that cannot read its input, as when the computation it reads failed.
#[derive(Clone)]
struct FailingMetric;

impl Metric for FailingMetric {
    type Input = ();

    fn name(&self) -> MetricName {
        Arc::new("Failing".to_owned())
    }

    fn update(&mut self, _: &(), _: &MetricMetadata) -> Result<SerializedEntry, TensorReadError> {
        // What a metric reports when the tensor it reads does not have the expected shape.
        Err(TensorReadError::InvalidShape {
            expected: 1,
            actual: 0,
        })
    }

    fn compute(&mut self) -> Result<SerializedEntry, TensorReadError> {
        Ok(SerializedEntry::new("ok".into(), "ok".into()))
    }

    fn clear(&mut self) {}
}

/// A training that hits an error fails the run, with burn's error as the message.
#[test]
fn a_failed_training_fails_the_run() {
    let root = scratch("burn-failed");
    let trained = train(&small(3), offline(&root), |t| t.metric_train(FailingMetric)).unwrap();
    assert!(trained.result.error.is_some());
    let dir = run_dir(&trained);
    let run = run_file(&dir);
    assert_eq!(run["status"], "failed", "{run:#}");
    let failed = run["status_conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "failed")
        .unwrap_or_else(|| panic!("no failed condition: {run:#}"));
    assert_eq!(failed["reason"], "TrainingError");
    let message = failed["message"].as_str().unwrap();
    assert!(message.contains("burn's training failed"), "{message}");
    assert!(message.contains("Failing"), "{message}");
    assert!(
        message.contains("Expected 1 tensor element(s)"),
        "{message}"
    );
    assert!(!dir.join("outputs/model.bpk").exists());
    std::fs::remove_dir_all(&root).unwrap();
}

/// A training stopped through burn's interrupter stops the run, with the reason.
#[test]
fn an_interrupted_training_stops_the_run() {
    let root = scratch("burn-stopped");
    let trained = train(&small(3), offline(&root), |t| {
        t.interrupter().stop(Some("the user asked"));
        t
    })
    .unwrap();
    assert!(trained.result.interrupted.is_some());
    let dir = run_dir(&trained);
    let run = run_file(&dir);
    assert_eq!(run["status"], "stopped", "{run:#}");
    let stopped = run["status_conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "stopped")
        .unwrap_or_else(|| panic!("no stopped condition: {run:#}"));
    assert!(
        stopped["message"]
            .as_str()
            .unwrap()
            .contains("the user asked"),
        "{stopped}"
    );
    std::fs::remove_dir_all(&root).unwrap();
}

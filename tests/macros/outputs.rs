//! `#[track_run]` logs the returned value as the run's outputs and ends the run.

use crate::support::{last_status, map, record};
use polytrack::{track_run, Status};
use serde::Serialize;
use serde_json::json;

#[derive(Serialize)]
struct Curve {
    auc: f64,
}

#[derive(Serialize)]
struct Report {
    accuracy: f64,
    epochs_run: u32,
    curve: Curve,
}

#[track_run]
fn train_report() -> Report {
    Report {
        accuracy: 0.93,
        epochs_run: 12,
        curve: Curve { auc: 0.97 },
    }
}

#[test]
fn a_returned_struct_is_logged_as_its_fields() {
    let t = record();
    assert_eq!(train_report().epochs_run, 12);
    assert_eq!(
        t.recorder.outputs(),
        map(json!({"accuracy": 0.93, "epochs_run": 12, "curve__auc": 0.97}))
    );
    assert_eq!(last_status(&t.recorder).0, Status::Succeeded);
}

#[track_run]
fn train_scalar() -> f64 {
    0.25
}

#[test]
fn a_returned_scalar_is_logged_under_ret() {
    let t = record();
    assert_eq!(train_scalar(), 0.25);
    assert_eq!(t.recorder.outputs(), map(json!({"ret": 0.25})));
}

#[track_run(outputs = "report")]
fn train_named() -> Report {
    train_report_untracked()
}

fn train_report_untracked() -> Report {
    Report {
        accuracy: 0.5,
        epochs_run: 1,
        curve: Curve { auc: 0.5 },
    }
}

#[test]
fn outputs_logs_the_returned_value_whole_under_its_name() {
    let t = record();
    train_named();
    assert_eq!(
        t.recorder.outputs(),
        map(json!({"report": {"accuracy": 0.5, "epochs_run": 1, "curve": {"auc": 0.5}}}))
    );
}

#[track_run(outputs = "loss")]
fn train_named_scalar() -> f32 {
    1.5
}

#[test]
fn outputs_names_a_scalar() {
    let t = record();
    train_named_scalar();
    assert_eq!(t.recorder.outputs(), map(json!({"loss": 1.5})));
}

/// Not `Serialize`: only `skip_ret` lets it be returned from a tracked function.
struct Model {
    weights: Vec<f64>,
}

#[track_run(skip_ret)]
fn train_model() -> Model {
    Model {
        weights: vec![0.5; 3],
    }
}

#[test]
fn skip_ret_logs_no_outputs_but_still_ends_the_run() {
    let t = record();
    assert_eq!(train_model().weights.len(), 3);
    assert!(t.recorder.outputs().is_empty());
    assert_eq!(last_status(&t.recorder).0, Status::Succeeded);
}

#[track_run]
fn train_unit(steps: u32) {
    if steps == 0 {
        return;
    }
    let _ = steps;
}

#[track_run]
fn train_nothing_yet() -> Option<f64> {
    None
}

#[test]
fn unit_and_none_log_no_outputs() {
    let t = record();
    train_unit(0);
    assert!(t.recorder.outputs().is_empty());
    assert_eq!(last_status(&t.recorder).0, Status::Succeeded);
    drop(t);
    let t = record();
    assert_eq!(train_nothing_yet(), None);
    assert!(t.recorder.outputs().is_empty());
}

#[track_run]
fn early_return(stop: bool) -> u32 {
    if stop {
        return 1;
    }
    2
}

#[test]
fn an_early_return_is_the_returned_value() {
    let t = record();
    assert_eq!(early_return(true), 1);
    assert_eq!(t.recorder.outputs(), map(json!({"ret": 1})));
}

#[derive(Serialize)]
struct Eval {
    loss: f64,
    accuracy: f64,
}

#[polytrack::track_metrics]
fn validate(epoch: u32) -> Eval {
    Eval {
        loss: 1.0 / f64::from(epoch + 1),
        accuracy: 0.5 + f64::from(epoch) / 10.0,
    }
}

/// Returns an `Eval` of its own (of a held-out test set, say) whose fields have the names of
/// the per-epoch metrics.
#[track_run]
fn train_and_test() -> Result<Eval, String> {
    for epoch in 0..3 {
        validate(epoch);
    }
    polytrack::log_metric("lr", 0.1).ok();
    Ok(Eval {
        loss: 0.75,
        accuracy: 0.25,
    })
}

#[test]
fn explicit_outputs_win_over_the_last_metric_values() {
    let t = record();
    assert!(train_and_test().is_ok());
    // The returned values stay; the last metric values fill only names not already set.
    assert_eq!(
        t.recorder.outputs(),
        map(json!({"loss": 0.75, "accuracy": 0.25, "lr": 0.1}))
    );
    assert_eq!(t.recorder.metric("loss").len(), 3);
}

//! `#[track_metrics]` logs each number a function returns as a metric of the current run.

use crate::support::record;
use polytrack::{track_metrics, track_run};
use serde::Serialize;

#[derive(Serialize)]
struct Eval {
    loss: f64,
    accuracy: f32,
    correct: u32,
    converged: bool,
}

#[track_metrics(step = epoch)]
fn evaluate(epoch: u32, loss: f64) -> Eval {
    Eval {
        loss,
        accuracy: 0.5,
        correct: 10,
        converged: false,
    }
}

#[track_run]
fn train_explicit(epochs: u32) {
    for epoch in 0..epochs {
        evaluate(epoch * 10, 1.0 / f64::from(epoch + 1));
    }
}

#[test]
fn each_field_is_a_metric_at_the_step_argument() {
    let t = record();
    train_explicit(2);
    assert_eq!(
        t.recorder.metric("loss"),
        vec![(Some(0), 1.0), (Some(10), 0.5)]
    );
    assert_eq!(
        t.recorder.metric("accuracy"),
        vec![(Some(0), 0.5), (Some(10), 0.5)]
    );
    assert_eq!(
        t.recorder.metric("correct"),
        vec![(Some(0), 10.0), (Some(10), 10.0)]
    );
    assert_eq!(
        t.recorder.metric("converged"),
        vec![(Some(0), 0.0), (Some(10), 0.0)]
    );
}

#[derive(Serialize)]
struct Validation {
    loss: f64,
    per_class: PerClass,
    /// Logged only when present.
    auc: Option<f64>,
    /// Not a number: left out, with a warning.
    note: &'static str,
}

#[derive(Serialize)]
struct PerClass {
    cat: f64,
    dog: f64,
}

#[track_metrics(prefix = "val")]
fn validate(loss: f64, with_auc: bool) -> Validation {
    Validation {
        loss,
        per_class: PerClass {
            cat: 0.25,
            dog: 0.75,
        },
        auc: with_auc.then_some(0.9),
        note: "ok",
    }
}

#[track_run]
fn train_automatic() {
    validate(0.3, false);
    validate(0.2, true);
    validate(f64::NAN, false);
}

#[test]
fn without_step_the_calls_are_counted_and_prefix_and_nesting_use_double_underscores() {
    let t = record();
    train_automatic();
    let loss = t.recorder.metric("val__loss");
    assert_eq!(loss.len(), 3);
    assert_eq!(loss[..2], [(Some(0), 0.3), (Some(1), 0.2)]);
    assert_eq!(loss[2].0, Some(2));
    assert!(loss[2].1.is_nan(), "NaN is kept, not turned into null");
    assert_eq!(
        t.recorder.metric("val__per_class__dog"),
        vec![(Some(0), 0.75), (Some(1), 0.75), (Some(2), 0.75)]
    );
    assert_eq!(t.recorder.metric("val__auc"), vec![(Some(1), 0.9)]);
    assert!(t.recorder.metric("val__note").is_empty());
}

#[test]
fn the_automatic_step_starts_again_with_each_run() {
    let t = record();
    train_automatic();
    drop(t);
    let t = record();
    train_automatic();
    let steps: Vec<_> = t
        .recorder
        .metric("val__loss")
        .into_iter()
        .map(|(step, _)| step)
        .collect();
    assert_eq!(steps, vec![Some(0), Some(1), Some(2)]);
}

#[track_metrics(step = step)]
fn checked(step: &u64, loss: f64) -> Result<Eval, String> {
    if loss < 0.0 {
        return Err("negative loss".to_owned());
    }
    Ok(Eval {
        loss,
        accuracy: 1.0,
        correct: 1,
        converged: true,
    })
}

#[track_run]
fn train_checked() -> Result<(), String> {
    checked(&5, 0.5)?;
    checked(&6, -1.0)?;
    Ok(())
}

#[test]
fn the_ok_value_of_a_result_is_logged_and_an_err_logs_nothing() {
    let t = record();
    assert_eq!(train_checked(), Err("negative loss".to_owned()));
    assert_eq!(t.recorder.metric("loss"), vec![(Some(5), 0.5)]);
    assert_eq!(t.recorder.metric("converged"), vec![(Some(5), 1.0)]);
}

#[track_metrics(step = epoch)]
fn learning_rate(epoch: usize) -> f64 {
    0.1 / (epoch as f64 + 1.0)
}

#[track_run]
fn train_scalar() {
    learning_rate(0);
    learning_rate(1);
}

#[test]
fn a_returned_number_is_a_metric_named_after_the_function() {
    let t = record();
    train_scalar();
    assert_eq!(
        t.recorder.metric("learning_rate"),
        vec![(Some(0), 0.1), (Some(1), 0.05)]
    );
}

#[test]
fn without_a_run_nothing_is_logged_and_the_value_is_returned() {
    let t = record();
    assert!(!polytrack::is_active());
    assert_eq!(evaluate(3, 0.5).loss, 0.5);
    assert!(t.recorder.records().is_empty());
}

#[track_metrics]
fn maybe_loss(loss: Result<f64, String>) -> Result<f64, String> {
    loss
}

#[track_run]
fn train_with_failures() {
    let _ = maybe_loss(Ok(1.0));
    let _ = maybe_loss(Err("skipped batch".to_owned()));
    let _ = maybe_loss(Ok(0.5));
}

#[test]
fn every_call_takes_an_automatic_step_even_one_that_logs_nothing() {
    let t = record();
    train_with_failures();
    assert_eq!(
        t.recorder.metric("maybe_loss"),
        vec![(Some(0), 1.0), (Some(2), 0.5)]
    );
}

#[track_run]
fn nested_run() {
    let _ = maybe_loss(Ok(9.0));
}

#[track_run]
fn outer_run() {
    let _ = maybe_loss(Ok(1.0));
    let _ = maybe_loss(Ok(2.0));
    nested_run();
    let _ = maybe_loss(Ok(3.0));
}

#[test]
fn a_nested_run_does_not_restart_the_outer_runs_steps() {
    let t = record();
    outer_run();
    assert_eq!(
        t.recorder.metric("maybe_loss"),
        vec![(Some(0), 1.0), (Some(1), 2.0), (Some(2), 3.0)]
    );
}

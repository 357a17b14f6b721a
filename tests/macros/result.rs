//! A `Result` ends the run as succeeded with the `Ok` value as outputs, or as failed with the
//! error's text.

use crate::support::{last_status, map, record};
use polytrack::{track_run, Status};
use serde::Serialize;
use serde_json::json;
use std::fmt;

#[derive(Serialize)]
struct Fit {
    loss: f64,
}

#[derive(Debug)]
struct Diverged {
    at_step: u32,
}

impl fmt::Display for Diverged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "loss diverged at step {}", self.at_step)
    }
}

impl std::error::Error for Diverged {}

fn check(loss: f64, step: u32) -> Result<f64, Diverged> {
    if loss.is_finite() {
        Ok(loss)
    } else {
        Err(Diverged { at_step: step })
    }
}

#[track_run]
fn fit(loss: f64) -> Result<Fit, Diverged> {
    let loss = check(loss, 7)?;
    Ok(Fit { loss })
}

#[test]
fn ok_logs_the_ok_value_and_succeeds() {
    let t = record();
    assert_eq!(fit(0.5).map(|fit| fit.loss).ok(), Some(0.5));
    assert_eq!(t.recorder.outputs(), map(json!({"loss": 0.5})));
    assert_eq!(last_status(&t.recorder).0, Status::Succeeded);
}

#[test]
fn err_fails_the_run_with_the_errors_display_text() {
    let t = record();
    assert_eq!(fit(f64::NAN).err().map(|e| e.at_step), Some(7));
    assert!(t.recorder.outputs().is_empty());
    assert_eq!(
        last_status(&t.recorder),
        (Status::Failed, Some("loss diverged at step 7".to_owned()))
    );
    assert!(!polytrack::is_active());
}

#[derive(Debug)]
enum OnlyDebug {
    OutOfMemory,
}

#[track_run]
fn debug_error() -> Result<u32, OnlyDebug> {
    Err(OnlyDebug::OutOfMemory)
}

#[test]
fn an_error_that_is_only_debug_fails_with_its_debug_text() {
    let t = record();
    assert!(debug_error().is_err());
    assert_eq!(
        last_status(&t.recorder),
        (Status::Failed, Some("OutOfMemory".to_owned()))
    );
}

struct Opaque;

#[track_run]
fn opaque_error() -> Result<(), Opaque> {
    Err(Opaque)
}

#[test]
fn an_error_without_display_or_debug_fails_with_its_type_name() {
    let t = record();
    assert!(opaque_error().is_err());
    let (status, message) = last_status(&t.recorder);
    assert_eq!(status, Status::Failed);
    assert!(message.is_some_and(|m| m.contains("Opaque")));
}

#[track_run]
fn boxed(fail: bool) -> Result<(), Box<dyn std::error::Error>> {
    if fail {
        return Err("no data".into());
    }
    let parsed: u32 = "12".parse()?;
    assert_eq!(parsed, 12);
    Ok(())
}

#[test]
fn main_style_boxed_errors_work_with_question_mark() {
    let t = record();
    assert!(boxed(false).is_ok());
    assert!(t.recorder.outputs().is_empty());
    assert_eq!(last_status(&t.recorder).0, Status::Succeeded);
    drop(t);
    let t = record();
    assert!(boxed(true).is_err());
    assert_eq!(
        last_status(&t.recorder),
        (Status::Failed, Some("no data".to_owned()))
    );
}

/// A generic error: which text is used depends on what the caller's bounds allow.
#[track_run(skip(error))]
fn generic_error<E: fmt::Display>(error: E) -> Result<u8, E> {
    Err(error)
}

#[test]
fn a_generic_error_uses_the_bounds_in_scope() {
    let t = record();
    assert!(generic_error("bad input".to_owned()).is_err());
    assert_eq!(
        last_status(&t.recorder),
        (Status::Failed, Some("bad input".to_owned()))
    );
}

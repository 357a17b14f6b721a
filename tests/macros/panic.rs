//! A panic fails the run with the panic's text, and then keeps unwinding.

use crate::support::{last_status, map, record};
use polytrack::{track_run, Status};
use serde_json::json;
use std::panic;

#[track_run]
fn exploding(step: u32) -> u32 {
    if step > 2 {
        panic!("gradient exploded at step {step}");
    }
    step
}

#[test]
fn a_panic_fails_the_run_and_keeps_unwinding() {
    let t = record();
    let caught = panic::catch_unwind(|| exploding(3));
    let payload = caught.expect_err("the panic reaches the caller");
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("gradient exploded at step 3")
    );
    assert_eq!(t.recorder.inputs(), map(json!({"step": 3})));
    let (status, message) = last_status(&t.recorder);
    assert_eq!(status, Status::Failed);
    let message = message.unwrap_or_default();
    assert!(
        message.contains("gradient exploded at step 3"),
        "message: {message}"
    );
    assert!(!polytrack::is_active());
}

#[test]
fn without_a_panic_the_same_function_succeeds() {
    let t = record();
    assert_eq!(exploding(1), 1);
    assert_eq!(last_status(&t.recorder).0, Status::Succeeded);
}

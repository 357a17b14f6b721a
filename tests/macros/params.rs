//! `#[track_params]` logs a function's arguments into the current run, and costs nothing
//! (no serialization at all) when no run is active.

use crate::support::{map, record};
use polytrack::{track_params, track_run};
use serde::{Serialize, Serializer};
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Serialize)]
struct Augment {
    flip: bool,
    crop: u32,
}

#[track_params]
fn build_optimizer(lr: f64, momentum: f64) -> (f64, f64) {
    (lr, momentum)
}

#[track_params(prefix = "data", skip(rows), rename(shuffle = "shuffled"))]
fn load_data(rows: Vec<f64>, augment: &Augment, shuffle: bool) -> usize {
    let _ = (augment, shuffle);
    rows.len()
}

#[track_run]
fn train(epochs: u32) -> usize {
    let (lr, _) = build_optimizer(0.1, 0.9);
    let _ = lr;
    load_data(
        vec![1.0; 4],
        &Augment {
            flip: true,
            crop: 8,
        },
        true,
    ) + epochs as usize
}

#[test]
fn arguments_are_merged_into_the_current_runs_inputs() {
    let t = record();
    assert_eq!(train(1), 5);
    assert_eq!(
        t.recorder.inputs(),
        map(json!({
            "epochs": 1,
            "lr": 0.1,
            "momentum": 0.9,
            "data__flip": true,
            "data__crop": 8,
            "data__shuffled": true,
        }))
    );
}

static SERIALIZED: AtomicUsize = AtomicUsize::new(0);

/// Counts how often it is serialized.
struct Counted(u32);

impl Serialize for Counted {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        SERIALIZED.fetch_add(1, Ordering::SeqCst);
        serializer.serialize_u32(self.0)
    }
}

#[track_params]
fn configure(value: Counted) -> u32 {
    value.0
}

#[test]
fn without_a_run_no_argument_is_serialized() {
    let t = record();
    let before = SERIALIZED.load(Ordering::SeqCst);
    assert_eq!(configure(Counted(3)), 3);
    assert_eq!(SERIALIZED.load(Ordering::SeqCst), before);
    assert!(t.recorder.records().is_empty());
}

#[track_run]
fn configured_run() -> u32 {
    configure(Counted(4))
}

#[test]
fn with_a_run_it_is_serialized() {
    let t = record();
    let before = SERIALIZED.load(Ordering::SeqCst);
    assert_eq!(configured_run(), 4);
    assert!(SERIALIZED.load(Ordering::SeqCst) > before);
    assert_eq!(t.recorder.inputs(), map(json!({"value": 4})));
}

#[track_params(skip_all)]
fn nothing_logged(secret: &str) -> usize {
    secret.len()
}

#[track_params]
async fn async_params(batch: u32) -> u32 {
    batch * 2
}

#[track_run]
async fn async_run() -> u32 {
    nothing_logged("token");
    async_params(16).await
}

#[tokio::test]
async fn async_functions_log_when_first_polled() {
    let t = record();
    assert_eq!(async_run().await, 32);
    assert_eq!(t.recorder.inputs(), map(json!({"batch": 16})));
}

// The expansions raise no warning of their own, under `deny(warnings)` and the stricter
// lints users often turn on.
#![deny(
    warnings,
    unused,
    rust_2018_idioms,
    unused_qualifications,
    unreachable_pub
)]
#![deny(clippy::all, clippy::pedantic)]

use polytrack::{track_metrics, track_params, track_run};
use serde::Serialize;

#[derive(Serialize)]
struct Eval {
    loss: f64,
}

#[track_params]
fn optimizer(momentum: f64) -> f64 {
    momentum
}

#[track_metrics]
fn evaluate(loss: f64) -> Eval {
    Eval { loss }
}

#[track_metrics(step = epoch, prefix = "val")]
fn validate(epoch: u64, loss: f64) -> Result<Eval, String> {
    let _ = epoch;
    Ok(Eval { loss })
}

#[track_run(skip_ret)]
fn unit(lr: f64) {
    let _ = optimizer(lr);
}

#[track_run]
fn train(lr: f64, epochs: u64) -> Result<f64, String> {
    for epoch in 0..epochs {
        evaluate(lr);
        validate(epoch, lr)?;
    }
    unit(lr);
    Ok(lr)
}

#[track_run]
async fn train_async(lr: f64) -> Option<f64> {
    Some(lr)
}

// One-line bodies: the expansion must not nest them in a block of their own
// (`unused_braces`).
#[track_params]
fn one_line(lr: f64) -> f64 { lr }

#[track_run]
async fn one_line_async(lr: f64) -> f64 { lr }

fn main() {
    let _ = train(0.1, 2);
    drop(train_async(0.1));
    let _ = one_line(0.1);
    drop(one_line_async(0.1));
}

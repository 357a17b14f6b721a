// The expansions contain no `unsafe`.
#![forbid(unsafe_code)]

use polytrack::{track_metrics, track_params, track_run};

#[track_params]
fn configure(lr: f64) -> f64 {
    lr
}

#[track_metrics]
fn evaluate(loss: f64) -> f64 {
    loss
}

#[track_run]
fn train(lr: f64) -> f64 {
    evaluate(configure(lr))
}

fn main() {
    train(0.1);
}

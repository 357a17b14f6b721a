// The expansions name everything by absolute path, so they compile without the prelude.
#![no_implicit_prelude]

extern crate polytrack;
extern crate serde;
extern crate std;

use serde::Serialize;
use std::string::String;
use std::vec::Vec;

#[derive(Serialize)]
struct Config {
    lr: f64,
    layers: Vec<u32>,
}

#[derive(Serialize)]
struct Eval {
    loss: f64,
}

#[polytrack::track_params(prefix = "opt")]
fn optimizer(momentum: f64) -> f64 {
    momentum
}

#[polytrack::track_metrics]
fn evaluate(loss: f64) -> Eval {
    Eval { loss }
}

#[polytrack::track_metrics(step = epoch)]
fn evaluate_at(epoch: u32, loss: f64) -> std::result::Result<Eval, String> {
    let _ = epoch;
    std::result::Result::Ok(Eval { loss })
}

#[polytrack::track_run(name = "hygiene", tags("a"), rename(config = "cfg"))]
fn train(config: &Config) -> std::result::Result<f64, String> {
    optimizer(0.9);
    evaluate(config.lr);
    evaluate_at(1, config.lr)?;
    std::result::Result::Ok(config.lr * 2.0)
}

#[polytrack::track_run]
async fn train_async(lr: f64) -> f64 {
    lr
}

fn main() {
    let config = Config {
        lr: 0.1,
        layers: std::vec![1, 2],
    };
    let _ = train(&config);
    let _ = train_async(0.1);
}

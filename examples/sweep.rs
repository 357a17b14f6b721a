//! A small grid search: four trials of a linear model, each with its own learning rate, run
//! at the same time on four threads. Each trial is a `#[track_run]`: the current run of its
//! own thread while it runs, so its inputs, outputs and per-epoch metrics (logged by
//! `#[track_metrics]` and module-level calls) land in its own run and nowhere else.
//!
//! Offline by default (the runs go under `$POLYAXON_OFFLINE_ROOT`, default
//! `/tmp/plx/offline`); the environment Polyaxon sets in a cluster makes them managed runs.
//!
//! ```text
//! cargo run -p polytrack-examples --example sweep
//! ```

use polytrack::{track_metrics, track_run};
use polytrack_examples::{init_logging, Rng};
use serde::Serialize;
use std::path::PathBuf;

/// The learning rates of the grid; the last one is too large and diverges.
const LEARNING_RATES: [f64; 4] = [0.003, 0.03, 0.3, 3.0];
const EPOCHS: u32 = 20;
const FEATURES: usize = 4;

/// What a trial returns: `val_mse` is logged as its output.
#[derive(Serialize)]
struct Outcome {
    val_mse: f64,
    /// Where the trial's run went (not logged).
    #[serde(skip)]
    run_dir: Option<PathBuf>,
}

/// Logged each epoch as the metric `val__mse` of the calling thread's run.
#[derive(Serialize)]
struct Eval {
    mse: f64,
}

/// Rows of features and their targets.
struct Data {
    xs: Vec<[f64; FEATURES]>,
    ys: Vec<f64>,
}

fn main() {
    init_logging();
    let outcomes: Vec<(f64, Result<Outcome, String>)> = std::thread::scope(|s| {
        let trials: Vec<_> = LEARNING_RATES
            .iter()
            .enumerate()
            .map(|(i, &lr)| s.spawn(move || (lr, trial(lr, EPOCHS, 100 + i as u64))))
            .collect();
        trials
            .into_iter()
            .map(|t| {
                t.join()
                    .unwrap_or_else(|_| (f64::NAN, Err("panicked".into())))
            })
            .collect()
    });
    for (lr, outcome) in &outcomes {
        match outcome {
            Ok(o) => println!(
                "lr {lr:<6} val_mse {:.5}  run {}",
                o.val_mse,
                o.run_dir
                    .as_ref()
                    .map_or("-".into(), |d| d.display().to_string())
            ),
            Err(e) => println!("lr {lr:<6} failed: {e}"),
        }
    }
    let best = outcomes
        .iter()
        .filter_map(|(lr, o)| o.as_ref().ok().map(|o| (*lr, o.val_mse)))
        .min_by(|a, b| a.1.total_cmp(&b.1));
    if let Some((lr, mse)) = best {
        println!("best: lr {lr} (val_mse {mse:.5})");
    }
}

/// One trial: its arguments are the run's inputs, `Ok`'s fields its outputs, and an `Err`
/// (the loss diverged) fails the run with the error's text.
#[track_run(name = "sweep-trial", tags("sweep"))]
fn trial(learning_rate: f64, epochs: u32, seed: u64) -> Result<Outcome, String> {
    let mut rng = Rng::new(seed);
    let truth = [1.5, -2.0, 0.5, 3.0];
    let train = synthesize(&truth, 800, &mut rng);
    let val = synthesize(&truth, 200, &mut rng);
    let mut weights = [0.0; FEATURES];
    for epoch in 0..epochs {
        let loss = sgd_epoch(&mut weights, &train, learning_rate);
        if !loss.is_finite() || loss > 1e6 {
            return Err(format!("the loss diverged in epoch {epoch}"));
        }
        // Reaches this thread's run, not another trial's.
        polytrack::log_metric_at("train/loss", loss, i64::from(epoch)).ok();
        evaluate(&weights, &val, epoch);
    }
    Ok(Outcome {
        val_mse: mse(&weights, &val),
        run_dir: polytrack::get_artifacts_path(None).ok(),
    })
}

/// The validation error of one epoch, logged at step `epoch`.
#[track_metrics(step = epoch, prefix = "val")]
fn evaluate(weights: &[f64; FEATURES], data: &Data, epoch: u32) -> Eval {
    Eval {
        mse: mse(weights, data),
    }
}

fn synthesize(truth: &[f64; FEATURES], rows: usize, rng: &mut Rng) -> Data {
    let xs: Vec<[f64; FEATURES]> = (0..rows)
        .map(|_| std::array::from_fn(|_| rng.normal()))
        .collect();
    let ys = xs
        .iter()
        .map(|x| dot(truth, x) + 0.1 * rng.normal())
        .collect();
    Data { xs, ys }
}

/// One pass of per-sample SGD on the squared error; returns the mean loss.
fn sgd_epoch(weights: &mut [f64; FEATURES], data: &Data, learning_rate: f64) -> f64 {
    let mut total = 0.0;
    for (x, y) in data.xs.iter().zip(&data.ys) {
        let err = dot(weights, x) - y;
        total += err * err;
        for (w, xi) in weights.iter_mut().zip(x) {
            *w -= learning_rate * err * xi;
        }
    }
    total / data.ys.len() as f64
}

fn mse(weights: &[f64; FEATURES], data: &Data) -> f64 {
    let total: f64 = data
        .xs
        .iter()
        .zip(&data.ys)
        .map(|(x, y)| (dot(weights, x) - y).powi(2))
        .sum();
    total / data.ys.len() as f64
}

fn dot(a: &[f64; FEATURES], b: &[f64; FEATURES]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

//! Quickstart: linear regression trained by SGD on synthetic data, tracked by one attribute.
//!
//! `#[track_run]` starts a run, logs the hyperparameters (the fields of `Hyperparams`) as its
//! inputs, the returned `Results` as its outputs, and ends it as succeeded (or failed, if
//! `train` returned an error or panicked). Inside, `polytrack::log_metric_at` reaches the run.
//! Progress is logged through `tracing`: printed by the `fmt` layer and, through
//! `polytrack::logs::layer()`, recorded into the run's logs (Polyaxon's Logs tab).
//!
//! Offline by default (the run goes to `$POLYAXON_OFFLINE_ROOT/runs/<uuid>`, default
//! `/tmp/plx/offline`); the environment Polyaxon sets in a cluster makes it a managed run.
//!
//! ```text
//! cargo run -p polytrack-examples --example quickstart
//! ```

use polytrack::track_run;
use polytrack_examples::{init_logging, Rng};
use serde::Serialize;
use tracing_subscriber::prelude::*;

/// Logged as the run's inputs, one per field.
#[derive(Serialize)]
struct Hyperparams {
    learning_rate: f64,
    epochs: u32,
    batch_size: usize,
    samples: usize,
    features: usize,
}

/// Logged as the run's outputs, one per field.
#[derive(Serialize)]
struct Results {
    final_mse: f64,
    bias: f64,
    weights: Vec<f64>,
}

#[track_run(name = "quickstart-linear-regression", tags("quickstart", "sgd"))]
fn train(hp: Hyperparams) -> Results {
    // Synthetic data: y = x·w_true + 0.5 + noise.
    let mut rng = Rng::new(7);
    let w_true: Vec<f64> = (0..hp.features).map(|i| 1.0 - 0.5 * i as f64).collect();
    let xs: Vec<Vec<f64>> = (0..hp.samples)
        .map(|_| (0..hp.features).map(|_| rng.normal()).collect())
        .collect();
    let ys: Vec<f64> = xs
        .iter()
        .map(|x| dot(x, &w_true) + 0.5 + 0.1 * rng.normal())
        .collect();
    let mse = |w: &[f64], b: f64| {
        xs.iter()
            .zip(&ys)
            .map(|(x, y)| (dot(x, w) + b - y).powi(2))
            .sum::<f64>()
            / hp.samples as f64
    };

    tracing::info!(
        samples = hp.samples,
        features = hp.features,
        "training on synthetic data"
    );
    let mut w = vec![0.0; hp.features];
    let mut b = 0.0;
    let mut step = 0i64;
    for epoch in 0..hp.epochs {
        for start in (0..hp.samples).step_by(hp.batch_size) {
            let batch = start..(start + hp.batch_size).min(hp.samples);
            let n = batch.len() as f64;
            let mut grad_w = vec![0.0; hp.features];
            let mut grad_b = 0.0;
            let mut loss = 0.0;
            for i in batch {
                let err = dot(&xs[i], &w) + b - ys[i];
                loss += err * err;
                for (g, x) in grad_w.iter_mut().zip(&xs[i]) {
                    *g += 2.0 * err * x;
                }
                grad_b += 2.0 * err;
            }
            for (wi, g) in w.iter_mut().zip(&grad_w) {
                *wi -= hp.learning_rate * g / n;
            }
            b -= hp.learning_rate * grad_b / n;
            step += 1;
            // Tracking never stops the training: a failed log call is reported, not fatal.
            if let Err(e) = polytrack::log_metric_at("train/loss", loss / n, step) {
                tracing::warn!("tracking: {e}");
            }
        }
        let epoch_mse = mse(&w, b);
        if let Err(e) = polytrack::log_metrics!(step = epoch; mse = epoch_mse, bias = b) {
            tracing::warn!("tracking: {e}");
        }
        tracing::info!(epoch, mse = epoch_mse, bias = b, "epoch done");
    }
    if let Ok(dir) = polytrack::get_artifacts_path(None) {
        tracing::info!("run folder: {}", dir.display());
    }
    Results {
        final_mse: mse(&w, b),
        bias: b,
        weights: w,
    }
}

fn main() {
    init_logging();
    tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_target(false))
        .with(polytrack::logs::layer())
        .init();
    let results = train(Hyperparams {
        learning_rate: 0.05,
        epochs: 20,
        batch_size: 32,
        samples: 2000,
        features: 4,
    });
    println!(
        "final mse {:.5}, bias {:.3}, weights {:.3?}",
        results.final_mse, results.bias, results.weights
    );
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

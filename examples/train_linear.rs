//! Linear regression trained by mini-batch SGD on synthetic data, tracked by attributes alone:
//!
//! - `#[track_run]` on `train`: the config's fields become the run's inputs, the returned
//!   report its outputs, and an `Err` (the loss diverged) fails the run;
//! - `#[track_params]` on `init_model`: the model's initialization settings join the inputs;
//! - `#[track_metrics]` on `evaluate`: the validation metrics of each epoch.
//!
//! Offline by default (the run goes under `$POLYAXON_OFFLINE_ROOT`, default
//! `/tmp/plx/offline`); the environment Polyaxon sets in a cluster makes it a managed run.
//!
//! ```text
//! cargo run -p polytrack-examples --example train_linear
//! ```

use polytrack::{track_metrics, track_params, track_run};
use polytrack_examples::{init_logging, Rng};
use serde::Serialize;
use std::fmt;

/// The hyperparameters: logged as inputs by their field names, `data` ones as `data__<field>`.
#[derive(Serialize)]
struct Config {
    learning_rate: f64,
    /// The learning rate is multiplied by this after each epoch.
    lr_decay: f64,
    epochs: u32,
    batch_size: usize,
    seed: u64,
    data: DataSpec,
}

/// How the synthetic data set is made.
#[derive(Serialize)]
struct DataSpec {
    samples: usize,
    features: usize,
    /// Standard deviation of the noise added to the targets.
    noise: f64,
    /// Share of the samples held out for validation.
    holdout: f64,
}

/// What the run returns, logged as its outputs.
#[derive(Serialize)]
struct Report {
    val_mse: f64,
    val_r2: f64,
    /// Distance between the learned and the true weights.
    weight_error: f64,
    steps: i64,
}

/// Logged each epoch as the metrics `val__mse` and `val__r2`.
#[derive(Serialize)]
struct Eval {
    mse: f64,
    r2: f64,
}

/// The training loss stopped being a number: the run ends as failed with this text.
#[derive(Debug)]
struct Diverged {
    epoch: u32,
}

impl fmt::Display for Diverged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the training loss diverged in epoch {}", self.epoch)
    }
}

impl std::error::Error for Diverged {}

/// Rows of features and their targets.
struct Split {
    xs: Vec<Vec<f64>>,
    ys: Vec<f64>,
}

/// A linear model `y = w·x + b`.
struct Linear {
    weights: Vec<f64>,
    bias: f64,
}

impl Linear {
    fn predict(&self, x: &[f64]) -> f64 {
        dot(&self.weights, x) + self.bias
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    init_logging();
    let config = Config {
        learning_rate: 0.05,
        lr_decay: 0.97,
        epochs: 30,
        batch_size: 32,
        seed: 7,
        data: DataSpec {
            samples: 4000,
            features: 8,
            noise: 0.1,
            holdout: 0.2,
        },
    };
    let report = train(&config)?;
    println!(
        "validation mse {:.5}, r2 {:.4}, weight error {:.4}, after {} steps",
        report.val_mse, report.val_r2, report.weight_error, report.steps
    );
    Ok(())
}

#[track_run(name = "train-linear", tags("example", "sgd"))]
fn train(config: &Config) -> Result<Report, Diverged> {
    if let Ok(path) = polytrack::get_artifacts_path(None) {
        println!("tracking into {}", path.display());
    }
    let mut rng = Rng::new(config.seed);
    let true_weights: Vec<f64> = (0..config.data.features)
        .map(|i| (i as f64 - 3.0) / 2.0)
        .collect();
    let (train_set, val_set) = synthesize(&config.data, &true_weights, &mut rng);
    let mut model = init_model(config.data.features, 0.01, config.seed);

    let mut learning_rate = config.learning_rate;
    let mut order: Vec<usize> = (0..train_set.ys.len()).collect();
    let mut step = 0_i64;
    for epoch in 0..config.epochs {
        shuffle(&mut order, &mut rng);
        for batch in order.chunks(config.batch_size) {
            let loss = sgd_step(&mut model, &train_set, batch, learning_rate);
            if !loss.is_finite() {
                return Err(Diverged { epoch });
            }
            step += 1;
            if step % 10 == 0 {
                // Module-level logging reaches the run `#[track_run]` started.
                polytrack::log_metric_at("train/loss", loss, step).ok();
            }
        }
        evaluate(&model, &val_set, epoch);
        learning_rate *= config.lr_decay;
    }

    let eval = evaluate_untracked(&model, &val_set);
    let weight_error = model
        .weights
        .iter()
        .zip(&true_weights)
        .map(|(w, t)| (w - t).powi(2))
        .sum::<f64>()
        .sqrt();
    Ok(Report {
        val_mse: eval.mse,
        val_r2: eval.r2,
        weight_error,
        steps: step,
    })
}

/// Small random initial weights; its arguments are logged as `init__features`, ...
#[track_params(prefix = "init")]
fn init_model(features: usize, scale: f64, seed: u64) -> Linear {
    let mut rng = Rng::new(seed ^ 0x5eed);
    Linear {
        weights: (0..features).map(|_| scale * rng.normal()).collect(),
        bias: 0.0,
    }
}

/// The validation metrics of one epoch, logged at step `epoch`.
#[track_metrics(step = epoch, prefix = "val")]
fn evaluate(model: &Linear, data: &Split, epoch: u32) -> Eval {
    evaluate_untracked(model, data)
}

fn evaluate_untracked(model: &Linear, data: &Split) -> Eval {
    let n = data.ys.len() as f64;
    let mean = data.ys.iter().sum::<f64>() / n;
    let (mut residual, mut total) = (0.0, 0.0);
    for (x, y) in data.xs.iter().zip(&data.ys) {
        residual += (model.predict(x) - y).powi(2);
        total += (y - mean).powi(2);
    }
    Eval {
        mse: residual / n,
        r2: 1.0 - residual / total,
    }
}

/// One mini-batch gradient step on the mean squared error; returns the batch's loss.
fn sgd_step(model: &mut Linear, data: &Split, batch: &[usize], learning_rate: f64) -> f64 {
    let mut grad_w = vec![0.0; model.weights.len()];
    let mut grad_b = 0.0;
    let mut loss = 0.0;
    for &i in batch {
        let err = model.predict(&data.xs[i]) - data.ys[i];
        loss += err * err;
        for (g, x) in grad_w.iter_mut().zip(&data.xs[i]) {
            *g += 2.0 * err * x;
        }
        grad_b += 2.0 * err;
    }
    let n = batch.len() as f64;
    for (w, g) in model.weights.iter_mut().zip(&grad_w) {
        *w -= learning_rate * g / n;
    }
    model.bias -= learning_rate * grad_b / n;
    loss / n
}

/// `y = x·w + 0.5 + noise`, split into training and validation sets.
fn synthesize(spec: &DataSpec, weights: &[f64], rng: &mut Rng) -> (Split, Split) {
    let mut all = Split {
        xs: Vec::with_capacity(spec.samples),
        ys: Vec::with_capacity(spec.samples),
    };
    for _ in 0..spec.samples {
        let x: Vec<f64> = (0..spec.features).map(|_| rng.normal()).collect();
        all.ys
            .push(dot(&x, weights) + 0.5 + spec.noise * rng.normal());
        all.xs.push(x);
    }
    let held_out = (spec.samples as f64 * spec.holdout) as usize;
    let cut = spec.samples - held_out;
    let val = Split {
        xs: all.xs.split_off(cut),
        ys: all.ys.split_off(cut),
    };
    (all, val)
}

/// Fisher-Yates.
fn shuffle(order: &mut [usize], rng: &mut Rng) {
    for i in (1..order.len()).rev() {
        let j = (rng.next_f64() * (i + 1) as f64) as usize;
        order.swap(i, j.min(i));
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

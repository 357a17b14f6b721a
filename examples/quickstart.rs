//! Quickstart: linear regression trained by SGD on synthetic data, tracked by polytrack.
//!
//! Offline by default (the run goes to `$POLYAXON_OFFLINE_ROOT/runs/<uuid>`, default
//! `/tmp/plx/offline`); the environment Polyaxon sets makes it a managed run instead.
//!
//! ```text
//! cargo run -p polytrack-examples --example quickstart
//! ```

use polytrack_examples::{init_logging, offline_unless_configured, Rng};
use serde::Serialize;

#[derive(Serialize)]
struct Hyperparams {
    learning_rate: f64,
    epochs: u32,
    batch_size: usize,
    samples: usize,
    features: usize,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    init_logging();
    let hp = Hyperparams {
        learning_rate: 0.05,
        epochs: 20,
        batch_size: 32,
        samples: 2000,
        features: 4,
    };

    let run = polytrack::init_with(
        offline_unless_configured()
            .name("quickstart-linear-regression")
            .tags(["quickstart", "sgd"]),
    )?;
    run.log_inputs(&hp)?;

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

    let mut w = vec![0.0; hp.features];
    let mut b = 0.0;
    let mut step = 0i64;
    for epoch in 0..hp.epochs {
        for batch in (0..hp.samples).collect::<Vec<_>>().chunks(hp.batch_size) {
            let mut grad_w = vec![0.0; hp.features];
            let mut grad_b = 0.0;
            let mut loss = 0.0;
            for &i in batch {
                let err = dot(&xs[i], &w) + b - ys[i];
                loss += err * err;
                for (g, x) in grad_w.iter_mut().zip(&xs[i]) {
                    *g += 2.0 * err * x;
                }
                grad_b += 2.0 * err;
            }
            let n = batch.len() as f64;
            for (wi, g) in w.iter_mut().zip(&grad_w) {
                *wi -= hp.learning_rate * g / n;
            }
            b -= hp.learning_rate * grad_b / n;
            step += 1;
            run.log_metric_at("train/loss", loss / n, step)?;
        }
        let mse = xs
            .iter()
            .zip(&ys)
            .map(|(x, y)| (dot(x, &w) + b - y).powi(2))
            .sum::<f64>()
            / hp.samples as f64;
        run.log_metrics(&[("mse", mse), ("bias", b)], Some(i64::from(epoch)), None)?;
    }

    let final_mse = xs
        .iter()
        .zip(&ys)
        .map(|(x, y)| (dot(x, &w) + b - y).powi(2))
        .sum::<f64>()
        / hp.samples as f64;
    run.log_outputs(&serde_json::json!({ "final_mse": final_mse, "weights": w }))?;

    let report = run.end()?;
    println!("final mse {final_mse:.5}, weights {w:.3?}, bias {b:.3}");
    println!("{report}");
    if let Some(dir) = &report.run_dir {
        println!("run folder: {}", dir.display());
    }
    Ok(())
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

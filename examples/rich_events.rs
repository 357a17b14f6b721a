//! Logistic regression on synthetic 8 x 8 images (a bright column in the left half against one
//! in the right half, on noise), logging one of every rich event kind Polyaxon shows while it trains: sample images
//! with a box, the weights as an image, a histogram and a video over the epochs, ROC and PR
//! curves, a confusion matrix, a text and an HTML summary, a Vega-Lite chart, a table of the
//! epochs, an audio clip of the loss, model checkpoints and an artifact.
//!
//! Offline by default: it prints the run's folder, which `polyaxon ops push` uploads.
//!
//! ```text
//! cargo run -p polytrack-examples --example rich_events
//! ```

use polytrack::{
    ArtifactKind, Audio, Chart, ConfusionMatrix, Dataframe, Image, Layout, Video, VideoLayout,
};
use polytrack_examples::{init_logging, Rng};
use serde::Serialize;
use serde_json::json;

const SIDE: usize = 8;
const PIXELS: usize = SIDE * SIDE;

/// One synthetic image: a bright column on the left (label `true`) or on the right half, on
/// noise, values in [0, 1].
fn sample(rng: &mut Rng) -> (Vec<f32>, bool) {
    let left = rng.next_f64() < 0.5;
    let column = (rng.next_f64() * (SIDE / 2) as f64) as usize + if left { 0 } else { SIDE / 2 };
    let pixels = (0..PIXELS)
        .map(|i| {
            let on = i % SIDE == column;
            let v = if on { 0.3 } else { 0.0 } + 0.7 * rng.next_f64();
            v.min(1.0) as f32
        })
        .collect();
    (pixels, left)
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// One row of the epochs table.
#[derive(Serialize)]
struct Epoch {
    epoch: i64,
    loss: f64,
    accuracy: f64,
}

fn main() -> Result<(), polytrack::Error> {
    init_logging();
    let run = polytrack::init()?;
    let mut rng = Rng::new(7);
    let train: Vec<_> = (0..512).map(|_| sample(&mut rng)).collect();
    let val: Vec<_> = (0..256).map(|_| sample(&mut rng)).collect();
    polytrack::log_inputs!(learning_rate = 0.5, epochs = 12, samples = train.len())?;

    // A batch of 16 samples, tiled 8 to a row, and one with a box around its bright line.
    let batch: Vec<f32> = train.iter().take(16).flat_map(|(p, _)| p.clone()).collect();
    polytrack::log_image(
        Image::from_f32(batch, &[16, SIDE, SIDE, 1], Layout::Nhwc)?,
        Some("samples"),
        None,
    )?;
    polytrack::log_image_with_boxes(
        Image::from_f32(train[0].0.clone(), &[SIDE, SIDE, 1], Layout::Hwc)?,
        &[[0.0, 0.0, 7.0, 7.0]],
        Some("boxed_sample"),
        None,
    )?;

    let (mut w, mut b) = (vec![0.0f64; PIXELS], 0.0f64);
    let lr = 0.5;
    let mut epochs = Vec::new();
    let mut frames = Vec::new();
    for epoch in 1..=12i64 {
        let mut loss = 0.0;
        for (x, y) in &train {
            let z = b + w
                .iter()
                .zip(x)
                .map(|(wi, xi)| wi * f64::from(*xi))
                .sum::<f64>();
            let p = sigmoid(z);
            let t = if *y { 1.0 } else { 0.0 };
            loss -= t * p.max(1e-12).ln() + (1.0 - t) * (1.0 - p).max(1e-12).ln();
            let g = p - t;
            for (wi, xi) in w.iter_mut().zip(x) {
                *wi -= lr * g * f64::from(*xi) / train.len() as f64 * 8.0;
            }
            b -= lr * g / train.len() as f64 * 8.0;
        }
        loss /= train.len() as f64;
        let scores: Vec<f64> = val
            .iter()
            .map(|(x, _)| {
                sigmoid(
                    b + w
                        .iter()
                        .zip(x)
                        .map(|(wi, xi)| wi * f64::from(*xi))
                        .sum::<f64>(),
                )
            })
            .collect();
        let labels: Vec<bool> = val.iter().map(|(_, y)| *y).collect();
        let accuracy = scores
            .iter()
            .zip(&labels)
            .filter(|(s, l)| (**s > 0.5) == **l)
            .count() as f64
            / val.len() as f64;
        polytrack::log_metrics!(step = epoch; loss = loss, accuracy = accuracy)?;
        polytrack::log_histogram("weight_values", &w, 20, Some(epoch))?;
        // The weights as an image: negative dark, positive bright.
        let max = w.iter().fold(1e-9f64, |m, v| m.max(v.abs()));
        let picture: Vec<f32> = w.iter().map(|v| (0.5 + 0.5 * v / max) as f32).collect();
        frames.extend(picture.iter().map(|v| (v * 255.0) as u8));
        polytrack::log_image(
            Image::from_f32(picture, &[SIDE, SIDE], Layout::Hw)?,
            Some("weights"),
            Some(epoch),
        )?;
        if epoch % 4 == 0 {
            polytrack::log_roc_auc_curve("val_roc", &labels, &scores, Some(epoch))?;
            polytrack::log_pr_curve("val_pr", &labels, &scores, Some(epoch))?;
            let predicted: Vec<&str> = scores
                .iter()
                .map(|s| if *s > 0.5 { "left" } else { "right" })
                .collect();
            let truth: Vec<&str> = labels
                .iter()
                .map(|l| if *l { "left" } else { "right" })
                .collect();
            polytrack::log_confusion_matrix(
                "val_confusion",
                ConfusionMatrix::from_predictions(&truth, &predicted)?,
                Some(epoch),
            )?;
            let ckpt = std::env::temp_dir().join(format!("rich_events_weights_{epoch}.json"));
            std::fs::write(
                &ckpt,
                serde_json::to_vec(&json!({"w": w, "b": b})).unwrap_or_default(),
            )
            .map_err(|e| polytrack::Error::Io {
                context: "checkpoint".into(),
                source: e,
            })?;
            polytrack::log_model(&ckpt, Some("checkpoint"), Some("rust"), None, Some(epoch))?;
        }
        epochs.push(Epoch {
            epoch,
            loss,
            accuracy,
        });
    }

    let last = &epochs[epochs.len() - 1];
    polytrack::log_text(
        "summary",
        format!("final loss {:.4}, accuracy {:.3}", last.loss, last.accuracy),
        None,
    )?;
    polytrack::log_html(
        "summary_html",
        format!("<h3>Done</h3><p>accuracy <b>{:.3}</b></p>", last.accuracy),
        None,
    )?;
    polytrack::log_curve(
        "loss_by_epoch",
        &epochs.iter().map(|e| e.epoch as f64).collect::<Vec<_>>(),
        &epochs.iter().map(|e| e.loss).collect::<Vec<_>>(),
        Some("training loss"),
        None,
    )?;
    let chart = json!({
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": epochs},
        "mark": "line",
        "encoding": {"x": {"field": "epoch", "type": "quantitative"}, "y": {"field": "loss", "type": "quantitative"}},
    });
    polytrack::log_chart("loss_chart", Chart::Vega(chart), None)?;
    polytrack::log_dataframe("epochs", Dataframe::from_rows(&epochs)?, Some(12))?;
    // The loss as a falling tone, one second.
    let tone: Vec<f32> = (0..8000)
        .map(|i| {
            let t = i as f32 / 8000.0;
            let e = &epochs[(t * epochs.len() as f32) as usize];
            0.5 * (2.0 * std::f32::consts::PI * (200.0 + 600.0 * e.loss as f32) * t).sin()
        })
        .collect();
    polytrack::log_audio(Audio::mono(tone, 8000)?, Some("loss_tone"), Some(12))?;
    polytrack::log_video(
        Video::from_u8(frames, &[12, SIDE, SIDE, 1], VideoLayout::Thwc, 4)?,
        Some("weights_over_time"),
        Some(12),
    )?;

    let final_model = std::env::temp_dir().join("rich_events_model.json");
    std::fs::write(
        &final_model,
        serde_json::to_vec(&json!({"w": w, "b": b})).unwrap_or_default(),
    )
    .map_err(|e| polytrack::Error::Io {
        context: "model".into(),
        source: e,
    })?;
    polytrack::log_model(&final_model, Some("model"), Some("rust"), None, None)?;
    let config = std::env::temp_dir().join("rich_events_config.json");
    std::fs::write(&config, r#"{"side": 8, "learning_rate": 0.5}"#).map_err(|e| {
        polytrack::Error::Io {
            context: "config".into(),
            source: e,
        }
    })?;
    polytrack::log_artifact(&config, Some("config"), Some(ArtifactKind::File), None)?;

    let dir = run.get_artifacts_path(None)?;
    let report = run.end()?;
    println!(
        "accuracy {:.3}; run folder: {}",
        last.accuracy,
        dir.display()
    );
    if !report.is_complete() {
        eprintln!("not everything was recorded: {report:?}");
    }
    Ok(())
}

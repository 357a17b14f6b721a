use polytrack::{track_metrics, track_params, track_run};
use serde::Serialize;

#[derive(Serialize)]
struct Eval {
    loss: f64,
}

#[track_run(step = epoch)]
fn train(epoch: u32) {
    let _ = epoch;
}

#[track_params(outputs = "ret")]
fn configure(lr: f64) {
    let _ = lr;
}

#[track_metrics(skip(epoch))]
fn evaluate(epoch: u32) -> Eval {
    let _ = epoch;
    Eval { loss: 0.0 }
}

fn main() {
    train(1);
    configure(0.1);
    evaluate(1);
}

// `crate = path` reaches polytrack through a re-export.
mod tracking {
    pub use polytrack as inner;
}

use polytrack::{track_metrics, track_params, track_run};

#[track_params(crate = tracking::inner)]
fn configure(lr: f64) -> f64 {
    lr
}

#[track_metrics(crate = crate::tracking::inner)]
fn evaluate(loss: f64) -> f64 {
    loss
}

#[track_run(crate = "tracking::inner")]
fn train(lr: f64) -> f64 {
    evaluate(configure(lr))
}

fn main() {
    assert_eq!(train(0.5), 0.5);
}

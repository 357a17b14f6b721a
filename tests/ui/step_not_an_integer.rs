use polytrack::track_metrics;
use serde::Serialize;

#[derive(Serialize)]
struct Eval {
    loss: f64,
}

#[track_metrics(step = progress)]
fn evaluate(progress: f64) -> Eval {
    Eval { loss: progress }
}

fn main() {
    evaluate(0.5);
}

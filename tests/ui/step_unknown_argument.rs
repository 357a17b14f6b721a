use polytrack::track_metrics;
use serde::Serialize;

#[derive(Serialize)]
struct Eval {
    loss: f64,
}

#[track_metrics(step = epoch)]
fn evaluate(iteration: u32) -> Eval {
    let _ = iteration;
    Eval { loss: 0.0 }
}

fn main() {
    evaluate(1);
}

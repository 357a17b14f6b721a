use polytrack::track_metrics;

struct Eval {
    loss: f64,
}

#[track_metrics]
fn evaluate(loss: f64) -> Eval {
    Eval { loss }
}

fn main() {
    let _ = evaluate(0.5).loss;
}

use polytrack::track_metrics;

#[track_metrics]
fn evaluate(loss: f64) {
    let _ = loss;
}

#[track_metrics]
fn evaluate_unit(loss: f64) -> () {
    let _ = loss;
}

fn main() {
    evaluate(0.5);
    evaluate_unit(0.5);
}

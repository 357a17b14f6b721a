// A body that does not parse yet gets the compiler's own syntax error, not the attribute's.
#[polytrack::track_run]
fn train(lr: f64) -> f64 {
    let scaled = lr * ;
    scaled
}

fn main() {
    train(0.1);
}

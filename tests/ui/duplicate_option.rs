use polytrack::{track_params, track_run};

#[track_run(name = "first", skip_all, name = "second", skip_all)]
fn train(lr: f64) {
    let _ = lr;
}

#[track_params(prefix = "a", prefix = "b")]
fn configure(lr: f64) {
    let _ = lr;
}

fn main() {
    train(0.1);
    configure(0.1);
}

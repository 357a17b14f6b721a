use polytrack::{track_params, track_run};

#[track_run]
fn train(_: u32, (_, _): (u8, u8), lr: f64) {
    let _ = lr;
}

#[track_params]
fn configure(_: &str) {}

fn main() {
    train(1, (2, 3), 0.1);
    configure("x");
}

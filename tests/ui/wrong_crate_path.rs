use polytrack::track_run;

#[track_run(crate = not_polytrack)]
fn train(lr: f64) {
    let _ = lr;
}

fn main() {
    train(0.1);
}

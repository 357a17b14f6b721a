use polytrack::{track_metrics, track_run};

#[track_run(name = train, tags = "a", skip_all = true, skip(1), rename(lr), crate = 1, project)]
fn train(lr: f64) {
    let _ = lr;
}

#[track_metrics(step = 1, prefix)]
fn evaluate(epoch: u32) -> f64 {
    f64::from(epoch)
}

fn main() {
    train(0.1);
    evaluate(1);
}

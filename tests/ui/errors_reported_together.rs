// Every mistake of every attribute is reported in one compile, and the functions still
// exist: the calls in `main` raise no "cannot find function" error.
use polytrack::{track_metrics, track_run};

#[track_run(nme = "x", skip(missing), name = "a", name = "b")]
fn train(lr: f64) -> f64 {
    lr
}

#[track_metrics(step = missing, prefix = "")]
fn evaluate(epoch: u32) -> f64 {
    f64::from(epoch)
}

fn main() {
    let _: f64 = train(0.1);
    let _: f64 = evaluate(1);
}

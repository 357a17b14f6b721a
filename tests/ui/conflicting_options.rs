use polytrack::track_run;

#[track_run(skip_all, skip(lr), whole(cfg))]
fn train(lr: f64, cfg: u32) {
    let _ = (lr, cfg);
}

#[track_run(
    skip(lr, lr),
    rename(lr = "learning_rate"),
    outputs = "score",
    skip_ret
)]
fn tune(lr: f64) -> f64 {
    lr
}

fn main() {
    train(0.1, 1);
    tune(0.1);
}

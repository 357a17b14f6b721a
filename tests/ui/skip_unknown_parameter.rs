use polytrack::track_run;

#[track_run(skip(learning_rate), rename(epoch = "epochs"), whole(cfg))]
fn train(lr: f64, epochs: u32) {
    let _ = (lr, epochs);
}

fn main() {
    train(0.1, 1);
}

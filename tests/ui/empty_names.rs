use polytrack::track_run;

#[track_run(name = "", tags("ok", " "), rename(lr = ""), outputs = "")]
fn train(lr: f64) -> f64 {
    lr
}

fn main() {
    train(0.1);
}

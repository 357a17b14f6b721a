use polytrack::track_run;

#[track_run]
const fn train(lr: u32) -> u32 {
    lr
}

fn main() {
    train(1);
}

use polytrack::{track_metrics, track_run};

#[track_run]
struct Config {
    lr: f64,
}

trait Model {
    #[track_metrics]
    fn evaluate(&self) -> f64;
}

fn main() {
    let config = Config { lr: 0.1 };
    let _ = config.lr;
}

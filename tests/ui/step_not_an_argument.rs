use polytrack::track_metrics;
use serde::Serialize;

#[derive(Serialize)]
struct Eval {
    loss: f64,
}

struct Trainer {
    epoch: u32,
}

impl Trainer {
    #[track_metrics(step = self.epoch)]
    fn evaluate(&self) -> Eval {
        Eval { loss: f64::from(self.epoch) }
    }
}

fn main() {
    Trainer { epoch: 1 }.evaluate();
}

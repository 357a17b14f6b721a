use polytrack::{track_params, track_run};

struct Dataset {
    rows: Vec<f64>,
}

#[track_run]
fn train(data: Dataset, lr: f64) -> usize {
    let _ = lr;
    data.rows.len()
}

#[track_params]
fn load(data: &Dataset) -> usize {
    data.rows.len()
}

fn main() {
    let data = Dataset { rows: vec![1.0] };
    load(&data);
    train(data, 0.1);
}

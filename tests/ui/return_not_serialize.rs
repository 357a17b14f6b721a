use polytrack::track_run;

struct Model {
    weights: Vec<f64>,
}

#[track_run]
fn train(lr: f64) -> Model {
    Model { weights: vec![lr] }
}

#[track_run]
fn train_checked(lr: f64) -> Result<Model, String> {
    Ok(Model { weights: vec![lr] })
}

fn main() {
    let _ = train(0.1).weights;
    let _ = train_checked(0.1);
}

// `#[track_run]` composes with `#[tokio::main]`, above or below it.
use polytrack::track_run;

#[track_run]
async fn train(lr: f64) -> f64 {
    tokio::task::yield_now().await;
    lr
}

#[tokio::main(flavor = "current_thread")]
#[track_run(name = "tokio-main")]
async fn main() {
    assert_eq!(train(0.5).await, 0.5);
}

//! `#[track_run]` on `async fn`: the run spans the whole future, `.await` and `?` work, and
//! the future stays `Send`.

use crate::support::{last_status, map, record};
use polytrack::{track_run, Status};
use serde::Serialize;
use serde_json::json;

#[derive(Serialize)]
struct Score {
    accuracy: f64,
}

async fn load(rows: usize) -> Result<Vec<f64>, String> {
    tokio::task::yield_now().await;
    if rows == 0 {
        Err("empty dataset".to_owned())
    } else {
        Ok(vec![1.0; rows])
    }
}

#[track_run]
async fn train(rows: usize, lr: f64) -> Result<Score, String> {
    let data = load(rows).await?;
    let _ = lr;
    Ok(Score {
        accuracy: data.iter().sum::<f64>() / 10.0,
    })
}

fn assert_send<T: Send>(value: T) -> T {
    value
}

#[tokio::test]
async fn an_async_run_logs_inputs_and_outputs_and_succeeds() {
    let t = record();
    let score = assert_send(train(5, 0.1)).await;
    assert_eq!(score.map(|s| s.accuracy), Ok(0.5));
    assert_eq!(t.recorder.inputs(), map(json!({"rows": 5, "lr": 0.1})));
    assert_eq!(t.recorder.outputs(), map(json!({"accuracy": 0.5})));
    assert_eq!(last_status(&t.recorder).0, Status::Succeeded);
}

#[tokio::test]
async fn question_mark_after_await_fails_the_run() {
    let t = record();
    assert!(train(0, 0.1).await.is_err());
    assert_eq!(
        last_status(&t.recorder),
        (Status::Failed, Some("empty dataset".to_owned()))
    );
}

#[tokio::test]
async fn the_future_can_be_spawned() {
    let t = record();
    let handle = tokio::spawn(train(2, 0.3));
    let score = handle.await.map_err(|e| e.to_string()).and_then(|r| r);
    assert_eq!(score.map(|s| s.accuracy), Ok(0.2));
    assert_eq!(last_status(&t.recorder).0, Status::Succeeded);
}

struct Trainer {
    epochs: u32,
}

impl Trainer {
    #[track_run(name = "async-method")]
    async fn fit(&self, lr: f32) -> u32 {
        tokio::task::yield_now().await;
        let _ = lr;
        self.epochs
    }
}

#[tokio::test]
async fn async_methods_are_tracked() {
    let t = record();
    assert_eq!(Trainer { epochs: 4 }.fit(0.5).await, 4);
    assert_eq!(t.recorder.inputs(), map(json!({"lr": 0.5})));
    assert_eq!(t.recorder.outputs(), map(json!({"ret": 4})));
}

#[track_run]
async fn never_finishes(rows: usize) {
    let _ = rows;
    std::future::pending::<()>().await;
}

#[tokio::test]
async fn a_future_dropped_before_it_completes_fails_the_run() {
    let t = record();
    tokio::select! {
        biased;
        () = never_finishes(3) => unreachable!("pending never completes"),
        () = tokio::task::yield_now() => {}
    }
    assert_eq!(t.recorder.inputs(), map(json!({"rows": 3})));
    let (status, message) = last_status(&t.recorder);
    assert_eq!(status, Status::Failed);
    assert!(message.is_some_and(|m| m.contains("dropped before it completed")));
    assert!(!polytrack::is_active());
}

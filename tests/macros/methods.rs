//! `#[track_run]` on methods: `self` is never logged, whatever its form, and borrowed
//! returns still compile.

use crate::support::{last_status, map, record};
use polytrack::{track_run, Status};
use serde::Serialize;
use serde_json::json;

#[derive(Serialize, Clone)]
struct Model {
    weights: Vec<f64>,
}

impl Model {
    #[track_run]
    fn new(size: usize) -> Self {
        Model {
            weights: vec![0.0; size],
        }
    }

    #[track_run]
    fn score(&self, bias: f64) -> f64 {
        self.weights.iter().sum::<f64>() + bias
    }

    #[track_run(skip_ret)]
    fn weights_mut(&mut self, scale: f64) -> &mut Vec<f64> {
        for weight in &mut self.weights {
            *weight += scale;
        }
        &mut self.weights
    }

    #[track_run(outputs = "size")]
    fn into_size(self) -> usize {
        self.weights.len()
    }
}

#[test]
fn an_associated_function_returning_self_logs_it() {
    let t = record();
    assert_eq!(Model::new(2).weights.len(), 2);
    assert_eq!(t.recorder.inputs(), map(json!({"size": 2})));
    assert_eq!(t.recorder.outputs(), map(json!({"weights": [0.0, 0.0]})));
}

#[test]
fn self_is_never_logged() {
    let model = Model {
        weights: vec![1.0, 2.0],
    };
    let t = record();
    assert_eq!(model.score(0.5), 3.5);
    assert_eq!(t.recorder.inputs(), map(json!({"bias": 0.5})));
    drop(t);
    let t = record();
    assert_eq!(model.clone().into_size(), 2);
    assert!(t.recorder.inputs().is_empty());
    assert_eq!(t.recorder.outputs(), map(json!({"size": 2})));
}

#[test]
fn a_method_may_return_a_mutable_borrow_of_self() {
    let mut model = Model { weights: vec![1.0] };
    let t = record();
    model.weights_mut(1.0).push(5.0);
    assert_eq!(model.weights, vec![2.0, 5.0]);
    assert_eq!(t.recorder.inputs(), map(json!({"scale": 1.0})));
    assert_eq!(last_status(&t.recorder).0, Status::Succeeded);
}

trait Experiment {
    fn run(&self, seed: u64) -> u64;

    #[track_run(name = "default-method")]
    fn run_twice(&self, seed: u64) -> u64 {
        self.run(seed) + self.run(seed + 1)
    }
}

struct Doubler;

impl Experiment for Doubler {
    #[track_run(name = "impl-method")]
    fn run(&self, seed: u64) -> u64 {
        seed * 2
    }
}

#[test]
fn trait_methods_and_default_methods_are_tracked() {
    let t = record();
    assert_eq!(Doubler.run(3), 6);
    assert_eq!(t.recorder.outputs(), map(json!({"ret": 6})));
}

#[test]
fn a_tracked_function_called_inside_another_tracked_function_still_returns() {
    // The inner `run` calls start their own runs inside the outer one (or run untracked if
    // the runtime refuses nested runs); either way, the values are unchanged.
    let t = record();
    assert_eq!(Doubler.run_twice(1), 2 + 4);
    assert_eq!(t.recorder.inputs().get("seed"), Some(&json!(1)));
}

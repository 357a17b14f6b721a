//! `#[track_run]` logs the function's arguments as the run's inputs.

use crate::support::{map, record};
use polytrack::track_run;
use serde::Serialize;
use serde_json::json;

#[track_run]
fn scalars(lr: f64, epochs: u32, optimizer: &str, layers: Vec<u32>, dropout: Option<f64>) {
    let _ = (lr, epochs, optimizer, layers, dropout);
}

#[test]
fn scalar_arguments_are_logged_by_name() {
    let t = record();
    scalars(0.01, 10, "sgd", vec![64, 32], None);
    assert_eq!(
        t.recorder.inputs(),
        map(json!({
            "lr": 0.01,
            "epochs": 10,
            "optimizer": "sgd",
            "layers": [64, 32],
            "dropout": null,
        }))
    );
}

#[derive(Serialize)]
struct Optimizer {
    name: &'static str,
    lr: f64,
}

#[derive(Serialize)]
struct Config {
    batch_size: u32,
    optimizer: Optimizer,
}

#[track_run]
fn with_config(config: &Config, seed: u64) -> u64 {
    u64::from(config.batch_size) + seed
}

#[test]
fn a_struct_argument_is_logged_as_its_fields_with_compound_names_for_nested_ones() {
    let t = record();
    let config = Config {
        batch_size: 32,
        optimizer: Optimizer {
            name: "adam",
            lr: 0.001,
        },
    };
    assert_eq!(with_config(&config, 7), 39);
    assert_eq!(
        t.recorder.inputs(),
        map(json!({
            "batch_size": 32,
            "optimizer__name": "adam",
            "optimizer__lr": 0.001,
            "seed": 7,
        }))
    );
}

#[track_run]
fn destructured((width, height): (u32, u32), Optimizer { name, lr }: Optimizer) -> u32 {
    let _ = (name, lr);
    width * height
}

#[test]
fn destructured_arguments_are_logged_by_the_names_they_bind() {
    let t = record();
    assert_eq!(
        destructured(
            (3, 4),
            Optimizer {
                name: "sgd",
                lr: 0.5
            }
        ),
        12
    );
    assert_eq!(
        t.recorder.inputs(),
        map(json!({"width": 3, "height": 4, "name": "sgd", "lr": 0.5}))
    );
}

#[track_run]
fn mutable_and_raw(mut r#type: String, mut count: u32) -> String {
    count += 1;
    r#type.push_str(&count.to_string());
    r#type
}

#[test]
fn mut_bindings_and_raw_identifiers_keep_working() {
    let t = record();
    assert_eq!(mutable_and_raw("a".to_owned(), 1), "a2");
    assert_eq!(t.recorder.inputs(), map(json!({"type": "a", "count": 1})));
}

#[track_run]
fn not_a_number(lr: f64, epochs: u32) -> u32 {
    let _ = lr;
    epochs
}

#[test]
fn a_value_json_cannot_carry_is_left_out_and_the_function_still_runs() {
    let t = record();
    assert_eq!(not_a_number(f64::NAN, 3), 3);
    assert_eq!(t.recorder.inputs(), map(json!({"epochs": 3})));
}

#[track_run]
fn fit(data: &[f64], lr: f64) -> f64 {
    data.len() as f64 * lr
}

#[test]
fn an_argument_over_the_size_limit_is_left_out_and_the_others_are_logged() {
    let t = record();
    let data = vec![0.25; 1_000_000];
    assert_eq!(fit(&data, 0.5), 500_000.0);
    assert_eq!(t.recorder.inputs(), map(json!({"lr": 0.5})));
    assert_eq!(
        t.recorder.statuses().last(),
        Some(&polytrack::Status::Succeeded)
    );
}

#[test]
fn log_inputs_refuses_a_value_over_the_size_limit_with_its_name() {
    let t = record();
    let run = polytrack::init().expect("a run");
    let big = vec![1u8; 5000];
    let err = polytrack::log_input("samples", &big).expect_err("too large");
    assert!(err.to_string().contains("skip(samples)"), "{err}");
    assert!(polytrack::log_inputs!(samples = big).is_err());
    polytrack::log_input("lr", &0.1).expect("a small one is logged");
    run.end().expect("ended");
    assert_eq!(t.recorder.inputs(), map(json!({"lr": 0.1})));
}

// Flattening without loss: only structs are flattened, and no name is overwritten.

#[derive(Serialize)]
struct Dims {
    units: u32,
}

#[derive(Serialize)]
struct Layer {
    depth: u32,
    dims: Dims,
}

#[track_run]
fn autoencoder(encoder: Layer, decoder: Layer, latent: u32) {
    let _ = (encoder, decoder, latent);
}

#[test]
fn two_struct_arguments_with_the_same_fields_are_both_logged_under_their_names() {
    let t = record();
    crate::support::capture_logs();
    for _ in 0..2 {
        autoencoder(
            Layer {
                depth: 2,
                dims: Dims { units: 64 },
            },
            Layer {
                depth: 3,
                dims: Dims { units: 32 },
            },
            8,
        );
    }
    assert_eq!(
        t.recorder.inputs(),
        map(json!({
            "encoder__depth": 2,
            "encoder__dims__units": 64,
            "decoder__depth": 3,
            "decoder__dims__units": 32,
            "latent": 8,
        }))
    );
    let warnings = crate::support::logged("encoder__dims__units");
    assert_eq!(
        warnings.len(),
        1,
        "warned once over two calls: {warnings:?}"
    );
    assert!(warnings[0].starts_with("WARN "), "{warnings:?}");
}

#[derive(Serialize)]
#[allow(dead_code)]
enum Schedule {
    Cosine { warmup: u32, min_lr: f64 },
    Step { every: u32 },
    Constant,
}

#[track_run]
fn scheduled(warm: Schedule, main: Schedule, after: Schedule) {
    let _ = (warm, main, after);
}

#[test]
fn enum_arguments_are_logged_whole_under_their_names() {
    let t = record();
    scheduled(
        Schedule::Cosine {
            warmup: 5,
            min_lr: 0.001,
        },
        Schedule::Cosine {
            warmup: 0,
            min_lr: 0.01,
        },
        Schedule::Constant,
    );
    assert_eq!(
        t.recorder.inputs(),
        map(json!({
            "warm": {"Cosine": {"warmup": 5, "min_lr": 0.001}},
            "main": {"Cosine": {"warmup": 0, "min_lr": 0.01}},
            "after": "Constant",
        }))
    );
}

#[track_run]
fn weighted(class_weights: std::collections::BTreeMap<u32, f64>, lr: f64) {
    let _ = (class_weights, lr);
}

#[test]
fn a_map_argument_is_logged_whole_under_its_name_not_spread_into_the_inputs() {
    let t = record();
    weighted([(0, 0.25), (1, 0.75)].into_iter().collect(), 0.1);
    assert_eq!(
        t.recorder.inputs(),
        map(json!({"class_weights": {"0": 0.25, "1": 0.75}, "lr": 0.1}))
    );
}

#[derive(Serialize)]
struct Adam {
    lr: f64,
    beta: f64,
    schedule: Schedule,
    extra: std::collections::BTreeMap<String, u32>,
}

#[track_run]
fn optimised(adam: Adam, lr: f64, beta: Option<Dims>) {
    let _ = (adam, lr, beta);
}

#[test]
fn a_plain_argument_named_like_a_field_moves_the_field_and_nested_non_structs_stay_whole() {
    let t = record();
    optimised(
        Adam {
            lr: 0.001,
            beta: 0.9,
            schedule: Schedule::Step { every: 10 },
            extra: [("warmup".to_owned(), 3)].into_iter().collect(),
        },
        0.5,
        Some(Dims { units: 7 }),
    );
    assert_eq!(
        t.recorder.inputs(),
        map(json!({
            "adam__lr": 0.001,
            "beta": 0.9,
            "schedule": {"Step": {"every": 10}},
            "extra": {"warmup": 3},
            "lr": 0.5,
            "units": 7,
        }))
    );
}

#[derive(Serialize)]
struct Scores {
    per_class: std::collections::BTreeMap<String, f64>,
    best: f64,
}

#[track_run]
fn scored() -> Scores {
    Scores {
        per_class: [("cat".to_owned(), 0.5)].into_iter().collect(),
        best: 0.5,
    }
}

#[track_run]
fn counted() -> std::collections::BTreeMap<u32, u32> {
    [(1, 10), (2, 20)].into_iter().collect()
}

#[test]
fn returned_maps_are_logged_whole_struct_returns_as_their_fields() {
    let t = record();
    scored();
    assert_eq!(
        t.recorder.outputs(),
        map(json!({"per_class": {"cat": 0.5}, "best": 0.5}))
    );
    drop(t);
    let t = record();
    counted();
    assert_eq!(
        t.recorder.outputs(),
        map(json!({"ret": {"1": 10, "2": 20}}))
    );
}

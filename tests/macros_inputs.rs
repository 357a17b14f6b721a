//! `#[track_run]` logs the function's arguments as the run's inputs.

mod macros_support;

use macros_support::{map, record};
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

//! `skip`, `skip_all`, `rename` and `whole` choose what `#[track_run]` logs and under which
//! names.

use crate::support::{map, record};
use polytrack::track_run;
use serde::Serialize;
use serde_json::json;

/// Not `Serialize`: it can only be passed to a tracked function when skipped.
struct Dataset {
    rows: Vec<f64>,
}

#[track_run(skip(data))]
fn skipped(data: &Dataset, lr: f64) -> usize {
    let _ = lr;
    data.rows.len()
}

#[test]
fn skip_leaves_arguments_out() {
    let t = record();
    let data = Dataset {
        rows: vec![1.0, 2.0],
    };
    assert_eq!(skipped(&data, 0.1), 2);
    assert_eq!(t.recorder.inputs(), map(json!({"lr": 0.1})));
}

#[track_run(skip_all)]
fn all_skipped(data: Dataset, _: u8) -> usize {
    data.rows.len()
}

#[test]
fn skip_all_logs_no_argument_even_unnamed_ones() {
    let t = record();
    assert_eq!(all_skipped(Dataset { rows: vec![1.0] }, 0), 1);
    assert!(t.recorder.inputs().is_empty());
}

#[track_run(rename(lr = "learning_rate", n = "batch_size"))]
fn renamed(lr: f64, n: u32, momentum: f64) {
    let _ = (lr, n, momentum);
}

#[test]
fn rename_logs_arguments_under_other_names() {
    let t = record();
    renamed(0.1, 32, 0.9);
    assert_eq!(
        t.recorder.inputs(),
        map(json!({"learning_rate": 0.1, "batch_size": 32, "momentum": 0.9}))
    );
}

#[derive(Serialize)]
struct Augment {
    flip: bool,
    crop: u32,
}

#[track_run(whole(augment), rename(schedule = "lr_schedule"))]
fn whole_and_renamed(augment: Augment, schedule: Augment, seed: u64) {
    let _ = (augment, schedule, seed);
}

#[test]
fn whole_keeps_a_struct_as_one_value_and_rename_prefixes_its_fields() {
    let t = record();
    whole_and_renamed(
        Augment {
            flip: true,
            crop: 24,
        },
        Augment {
            flip: false,
            crop: 8,
        },
        3,
    );
    assert_eq!(
        t.recorder.inputs(),
        map(json!({
            "augment": {"flip": true, "crop": 24},
            // Flattened, under its new name.
            "lr_schedule__flip": false,
            "lr_schedule__crop": 8,
            "seed": 3,
        }))
    );
}

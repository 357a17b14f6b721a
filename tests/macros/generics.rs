//! `#[track_run]` on generic functions: type, lifetime and const parameters, `impl Trait`
//! arguments and returns, `where` clauses.

use crate::support::{map, record};
use polytrack::track_run;
use serde::Serialize;
use serde_json::json;
use std::fmt::Debug;

#[track_run]
fn generic<T: Serialize + Clone>(value: T, times: usize) -> Vec<T> {
    vec![value; times]
}

#[test]
fn type_parameters_are_logged_through_their_serialize_bound() {
    let t = record();
    assert_eq!(generic("a", 2), vec!["a", "a"]);
    assert_eq!(t.recorder.inputs(), map(json!({"value": "a", "times": 2})));
    assert_eq!(t.recorder.outputs(), map(json!({"ret": ["a", "a"]})));
}

#[track_run]
fn first<'a>(xs: &'a [f64]) -> &'a f64 {
    &xs[0]
}

#[track_run]
fn longest(a: &str, b: &str) -> usize {
    a.len().max(b.len())
}

#[track_run]
fn elided(text: &str) -> &str {
    text.trim()
}

#[test]
fn borrowed_arguments_and_returns_keep_their_lifetimes() {
    let t = record();
    let xs = [1.5, 2.5];
    assert_eq!(*first(&xs), 1.5);
    assert_eq!(t.recorder.inputs(), map(json!({"xs": [1.5, 2.5]})));
    assert_eq!(t.recorder.outputs(), map(json!({"ret": 1.5})));
    drop(t);
    let t = record();
    assert_eq!(longest("ab", "abc"), 3);
    drop(t);
    let t = record();
    assert_eq!(elided(" x "), "x");
    assert_eq!(t.recorder.outputs(), map(json!({"ret": "x"})));
}

#[track_run]
fn fixed<const N: usize>(xs: [u8; N]) -> usize
where
    [u8; N]: Serialize,
{
    xs.len()
}

#[test]
fn const_generics_and_where_clauses() {
    let t = record();
    assert_eq!(fixed([1, 2, 3]), 3);
    assert_eq!(t.recorder.inputs(), map(json!({"xs": [1, 2, 3]})));
}

#[track_run(skip_ret)]
fn counter(start: impl Serialize + Into<u32> + Copy) -> impl Iterator<Item = u32> {
    let start: u32 = start.into();
    start..start + 3
}

#[track_run]
fn debug_of(value: impl Debug + Serialize) -> impl Serialize {
    format!("{value:?}")
}

#[test]
fn impl_trait_arguments_and_returns() {
    let t = record();
    assert_eq!(counter(2_u8).collect::<Vec<_>>(), vec![2, 3, 4]);
    assert_eq!(t.recorder.inputs(), map(json!({"start": 2})));
    assert!(t.recorder.outputs().is_empty());
    drop(t);
    let t = record();
    debug_of(Some(1));
    assert_eq!(t.recorder.outputs(), map(json!({"ret": "Some(1)"})));
}

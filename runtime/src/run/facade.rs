//! Module-level functions on the current run (Python's `tracking.*`).

use super::current::{current, inactive, with_current};
use super::report::EndReport;
use crate::error::Error;
use crate::kind::ArtifactKind;
use crate::value::MetricValue;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Logs one metric value on the current run. Before `init` (or in no-op mode) it does nothing.
#[inline]
pub fn log_metric(name: &str, value: impl MetricValue) -> Result<(), Error> {
    log_metric_with(name, value, None, None)
}

/// Logs one metric value at `step` on the current run.
#[inline]
pub fn log_metric_at(name: &str, value: impl MetricValue, step: i64) -> Result<(), Error> {
    log_metric_with(name, value, Some(step), None)
}

/// Logs one metric value with an optional step and timestamp on the current run.
#[inline]
pub fn log_metric_with(
    name: &str,
    value: impl MetricValue,
    step: Option<i64>,
    timestamp: Option<std::time::SystemTime>,
) -> Result<(), Error> {
    with_current(|run, thread| {
        let Some(shared) = &run.inner else {
            return Ok(());
        };
        shared.metric(thread, name, value.to_f64(), step, timestamp)
    })
}

/// Logs several metrics on the current run, sharing one step and timestamp.
pub fn log_metrics<N: AsRef<str>, V: MetricValue>(
    metrics: &[(N, V)],
    step: Option<i64>,
    timestamp: Option<std::time::SystemTime>,
) -> Result<(), Error> {
    with_current(|run, thread| {
        let Some(shared) = &run.inner else {
            return Ok(());
        };
        shared.metrics(thread, metrics, step, timestamp)
    })
}

macro_rules! forward {
    ($(#[$doc:meta])* $name:ident<$($g:ident),*>($($arg:ident: $ty:ty),*) $(where $($w:tt)*)?) => {
        $(#[$doc])*
        pub fn $name<$($g),*>($($arg: $ty),*) -> Result<(), Error> $(where $($w)*)? {
            match current() {
                Some(run) => run.$name($($arg),*),
                None => inactive(),
            }
        }
    };
}

forward!(
    /// Logs inputs on the current run; see [`Run::log_inputs`](super::Run::log_inputs).
    log_inputs<T>(values: &T) where T: Serialize + ?Sized
);
forward!(
    /// Logs one input on the current run.
    log_input<T>(key: &str, value: &T) where T: Serialize + ?Sized
);
forward!(
    /// Logs outputs on the current run; see [`Run::log_outputs`](super::Run::log_outputs).
    log_outputs<T>(values: &T) where T: Serialize + ?Sized
);
forward!(
    /// Logs one output on the current run.
    log_output<T>(key: &str, value: &T) where T: Serialize + ?Sized
);
forward!(
    /// Adds tags to the current run; see [`Run::log_tags`](super::Run::log_tags).
    log_tags<I, S>(tags: I) where I: IntoIterator<Item = S>, S: AsRef<str>
);

/// Records lineage for a file on the current run; see [`Run::log_artifact_ref`](super::Run::log_artifact_ref).
pub fn log_artifact_ref(
    path: impl AsRef<Path>,
    kind: ArtifactKind,
    name: Option<&str>,
) -> Result<(), Error> {
    match current() {
        Some(run) => run.log_artifact_ref(path, kind, name),
        None => inactive(),
    }
}

/// `<artifacts>/outputs/<rel>` of the current run; see [`Run::get_outputs_path`](super::Run::get_outputs_path).
pub fn get_outputs_path(rel: &str) -> Result<PathBuf, Error> {
    current().ok_or(Error::Inactive)?.get_outputs_path(rel)
}

/// The current run's artifacts folder, or `rel` inside it.
pub fn get_artifacts_path(rel: Option<&str>) -> Result<PathBuf, Error> {
    current().ok_or(Error::Inactive)?.get_artifacts_path(rel)
}

/// Ends the current run (Python's `tracking.end()`); nothing when there is none.
pub fn end() -> Result<Option<EndReport>, Error> {
    match current() {
        Some(run) => run.end().map(Some),
        None => Ok(None),
    }
}

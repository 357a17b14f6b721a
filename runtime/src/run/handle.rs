//! [`Run`]: the handle to a run, and the methods that log to it.

use super::current::{self, Entered, ThreadCache, LOCAL};
use super::instrument::Instrumented;
use super::report::EndReport;
use super::shared::Shared;
use crate::config::Mode;
use crate::error::Error;
use crate::kind::{ArtifactKind, Status};
use crate::lineage::{self, ArtifactRef};
use crate::sink::Update;
use crate::value::{sanitize, to_json, to_json_map, MetricValue};
use crate::worker::Msg;
use serde::Serialize;
use serde_json::{Map, Value};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::mpsc::sync_channel;
use std::sync::Arc;
use std::time::Duration;

/// A handle to a run. Clones share the run; the run ends when its [`RunGuard`](super::RunGuard) is dropped or
/// [`Run::end`] is called. A no-op run accepts every call and does nothing.
#[derive(Clone)]
pub struct Run {
    pub(super) inner: Option<Arc<Shared>>,
}

impl fmt::Debug for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            None => f.write_str("Run(no-op)"),
            Some(s) => f
                .debug_struct("Run")
                .field("mode", &s.mode)
                .field("uuid", &s.uuid)
                .field("run_dir", &s.run_dir)
                .finish(),
        }
    }
}

impl Run {
    pub(crate) fn noop() -> Run {
        Run { inner: None }
    }

    /// Makes this run the calling thread's current run until the returned guard is dropped:
    /// module-level functions, `#[track_params]` and `#[track_metrics]` called on this
    /// thread then reach it. Entered runs stack: the innermost one is current. This is how a
    /// run is carried into a thread the tracked function spawns (see [`current`](super::current)).
    pub fn enter(&self) -> Entered {
        current::enter(self)
    }

    /// Wraps `future` so that this run is entered on every poll of it, on whichever thread
    /// polls it (the way `tracing::Instrument` enters a span): how a run is carried into a
    /// task, say `tokio::spawn(run.instrument(async { .. }))`.
    ///
    /// ```
    /// # fn main() -> Result<(), polytrack::Error> {
    /// let recorder = polytrack::testing::Recorder::new();
    /// let run = polytrack::init_with(polytrack::Settings::new().recorder(recorder.clone()))?;
    /// let task = run.instrument(async {
    ///     polytrack::log_metric("loss", 0.5).ok(); // reaches `run`, whatever thread polls
    /// });
    /// # let _ = task; // (any executor runs it; this example has none)
    /// run.end()?;
    /// # Ok(()) }
    /// ```
    pub fn instrument<F: std::future::Future>(&self, future: F) -> Instrumented<F> {
        Instrumented::new(self.clone(), future)
    }

    /// Whether two handles are handles of the same run (two no-op runs are the same).
    pub(super) fn same_run(&self, other: &Run) -> bool {
        match (&self.inner, &other.inner) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }

    /// Whether this run tracks anything (false in no-op mode).
    pub fn is_tracking(&self) -> bool {
        self.inner.is_some()
    }

    /// The tracking mode.
    pub fn mode(&self) -> Mode {
        self.inner.as_ref().map_or(Mode::NoOp, |s| s.mode)
    }

    /// The run's uuid.
    pub fn uuid(&self) -> Option<&str> {
        self.inner.as_ref().and_then(|s| s.uuid.as_deref())
    }

    /// The run's owner and project, when known.
    pub fn project(&self) -> Option<(&str, &str)> {
        let s = self.inner.as_ref()?;
        Some((s.owner.as_deref()?, s.project.as_deref()?))
    }

    /// Logs one metric value, timestamped now, without a step.
    #[inline]
    pub fn log_metric(&self, name: &str, value: impl MetricValue) -> Result<(), Error> {
        self.log_metric_with(name, value, None, None)
    }

    /// Logs one metric value at `step`.
    #[inline]
    pub fn log_metric_at(
        &self,
        name: &str,
        value: impl MetricValue,
        step: i64,
    ) -> Result<(), Error> {
        self.log_metric_with(name, value, Some(step), None)
    }

    /// Logs one metric value with an optional step and timestamp (Python's
    /// `log_metric(name, value, step=None, timestamp=None)`). NaN and infinities are recorded
    /// as Polyaxon records them (`nan`, `inf`), with a warning the first time per metric.
    #[inline]
    pub fn log_metric_with(
        &self,
        name: &str,
        value: impl MetricValue,
        step: Option<i64>,
        timestamp: Option<std::time::SystemTime>,
    ) -> Result<(), Error> {
        let Some(shared) = &self.inner else {
            return Ok(());
        };
        if let Some(t) = timestamp {
            crate::limits::check_timestamp(t)?;
        }
        let value = value.to_f64();
        let cached = LOCAL.try_with(|local| {
            let mut cache = local.cache.try_borrow_mut().ok()?;
            Some(shared.metric(&mut cache.local, name, value, step, timestamp))
        });
        match cached {
            Ok(Some(result)) => result,
            // Re-entered, or the thread's locals are being destroyed: no cache.
            _ => shared.metric_uncached(name, value, step, timestamp),
        }
    }

    /// Logs several metrics at once, sharing one step and timestamp.
    pub fn log_metrics<N: AsRef<str>, V: MetricValue>(
        &self,
        metrics: &[(N, V)],
        step: Option<i64>,
        timestamp: Option<std::time::SystemTime>,
    ) -> Result<(), Error> {
        let Some(shared) = &self.inner else {
            return Ok(());
        };
        if let Some(t) = timestamp {
            crate::limits::check_timestamp(t)?;
        }
        let log_all = |thread: &mut ThreadCache| shared.metrics(thread, metrics, step, timestamp);
        LOCAL
            .try_with(|local| Some(log_all(&mut local.cache.try_borrow_mut().ok()?.local)))
            .ok()
            .flatten()
            .unwrap_or_else(|| log_all(&mut ThreadCache::uncached()))
    }

    /// Logs inputs (hyperparameters): `values` must serialize to a map (a struct, a map, or
    /// `serde_json::json!({...})`); each entry is merged into the run's inputs.
    pub fn log_inputs<T: Serialize + ?Sized>(&self, values: &T) -> Result<(), Error> {
        self.log_map(values, |values| Update::Inputs {
            values,
            reset: false,
        })
    }

    /// Logs one input.
    pub fn log_input<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<(), Error> {
        self.log_entry(key, value, |values| Update::Inputs {
            values,
            reset: false,
        })
    }

    /// Replaces all inputs (Python's `log_inputs(reset=True, ...)`).
    pub fn reset_inputs<T: Serialize + ?Sized>(&self, values: &T) -> Result<(), Error> {
        self.log_map(values, |values| Update::Inputs {
            values,
            reset: true,
        })
    }

    /// Logs outputs (results): `values` must serialize to a map; entries are merged.
    pub fn log_outputs<T: Serialize + ?Sized>(&self, values: &T) -> Result<(), Error> {
        self.log_map(values, |values| Update::Outputs {
            values,
            reset: false,
        })
    }

    /// Logs one output.
    pub fn log_output<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<(), Error> {
        self.log_entry(key, value, |values| Update::Outputs {
            values,
            reset: false,
        })
    }

    /// Replaces all outputs.
    pub fn reset_outputs<T: Serialize + ?Sized>(&self, values: &T) -> Result<(), Error> {
        self.log_map(values, |values| Update::Outputs {
            values,
            reset: true,
        })
    }

    /// Merges `meta_info` entries.
    pub fn log_meta<T: Serialize + ?Sized>(&self, values: &T) -> Result<(), Error> {
        self.log_map(values, |values| Update::Meta { values })
    }

    fn log_map<T: Serialize + ?Sized>(
        &self,
        values: &T,
        make: impl FnOnce(Map<String, Value>) -> Update,
    ) -> Result<(), Error> {
        let Some(shared) = &self.inner else {
            return Ok(());
        };
        shared.update(make(to_json_map(values)?))
    }

    fn log_entry<T: Serialize + ?Sized>(
        &self,
        key: &str,
        value: &T,
        make: impl FnOnce(Map<String, Value>) -> Update,
    ) -> Result<(), Error> {
        let Some(shared) = &self.inner else {
            return Ok(());
        };
        let mut values = Map::new();
        values.insert(sanitize(key)?, to_json(key, value)?);
        shared.update(make(values))
    }

    /// Adds tags (merged, in order, without duplicates). Each tag is trimmed; empty ones are
    /// dropped.
    pub fn log_tags<I, S>(&self, tags: I) -> Result<(), Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let Some(shared) = &self.inner else {
            return Ok(());
        };
        shared.update(Update::Tags {
            tags: clean_tags(tags),
            reset: false,
        })
    }

    /// The run's artifacts folder, or `rel` inside it (nothing is created). `rel` must stay
    /// inside the run's folder, symlinks included ([`Error::PathEscapes`]).
    pub fn get_artifacts_path(&self, rel: Option<&str>) -> Result<PathBuf, Error> {
        let shared = self.inner.as_ref().ok_or(Error::Inactive)?;
        match rel {
            None => Ok(shared.run_dir.clone()),
            Some(rel) => crate::run_paths::artifacts_path(&shared.run_dir, rel),
        }
    }

    /// `<artifacts>/outputs/<rel>`, with its parent folder created (Python's
    /// `get_outputs_path(rel_path)`). `rel` must stay inside the run's folder: `..` that
    /// climbs out, an absolute path, or a symlink on the way that leads out of the run's
    /// folder is refused with [`Error::PathEscapes`], and no folder is created outside.
    ///
    /// This is the one call that touches the file system on the caller's thread (it creates
    /// the folders), as Python's does: the caller is about to write a file there.
    pub fn get_outputs_path(&self, rel: &str) -> Result<PathBuf, Error> {
        let shared = self.inner.as_ref().ok_or(Error::Inactive)?;
        crate::run_paths::outputs_path(&shared.run_dir, rel)
    }

    /// Records lineage for a file or folder (Python's `log_artifact_ref`). The name defaults
    /// to the file name up to its first dot, sanitized; the file is hashed (md5) on a thread
    /// of its own, so logging calls never wait for it: the entry reaches the sinks once its
    /// hash is ready (a [`flush`](Self::flush) waits for it; `end` too, within its timeout).
    pub fn log_artifact_ref(
        &self,
        path: impl AsRef<Path>,
        kind: ArtifactKind,
        name: Option<&str>,
    ) -> Result<(), Error> {
        self.log_artifact_ref_with(path, kind, name, false, None)
    }

    /// [`log_artifact_ref`](Self::log_artifact_ref) with every option: whether it is an input,
    /// and a summary to start from (a `hash` in it skips hashing).
    pub fn log_artifact_ref_with(
        &self,
        path: impl AsRef<Path>,
        kind: ArtifactKind,
        name: Option<&str>,
        is_input: bool,
        summary: Option<Map<String, Value>>,
    ) -> Result<(), Error> {
        let Some(shared) = &self.inner else {
            return Ok(());
        };
        let path = path.as_ref();
        let name = match name {
            Some(n) => sanitize(n)?,
            None => sanitize(&lineage::default_name(path))?,
        };
        if shared.ended.load(Ordering::Relaxed) {
            return Err(Error::Ended);
        }
        shared.send(Msg::ArtifactRef(Box::new(ArtifactRef {
            path: path.to_owned(),
            kind,
            name,
            is_input,
            summary: summary.unwrap_or_default(),
            skip_hash: false,
        })))
    }

    /// Waits until everything logged so far reached the sinks (files written, requests
    /// queued), at most `timeout`.
    pub fn flush(&self, timeout: Duration) -> Result<(), Error> {
        let Some(shared) = &self.inner else {
            return Ok(());
        };
        let (tx, rx) = sync_channel(1);
        shared.send(Msg::Flush(tx))?;
        shared.worker.wake();
        rx.recv_timeout(timeout).map_err(|_| Error::Timeout {
            what: format!("flush did not finish within {timeout:?}"),
        })
    }

    /// Ends the run: flushes, writes summaries, records `succeeded` (for runs whose status
    /// polytrack owns), and waits for delivery up to the end deadline. Idempotent: a second
    /// call returns the first call's report.
    pub fn end(&self) -> Result<EndReport, Error> {
        self.end_with(Status::Succeeded, None, None)
    }

    /// Ends the run as failed, with a message.
    pub fn fail(&self, message: impl Into<String>) -> Result<EndReport, Error> {
        self.end_with(
            Status::Failed,
            Some("PolytrackError".into()),
            Some(message.into()),
        )
    }

    /// Ends the run with an explicit status.
    pub fn end_with(
        &self,
        status: Status,
        reason: Option<String>,
        message: Option<String>,
    ) -> Result<EndReport, Error> {
        match &self.inner {
            None => Ok(EndReport {
                uuid: None,
                mode: Mode::NoOp,
                run_dir: None,
                status: None,
                metric_events: 0,
                refused_events: 0,
                undelivered: Vec::new(),
                errors: Vec::new(),
            }),
            Some(shared) => shared.end(status, reason, message),
        }
    }
}

pub(super) fn clean_tags<I, S>(tags: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut out: Vec<String> = Vec::new();
    for tag in tags {
        let tag = tag.as_ref().trim();
        if !tag.is_empty() && !out.iter().any(|t| t == tag) {
            out.push(tag.to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_cleaned() {
        assert_eq!(clean_tags([" a", "b", "a", ""]), ["a", "b"]);
    }
}

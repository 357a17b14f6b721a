//! The boundary between the tracking facade and where the data goes.
//!
//! Logging calls put events on a bounded queue; one background thread (the *worker*) owns the
//! run's state and hands every event to each [`Sink`] of the run, in order:
//!
//! | mode | sinks |
//! | --- | --- |
//! | offline | `EventFiles` + `OfflineStore` |
//! | managed | `EventFiles` (when `POLYAXON_COLLECT_ARTIFACTS`) + the API |
//! | external | `EventFiles` + the API |
//! | tests | `Recorder` |
//!
//! A sink runs on the worker thread, so it must not block for long: a sink that talks to a
//! slow service hands the work to a thread of its own.

pub(crate) mod files;
pub(crate) mod offline;
pub(crate) mod row_files;
pub(crate) mod rows;

use crate::error::Error;
use crate::event::{LogLine, RichEvent};
use crate::kind::Status;
use crate::record::{Artifact, Condition, RunRecord};
use crate::timestamp::Timestamp;
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Instant;

/// One metric value, as the worker hands it to sinks. Its name is the batch's `names[id]`
/// (see [`Sink::metrics`]): a row carries no reference, so the worker batches rows as they
/// arrive, in one pass.
#[derive(Clone, Copy, Debug)]
pub struct MetricRow {
    /// A dense id of the metric within this run (0, 1, 2, ...), stable for the run.
    pub id: u32,
    /// The value.
    pub value: f64,
    /// The step, if given.
    pub step: Option<i64>,
    /// When it was logged.
    pub timestamp: Timestamp,
}

/// A change to the run's data, in the order the caller made it.
#[derive(Clone, Debug, PartialEq)]
pub enum Update {
    /// `log_inputs`: merged into the inputs, or replacing them when `reset`.
    Inputs {
        /// Sanitized names to values.
        values: Map<String, Value>,
        /// Replace instead of merge.
        reset: bool,
    },
    /// `log_outputs`: merged into the outputs, or replacing them when `reset`.
    Outputs {
        /// Sanitized names to values.
        values: Map<String, Value>,
        /// Replace instead of merge.
        reset: bool,
    },
    /// `log_tags`.
    Tags {
        /// The tags.
        tags: Vec<String>,
        /// Replace instead of merge.
        reset: bool,
    },
    /// `meta_info` flags (merged).
    Meta {
        /// Keys to values.
        values: Map<String, Value>,
    },
    /// Lineage entries (artifact refs, event summaries).
    Lineage(Vec<Artifact>),
    /// A status change the run makes itself (`running` at init, the end status), recorded
    /// or posted only for runs whose status polytrack owns.
    Status(Condition),
    /// A status the program logged (`log_status`, `log_succeeded`, ...): posted in every mode,
    /// as Python's client posts it, managed runs included.
    UserStatus(Condition),
    /// `set_name`, `set_description`, `set_readme`: run fields replaced (a PATCH without
    /// `merge`).
    Fields {
        /// Field names (`name`, `description`, `readme`) to values.
        values: Map<String, Value>,
    },
}

/// What the worker knows when the run ends.
#[derive(Debug)]
pub struct Ending<'a> {
    /// The final status: succeeded or failed.
    pub status: Status,
    /// The run as it stands after every update, summaries and last values included.
    pub record: &'a RunRecord,
    /// Every lineage entry of the run.
    pub lineage: &'a [Artifact],
    /// When `end` must be done.
    pub deadline: Instant,
}

/// Something the worker hands events to. Every method has a default that ignores the event.
pub(crate) trait Sink: Send {
    /// A short name for messages, e.g. `event files`.
    fn name(&self) -> &'static str;

    /// Metric values, in the order they were logged; `names[id]` is the sanitized name of
    /// metric `id` (every id of the batch has one).
    fn metrics(&mut self, batch: &[MetricRow], names: &[Arc<str>]) -> Result<(), Error> {
        let _ = (batch, names);
        Ok(())
    }

    /// A rich event (text, an image, ...), already encoded, in the order it was logged.
    fn event(&mut self, event: &RichEvent<'_>) -> Result<(), Error> {
        let _ = event;
        Ok(())
    }

    /// A resource sample (`resources/metric/<name>.plx` rows without a step).
    fn resources(&mut self, sample: &crate::resources::Sample) -> Result<(), Error> {
        let _ = sample;
        Ok(())
    }

    /// Log lines for `plxlogs/logs.jsonl`, in order.
    fn logs(&mut self, lines: &[LogLine]) -> Result<(), Error> {
        let _ = lines;
        Ok(())
    }

    /// A change to the run's data; `record` already includes it.
    fn update(&mut self, update: &Update, record: &RunRecord) -> Result<(), Error> {
        let _ = (update, record);
        Ok(())
    }

    /// Pushes buffered data out (called every 100 ms while the run's data changes, and on
    /// `flush`). `record` and `lineage` are the run's current state.
    fn flush(&mut self, record: &RunRecord, lineage: &[Artifact]) -> Result<(), Error> {
        let _ = (record, lineage);
        Ok(())
    }

    /// The run ends: deliver everything before `ending.deadline`. Returns what could not be
    /// delivered, one line each (empty when everything was).
    fn end(&mut self, ending: &Ending<'_>) -> Result<Vec<String>, Error> {
        let _ = ending;
        Ok(Vec::new())
    }
}

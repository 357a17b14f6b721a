//! An in-memory recorder, for testing code that tracks.
//!
//! ```
//! use polytrack::testing::{Record, Recorder};
//!
//! let recorder = Recorder::new();
//! let run = polytrack::init_with(polytrack::Settings::new().recorder(recorder.clone())).unwrap();
//! run.log_metric("loss", 0.5).unwrap();
//! run.end().unwrap();
//! assert_eq!(recorder.metric("loss"), vec![(None, 0.5)]);
//! ```

use crate::error::Error;
use crate::event::{LogLine, RichEvent};
use crate::kind::{ArtifactKind, Status};
use crate::lock::lock;
use crate::record::{Artifact, RunRecord};
use crate::sink::{MetricRow, Sink, Update};
use serde_json::{Map, Value};
use std::sync::{Arc, Condvar, Mutex};

/// One thing a run recorded, in order.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Record {
    /// `log_inputs`.
    Inputs {
        /// Sanitized names to values.
        values: Map<String, Value>,
        /// Whether the inputs were replaced.
        reset: bool,
    },
    /// `log_outputs` (and the last metric values at the end).
    Outputs {
        /// Sanitized names to values.
        values: Map<String, Value>,
        /// Whether the outputs were replaced.
        reset: bool,
    },
    /// `log_tags`.
    Tags(Vec<String>),
    /// `meta_info` flags.
    Meta(Map<String, Value>),
    /// `set_name`, `set_description`, `set_readme`: run fields replaced.
    Fields(Map<String, Value>),
    /// A metric value.
    Metric {
        /// The sanitized name.
        name: String,
        /// The value.
        value: f64,
        /// The step.
        step: Option<i64>,
    },
    /// A rich event (text, an image, a histogram, ...), as encoded for its row.
    Event {
        /// The kind: the folder under `events/` its file would go to.
        kind: ArtifactKind,
        /// The sanitized name.
        name: String,
        /// The step.
        step: Option<i64>,
        /// The row's value: an object for pipe-separated kinds, a string for text and html,
        /// an object or its JSON text for charts and spans.
        value: Value,
    },
    /// A line for `plxlogs/logs.jsonl`.
    Log {
        /// The line, stripped.
        text: String,
    },
    /// A lineage entry.
    Artifact(Artifact),
    /// A status change.
    Status {
        /// The status.
        status: Status,
        /// The reason.
        reason: Option<String>,
        /// The message.
        message: Option<String>,
    },
    /// The run ended.
    Ended {
        /// Its final status.
        status: Status,
    },
}

/// Collects everything a run logs, in memory. Clones share the same records.
#[derive(Clone, Debug, Default)]
pub struct Recorder {
    records: Arc<Mutex<Vec<Record>>>,
    stalled: Arc<(Mutex<bool>, Condvar)>,
}

/// Keeps a [`Recorder`] stalled until dropped; see [`Recorder::stall`].
#[derive(Debug)]
#[must_use = "the recorder resumes when this is dropped"]
pub struct Stall {
    stalled: Arc<(Mutex<bool>, Condvar)>,
}

impl Drop for Stall {
    fn drop(&mut self) {
        *lock(&self.stalled.0) = false;
        self.stalled.1.notify_all();
    }
}

static PENDING: Mutex<Option<Recorder>> = Mutex::new(None);

impl Recorder {
    /// A new, empty recorder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes the next [`init`](crate::init) (or `#[track_run]`) record into a new recorder,
    /// instead of files or HTTP, and returns it.
    pub fn install() -> Recorder {
        let recorder = Recorder::new();
        *lock(&PENDING) = Some(recorder.clone());
        recorder
    }

    pub(crate) fn take_installed() -> Option<Recorder> {
        lock(&PENDING).take()
    }

    /// Stalls the run's writer the next time it hands this recorder anything, until the
    /// returned guard is dropped: what a hung disk or server does to a real sink. For testing
    /// backpressure.
    pub fn stall(&self) -> Stall {
        *lock(&self.stalled.0) = true;
        Stall {
            stalled: self.stalled.clone(),
        }
    }

    fn wait_while_stalled(&self) {
        let (flag, cvar) = &*self.stalled;
        let mut stalled = lock(flag);
        while *stalled {
            stalled = cvar.wait(stalled).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Everything recorded so far.
    pub fn records(&self) -> Vec<Record> {
        lock(&self.records).clone()
    }

    /// The inputs, merged as the server merges them.
    pub fn inputs(&self) -> Map<String, Value> {
        self.merged(|r| match r {
            Record::Inputs { values, reset } => Some((values, *reset)),
            _ => None,
        })
    }

    /// The outputs, merged as the server merges them.
    pub fn outputs(&self) -> Map<String, Value> {
        self.merged(|r| match r {
            Record::Outputs { values, reset } => Some((values, *reset)),
            _ => None,
        })
    }

    /// The `(step, value)` pairs logged for metric `name`.
    pub fn metric(&self, name: &str) -> Vec<(Option<i64>, f64)> {
        lock(&self.records)
            .iter()
            .filter_map(|r| match r {
                Record::Metric {
                    name: n,
                    value,
                    step,
                } if n == name => Some((*step, *value)),
                _ => None,
            })
            .collect()
    }

    /// The `(name, step, value)` of the rich events of `kind`, in order.
    pub fn events(&self, kind: ArtifactKind) -> Vec<(String, Option<i64>, Value)> {
        lock(&self.records)
            .iter()
            .filter_map(|r| match r {
                Record::Event {
                    kind: k,
                    name,
                    step,
                    value,
                } if *k == kind => Some((name.clone(), *step, value.clone())),
                _ => None,
            })
            .collect()
    }

    /// The log lines, in order.
    pub fn logs(&self) -> Vec<String> {
        lock(&self.records)
            .iter()
            .filter_map(|r| match r {
                Record::Log { text } => Some(text.clone()),
                _ => None,
            })
            .collect()
    }

    /// Every status the run went through.
    pub fn statuses(&self) -> Vec<Status> {
        lock(&self.records)
            .iter()
            .filter_map(|r| match r {
                Record::Status { status, .. } => Some(*status),
                _ => None,
            })
            .collect()
    }

    /// The tags, merged.
    pub fn tags(&self) -> Vec<String> {
        let mut tags: Vec<String> = Vec::new();
        for r in lock(&self.records).iter() {
            if let Record::Tags(t) = r {
                for tag in t {
                    if !tags.contains(tag) {
                        tags.push(tag.clone());
                    }
                }
            }
        }
        tags
    }

    fn merged(
        &self,
        pick: impl Fn(&Record) -> Option<(&Map<String, Value>, bool)>,
    ) -> Map<String, Value> {
        let mut out = Map::new();
        for r in lock(&self.records).iter() {
            if let Some((values, reset)) = pick(r) {
                if reset {
                    out.clear();
                }
                for (k, v) in values {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
        out
    }

    fn push(&self, record: Record) {
        lock(&self.records).push(record);
    }
}

impl Sink for Recorder {
    fn name(&self) -> &'static str {
        "recorder"
    }

    fn metrics(&mut self, batch: &[MetricRow], names: &[Arc<str>]) -> Result<(), Error> {
        self.wait_while_stalled();
        let mut records = lock(&self.records);
        records.extend(batch.iter().map(|e| Record::Metric {
            name: names.get(e.id as usize).map_or("", |n| &**n).to_owned(),
            value: e.value,
            step: e.step,
        }));
        Ok(())
    }

    fn event(&mut self, event: &RichEvent<'_>) -> Result<(), Error> {
        self.wait_while_stalled();
        self.push(Record::Event {
            kind: event.kind.artifact_kind(),
            name: event.name.to_owned(),
            step: event.step,
            value: event.value.clone(),
        });
        Ok(())
    }

    fn logs(&mut self, lines: &[LogLine]) -> Result<(), Error> {
        self.wait_while_stalled();
        let mut records = lock(&self.records);
        records.extend(lines.iter().map(|l| Record::Log {
            text: l.text.clone(),
        }));
        Ok(())
    }

    fn update(&mut self, update: &Update, _record: &RunRecord) -> Result<(), Error> {
        self.wait_while_stalled();
        match update {
            Update::Inputs { values, reset } => self.push(Record::Inputs {
                values: values.clone(),
                reset: *reset,
            }),
            Update::Outputs { values, reset } => self.push(Record::Outputs {
                values: values.clone(),
                reset: *reset,
            }),
            Update::Tags { tags, .. } => self.push(Record::Tags(tags.clone())),
            Update::Meta { values } => self.push(Record::Meta(values.clone())),
            Update::Lineage(items) => {
                for item in items {
                    self.push(Record::Artifact(item.clone()));
                }
            }
            Update::Status(c) | Update::UserStatus(c) => self.push(Record::Status {
                status: c.kind,
                reason: c.reason.clone(),
                message: c.message.clone(),
            }),
            Update::Fields { values } => self.push(Record::Fields(values.clone())),
        }
        Ok(())
    }

    fn end(&mut self, ending: &crate::sink::Ending<'_>) -> Result<Vec<String>, Error> {
        self.push(Record::Ended {
            status: ending.record.status.unwrap_or(ending.status),
        });
        Ok(Vec::new())
    }
}

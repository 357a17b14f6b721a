//! The background thread that owns a run's state and its sinks.

use crate::error::Error;
use crate::kind::{ArtifactKind, Status};
use crate::lineage::{self, ArtifactRef};
use crate::pytime::Timestamp;
use crate::record::{merge_map, merge_tags, upsert_artifact, Artifact, Condition, RunRecord};
use crate::sink::{Ending, MetricEvent, Sink, Update};
use crate::summary;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// How often buffered data is pushed out while events keep arriving.
const FLUSH_INTERVAL: Duration = Duration::from_millis(100);
/// How long the idle writer first sleeps before looking at the queue again; each empty look
/// doubles it, up to `IDLE_MAX`. Events wait at most this long before the writer takes them
/// (rows reach the files at the next flush anyway); the queue's capacity absorbs bursts meanwhile.
const IDLE_MIN: Duration = Duration::from_micros(50);
const IDLE_MAX: Duration = Duration::from_millis(10);
/// At most this many errors are kept for the end report (all are logged).
const MAX_ERRORS: usize = 32;

/// One message on the run's queue. `Metric` is the hot path: small and allocation-free.
pub(crate) enum Msg {
    Metric {
        id: u32,
        value: f64,
        step: Option<i64>,
        /// Read by the caller, converted to a [`Timestamp`] here, off the caller's thread.
        timestamp: SystemTime,
    },
    /// Announces the name of metric `id`, before its first value.
    Name(u32, Arc<str>),
    Update(Box<Update>),
    ArtifactRef(Box<ArtifactRef>),
    Flush(SyncSender<()>),
    End(Box<EndRequest>),
}

// The queue's memory is its capacity times one slot (a message and a stamp): keep messages
// small; big payloads are boxed.
const _: () = assert!(std::mem::size_of::<Msg>() <= 48);

pub(crate) struct EndRequest {
    pub status: Status,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub deadline: Instant,
    pub reply: SyncSender<WorkerReport>,
}

/// What the worker says when the run has ended.
#[derive(Debug, Default)]
pub(crate) struct WorkerReport {
    pub status: Option<Status>,
    pub metric_events: u64,
    pub undelivered: Vec<String>,
    pub errors: Vec<String>,
}

/// Who the worker is working for.
pub(crate) struct WorkerConfig {
    pub uuid: String,
    pub run_dir: PathBuf,
    pub context_root: PathBuf,
    pub store_name: Option<String>,
    /// Whether this mode posts statuses (offline and external runs; never managed ones).
    pub owns_status: bool,
    /// Whether event files are written (and so summaries computed from them).
    pub collect_artifacts: bool,
}

pub(crate) struct Worker {
    cfg: WorkerConfig,
    record: RunRecord,
    lineage: Vec<Artifact>,
    sinks: Vec<Box<dyn Sink>>,
    names: Vec<Arc<str>>,
    last: Vec<Option<f64>>,
    warned_non_finite: Vec<bool>,
    batch: Vec<(u32, f64, Option<i64>, Timestamp)>,
    metric_events: u64,
    errors: Vec<String>,
    error_count: u64,
    last_flush: Instant,
}

impl Worker {
    pub(crate) fn new(
        cfg: WorkerConfig,
        record: RunRecord,
        lineage: Vec<Artifact>,
        sinks: Vec<Box<dyn Sink>>,
    ) -> Self {
        Worker {
            cfg,
            record,
            lineage,
            sinks,
            names: Vec::new(),
            last: Vec::new(),
            warned_non_finite: Vec::new(),
            batch: Vec::with_capacity(1024),
            metric_events: 0,
            errors: Vec::new(),
            error_count: 0,
            last_flush: Instant::now(),
        }
    }

    /// Runs until the run ends (or every sender is gone).
    pub(crate) fn run(mut self, rx: Receiver<Msg>, initial: Vec<Update>) {
        for update in initial {
            self.apply(update);
        }
        self.flush();
        let mut idle = IDLE_MIN;
        loop {
            let msg = match rx.try_recv() {
                Ok(msg) => msg,
                Err(TryRecvError::Empty) => {
                    // Nothing queued. This thread sleeps rather than block on the channel: a
                    // blocked receiver must be woken by the next sender, a futex syscall that
                    // costs the logging call ~10 µs. Flush and end requests, and a caller that
                    // finds the queue full, unpark it at once.
                    if self.last_flush.elapsed() >= FLUSH_INTERVAL {
                        self.flush();
                    }
                    std::thread::park_timeout(idle);
                    idle = (idle * 2).min(IDLE_MAX);
                    continue;
                }
                Err(TryRecvError::Disconnected) => {
                    // Every handle is gone without an explicit end (a leaked guard).
                    self.finish(
                        Status::Succeeded,
                        None,
                        None,
                        Instant::now() + Duration::from_secs(10),
                    );
                    return;
                }
            };
            idle = IDLE_MIN;
            let mut next = Some(msg);
            while let Some(msg) = next.take() {
                match msg {
                    Msg::Metric {
                        id,
                        value,
                        step,
                        timestamp,
                    } => {
                        let timestamp = Timestamp::from_system_time(timestamp);
                        self.batch.push((id, value, step, timestamp));
                        if self.batch.len() >= 4096 {
                            self.dispatch_metrics();
                        }
                    }
                    Msg::Name(id, name) => {
                        self.dispatch_metrics();
                        let idx = id as usize;
                        if self.names.len() <= idx {
                            self.names.resize(idx + 1, Arc::from(""));
                            self.last.resize(idx + 1, None);
                            self.warned_non_finite.resize(idx + 1, false);
                        }
                        self.names[idx] = name;
                    }
                    Msg::Update(update) => {
                        self.dispatch_metrics();
                        self.apply(*update);
                    }
                    Msg::ArtifactRef(r) => {
                        self.dispatch_metrics();
                        match lineage::resolve(
                            *r,
                            &self.cfg.uuid,
                            &self.cfg.run_dir,
                            &self.cfg.context_root,
                        ) {
                            Ok(artifact) => self.apply(Update::Lineage(vec![artifact])),
                            Err(e) => self.error("artifact ref", &e),
                        }
                    }
                    Msg::Flush(ack) => {
                        self.dispatch_metrics();
                        self.flush();
                        let _ = ack.send(());
                    }
                    Msg::End(req) => {
                        self.dispatch_metrics();
                        let mut report =
                            self.finish(req.status, req.reason, req.message, req.deadline);
                        // Calls that raced `end()` (accepted just after the end request)
                        // cannot be recorded any more: say so rather than drop them silently.
                        let late = rx.try_iter().count();
                        if late > 0 {
                            log::warn!(
                                "polytrack: {late} event(s) logged while the run was ending were \
                                 not recorded"
                            );
                            report.undelivered.push(format!(
                                "{late} event(s) logged while the run was ending were not recorded"
                            ));
                        }
                        if req.reply.send(report).is_err() {
                            log::warn!("polytrack: the run ended after end() stopped waiting");
                        }
                        return;
                    }
                }
                next = rx.try_recv().ok();
            }
            self.dispatch_metrics();
            if self.last_flush.elapsed() >= FLUSH_INTERVAL {
                self.flush();
            }
        }
    }

    fn error(&mut self, what: &str, e: &Error) {
        self.error_count += 1;
        // Log the first errors and then every power of two, so a failing disk is visible
        // without flooding the log.
        if self.error_count <= 8 || self.error_count.is_power_of_two() {
            log::error!("polytrack: {what}: {e} (error #{})", self.error_count);
        }
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(format!("{what}: {e}"));
        }
    }

    fn dispatch_metrics(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        if !self.record.has_meta("has_metrics") {
            let mut values = Map::new();
            values.insert("has_metrics".into(), Value::Bool(true));
            values.insert("has_events".into(), Value::Bool(true));
            self.apply(Update::Meta { values });
        }
        let mut events = Vec::with_capacity(self.batch.len());
        for &(id, value, step, timestamp) in &self.batch {
            let idx = id as usize;
            let Some(name) = self.names.get(idx) else {
                continue;
            };
            self.last[idx] = Some(value);
            if !value.is_finite() && !self.warned_non_finite[idx] {
                self.warned_non_finite[idx] = true;
                log::warn!("polytrack: metric {name:?} got a non-finite value ({value}); it is recorded as Polyaxon records it");
            }
            events.push(MetricEvent {
                id,
                name,
                value,
                step,
                timestamp,
            });
        }
        self.metric_events += events.len() as u64;
        let mut failures = Vec::new();
        for sink in &mut self.sinks {
            if let Err(e) = sink.metrics(&events) {
                failures.push((sink.name(), e));
            }
        }
        drop(events);
        self.batch.clear();
        for (name, e) in failures {
            self.error(name, &e);
        }
    }

    fn apply(&mut self, update: Update) {
        match &update {
            Update::Inputs { values, reset } => merge_map(&mut self.record.inputs, values, *reset),
            Update::Outputs { values, reset } => {
                merge_map(&mut self.record.outputs, values, *reset)
            }
            Update::Tags { tags, reset } => merge_tags(&mut self.record.tags, tags, *reset),
            Update::Meta { values } => merge_map(&mut self.record.meta_info, values, false),
            Update::Lineage(items) => {
                for item in items {
                    upsert_artifact(&mut self.lineage, item.clone());
                }
            }
            Update::Status(condition) => self.record.apply_status(condition),
        }
        let mut failures = Vec::new();
        for sink in &mut self.sinks {
            if let Err(e) = sink.update(&update, &self.record) {
                failures.push((sink.name(), e));
            }
        }
        for (name, e) in failures {
            self.error(name, &e);
        }
    }

    fn flush(&mut self) {
        self.last_flush = Instant::now();
        let mut failures = Vec::new();
        for sink in &mut self.sinks {
            if let Err(e) = sink.flush(&self.record, &self.lineage) {
                failures.push((sink.name(), e));
            }
        }
        for (name, e) in failures {
            self.error(name, &e);
        }
    }

    fn finish(
        &mut self,
        status: Status,
        reason: Option<String>,
        message: Option<String>,
        deadline: Instant,
    ) -> WorkerReport {
        self.dispatch_metrics();
        self.flush();
        if self.cfg.owns_status && !self.record.status.is_some_and(Status::is_done) {
            let message = message.or_else(|| {
                (status == Status::Succeeded).then(|| "Operation has succeeded".to_owned())
            });
            let condition = Condition::new(
                status,
                reason.as_deref(),
                message.as_deref(),
                Timestamp::now(),
            );
            self.apply(Update::Status(condition));
        }
        // Summaries of the event files (what Polyaxon's sidecar or exit handler computes),
        // and the last value of every metric into the outputs.
        let mut last_values = Map::new();
        if self.cfg.collect_artifacts {
            match event_summaries(&self.cfg.run_dir, self.cfg.store_name.as_deref()) {
                Ok((summaries, last)) => {
                    last_values = last;
                    if !summaries.is_empty() {
                        self.apply(Update::Lineage(summaries));
                    }
                }
                Err(e) => self.error("event summaries", &e),
            }
        }
        for (name, last) in self.names.iter().zip(&self.last) {
            if let Some(v) = last {
                last_values
                    .entry(name.to_string())
                    .or_insert_with(|| json_number(*v));
            }
        }
        if !last_values.is_empty() {
            self.apply(Update::Outputs {
                values: last_values,
                reset: false,
            });
        }
        let mut undelivered = Vec::new();
        let ending = Ending {
            status,
            record: &self.record,
            lineage: &self.lineage,
            deadline,
        };
        let mut failures = Vec::new();
        for sink in &mut self.sinks {
            match sink.end(&ending) {
                Ok(left) => {
                    undelivered.extend(left.into_iter().map(|l| format!("{}: {l}", sink.name())))
                }
                Err(e) => failures.push((sink.name(), e)),
            }
        }
        for (name, e) in failures {
            undelivered.push(format!("{name}: {e}"));
            self.error(name, &e);
        }
        WorkerReport {
            status: self.record.status,
            metric_events: self.metric_events,
            undelivered,
            errors: std::mem::take(&mut self.errors),
        }
    }
}

/// A float as JSON; NaN and infinities become `null`, as orjson writes them.
pub(crate) fn json_number(v: f64) -> Value {
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

/// One lineage entry per event file under `events/` (and `resources/`), with Polyaxon's
/// summary, plus the last value of each metric.
fn event_summaries(
    run_dir: &Path,
    connection: Option<&str>,
) -> Result<(Vec<Artifact>, Map<String, Value>), Error> {
    let mut items = Vec::new();
    let mut last = Map::new();
    for (base, is_system) in [("events", false), ("resources", true)] {
        let root = run_dir.join(base);
        let Ok(kinds) = std::fs::read_dir(&root) else {
            continue;
        };
        let mut kind_dirs: Vec<PathBuf> = kinds.filter_map(|e| e.ok().map(|e| e.path())).collect();
        kind_dirs.sort();
        for kind_dir in kind_dirs {
            let kind_name = kind_dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let Some(kind) = ArtifactKind::from_str(&kind_name) else {
                continue;
            };
            let Ok(files) = std::fs::read_dir(&kind_dir) else {
                continue;
            };
            let mut files: Vec<PathBuf> = files.filter_map(|e| e.ok().map(|e| e.path())).collect();
            files.sort();
            for file in files {
                if file.extension().and_then(|e| e.to_str()) != Some("plx") {
                    continue;
                }
                let stem = file
                    .file_stem()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let text = match std::fs::read_to_string(&file) {
                    Ok(text) => text,
                    Err(e) => {
                        // One unreadable file must not cost the others their summaries.
                        log::error!("polytrack: cannot summarise {}: {e}", file.display());
                        continue;
                    }
                };
                let rows = summary::parse_event_file(kind.as_str(), &text);
                // Like Polyaxon, an event file without rows gets no lineage entry.
                let Value::Object(summary) = summary::event_file_summary(kind.as_str(), &rows)
                else {
                    continue;
                };
                if kind == ArtifactKind::Metric && !is_system {
                    if let Some(row) = rows.last() {
                        last.insert(stem.clone(), json_number(row.value));
                    }
                }
                items.push(Artifact {
                    name: stem.clone(),
                    kind: if is_system {
                        ArtifactKind::System
                    } else {
                        kind
                    },
                    path: Some(format!("{base}/{kind_name}/{stem}.plx")),
                    summary,
                    connection: connection.map(str::to_owned),
                    is_input: false,
                });
            }
        }
    }
    Ok((items, last))
}

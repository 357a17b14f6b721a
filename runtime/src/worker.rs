//! The writer: the background thread that owns a run's state and its sinks. `queue` is how
//! it is reached and when it wakes; this module is what it does with each message.

mod queue;

pub(crate) use queue::WorkerHandle;

use crate::clock::{TickClock, WallClock};
use crate::error::Error;
use crate::event::{EncodeCtx, EventMsg, LogsMsg, RichEvent};
use crate::kind::Status;
use crate::lineage::{ArtifactRef, Places, Resolver, Settled};
use crate::lock::lock;
use crate::metric_slot::{MetricBatch, MetricSlot};
use crate::record::{merge_map, merge_tags, upsert_artifact, Artifact, Condition, RunRecord};
use crate::resources::Sample;
use crate::run::RingReader;
use crate::sink::{Ending, MetricRow, Sink, Update};
use crate::summary::{self, KeptValues};
use crate::timestamp::Timestamp;
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// At most this many errors are kept for the end report (all are logged).
const MAX_ERRORS: usize = 32;

/// Metric rows the writer batches before handing them to the sinks.
pub(crate) const BATCH_ROWS: usize = 4096;

/// One message on the run's queue. Metric values come on the callers' rings (`Ring`), or
/// here one by one where a thread has no ring (`run/rings.rs`).
pub(crate) enum Msg {
    /// One metric value.
    Metric(MetricSlot),
    /// Values of one `log_metrics` call sharing a step and an instant.
    Metrics(MetricBatch),
    /// The reading end of a thread's ring of metric values to this run.
    Ring(RingReader),
    Update(Box<Update>),
    ArtifactRef(Box<ArtifactRef>),
    /// A rich event, encoded here.
    Event(Box<EventMsg>),
    /// Log lines for `plxlogs/logs.jsonl`.
    Logs(Box<LogsMsg>),
    Flush(SyncSender<()>),
    /// Asks for the run record as it stands (`polytrack::inputs`).
    Snapshot(SyncSender<RunRecord>),
}

// The queue's memory is its capacity times one slot (a message and a stamp): keep messages
// small; big payloads are boxed.
const _: () = assert!(std::mem::size_of::<Msg>() <= 80);

/// The run's metric names by id, as its callers announce them: a name is in before any
/// caller has its id, and the writer reads the names it does not know yet when a value of a
/// new id comes (`NameTable` in `run/names.rs`).
pub(crate) type Announced = Arc<Mutex<Vec<Arc<str>>>>;

pub(crate) struct EndRequest {
    pub status: Status,
    pub reason: Option<String>,
    pub message: Option<String>,
    /// The program asked for this status itself (`log_succeeded`, `log_failed`,
    /// `log_stopped`): recorded and posted in every mode, as Python's client does.
    pub explicit: bool,
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
    /// Whether a sink takes rich events and log lines (event files or a test recorder).
    pub writes_events: bool,
}

pub(crate) struct Worker {
    cfg: WorkerConfig,
    record: RunRecord,
    lineage: Vec<Artifact>,
    /// References being hashed off this thread, and the lineage entries waiting behind them.
    resolver: Resolver,
    sinks: Vec<Box<dyn Sink>>,
    /// The metric names callers announced, read into `names` as their values come.
    announced: Announced,
    /// The metric names by id, as far as values have come.
    names: Vec<Arc<str>>,
    last: Vec<Option<f64>>,
    /// The names this run logged as outputs, which the last metric values never replace.
    logged_outputs: HashSet<String>,
    warned_non_finite: Vec<bool>,
    /// Rows taken off the queue and not yet handed to the sinks (their values already kept
    /// and counted as the last ones).
    batch: Vec<MetricRow>,
    /// The callers' rings to this run (drained in `queue.rs`).
    rings: Vec<RingReader>,
    /// Values just taken off a ring, being written (see `drain_rings`).
    taken: Vec<MetricSlot>,
    metric_events: u64,
    rich_events: u64,
    /// Rich events whose payload failed to encode (each logged), and events not written
    /// because no sink takes them.
    failed_events: u64,
    unwritten_events: u64,
    /// Metric values whose id was never announced (a bug; each logged, and reported at the
    /// end).
    unknown_rows: u64,
    /// Metric values kept for the end-of-run summaries.
    kept: KeptValues,
    /// Dates the callers' metric ticks.
    wall: WallClock,
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
        // Values are kept only where event files are written and so summarised.
        let budget = if cfg.collect_artifacts {
            summary::VALUE_BUDGET
        } else {
            0
        };
        Worker {
            kept: KeptValues::new(budget),
            wall: WallClock::new(TickClock::new()),
            resolver: Resolver::new(Places {
                uuid: cfg.uuid.clone(),
                run_dir: cfg.run_dir.clone(),
                context_root: cfg.context_root.clone(),
            }),
            cfg,
            record,
            lineage,
            sinks,
            announced: Announced::default(),
            names: Vec::new(),
            last: Vec::new(),
            logged_outputs: HashSet::new(),
            warned_non_finite: Vec::new(),
            batch: Vec::with_capacity(BATCH_ROWS),
            taken: Vec::with_capacity(queue::TAKE_SLOTS),
            rings: Vec::new(),
            metric_events: 0,
            rich_events: 0,
            failed_events: 0,
            unwritten_events: 0,
            unknown_rows: 0,
            errors: Vec::new(),
            error_count: 0,
            last_flush: Instant::now(),
        }
    }

    /// Where callers announce the run's metric names (see [`Announced`]).
    pub(crate) fn announced(&self) -> Announced {
        self.announced.clone()
    }

    /// One metric value, off a ring or the queue: dated, then kept, counted and batched.
    /// Always inlined, as [`Worker::metric_row`] is: a call takes the slot through memory.
    #[inline(always)]
    fn slot(&mut self, slot: MetricSlot) {
        let timestamp = slot.timestamp(&mut self.wall);
        self.metric_row(MetricRow {
            id: slot.id(),
            value: slot.value(),
            step: slot.step(),
            timestamp,
        });
        if self.batch.len() >= BATCH_ROWS {
            self.dispatch_metrics();
        }
    }

    /// Reads the names announced since the last time (a value of a new id came).
    #[cold]
    #[inline(never)]
    fn read_names(&mut self) {
        let announced = self.announced.clone();
        let announced = lock(&announced);
        let path = self.cfg.run_dir.join("events").join("metric");
        for (id, name) in announced.iter().enumerate().skip(self.names.len()) {
            self.kept
                .add_metric(id as u32, path.join(format!("{name}.plx")));
            self.names.push(name.clone());
            self.last.push(None);
            self.warned_non_finite.push(false);
        }
    }

    /// Takes one message off the data queue.
    fn handle(&mut self, msg: Msg) {
        match msg {
            Msg::Metric(slot) => self.slot(slot),
            Msg::Metrics(batch) => {
                // One step and one instant for every value: dated once.
                let first = batch.first();
                let (step, timestamp) = (first.step(), first.timestamp(&mut self.wall));
                for (id, value) in std::iter::once((first.id(), first.value())).chain(batch.more())
                {
                    self.metric_row(MetricRow {
                        id,
                        value,
                        step,
                        timestamp,
                    });
                }
                if self.batch.len() >= BATCH_ROWS {
                    self.dispatch_metrics();
                }
            }
            Msg::Ring(reader) => self.rings.push(reader),
            Msg::Update(update) => {
                self.dispatch_metrics();
                match *update {
                    // Lineage keeps its order behind the references being hashed.
                    Update::Lineage(entries) if !self.resolver.is_idle() => {
                        self.resolver.behind(entries)
                    }
                    update => self.apply(update),
                }
            }
            Msg::ArtifactRef(r) => {
                self.dispatch_metrics();
                if let Some(settled) = self.resolver.submit(*r) {
                    self.settled(vec![settled]);
                }
            }
            Msg::Event(event) => {
                self.dispatch_metrics();
                self.rich_event(*event);
            }
            Msg::Logs(logs) => {
                self.dispatch_metrics();
                self.logs(*logs);
            }
            Msg::Flush(ack) => {
                self.dispatch_metrics();
                self.flush();
                // A reference logged before the flush is in the sinks before the reply.
                if self.resolver.is_idle() {
                    let _ = ack.send(());
                } else {
                    self.resolver.flush_behind(ack);
                }
            }
            Msg::Snapshot(reply) => {
                self.dispatch_metrics();
                let _ = reply.send(self.record.clone());
            }
        }
    }

    /// Applies what the resolver has ready (a hash came in), in the order it was logged;
    /// whether there was anything.
    fn settle_lineage(&mut self) -> bool {
        let settled = self.resolver.settle();
        let any = !settled.is_empty();
        self.settled(settled);
        any
    }

    fn settled(&mut self, settled: Vec<Settled>) {
        for item in settled {
            match item {
                Settled::Lineage(entries) => self.apply(Update::Lineage(entries)),
                Settled::Failed(e) => self.error("artifact ref", &e),
                Settled::Flush(ack) => {
                    self.flush();
                    let _ = ack.send(());
                }
            }
        }
    }

    fn error(&mut self, what: &str, e: &Error) {
        self.error_count += 1;
        // Log the first errors and then every power of two, so a failing disk is visible
        // without flooding the log.
        if self.error_count <= 8 || self.error_count.is_power_of_two() {
            log::error!("{what}: {e} (error #{})", self.error_count);
        }
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(format!("{what}: {e}"));
        }
    }

    /// One metric row: kept for the summaries, counted as its metric's last value, and
    /// batched for the sinks, all in the one pass that takes it off the queue.
    ///
    /// Always inlined: called, it took the row through memory, and its copy into the batch
    /// (16-byte loads of a row just written field by field) waited for the stores to retire
    /// at every value, 10-15 ns a row on the writer thread.
    #[inline(always)]
    fn metric_row(&mut self, row: MetricRow) {
        let idx = row.id as usize;
        if idx >= self.names.len() {
            self.read_names();
        }
        let Some(last) = self.last.get_mut(idx) else {
            self.unknown_row(row.id);
            return;
        };
        *last = Some(row.value);
        if !row.value.is_finite() {
            self.non_finite(idx, row.value);
        }
        self.kept.push(row.id, row.step, row.timestamp, row.value);
        self.batch.push(row);
    }

    /// A value of an id never announced: names are announced before their first value, so
    /// this is a bug, not the caller's. Said the first times and then at powers of two, not
    /// once per value.
    #[cold]
    #[inline(never)]
    fn unknown_row(&mut self, id: u32) {
        self.unknown_rows += 1;
        let n = self.unknown_rows;
        if n <= 8 || n.is_power_of_two() {
            log::error!(
                target: "polytrack",
                "a metric value of unknown id {id} is not recorded ({n} so far)"
            );
        }
    }

    /// A NaN or infinite value of metric `idx`: recorded as it is, and said once per metric.
    #[cold]
    #[inline(never)]
    fn non_finite(&mut self, idx: usize, value: f64) {
        let Some(warned) = self.warned_non_finite.get_mut(idx) else {
            return;
        };
        if !*warned {
            *warned = true;
            let name = self.names.get(idx).map_or("", |n| &**n);
            log::warn!(
                "metric {name:?} got a non-finite value ({value}); it is recorded as Polyaxon records it"
            );
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
        self.metric_events += self.batch.len() as u64;
        let mut failures = Vec::new();
        for sink in &mut self.sinks {
            if let Err(e) = sink.metrics(&self.batch, &self.names) {
                failures.push((sink.name(), e));
            }
        }
        self.batch.clear();
        if !failures.is_empty() {
            // Rows may be missing from the files: summarise them from their text.
            self.kept.forget();
        }
        for (name, e) in failures {
            self.error(name, &e);
        }
    }

    /// Encodes a rich event (here, off the caller's thread), sets the run's `meta_info`
    /// flags, and hands the row to the sinks.
    fn rich_event(&mut self, msg: EventMsg) {
        let EventMsg {
            kind,
            name,
            step,
            timestamp,
            payload,
            reservation,
        } = msg;
        if !self.cfg.writes_events {
            drop(reservation);
            self.unwritten_events += 1;
            if self.unwritten_events == 1 {
                log::warn!(
                    target: "polytrack",
                    "rich events and logs are not written: this run collects no artifacts \
                     (POLYAXON_COLLECT_ARTIFACTS is off)"
                );
            }
            return;
        }
        let mut ctx = EncodeCtx::new(&self.cfg.run_dir).for_event(&name, step);
        let encoded = payload.encode(&mut ctx).and_then(|value| match value {
            // `null`: a payload with only side effects (a copy into `outputs/`), no row.
            Value::Null => Ok(value),
            _ => kind.check(&value).map(|()| value),
        });
        // The reservation (the payload's bytes, then its encoded row) is held until the sinks
        // have the row: it goes back to the callers' budget when this function returns.
        let _reservation = reservation;
        let value = match encoded {
            Ok(value) => value,
            Err(e) => {
                self.failed_events += 1;
                self.error(&format!("{kind} event {name:?}"), &e);
                return;
            }
        };
        let mut meta = ctx.into_meta();
        // A payload without a row (a model copied into `outputs/`) is no event of the run.
        let row = !value.is_null();
        if row && !self.record.has_meta("has_events") {
            meta.insert("has_events".into(), Value::Bool(true));
        }
        let known = self.record.meta_info.as_ref();
        meta.retain(|k, v| known.and_then(|m| m.get(k)) != Some(v));
        if !meta.is_empty() {
            self.apply(Update::Meta { values: meta });
        }
        if !row {
            return;
        }
        let event = RichEvent {
            kind,
            name: &name,
            step,
            timestamp: Timestamp::from_system_time(timestamp),
            value: &value,
        };
        self.rich_events += 1;
        let mut failures = Vec::new();
        for sink in &mut self.sinks {
            if let Err(e) = sink.event(&event) {
                failures.push((sink.name(), e));
            }
        }
        for (sink, e) in failures {
            self.error(sink, &e);
        }
    }

    /// Hands a resource sample to the sinks.
    fn resources(&mut self, sample: &Sample) {
        let mut failures = Vec::new();
        for sink in &mut self.sinks {
            if let Err(e) = sink.resources(sample) {
                failures.push((sink.name(), e));
            }
        }
        for (sink, e) in failures {
            self.error(sink, &e);
        }
    }

    /// Hands log lines to the sinks.
    fn logs(&mut self, msg: LogsMsg) {
        let LogsMsg { lines, reservation } = msg;
        if !self.cfg.writes_events {
            self.unwritten_events += lines.len() as u64;
            return;
        }
        let mut failures = Vec::new();
        for sink in &mut self.sinks {
            if let Err(e) = sink.logs(&lines) {
                failures.push((sink.name(), e));
            }
        }
        drop(reservation);
        for (sink, e) in failures {
            self.error(sink, &e);
        }
    }

    fn apply(&mut self, update: Update) {
        match &update {
            Update::Inputs { values, reset } => merge_map(&mut self.record.inputs, values, *reset),
            Update::Outputs { values, reset } => {
                if *reset {
                    self.logged_outputs.clear();
                }
                self.logged_outputs.extend(values.keys().cloned());
                merge_map(&mut self.record.outputs, values, *reset)
            }
            Update::Tags { tags, reset } => merge_tags(&mut self.record.tags, tags, *reset),
            Update::Meta { values } => merge_map(&mut self.record.meta_info, values, false),
            Update::Lineage(items) => {
                for item in items {
                    upsert_artifact(&mut self.lineage, item.clone());
                }
            }
            Update::Status(condition) | Update::UserStatus(condition) => {
                self.record.apply_status(condition)
            }
            Update::Fields { values } => self.record.apply_fields(values),
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
        if !failures.is_empty() {
            self.kept.forget();
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
        explicit: bool,
        deadline: Instant,
    ) -> WorkerReport {
        self.dispatch_metrics();
        // Pending hashes get three quarters of the time left; delivery keeps the rest.
        let left = deadline.saturating_duration_since(Instant::now());
        let settled = self.resolver.wait(Instant::now() + left.mul_f64(0.75));
        self.settled(settled);
        let (ready, unfinished) = self.resolver.abandon();
        self.settled(ready);
        let mut undelivered = Vec::new();
        for what in unfinished {
            let lost = format!(
                "the lineage entry of {what} is not recorded: its hash was not ready within \
                 the end timeout"
            );
            log::error!(target: "polytrack", "{lost}");
            undelivered.push(lost);
        }
        self.flush();
        // Python's `_log_end_status`: nothing when the run is already done.
        if (self.cfg.owns_status || explicit) && !self.record.status.is_some_and(Status::is_done) {
            let message = message.or_else(|| {
                (status == Status::Succeeded).then(|| "Operation has succeeded".to_owned())
            });
            let condition = Condition::new(
                status,
                reason.as_deref(),
                message.as_deref(),
                Timestamp::now(),
            );
            self.apply(if explicit {
                Update::UserStatus(condition)
            } else {
                Update::Status(condition)
            });
        }
        // Summaries of the event files (what Polyaxon's sidecar or exit handler computes),
        // and the last value of every metric into the outputs.
        let mut last_values = Map::new();
        if self.cfg.collect_artifacts {
            let (summaries, last) = summary::event_summaries(
                &self.cfg.run_dir,
                self.cfg.store_name.as_deref(),
                &mut self.kept,
            );
            last_values = last;
            if !summaries.is_empty() {
                self.apply(Update::Lineage(summaries));
            }
        }
        for (name, last) in self.names.iter().zip(&self.last) {
            if let Some(v) = last {
                last_values
                    .entry(name.to_string())
                    .or_insert_with(|| json_number(*v));
            }
        }
        // Unlike Python's end-of-run sync, the last values fill only names the run did not
        // log as outputs itself (the returned value included): an explicit output is never
        // replaced.
        last_values.retain(|name, _| !self.logged_outputs.contains(name));
        if !last_values.is_empty() {
            self.apply(Update::Outputs {
                values: last_values,
                reset: false,
            });
        }
        if self.unknown_rows > 0 {
            undelivered.push(format!(
                "{} metric value(s) of unknown ids were not recorded (see the log)",
                self.unknown_rows
            ));
        }
        if self.failed_events > 0 {
            undelivered.push(format!(
                "{} rich event(s) could not be encoded (see the errors)",
                self.failed_events
            ));
        }
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

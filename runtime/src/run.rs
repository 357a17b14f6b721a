//! Runs: initialisation, the global current run, the logging hot path and the end.

use crate::config::{Mode, Resolved, Settings};
use crate::error::Error;
use crate::kind::{ArtifactKind, Status};
use crate::lineage::{self, ArtifactRef};
use crate::pytime::Timestamp;
use crate::record::{Condition, RunRecord};
use crate::sink::{files::EventFiles, offline, Sink, Update};
use crate::testing::Recorder;
use crate::util::lock;
use crate::value::{sanitize, to_json, to_json_map, MetricValue};
use crate::worker::{EndRequest, Msg, Worker, WorkerConfig};
use serde::Serialize;
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant, SystemTime};

/// A new run uuid: 32 lowercase hex characters, random (version 4), no dashes.
pub fn new_uuid() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut bytes = [0u8; 16];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        // RandomState is seeded from the OS's randomness once per process and then varied per
        // instance; mixing in time and a counter keeps values distinct even so.
        let mut h = RandomState::new().build_hasher();
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        h.write_u128(Timestamp::now().as_micros() as u128);
        h.write_usize(i);
        h.write_u32(std::process::id());
        chunk.copy_from_slice(&h.finish().to_le_bytes());
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

// ---------------------------------------------------------------------------------------------
// Name interning: the hot path maps a metric name to a small id without locking.

/// The ids of the names this thread has logged to run `run`: a small open-addressing table
/// (linear probing, power-of-two size, at most half full). A lookup hashes the name and almost
/// always compares it once; names of up to 16 bytes are hashed and compared with a few word
/// loads, without a call to `memcmp`.
struct Names {
    run: u64,
    slots: Vec<Option<(Box<str>, u32)>>,
    len: usize,
}

impl Names {
    const fn new() -> Names {
        Names {
            run: 0,
            slots: Vec::new(),
            len: 0,
        }
    }

    #[inline]
    fn get(&self, name: &str) -> Option<u32> {
        let mask = self.slots.len().checked_sub(1)?;
        let mut i = name_hash(name.as_bytes()) as usize & mask;
        loop {
            match self.slots.get(i)? {
                Some((n, id)) if same_name(n.as_bytes(), name.as_bytes()) => return Some(*id),
                Some(_) => i = (i + 1) & mask,
                None => return None,
            }
        }
    }

    #[cold]
    fn insert(&mut self, name: &str, id: u32) {
        if (self.len + 1) * 2 > self.slots.len() {
            let size = (self.slots.len() * 2).max(16);
            let old = std::mem::replace(&mut self.slots, (0..size).map(|_| None).collect());
            self.len = 0;
            for (n, i) in old.into_iter().flatten() {
                self.put(n, i);
            }
        }
        self.put(name.into(), id);
    }

    fn put(&mut self, name: Box<str>, id: u32) {
        let mask = self.slots.len() - 1;
        let mut i = name_hash(name.as_bytes()) as usize & mask;
        while self.slots[i].is_some() {
            i = (i + 1) & mask;
        }
        self.slots[i] = Some((name, id));
        self.len += 1;
    }

    fn clear(&mut self) {
        self.slots = Vec::new();
        self.len = 0;
    }
}

impl Default for Names {
    fn default() -> Names {
        Names::new()
    }
}

/// The little-endian word of the first 8 bytes of `b` (`b.len() >= 8`).
#[inline]
fn word8(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[..8]);
    u64::from_le_bytes(w)
}

/// The little-endian word of the first 4 bytes of `b` (`b.len() >= 4`).
#[inline]
fn word4(b: &[u8]) -> u64 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[..4]);
    u64::from(u32::from_le_bytes(w))
}

/// Two words that together hold every byte of a name of at most 16 bytes (overlapping loads
/// of its first and last bytes).
#[inline]
fn short_words(b: &[u8]) -> (u64, u64) {
    let n = b.len();
    if n >= 8 {
        (word8(b), word8(&b[n - 8..]))
    } else if n >= 4 {
        (word4(b), word4(&b[n - 4..]))
    } else if n > 0 {
        (
            u64::from(b[0]) | u64::from(b[n / 2]) << 8 | u64::from(b[n - 1]) << 16,
            0,
        )
    } else {
        (0, 0)
    }
}

/// A fast hash of a metric name (FxHash-style mixing); names are not attacker input.
#[inline]
fn name_hash(b: &[u8]) -> u64 {
    const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
    let mix = |h: u64, w: u64| (h.rotate_left(5) ^ w).wrapping_mul(K);
    let n = b.len();
    if n <= 16 {
        let (x, y) = short_words(b);
        return mix(mix(n as u64, x), y);
    }
    let mut h = n as u64;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        h = mix(h, word8(c));
    }
    mix(h, word8(&b[n - 8..]))
}

/// Whether two names are equal.
#[inline]
fn same_name(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len()
        && if a.len() <= 16 {
            short_words(a) == short_words(b)
        } else {
            a == b
        }
}

/// Per-thread state of the hot path: the current run (checked against a generation counter)
/// and the ids of the names this thread has logged to a run.
struct Local {
    generation: u64,
    current: Option<Run>,
    names: Names,
}

thread_local! {
    static LOCAL: RefCell<Local> = const {
        RefCell::new(Local {
            generation: 0,
            current: None,
            names: Names::new(),
        })
    };
}

#[derive(Default)]
struct NameTable {
    by_raw: HashMap<String, u32>,
    by_sanitized: HashMap<String, u32>,
    next: u32,
}

// ---------------------------------------------------------------------------------------------
// Global state.

/// Whether a run is current: the only thing a logging call reads when tracking is off.
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// Bumped whenever the current run changes, so threads refresh their cached run.
static GENERATION: AtomicU64 = AtomicU64::new(1);
/// Runs started and not ended; the last one is current.
static STACK: Mutex<Vec<Run>> = Mutex::new(Vec::new());
/// Set once anything called `init`, so calls before it warn but calls in no-op mode don't.
static INITIALISED: AtomicBool = AtomicBool::new(false);
static WARNED_INACTIVE: AtomicBool = AtomicBool::new(false);
/// Set when a tracking (not no-op) run ended: later calls without a run then warn once too.
static HAD_RUN: AtomicBool = AtomicBool::new(false);
static RUN_IDS: AtomicU64 = AtomicU64::new(1);

fn set_stack(f: impl FnOnce(&mut Vec<Run>)) {
    let mut stack = lock(&STACK);
    f(&mut stack);
    ACTIVE.store(!stack.is_empty(), Ordering::Release);
    GENERATION.fetch_add(1, Ordering::AcqRel);
}

/// A logging call without a current run: nothing (two loads), after one warning when `init`
/// was never called or the last run already ended.
#[inline]
fn inactive() -> Result<(), Error> {
    if !WARNED_INACTIVE.load(Ordering::Relaxed)
        && (!INITIALISED.load(Ordering::Relaxed) || HAD_RUN.load(Ordering::Relaxed))
    {
        warn_inactive();
    }
    Ok(())
}

#[cold]
fn warn_inactive() {
    if !WARNED_INACTIVE.swap(true, Ordering::Relaxed) {
        if HAD_RUN.load(Ordering::Relaxed) {
            log::warn!(
                "polytrack: a logging function was called after the run ended (its guard was \
                 dropped or end() was called); nothing is tracked until a new run starts"
            );
        } else {
            log::warn!(
                "polytrack: a logging function was called before polytrack::init(); nothing \
                 is tracked until a run is initialised"
            );
        }
    }
}

/// The current run, if any: one atomic load when there is none.
pub fn current() -> Option<Run> {
    if !ACTIVE.load(Ordering::Acquire) {
        return None;
    }
    lock(&STACK).last().cloned()
}

/// Whether a run is current (one atomic load).
#[inline]
pub fn is_active() -> bool {
    ACTIVE.load(Ordering::Relaxed)
}

/// Runs `f` with the current run, from the thread's cache when nothing changed.
///
/// Always inlined: with tracking off, a logging call is the load of `ACTIVE` and nothing else;
/// the uncached path is kept out of line so the cached one stays small.
#[inline(always)]
fn with_current(f: impl FnOnce(&Run, &mut Names) -> Result<(), Error>) -> Result<(), Error> {
    if !ACTIVE.load(Ordering::Relaxed) {
        return inactive();
    }
    let mut f = Some(f);
    let cached = LOCAL.try_with(|cell| {
        let mut local = cell.try_borrow_mut().ok()?;
        let generation = GENERATION.load(Ordering::Acquire);
        if local.generation != generation {
            local.current = current();
            local.generation = generation;
        }
        // Borrowed, not cloned: no reference count is touched on the hot path.
        let Local { current, names, .. } = &mut *local;
        Some(match current {
            Some(run) => (f.take()?)(run, names),
            None => inactive(),
        })
    });
    match cached {
        Ok(Some(result)) => result,
        _ => with_current_uncached(f),
    }
}

/// [`with_current`] without the thread's cache: re-entered from inside a logging call (a
/// logger that logs metrics, say), or called while the thread's locals are being destroyed
/// (from a `Drop`). Same result, slower.
#[cold]
#[inline(never)]
fn with_current_uncached(
    f: Option<impl FnOnce(&Run, &mut Names) -> Result<(), Error>>,
) -> Result<(), Error> {
    match (f, current()) {
        (Some(f), Some(run)) => f(&run, &mut Names::default()),
        (Some(_), None) => inactive(),
        (None, _) => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------------
// Panics: the text of a panic is kept so a run dropped while unwinding says why it failed.

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn install_panic_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let text = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "Box<dyn Any>".to_owned());
            let text = match info.location() {
                Some(loc) => format!("{text} (at {}:{})", loc.file(), loc.line()),
                None => text,
            };
            let _ = LAST_PANIC.try_with(|p| {
                if let Ok(mut p) = p.try_borrow_mut() {
                    *p = Some(text);
                }
            });
            previous(info);
        }));
    });
}

/// Takes the text of the last panic on this thread, if one is unwinding.
pub(crate) fn panic_text() -> Option<String> {
    LAST_PANIC
        .try_with(|p| p.try_borrow_mut().ok().and_then(|mut p| p.take()))
        .ok()
        .flatten()
}

// ---------------------------------------------------------------------------------------------
// Runs.

/// What [`Run::end`] reports: where the run went and anything left undone.
#[derive(Clone, Debug)]
pub struct EndReport {
    /// The run's uuid.
    pub uuid: Option<String>,
    /// The mode it was tracked in.
    pub mode: Mode,
    /// The run's folder, if it has one.
    pub run_dir: Option<PathBuf>,
    /// The final status, when the mode records one.
    pub status: Option<Status>,
    /// Metric values written.
    pub metric_events: u64,
    /// Logging calls refused because the writer was stalled (each returned an error).
    pub refused_events: u64,
    /// What could not be delivered before the deadline, and how it will be.
    pub undelivered: Vec<String>,
    /// Errors met while tracking (each was also logged).
    pub errors: Vec<String>,
}

impl EndReport {
    /// Whether everything was delivered.
    pub fn is_complete(&self) -> bool {
        self.undelivered.is_empty() && self.refused_events == 0
    }
}

impl fmt::Display for EndReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "run {} ({})",
            self.uuid.as_deref().unwrap_or("-"),
            self.mode
        )?;
        if let Some(status) = self.status {
            write!(f, " {status}")?;
        }
        write!(f, ": {} metric values", self.metric_events)?;
        if let Some(dir) = &self.run_dir {
            write!(f, " in {}", dir.display())?;
        }
        if self.refused_events > 0 {
            write!(
                f,
                "; {} events refused (writer stalled)",
                self.refused_events
            )?;
        }
        for line in &self.undelivered {
            write!(f, "; undelivered: {line}")?;
        }
        Ok(())
    }
}

struct Shared {
    id: u64,
    mode: Mode,
    uuid: Option<String>,
    owner: Option<String>,
    project: Option<String>,
    run_dir: PathBuf,
    tx: SyncSender<Msg>,
    /// The writer thread, which sleeps while the queue is empty: unparked for flush and end
    /// requests and when the queue is full, never for ordinary events.
    worker: std::thread::Thread,
    queue_timeout: Duration,
    end_timeout: Duration,
    metric_suffix: Option<String>,
    names: Mutex<NameTable>,
    ended: AtomicBool,
    refused: AtomicU64,
    final_report: Mutex<Option<EndReport>>,
    sampler: Mutex<Option<crate::resources::Sampler>>,
}

/// A handle to a run. Clones share the run; the run ends when its [`RunGuard`] is dropped or
/// [`Run::end`] is called. A no-op run accepts every call and does nothing.
#[derive(Clone)]
pub struct Run {
    inner: Option<Arc<Shared>>,
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

impl Shared {
    #[inline]
    fn send(&self, msg: Msg) -> Result<(), Error> {
        match self.tx.try_send(msg) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(msg)) => self.send_slow(msg),
            Err(TrySendError::Disconnected(_)) => Err(self.gone()),
        }
    }

    fn gone(&self) -> Error {
        if self.ended.load(Ordering::Relaxed) {
            Error::Ended
        } else {
            Error::WriterGone
        }
    }

    #[cold]
    fn send_slow(&self, mut msg: Msg) -> Result<(), Error> {
        self.worker.unpark();
        let start = Instant::now();
        let mut pause = Duration::from_micros(20);
        loop {
            if start.elapsed() >= self.queue_timeout {
                let n = self.refused.fetch_add(1, Ordering::Relaxed) + 1;
                if n <= 8 || n.is_power_of_two() {
                    log::error!(
                        "polytrack: the writer is stalled; refused {n} event(s) after waiting {:?} each",
                        self.queue_timeout
                    );
                }
                return Err(Error::Backpressure {
                    waited: start.elapsed(),
                });
            }
            std::thread::sleep(pause.min(self.queue_timeout.saturating_sub(start.elapsed())));
            pause = (pause * 2).min(Duration::from_millis(5));
            match self.tx.try_send(msg) {
                Ok(()) => return Ok(()),
                Err(TrySendError::Full(m)) => msg = m,
                Err(TrySendError::Disconnected(_)) => return Err(self.gone()),
            }
        }
    }

    /// The id of a metric name, announcing it to the worker the first time.
    #[inline]
    fn name_id(&self, names: &mut Names, name: &str) -> Result<u32, Error> {
        if names.run != self.id {
            names.clear();
            names.run = self.id;
        }
        if let Some(id) = names.get(name) {
            return Ok(id);
        }
        let id = self.intern(name)?;
        names.insert(name, id);
        Ok(id)
    }

    #[cold]
    fn intern(&self, name: &str) -> Result<u32, Error> {
        let mut table = lock(&self.names);
        if let Some(id) = table.by_raw.get(name) {
            return Ok(*id);
        }
        let mut sanitized = sanitize(name)?;
        if let Some(suffix) = &self.metric_suffix {
            sanitized.push_str(suffix);
        }
        let id = match table.by_sanitized.get(&sanitized) {
            Some(id) => *id,
            None => {
                let id = table.next;
                // Announced while the table is locked, so no other thread can send a value
                // for this id before the worker knows its name.
                self.send(Msg::Name(id, Arc::from(sanitized.as_str())))?;
                table.next += 1;
                table.by_sanitized.insert(sanitized, id);
                id
            }
        };
        table.by_raw.insert(name.to_owned(), id);
        Ok(id)
    }

    #[inline]
    fn metric(
        &self,
        names: &mut Names,
        name: &str,
        value: f64,
        step: Option<i64>,
        timestamp: Option<SystemTime>,
    ) -> Result<(), Error> {
        if self.ended.load(Ordering::Relaxed) {
            return Err(Error::Ended);
        }
        let id = self.name_id(names, name)?;
        self.send(Msg::Metric {
            id,
            value,
            step,
            timestamp: timestamp.unwrap_or_else(SystemTime::now),
        })
    }

    /// [`Shared::metric`] without the thread's name cache (kept out of the hot path).
    #[cold]
    #[inline(never)]
    fn metric_uncached(
        &self,
        name: &str,
        value: f64,
        step: Option<i64>,
        timestamp: Option<SystemTime>,
    ) -> Result<(), Error> {
        self.metric(&mut Names::default(), name, value, step, timestamp)
    }

    fn update(&self, update: Update) -> Result<(), Error> {
        if self.ended.load(Ordering::Relaxed) {
            return Err(Error::Ended);
        }
        self.send(Msg::Update(Box::new(update)))
    }

    fn end(
        &self,
        status: Status,
        reason: Option<String>,
        message: Option<String>,
    ) -> Result<EndReport, Error> {
        if self.ended.swap(true, Ordering::AcqRel) {
            return lock(&self.final_report).clone().ok_or(Error::Ended);
        }
        set_stack(|stack| stack.retain(|r| r.inner.as_ref().is_none_or(|s| s.id != self.id)));
        HAD_RUN.store(true, Ordering::Relaxed);
        // The sampler's last rows must be on disk before the worker summarises the files.
        if let Some(sampler) = lock(&self.sampler).take() {
            sampler.stop(Duration::from_secs(5));
        }
        let deadline = Instant::now() + self.end_timeout;
        let (reply_tx, reply_rx) = sync_channel(1);
        let request = Msg::End(Box::new(EndRequest {
            status,
            reason,
            message,
            deadline,
            reply: reply_tx,
        }));
        let mut report = EndReport {
            uuid: self.uuid.clone(),
            mode: self.mode,
            run_dir: Some(self.run_dir.clone()),
            status: None,
            metric_events: 0,
            refused_events: self.refused.load(Ordering::Relaxed),
            undelivered: Vec::new(),
            errors: Vec::new(),
        };
        // The end request must not be refused like an event: wait for room up to the deadline.
        let mut msg = request;
        loop {
            match self.tx.try_send(msg) {
                Ok(()) => {
                    self.worker.unpark();
                    break;
                }
                Err(TrySendError::Full(m)) if Instant::now() < deadline => {
                    msg = m;
                    self.worker.unpark();
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err(_) => {
                    report.undelivered.push(format!(
                        "the writer did not take the end request within {:?}; events still \
                         queued are in memory only",
                        self.end_timeout
                    ));
                    return Ok(self.keep(report));
                }
            }
        }
        let wait = deadline.saturating_duration_since(Instant::now()) + Duration::from_millis(500);
        match reply_rx.recv_timeout(wait) {
            Ok(w) => {
                report.status = w.status;
                report.metric_events = w.metric_events;
                report.undelivered = w.undelivered;
                report.errors = w.errors;
            }
            Err(_) => report.undelivered.push(format!(
                "ending did not finish within {:?}; the writer keeps going in the background \
                 until the process exits",
                self.end_timeout
            )),
        }
        if !report.undelivered.is_empty() {
            log::warn!("polytrack: {report}");
        }
        Ok(self.keep(report))
    }

    fn keep(&self, report: EndReport) -> EndReport {
        *lock(&self.final_report) = Some(report.clone());
        report
    }
}

impl Run {
    fn noop() -> Run {
        Run { inner: None }
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
        let value = value.to_f64();
        let cached = LOCAL.try_with(|cell| {
            let mut local = cell.try_borrow_mut().ok()?;
            Some(shared.metric(&mut local.names, name, value, step, timestamp))
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
        let ts = Some(timestamp.unwrap_or_else(SystemTime::now));
        let log_all = |names: &mut Names| {
            metrics.iter().try_for_each(|(name, value)| {
                shared.metric(names, name.as_ref(), value.to_f64(), step, ts)
            })
        };
        LOCAL
            .try_with(|cell| Some(log_all(&mut cell.try_borrow_mut().ok()?.names)))
            .ok()
            .flatten()
            .unwrap_or_else(|| log_all(&mut Names::default()))
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

    /// The run's artifacts folder, or `rel` inside it (nothing is created).
    pub fn get_artifacts_path(&self, rel: Option<&str>) -> Result<PathBuf, Error> {
        let shared = self.inner.as_ref().ok_or(Error::Inactive)?;
        match rel {
            None => Ok(shared.run_dir.clone()),
            Some(rel) => join_inside(&shared.run_dir, rel),
        }
    }

    /// `<artifacts>/outputs/<rel>`, with its parent folder created (Python's
    /// `get_outputs_path(rel_path)`). `rel` must stay inside the run's folder.
    ///
    /// This is the one call that touches the file system on the caller's thread (a
    /// `create_dir_all`), as Python's does: the caller is about to write a file there.
    pub fn get_outputs_path(&self, rel: &str) -> Result<PathBuf, Error> {
        let shared = self.inner.as_ref().ok_or(Error::Inactive)?;
        let path = join_inside(&shared.run_dir.join("outputs"), rel)?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::io(format!("cannot create {}", parent.display()), e))?;
        }
        Ok(path)
    }

    /// Records lineage for a file or folder (Python's `log_artifact_ref`). The name defaults
    /// to the file name up to its first dot, sanitized; the file is hashed (md5) on the
    /// background thread.
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
        shared.worker.unpark();
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

fn clean_tags<I, S>(tags: I) -> Vec<String>
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

/// Joins a relative path under `base`, refusing absolute paths and `..` that leave it.
fn join_inside(base: &Path, rel: &str) -> Result<PathBuf, Error> {
    let escapes = || Error::PathEscapes {
        path: PathBuf::from(rel),
    };
    let mut depth = 0usize;
    let mut out = base.to_owned();
    for component in Path::new(rel).components() {
        match component {
            Component::Normal(c) => {
                depth += 1;
                out.push(c);
            }
            Component::CurDir => {}
            Component::ParentDir => {
                depth = depth.checked_sub(1).ok_or_else(escapes)?;
                out.pop();
            }
            Component::RootDir | Component::Prefix(_) => return Err(escapes()),
        }
    }
    Ok(out)
}

/// Ends the run when dropped: `succeeded`, or `failed` with the panic's text when dropped
/// while the thread panics.
#[must_use = "dropping the guard ends the run"]
pub struct RunGuard {
    run: Run,
}

impl fmt::Debug for RunGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RunGuard").field(&self.run).finish()
    }
}

impl std::ops::Deref for RunGuard {
    type Target = Run;
    fn deref(&self) -> &Run {
        &self.run
    }
}

impl RunGuard {
    /// A handle to the run that outlives the guard.
    pub fn run(&self) -> Run {
        self.run.clone()
    }

    /// Ends the run as succeeded, consuming the guard.
    pub fn end(self) -> Result<EndReport, Error> {
        self.run.end()
    }

    /// Ends the run as failed with `message`, consuming the guard.
    pub fn fail(self, message: impl Into<String>) -> Result<EndReport, Error> {
        self.run.fail(message)
    }
}

impl Drop for RunGuard {
    fn drop(&mut self) {
        let Some(shared) = &self.run.inner else {
            return;
        };
        if shared.ended.load(Ordering::Acquire) {
            return;
        }
        let result = if std::thread::panicking() {
            let text = panic_text().unwrap_or_else(|| "unknown panic".to_owned());
            shared.end(
                Status::Failed,
                Some("ExitHandler".to_owned()),
                Some(format!("The run panicked: {text}")),
            )
        } else {
            shared.end(Status::Succeeded, None, None)
        };
        if let Err(e) = result {
            log::error!("polytrack: ending the run failed: {e}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Initialisation.

/// Starts a run from the environment (Python's `tracking.init()`). See [`init_with`].
pub fn init() -> Result<RunGuard, Error> {
    init_with(Settings::new())
}

/// Starts a run from explicit settings over the environment and makes it the current run.
pub fn init_with(mut settings: Settings) -> Result<RunGuard, Error> {
    INITIALISED.store(true, Ordering::Relaxed);
    if settings.recorder.is_none() {
        settings.recorder = Recorder::take_installed();
    }
    let resolved = settings.resolve()?;
    if resolved.implicit_offline {
        log::warn!(
            "polytrack: no Polyaxon context (no project, not managed by Polyaxon, not offline): \
             tracking offline into {}; upload it with `polyaxon ops push`, or set \
             POLYTRACK_PROJECT and POLYAXON_HOST, POLYAXON_IS_OFFLINE=true or POLYAXON_NO_OP=true",
            resolved.artifacts_root.display()
        );
    }
    if resolved.mode == Mode::NoOp {
        if let Some(source) = resolved.rank.source {
            log::info!(
                "polytrack: rank {} ({source}) does not track; only rank 0 does",
                resolved.rank.rank
            );
        }
        return Ok(RunGuard { run: Run::noop() });
    }
    let run = start(resolved, settings.recorder.take())?;
    set_stack(|stack| stack.push(run.clone()));
    Ok(RunGuard { run })
}

fn start(resolved: Resolved, recorder: Option<Recorder>) -> Result<Run, Error> {
    install_panic_hook();
    let uuid = resolved.uuid.clone().unwrap_or_default();
    let run_dir = resolved.artifacts_root.clone();
    let mut sinks: Vec<Box<dyn Sink>> = Vec::new();
    let mut record = RunRecord::default();
    let mut lineage = Vec::new();
    let mut initial = Vec::new();
    let now = Timestamp::now();
    // Runs polytrack created, and runs of executors without Polyaxon's sidecar, report their
    // own status; a managed run's status belongs to Polyaxon's operator.
    // A resumed external run leaves its status alone, as Polyaxon's client does.
    let owns_status = resolved.mode == Mode::Offline
        || (matches!(resolved.mode, Mode::External | Mode::Managed)
            && (resolved.is_new || resolved.has_process_sidecar));

    let recording = recorder.is_some();
    match recorder {
        Some(recorder) => sinks.push(Box::new(recorder)),
        None => {
            std::fs::create_dir_all(run_dir.join("outputs"))
                .map_err(|e| Error::io(format!("cannot create {}", run_dir.display()), e))?;
            if resolved.collect_artifacts {
                sinks.push(Box::new(EventFiles::new(&run_dir)));
            }
            if resolved.mode == Mode::Offline {
                if let Some((r, l)) = offline::load(&run_dir)? {
                    record = r;
                    lineage = l;
                }
                sinks.push(Box::new(offline::OfflineStore::new(&run_dir)));
            }
            if matches!(resolved.mode, Mode::Managed | Mode::External) {
                sinks.push(Box::new(crate::api::ApiSink::start(&resolved)?));
            }
        }
    }

    if !recording {
        // Polyaxon's `log_env` at init.
        let base = match resolved.mode {
            Mode::Offline => resolved.offline_root.clone(),
            _ => resolved.context_root.join("artifacts"),
        };
        match crate::envinfo::log_env(&run_dir, &base) {
            Ok(artifact) => initial.push(Update::Lineage(vec![artifact])),
            Err(e) => log::warn!("polytrack: could not record the environment: {e}"),
        }
    }

    let resumed = record.uuid.is_some();
    if !resumed {
        record.uuid = Some(uuid.clone());
        record.name.clone_from(&resolved.name);
        record.description.clone_from(&resolved.description);
        record.owner.clone_from(&resolved.owner);
        record.project.clone_from(&resolved.project);
        if owns_status {
            record.created_at = Some(now.to_iso());
            record.managed_by = Some("user".to_owned());
            record.is_managed = Some(false);
            record.kind = Some("job".to_owned());
            record.runtime = Some("job".to_owned());
        }
    }
    if !resolved.tags.is_empty() {
        initial.push(Update::Tags {
            tags: clean_tags(&resolved.tags),
            reset: false,
        });
    }
    if owns_status {
        if !resumed && resolved.mode == Mode::Offline {
            initial.push(Update::Status(Condition::new(
                Status::Created,
                Some("OfflineOperation"),
                Some("Operation is starting"),
                now,
            )));
        }
        let pending = record.status.is_none_or(Status::is_pending);
        if pending {
            initial.push(Update::Status(Condition::new(
                Status::Running,
                None,
                Some("Operation is running"),
                now,
            )));
        }
    }

    let sampler = if resolved.collect_resources && !recording {
        match crate::resources::Sampler::start(&run_dir, crate::resources::INTERVAL) {
            Ok(sampler) => Some(sampler),
            Err(e) => {
                log::warn!("polytrack: resource metrics are off: {e}");
                None
            }
        }
    } else {
        None
    };

    let (tx, rx) = sync_channel(resolved.queue_capacity);
    let worker = Worker::new(
        WorkerConfig {
            uuid: uuid.clone(),
            run_dir: run_dir.clone(),
            context_root: match resolved.mode {
                Mode::Offline => resolved.offline_root.join("runs"),
                _ => resolved.context_root.join("artifacts"),
            },
            store_name: resolved.store_name.clone(),
            owns_status,
            collect_artifacts: resolved.collect_artifacts,
        },
        record,
        lineage,
        sinks,
    );
    let worker = std::thread::Builder::new()
        .name("polytrack-writer".into())
        .spawn(move || worker.run(rx, initial))
        .map(|handle| handle.thread().clone())
        .map_err(|e| Error::io("cannot start the writer thread", e))?;

    let metric_suffix = match resolved.rank_policy {
        crate::rank::RankPolicy::AllRanks => resolved.rank.metric_suffix(),
        crate::rank::RankPolicy::RankZeroOnly => None,
    };
    Ok(Run {
        inner: Some(Arc::new(Shared {
            id: RUN_IDS.fetch_add(1, Ordering::Relaxed),
            mode: resolved.mode,
            uuid: Some(uuid),
            owner: resolved.owner,
            project: resolved.project,
            run_dir,
            tx,
            worker,
            queue_timeout: resolved.queue_timeout,
            end_timeout: resolved.end_timeout,
            metric_suffix,
            names: Mutex::new(NameTable::default()),
            ended: AtomicBool::new(false),
            refused: AtomicU64::new(0),
            final_report: Mutex::new(None),
            sampler: Mutex::new(sampler),
        })),
    })
}

// ---------------------------------------------------------------------------------------------
// Module-level functions on the current run (Python's `tracking.*`).

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
    with_current(|run, names| {
        let Some(shared) = &run.inner else {
            return Ok(());
        };
        shared.metric(names, name, value.to_f64(), step, timestamp)
    })
}

/// Logs several metrics on the current run, sharing one step and timestamp.
pub fn log_metrics<N: AsRef<str>, V: MetricValue>(
    metrics: &[(N, V)],
    step: Option<i64>,
    timestamp: Option<std::time::SystemTime>,
) -> Result<(), Error> {
    with_current(|run, names| {
        let Some(shared) = &run.inner else {
            return Ok(());
        };
        let ts = Some(timestamp.unwrap_or_else(SystemTime::now));
        metrics
            .iter()
            .try_for_each(|(n, v)| shared.metric(names, n.as_ref(), v.to_f64(), step, ts))
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
    /// Logs inputs on the current run; see [`Run::log_inputs`].
    log_inputs<T>(values: &T) where T: Serialize + ?Sized
);
forward!(
    /// Logs one input on the current run.
    log_input<T>(key: &str, value: &T) where T: Serialize + ?Sized
);
forward!(
    /// Logs outputs on the current run; see [`Run::log_outputs`].
    log_outputs<T>(values: &T) where T: Serialize + ?Sized
);
forward!(
    /// Logs one output on the current run.
    log_output<T>(key: &str, value: &T) where T: Serialize + ?Sized
);
forward!(
    /// Adds tags to the current run; see [`Run::log_tags`].
    log_tags<I, S>(tags: I) where I: IntoIterator<Item = S>, S: AsRef<str>
);

/// Records lineage for a file on the current run; see [`Run::log_artifact_ref`].
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

/// `<artifacts>/outputs/<rel>` of the current run; see [`Run::get_outputs_path`].
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_v4_hex() {
        let a = new_uuid();
        let b = new_uuid();
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_eq!(&a[12..13], "4");
    }

    #[test]
    fn paths_stay_inside() {
        let base = Path::new("/run/outputs");
        assert_eq!(join_inside(base, "a/b.txt").unwrap(), base.join("a/b.txt"));
        assert_eq!(join_inside(base, "a/../b.txt").unwrap(), base.join("b.txt"));
        assert!(matches!(
            join_inside(base, "../x"),
            Err(Error::PathEscapes { .. })
        ));
        assert!(matches!(
            join_inside(base, "/etc/passwd"),
            Err(Error::PathEscapes { .. })
        ));
    }

    #[test]
    fn name_cache_finds_every_name_and_only_those() {
        let mut all: Vec<String> = Vec::new();
        for i in 0..400 {
            let name = match i % 5 {
                0 => format!("m{i}"),
                1 => format!("metric_{i:05}"),
                2 => "x".repeat(i % 41),
                3 => format!("train/layer_{i}/grad_norm"),
                _ => format!("{}{i}", "ab".repeat(i % 11)),
            };
            if !all.contains(&name) {
                all.push(name);
            }
        }
        let mut names = Names::new();
        for (id, name) in all.iter().enumerate() {
            assert_eq!(names.get(name), None, "{name:?}");
            names.insert(name, id as u32);
        }
        for (id, name) in all.iter().enumerate() {
            assert_eq!(names.get(name), Some(id as u32), "{name:?}");
        }
        // Same length and same first and last bytes, different middle.
        for probe in [
            "train/layer_3/grad_morm",
            "metric_0000l",
            "xxxxxxxxxyxxxxxxxxxxxxxx",
            "m1z",
        ] {
            assert_eq!(names.get(probe), None, "{probe:?}");
        }
        names.clear();
        assert_eq!(names.get(&all[1]), None);
    }

    #[test]
    fn tags_are_cleaned() {
        assert_eq!(clean_tags([" a", "b", "a", ""]), ["a", "b"]);
    }
}

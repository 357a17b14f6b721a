//! The state of one run shared by its handles: the queue to its writer, its name table, and
//! how it ends.

use super::current::ThreadCache;
use super::current::{set_stack, HAD_RUN, LIVE};
use super::names::{NameTable, Names};
use super::report::EndReport;
use super::rings::Rings;
use crate::config::Mode;
use crate::error::Error;
use crate::kind::Status;
use crate::lifecycle::EndAs;
use crate::lock::lock;
use crate::metric_slot::{MetricBatch, MetricSlot};
use crate::sink::Update;
use crate::value::{sanitize, MetricValue};
use crate::worker::{EndRequest, Msg};
use rtrb::PushError;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

pub(super) struct Shared {
    pub(super) id: u64,
    pub(super) mode: Mode,
    pub(super) uuid: Option<String>,
    pub(super) owner: Option<String>,
    pub(super) project: Option<String>,
    pub(super) run_dir: PathBuf,
    pub(super) tx: SyncSender<Msg>,
    /// Stamps metric values on the caller's thread (dated by the writer).
    pub(super) clock: crate::clock::TickClock,
    /// The writer thread, which sleeps while the queue is empty: woken for the end request
    /// and replies, and when the queue is full, never for ordinary events.
    pub(super) worker: crate::worker::WorkerHandle,
    pub(super) queue_timeout: Duration,
    /// The values each thread's ring to this run holds (`run/rings.rs`).
    pub(super) ring_capacity: usize,
    /// The thread that may have a ring to this run: the first that logged a metric value (0
    /// until then; see [`super::rings::Rings::thread`]).
    pub(super) ring_owner: AtomicU64,
    /// Set once a value of this run took the shared queue: every later value does too, so
    /// that values keep their callers' order across threads (`run/rings.rs`).
    pub(super) queue_only: AtomicBool,
    pub(super) end_timeout: Duration,
    pub(super) metric_suffix: Option<String>,
    pub(super) names: Mutex<NameTable>,
    pub(super) ended: AtomicBool,
    pub(super) refused: AtomicU64,
    /// Bytes of rich-event payloads and log lines accepted and not yet encoded.
    pub(super) budget: Arc<crate::event::Budget>,
    pub(super) final_report: Mutex<Option<EndReport>>,
    pub(super) sampler: Mutex<Option<crate::resources::Sampler>>,
    /// State of the lifecycle calls (progress throttle, once-per-run flags, where inputs are
    /// read from).
    pub(super) lifecycle: crate::lifecycle::RunState,
}

/// How long a caller that found its ring full retries before it sleeps: about the time the
/// writer formats a batch of rows ([`crate::worker::BATCH_ROWS`], 0.4 ms at 100 ns a row),
/// during which it frees no room. A caller logging faster than the writer writes thus keeps
/// up with it without sleeping, and the writer makes no wake-up calls: 1M values over 100
/// names went from 0.86x of the formatting floor to 0.95x (medians of 9 alternating runs;
/// 100 µs gained nothing). It costs the waiting caller its core, which `yield_now` hands to
/// any other thread that wants it (on one core, to the writer). A ring has one producer;
/// the shared queue, with many, does not retry (see [`Shared::send_slow`]).
const SNOOZE: Duration = Duration::from_millis(1);

/// One try to put an item on a queue or a ring.
enum Attempt<T> {
    Sent,
    Full(T),
    /// The writer is gone.
    Gone,
}

impl Shared {
    #[inline]
    pub(super) fn send(&self, msg: Msg) -> Result<(), Error> {
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

    /// The data queue is full: waits for the writer to make room, up to the queue timeout.
    #[cold]
    fn send_slow(&self, msg: Msg) -> Result<(), Error> {
        // No retrying first: the queue has many producers (every thread of a run logged from
        // several), and their retries took the writer's core (2 threads, 1M values between
        // them: 4.8-7.3 M/s against 6.3-7.2 sleeping at once, and more CPU).
        self.wait_for_room(msg, Duration::ZERO, |msg| match self.tx.try_send(msg) {
            Ok(()) => Attempt::Sent,
            Err(TrySendError::Full(msg)) => Attempt::Full(msg),
            Err(TrySendError::Disconnected(_)) => Attempt::Gone,
        })
    }

    /// Retries `attempt` while the writer makes room, up to the queue timeout; then the item
    /// is refused, counted and said. For the first `snooze` the caller keeps its core and
    /// retries after each `yield_now` (any other thread that wants the core gets it); after
    /// that it sleeps in the writer's [`crate::worker::WorkerHandle::wait_for_room`] until
    /// woken.
    #[cold]
    fn wait_for_room<T>(
        &self,
        item: T,
        snooze: Duration,
        mut attempt: impl FnMut(T) -> Attempt<T>,
    ) -> Result<(), Error> {
        let start = Instant::now();
        let until = start + self.queue_timeout;
        let snooze_until = until.min(start + snooze);
        let mut item = item;
        while Instant::now() < snooze_until {
            std::thread::yield_now();
            match attempt(item) {
                Attempt::Sent => return Ok(()),
                Attempt::Full(i) => item = i,
                Attempt::Gone => return Err(self.gone()),
            }
        }
        let mut item = Some(item);
        let mut gone = false;
        loop {
            self.worker.wait_for_room(until, || match item.take() {
                Some(i) => match attempt(i) {
                    Attempt::Sent => false,
                    Attempt::Full(i) => {
                        item = Some(i);
                        true
                    }
                    Attempt::Gone => {
                        gone = true;
                        false
                    }
                },
                None => false,
            });
            if gone {
                return Err(self.gone());
            }
            let Some(i) = item.take() else {
                return Ok(());
            };
            match attempt(i) {
                Attempt::Sent => return Ok(()),
                Attempt::Full(i) => item = Some(i),
                Attempt::Gone => return Err(self.gone()),
            }
            if Instant::now() >= until {
                let n = self.refused.fetch_add(1, Ordering::Relaxed) + 1;
                if n <= 8 || n.is_power_of_two() {
                    log::error!(
                        target: "polytrack",
                        "the writer is stalled; refused {n} event(s) after waiting {:?} each",
                        self.queue_timeout
                    );
                }
                return Err(Error::Backpressure {
                    waited: start.elapsed(),
                });
            }
        }
    }

    /// The id of a metric name, announcing it to the worker the first time (inlined into the
    /// caller's path: the lookup is a few instructions, the first time is out of line).
    #[inline(always)]
    pub(super) fn name_id(&self, names: &mut Names, name: &str) -> Result<u32, Error> {
        names.enter(self.id);
        if let Some(id) = names.get(name) {
            return Ok(id);
        }
        self.name_id_slow(names, name)
    }

    /// [`Shared::name_id`] of the name at `position` of a `log_metrics` slice, once
    /// [`Names::enter`] has been called for this run.
    #[inline(always)]
    fn name_id_at(&self, names: &mut Names, position: usize, name: &str) -> Result<u32, Error> {
        if let Some(id) = names.get_at(position, name) {
            return Ok(id);
        }
        self.name_id_slow(names, name)
    }

    /// A name this thread has not logged to this run yet.
    #[cold]
    #[inline(never)]
    fn name_id_slow(&self, names: &mut Names, name: &str) -> Result<u32, Error> {
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
                // Announced while the table is locked and before any caller has the id, so
                // the writer knows the name of every value of it.
                let mut announced = lock(&table.announced);
                // Memory runs out long before 2^32 names.
                let id = announced.len() as u32;
                announced.push(Arc::from(sanitized.as_str()));
                drop(announced);
                table.by_sanitized.insert(sanitized, id);
                id
            }
        };
        table.by_raw.insert(name.to_owned(), id);
        Ok(id)
    }

    #[inline]
    pub(super) fn metric(
        &self,
        thread: &mut ThreadCache,
        name: &str,
        value: f64,
        step: Option<i64>,
        timestamp: Option<SystemTime>,
    ) -> Result<(), Error> {
        if self.ended.load(Ordering::Relaxed) {
            return Err(Error::Ended);
        }
        let id = self.name_id(&mut thread.names, name)?;
        let slot = MetricSlot::stamp(step, timestamp, &self.clock).with(id, value);
        match thread.rings.front(self.id) {
            Some(ring) if !self.queue_only.load(Ordering::Relaxed) => match ring.push(slot) {
                Ok(()) => Ok(()),
                Err(PushError::Full(slot)) => self.push_slow(&mut thread.rings, slot),
            },
            _ => self.push_slow(&mut thread.rings, slot),
        }
    }

    /// A value this thread's front ring did not take: the ring to this run is not in front, not
    /// made yet or full, or the run's values take the queue (see `run/rings.rs`).
    #[cold]
    #[inline(never)]
    fn push_slow(&self, rings: &mut Rings, slot: MetricSlot) -> Result<(), Error> {
        if self.queue_only.load(Ordering::Acquire)
            || (rings.find(self.id).is_none() && !self.new_ring(rings)?)
        {
            return self.queue(slot);
        }
        let Some(ring) = rings.find(self.id) else {
            return self.queue(slot);
        };
        let attempt = |slot| {
            if ring.is_abandoned() {
                return Attempt::Gone;
            }
            match ring.push(slot) {
                Ok(()) => Attempt::Sent,
                Err(PushError::Full(slot)) => Attempt::Full(slot),
            }
        };
        let mut attempt = attempt;
        match attempt(slot) {
            Attempt::Sent => Ok(()),
            Attempt::Full(slot) => self.wait_for_room(slot, SNOOZE, attempt),
            Attempt::Gone => Err(self.gone()),
        }
    }

    /// Makes this thread's ring to this run and hands its reading end to the writer, if
    /// rings are on, the thread has room for one more, and no other thread logged to the run
    /// first. Whether it did.
    fn new_ring(&self, rings: &mut Rings) -> Result<bool, Error> {
        if !rings.has_room() {
            return Ok(false);
        }
        let me = rings.thread();
        match self
            .ring_owner
            .compare_exchange(0, me, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => {}
            Err(owner) if owner == me => {}
            Err(_) => return Ok(false),
        }
        let (_, reader) = rings.make(self.id, self.ring_capacity);
        if let Err(e) = self.send(Msg::Ring(reader)) {
            rings.drop_front();
            return Err(e);
        }
        Ok(true)
    }

    /// A value on the shared queue; from now on, every value of this run goes there.
    #[cold]
    fn queue(&self, slot: MetricSlot) -> Result<(), Error> {
        self.queue_only.store(true, Ordering::Release);
        self.send(Msg::Metric(slot))
    }

    /// Several values sharing one step and one instant (one clock read), each a slot of this
    /// thread's ring, reserved and committed together. Values before an invalid name are
    /// logged; the error is returned.
    ///
    /// Never inlined: inlined into the current-run path (`with_current`'s closure) it cost
    /// 12-16 ns more per call than the same code called from there.
    #[inline(never)]
    pub(super) fn metrics<N: AsRef<str>, V: MetricValue>(
        &self,
        thread: &mut ThreadCache,
        metrics: &[(N, V)],
        step: Option<i64>,
        timestamp: Option<SystemTime>,
    ) -> Result<(), Error> {
        if self.ended.load(Ordering::Relaxed) {
            return Err(Error::Ended);
        }
        let template = MetricSlot::stamp(step, timestamp, &self.clock);
        let ThreadCache { names, rings } = thread;
        names.enter(self.id);
        if self.queue_only.load(Ordering::Relaxed) {
            return self.queue_batches(names, template, metrics);
        }
        // The hot path: one reservation of the ring, a slot written per value, one commit, for
        // values whose names their positions held last time (a training loop's).
        let mut done = 0;
        if let Some(ring) = rings.front(self.id) {
            if !self.queue_only.load(Ordering::Relaxed) {
                if let Ok(chunk) = ring.write_chunk_uninit(metrics.len()) {
                    let ids = names.hinted(metrics.iter().map(|(name, _)| name));
                    let slots = ids.zip(metrics).map(|(id, (_, value))| {
                        done += 1;
                        template.with(id, value.to_f64())
                    });
                    chunk.fill_from_iter(slots);
                }
            }
        }
        // The rest (names new at their position, no ring in front, or no room): one value at a
        // time; the values before an invalid name are logged.
        for (at, (name, value)) in metrics.iter().enumerate().skip(done) {
            let slot = template.with(self.name_id_at(names, at, name.as_ref())?, value.to_f64());
            match rings.front(self.id) {
                Some(ring) if !self.queue_only.load(Ordering::Relaxed) => {
                    if let Err(PushError::Full(slot)) = ring.push(slot) {
                        self.push_slow(rings, slot)?;
                    }
                }
                _ => self.push_slow(rings, slot)?,
            }
        }
        Ok(())
    }

    /// `metrics` on the run's queue, four values to a message, for a run whose values take
    /// it (see `run/rings.rs`); the values before an invalid name are sent.
    #[cold]
    #[inline(never)]
    fn queue_batches<N: AsRef<str>, V: MetricValue>(
        &self,
        names: &mut Names,
        template: MetricSlot,
        metrics: &[(N, V)],
    ) -> Result<(), Error> {
        let mut batch: Option<MetricBatch> = None;
        for (at, (name, value)) in metrics.iter().enumerate() {
            let id = match self.name_id_at(names, at, name.as_ref()) {
                Ok(id) => id,
                Err(e) => {
                    if let Some(batch) = batch {
                        self.send(Msg::Metrics(batch))?;
                    }
                    return Err(e);
                }
            };
            let value = value.to_f64();
            if !batch.as_mut().is_some_and(|b| b.push(id, value)) {
                if let Some(full) = batch.take() {
                    self.send(Msg::Metrics(full))?;
                }
                batch = Some(MetricBatch::new(template.with(id, value)));
            }
        }
        match batch {
            Some(batch) => self.send(Msg::Metrics(batch)),
            None => Ok(()),
        }
    }

    /// [`Shared::metric`] without the thread's cache (kept out of the hot path).
    #[cold]
    #[inline(never)]
    pub(super) fn metric_uncached(
        &self,
        name: &str,
        value: f64,
        step: Option<i64>,
        timestamp: Option<SystemTime>,
    ) -> Result<(), Error> {
        self.metric(&mut ThreadCache::uncached(), name, value, step, timestamp)
    }

    pub(super) fn update(&self, update: Update) -> Result<(), Error> {
        if self.ended.load(Ordering::Relaxed) {
            return Err(Error::Ended);
        }
        self.send(Msg::Update(Box::new(update)))
    }

    pub(super) fn end(
        &self,
        status: Status,
        reason: Option<String>,
        message: Option<String>,
    ) -> Result<EndReport, Error> {
        self.end_as(EndAs {
            status,
            reason,
            message,
            explicit: false,
            timeout: None,
        })
    }

    /// Ends the run as `end` says; after a stop signal, an ordinary end is a stop.
    pub(super) fn end_as(&self, end: EndAs) -> Result<EndReport, Error> {
        let EndAs {
            status,
            reason,
            message,
            explicit,
            timeout,
        } = crate::lifecycle::signals::adjust_end(end);
        let end_timeout = timeout.map_or(self.end_timeout, |t| t.min(self.end_timeout));
        // Captured lines go into the run before it stops taking events.
        let logs = crate::logs::detach(self.id, end_timeout.min(Duration::from_secs(5)));
        if self.ended.swap(true, Ordering::AcqRel) {
            return self.first_report(end_timeout);
        }
        let _ending = crate::lifecycle::signals::EndInProgress::start();
        // This thread's ring to the run goes now (its values stay for the writer), not when
        // the thread next makes a ring.
        super::current::forget_ring(self.id);
        set_stack(|stack| stack.retain(|r| r.inner.as_ref().is_none_or(|s| s.id != self.id)));
        LIVE.fetch_sub(1, Ordering::AcqRel);
        HAD_RUN.store(true, Ordering::Relaxed);
        // The sampler's last sample must reach the writer before it summarises the files.
        if let Some(sampler) = lock(&self.sampler).take() {
            sampler.stop(Duration::from_secs(5));
        }
        let deadline = Instant::now() + end_timeout;
        let (reply_tx, reply_rx) = sync_channel(1);
        let request = EndRequest {
            status,
            reason,
            message,
            explicit,
            deadline,
            reply: reply_tx,
        };
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
        // The end request goes on the writer's control channel: never refused for want of
        // room in the data queue, never waiting for it.
        if self.worker.end(request).is_err() {
            report.undelivered.push(
                "the writer thread is gone; events still queued are in memory only".to_owned(),
            );
            return Ok(self.keep(report));
        }
        let wait = deadline.saturating_duration_since(Instant::now()) + Duration::from_millis(500);
        match reply_rx.recv_timeout(wait) {
            Ok(w) => {
                report.status = w.status;
                report.metric_events = w.metric_events;
                report.undelivered = w.undelivered;
                report.errors = w.errors;
                // The writer returns right after its reply.
                self.worker.join();
            }
            Err(_) => report.undelivered.push(format!(
                "ending did not finish within {:?}; the writer keeps going in the background \
                 until the process exits",
                end_timeout
            )),
        }
        report.undelivered.extend(logs.undelivered());
        if !report.undelivered.is_empty() {
            log::warn!(target: "polytrack", "{report}");
        }
        Ok(self.keep(report))
    }

    /// The report of the end another thread started (a stop signal's, say), once it is done:
    /// a second end returns when the run's data is written, not before.
    pub(super) fn first_report(&self, end_timeout: Duration) -> Result<EndReport, Error> {
        let until = Instant::now() + end_timeout + Duration::from_secs(1);
        loop {
            if let Some(report) = lock(&self.final_report).clone() {
                return Ok(report);
            }
            if Instant::now() >= until {
                return Err(Error::Ended);
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    fn keep(&self, report: EndReport) -> EndReport {
        *lock(&self.final_report) = Some(report.clone());
        report
    }
}

//! The state of one run shared by its handles: the queue to its writer, its name table, and
//! how it ends.

use super::current::{set_stack, HAD_RUN, LIVE};
use super::names::{NameTable, Names};
use super::report::EndReport;
use crate::config::Mode;
use crate::error::Error;
use crate::kind::Status;
use crate::lifecycle::EndAs;
use crate::lock::lock;
use crate::metric_rows::MetricRows;
use crate::sink::Update;
use crate::value::{sanitize, MetricValue};
use crate::worker::{EndRequest, Msg};
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
        let start = Instant::now();
        let until = start + self.queue_timeout;
        let mut msg = Some(msg);
        let mut gone = false;
        loop {
            self.worker.wait_for_room(until, || match msg.take() {
                Some(m) => match self.tx.try_send(m) {
                    Ok(()) => false,
                    Err(TrySendError::Full(m)) => {
                        msg = Some(m);
                        true
                    }
                    Err(TrySendError::Disconnected(_)) => {
                        gone = true;
                        false
                    }
                },
                None => false,
            });
            if gone {
                return Err(self.gone());
            }
            let Some(m) = msg.take() else {
                return Ok(());
            };
            match self.tx.try_send(m) {
                Ok(()) => return Ok(()),
                Err(TrySendError::Full(m)) => msg = Some(m),
                Err(TrySendError::Disconnected(_)) => return Err(self.gone()),
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
    pub(super) fn metric(
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
        let mut rows = MetricRows::new(step, timestamp, &self.clock);
        rows.set(0, id, value);
        rows.set_len(1);
        self.send(Msg::Metric(rows))
    }

    /// Several values sharing one step and one instant (one clock read): five to a queue
    /// message. Values before an invalid name are logged; the error is returned.
    ///
    /// Never inlined: inlined into the current-run path (`with_current`'s closure) it cost
    /// 12-16 ns more per call than the same code called from there.
    #[inline(never)]
    pub(super) fn metrics<N: AsRef<str>, V: MetricValue>(
        &self,
        names: &mut Names,
        metrics: &[(N, V)],
        step: Option<i64>,
        timestamp: Option<SystemTime>,
    ) -> Result<(), Error> {
        if self.ended.load(Ordering::Relaxed) {
            return Err(Error::Ended);
        }
        let template = MetricRows::new(step, timestamp, &self.clock);
        names.enter(self.id);
        // A message per five values; the position within it is a register, not the message's
        // length in memory (which would chain every value to the last one's store).
        for (chunk, values) in metrics.chunks(MetricRows::CAPACITY).enumerate() {
            let first = chunk * MetricRows::CAPACITY;
            let mut ids = [0u32; MetricRows::CAPACITY];
            let mut floats = [0f64; MetricRows::CAPACITY];
            for (at, ((name, value), (id, float))) in values
                .iter()
                .zip(ids.iter_mut().zip(floats.iter_mut()))
                .enumerate()
            {
                match self.name_id_at(names, first + at, name.as_ref()) {
                    Ok(found) => (*id, *float) = (found, value.to_f64()),
                    Err(e) => {
                        // The values before it are logged.
                        if at > 0 {
                            self.send(Msg::Metric(template.with(ids, floats, at)))?;
                        }
                        return Err(e);
                    }
                }
            }
            self.send(Msg::Metric(template.with(ids, floats, values.len())))?;
        }
        Ok(())
    }

    /// [`Shared::metric`] without the thread's name cache (kept out of the hot path).
    #[cold]
    #[inline(never)]
    pub(super) fn metric_uncached(
        &self,
        name: &str,
        value: f64,
        step: Option<i64>,
        timestamp: Option<SystemTime>,
    ) -> Result<(), Error> {
        self.metric(&mut Names::default(), name, value, step, timestamp)
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

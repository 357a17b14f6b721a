//! Rich events and log lines: the caller's side of the event pipeline (see
//! [`crate::event`]). The caller reads the clock, sanitizes the name, reserves the payload's
//! bytes and queues it; the writer thread encodes it.

use super::current::{current, inactive};
use super::shared::Shared;
use super::Run;
use crate::error::Error;
use crate::event::{EventKind, EventMsg, LogLine, LogsMsg, Payload, Reservation};
use crate::value::sanitize;
use crate::worker::Msg;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};

/// Bytes counted for a log line beyond its text (its timestamp and the row's fields).
const LOG_LINE_OVERHEAD: usize = 64;

impl Shared {
    /// Reserves `bytes` of the payload budget, or refuses the event (counted and logged).
    fn reserve(&self, bytes: usize) -> Result<Reservation, Error> {
        self.budget.reserve(bytes).ok_or_else(|| {
            let n = self.refused.fetch_add(1, Ordering::Relaxed) + 1;
            if n <= 8 || n.is_power_of_two() {
                log::error!(
                    target: "polytrack",
                    "the writer is behind: {bytes} more bytes of payloads would exceed the \
                     budget of {}; refused {n} event(s)",
                    self.budget.limit()
                );
            }
            Error::Backpressure {
                waited: Duration::ZERO,
            }
        })
    }

    fn emit(
        &self,
        kind: EventKind,
        name: &str,
        step: Option<i64>,
        payload: Box<dyn Payload>,
    ) -> Result<(), Error> {
        let timestamp = SystemTime::now();
        if self.ended.load(Ordering::Relaxed) {
            return Err(Error::Ended);
        }
        let mut name = sanitize(name)?;
        if let Some(suffix) = &self.metric_suffix {
            name.push_str(suffix);
        }
        let reservation = self.reserve(payload.bytes())?;
        self.send(Msg::Event(Box::new(EventMsg {
            kind,
            name: name.into_boxed_str(),
            step,
            timestamp,
            payload,
            reservation,
        })))
    }

    fn emit_logs(&self, lines: Vec<LogLine>) -> Result<(), Error> {
        if self.ended.load(Ordering::Relaxed) {
            return Err(Error::Ended);
        }
        // Stripped, and empty lines dropped, as Polyaxon's `V1Log.process_log_line` does.
        let lines: Vec<LogLine> = lines
            .into_iter()
            .filter_map(|mut line| {
                let text = line.text.trim();
                if text.is_empty() {
                    return None;
                }
                if text.len() != line.text.len() {
                    line.text = text.to_owned();
                }
                Some(line)
            })
            .collect();
        if lines.is_empty() {
            return Ok(());
        }
        let bytes = lines.iter().map(|l| l.text.len() + LOG_LINE_OVERHEAD).sum();
        let reservation = self.reserve(bytes)?;
        self.send(Msg::Logs(Box::new(LogsMsg { lines, reservation })))
    }
}

#[allow(dead_code)] // The event and log calls are built on these.
impl Run {
    /// Logs a rich event: its payload is encoded on the writer thread into a row of
    /// `events/<kind>/<name>.plx` (the name sanitized as metric names are). The timestamp is
    /// read now. Refused with [`Error::Backpressure`] when the payloads in flight exceed the
    /// run's [`Settings::payload_budget`](crate::Settings::payload_budget) or the queue stays
    /// full past its timeout. Nothing in no-op mode.
    pub(crate) fn emit(
        &self,
        kind: EventKind,
        name: &str,
        step: Option<i64>,
        payload: Box<dyn Payload>,
    ) -> Result<(), Error> {
        match &self.inner {
            Some(shared) => shared.emit(kind, name, step, payload),
            None => Ok(()),
        }
    }

    /// Logs one line into `plxlogs/logs.jsonl` (stripped; an empty line is skipped, as
    /// Polyaxon does).
    pub(crate) fn emit_log(&self, line: LogLine) -> Result<(), Error> {
        self.emit_logs(vec![line])
    }

    /// Logs lines into `plxlogs/logs.jsonl`, in one message to the writer.
    pub(crate) fn emit_logs(&self, lines: Vec<LogLine>) -> Result<(), Error> {
        match &self.inner {
            Some(shared) => shared.emit_logs(lines),
            None => Ok(()),
        }
    }
}

/// Logs a rich event on the current run; see [`Run::emit`].
#[allow(dead_code)]
pub(crate) fn emit(
    kind: EventKind,
    name: &str,
    step: Option<i64>,
    payload: Box<dyn Payload>,
) -> Result<(), Error> {
    match current() {
        Some(run) => run.emit(kind, name, step, payload),
        None => inactive(),
    }
}

/// Logs one line into the current run's `plxlogs/logs.jsonl`; see [`Run::emit_log`].
#[allow(dead_code)]
pub(crate) fn emit_log(line: LogLine) -> Result<(), Error> {
    emit_logs(vec![line])
}

/// Logs lines into the current run's `plxlogs/logs.jsonl`; see [`Run::emit_logs`].
#[allow(dead_code)]
pub(crate) fn emit_logs(lines: Vec<LogLine>) -> Result<(), Error> {
    match current() {
        Some(run) => run.emit_logs(lines),
        None => inactive(),
    }
}

//! Console capture: the process's stdout and stderr tee'd into the run's logs.
//!
//! Starting points file descriptors 1 and 2 at pipes (children inherit them, so a child
//! process's output is captured too) and keeps duplicates of the original ones, the
//! *terminal*. Three threads share the work so that nothing the program does can stall it:
//!
//! - the *reader* waits on the pipes, splits what arrives into lines and queues them; it never
//!   writes to a file descriptor, so it always drains the pipes and a write to stdout never
//!   waits longer than it would on a terminal that keeps up;
//! - the *forwarder* hands the queued lines to the run (which may log, and so write to stderr:
//!   the reader drains that too);
//! - the *tee* writes the bytes, as they came, to the terminal. A terminal that stalls only
//!   stalls the tee: once its bounded queue is full, output is counted and not shown, while
//!   the run's logs still get every line.
//!
//! A line that the `tracing` layer or the `log` bridge records while capture is on goes
//! through the same queue, after whatever the pipes hold at that moment, so the run's logs keep
//! the program's order. When stdout and stderr are the same file (one terminal), both go
//! through one pipe, which keeps their interleaving too; otherwise each keeps its own order.
//! Stopping restores file descriptors 1 and 2 and drains what is left, within a deadline.

use super::line::{text_of, Line, LineSplitter};
use super::route::LineSink;
use crate::error::Error;
use crate::lock::lock;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// The most bytes of lines waiting for the forwarder; beyond it lines are refused (counted).
const MAX_PENDING_BYTES: usize = 16 * 1024 * 1024;
/// Chunks, and bytes, of output waiting for the terminal; beyond either, output skips the
/// terminal (counted).
const TEE_CHUNKS: usize = 256;
const TEE_BYTES: u64 = 1024 * 1024;
/// The longest stopping waits for a stalled terminal to take the last output.
const TEE_AFTER_STOP: Duration = Duration::from_secs(1);
/// Lines handed to the run at once.
const BATCH: usize = 4096;
/// An unfinished line (a prompt, a `print!` without newline) is recorded after this long.
const PARTIAL_AFTER: Duration = Duration::from_secs(1);
/// How long the reader waits on the pipes before looking at the clock again.
const POLL_EVERY: Duration = Duration::from_millis(50);
/// The longest stopping waits for a child that still holds the pipes.
const DRAIN_AFTER_STOP: Duration = Duration::from_millis(500);
/// Overhead counted per queued line, on top of its text.
const LINE_OVERHEAD: usize = 64;

/// What console capture lost, reported when it stops.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ConsoleReport {
    /// Lines not recorded: the run refused them, or the queue was full.
    pub(crate) refused_lines: u64,
    /// Bytes that did not reach the terminal (it stalled or was closed).
    pub(crate) terminal_dropped_bytes: u64,
}

/// Capture of the process's stdout and stderr, until [`Console::stop`].
pub(crate) struct Console {
    shared: Arc<Shared>,
    stop: Mutex<Option<Stopper>>,
}

struct Shared {
    sink: Arc<dyn LineSink>,
    /// The pipes' read ends (non-blocking), in stream order; outside the lock so the reader
    /// waits on them without holding it.
    reads: Vec<sys::ReadEnd>,
    state: Mutex<State>,
    /// Signalled when lines are queued and when the reader is done.
    queued: Condvar,
    stopping: AtomicBool,
    refused: AtomicU64,
    terminal_dropped: AtomicU64,
    /// Bytes handed to the tee and not yet written.
    tee_queued: AtomicU64,
}

struct State {
    streams: Vec<Stream>,
    pending: VecDeque<Line>,
    pending_bytes: usize,
    /// `None` once the reader is done.
    tee: Option<SyncSender<(usize, Vec<u8>)>>,
    reader_done: bool,
    buf: Vec<u8>,
    /// The time of the last queued line.
    last_at: SystemTime,
}

struct Stream {
    splitter: LineSplitter,
    /// Which terminal this stream's bytes go to (index into the tee's terminals).
    terminal: usize,
    open: bool,
    partial_since: Option<Instant>,
}

/// What stopping needs; taken by the first `stop`.
struct Stopper {
    restore: Vec<(Fd, sys::Saved)>,
    reader: std::thread::JoinHandle<()>,
    forwarder_done: Receiver<()>,
    tee_done: Receiver<()>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fd {
    Stdout,
    Stderr,
}

impl Console {
    /// Starts capturing; the lines go to `sink`. Fails (changing nothing) when a file
    /// descriptor cannot be duplicated or a thread cannot start.
    pub(crate) fn start(sink: Arc<dyn LineSink>) -> Result<Console, Error> {
        sys::start(sink)
    }

    /// Queues a line recorded by the layer or the bridge, after what the pipes hold now.
    pub(crate) fn push_line(&self, line: Line) -> Result<(), Error> {
        let accepted = {
            let mut state = lock(&self.shared.state);
            sys::drain(&self.shared, &mut state);
            self.shared.queue(&mut state, line)
        };
        self.shared.queued.notify_one();
        if accepted {
            Ok(())
        } else {
            Err(Error::Backpressure {
                waited: Duration::ZERO,
            })
        }
    }

    /// Restores stdout and stderr and hands the rest of the output to the run, within
    /// `timeout`. A second call does nothing.
    pub(crate) fn stop(&self, timeout: Duration) -> ConsoleReport {
        let Some(stopper) = lock(&self.stop).take() else {
            return ConsoleReport::default();
        };
        let deadline = Instant::now() + timeout;
        sys::restore(&stopper.restore);
        drop(stopper.restore);
        self.shared.stopping.store(true, Ordering::Release);
        if stopper.reader.join().is_err() {
            log::error!("the console reader panicked");
        }
        self.shared.queued.notify_all();
        let left = |d: Instant| d.saturating_duration_since(Instant::now());
        if stopper.forwarder_done.recv_timeout(left(deadline)).is_err() {
            let waiting = lock(&self.shared.state).pending.len() as u64;
            self.shared.refused.fetch_add(waiting, Ordering::Relaxed);
            log::warn!(
                "{waiting} captured console line(s) were still waiting for the run \
                 when it ended"
            );
        }
        if stopper
            .tee_done
            .recv_timeout(left(deadline).min(TEE_AFTER_STOP))
            .is_err()
        {
            let left = self.shared.tee_queued.swap(0, Ordering::Relaxed);
            self.shared
                .terminal_dropped
                .fetch_add(left, Ordering::Relaxed);
            log::warn!("the terminal did not take the last {left} byte(s) of console output");
        }
        ConsoleReport {
            refused_lines: self.shared.refused.load(Ordering::Relaxed),
            terminal_dropped_bytes: self.shared.terminal_dropped.load(Ordering::Relaxed),
        }
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        self.stop(Duration::from_secs(1));
    }
}

impl Shared {
    /// Queues `line`; false (counted) when the queue is full.
    ///
    /// Polyaxon's server sorts a run's log lines by time before serving them, so the queue's
    /// times never go back: a line read from a pipe is stamped when it is read, and one recorded
    /// directly just before it (stamped earlier) comes after it here.
    fn queue(&self, state: &mut State, mut line: Line) -> bool {
        let size = line.text.len() + LINE_OVERHEAD;
        if state.pending_bytes + size > MAX_PENDING_BYTES {
            self.refused.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        if line.at < state.last_at {
            line.at = state.last_at;
        } else {
            state.last_at = line.at;
        }
        state.pending_bytes += size;
        state.pending.push_back(line);
        true
    }

    /// Splits the first `n` bytes of the buffer, read from stream `i`, into queued lines and
    /// passes them on to the terminal.
    fn take_bytes(&self, state: &mut State, i: usize, n: usize) {
        let now = SystemTime::now();
        let mut lines = Vec::new();
        {
            let State {
                streams, tee, buf, ..
            } = &mut *state;
            let bytes = &buf[..n];
            let stream = &mut streams[i];
            stream
                .splitter
                .feed(bytes, &mut |l| lines.extend(Line::new(now, &text_of(l))));
            stream.partial_since = if stream.splitter.has_partial() {
                stream.partial_since.or_else(|| Some(Instant::now()))
            } else {
                None
            };
            if let Some(tee) = tee {
                let n = bytes.len() as u64;
                let room = self.tee_queued.load(Ordering::Relaxed) + n <= TEE_BYTES;
                let sent = room && {
                    self.tee_queued.fetch_add(n, Ordering::Relaxed);
                    match tee.try_send((stream.terminal, bytes.to_vec())) {
                        Ok(()) => true,
                        Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                            self.tee_queued.fetch_sub(n, Ordering::Relaxed);
                            false
                        }
                    }
                };
                if !sent {
                    self.terminal_dropped.fetch_add(n, Ordering::Relaxed);
                }
            }
        }
        for line in lines {
            self.queue(state, line);
        }
    }

    /// Records unfinished lines that waited long enough (all of them when `all`).
    fn flush_partials(&self, state: &mut State, all: bool) {
        let now = SystemTime::now();
        let mut lines = Vec::new();
        for stream in &mut state.streams {
            let due = stream
                .partial_since
                .is_some_and(|since| all || since.elapsed() >= PARTIAL_AFTER);
            if due {
                stream
                    .splitter
                    .finish(&mut |l| lines.extend(Line::new(now, &text_of(l))));
                stream.partial_since = None;
            }
        }
        for line in lines {
            self.queue(state, line);
        }
    }

    /// The forwarder: hands queued lines to the run until the reader is done and the queue
    /// is empty.
    fn forward(&self) {
        let mut failures = 0u64;
        loop {
            let batch: Vec<Line> = {
                let mut state = lock(&self.state);
                while state.pending.is_empty() && !state.reader_done {
                    state = self
                        .queued
                        .wait_timeout(state, POLL_EVERY)
                        .map(|(s, _)| s)
                        .unwrap_or_else(|p| p.into_inner().0);
                }
                if state.pending.is_empty() {
                    return;
                }
                let n = state.pending.len().min(BATCH);
                let batch: Vec<Line> = state.pending.drain(..n).collect();
                let bytes: usize = batch.iter().map(|l| l.text.len() + LINE_OVERHEAD).sum();
                state.pending_bytes = state.pending_bytes.saturating_sub(bytes);
                batch
            };
            let n = batch.len() as u64;
            if let Err(e) = self.sink.emit_lines(batch) {
                self.refused.fetch_add(n, Ordering::Relaxed);
                failures += 1;
                if failures <= 4 || failures.is_power_of_two() {
                    log::warn!("{n} console line(s) were not recorded: {e}");
                }
            }
        }
    }
}

/// The tee: writes output to the terminals until the reader is done.
fn tee(terminals: Vec<std::fs::File>, rx: Receiver<(usize, Vec<u8>)>, shared: Arc<Shared>) {
    use std::io::Write;
    let mut broken = vec![false; terminals.len()];
    for (i, bytes) in rx {
        let Some(mut terminal) = terminals.get(i) else {
            continue;
        };
        if broken[i] || terminal.write_all(&bytes).is_err() {
            // A closed terminal: the output still goes to the run's logs.
            broken[i] = true;
            shared
                .terminal_dropped
                .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        }
        let _ = shared
            .tee_queued
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |q| {
                Some(q.saturating_sub(bytes.len() as u64))
            });
    }
}

#[cfg(unix)]
mod pipes;
#[cfg(unix)]
use pipes as sys;

#[cfg(not(unix))]
mod sys {
    use super::*;

    /// No pipes without Unix.
    pub(super) type ReadEnd = ();
    /// Nothing saved without Unix.
    pub(super) type Saved = ();

    pub(super) fn start(_sink: Arc<dyn LineSink>) -> Result<Console, Error> {
        Err(Error::io(
            "console capture",
            std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "console capture needs a Unix system",
            ),
        ))
    }

    pub(super) fn drain(_shared: &Shared, _state: &mut State) {}

    pub(super) fn restore(_saved: &[(Fd, Saved)]) {}
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::logs::route::tests::{Collect, SERIAL};
    use std::io::Write;

    /// Whether `want` appear in `lines` in this order (the test harness may print between them
    /// while fds 1 and 2 are captured, and before them on their line: `cargo test -q` prints
    /// a dot per test without a newline, and ".child out" was captured so).
    fn in_order(lines: &[String], want: &[&str]) -> bool {
        let mut it = lines.iter();
        want.iter().all(|w| it.any(|l| l.ends_with(w)))
    }

    #[test]
    fn stdout_stderr_and_a_child_process_are_captured_and_restored() {
        let _turn = lock(&SERIAL);
        let sink = Arc::new(Collect::default());
        let console = Console::start(sink.clone()).expect("capture starts");
        // Written to the file descriptors (the harness only captures `print!`).
        let _ = std::io::stdout().write_all(b"out one\nout two\r\n");
        let _ = std::io::stderr().write_all(b"err \xff one\n");
        let status = std::process::Command::new("sh")
            .args(["-c", "echo child out; echo child err >&2"])
            .status();
        assert!(status.is_ok_and(|s| s.success()));
        let _ = std::io::stdout().write_all(b"unfinished");
        let report = console.stop(Duration::from_secs(5));
        assert_eq!(report, ConsoleReport::default());
        let lines = lock(&sink.lines).clone();
        assert!(
            in_order(&lines, &["out one", "out two", "unfinished"]),
            "{lines:?}"
        );
        assert!(in_order(&lines, &["err \u{FFFD} one"]), "{lines:?}");
        assert!(
            in_order(&lines, &["child out"]) && in_order(&lines, &["child err"]),
            "{lines:?}"
        );
        // Restored: what is written now is not captured.
        let _ = std::io::stdout().write_all(b"after the end\n");
        assert!(!lock(&sink.lines).iter().any(|l| l == "after the end"));
    }

    #[test]
    fn a_line_pushed_directly_comes_after_what_the_pipes_hold() {
        let _turn = lock(&SERIAL);
        let sink = Arc::new(Collect::default());
        let console = Console::start(sink.clone()).expect("capture starts");
        for i in 0..50 {
            let _ = std::io::stdout().write_all(format!("printed {i}\n").as_bytes());
            let line = Line::new(SystemTime::now(), &format!("logged {i}"));
            assert!(console.push_line(line.expect("not empty")).is_ok());
        }
        console.stop(Duration::from_secs(5));
        let lines = lock(&sink.lines).clone();
        // From where ours start: the harness may have printed before them on their line.
        let ours: Vec<&str> = lines
            .iter()
            .filter_map(|l| {
                ["printed ", "logged "]
                    .iter()
                    .find_map(|p| l.find(p).map(|at| &l[at..]))
            })
            .collect();
        let want: Vec<String> = (0..50)
            .flat_map(|i| [format!("printed {i}"), format!("logged {i}")])
            .collect();
        assert_eq!(ours, want.iter().map(String::as_str).collect::<Vec<_>>());
    }

    #[test]
    fn a_stalled_run_costs_lines_counted_never_a_stalled_program() {
        let _turn = lock(&SERIAL);
        let sink = Arc::new(Collect::default());
        sink.refuse.store(true, Ordering::Relaxed);
        let console = Console::start(sink.clone()).expect("capture starts");
        for i in 0..100 {
            let _ = std::io::stderr().write_all(format!("line {i}\n").as_bytes());
        }
        let report = console.stop(Duration::from_secs(5));
        assert!(report.refused_lines >= 100, "{report:?}");
    }
}

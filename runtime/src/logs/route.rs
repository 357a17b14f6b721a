//! Where captured lines go: the one run of the process that records logs.
//!
//! The `tracing` layer, the `log` bridge and console capture are process-wide, runs come and
//! go: a run that records logs *attaches* when it starts and *detaches* when it ends; lines that
//! arrive while no run is attached are not for any run and are ignored (one atomic load). The
//! first run to attach holds the route until it ends; a run started meanwhile (a nested run, a
//! sweep's trial on another thread) records no logs, and says so once.

use super::console::{Console, ConsoleReport};
use super::line::Line;
use crate::error::Error;
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

/// Receives the lines of one run (the run's writer queue; a test double in unit tests).
pub(crate) trait LineSink: Send + Sync + 'static {
    /// Queues `lines`, in order, for the run's `plxlogs/`. Never blocks for long: refuses with
    /// [`Error::Backpressure`] instead.
    fn emit_lines(&self, lines: Vec<Line>) -> Result<(), Error>;
}

/// Whether a run is attached: the only thing a log call reads when none is.
static ATTACHED: AtomicBool = AtomicBool::new(false);
static ROUTE: RwLock<Option<Arc<Route>>> = RwLock::new(None);

thread_local! {
    /// Set while this thread hands a line to a run, so a line logged from inside that (a
    /// logger that logs) is not fed back into it.
    static EMITTING: Cell<bool> = const { Cell::new(false) };
}

struct Route {
    owner: u64,
    sink: Arc<dyn LineSink>,
    console: Option<Console>,
    refused: AtomicU64,
}

/// What a run's logs lost, reported when it detaches.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct LogsReport {
    /// Lines the run's writer refused (it was stalled) or that arrived while ending.
    pub(crate) refused_lines: u64,
    /// Bytes of console output that did not reach the terminal because it stalled (they are in
    /// the run's logs).
    pub(crate) terminal_dropped_bytes: u64,
}

impl LogsReport {
    /// One line per loss, for the end report; empty when nothing was lost.
    pub(crate) fn undelivered(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.refused_lines > 0 {
            out.push(format!(
                "logs: {} line(s) were refused by the stalled writer and are not in plxlogs/",
                self.refused_lines
            ));
        }
        if self.terminal_dropped_bytes > 0 {
            out.push(format!(
                "logs: {} byte(s) of console output did not reach the stalled terminal (they \
                 are in plxlogs/)",
                self.terminal_dropped_bytes
            ));
        }
        out
    }
}

/// Attaches run `owner` so that captured lines go to `sink`, capturing the console too when
/// `capture_console`. `Ok(false)` when another run already holds the route.
pub(crate) fn attach(
    owner: u64,
    sink: Arc<dyn LineSink>,
    capture_console: bool,
) -> Result<bool, Error> {
    let mut route = ROUTE.write().unwrap_or_else(|p| p.into_inner());
    if route.is_some() {
        log::info!(
            "polytrack: another run is recording this process's logs; this run records none"
        );
        return Ok(false);
    }
    let console = if capture_console {
        Some(Console::start(Arc::clone(&sink))?)
    } else {
        None
    };
    *route = Some(Arc::new(Route {
        owner,
        sink,
        console,
        refused: AtomicU64::new(0),
    }));
    ATTACHED.store(true, Ordering::Release);
    Ok(true)
}

/// Detaches run `owner` (nothing when it is not attached): stops console capture, restoring
/// stdout and stderr, after handing every captured line to the run (at most `timeout`).
pub(crate) fn detach(owner: u64, timeout: Duration) -> LogsReport {
    let route = {
        let mut slot = ROUTE.write().unwrap_or_else(|p| p.into_inner());
        if slot.as_ref().is_none_or(|r| r.owner != owner) {
            return LogsReport::default();
        }
        ATTACHED.store(false, Ordering::Release);
        slot.take()
    };
    let Some(route) = route else {
        return LogsReport::default();
    };
    let console = match &route.console {
        Some(console) => console.stop(timeout),
        None => ConsoleReport::default(),
    };
    LogsReport {
        refused_lines: route.refused.load(Ordering::Relaxed) + console.refused_lines,
        terminal_dropped_bytes: console.terminal_dropped_bytes,
    }
}

/// Whether a run records logs now (one atomic load).
#[inline]
pub(crate) fn is_attached() -> bool {
    ATTACHED.load(Ordering::Relaxed)
}

/// Hands one line (built by `text`, only when a run listens) to the attached run.
#[inline]
pub(crate) fn emit(text: impl FnOnce() -> String) {
    if !is_attached() {
        return;
    }
    emit_attached(SystemTime::now(), text());
}

#[cold]
#[inline(never)]
fn emit_attached(at: SystemTime, text: String) {
    if EMITTING.with(Cell::get) || super::on_own_thread() {
        return; // logged from inside the handing-over itself, or by polytrack: never fed back
    }
    let Some(line) = Line::from_string(at, text) else {
        return;
    };
    let route = match ROUTE.read() {
        Ok(route) => route.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    };
    let Some(route) = route else {
        return;
    };
    EMITTING.with(|e| e.set(true));
    let result = match &route.console {
        // Through the console's queue, after whatever the program printed before it.
        Some(console) => console.push_line(line),
        None => route.sink.emit_lines(vec![line]),
    };
    EMITTING.with(|e| e.set(false));
    if let Err(e) = result {
        let n = route.refused.fetch_add(1, Ordering::Relaxed) + 1;
        if n <= 4 || n.is_power_of_two() {
            log::warn!("polytrack: a log line was not recorded ({e}); {n} so far");
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::util::lock;
    use std::sync::Mutex;

    /// A sink that keeps lines, or refuses them all.
    #[derive(Default)]
    pub(crate) struct Collect {
        pub(crate) lines: Mutex<Vec<String>>,
        pub(crate) refuse: AtomicBool,
    }

    impl LineSink for Collect {
        fn emit_lines(&self, lines: Vec<Line>) -> Result<(), Error> {
            if self.refuse.load(Ordering::Relaxed) {
                return Err(Error::Backpressure {
                    waited: Duration::ZERO,
                });
            }
            lock(&self.lines).extend(lines.into_iter().map(|l| l.text));
            Ok(())
        }
    }

    /// The route is process-wide: tests that attach take turns.
    pub(crate) static SERIAL: Mutex<()> = Mutex::new(());

    #[test]
    fn lines_reach_the_attached_run_only() {
        let _turn = lock(&SERIAL);
        emit(|| "before".into());
        let sink = Arc::new(Collect::default());
        assert_eq!(attach(7, sink.clone(), false).ok(), Some(true));
        let other = Arc::new(Collect::default());
        assert_eq!(attach(8, other.clone(), false).ok(), Some(false));
        emit(|| "  one  ".into());
        emit(|| "   ".into());
        emit(|| "two".into());
        assert_eq!(detach(8, Duration::from_secs(1)), LogsReport::default());
        emit(|| "three".into());
        assert_eq!(detach(7, Duration::from_secs(1)), LogsReport::default());
        emit(|| "after".into());
        assert_eq!(*lock(&sink.lines), ["one", "two", "three"]);
        assert!(lock(&other.lines).is_empty());
    }

    #[test]
    fn refused_lines_are_counted_and_reported() {
        let _turn = lock(&SERIAL);
        let sink = Arc::new(Collect::default());
        sink.refuse.store(true, Ordering::Relaxed);
        assert_eq!(attach(9, sink.clone(), false).ok(), Some(true));
        for i in 0..5 {
            emit(|| format!("line {i}"));
        }
        let report = detach(9, Duration::from_secs(1));
        assert_eq!(report.refused_lines, 5);
        assert_eq!(report.undelivered().len(), 1);
    }

    #[test]
    fn a_line_logged_while_handing_one_over_is_not_fed_back() {
        struct Echo(Collect);
        impl LineSink for Echo {
            fn emit_lines(&self, lines: Vec<Line>) -> Result<(), Error> {
                emit(|| "echo".into()); // a logger that logs from inside the sink
                self.0.emit_lines(lines)
            }
        }
        let _turn = lock(&SERIAL);
        let sink = Arc::new(Echo(Collect::default()));
        assert_eq!(attach(10, sink.clone(), false).ok(), Some(true));
        emit(|| "real".into());
        detach(10, Duration::from_secs(1));
        assert_eq!(*lock(&sink.0.lines), ["real"]);
    }
}

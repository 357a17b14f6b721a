//! Where captured lines go: the run that is current where the line was logged.
//!
//! The `tracing` layer, the `log` bridge and console capture are process-wide, runs come and
//! go: a run that records logs *attaches* when it starts and *detaches* when it ends; lines that
//! arrive while no run is attached are not for any run and are ignored (one atomic load).
//!
//! Several runs may be attached at once (a sweep's trials on threads, a nested run). A line
//! from the `tracing` layer or the `log` bridge goes to the run that is current on the thread
//! (or task) that logged it, as a module-level call does ([`crate::current`]): each trial's
//! `plxlogs/` holds its own lines. The line of a thread that has a current run which records
//! no logs is recorded nowhere; the line of a thread with no current run at all (a pool thread
//! no run was entered on) goes to the first attached run.
//!
//! The console has no thread to tell which run printed: one run captures it, the first that
//! asked to, and every printed line goes to that run. When it ends, the next attached run that
//! asked for console capture takes the console over.

use super::console::{Console, ConsoleReport};
use super::line::Line;
use crate::error::Error;
use crate::lock::lock;
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};

/// Receives the lines of one run (the run's writer queue; a test double in unit tests).
pub(crate) trait LineSink: Send + Sync + 'static {
    /// Queues `lines`, in order, for the run's `plxlogs/`. Never blocks for long: refuses with
    /// [`Error::Backpressure`] instead.
    fn emit_lines(&self, lines: Vec<Line>) -> Result<(), Error>;
}

/// Whether a run is attached: the only thing a log call reads when none is.
static ATTACHED: AtomicBool = AtomicBool::new(false);
static ROUTES: RwLock<Routes> = RwLock::new(Routes {
    runs: Vec::new(),
    console: None,
});
/// Held while the console's capture starts or stops (before [`ROUTES`] when both are), so that
/// one capture's restoring of stdout and stderr never undoes the next one's redirection.
static CONSOLE_TURN: Mutex<()> = Mutex::new(());

thread_local! {
    /// Set while this thread hands a line to a run, so a line logged from inside that (a
    /// logger that logs) is not fed back into it.
    static EMITTING: Cell<bool> = const { Cell::new(false) };
}

/// The attached runs, in the order they attached, and the console's capture.
struct Routes {
    runs: Vec<Arc<Attached>>,
    console: Option<Arc<Captured>>,
}

/// One attached run.
struct Attached {
    owner: u64,
    sink: Arc<dyn LineSink>,
    /// Whether the run asked for console capture (it may take the console over).
    wants_console: bool,
    refused: AtomicU64,
}

/// The console's capture, and the run its lines go to.
struct Captured {
    owner: u64,
    console: Console,
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

fn routes_mut() -> std::sync::RwLockWriteGuard<'static, Routes> {
    ROUTES.write().unwrap_or_else(|p| p.into_inner())
}

/// Attaches run `owner` so that its lines go to `sink`, capturing the console for it too when
/// `capture_console` and no other run captures it. `Ok(true)` when the run captures the
/// console; an error (and nothing attached) when the capture could not start.
pub(crate) fn attach(
    owner: u64,
    sink: Arc<dyn LineSink>,
    capture_console: bool,
) -> Result<bool, Error> {
    let _turn = capture_console.then(|| lock(&CONSOLE_TURN));
    let mut routes = routes_mut();
    let mut captures = false;
    if capture_console {
        if routes.console.is_some() {
            log::info!(
                "another run captures the console; this run records the lines of \
                 the tracing layer and the log bridge logged where it is current, and no \
                 printed ones"
            );
        } else {
            routes.console = Some(Arc::new(Captured {
                owner,
                console: Console::start(Arc::clone(&sink))?,
            }));
            captures = true;
        }
    }
    routes.runs.push(Arc::new(Attached {
        owner,
        sink,
        wants_console: capture_console,
        refused: AtomicU64::new(0),
    }));
    ATTACHED.store(true, Ordering::Release);
    Ok(captures)
}

/// Detaches run `owner` (nothing when it is not attached): stops its console capture,
/// restoring stdout and stderr, after handing every captured line to the run (at most
/// `timeout`); the next attached run that asked for capture then takes the console over.
pub(crate) fn detach(owner: u64, timeout: Duration) -> LogsReport {
    let (run, captured) = {
        let mut routes = routes_mut();
        let Some(i) = routes.runs.iter().position(|r| r.owner == owner) else {
            return LogsReport::default();
        };
        let run = routes.runs.remove(i);
        ATTACHED.store(!routes.runs.is_empty(), Ordering::Release);
        let captured = if routes.console.as_ref().is_some_and(|c| c.owner == owner) {
            routes.console.take()
        } else {
            None
        };
        (run, captured)
    };
    let console = match &captured {
        Some(captured) => {
            let _turn = lock(&CONSOLE_TURN);
            let report = captured.console.stop(timeout);
            hand_console_over();
            report
        }
        None => ConsoleReport::default(),
    };
    LogsReport {
        refused_lines: run.refused.load(Ordering::Relaxed) + console.refused_lines,
        terminal_dropped_bytes: console.terminal_dropped_bytes,
    }
}

/// Gives the console to the first attached run that asked for it, once its last owner ended.
fn hand_console_over() {
    let mut routes = routes_mut();
    if routes.console.is_some() {
        return;
    }
    let Some(next) = routes.runs.iter().find(|r| r.wants_console).cloned() else {
        return;
    };
    match Console::start(Arc::clone(&next.sink)) {
        Ok(console) => {
            routes.console = Some(Arc::new(Captured {
                owner: next.owner,
                console,
            }))
        }
        Err(e) => log::warn!("console capture is off for the runs still live: {e}"),
    }
}

/// Whether a run records logs now (one atomic load).
#[inline]
pub(crate) fn is_attached() -> bool {
    let attached = ATTACHED.load(Ordering::Relaxed);
    #[cfg(test)]
    if attached && tests::pretending() {
        let routes = ROUTES.read().unwrap_or_else(|p| p.into_inner());
        return routes.runs.iter().any(|r| visible(r.owner));
    }
    attached
}

/// Whether a line of this thread may go to run `owner`. Always, but in unit tests: a test
/// thread that pretends to have a current run (`tests::pretend_current`) sees only the routes
/// the tests attach (ids from `tests::fake`), and every other thread only real runs' routes,
/// so that the route tests and the real runs of other tests, running at the same time, never
/// take each other's lines (a real run 11 once ended and took test route 11's 500 lines).
#[cfg(not(test))]
#[inline(always)]
fn visible(_owner: u64) -> bool {
    true
}

#[cfg(test)]
fn visible(owner: u64) -> bool {
    tests::pretending() == (owner >= tests::FAKE)
}

/// Hands one line (built by `text`, only when a run listens) to the run it belongs to.
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
    let current = current_run_id();
    let (run, console) = {
        let routes = match ROUTES.read() {
            Ok(routes) => routes,
            Err(poisoned) => poisoned.into_inner(),
        };
        let run = match current {
            // Test routes' ids are never a real run's (see `visible`).
            Some(id) => routes.runs.iter().find(|r| r.owner == id),
            None => routes.runs.iter().find(|r| visible(r.owner)),
        };
        let Some(run) = run.cloned() else {
            return; // the thread's run records no logs, or every run just ended
        };
        let console = routes
            .console
            .as_ref()
            .filter(|c| c.owner == run.owner)
            .cloned();
        (run, console)
    };
    EMITTING.with(|e| e.set(true));
    let result = match &console {
        // Through the console's queue, after whatever the program printed before it.
        Some(captured) => captured.console.push_line(line),
        None => run.sink.emit_lines(vec![line]),
    };
    EMITTING.with(|e| e.set(false));
    if let Err(e) = result {
        let n = run.refused.fetch_add(1, Ordering::Relaxed) + 1;
        if n <= 4 || n.is_power_of_two() {
            log::warn!("a log line was not recorded ({e}); {n} so far");
        }
    }
}

/// The id of the run current on this thread, if any.
fn current_run_id() -> Option<u64> {
    #[cfg(test)]
    if let Some(pretended) = tests::PRETEND_CURRENT.with(Cell::get) {
        return pretended;
    }
    crate::run::current_id()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::lock::lock;
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

    thread_local! {
        /// Unit tests attach sinks, not runs: the current run a test thread pretends to have
        /// (`Some(None)`: none), instead of its real one.
        pub(super) static PRETEND_CURRENT: Cell<Option<Option<u64>>> = const { Cell::new(None) };
    }

    /// Makes the calling test thread's lines go where a thread with current run `id` would
    /// (among the routes of [`fake`] ids, see `visible`).
    pub(crate) fn pretend_current(id: Option<u64>) {
        PRETEND_CURRENT.with(|c| c.set(Some(id)));
    }

    /// Whether this thread pretends (see [`pretend_current`]).
    pub(super) fn pretending() -> bool {
        PRETEND_CURRENT.with(Cell::get).is_some()
    }

    /// The first of the ids unit tests attach routes under: real runs count up from 1
    /// (`run/start.rs`), and never reach it.
    pub(crate) const FAKE: u64 = 1 << 62;

    /// The id of test route `n`.
    pub(crate) const fn fake(n: u64) -> u64 {
        FAKE + n
    }

    /// The route is process-wide: tests that attach take turns.
    pub(crate) static SERIAL: Mutex<()> = Mutex::new(());

    #[test]
    fn lines_reach_the_run_current_where_they_are_logged() {
        let _turn = lock(&SERIAL);
        emit(|| "before any run".into());
        let first = Arc::new(Collect::default());
        let second = Arc::new(Collect::default());
        assert_eq!(attach(fake(7), first.clone(), false).ok(), Some(false));
        assert_eq!(attach(fake(8), second.clone(), false).ok(), Some(false));
        pretend_current(Some(fake(8)));
        emit(|| "  to the second  ".into());
        emit(|| "   ".into());
        pretend_current(Some(fake(7)));
        emit(|| "to the first".into());
        pretend_current(Some(fake(99)));
        emit(|| "current run records no logs: nowhere".into());
        pretend_current(None);
        emit(|| "no current run: the first".into());
        assert_eq!(
            detach(fake(7), Duration::from_secs(1)),
            LogsReport::default()
        );
        emit(|| "no current run, the first ended: the second".into());
        assert_eq!(
            detach(fake(8), Duration::from_secs(1)),
            LogsReport::default()
        );
        emit(|| "after every run".into());
        assert_eq!(
            *lock(&first.lines),
            ["to the first", "no current run: the first"]
        );
        assert_eq!(
            *lock(&second.lines),
            [
                "to the second",
                "no current run, the first ended: the second"
            ]
        );
    }

    #[test]
    fn runs_on_two_threads_each_record_their_own_lines() {
        let _turn = lock(&SERIAL);
        let sinks = [Arc::new(Collect::default()), Arc::new(Collect::default())];
        for (id, sink) in (fake(11)..).zip(&sinks) {
            assert_eq!(attach(id, sink.clone(), false).ok(), Some(false));
        }
        std::thread::scope(|s| {
            for id in [fake(11), fake(12)] {
                s.spawn(move || {
                    pretend_current(Some(id));
                    for i in 0..500 {
                        emit(|| format!("run {id} line {i}"));
                    }
                });
            }
        });
        for (id, sink) in (fake(11)..).zip(&sinks) {
            detach(id, Duration::from_secs(1));
            let want: Vec<String> = (0..500).map(|i| format!("run {id} line {i}")).collect();
            assert_eq!(*lock(&sink.lines), want);
        }
    }

    #[test]
    fn the_console_goes_to_its_first_run_then_to_the_next_that_asked() {
        use std::io::Write;
        let _turn = lock(&SERIAL);
        let [first, plain, next] = [(); 3].map(|_| Arc::new(Collect::default()));
        assert_eq!(attach(fake(51), first.clone(), true).ok(), Some(true));
        assert_eq!(attach(fake(52), plain.clone(), false).ok(), Some(false));
        assert_eq!(
            attach(fake(53), next.clone(), true).ok(),
            Some(false),
            "taken"
        );
        // Written to the file descriptor (the harness only captures `print!`).
        let _ = std::io::stdout().write_all(b"printed while the first lives\n");
        detach(fake(51), Duration::from_secs(5));
        let _ = std::io::stdout().write_all(b"printed after the first ended\n");
        pretend_current(Some(fake(53)));
        emit(|| "logged where the next is current".into());
        detach(fake(53), Duration::from_secs(5));
        let _ = std::io::stdout().write_all(b"printed after every capture\n");
        detach(fake(52), Duration::from_secs(5));
        // Contained, not equal: the test harness shares the descriptor, and its own output
        // for a test running in parallel ("test x ... ") can land on the same line.
        let has = |sink: &Collect, line: &str| lock(&sink.lines).iter().any(|l| l.contains(line));
        assert!(has(&first, "printed while the first lives"));
        assert!(!has(&first, "printed after the first ended"));
        assert!(has(&next, "printed after the first ended"));
        assert!(has(&next, "logged where the next is current"));
        assert!(!has(&next, "printed while the first lives"));
        assert!(lock(&plain.lines).is_empty(), "{:?}", lock(&plain.lines));
        assert!(!has(&next, "printed after every capture"));
    }

    #[test]
    fn refused_lines_are_counted_and_reported() {
        let _turn = lock(&SERIAL);
        pretend_current(None);
        let sink = Arc::new(Collect::default());
        sink.refuse.store(true, Ordering::Relaxed);
        assert_eq!(attach(fake(9), sink.clone(), false).ok(), Some(false));
        for i in 0..5 {
            emit(|| format!("line {i}"));
        }
        let report = detach(fake(9), Duration::from_secs(1));
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
        pretend_current(None);
        let sink = Arc::new(Echo(Collect::default()));
        assert_eq!(attach(fake(10), sink.clone(), false).ok(), Some(false));
        emit(|| "real".into());
        detach(fake(10), Duration::from_secs(1));
        assert_eq!(*lock(&sink.0.lines), ["real"]);
    }
}

//! Stop signals: SIGTERM (Kubernetes, Polyaxon's stop, `docker stop`) and SIGINT (Ctrl-C).
//!
//! When a run starts with [`Settings::handle_signals`](crate::Settings::handle_signals) on
//! (the default; not with a test recorder), polytrack adds an action to both signals through
//! `signal-hook`, once per process. When one arrives:
//!
//! 1. [`stop_requested`] turns true at once (set inside the signal handler).
//! 2. A program that polls `stop_requested` gets up to
//!    [`Settings::stop_grace`](crate::Settings::stop_grace) (10 s by default) to save a
//!    checkpoint and end its run itself; its end records `stopped`, not `succeeded`. A
//!    program that never polls it gets no grace: nothing would use it.
//! 3. polytrack's own thread then ends every run still current as `stopped` (reason
//!    `StopSignal`): every row logged before the signal is written, the summaries computed,
//!    and what is pending delivered, within the run's end timeout capped at
//!    [`STOP_END_TIMEOUT`].
//! 4. The signal then does what it would have done: with no handler of the program's
//!    (the default disposition), the process dies of that signal (exit status 128 + n in a
//!    shell); a second Ctrl-C during steps 2 and 3 kills it at once.
//!
//! A handler the program installed *before* `init` is never replaced: `signal-hook` calls it
//! first, on every signal, and polytrack then only ends the run (steps 1 to 3), leaving the
//! process alive for the program's handler to decide. A signal the process ignores (SIG_IGN,
//! as `nohup` sets it) is left alone: polytrack does not handle it. On Linux this is read
//! from `/proc/self/status`; elsewhere the disposition is assumed to be the default.
//! A handler installed *after* `init` with `sigaction` directly replaces polytrack's; one
//! installed after `init` through `signal-hook` runs next to it, but the process then dies
//! after step 3, as the default disposition says: install such handlers before `init`, or
//! turn this off.
//!
//! # Polyaxon's termination grace period
//!
//! Polyaxon stops a run by deleting its pod: Kubernetes sends SIGTERM, waits the pod's
//! `terminationGracePeriodSeconds` (30 s unless the Polyaxonfile's `environment` says
//! otherwise), then sends SIGKILL. The grace (step 2) plus the end (step 3) must fit in it:
//! with the defaults, at most 10 s + 10 s. A managed run does not post `stopped` itself
//! (Polyaxon's operator records it, as for Python's client), but its rows reach the files the
//! sidecar uploads.

use super::status::STOPPED_MESSAGE;
use super::EndAs;
use crate::kind::Status;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The longest ending the runs may take after a stop signal.
pub const STOP_END_TIMEOUT: Duration = Duration::from_secs(10);

/// The reason of the `stopped` condition a signal records.
pub(crate) const STOP_REASON: &str = "StopSignal";

/// Set by the signal handler itself.
static STOP: OnceLock<Arc<AtomicBool>> = OnceLock::new();
/// The signal that asked for the stop (0 before one).
static SIGNAL: AtomicI32 = AtomicI32::new(0);
/// Whether the program ever asked [`stop_requested`] (it then gets the grace period).
static POLLED: AtomicBool = AtomicBool::new(false);
/// The grace period of the latest run that installed the handler.
static GRACE: Mutex<Duration> = Mutex::new(Duration::from_secs(10));
/// The handler is installed (once per process).
static INSTALLED: OnceLock<()> = OnceLock::new();
/// Ends in progress in this process (on any thread): the signal is re-raised only after they
/// finished, or the rows they are writing would die with the process.
static ENDING: AtomicUsize = AtomicUsize::new(0);

/// Held while a run ends; see [`ENDING`].
pub(crate) struct EndInProgress(());

impl EndInProgress {
    /// Counts an end in progress until dropped.
    pub(crate) fn start() -> EndInProgress {
        ENDING.fetch_add(1, Ordering::AcqRel);
        EndInProgress(())
    }
}

impl Drop for EndInProgress {
    fn drop(&mut self) {
        ENDING.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Whether SIGTERM or SIGINT asked the process to stop (and polytrack handles them; see
/// [`Settings::handle_signals`](crate::Settings::handle_signals)). A training loop checks it
/// to save a checkpoint and return; the run then ends as `stopped`.
///
/// ```no_run
/// # fn train_one_epoch() {}
/// # fn save_checkpoint() {}
/// let _run = polytrack::init()?;
/// for epoch in 0..100 {
///     if polytrack::stop_requested() {
///         save_checkpoint();
///         break;
///     }
///     train_one_epoch();
/// }
/// # Ok::<(), polytrack::Error>(())
/// ```
pub fn stop_requested() -> bool {
    POLLED.store(true, Ordering::Relaxed);
    STOP.get().is_some_and(|f| f.load(Ordering::Relaxed))
}

/// The signal that asked for a stop, if one did.
pub(crate) fn stop_signal() -> Option<i32> {
    match SIGNAL.load(Ordering::Acquire) {
        0 => STOP
            .get()
            .is_some_and(|f| f.load(Ordering::Acquire))
            .then_some(0),
        n => Some(n),
    }
}

/// How an ordinary end (`succeeded`, not asked for explicitly) reads once a stop signal came:
/// `stopped`.
pub(crate) fn adjust_end(end: EndAs) -> EndAs {
    if end.status != Status::Succeeded || end.explicit {
        return end;
    }
    match stop_signal() {
        Some(sig) => EndAs {
            status: Status::Stopped,
            reason: Some(STOP_REASON.to_owned()),
            message: Some(stopped_message(sig)),
            ..end
        },
        None => end,
    }
}

fn stopped_message(sig: i32) -> String {
    match signal_name(sig) {
        Some(name) => format!("{STOPPED_MESSAGE} ({name})"),
        None => STOPPED_MESSAGE.to_owned(),
    }
}

fn signal_name(sig: i32) -> Option<&'static str> {
    match sig {
        2 => Some("SIGINT"),
        15 => Some("SIGTERM"),
        _ => None,
    }
}

/// Installs the handler (once per process) and sets the grace period of what follows.
pub(crate) fn install(grace: Duration) {
    *crate::lock::lock(&GRACE) = grace;
    INSTALLED.get_or_init(|| {
        if let Err(e) = imp::install() {
            log::warn!("stop signals are not handled: {e}");
        }
    });
}

/// What the handler thread does once a signal arrived; returns when the runs are ended.
fn stop_runs(sig: i32) {
    SIGNAL.store(sig, Ordering::Release);
    let name = signal_name(sig).unwrap_or("a signal");
    log::warn!("{name} received: ending the run as stopped");
    if POLLED.load(Ordering::Relaxed) {
        let grace = *crate::lock::lock(&GRACE);
        let until = Instant::now() + grace;
        while crate::run::is_active() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    // Newest first; each end takes its run off the stack. Bounded, whatever happens.
    for _ in 0..64 {
        let Some(run) = crate::run::current() else {
            break;
        };
        let timeout = run.end_timeout().min(STOP_END_TIMEOUT);
        let end = EndAs {
            status: Status::Stopped,
            reason: Some(STOP_REASON.to_owned()),
            message: Some(stopped_message(sig)),
            explicit: false,
            timeout: Some(timeout),
        };
        match run.end_as(end) {
            Ok(report) if !report.is_complete() => log::warn!("{report}"),
            Ok(_) => {}
            Err(e) => log::error!("ending the run on {name} failed: {e}"),
        }
    }
    // Ends the program started itself (a run it ended in the grace period) finish first.
    let until = Instant::now() + STOP_END_TIMEOUT + Duration::from_secs(1);
    while ENDING.load(Ordering::Acquire) > 0 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[cfg(unix)]
mod imp {
    use super::{stop_runs, STOP};
    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::iterator::Signals;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    /// A signal's disposition before polytrack touched it.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub(super) enum Disposition {
        Default,
        Ignored,
        Caught,
    }

    /// Dispositions from `/proc/self/status`'s `SigIgn` and `SigCgt` masks (Linux).
    pub(super) fn dispositions(status: &str, sig: i32) -> Disposition {
        let mask = |key: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
                .unwrap_or(0)
        };
        let bit = 1u64 << (sig - 1);
        if mask("SigIgn:") & bit != 0 {
            Disposition::Ignored
        } else if mask("SigCgt:") & bit != 0 {
            Disposition::Caught
        } else {
            Disposition::Default
        }
    }

    fn disposition(sig: i32) -> Disposition {
        match std::fs::read_to_string("/proc/self/status") {
            Ok(status) => dispositions(&status, sig),
            Err(_) => Disposition::Default,
        }
    }

    pub(super) fn install() -> Result<(), std::io::Error> {
        let flag = STOP
            .get_or_init(|| Arc::new(AtomicBool::new(false)))
            .clone();
        let mut handled = Vec::new();
        let mut foreign = Vec::new();
        for sig in [SIGTERM, SIGINT] {
            match disposition(sig) {
                Disposition::Ignored => continue,
                Disposition::Caught => foreign.push(sig),
                // A second signal while the run ends: the default action at once.
                Disposition::Default => {
                    signal_hook::flag::register_conditional_default(sig, flag.clone())?;
                }
            }
            signal_hook::flag::register(sig, flag.clone())?;
            handled.push(sig);
        }
        if handled.is_empty() {
            return Ok(());
        }
        let mut signals = Signals::new(&handled)?;
        std::thread::Builder::new()
            .name("polytrack-signals".into())
            .spawn(move || {
                for sig in signals.forever() {
                    flag.store(true, Ordering::Release);
                    stop_runs(sig);
                    if !foreign.contains(&sig) {
                        // Nobody else handles it: what the signal would have done.
                        if let Err(e) = signal_hook::low_level::emulate_default_handler(sig) {
                            log::error!("could not re-raise signal {sig}: {e}");
                        }
                    }
                }
            })?;
        Ok(())
    }
}

#[cfg(not(unix))]
mod imp {
    pub(super) fn install() -> Result<(), std::io::Error> {
        // Windows consoles deliver Ctrl-C differently; a run there ends when its guard drops.
        let _ = super::stop_runs;
        Ok(())
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::imp::{dispositions, Disposition};
    use super::*;

    #[test]
    fn reads_dispositions_from_proc_status() {
        let status = "Name:\tx\nSigBlk:\t0000000000000000\nSigIgn:\t0000000000000002\nSigCgt:\t0000000000004000\n";
        assert_eq!(dispositions(status, 2), Disposition::Ignored);
        assert_eq!(dispositions(status, 15), Disposition::Caught);
        assert_eq!(dispositions(status, 1), Disposition::Default);
        assert_eq!(dispositions("garbage", 15), Disposition::Default);
    }

    #[test]
    fn an_ordinary_end_after_a_stop_reads_stopped() {
        let end = |status, explicit| EndAs {
            status,
            reason: None,
            message: None,
            explicit,
            timeout: None,
        };
        // No signal in this test process: ends are left alone.
        assert_eq!(
            adjust_end(end(Status::Succeeded, false)).status,
            Status::Succeeded
        );
        assert_eq!(stopped_message(15), "Operation is stopped (SIGTERM)");
        assert_eq!(stopped_message(2), "Operation is stopped (SIGINT)");
        assert_eq!(stopped_message(99), "Operation is stopped");
    }
}

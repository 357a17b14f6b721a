//! Ending runs when the process exits without running Rust destructors:
//! `std::process::exit` from anywhere, [`exit`], or `main` returning while a run is still
//! live (a handle kept in a static, a guard forgotten).
//!
//! `std::process::exit` runs the C `atexit` handlers and nothing else: no `Drop` of the
//! `RunGuard` or of a `#[track_run]` scope, so without this the run would stay `running` and
//! the rows still queued for its writer would be lost. The first run started registers one
//! `atexit` handler (the only unsafe code of the crate); it ends every run still live, each
//! with the wait its `end_timeout` allows (all at once, on their own threads), and returns.
//!
//! The exit code is not visible to an `atexit` handler, so a run ended there ends
//! `succeeded`, as Python's client ends its run from `atexit` (reason `ExitHandler`,
//! "The process exited before the run ended"). [`exit`] knows the code: it ends the runs
//! `succeeded` for 0 and `failed` otherwise, then exits.

use super::shared::Shared;
use crate::kind::Status;
use crate::lifecycle::EndAs;
use crate::lock::lock;
use std::sync::{Arc, Mutex, Once, Weak};
use std::time::Duration;

/// Every run started and not yet dropped, ended or not.
static RUNS: Mutex<Vec<Weak<Shared>>> = Mutex::new(Vec::new());

/// The reason of the condition a run ended at exit gets.
const EXIT_REASON: &str = "ExitHandler";

/// Remembers a new run, so that an exit can end it; registers the `atexit` handler once.
pub(super) fn register(shared: &Arc<Shared>) {
    static HANDLER: Once = Once::new();
    HANDLER.call_once(at_exit::register);
    let mut runs = lock(&RUNS);
    runs.retain(|run| run.strong_count() > 0);
    runs.push(Arc::downgrade(shared));
}

/// Ends every live run and exits the process with `code` (`std::process::exit`, which runs no
/// destructors). Each run ends `succeeded` when `code` is 0, else `failed` with the code in its
/// message; the wait for each is bounded by its `end_timeout` setting, the runs ending at once.
///
/// Use it instead of `std::process::exit` inside a tracked program; `std::process::exit` itself
/// ends the runs too, from an `atexit` handler, but as `succeeded` whatever the code (the code
/// is not visible there, and Python's client does the same).
///
/// ```no_run
/// #[polytrack::track_run]
/// fn train(epochs: u32) {
///     for epoch in 0..epochs {
///         polytrack::log_metric_at("loss", 1.0 / f64::from(epoch + 1), i64::from(epoch)).ok();
///         if epoch == 3 {
///             polytrack::exit(3); // the run ends `failed`: "The process exited with code 3"
///         }
///     }
/// }
/// train(10);
/// ```
pub fn exit(code: i32) -> ! {
    if code == 0 {
        end_all(Status::Succeeded, None, None);
    } else {
        end_all(
            Status::Failed,
            Some(EXIT_REASON),
            Some(format!("The process exited with code {code}")),
        );
    }
    std::process::exit(code)
}

/// Ends every live run, each on its own thread, and returns once all did or their end
/// timeouts passed. Never panics out.
fn end_all(status: Status, reason: Option<&str>, message: Option<String>) {
    let runs: Vec<Arc<Shared>> = {
        let Ok(runs) = RUNS.try_lock().or_else(|_| {
            // Held only for a push or a scan; a bounded wait covers the rare contention.
            std::thread::sleep(Duration::from_millis(10));
            RUNS.try_lock()
        }) else {
            log::error!(target: "polytrack", "the runs live at exit could not be listed: they stay running");
            return;
        };
        runs.iter().filter_map(Weak::upgrade).collect()
    };
    let live: Vec<Arc<Shared>> = runs
        .into_iter()
        .filter(|run| !run.ended.load(std::sync::atomic::Ordering::Acquire))
        .collect();
    if live.is_empty() {
        return;
    }
    let end = |run: &Shared| {
        let end = EndAs {
            status,
            reason: reason.map(str::to_owned),
            message: message.clone(),
            explicit: false,
            timeout: None,
        };
        match run.end_as(end) {
            Ok(report) if !report.is_complete() => log::warn!(target: "polytrack", "{report}"),
            Ok(_) => {}
            Err(error) => {
                log::error!(target: "polytrack", "ending the run at exit failed: {error}");
            }
        }
    };
    std::thread::scope(|scope| {
        let mut inline = Vec::new();
        for run in &live {
            let spawned = std::thread::Builder::new()
                .name("polytrack-exit".into())
                .spawn_scoped(scope, || end(run));
            if spawned.is_err() {
                inline.push(run);
            }
        }
        for run in inline {
            end(run);
        }
    });
}

/// The handler `exit` runs: ends the live runs as `succeeded`.
fn end_at_exit() {
    // A panic must not cross the C boundary (it would abort the exit).
    let ended = std::panic::catch_unwind(|| {
        end_all(
            Status::Succeeded,
            Some(EXIT_REASON),
            Some("The process exited before the run ended".to_owned()),
        );
    });
    if ended.is_err() {
        // The logger may be what panicked; stderr is all that is left.
        eprintln!("polytrack: ending the runs at exit panicked; they may stay running");
    }
}

#[cfg(any(unix, windows))]
#[allow(unsafe_code)]
mod at_exit {
    extern "C" fn handler() {
        super::end_at_exit();
    }

    /// Registers [`handler`] with the C runtime's `atexit`.
    pub(super) fn register() {
        // SAFETY: `atexit` only stores the pointer to `handler`, an `extern "C" fn()` with no
        // arguments that lives for the whole program; it is called once, from `exit`, on the
        // exiting thread. `handler` never unwinds (`end_at_exit` catches panics) and touches
        // no thread-local of polytrack that has a destructor (`exit` may have run those).
        let refused = unsafe { libc::atexit(handler) } != 0;
        if refused {
            log::warn!(
                target: "polytrack",
                "runs will not be ended by `std::process::exit`: the C runtime refused the \
                 `atexit` handler; use `polytrack::exit` instead"
            );
        }
    }
}

#[cfg(not(any(unix, windows)))]
mod at_exit {
    /// No C runtime `atexit` here: only [`super::exit`] ends the runs.
    pub(super) fn register() {
        let _ = super::end_at_exit;
    }
}

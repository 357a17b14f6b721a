//! Logs: what the program logs and prints, in the run's `plxlogs/logs.jsonl`.
//!
//! Three sources feed a run's logs, as Polyaxon's Logs tab shows them:
//!
//! | source | how | default |
//! | --- | --- | --- |
//! | `tracing` events | `layer()` (feature `tracing`), stacked with the program's own layers | when installed |
//! | `log` records | [`LogBridge`], wrapping the program's own logger | when installed |
//! | stdout and stderr | console capture ([`Settings::capture_console`](crate::Settings::capture_console)): tee'd into the run, still printed | external runs created by polytrack, when neither of the above is installed |
//!
//! Which runs record logs at all follows Polyaxon's client, which captures logs for runs it
//! creates (external and process-sidecar runs) and leaves a managed run's logs to the cluster:
//! [`Settings::track_logs`](crate::Settings::track_logs) (`POLYTRACK_TRACK_LOGS`) is on for
//! external, process-sidecar and offline runs and off for managed ones. Offline, Polyaxon's
//! client records no logs; polytrack records the lines of an installed layer or bridge (that is
//! the opt-in) and captures the console only when asked to.
//!
//! A line is recorded with the time it was logged, stripped, empty ones dropped, as Polyaxon
//! does. Lines go through the run's writer queue, so recording never waits on the disk: when
//! the writer is stalled a line is refused after the run's queue timeout, counted and reported
//! at the end, never dropped silently. polytrack's own log records (target `polytrack...`) and
//! anything logged on polytrack's own threads are never recorded into a run, so a failure to
//! record cannot feed itself.
//!
//! Several runs may record logs at once (a sweep's trials on threads, a nested run): a line
//! of the `tracing` layer or the `log` bridge goes to the run current on the thread or task
//! that logged it ([`current`](crate::current): the run its `#[track_run]` body entered, else
//! the process's run), so each run's `plxlogs/` holds its own lines; a line logged where no
//! run is current (a pool thread no run was entered on) goes to the first run still recording.
//! The console cannot tell threads apart: it is captured for one run, the first that asks,
//! and taken over by the next one that asked when that run ends.

mod bridge;
mod console;
#[cfg(feature = "tracing")]
mod layer;
mod line;
mod route;

pub use bridge::LogBridge;
#[cfg(feature = "tracing")]
pub use layer::{layer, Layer};

pub(crate) use route::detach;

use crate::error::Error;
use line::Line;
use route::LineSink;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A run's lines go through its writer queue, as every event does.
impl LineSink for crate::Run {
    fn emit_lines(&self, lines: Vec<Line>) -> Result<(), Error> {
        self.emit_logs(
            lines
                .into_iter()
                .map(|line| crate::event::LogLine {
                    timestamp: crate::timestamp::Timestamp::from_system_time(line.at),
                    text: line.text,
                })
                .collect(),
        )
    }
}

/// Makes run `id` record the lines logged where it is current, capturing the console for it
/// too when `capture_console` and no other run captures it (a capture that cannot start is
/// logged, and the run records the layer's and the bridge's lines anyway).
pub(crate) fn attach_run(id: u64, run: &crate::Run, capture_console: bool) {
    let sink: Arc<dyn LineSink> = Arc::new(run.clone());
    match route::attach(id, Arc::clone(&sink), capture_console) {
        Ok(_) => {}
        Err(e) => {
            log::warn!("console capture is off: {e}");
            if let Err(e) = route::attach(id, sink, false) {
                log::warn!("this run records no logs: {e}");
            }
        }
    }
}

/// Set once a layer or a bridge was created: the program's logs then reach the run through it,
/// and console capture (which would record its printed copy a second time) is opt-in.
static STRUCTURED: AtomicBool = AtomicBool::new(false);

fn note_structured_logging() {
    STRUCTURED.store(true, Ordering::Relaxed);
}

/// Whether the run's logs are recorded, and whether the console is captured, for a run of
/// `mode`, given the explicit settings (`None`: the default).
pub(crate) fn choose(
    mode: crate::Mode,
    is_new: bool,
    has_process_sidecar: bool,
    track_logs: Option<bool>,
    capture_console: Option<bool>,
) -> (bool, bool) {
    use crate::Mode;
    let created_here =
        matches!(mode, Mode::External | Mode::Managed) && (is_new || has_process_sidecar);
    let track = track_logs.unwrap_or(match mode {
        Mode::Offline => true,
        Mode::External | Mode::Managed => created_here,
        Mode::NoOp => false,
    });
    let capture = capture_console
        .unwrap_or(created_here && mode == Mode::External && !STRUCTURED.load(Ordering::Relaxed));
    (track, track && capture)
}

/// Whether this thread is one of polytrack's own (its writer, API, sampler or console threads):
/// what they log is never recorded into a run.
fn on_own_thread() -> bool {
    std::thread::current()
        .name()
        .is_some_and(|name| name.starts_with("polytrack-"))
}

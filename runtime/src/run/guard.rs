//! [`RunGuard`]: ends its run when dropped.

use super::panic::panic_text;
use super::report::EndReport;
use super::Run;
use crate::error::Error;
use crate::kind::Status;
use std::fmt;
use std::sync::atomic::Ordering;

/// Ends the run when dropped: `succeeded`, or `failed` with the panic's text when dropped
/// while the thread panics.
#[must_use = "dropping the guard ends the run"]
pub struct RunGuard {
    pub(super) run: Run,
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
            // Ended already, or ending on another thread (a stop signal's): wait for it, so
            // the process does not exit while the run's last rows are being written.
            let _ = shared.first_report(shared.end_timeout);
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
            log::error!(target: "polytrack", "ending the run failed: {e}");
        }
    }
}

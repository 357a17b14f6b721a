//! What ending a run reports.

use crate::config::Mode;
use crate::kind::Status;
use std::fmt;
use std::path::PathBuf;

/// What [`Run::end`](super::Run::end) reports: where the run went and anything left undone.
#[derive(Clone, Debug)]
pub struct EndReport {
    /// The run's uuid.
    pub uuid: Option<String>,
    /// The mode it was tracked in.
    pub mode: Mode,
    /// The run's folder, if it has one.
    pub run_dir: Option<PathBuf>,
    /// The final status, when the mode records one.
    pub status: Option<Status>,
    /// Metric values written.
    pub metric_events: u64,
    /// Logging calls refused because the writer was stalled (each returned an error).
    pub refused_events: u64,
    /// What could not be delivered before the deadline, and how it will be.
    pub undelivered: Vec<String>,
    /// Errors met while tracking (each was also logged).
    pub errors: Vec<String>,
}

impl EndReport {
    /// Whether everything was delivered.
    pub fn is_complete(&self) -> bool {
        self.undelivered.is_empty() && self.refused_events == 0
    }
}

impl fmt::Display for EndReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "run {} ({})",
            self.uuid.as_deref().unwrap_or("-"),
            self.mode
        )?;
        if let Some(status) = self.status {
            write!(f, " {status}")?;
        }
        write!(f, ": {} metric values", self.metric_events)?;
        if let Some(dir) = &self.run_dir {
            write!(f, " in {}", dir.display())?;
        }
        if self.refused_events > 0 {
            write!(
                f,
                "; {} events refused (writer stalled)",
                self.refused_events
            )?;
        }
        for line in &self.undelivered {
            write!(f, "; undelivered: {line}")?;
        }
        Ok(())
    }
}

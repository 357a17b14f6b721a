//! Statuses the program logs itself: Python's `log_status`, `log_succeeded`, `log_failed` and
//! `log_stopped`.
//!
//! As Python's client does:
//! - `log_status` records any status at once (offline, a condition appended to
//!   `run.plx.json`'s `status_conditions`; otherwise `POST .../statuses`), in every mode: a
//!   managed run posts it too, since the program asked for it.
//! - `log_succeeded`, `log_failed` and `log_stopped` do nothing when the run is already done
//!   (`succeeded`, `failed`, `stopped`, `skipped`, `upstream_failed`); otherwise they record
//!   the status and end the run (Python's `end()` after `_log_end_status`): flushed, summaries
//!   written, delivered up to the end deadline.

use super::EndAs;
use crate::error::Error;
use crate::kind::Status;
use crate::record::Condition;
use crate::run::{current, inactive, EndReport, Run};
use crate::sink::Update;
use crate::timestamp::Timestamp;

/// Python's default message of `log_succeeded`.
pub(crate) const SUCCEEDED_MESSAGE: &str = "Operation has succeeded";
/// Python's default message of `log_stopped`.
pub(crate) const STOPPED_MESSAGE: &str = "Operation is stopped";

impl Run {
    /// Records a status condition now (Python's `log_status(status, reason, message)`); the
    /// reason defaults to `PolyaxonClient`. It does not end the run: a done status logged
    /// this way makes the end keep it instead of recording `succeeded`.
    pub fn log_status(
        &self,
        status: Status,
        reason: Option<&str>,
        message: Option<&str>,
    ) -> Result<(), Error> {
        if !self.is_tracking() {
            return Ok(());
        }
        let condition = Condition::new(status, reason, message, Timestamp::now());
        self.send_update(Update::UserStatus(condition))
    }

    /// Marks the run `succeeded` and ends it (Python's `log_succeeded()`, message "Operation
    /// has succeeded"). Nothing new when the run is already done: the first end's report.
    pub fn log_succeeded(&self) -> Result<EndReport, Error> {
        self.end_as(EndAs {
            status: Status::Succeeded,
            reason: None,
            message: Some(SUCCEEDED_MESSAGE.to_owned()),
            explicit: true,
            timeout: None,
        })
    }

    /// Marks the run `failed` and ends it (Python's `log_failed(reason, message)`). Nothing
    /// new when the run is already done.
    pub fn log_failed(
        &self,
        reason: Option<&str>,
        message: Option<&str>,
    ) -> Result<EndReport, Error> {
        self.end_as(EndAs {
            status: Status::Failed,
            reason: reason.map(str::to_owned),
            message: message.map(str::to_owned),
            explicit: true,
            timeout: None,
        })
    }

    /// Marks the run `stopped` and ends it (Python's `log_stopped(reason, message)`, message
    /// "Operation is stopped" by default). Nothing new when the run is already done.
    pub fn log_stopped(
        &self,
        reason: Option<&str>,
        message: Option<&str>,
    ) -> Result<EndReport, Error> {
        self.end_as(EndAs {
            status: Status::Stopped,
            reason: reason.map(str::to_owned),
            message: Some(message.unwrap_or(STOPPED_MESSAGE).to_owned()),
            explicit: true,
            timeout: None,
        })
    }
}

/// Records a status on the current run; see [`Run::log_status`].
pub fn log_status(
    status: Status,
    reason: Option<&str>,
    message: Option<&str>,
) -> Result<(), Error> {
    match current() {
        Some(run) => run.log_status(status, reason, message),
        None => inactive(),
    }
}

/// Marks the current run `succeeded` and ends it; see [`Run::log_succeeded`]. `None` when
/// there is no current run.
pub fn log_succeeded() -> Result<Option<EndReport>, Error> {
    current().map(|run| run.log_succeeded()).transpose()
}

/// Marks the current run `failed` and ends it; see [`Run::log_failed`].
pub fn log_failed(reason: Option<&str>, message: Option<&str>) -> Result<Option<EndReport>, Error> {
    current()
        .map(|run| run.log_failed(reason, message))
        .transpose()
}

/// Marks the current run `stopped` and ends it; see [`Run::log_stopped`].
pub fn log_stopped(
    reason: Option<&str>,
    message: Option<&str>,
) -> Result<Option<EndReport>, Error> {
    current()
        .map(|run| run.log_stopped(reason, message))
        .transpose()
}

#[cfg(test)]
mod tests {
    use crate::testing::{Record, Recorder};
    use crate::{Settings, Status};

    fn statuses(recorder: &Recorder) -> Vec<(Status, Option<String>, Option<String>)> {
        recorder
            .records()
            .into_iter()
            .filter_map(|r| match r {
                Record::Status {
                    status,
                    reason,
                    message,
                } => Some((status, reason, message)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn end_statuses_end_the_run_once() {
        let recorder = Recorder::new();
        let run = crate::init_with(Settings::new().recorder(recorder.clone())).unwrap();
        run.log_status(Status::Processing, Some("Loader"), Some("reading"))
            .unwrap();
        let first = run.log_stopped(None, None).unwrap();
        assert_eq!(first.status, Some(Status::Stopped));
        // Already done: skipped, as Python's `_log_end_status` skips it.
        let second = run.log_failed(Some("Late"), Some("too late")).unwrap();
        assert_eq!(second.status, Some(Status::Stopped));
        assert!(matches!(
            run.log_status(Status::Running, None, None),
            Err(crate::Error::Ended)
        ));
        drop(run);
        let seen = statuses(&recorder);
        let kinds: Vec<Status> = seen.iter().map(|s| s.0).collect();
        assert_eq!(
            kinds,
            [
                Status::Created,
                Status::Running,
                Status::Processing,
                Status::Stopped
            ]
        );
        assert_eq!(seen[2].1.as_deref(), Some("Loader"));
        assert_eq!(seen[2].2.as_deref(), Some("reading"));
        assert_eq!(seen[3].1.as_deref(), Some("PolyaxonClient"));
        assert_eq!(seen[3].2.as_deref(), Some("Operation is stopped"));
    }

    #[test]
    fn a_done_status_logged_by_hand_is_kept_at_the_end() {
        let recorder = Recorder::new();
        let run = crate::init_with(Settings::new().recorder(recorder.clone())).unwrap();
        run.log_status(Status::Failed, Some("Validation"), Some("diverged"))
            .unwrap();
        let report = run.end().unwrap();
        assert_eq!(report.status, Some(Status::Failed));
        let kinds: Vec<Status> = statuses(&recorder).iter().map(|s| s.0).collect();
        assert_eq!(kinds, [Status::Created, Status::Running, Status::Failed]);
    }

    #[test]
    fn succeeded_and_failed_carry_pythons_messages() {
        let recorder = Recorder::new();
        let run = crate::init_with(Settings::new().recorder(recorder.clone())).unwrap();
        run.log_succeeded().unwrap();
        let last = statuses(&recorder).pop().unwrap();
        assert_eq!(last.0, Status::Succeeded);
        assert_eq!(last.2.as_deref(), Some("Operation has succeeded"));

        let recorder = Recorder::new();
        let run = crate::init_with(Settings::new().recorder(recorder.clone())).unwrap();
        run.log_failed(None, None).unwrap();
        let last = statuses(&recorder).pop().unwrap();
        assert_eq!(
            (last.0, last.1.as_deref(), last.2),
            (Status::Failed, Some("PolyaxonClient"), None)
        );
    }
}

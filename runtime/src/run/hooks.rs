//! What the lifecycle calls (`crate::lifecycle`) reach of a run: its writer, its state and
//! its end.

use super::handle::Run;
use super::report::EndReport;
use crate::error::Error;
use crate::lifecycle::{EndAs, RunState};
use crate::lineage::ArtifactRef;
use crate::record::RunRecord;
use crate::sink::Update;
use crate::worker::Msg;
use std::sync::atomic::Ordering;
use std::sync::mpsc::sync_channel;
use std::time::Duration;

impl Run {
    /// Hands a change of the run's data to its writer; nothing for a no-op run.
    pub(crate) fn send_update(&self, update: Update) -> Result<(), Error> {
        match &self.inner {
            Some(shared) => shared.update(update),
            None => Ok(()),
        }
    }

    /// Hands an artifact reference to the writer, which resolves (and hashes) it.
    pub(crate) fn send_artifact_ref(&self, r: ArtifactRef) -> Result<(), Error> {
        let Some(shared) = &self.inner else {
            return Ok(());
        };
        if shared.ended.load(Ordering::Relaxed) {
            return Err(Error::Ended);
        }
        shared.send(Msg::ArtifactRef(Box::new(r)))
    }

    /// The run's lifecycle state; `None` for a no-op run.
    pub(crate) fn state(&self) -> Option<&RunState> {
        self.inner.as_ref().map(|s| &s.lifecycle)
    }

    /// The run's end timeout.
    pub(crate) fn end_timeout(&self) -> Duration {
        self.inner
            .as_ref()
            .map_or(Duration::from_secs(30), |s| s.end_timeout)
    }

    /// Ends the run as `end` says (idempotent, as [`Run::end`]).
    pub(crate) fn end_as(&self, end: EndAs) -> Result<EndReport, Error> {
        match &self.inner {
            None => self.end(),
            Some(shared) => shared.end_as(end),
        }
    }

    /// The run record as the writer holds it, once everything logged before is applied.
    pub(crate) fn snapshot(&self, timeout: Duration) -> Result<RunRecord, Error> {
        let shared = self.inner.as_ref().ok_or(Error::Inactive)?;
        if shared.ended.load(Ordering::Relaxed) {
            return Err(Error::Ended);
        }
        let (tx, rx) = sync_channel(1);
        shared.send(Msg::Snapshot(tx))?;
        shared.worker.wake();
        rx.recv_timeout(timeout).map_err(|_| Error::Timeout {
            what: format!("the run's writer did not answer within {timeout:?}"),
        })
    }
}

//! The one line: `.with_polytrack(&run)` on burn's `SupervisedTraining`, and the run's status
//! from the training's outcome.

use crate::logger::PolytrackMetricLogger;
use burn_train::{Learner, LearnerModel, LearningResult, SupervisedTraining};
use polytrack::{Run, Status};

/// Adds Polyaxon tracking to burn's [`SupervisedTraining`].
pub trait PolytrackTraining<M: LearnerModel>: Sized {
    /// Tracks the training in `run`: every numeric metric of the train and valid splits
    /// through a [`PolytrackMetricLogger`], and the run's status from the outcome of
    /// [`TrackedTraining::launch`]. Call it last, just before `.launch(learner)`.
    fn with_polytrack(self, run: &Run) -> TrackedTraining<M>;
}

impl<M: LearnerModel> PolytrackTraining<M> for SupervisedTraining<M> {
    fn with_polytrack(self, run: &Run) -> TrackedTraining<M> {
        TrackedTraining {
            training: self.with_metric_logger(PolytrackMetricLogger::new(run)),
            run: run.clone(),
        }
    }
}

/// A [`SupervisedTraining`] tracked in a Polyaxon run (see
/// [`PolytrackTraining::with_polytrack`]).
pub struct TrackedTraining<M: LearnerModel> {
    training: SupervisedTraining<M>,
    run: Run,
}

impl<M: LearnerModel> TrackedTraining<M> {
    /// Launches the training ([`SupervisedTraining::launch`]) and records its outcome in the
    /// run ([`record_outcome`]): failed or stopped ends the run so, a completed training
    /// leaves it running for what comes next (saving and logging the model), and the run's
    /// guard ends it succeeded.
    pub fn launch(self, learner: Learner<M>) -> LearningResult<M> {
        let result = self.training.launch(learner);
        if let Err(error) = record_outcome(&self.run, &result) {
            log::error!(
                target: "polytrack",
                "polytrack-burn: the training's outcome was not recorded: {error}"
            );
        }
        result
    }

    /// The training, to configure further; its metric logger stays registered (the status is
    /// then the caller's to record, with [`record_outcome`]).
    pub fn into_inner(self) -> SupervisedTraining<M> {
        self.training
    }
}

/// Ends `run` as burn's training ended, when it did not complete: `failed` with the error's
/// text when training hit an error, `stopped` with the reason when it was interrupted
/// ([`Interrupter::stop`](burn_train::Interrupter::stop)). A completed training (all epochs, or
/// early stopping) changes nothing: the run ends `succeeded` when it is ended or its guard is
/// dropped.
pub fn record_outcome<M>(run: &Run, result: &LearningResult<M>) -> Result<(), polytrack::Error> {
    if let Some(error) = &result.error {
        run.end_with(
            Status::Failed,
            Some("TrainingError".to_owned()),
            Some(format!("burn's training failed: {error}")),
        )?;
    } else if let Some(interruption) = &result.interrupted {
        let reason = interruption.reason.as_deref().unwrap_or("no reason given");
        run.end_with(
            Status::Stopped,
            Some("Interrupted".to_owned()),
            Some(format!("burn's training was stopped: {reason}")),
        )?;
    }
    Ok(())
}

//! # polytrack-burn
//!
//! A [burn](https://burn.dev) training tracked by Polyaxon with one line: every numeric metric
//! burn reports (loss, accuracy, learning rate, ...) for the train and valid splits becomes a
//! Polyaxon metric, and the run ends failed or stopped with the training.
//!
//! ```ignore
//! use polytrack_burn::PolytrackTraining;
//!
//! let run = polytrack::init()?;                 // offline, in-cluster or against an API
//! run.log_inputs(&config)?;                     // burn's `Config` types are `Serialize`
//! let result = SupervisedTraining::new(ARTIFACT_DIR, train_loader, valid_loader)
//!     .metrics((LossMetric::new(), AccuracyMetric::new()))
//!     .num_epochs(config.num_epochs)
//!     .with_polytrack(&run)                     // the one line
//!     .launch(learner);
//! ```
//!
//! `integrations/burn/examples/burn_mnist_like.rs` trains a small MLP this way.
//!
//! ## Application logs
//!
//! burn logs the training's progress (`Executing training step for epoch 1`, ...) through
//! `log` and `tracing` into `experiment.log`, with a global `tracing` subscriber it installs
//! itself. [`ApplicationLogger`] installs burn's file logger stacked with polytrack's layer, so
//! the same lines reach the run's logs (Polyaxon's Logs tab) too:
//!
//! ```ignore
//! SupervisedTraining::new(&dir, train_loader, valid_loader)
//!     .with_application_logger(Some(Box::new(
//!         polytrack_burn::ApplicationLogger::new(dir.join("experiment.log")),
//!     )))
//!     .with_polytrack(&run)
//! ```
//!
//! ## Metric names
//!
//! | burn reports | Polyaxon metric | step |
//! | --- | --- | --- |
//! | `Loss` of each training iteration | `train__loss` | the training iteration: 1, 2, ... across epochs |
//! | `Accuracy` of each validation iteration | `valid__accuracy` | the validation iteration |
//! | the epoch's `Loss` (training) | `epoch__train__loss` | the epoch, 1-based as burn counts |
//! | the epoch's `Accuracy` (validation) | `epoch__valid__accuracy` | the epoch |
//! | `Loss` of test set `holdout` (evaluator) | `test__holdout__loss` | the test iteration |
//!
//! burn's names are lowercased with spaces as `_` (`Learning Rate` → `learning_rate`), then
//! sanitized as Polyaxon sanitizes names. An epoch's value is the one burn's checkpointing
//! and early stopping use: the metric's final value for the epoch, or else the mean of its
//! iterations weighted by batch size. The epoch series share the `epoch__` prefix, so the
//! values runs are compared on sit together in Polyaxon's metric list.
//!
//! The logger answers burn's [`read_numeric`](burn_train::logger::MetricLogger::read_numeric)
//! from what it logged, so burn's metric-based checkpointing and early stopping keep working
//! with it as the only metric logger.
//!
//! ## Supported burn versions
//!
//! burn 0.22 (`burn-train` 0.22.x, Rust 1.95+). Older releases have a different training API
//! (`LearnerBuilder`, backend type parameters) and are not supported.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod app_logger;
mod history;
mod logger;
mod naming;
mod training;

pub use app_logger::ApplicationLogger;
pub use logger::PolytrackMetricLogger;
pub use training::{record_outcome, PolytrackTraining, TrackedTraining};

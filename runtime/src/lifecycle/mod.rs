//! The rest of a run's life beyond metrics: statuses, stop signals, progress, metadata, code
//! and data lineage, and the run's inputs read back.
//!
//! - `status`: `log_status`, `log_succeeded`, `log_failed`, `log_stopped`;
//! - `metadata`: `set_name`, `set_description`, `set_readme`, `log_meta`, `log_progress`;
//! - `refs`: `log_data_ref`, `log_model_ref`, `log_file_ref`, `log_dir_ref`,
//!   `log_tensorboard_ref`, `get_tensorboard_path`;
//! - `coderef`: `log_code_ref`, the git reference read with the git CLI, [`code_ref!`](crate::code_ref);
//! - `signals`: SIGTERM and SIGINT end the run as `stopped`; [`stop_requested`](crate::stop_requested);
//! - `inputs`: [`inputs`](crate::inputs) deserializes the run's inputs into the user's config.
//!
//! Every call here mirrors one of Python's `tracking.*` functions and behaves like it (the
//! docs of each say which); none does I/O on the caller's thread except [`inputs`](crate::inputs),
//! a read the program asks for once, at its start.

pub(crate) mod build_env;
pub(crate) mod coderef;
pub(crate) mod inputs;
pub(crate) mod metadata;
pub(crate) mod refs;
pub(crate) mod signals;
pub(crate) mod status;

use crate::config::{ApiConfig, Mode, Resolved};
use crate::kind::Status;
use crate::lock::lock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// How a run is ended by a lifecycle call.
#[derive(Clone, Debug)]
pub(crate) struct EndAs {
    /// The final status.
    pub status: Status,
    /// The condition's reason (`PolyaxonClient` when `None`).
    pub reason: Option<String>,
    /// The condition's message.
    pub message: Option<String>,
    /// The program asked for this status (posted in every mode, managed runs included).
    pub explicit: bool,
    /// The end's deadline, when shorter than the run's `end_timeout` (a stop signal).
    pub timeout: Option<Duration>,
}

/// Per-run state of the lifecycle calls, shared by the run's handles.
#[derive(Debug)]
pub(crate) struct RunState {
    /// Where the run's inputs are read from: the API for managed and resumed runs.
    pub(crate) api: Option<ApiConfig>,
    /// The progress last logged, and Python's update throttle.
    progress: Mutex<metadata::Progress>,
    /// `has_tensorboard` was logged (Python logs the tensorboard ref once per run).
    tensorboard: AtomicBool,
    /// `has_model` was logged.
    model: AtomicBool,
}

impl RunState {
    /// The state of a run about to start.
    pub(crate) fn new(resolved: &Resolved) -> RunState {
        let reads_api =
            resolved.mode == Mode::Managed || (resolved.mode == Mode::External && !resolved.is_new);
        RunState {
            api: reads_api.then(|| resolved.api.clone()),
            progress: Mutex::new(metadata::Progress::default()),
            tensorboard: AtomicBool::new(false),
            model: AtomicBool::new(false),
        }
    }

    /// Runs `f` on the progress state.
    fn with_progress<T>(&self, f: impl FnOnce(&mut metadata::Progress) -> T) -> T {
        f(&mut lock(&self.progress))
    }

    /// True the first time only.
    fn first_tensorboard(&self) -> bool {
        !self.tensorboard.swap(true, Ordering::AcqRel)
    }

    /// True the first time only.
    fn first_model(&self) -> bool {
        !self.model.swap(true, Ordering::AcqRel)
    }
}

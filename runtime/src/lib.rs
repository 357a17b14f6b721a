//! # polytrack
//!
//! Polyaxon experiment tracking for Rust, wire- and file-compatible with Polyaxon's own Python
//! `tracking` module: hyperparameters, tags, metrics, outputs, artifacts and statuses, in
//! cluster (managed), against a Polyaxon API (external), offline (a folder that
//! `polyaxon ops push` uploads), or not at all (no-op).
//!
//! ```no_run
//! # fn main() -> Result<(), polytrack::Error> {
//! use polytrack::ArtifactKind;
//!
//! let run = polytrack::init()?;                       // tracking.init()
//! polytrack::log_inputs!(param1 = 42)?;               // tracking.log_inputs(param1=42)
//! polytrack::log_tags(["foo", "bar"])?;               // tracking.log_tags(["foo", "bar"])
//! polytrack::log_metric("metric1", 0.5)?;             // tracking.log_metric(name="metric1", value=0.5)
//! polytrack::log_metrics!(step = 2; metric2 = 0.1, metric3 = 0.2)?;
//! polytrack::log_outputs!(res1 = 7, res2 = "test value")?;
//! let path = polytrack::get_outputs_path("test.txt")?;
//! std::fs::write(&path, "Artifact content.").ok();
//! polytrack::log_artifact_ref(&path, ArtifactKind::File, None)?;
//! run.end()?;                                         // also done when `run` is dropped
//! # Ok(()) }
//! ```
//!
//! ## How it works
//!
//! Logging calls never do I/O: they put a small event on a bounded queue (one atomic load and
//! nothing else when no run is active). A background thread owns the run's files and its HTTP
//! client, batches events into Polyaxon's event files, and mirrors the run's data.
//!
//! | mode | what the background thread writes |
//! | --- | --- |
//! | offline | event files, `run.plx.json`, `lineages.plx.json` under `<offline root>/runs/<uuid>` |
//! | managed | event files under `<context root>/artifacts/<uuid>` (with `POLYAXON_COLLECT_ARTIFACTS`), run data through the API |
//! | external | event files under `<artifacts root>/<uuid>`, a new run through the API, uploaded at the end |
//! | no-op | nothing |
//!
//! When the queue is full (the writer is stalled: a hung disk, say), a logging call waits at
//! most [`Settings::queue_timeout`] (100 ms by default) and then returns
//! [`Error::Backpressure`]: the event is refused, counted, logged and reported at the end,
//! never dropped silently.

#![warn(missing_docs)]
// One module may use unsafe code: `run::exit::at_exit`, for the single `libc::atexit` call that
// lets `std::process::exit` end the live runs (no safe API registers an `atexit` handler).
#![deny(unsafe_code)]

mod api;
mod config;
mod envinfo;
mod error;
mod event;
#[cfg(test)]
mod event_tests;
mod events;
mod fqn;
mod id;
mod kind;
mod lifecycle;
mod limits;
mod lineage;
pub mod logs;
mod macros;
mod metric_rows;
mod pyrepr;
mod rank;
mod record;
mod resources;
mod run;
mod run_paths;
mod sink;
mod summary;
pub mod testing;
mod timestamp;
mod util;
mod value;
mod worker;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

#[doc(hidden)]
#[path = "bench_floor.rs"]
pub mod __bench;

pub use api::{push, push_with, PushReport};
pub use config::{ApiConfig, Mode, Resolved, Secret, Settings};
pub use error::Error;
pub use events::{
    log_artifact, log_audio, log_audio_file, log_chart, log_confusion_matrix, log_curve,
    log_dataframe, log_histogram, log_html, log_image, log_image_with_boxes, log_model,
    log_np_histogram, log_pr_curve, log_roc_auc_curve, log_text, log_video, log_video_file, Audio,
    AudioSamples, Chart, ConfusionMatrix, Dataframe, Image, Layout, Video, VideoLayout,
    MAX_HISTOGRAM_BINS,
};
pub use id::new_uuid;
pub use kind::{ArtifactKind, Status};
pub use polytrack_macros::{track_metrics, track_params, track_run};
pub use rank::{Rank, RankPolicy, RANK_VARIABLES};
pub use record::{Artifact, Condition, RunRecord};
pub use run::{
    current, end, exit, get_artifacts_path, get_outputs_path, init, init_with, is_active,
    log_artifact_ref, log_input, log_inputs, log_metric, log_metric_at, log_metric_with,
    log_metrics, log_output, log_outputs, log_tags, EndReport, Entered, Instrumented, Run,
    RunGuard,
};
pub use timestamp::Timestamp;
pub use value::MetricValue;

pub use lifecycle::coderef::{log_code_ref, CodeRef};
pub use lifecycle::inputs::inputs;
pub use lifecycle::metadata::{log_meta, log_progress, set_description, set_name, set_readme};
pub use lifecycle::refs::{
    get_tensorboard_path, log_data_ref, log_dir_ref, log_file_ref, log_model_ref,
    log_tensorboard_ref, RefOptions,
};
pub use lifecycle::signals::{stop_requested, STOP_END_TIMEOUT};
pub use lifecycle::status::{log_failed, log_status, log_stopped, log_succeeded};

/// Helpers for a build script (`build.rs`).
pub mod build {
    pub use crate::lifecycle::build_env::emit_git_env;
}

/// Sanitizes a name the way Polyaxon does (its `fqn` rule): `train/loss` becomes
/// `train__loss`, `val.acc` becomes `val-acc`. `None` when nothing is left.
pub fn sanitize_name(name: &str) -> Option<String> {
    fqn::to_fqn_name(name)
}

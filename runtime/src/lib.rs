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
//!
//! ## How it fits together
//!
//! For a newcomer to the code, the path of one call, from the caller to Polyaxon's files:
//!
//! - **Settings to a run.** `config/` resolves [`Settings`] over the environment over
//!   Polyaxon's config files (`settings`, `env`, `files`, then `resolve` in steps) into a
//!   [`Resolved`]: the [`Mode`] (managed, external, offline, no-op), the run's uuid and folder,
//!   the API's host and token. It reads, never writes, and a test [`Recorder`](testing::Recorder)
//!   changes nothing of it. `run/start.rs` then picks the run's sinks for that mode (or the
//!   recorder), starts the writer thread and makes the run current (`run/current.rs`).
//! - **The caller's path.** A module function (`polytrack::log_metric`, `run/facade.rs`)
//!   finds the current run (the innermost one entered on this thread, else the process's)
//!   and calls the [`Run`] method (`run/handle.rs`): names are checked and sanitized
//!   (`limits.rs`, `fqn.rs`), a metric name gets a dense id (`run/names.rs`), the values are
//!   stamped with the CPU's tick counter (`clock.rs`; the writer turns ticks into dates), and
//!   each value is one 32-byte slot (`metric_slot.rs`) on the thread's own ring to the run
//!   (`run/rings.rs`); other events are one small message on the run's bounded queue
//!   (`worker/queue.rs`). No I/O, no encoding: a full ring or queue is a wait of at most
//!   `queue_timeout`, then `Backpressure`.
//! - **Rich events and logs.** `events/` builds a payload (an image's pixels, a histogram's
//!   values) and `run/emit.rs` queues it with a reservation against the payload budget
//!   (`event.rs`); `logs/` turns `tracing` events, `log` records and console lines into log
//!   lines for the same queue. Encoding (PNG, JSON rows) happens on the writer.
//! - **The writer** (`worker.rs`) is one thread per run that owns the run record, its
//!   lineage and its sinks. It sleeps on a control channel and drains the data queue and the
//!   callers' rings when woken or when its nap ends (`worker/queue.rs`); metric values are
//!   batched, rich events
//!   encoded, resource samples (`resources.rs`) written with the rest. File-sized work stays
//!   off it: artifact references are hashed on a thread of their own (`lineage/resolver.rs`),
//!   their entries applied in order when ready. At `end` it summarises the event files
//!   (`summary/`), fills outputs with the last values, and ends each sink within the timeout.
//! - **The sinks** (`sink/`) receive every event in order: `sink/files.rs` writes the event,
//!   resource and log files (`sink/rows.rs` is the one row codec, `sink/row_files.rs` keeps
//!   rows whole and descriptors bounded); `sink/offline.rs` keeps `run.plx.json` and
//!   `lineages.plx.json`; the API sink (`api/`) appends each update to a spool
//!   (`api/spool.rs`) before an API thread delivers it (`api/deliver.rs`: coalesced,
//!   retried, answers checked), so an outage or a crash loses nothing and
//!   [`push`] replays what is left, or uploads an offline run.
//! - **Lifecycle** calls (`lifecycle/`: statuses, metadata, lineage refs, code refs, stop
//!   signals) are updates on the same queue.
//!
//! Where each Polyaxon format lives: event rows in `sink/rows.rs` (numbers as Python's
//! `repr` writes them, `pyrepr/`; timestamps as its `datetime`, `timestamp/`); rich-event
//! values and asset paths in `events/`; the run's folder layout in `sink/files.rs` and
//! `run_paths.rs`; `run.plx.json` and `lineages.plx.json` in `record.rs` and
//! `sink/offline.rs`; the requests in `api/op.rs`; log lines in `logs/`; artifact-ref
//! names, paths and hashes in `lineage.rs`.

#![warn(missing_docs)]
// One module may use unsafe code: `run::exit::at_exit`, for the single `libc::atexit` call that
// lets `std::process::exit` end the live runs (no safe API registers an `atexit` handler).
#![deny(unsafe_code)]

mod api;
mod clock;
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
mod lock;
pub mod logs;
mod macros;
mod metric_slot;
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

//! Runs: the handle, the current run, the logging hot path and the end.
//!
//! - `start`: `init`/`init_with` turn settings into a run with its writer thread;
//! - `handle`: [`Run`], the handle every logging call goes through;
//! - `shared`: the state the handles of one run share (queue, name table, end);
//! - `current`: which run a module-level call reaches: the innermost run entered on the
//!   calling thread, else the process's run; `instrument`: a future entering its run;
//! - `names`: the per-thread table that maps a metric name to its id;
//! - `facade`: the module-level functions (Python's `tracking.*`);
//! - `emit`: rich events and log lines, handed to the writer with their payloads;
//! - `guard`, `report`, `panic`: ending a run, what the end reports, and why a run that
//!   panicked failed;
//! - `exit`: ending the live runs when the process exits without destructors
//!   (`std::process::exit`, [`exit`]).

mod current;
mod emit;
mod exit;
mod facade;
mod guard;
mod handle;
mod hooks;
mod instrument;
mod names;
mod panic;
mod report;
mod rings;
mod shared;
mod start;

pub use current::{current, is_active, Entered};
pub(crate) use current::{current_id, inactive};
#[allow(unused_imports)] // The event and log calls are built on these.
pub(crate) use emit::{emit, emit_log, emit_logs};
pub use exit::exit;
pub use facade::{
    end, get_artifacts_path, get_outputs_path, log_artifact_ref, log_input, log_inputs, log_metric,
    log_metric_at, log_metric_with, log_metrics, log_output, log_outputs, log_tags,
};
pub use guard::RunGuard;
pub use handle::Run;
pub use instrument::Instrumented;
pub use report::EndReport;
pub(crate) use rings::RingReader;
pub(crate) use start::init_scoped;
pub use start::{init, init_with};

//! The attributes' tests, in one binary (one link instead of one per file): behaviour
//! (`#[track_run]`, `#[track_params]`, `#[track_metrics]` on every shape of function, read
//! back from a recorder or an offline run folder), concurrency, `std::process::exit`, and the
//! compile errors (`ui`, trybuild).
//!
//! The modules share the process: its current run, its recorder slot, its offline root and
//! its logger. A test that installs a recorder or counts run folders holds the gate of
//! `support` exclusively; the concurrency tests hold it shared, running with each other only.

mod support;

mod async_fn;
mod concurrency;
mod generics;
mod inputs;
mod methods;
mod metrics;
mod offline;
mod outputs;
mod panic;
mod params;
mod result;
mod skip_rename;
mod ui;

//! The process `lifecycle.rs` runs: one scenario of the lifecycle calls, under the
//! environment the test sets (offline or external), in the folder it chose as working
//! directory (a git work tree, for the code reference).
//!
//! Usage: `lifecycle-child <scenario> <root>`, where `<root>` holds `data/train.csv` and
//! `ckpt/model.bin`:
//! - `calls`: every lifecycle call once, the same as `tests/compat/lifecycle_calls.py`, then
//!   `log_stopped`; prints the run's uuid;
//! - `signal`: 2000 metric rows, then `<root>/ready` (the uuid), then waits for a signal;
//! - `poll`: the same, but polls `stop_requested()`, writes `<root>/checkpoint` and returns;
//! - `own-handler`: installs its own SIGINT handler first, then as `signal`; when its handler
//!   saw the signal it writes `<root>/handled` and exits 0.

use polytrack::{RefOptions, Status};
use serde_json::json;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Rows logged before the process says it is ready for the signal.
const ROWS: i64 = 2000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(scenario), Some(root)) = (args.next(), args.next()) else {
        return Err("usage: lifecycle-child <scenario> <root>".into());
    };
    let root = Path::new(&root);
    default_stop_signals();
    match scenario.as_str() {
        "calls" => calls(root),
        "signal" => wait_for_signal(root, None, false),
        "poll" => wait_for_signal(root, None, true),
        "own-handler" => {
            let seen = Arc::new(AtomicBool::new(false));
            #[cfg(unix)]
            signal_hook::flag::register(signal_hook::consts::SIGINT, seen.clone())?;
            wait_for_signal(root, Some(seen), false)
        }
        other => Err(format!("unknown scenario {other}").into()),
    }
}

/// Puts SIGINT and SIGTERM back to their default action, as a program started from a
/// terminal has them. A test run started in the background of a non-interactive shell (as
/// `bash .ci/run &`) inherits SIGINT ignored (POSIX: asynchronous commands without job control
/// ignore SIGINT and SIGQUIT), and polytrack rightly leaves an ignored signal alone, so the
/// SIGINT test's child would never stop. No shell can undo that for its children (`trap - INT`
/// cannot reset a signal ignored on entry), so the child does it itself.
fn default_stop_signals() {
    #[cfg(unix)]
    for sig in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: setting the default disposition at the start of `main`, before any other
        // thread exists or any handler is installed; no handler code runs.
        #[allow(unsafe_code)]
        let previous = unsafe { libc::signal(sig, libc::SIG_DFL) };
        if previous == libc::SIG_ERR {
            eprintln!("lifecycle-child: cannot reset signal {sig} to its default action");
        }
    }
}

fn calls(root: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let run = polytrack::init()?;
    polytrack::set_name("lifecycle")?;
    polytrack::set_description("every lifecycle call once")?;
    polytrack::set_readme("# Lifecycle\n\nA *markdown* readme.")?;
    polytrack::log_meta(&json!({"concurrency": 5}))?;
    polytrack::log_progress(0.25)?;
    polytrack::log_progress(0.5)?;
    polytrack::log_status(Status::Processing, Some("Loader"), Some("loading data"))?;
    polytrack::log_data_ref("mnist", None, RefOptions::new().content("hello"))?;
    polytrack::log_data_ref(
        "train",
        Some(&root.join("data/train.csv")),
        RefOptions::new(),
    )?;
    polytrack::log_model_ref(
        &root.join("ckpt/model.bin"),
        Some("burn"),
        RefOptions::new(),
    )?;
    polytrack::log_file_ref(
        &root.join("data/train.csv"),
        RefOptions::new().name("train-file"),
    )?;
    polytrack::log_dir_ref(&root.join("ckpt"), RefOptions::new())?;
    let tensorboard = polytrack::get_tensorboard_path()?;
    assert!(tensorboard.ends_with("outputs/tensorboard"));
    polytrack::log_code_ref(None)?;
    println!("{}", run.uuid().unwrap_or_default());
    let report = run.log_stopped(None, None)?;
    if !report.is_complete() {
        return Err(format!("not everything was delivered: {report}").into());
    }
    Ok(())
}

fn wait_for_signal(
    root: &Path,
    own: Option<Arc<AtomicBool>>,
    poll: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let run = polytrack::init()?;
    for step in 0..ROWS {
        run.log_metric_at("loss", 1.0 / (step + 1) as f64, step)?;
    }
    // No flush: the rows may still be queued when the signal comes.
    std::fs::write(root.join("ready"), run.uuid().unwrap_or_default())?;
    loop {
        if poll && polytrack::stop_requested() {
            std::fs::write(root.join("checkpoint"), "saved")?;
            return Ok(());
        }
        if let Some(seen) = &own {
            if seen.load(Ordering::Relaxed) {
                std::fs::write(root.join("handled"), "yes")?;
                return Ok(());
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

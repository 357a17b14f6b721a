//! burn's application logger, stacked with polytrack's `tracing` layer: the training's own
//! log lines in `experiment.log`, as burn writes them, and in the run's logs.

use burn_train::ApplicationLoggerInstaller;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tracing_core::Level;
use tracing_subscriber::filter::{filter_fn, LevelFilter};
use tracing_subscriber::prelude::*;

/// An application logger for burn's training (`SupervisedTraining::with_application_logger`)
/// that does what burn's default one does (`FileApplicationLoggerInstaller`: every event at
/// `INFO` and above, `log` records included, into a file, without wgpu's `INFO` chatter) and
/// records the same events into the current Polyaxon run's logs through
/// [`polytrack::logs::layer`], so the run's Logs tab shows the training's progress.
///
/// ```ignore
/// let result = SupervisedTraining::new(&dir, train_loader, valid_loader)
///     .with_application_logger(Some(Box::new(
///         polytrack_burn::ApplicationLogger::new(dir.join("experiment.log")),
///     )))
///     .with_polytrack(&run)
///     .launch(learner);
/// ```
///
/// A line goes to the run current on the thread that logged it (see
/// [`polytrack::logs`]); burn's threads that have no current run reach the process's run, the
/// one [`polytrack::init`] started. Like burn's, the logger is the process's global `tracing`
/// subscriber: installing it when one is already set fails, and burn then warns and trains on
/// (the subscriber already set decides where lines go).
#[derive(Debug, Clone)]
pub struct ApplicationLogger {
    file: Option<PathBuf>,
}

impl ApplicationLogger {
    /// Lines into `file` (appended to, its folder created; burn's default is
    /// `<training directory>/experiment.log`) and into the run's logs.
    pub fn new(file: impl AsRef<Path>) -> Self {
        ApplicationLogger {
            file: Some(file.as_ref().to_path_buf()),
        }
    }

    /// Lines into the run's logs only, no file.
    pub fn run_only() -> Self {
        ApplicationLogger { file: None }
    }

    fn open(path: &Path) -> Result<File, String> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))
    }
}

/// burn's own filter: wgpu logs too much at `INFO`.
fn not_wgpu_info(meta: &tracing_core::Metadata<'_>) -> bool {
    !(meta.module_path().is_some_and(|p| p.starts_with("wgpu")) && *meta.level() >= Level::INFO)
}

impl ApplicationLoggerInstaller for ApplicationLogger {
    fn install(&self) -> Result<(), String> {
        let file = match &self.file {
            Some(path) => Some(
                tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    .with_writer(Mutex::new(Self::open(path)?))
                    .with_filter(LevelFilter::INFO)
                    .with_filter(filter_fn(not_wgpu_info)),
            ),
            None => None,
        };
        tracing_subscriber::registry()
            .with(file)
            .with(polytrack::logs::layer().with_filter(filter_fn(not_wgpu_info)))
            .try_init()
            .map_err(|e| format!("the application logger was not installed: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The only test of this binary that installs the process's subscriber.
    #[test]
    fn lines_reach_burns_file_and_the_run() {
        let root = std::env::temp_dir().join(format!("polytrack-burn-app-{}", std::process::id()));
        let file = root.join("burn/experiment.log");
        assert_eq!(ApplicationLogger::new(&file).install(), Ok(()));
        assert!(
            ApplicationLogger::run_only().install().is_err(),
            "a second subscriber is refused, as burn's own is"
        );
        let run = polytrack::init_with(
            polytrack::Settings::new()
                .offline(true)
                .offline_root(&root)
                .env([("HOME", "/nonexistent"), ("POLYAXON_NO_CONFIG", "true")]),
        );
        let run = run.ok().unwrap_or_else(|| panic!("the run starts"));
        let dir = run.get_artifacts_path(None).unwrap_or_default();
        tracing::info!(target: "burn_train::learner", "Executing training step for epoch 1");
        tracing::debug!(target: "burn_train::learner", "nor this");
        assert!(run.end().is_ok());
        let logged = std::fs::read_to_string(&file).unwrap_or_default();
        assert!(
            logged.contains("Executing training step for epoch 1"),
            "{logged}"
        );
        assert!(
            !logged.contains("not this") && !logged.contains("nor this"),
            "{logged}"
        );
        let recorded = std::fs::read_to_string(dir.join("plxlogs/logs.jsonl")).unwrap_or_default();
        assert!(
            recorded.contains("INFO burn_train::learner: Executing training step for epoch 1"),
            "{recorded}"
        );
        assert!(!recorded.contains("nor this"), "{recorded}");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn a_file_that_cannot_be_opened_is_an_error_not_a_panic() {
        let dir = std::env::temp_dir().join(format!("polytrack-burn-dir-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        // A folder where the file should be.
        let err = ApplicationLogger::open(&dir).err();
        assert!(err.is_some_and(|e| e.contains("cannot open")));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

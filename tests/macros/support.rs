//! Shared by the behaviour tests of the attributes: the tests of the binary share the
//! process's current run and its recorder slot, so each takes the gate before it installs a
//! recorder.

use polytrack::testing::Recorder;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Holds the gate for one test and records the next run into memory.
pub struct Recorded {
    pub recorder: Recorder,
    _serial: RwLockWriteGuard<'static, ()>,
}

impl Drop for Recorded {
    /// A recorder the test installed and no run took would be taken by the next run of
    /// another test (an offline one, which would then write no folder): a no-op run takes it.
    fn drop(&mut self) {
        let _ = polytrack::init_with(polytrack::Settings::new().no_op(true));
    }
}

/// Takes the gate exclusively (a test that panicked while holding it does not poison the
/// others) and installs a recorder for the next run.
pub fn record() -> Recorded {
    let serial = exclusive();
    assert!(!polytrack::is_active(), "a previous test left a run active");
    Recorded {
        recorder: Recorder::install(),
        _serial: serial,
    }
}

/// A JSON map from `json!({..})`, for comparing with what was logged.
pub fn map(value: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    match value {
        serde_json::Value::Object(map) => map,
        other => panic!("not a map: {other}"),
    }
}

/// The statuses the run went through with their messages, in order.
pub fn statuses(recorder: &Recorder) -> Vec<(polytrack::Status, Option<String>)> {
    recorder
        .records()
        .into_iter()
        .filter_map(|record| match record {
            polytrack::testing::Record::Status {
                status, message, ..
            } => Some((status, message)),
            _ => None,
        })
        .collect()
}

/// The last status of the run and its message.
pub fn last_status(recorder: &Recorder) -> (polytrack::Status, Option<String>) {
    statuses(recorder)
        .pop()
        .unwrap_or_else(|| panic!("no status recorded: {:?}", recorder.records()))
}

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Captures every log record of this process from now on (idempotent), as `LEVEL message`.
pub fn capture_logs() {
    struct Capture;
    impl log::Log for Capture {
        fn enabled(&self, _: &log::Metadata<'_>) -> bool {
            true
        }
        fn log(&self, record: &log::Record<'_>) {
            let line = format!("{} {}", record.level(), record.args());
            LINES
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(line);
        }
        fn flush(&self) {}
    }
    static LOGGER: Capture = Capture;
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Another logger installed first would make the log assertions fail, visibly.
        let _ = log::set_logger(&LOGGER);
        log::set_max_level(log::LevelFilter::Trace);
    });
}

/// The captured log lines that contain `needle`.
pub fn logged(needle: &str) -> Vec<String> {
    LINES
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .filter(|line| line.contains(needle))
        .cloned()
        .collect()
}

/// Taken shared by the tests that run in parallel with each other on purpose (offline
/// trials that find their own folders), exclusively by the others: a recorder installed by
/// one test is taken by the next run that starts, whichever test starts it.
static GATE: RwLock<()> = RwLock::new(());

/// Excludes every other test of the binary while held (offline tests that count the run
/// folders they make).
pub fn exclusive() -> RwLockWriteGuard<'static, ()> {
    GATE.write().unwrap_or_else(PoisonError::into_inner)
}

/// Excludes the tests that take [`exclusive`] or [`record`], not each other.
pub fn shared() -> RwLockReadGuard<'static, ()> {
    GATE.read().unwrap_or_else(PoisonError::into_inner)
}

/// One offline root for the whole binary, set (with `POLYAXON_NO_CONFIG`) before any
/// offline run starts.
pub fn offline_root() -> PathBuf {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let root = polytrack_tests::scratch("macros-offline");
        std::env::set_var("POLYAXON_OFFLINE_ROOT", &root);
        std::env::set_var("POLYAXON_NO_CONFIG", "true");
        root
    })
    .clone()
}

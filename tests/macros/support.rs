//! Shared by the `macros_*` behaviour tests: the tests of one binary share the process's
//! current run, so each takes the lock before it installs a recorder.

// Each test binary uses its own part of this module.
#![allow(dead_code)]

use polytrack::testing::Recorder;
use std::sync::{Mutex, MutexGuard, PoisonError};

static SERIAL: Mutex<()> = Mutex::new(());

/// Holds the lock for one test and records the next run into memory.
pub struct Recorded {
    pub recorder: Recorder,
    _serial: MutexGuard<'static, ()>,
}

/// Takes the lock (a test that panicked while holding it does not poison the others) and
/// installs a recorder for the next run.
pub fn record() -> Recorded {
    let serial = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
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

//! The run's own fields and meta information: Python's `set_name`, `set_description`,
//! `set_readme`, `log_meta` and `log_progress`.
//!
//! Managed and external runs PATCH the run (`{"name": ...}` without a merge flag;
//! `{"meta_info": {...}, "merge": true}`); offline runs keep them in `run.plx.json`.

use crate::error::Error;
use crate::run::{current, inactive, Run};
use crate::sink::Update;
use serde::Serialize;
use serde_json::{Map, Value};
use std::time::{SystemTime, UNIX_EPOCH};

/// The progress last logged and Python's `_throttle_updates` state.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    /// The `meta_info.progress` this process last logged.
    value: f64,
    /// The wall-clock second of the last update the throttle let through, and how many it
    /// let through in all (the count never resets, as in Python).
    last: Option<(u64, u64)>,
}

impl Progress {
    /// Whether a progress of `value` is logged now, at wall-clock second `second`; remembers
    /// it when it is. Python's rule: skipped when unchanged, or when the increase is under
    /// 0.025, the value is under 1 and the throttle says so.
    pub(crate) fn admit(&mut self, value: f64, second: u64) -> bool {
        if self.value == value {
            return false;
        }
        if value - self.value < 0.025 && value < 1.0 && self.throttled(second) {
            return false;
        }
        self.value = value;
        true
    }

    /// Python's `_throttle_updates`: throttled when the last admitted update was in the same
    /// second and more than 2 were admitted before; otherwise counts this one.
    fn throttled(&mut self, second: u64) -> bool {
        let (last_second, updates) = self.last.unwrap_or((second, 0));
        if second == last_second && updates > 2 {
            return true;
        }
        self.last = Some((second, updates + 1));
        false
    }
}

fn fields(key: &str, value: &str) -> Update {
    let mut values = Map::new();
    values.insert(key.to_owned(), Value::String(value.to_owned()));
    Update::Fields { values }
}

impl Run {
    /// Renames the run (Python's `set_name(name)`).
    pub fn set_name(&self, name: &str) -> Result<(), Error> {
        self.send_update(fields("name", name))
    }

    /// Sets the run's description (Python's `set_description(description)`).
    pub fn set_description(&self, description: &str) -> Result<(), Error> {
        self.send_update(fields("description", description))
    }

    /// Sets the run's readme, in markdown, shown on the run's page (Python's
    /// `set_readme(readme)`).
    pub fn set_readme(&self, readme: &str) -> Result<(), Error> {
        self.send_update(fields("readme", readme))
    }

    /// Logs the run's progress, a fraction in `[0, 1]`, as `meta_info.progress` (Python's
    /// `log_progress(value)`). Skipped when unchanged, and, as Python throttles it, when it
    /// grew by less than 0.025 and more than two updates were sent in the same second.
    /// Anything outside `[0, 1]` (or NaN) is an [`Error::Config`].
    pub fn log_progress(&self, fraction: f64) -> Result<(), Error> {
        if !(0.0..=1.0).contains(&fraction) {
            return Err(Error::config(
                "log_progress",
                &fraction.to_string(),
                "a fraction between 0 and 1",
            ));
        }
        let Some(state) = self.state() else {
            return Ok(());
        };
        let second = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        if !state.with_progress(|p| p.admit(fraction, second)) {
            return Ok(());
        }
        let mut values = Map::new();
        values.insert("progress".to_owned(), crate::worker::json_number(fraction));
        self.send_update(Update::Meta { values })
    }
}

/// Renames the current run; see [`Run::set_name`].
pub fn set_name(name: &str) -> Result<(), Error> {
    match current() {
        Some(run) => run.set_name(name),
        None => inactive(),
    }
}

/// Sets the current run's description; see [`Run::set_description`].
pub fn set_description(description: &str) -> Result<(), Error> {
    match current() {
        Some(run) => run.set_description(description),
        None => inactive(),
    }
}

/// Sets the current run's readme (markdown); see [`Run::set_readme`].
pub fn set_readme(readme: &str) -> Result<(), Error> {
    match current() {
        Some(run) => run.set_readme(readme),
        None => inactive(),
    }
}

/// Merges entries into the current run's `meta_info` (Python's `log_meta(**meta)`); see
/// [`Run::log_meta`].
pub fn log_meta<T: Serialize + ?Sized>(values: &T) -> Result<(), Error> {
    match current() {
        Some(run) => run.log_meta(values),
        None => inactive(),
    }
}

/// Logs the current run's progress; see [`Run::log_progress`].
pub fn log_progress(fraction: f64) -> Result<(), Error> {
    match current() {
        Some(run) => run.log_progress(fraction),
        None => inactive(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Record, Recorder};
    use crate::Settings;
    use serde_json::json;

    #[test]
    fn progress_throttles_like_python() {
        let mut p = Progress::default();
        assert!(!p.admit(0.0, 10), "unchanged from the initial 0");
        // Small steps: three pass in a second, then the throttle holds them.
        assert!(p.admit(0.01, 10));
        assert!(p.admit(0.02, 10));
        assert!(p.admit(0.03, 10));
        assert!(!p.admit(0.04, 10));
        assert!(!p.admit(0.03, 10), "unchanged");
        // A large step is never throttled, nor is 1.
        assert!(p.admit(0.5, 10));
        assert!(p.admit(1.0, 10));
        // The next second lets one small step through (the count never resets).
        let mut p = Progress::default();
        for v in [0.01, 0.02, 0.03] {
            assert!(p.admit(v, 10));
        }
        assert!(p.admit(0.035, 11));
        assert!(!p.admit(0.04, 11));
        assert!(p.admit(0.045, 12));
    }

    #[test]
    fn metadata_reaches_the_sinks() {
        let recorder = Recorder::new();
        let run = crate::init_with(Settings::new().recorder(recorder.clone())).unwrap();
        run.set_name("trial-7").unwrap();
        run.set_description("lr sweep").unwrap();
        run.set_readme("# Trial 7\n\n*markdown*").unwrap();
        run.log_meta(&json!({"concurrency": 5})).unwrap();
        run.log_progress(0.5).unwrap();
        run.log_progress(0.5).unwrap();
        assert!(matches!(run.log_progress(1.5), Err(Error::Config { .. })));
        assert!(matches!(
            run.log_progress(f64::NAN),
            Err(Error::Config { .. })
        ));
        run.end().unwrap();
        let records = recorder.records();
        let fields: Vec<Map<String, Value>> = records
            .iter()
            .filter_map(|r| match r {
                Record::Fields(f) => Some(f.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(
            Value::Array(fields.into_iter().map(Value::Object).collect()),
            json!([{"name": "trial-7"}, {"description": "lr sweep"},
                   {"readme": "# Trial 7\n\n*markdown*"}])
        );
        let metas: Vec<Value> = records
            .iter()
            .filter_map(|r| match r {
                Record::Meta(m) => Some(Value::Object(m.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(metas, [json!({"concurrency": 5}), json!({"progress": 0.5})]);
    }
}

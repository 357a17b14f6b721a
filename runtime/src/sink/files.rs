//! The run's files of rows, each in Polyaxon's format (see [`super::rows`]):
//! `events/metric/<name>.plx`, `events/<kind>/<name>.plx` for rich events,
//! `resources/metric/<name>.plx` for resource samples and `plxlogs/logs.jsonl` for log lines.
//! They are buffered and written by [`RowFiles`]: whole rows only, and a bounded number of
//! open descriptors.

use super::row_files::{open_files_budget, RowFiles};
use super::rows::{event_header, pipe_header, write_event_row, write_log_row, write_metric_row};
use super::{Ending, MetricRow, Sink};
use crate::error::Error;
use crate::event::{EventKind, LogLine, LogOrigin, RichEvent};
use crate::record::{Artifact, RunRecord};
use crate::resources::Sample;
use crate::timestamp::TimeFormatCache;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// No file: the index of a metric id without a file yet.
const NONE: u32 = u32::MAX;

/// Writes the rows of a run's metrics, rich events and log lines into its folder.
pub(crate) struct EventFiles {
    run_dir: PathBuf,
    rows: RowFiles,
    /// The file of each metric id.
    metric_files: Vec<u32>,
    /// The file of each rich event's kind and name.
    event_files: HashMap<(EventKind, Box<str>), u32>,
    /// The file of each resource metric.
    resource_files: HashMap<Box<str>, u32>,
    log_file: Option<u32>,
    origin: Option<LogOrigin>,
    time_cache: TimeFormatCache,
}

impl EventFiles {
    pub(crate) fn new(run_dir: &Path) -> Self {
        Self::with_open_limit(run_dir, open_files_budget())
    }

    pub(crate) fn with_open_limit(run_dir: &Path, max_open: usize) -> Self {
        EventFiles {
            run_dir: run_dir.to_owned(),
            rows: RowFiles::new(max_open),
            metric_files: Vec::new(),
            event_files: HashMap::new(),
            resource_files: HashMap::new(),
            log_file: None,
            origin: None,
            time_cache: TimeFormatCache::default(),
        }
    }

    /// The file of metric `id`, named `names[id]`.
    fn metric_file(&mut self, id: u32, names: &[Arc<str>]) -> u32 {
        let slot = id as usize;
        if slot >= self.metric_files.len() {
            self.metric_files.resize(slot + 1, NONE);
        }
        if self.metric_files[slot] == NONE {
            let name = names.get(slot).map_or("", |n| &**n);
            let path = self
                .run_dir
                .join("events")
                .join("metric")
                .join(format!("{name}.plx"));
            self.metric_files[slot] = self.rows.add(path, pipe_header("metric"));
        }
        self.metric_files[slot]
    }

    fn event_file(&mut self, kind: EventKind, name: &str) -> u32 {
        if let Some(idx) = self.event_files.get(&(kind, Box::from(name))) {
            return *idx;
        }
        let path = self
            .run_dir
            .join("events")
            .join(kind.dir())
            .join(format!("{name}.plx"));
        let idx = self.rows.add(path, event_header(kind));
        self.event_files.insert((kind, Box::from(name)), idx);
        idx
    }

    fn resource_file(&mut self, name: &str) -> u32 {
        if let Some(idx) = self.resource_files.get(name) {
            return *idx;
        }
        let path = self
            .run_dir
            .join("resources")
            .join("metric")
            .join(format!("{name}.plx"));
        let idx = self.rows.add(path, pipe_header("metric"));
        self.resource_files.insert(Box::from(name), idx);
        idx
    }

    /// Files opened over the run.
    #[cfg(test)]
    pub(crate) fn files_opened(&self) -> u64 {
        self.rows.stats().opened
    }

    /// Files open now.
    #[cfg(test)]
    pub(crate) fn files_open(&self) -> usize {
        self.rows.stats().open
    }
}

impl Sink for EventFiles {
    fn name(&self) -> &'static str {
        "event files"
    }

    fn metrics(&mut self, batch: &[MetricRow], names: &[Arc<str>]) -> Result<(), Error> {
        let mut result = Ok(());
        for event in batch {
            let idx = self.metric_file(event.id, names);
            let cache = &mut self.time_cache;
            let appended = self.rows.append(idx, |buf| {
                write_metric_row(buf, cache, event.step, event.timestamp, event.value)
            });
            if let Err(e) = appended {
                result = Err(e);
            }
        }
        result
    }

    fn event(&mut self, event: &RichEvent<'_>) -> Result<(), Error> {
        let mut row = Vec::new();
        write_event_row(
            &mut row,
            &mut self.time_cache,
            event.kind,
            event.step,
            event.timestamp,
            event.value,
        )?;
        let idx = self.event_file(event.kind, event.name);
        self.rows.append(idx, |buf| buf.extend_from_slice(&row))
    }

    fn resources(&mut self, sample: &Sample) -> Result<(), Error> {
        let mut result = Ok(());
        for (name, value) in &sample.values {
            let idx = self.resource_file(name);
            let cache = &mut self.time_cache;
            if let Err(e) = self.rows.append(idx, |buf| {
                write_metric_row(buf, cache, None, sample.timestamp, *value)
            }) {
                result = Err(e);
            }
        }
        result
    }

    fn logs(&mut self, lines: &[LogLine]) -> Result<(), Error> {
        let idx = match self.log_file {
            Some(idx) => idx,
            None => {
                let path = self.run_dir.join("plxlogs").join("logs.jsonl");
                let idx = self.rows.add(path, Vec::new());
                self.log_file = Some(idx);
                idx
            }
        };
        let origin = self.origin.get_or_insert_with(LogOrigin::from_env);
        self.rows.append(idx, |buf| {
            for line in lines {
                write_log_row(buf, origin, line);
            }
        })
    }

    fn flush(&mut self, _record: &RunRecord, _lineage: &[Artifact]) -> Result<(), Error> {
        self.rows.write_all()
    }

    fn end(&mut self, _ending: &Ending<'_>) -> Result<Vec<String>, Error> {
        let mut left = Vec::new();
        let written = self.rows.write_all();
        let stats = self.rows.stats();
        if let Err(e) = written {
            left.push(format!(
                "{} bytes of event rows not written: {e}",
                stats.pending_bytes
            ));
        }
        if stats.dropped_rows > 0 {
            left.push(format!(
                "{} event rows dropped after repeated write failures",
                stats.dropped_rows
            ));
        }
        if stats.cut_back > 0 {
            log::warn!(
                target: "polytrack",
                "{} failed writes were cut back to the last whole row (and retried)",
                stats.cut_back
            );
        }
        // Close every file: the summaries read them next.
        self.rows.close_all();
        Ok(left)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timestamp::Timestamp;

    fn scratch() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("polytrack-files-{}", crate::new_uuid()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn metric(id: u32, step: i64) -> MetricRow {
        MetricRow {
            id,
            value: step as f64,
            step: Some(step),
            timestamp: Timestamp::from_micros(1_795_664_254_111_507 + step),
        }
    }

    #[test]
    fn open_files_stay_within_budget_and_every_row_lands() {
        let dir = scratch();
        let mut files = EventFiles::with_open_limit(&dir, 8);
        let names: Vec<Arc<str>> = (0..50).map(|i| Arc::from(format!("m{i}"))).collect();
        let record = RunRecord::default();
        for step in 0..4 {
            let batch: Vec<MetricRow> = (0..names.len()).map(|i| metric(i as u32, step)).collect();
            files.metrics(&batch, &names).unwrap();
            files.flush(&record, &[]).unwrap();
            assert!(files.files_open() <= 8, "{} open", files.files_open());
        }
        assert_eq!(
            files.files_opened(),
            4 * 50,
            "each flush reopens the evicted files"
        );
        for name in &names {
            let text =
                std::fs::read_to_string(dir.join(format!("events/metric/{name}.plx"))).unwrap();
            let values: Vec<&str> = text
                .split('\n')
                .skip(1)
                .map(|row| row.rsplit('|').next().unwrap())
                .collect();
            assert_eq!(values, ["0.0", "1.0", "2.0", "3.0"], "{name}");
            assert!(text.starts_with("step|timestamp|metric\n0|2026-11-26 03:37:34.111507+00:00|"));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_file_kept_open_is_opened_once() {
        let dir = scratch();
        let mut files = EventFiles::new(&dir);
        let record = RunRecord::default();
        for step in 0..10 {
            files
                .metrics(&[metric(0, step)], &[Arc::from("loss")])
                .unwrap();
            files.flush(&record, &[]).unwrap();
        }
        assert_eq!(files.files_opened(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

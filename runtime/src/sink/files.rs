//! The run's files of rows: `events/<kind>/<name>.plx` (metrics and rich events) and
//! `plxlogs/logs.jsonl`, each in Polyaxon's format (see [`super::rows`]).
//!
//! Rows are buffered per file and appended to the OS in large writes. Two promises hold
//! whatever the run logs:
//!
//! - **Bounded descriptors.** At most [`MAX_OPEN_FILES`] files are open at any time (a least
//!   recently used set; the others are reopened when they next have rows), so thousands of
//!   names never take the descriptors the training needs.
//! - **Whole rows.** A write that fails part-way (a full disk) is cut back to the file's last
//!   whole row; its rows stay buffered and are retried at the next flush. Rows are dropped only
//!   when failures last so long that the buffers would exceed [`MAX_BUFFER`]: then they are
//!   counted, logged and reported at the end.

use super::rows::{event_header, pipe_header, write_event_row, write_log_row, write_metric_row};
use super::{Ending, MetricEvent, Sink};
use crate::error::Error;
use crate::event::{EventKind, LogLine, LogOrigin, RichEvent};
use crate::record::{Artifact, RunRecord};
use crate::timestamp::TimeFormatCache;
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Rows are written to the OS once a file's buffer holds this many bytes, once the buffers of
/// all files together hold `TOTAL_THRESHOLD`, or at each flush. The writer's memory for rows
/// is so bounded whatever the number of files: `TOTAL_THRESHOLD`, plus `KEEP_CAPACITY` per
/// file of capacity kept between writes.
const WRITE_THRESHOLD: usize = 64 * 1024;
const TOTAL_THRESHOLD: usize = 4 * 1024 * 1024;
const KEEP_CAPACITY: usize = 4 * 1024;
/// While writes fail, rows are kept (and writing retried at each flush) up to this many bytes
/// in all; beyond it they are dropped, counted and reported.
pub(crate) const MAX_BUFFER: usize = 16 * 1024 * 1024;
/// The most files open at once.
pub(crate) const MAX_OPEN_FILES: usize = 64;

/// No file: the index of a metric id without a file yet.
const NONE: u32 = u32::MAX;

struct RowFile {
    path: PathBuf,
    /// Written first into a new (empty) file.
    header: Vec<u8>,
    file: Option<File>,
    /// The file's length up to its last whole row, where a failed write cuts it back to.
    len: u64,
    /// Whole rows not yet written.
    buf: Vec<u8>,
    /// When it was last written (a tick of [`RowFiles::tick`]), for the least-recently-used set.
    last_used: u64,
}

/// Every file of rows of a run, with its buffers and its open handles.
struct RowFiles {
    files: Vec<RowFile>,
    /// Indexes of the files open now (at most [`MAX_OPEN_FILES`]).
    open: Vec<u32>,
    tick: u64,
    /// Bytes of rows in all buffers.
    buffered: usize,
    /// Whether the last write failed: rows are then only buffered until the next flush.
    failing: bool,
    dropped_rows: u64,
    /// Files opened over the run (for the descriptor budget's tests and benchmarks).
    opened: u64,
    max_open: usize,
}

impl RowFiles {
    fn new(max_open: usize) -> Self {
        RowFiles {
            files: Vec::new(),
            open: Vec::new(),
            tick: 0,
            buffered: 0,
            failing: false,
            dropped_rows: 0,
            opened: 0,
            max_open: max_open.max(1),
        }
    }

    fn add(&mut self, path: PathBuf, header: Vec<u8>) -> u32 {
        self.files.push(RowFile {
            path,
            header,
            file: None,
            len: 0,
            buf: Vec::new(),
            last_used: 0,
        });
        (self.files.len() - 1) as u32
    }

    /// Appends rows to file `idx` with `write` (which appends whole rows to the buffer), and
    /// writes the buffers out when they are big enough.
    fn append(&mut self, idx: u32, write: impl FnOnce(&mut Vec<u8>)) -> Result<(), Error> {
        let file = &mut self.files[idx as usize];
        let before = file.buf.len();
        write(&mut file.buf);
        let len = file.buf.len();
        self.buffered += len - before;
        if self.failing {
            // Retried at the next flush, not at every row.
            return self.bound_memory();
        }
        if len >= WRITE_THRESHOLD {
            self.write_file(idx)?;
        }
        if self.buffered >= TOTAL_THRESHOLD {
            self.write_all()?;
        }
        Ok(())
    }

    /// Writes out every buffer; after a failure, drops the rows kept beyond `MAX_BUFFER`.
    fn write_all(&mut self) -> Result<(), Error> {
        let mut first_error = None;
        for idx in 0..self.files.len() as u32 {
            if let Err(e) = self.write_file(idx) {
                first_error.get_or_insert(e);
            }
        }
        self.failing = first_error.is_some();
        self.bound_memory()?;
        first_error.map_or(Ok(()), Err)
    }

    /// While writes fail, keeps the buffers under `MAX_BUFFER` by dropping (and counting) rows.
    fn bound_memory(&mut self) -> Result<(), Error> {
        if self.failing && self.buffered > MAX_BUFFER {
            let mut dropped = 0;
            for file in &mut self.files {
                dropped += file.buf.iter().filter(|b| **b == b'\n').count() as u64;
                file.buf = Vec::new();
            }
            self.buffered = 0;
            self.dropped_rows += dropped;
            log::error!(
                target: "polytrack",
                "writing event files keeps failing: dropped {dropped} buffered rows \
                 ({} in all)",
                self.dropped_rows
            );
        }
        Ok(())
    }

    /// Appends file `idx`'s buffer to it, opening it (within the open-file budget) if needed.
    /// Rows are written whole or not at all: a write that fails part-way is cut back.
    fn write_file(&mut self, idx: u32) -> Result<(), Error> {
        if self.files[idx as usize].buf.is_empty() {
            return Ok(());
        }
        if self.files[idx as usize].file.is_none() {
            self.open_file(idx)?;
        }
        self.tick += 1;
        let file = &mut self.files[idx as usize];
        file.last_used = self.tick;
        let Some(handle) = file.file.as_mut() else {
            return Ok(());
        };
        let (written, result) = write_fully(handle, &file.buf);
        match result {
            Ok(()) => {
                file.len += written as u64;
                self.buffered -= file.buf.len();
                file.buf.clear();
                file.buf.shrink_to(KEEP_CAPACITY);
                Ok(())
            }
            Err(e) => {
                if written > 0 {
                    if let Err(cut) = handle.set_len(file.len) {
                        // The file keeps a part of a row; the rest follows at the next write,
                        // which completes it.
                        log::error!(
                            target: "polytrack",
                            "cannot cut {} back to its last whole row: {cut}",
                            file.path.display()
                        );
                        file.len += written as u64;
                        file.buf.drain(..written);
                        self.buffered -= written;
                    }
                }
                Err(Error::io(
                    format!("cannot append to {}", file.path.display()),
                    e,
                ))
            }
        }
    }

    /// Opens file `idx`, closing the least recently used one when the budget is spent.
    fn open_file(&mut self, idx: u32) -> Result<(), Error> {
        while self.open.len() >= self.max_open {
            self.close_least_recent();
        }
        let file = &mut self.files[idx as usize];
        let handle = match open_row_file(&file.path, &file.header) {
            Ok(handle) => handle,
            Err(Error::Io { source, .. }) if is_out_of_descriptors(&source) => {
                // The process is at its limit (the training holds the rest): give ours back
                // and try once more, so tracking never starves the training.
                for i in std::mem::take(&mut self.open) {
                    self.files[i as usize].file = None;
                }
                let file = &mut self.files[idx as usize];
                open_row_file(&file.path, &file.header)?
            }
            Err(e) => return Err(e),
        };
        let file = &mut self.files[idx as usize];
        file.len = handle
            .metadata()
            .map_err(|e| Error::io(format!("cannot stat {}", file.path.display()), e))?
            .len();
        file.file = Some(handle);
        self.open.push(idx);
        self.opened += 1;
        Ok(())
    }

    fn close_least_recent(&mut self) {
        let Some((pos, _)) = self
            .open
            .iter()
            .enumerate()
            .min_by_key(|(_, i)| self.files[**i as usize].last_used)
        else {
            return;
        };
        let idx = self.open.swap_remove(pos);
        self.files[idx as usize].file = None;
    }

    fn pending_bytes(&self) -> usize {
        self.buffered
    }
}

/// Writes all of `buf`; returns how many bytes were written, also on failure.
fn write_fully(file: &mut File, buf: &[u8]) -> (usize, std::io::Result<()>) {
    let mut written = 0;
    while written < buf.len() {
        match file.write(&buf[written..]) {
            Ok(0) => {
                return (
                    written,
                    Err(std::io::Error::from(std::io::ErrorKind::WriteZero)),
                )
            }
            Ok(n) => written += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return (written, Err(e)),
        }
    }
    (written, Ok(()))
}

/// EMFILE or ENFILE.
fn is_out_of_descriptors(e: &std::io::Error) -> bool {
    matches!(e.raw_os_error(), Some(23 | 24))
}

/// Opens a file of rows for appending, writing `header` first when it is new or empty.
pub(crate) fn open_row_file(path: &Path, header: &[u8]) -> Result<File, Error> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    }
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| Error::io(format!("cannot open {}", path.display()), e))?;
    let len = file
        .metadata()
        .map_err(|e| Error::io(format!("cannot stat {}", path.display()), e))?
        .len();
    if len == 0 && !header.is_empty() {
        if let Err(e) = file.write_all(header) {
            let _ = file.set_len(0);
            return Err(Error::io(format!("cannot write {}", path.display()), e));
        }
    }
    Ok(file)
}

/// Writes the rows of a run's metrics, rich events and log lines into its folder.
pub(crate) struct EventFiles {
    run_dir: PathBuf,
    rows: RowFiles,
    /// The file of each metric id.
    metric_files: Vec<u32>,
    /// The file of each rich event's kind and name.
    event_files: HashMap<(EventKind, Box<str>), u32>,
    log_file: Option<u32>,
    origin: Option<LogOrigin>,
    time_cache: TimeFormatCache,
}

impl EventFiles {
    pub(crate) fn new(run_dir: &Path) -> Self {
        Self::with_open_limit(run_dir, MAX_OPEN_FILES)
    }

    pub(crate) fn with_open_limit(run_dir: &Path, max_open: usize) -> Self {
        EventFiles {
            run_dir: run_dir.to_owned(),
            rows: RowFiles::new(max_open),
            metric_files: Vec::new(),
            event_files: HashMap::new(),
            log_file: None,
            origin: None,
            time_cache: TimeFormatCache::default(),
        }
    }

    fn metric_file(&mut self, id: u32, name: &str) -> u32 {
        let slot = id as usize;
        if slot >= self.metric_files.len() {
            self.metric_files.resize(slot + 1, NONE);
        }
        if self.metric_files[slot] == NONE {
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

    /// Files opened over the run.
    #[cfg(test)]
    pub(crate) fn files_opened(&self) -> u64 {
        self.rows.opened
    }

    /// Files open now.
    #[cfg(test)]
    pub(crate) fn files_open(&self) -> usize {
        self.rows.open.len()
    }
}

impl Sink for EventFiles {
    fn name(&self) -> &'static str {
        "event files"
    }

    fn metrics(&mut self, batch: &[MetricEvent<'_>]) -> Result<(), Error> {
        let mut result = Ok(());
        for event in batch {
            let idx = self.metric_file(event.id, event.name);
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
        if let Err(e) = self.rows.write_all() {
            left.push(format!(
                "{} bytes of event rows not written: {e}",
                self.rows.pending_bytes()
            ));
        }
        if self.rows.dropped_rows > 0 {
            left.push(format!(
                "{} event rows dropped after repeated write failures",
                self.rows.dropped_rows
            ));
        }
        // Close every file: the summaries read them next.
        for idx in std::mem::take(&mut self.rows.open) {
            self.rows.files[idx as usize].file = None;
        }
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

    fn metric<'a>(id: u32, name: &'a str, step: i64) -> MetricEvent<'a> {
        MetricEvent {
            id,
            name,
            value: step as f64,
            step: Some(step),
            timestamp: Timestamp::from_micros(1_795_664_254_111_507 + step),
        }
    }

    #[test]
    fn open_files_stay_within_budget_and_every_row_lands() {
        let dir = scratch();
        let mut files = EventFiles::with_open_limit(&dir, 8);
        let names: Vec<String> = (0..50).map(|i| format!("m{i}")).collect();
        let record = RunRecord::default();
        for step in 0..4 {
            let batch: Vec<MetricEvent<'_>> = names
                .iter()
                .enumerate()
                .map(|(i, n)| metric(i as u32, n, step))
                .collect();
            files.metrics(&batch).unwrap();
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
            files.metrics(&[metric(0, "loss", step)]).unwrap();
            files.flush(&record, &[]).unwrap();
        }
        assert_eq!(files.files_opened(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

//! Event files: `events/metric/<name>.plx` in Polyaxon's pipe format.
//!
//! A file starts with the header `step|timestamp|metric` (no trailing newline); each row is
//! appended as `\n<step>|<timestamp>|<value>`, with the timestamp as Python's `str(datetime)`
//! and the value as Python's `repr(float)`, so Polyaxon's readers parse it as their own.

use super::{MetricEvent, Sink};
use crate::error::Error;
use crate::pyrepr::{write_i64, write_py_float};
use crate::record::{Artifact, RunRecord};
use crate::timestamp::TimeFormatCache;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Rows are written to the OS once a file's buffer holds this many bytes, once the buffers of
/// all files together hold `TOTAL_THRESHOLD`, or at each flush. The writer's memory for rows
/// is so bounded whatever the number of metrics: `TOTAL_THRESHOLD`, plus `KEEP_CAPACITY` per
/// file of capacity kept between writes.
const WRITE_THRESHOLD: usize = 64 * 1024;
const TOTAL_THRESHOLD: usize = 4 * 1024 * 1024;
const KEEP_CAPACITY: usize = 4 * 1024;
/// While writes fail, rows are kept (and writing retried at each flush) up to this many bytes
/// in all; beyond it they are dropped, counted and reported.
const MAX_BUFFER: usize = 16 * 1024 * 1024;
/// Files kept open between flushes. A run logging more metrics than this closes its handles
/// at each flush (every 100 ms) instead, so thousands of metric names never exhaust the
/// process's file descriptors, which the training needs too.
const MAX_OPEN_FILES: usize = 64;

struct EventFile {
    path: PathBuf,
    file: Option<File>,
    buf: Vec<u8>,
}

impl EventFile {
    /// Appends the buffered rows to the file; returns how many bytes left the buffer, also
    /// when a write failed part-way (those bytes are in the file and must not be written
    /// twice).
    fn write_out(&mut self) -> (usize, Result<(), Error>) {
        if self.buf.is_empty() {
            return (0, Ok(()));
        }
        let file = match &mut self.file {
            Some(f) => f,
            None => match open_event_file(&self.path, b"step|timestamp|metric") {
                Ok(f) => self.file.insert(f),
                Err(e) => return (0, Err(e)),
            },
        };
        let mut written = 0;
        let mut result = Ok(());
        while written < self.buf.len() {
            match file.write(&self.buf[written..]) {
                Ok(0) => {
                    result = Err(std::io::Error::from(std::io::ErrorKind::WriteZero));
                    break;
                }
                Ok(n) => written += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        self.buf.drain(..written);
        if self.buf.is_empty() {
            self.buf.shrink_to(KEEP_CAPACITY);
        }
        let result =
            result.map_err(|e| Error::io(format!("cannot append to {}", self.path.display()), e));
        (written, result)
    }
}

/// Writes out every file's rows, keeping `buffered` (the bytes of all buffers) up to date.
fn write_all(files: &mut [Option<EventFile>], buffered: &mut usize) -> Result<(), Error> {
    let mut first_error = None;
    for file in files.iter_mut().flatten() {
        let (written, result) = file.write_out();
        *buffered -= written;
        if let Err(e) = result {
            first_error.get_or_insert(e);
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// Opens an event file for appending, writing `header` first when it is new or empty.
pub(crate) fn open_event_file(path: &Path, header: &[u8]) -> Result<File, Error> {
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
    if len == 0 {
        file.write_all(header)
            .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
    }
    Ok(file)
}

/// Writes metric events into `<run dir>/events/metric/`.
pub(crate) struct EventFiles {
    dir: PathBuf,
    files: Vec<Option<EventFile>>,
    time_cache: TimeFormatCache,
    dropped_rows: u64,
    /// Bytes of rows in all buffers.
    buffered: usize,
    /// Whether the last write failed: rows are then only buffered until the next flush.
    failing: bool,
}

impl EventFiles {
    pub(crate) fn new(run_dir: &Path) -> Self {
        EventFiles {
            dir: run_dir.join("events").join("metric"),
            files: Vec::new(),
            time_cache: TimeFormatCache::default(),
            dropped_rows: 0,
            buffered: 0,
            failing: false,
        }
    }

    /// Writes out every file; after a failure, drops the rows kept beyond `MAX_BUFFER`.
    fn write_all(&mut self) -> Result<(), Error> {
        let result = write_all(&mut self.files, &mut self.buffered);
        self.failing = result.is_err();
        if self.failing && self.buffered > MAX_BUFFER {
            for file in self.files.iter_mut().flatten() {
                self.dropped_rows += file.buf.iter().filter(|b| **b == b'\n').count() as u64;
                file.buf = Vec::new();
            }
            self.buffered = 0;
        }
        result
    }
}

impl Sink for EventFiles {
    fn name(&self) -> &'static str {
        "event files"
    }

    fn metrics(&mut self, batch: &[MetricEvent<'_>]) -> Result<(), Error> {
        let mut result = Ok(());
        let EventFiles {
            dir,
            files,
            time_cache,
            buffered,
            failing,
            ..
        } = self;
        for event in batch {
            let idx = event.id as usize;
            if idx >= files.len() {
                files.resize_with(idx + 1, || None);
            }
            let file = files[idx].get_or_insert_with(|| EventFile {
                path: dir.join(format!("{}.plx", event.name)),
                file: None,
                buf: Vec::with_capacity(4096),
            });
            let buf = &mut file.buf;
            let before = buf.len();
            buf.push(b'\n');
            if let Some(step) = event.step {
                write_i64(buf, step);
            }
            buf.push(b'|');
            time_cache.write_event_str(event.timestamp, buf);
            buf.push(b'|');
            write_py_float(buf, event.value);
            *buffered += buf.len() - before;
            if *failing {
                // Retried at the next flush, not at every row.
                continue;
            }
            if buf.len() >= WRITE_THRESHOLD {
                let (written, written_result) = file.write_out();
                *buffered -= written;
                if let Err(e) = written_result {
                    *failing = true;
                    result = Err(e);
                }
            }
            if *buffered >= TOTAL_THRESHOLD {
                if let Err(e) = write_all(files, buffered) {
                    *failing = true;
                    result = Err(e);
                }
            }
        }
        if self.failing && self.buffered > MAX_BUFFER {
            // Keep memory bounded while the disk fails: this drops (and counts) the rows.
            let _ = self.write_all();
        }
        result
    }

    fn flush(&mut self, _record: &RunRecord, _lineage: &[Artifact]) -> Result<(), Error> {
        let result = self.write_all();
        let open = self
            .files
            .iter()
            .flatten()
            .filter(|f| f.file.is_some())
            .count();
        if open > MAX_OPEN_FILES {
            for file in self.files.iter_mut().flatten() {
                file.file = None;
            }
        }
        result
    }

    fn end(&mut self, _ending: &super::Ending<'_>) -> Result<Vec<String>, Error> {
        let mut left = Vec::new();
        if let Err(e) = self.write_all() {
            let pending: usize = self.files.iter().flatten().map(|f| f.buf.len()).sum();
            left.push(format!("{pending} bytes of metric rows not written: {e}"));
        }
        if self.dropped_rows > 0 {
            left.push(format!(
                "{} metric rows dropped after repeated write failures",
                self.dropped_rows
            ));
        }
        Ok(left)
    }
}

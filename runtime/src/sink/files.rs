//! Event files: `events/metric/<name>.plx` in Polyaxon's pipe format.
//!
//! A file starts with the header `step|timestamp|metric` (no trailing newline); each row is
//! appended as `\n<step>|<timestamp>|<value>`, with the timestamp as Python's `str(datetime)`
//! and the value as Python's `repr(float)`, so Polyaxon's readers parse it as their own.

use super::{MetricEvent, Sink};
use crate::error::Error;
use crate::pyfmt::write_py_float;
use crate::pytime::TimeFormatCache;
use crate::record::{Artifact, RunRecord};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Rows are written to the OS once a file's buffer holds this many bytes, or at each flush.
const WRITE_THRESHOLD: usize = 64 * 1024;
/// A file whose writes keep failing buffers at most this much before rows are dropped (and
/// counted, and reported).
const MAX_BUFFER: usize = 16 * 1024 * 1024;

struct EventFile {
    path: PathBuf,
    file: Option<File>,
    buf: Vec<u8>,
}

impl EventFile {
    fn write_out(&mut self) -> Result<(), Error> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let file = match &mut self.file {
            Some(f) => f,
            None => self
                .file
                .insert(open_event_file(&self.path, b"step|timestamp|metric")?),
        };
        file.write_all(&self.buf)
            .map_err(|e| Error::io(format!("cannot append to {}", self.path.display()), e))?;
        self.buf.clear();
        Ok(())
    }
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
}

impl EventFiles {
    pub(crate) fn new(run_dir: &Path) -> Self {
        EventFiles {
            dir: run_dir.join("events").join("metric"),
            files: Vec::new(),
            time_cache: TimeFormatCache::default(),
            dropped_rows: 0,
        }
    }

    fn write_all(&mut self) -> Result<(), Error> {
        let mut first_error = None;
        for file in self.files.iter_mut().flatten() {
            if let Err(e) = file.write_out() {
                if file.buf.len() > MAX_BUFFER {
                    self.dropped_rows += file.buf.iter().filter(|b| **b == b'\n').count() as u64;
                    file.buf.clear();
                }
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
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
            buf.push(b'\n');
            if let Some(step) = event.step {
                let mut itoa = [0u8; 20];
                buf.extend_from_slice(format_i64(step, &mut itoa));
            }
            buf.push(b'|');
            time_cache.write_event_str(event.timestamp, buf);
            buf.push(b'|');
            write_py_float(buf, event.value);
            if buf.len() >= WRITE_THRESHOLD {
                if let Err(e) = file.write_out() {
                    result = Err(e);
                }
            }
        }
        result
    }

    fn flush(&mut self, _record: &RunRecord, _lineage: &[Artifact]) -> Result<(), Error> {
        self.write_all()
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

/// Formats an integer without allocating.
fn format_i64(value: i64, buf: &mut [u8; 20]) -> &[u8] {
    let negative = value < 0;
    let mut n = value.unsigned_abs();
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if negative {
        // i64::MIN has 19 digits, so there is always room for the sign.
        i -= 1;
        buf[i] = b'-';
    }
    &buf[i..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        let mut b = [0u8; 20];
        for v in [0i64, 7, -7, 1234567890, i64::MAX, i64::MIN] {
            assert_eq!(format_i64(v, &mut b), v.to_string().as_bytes());
        }
    }
}

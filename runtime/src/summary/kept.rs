//! Metric values kept in memory during a run, so that `end()` summarises the run's metric files
//! without reading them back.
//!
//! The writer hands every metric row it writes to [`KeptValues::push`]: 8 bytes a row (the
//! value) plus a few counters per metric. At the end, a metric whose file holds exactly the
//! rows kept here is summarised from memory, with the same code and so the same result, bit
//! for bit, as reading its file back; any other file is read back as before. A metric's
//! values stop being kept (and its file is read back at the end) when:
//!
//! - its file existed before this run wrote to it (a resumed run, or a file put there by
//!   someone else): the file holds rows this process never saw;
//! - keeping them would take the values of all metrics past [`VALUE_BUDGET`] bytes: the
//!   values of that metric are released and its file is read back at the end;
//! - writing event files failed at any point ([`KeptValues::forget`]): rows may be missing
//!   from the files.

use super::{step_summary, EventFileSummary, TimestampSummary};
use crate::timestamp::{iso_format, parse_timestamp, TimeFormatCache, Timestamp};
use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The most memory spent on kept values, in bytes: 64 MiB, 8,388,608 rows. Counted by the
/// chunks' capacities.
pub(crate) const VALUE_BUDGET: usize = 64 << 20;

/// The smallest chunk of kept values: a metric logged a few times costs 8 KiB.
const FIRST_CHUNK: usize = 1024;
/// The largest chunk: 64 KiB, under glibc's 128 KiB threshold above which an allocation is
/// a mapping of its own. One vector per metric grown by doubling became one mapping per
/// metric past 16,384 values, and freeing them at the end of a run cost a TLB shootdown each
/// (2 to 3 ms per million rows over 100 metrics on a 2-core VM). Chunks come from the heap,
/// are never copied to grow, and are freed as the summary copies them out.
const LAST_CHUNK: usize = 8192;

/// The rows of one metric file, as far as its summary needs them.
#[derive(Debug)]
pub(crate) struct KeptFile {
    /// The metric's file.
    path: PathBuf,
    /// Whether the file holds exactly the rows pushed here (see the module docs).
    complete: bool,
    /// Rows with a step.
    steps: u64,
    first_step: Option<i64>,
    last_step: Option<i64>,
    first_ts: Timestamp,
    last_ts: Timestamp,
    /// Whether every timestamp is one pandas parses back (years 1 to 9999).
    timestamps_ok: bool,
    /// The values in row order, NaN included, in chunks of [`FIRST_CHUNK`] doubling up to
    /// [`LAST_CHUNK`] values: the full ones here, the one being filled in `current`.
    chunks: Vec<Vec<f64>>,
    /// The chunk being filled; empty, without room, before the first row and once the values
    /// stop being kept, so that a push checks one length against one capacity.
    current: Vec<f64>,
}

/// The first instant whose event-file text pandas parses (0001-01-01 00:00:00 UTC).
const FIRST_PARSED: i64 = -62_135_596_800_000_000;
/// The first instant past year 9999, whose five-digit year pandas does not parse.
const PAST_PARSED: i64 = 253_402_300_800_000_000;

/// Metric values kept for the end-of-run summaries, by metric id.
#[derive(Debug)]
pub(crate) struct KeptValues {
    files: Vec<Option<KeptFile>>,
    /// The metric id of each file, so that the end of a run with many metrics finds each
    /// file's rows at once. Keyed by the path's bytes: both sides build it from the run's
    /// folder the same way, and hashing or comparing a `Path` component by component cost
    /// more than the rest of the lookup (a path that differs only in spelling, which never
    /// happens, would be read back, not mistaken).
    by_path: HashMap<OsString, u32>,
    /// Bytes of the files' chunks (their capacities), at most `budget`.
    used: usize,
    budget: usize,
}

impl KeptValues {
    /// Keeps up to `budget` bytes of values; 0 keeps none (every file is read back).
    pub(crate) fn new(budget: usize) -> Self {
        KeptValues {
            files: Vec::new(),
            by_path: HashMap::new(),
            used: 0,
            budget,
        }
    }

    /// Metric `id` is written to `path`. Its values are kept only if the file does not exist
    /// yet (this is called before the first row is written).
    pub(crate) fn add_metric(&mut self, id: u32, path: PathBuf) {
        let idx = id as usize;
        if self.files.len() <= idx {
            self.files.resize_with(idx + 1, || None);
        }
        let complete = self.budget > 0 && !path.exists();
        self.by_path.insert(path.clone().into_os_string(), id);
        self.files[idx] = Some(KeptFile {
            path,
            complete,
            steps: 0,
            first_step: None,
            last_step: None,
            first_ts: Timestamp::from_micros(0),
            last_ts: Timestamp::from_micros(0),
            timestamps_ok: true,
            chunks: Vec::new(),
            current: Vec::new(),
        });
    }

    /// A row of metric `id`, in the order it is written.
    #[inline]
    pub(crate) fn push(&mut self, id: u32, step: Option<i64>, timestamp: Timestamp, value: f64) {
        let idx = id as usize;
        let room =
            matches!(self.files.get(idx), Some(Some(f)) if f.current.len() < f.current.capacity());
        if !room && !self.next_chunk(idx, step, timestamp) {
            return;
        }
        let Some(Some(file)) = self.files.get_mut(idx) else {
            return;
        };
        file.steps += u64::from(step.is_some());
        file.last_step = step;
        file.last_ts = timestamp;
        let micros = timestamp.as_micros();
        file.timestamps_ok &= (FIRST_PARSED..PAST_PARSED).contains(&micros);
        file.current.push(value);
    }

    /// Metric `idx` has no room for its next value: its first row comes (`step` and
    /// `timestamp` are its first), or its chunk is full and a new one starts, or, past the
    /// budget, its values stop being kept (its file is read back at the end). Says whether the
    /// value is kept. Apart from [`KeptValues::push`], whose every row checks one length.
    #[cold]
    #[inline(never)]
    fn next_chunk(&mut self, idx: usize, step: Option<i64>, timestamp: Timestamp) -> bool {
        let Some(Some(file)) = self.files.get_mut(idx) else {
            return false;
        };
        if !file.complete {
            return false;
        }
        if file.rows() == 0 {
            file.first_step = step;
            file.first_ts = timestamp;
        }
        let grow = file.capacity().clamp(FIRST_CHUNK, LAST_CHUNK);
        if self.used + grow * 8 > self.budget {
            self.used -= file.capacity() * 8;
            file.chunks = Vec::new();
            file.current = Vec::new();
            file.complete = false;
            log::debug!(
                target: "polytrack",
                "summary values over {VALUE_BUDGET} bytes: {} is read back at the end",
                file.path.display()
            );
            return false;
        }
        let chunk = Vec::with_capacity(grow);
        self.used += chunk.capacity() * 8;
        let full = std::mem::replace(&mut file.current, chunk);
        if full.capacity() > 0 {
            file.chunks.push(full);
        }
        true
    }

    /// Writing event files failed: no file is known to hold exactly the kept rows any more.
    pub(crate) fn forget(&mut self) {
        self.files.clear();
        self.by_path.clear();
        self.used = 0;
    }

    /// Takes the kept rows of the metric file at `path` when its summary can be computed from
    /// them ([`KeptFile::summary`]); `None` when the file must be read back.
    pub(crate) fn take(&mut self, path: &Path) -> Option<KeptFile> {
        let id = *self.by_path.get(path.as_os_str())?;
        let slot = self.files.get_mut(id as usize)?;
        if !slot
            .as_ref()
            .is_some_and(|f| f.complete && f.path.as_os_str() == path.as_os_str())
        {
            return None;
        }
        let file = slot.take()?;
        self.used -= file.capacity() * 8;
        Some(file)
    }

    /// Paths of the files whose summaries [`KeptValues::take`] gives.
    #[cfg(test)]
    fn complete_paths(&self) -> Vec<&Path> {
        self.files
            .iter()
            .flatten()
            .filter(|f| f.complete)
            .map(|f| f.path.as_path())
            .collect()
    }
}

impl KeptFile {
    /// The chunks' capacities, in values: what the file's values count against the budget.
    fn capacity(&self) -> usize {
        self.all_chunks().map(Vec::capacity).sum()
    }

    /// The rows kept.
    fn rows(&self) -> u64 {
        self.all_chunks().map(Vec::len).sum::<usize>() as u64
    }

    /// Every chunk, in row order.
    fn all_chunks(&self) -> impl Iterator<Item = &Vec<f64>> {
        self.chunks.iter().chain(std::iter::once(&self.current))
    }

    /// The file's summary and last value, as [`super::summarize_event_file`] computes them from
    /// its text; `None` without rows. The values are copied into `scratch` (one contiguous
    /// column, as the summary needs them), each chunk freed once copied; `scratch` comes
    /// back empty with its room, for the next file.
    pub(crate) fn summary(self, scratch: &mut Vec<f64>) -> Option<(EventFileSummary, f64)> {
        let rows = self.rows();
        if rows == 0 {
            return None;
        }
        let step = step_summary(rows, self.steps, self.first_step, self.last_step);
        // Both ends re-read from their event-file text, as pandas reads them.
        let timestamp = self.timestamps_ok.then(|| {
            let iso = |ts: Timestamp| {
                let mut text = Vec::with_capacity(32);
                TimeFormatCache::new().write_event_str(ts, &mut text);
                let text = String::from_utf8_lossy(&text);
                parse_timestamp(&text).map(|t| iso_format(&t))
            };
            Some(TimestampSummary {
                min: iso(self.first_ts)?,
                max: iso(self.last_ts)?,
            })
        });
        let mut values = std::mem::take(scratch);
        values.clear();
        values.reserve(rows as usize);
        for chunk in self.chunks.into_iter().chain(std::iter::once(self.current)) {
            values.extend_from_slice(&chunk);
        }
        let last = values.last().copied().unwrap_or(f64::NAN);
        let (metric, room) = super::describe::metric_stats_reusing(values);
        *scratch = room;
        Some((
            EventFileSummary {
                step,
                timestamp: timestamp.flatten(),
                metric: Some(metric),
            },
            last,
        ))
    }
}

#[cfg(test)]
mod tests;

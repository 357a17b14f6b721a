//! What the writer cannot avoid, for the benchmarks' floors: not an API.
//!
//! [`format_rows`] does the writer's own work for a workload, without the queue, the caller or
//! the writer thread: the same rows formatted into the same event files by the same sink, their
//! values kept, and every file summarised at the end from memory, as `end()` does.

pub use crate::clock::TickClock;
use crate::error::Error;
use crate::record::RunRecord;
use crate::sink::files::EventFiles;
use crate::sink::{MetricRow, Sink};
use crate::summary::{event_summaries, KeptValues, VALUE_BUDGET};
use crate::timestamp::Timestamp;
use crate::worker::BATCH_ROWS;
use std::path::Path;
use std::sync::Arc;

/// The memory budget for metric values kept for the end-of-run summaries, in bytes.
pub const VALUE_BUDGET_BYTES: usize = VALUE_BUDGET;

/// Writes the rows of the benchmarks' workload into `<run_dir>/events/metric/`: row `i` is
/// `names[i % names.len()]` at step `i / names.len()` with value `1 / (i + 1)`, timestamps one
/// microsecond apart from now (no clock read per row), and flushes them; calls `written`
/// (where a benchmark reads its clocks); then summarises every file from the kept values.
/// Returns the number of summaries.
pub fn format_rows(
    run_dir: &Path,
    names: &[String],
    calls: usize,
    written: impl FnOnce(),
) -> Result<usize, Error> {
    let mut sink = EventFiles::new(run_dir);
    let mut kept = KeptValues::new(VALUE_BUDGET);
    let metric_dir = run_dir.join("events").join("metric");
    for (id, name) in names.iter().enumerate() {
        kept.add_metric(id as u32, metric_dir.join(format!("{name}.plx")));
    }
    let names: Vec<Arc<str>> = names.iter().map(|n| Arc::from(n.as_str())).collect();
    let start = Timestamp::now().as_micros();
    let mut batch = Vec::with_capacity(BATCH_ROWS);
    let mut i = 0;
    while i < calls {
        batch.clear();
        let end = (i + BATCH_ROWS).min(calls);
        for row in i..end {
            let id = row % names.len().max(1);
            let event = MetricRow {
                id: id as u32,
                value: 1.0 / (row as f64 + 1.0),
                step: Some((row / names.len().max(1)) as i64),
                timestamp: Timestamp::from_micros(start + row as i64),
            };
            kept.push(event.id, event.step, event.timestamp, event.value);
            batch.push(event);
        }
        sink.metrics(&batch, &names)?;
        i = end;
    }
    sink.flush(&RunRecord::default(), &[])?;
    written();
    let (summaries, _) = event_summaries(run_dir, None, &mut kept);
    Ok(summaries.len())
}

/// One reading of the clock that stamps metric values on the caller's thread (quanta's raw
/// counter: the TSC where the CPU has an invariant one), as a `u64`.
#[inline(always)]
pub fn read_ticks(clock: &TickClock) -> u64 {
    clock.now().0
}

/// The clock [`read_ticks`] reads: the one every run of this process uses.
pub fn tick_clock() -> TickClock {
    TickClock::new()
}

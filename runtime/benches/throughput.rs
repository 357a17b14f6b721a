//! End-to-end throughput: events per second from the first `log_metric` call until `end()`
//! returns, by when every row is written to its event file (handed to the OS; like Polyaxon,
//! polytrack does not fsync) and the run's summaries and `run.plx.json` are written.
//!
//! ```text
//! cargo bench -p polytrack --bench throughput            # 1,000,000 calls over 100 names
//! cargo bench -p polytrack --bench throughput -- --test  # 10,000 calls, once (smoke)
//! ```
//!
//! The workload is a training loop: step `i / 100` logs each of 100 metrics once, with values
//! of full precision (`1 / (i + 1)`), so float and timestamp formatting cost what they cost in
//! real runs. The run starts (untimed) before each sample; its folder is removed after it.

mod common;

use common::{names, offline, TempDir};
use divan::counter::ItemsCount;
use divan::Bencher;

fn main() {
    divan::main();
}

/// The calls of one sample.
fn calls() -> usize {
    if common::is_smoke() {
        10_000
    } else {
        1_000_000
    }
}

/// 1,000,000 `log_metric_at` calls over 100 names, then `end()`, offline.
#[divan::bench(sample_count = 7, sample_size = 1)]
fn log_metric_then_end(b: Bencher) {
    let n = calls();
    let names = names(100);
    b.counter(ItemsCount::new(n))
        .with_inputs(|| {
            let dir = TempDir::new("throughput");
            let run = polytrack::init_with(offline(dir.path())).expect("the run starts");
            (dir, run)
        })
        .bench_values(|(dir, run)| {
            for i in 0..n {
                let value = 1.0 / (i as f64 + 1.0);
                polytrack::log_metric_at(&names[i % names.len()], value, (i / names.len()) as i64)
                    .expect("logged");
            }
            let report = run.end().expect("the run ends");
            assert_eq!(report.metric_events, n as u64, "{report}");
            assert!(report.is_complete(), "{report}");
            (dir, report)
        });
}

/// The floor of `log_metric_then_end`: the writer's own work for the same rows (formatted into
/// the same files by the same sink, summaries from the values kept in memory), without the
/// caller, the queue or the writer thread.
#[divan::bench(sample_count = 7, sample_size = 1)]
fn floor_format_rows(b: Bencher) {
    let n = calls();
    let names = names(100);
    b.counter(ItemsCount::new(n))
        .with_inputs(|| TempDir::new("floor"))
        .bench_values(|dir| {
            let files =
                polytrack::__bench::format_rows(dir.path(), &names, n, || {}).expect("written");
            assert_eq!(files, names.len());
            dir
        });
}

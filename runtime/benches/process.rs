//! Whole-process measurements, each scenario in a fresh child process so that its peak
//! resident memory (`VmHWM` of `/proc/self/status`) is its own:
//!
//! - `baseline`: a run started and ended with no event: what the process costs anyway;
//! - `end_to_end`: 1,000,000 `log_metric_at` calls over 100 names, then `end()` (the
//!   `throughput` benchmark's workload): per-call cost of the loop, events per second until
//!   every row is written, peak memory;
//! - `stalled`: a writer that cannot write. The run's event file is a FIFO that nobody reads,
//!   so the writer thread blocks in `open(2)` the first time it writes (as on a hung network
//!   filesystem). The caller keeps logging: the queue fills up to its capacity (65,536
//!   events by default), then each call waits at most the queue timeout (100 ms by default)
//!   and is refused with `Error::Backpressure`. Reported: the longest wait of any call, how
//!   many calls were accepted and refused, what `end()` said was left undelivered, and peak
//!   memory (which must stay bounded by the queue's capacity). Run with the default queue
//!   and with a queue of 1,048,576 events to show that memory follows the capacity.
//!
//! ```text
//! cargo bench -p polytrack --bench process            # all scenarios, full size
//! cargo bench -p polytrack --bench process -- --test  # small sizes (smoke)
//! cargo bench -p polytrack --bench process -- --child workload 100000 100
//! ```
//!
//! `--child workload CALLS NAMES` runs one end-to-end workload in this process and prints one
//! line of `key=value` fields; `scripts/compare-python.sh` uses it. `--child calls N` makes `N`
//! (default 20,000, fewer than the queue holds) `log_metric` calls on one name, for a profiler:
//!
//! ```text
//! valgrind --tool=callgrind --separate-threads=yes target/release/deps/process-* --child calls
//! ```

mod common;

use common::{names, offline, peak_rss, TempDir};
use polytrack::Error;
use std::process::Command;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(at) = args.iter().position(|a| a == "--child") {
        let rest = &args[at + 1..];
        let number =
            |i: usize, default: usize| rest.get(i).and_then(|s| s.parse().ok()).unwrap_or(default);
        match rest.first().map(String::as_str) {
            Some("workload") => workload(number(1, 1_000_000), number(2, 100)),
            Some("stalled") => stalled(number(1, 65_536), number(2, 10)),
            Some("calls") => calls(number(1, 20_000)),
            other => {
                eprintln!("unknown child scenario {other:?}");
                std::process::exit(2);
            }
        }
        return;
    }
    // Under `cargo bench -- <filter>`, every bench binary gets the filter: only run when it
    // names nothing or this binary.
    if let Some(filter) = args.iter().find(|a| !a.starts_with('-')) {
        if !"process".contains(filter.as_str()) {
            return;
        }
    }
    let smoke = common::is_smoke();
    let (calls, refusals) = if smoke { (10_000, 2) } else { (1_000_000, 10) };
    let mut scenarios: Vec<(&str, Vec<String>)> = vec![
        (
            "baseline (0 events)",
            vec!["workload".into(), "0".into(), "1".into()],
        ),
        (
            "end_to_end",
            vec!["workload".into(), calls.to_string(), "100".into()],
        ),
        (
            "stalled, queue 65,536",
            vec!["stalled".into(), "65536".into(), refusals.to_string()],
        ),
    ];
    if !smoke {
        scenarios.push((
            "stalled, queue 1,048,576",
            vec!["stalled".into(), "1048576".into(), refusals.to_string()],
        ));
    }
    let exe = std::env::current_exe().expect("the bench binary's path");
    let mut failed = false;
    for (title, child_args) in scenarios {
        let out = Command::new(&exe)
            .arg("--child")
            .args(&child_args)
            .output()
            .expect("the child process starts");
        let stdout = String::from_utf8_lossy(&out.stdout);
        println!("{title}: {}", stdout.trim());
        if !out.status.success() {
            failed = true;
            eprintln!("{title} failed: {}", String::from_utf8_lossy(&out.stderr));
        }
    }
    if failed {
        std::process::exit(1);
    }
}

fn mib(bytes: Option<u64>) -> String {
    bytes.map_or("?".into(), |b| format!("{:.1}MiB", b as f64 / 1048576.0))
}

/// One end-to-end run: `calls` calls over `names` names, then `end()`.
fn workload(calls: usize, names_count: usize) {
    let dir = TempDir::new("workload");
    let names = names(names_count.max(1));
    let run = polytrack::init_with(offline(dir.path())).expect("the run starts");
    let mut refused = 0u64;
    let start = Instant::now();
    for i in 0..calls {
        let value = 1.0 / (i as f64 + 1.0);
        match polytrack::log_metric_at(&names[i % names.len()], value, (i / names.len()) as i64) {
            Ok(()) => {}
            // The writer fell behind by more than the queue timeout: refused, and counted.
            Err(Error::Backpressure { .. }) => refused += 1,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    let looped = start.elapsed();
    run.flush(Duration::from_secs(60))
        .expect("every row is written");
    let flushed = start.elapsed();
    let logging_peak = peak_rss();
    let report = run.end().expect("the run ends");
    let total = start.elapsed();
    // Every call is either written or refused (and counted): nothing is lost silently.
    assert_eq!(report.metric_events + refused, calls as u64, "{report}");
    assert_eq!(report.refused_events, refused, "{report}");
    let per_call = |d: Duration| d.as_secs_f64() * 1e6 / calls.max(1) as f64;
    let rate = |d: Duration| calls as f64 / d.as_secs_f64();
    println!(
        "calls={calls} names={} refused={refused} loop_us_per_call={:.4} flush_us_per_call={:.4} \
         end_us_per_call={:.4} written_events_per_s={:.0} ended_events_per_s={:.0} \
         peak_rss_before_end={} peak_rss_bytes={} peak_rss={}",
        names.len(),
        per_call(looped),
        per_call(flushed),
        per_call(total),
        rate(flushed),
        rate(total),
        mib(logging_peak),
        peak_rss().unwrap_or(0),
        mib(peak_rss()),
    );
}

/// `n` calls of `log_metric` on one name, the first one (which interns the name) included.
fn calls(n: usize) {
    let dir = TempDir::new("calls");
    let run = polytrack::init_with(offline(dir.path())).expect("the run starts");
    for i in 0..n {
        polytrack::log_metric("loss", 1.0 / (i as f64 + 1.0)).expect("logged");
    }
    let report = run.end().expect("the run ends");
    assert_eq!(report.metric_events, n as u64, "{report}");
}

/// Logs into a run whose writer is blocked until `refusals` calls were refused.
fn stalled(capacity: usize, refusals: usize) {
    let dir = TempDir::new("stalled");
    let uuid = polytrack::new_uuid();
    let metric_dir = dir
        .path()
        .join("runs")
        .join(&uuid)
        .join("events")
        .join("metric");
    std::fs::create_dir_all(&metric_dir).expect("the metric folder");
    let status = Command::new("mkfifo")
        .arg(metric_dir.join("loss.plx"))
        .status()
        .expect("mkfifo runs");
    assert!(status.success(), "mkfifo failed");

    let queue_timeout = Duration::from_millis(100);
    let run = polytrack::init_with(
        offline(dir.path())
            .run_uuid(&uuid)
            .queue_capacity(capacity)
            .queue_timeout(queue_timeout)
            .end_timeout(Duration::from_secs(1)),
    )
    .expect("the run starts");

    let (mut accepted, mut refused) = (0u64, 0u64);
    let mut longest = Duration::ZERO;
    let mut longest_accepted = Duration::ZERO;
    let started = Instant::now();
    let mut i = 0u64;
    while (refused as usize) < refusals && started.elapsed() < Duration::from_secs(60) {
        let t = Instant::now();
        let result = polytrack::log_metric_at("loss", 1.0 / (i as f64 + 1.0), i as i64);
        let waited = t.elapsed();
        longest = longest.max(waited);
        match result {
            Ok(()) => {
                accepted += 1;
                longest_accepted = longest_accepted.max(waited);
            }
            Err(Error::Backpressure { .. }) => refused += 1,
            Err(e) => panic!("unexpected error: {e}"),
        }
        i += 1;
    }
    let end_started = Instant::now();
    let report = run.end().expect("end reports");
    let end_took = end_started.elapsed();
    assert_eq!(report.refused_events, refused, "{report}");
    assert!(
        !report.is_complete(),
        "a stalled run cannot be complete: {report}"
    );
    println!(
        "capacity={capacity} accepted={accepted} refused={refused} \
         longest_wait_ms={:.1} longest_accepted_wait_ms={:.1} queue_timeout_ms={} \
         end_ms={} peak_rss_bytes={} peak_rss={} undelivered={:?}",
        longest.as_secs_f64() * 1e3,
        longest_accepted.as_secs_f64() * 1e3,
        queue_timeout.as_millis(),
        end_took.as_millis(),
        peak_rss().unwrap_or(0),
        mib(peak_rss()),
        report.undelivered,
    );
    // The writer thread is blocked in open(2) for good; exiting ends it.
    drop(dir);
    std::process::exit(0);
}

//! Whole-process measurements, each scenario in a fresh child process so that its peak
//! resident memory (`VmHWM` of `/proc/self/status`) is its own:
//!
//! - `baseline`: a run started and ended with no event: what the process costs anyway;
//! - `end_to_end`: 1,000,000 `log_metric_at` calls over 100 names, then `end()` (the
//!   `throughput` benchmark's workload): per-call cost of the loop, events per second until
//!   every row is written, what `end()` costs, peak memory;
//! - `format floor`: the writer's own work for the same workload, without caller, queue or
//!   thread (the same rows formatted into the same files by the same sink, summaries from the
//!   values kept in memory): the floor of `end_to_end`'s events per second, its summaries'
//!   time the floor of `end()`'s, and its thread's CPU time per row (before the summaries)
//!   the floor of the writer thread's;
//! - `caller`: what `log_metric` and `log_metrics` of 10 cost the caller, against their floor
//!   (one `SystemTime::now()` plus one `try_send` of a queue message's size on a std bounded
//!   channel), measured in the same process in alternating rounds (the fastest of 31, and
//!   medians);
//! - `stalled`: a writer that cannot write. The run's event file is a FIFO that nobody reads,
//!   so the writer thread blocks in `open(2)` the first time it writes (as on a hung network
//!   filesystem). The caller keeps logging: the writer takes values off the ring until its
//!   batch (4,096 rows) is handed to the blocked file, the ring fills up (the queue's
//!   capacity, at most 16,384 values), then each call waits at most the queue timeout (100 ms
//!   by default) and is refused with `Error::Backpressure`. Reported: the longest wait of any
//!   call, how many calls were accepted and refused, what `end()` said was left undelivered,
//!   and peak memory (which must stay bounded). Run with the default queue and with a queue
//!   of 1,048,576 events, whose memory must not follow the capacity for metric values.
//!
//! ```text
//! cargo bench -p polytrack --bench process            # all scenarios, full size
//! cargo bench -p polytrack --bench process -- --test  # small sizes (smoke)
//! cargo bench -p polytrack --bench process -- --child workload 100000 100
//! cargo bench -p polytrack --bench process -- --child caller 20000 15
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
            Some("calls10") => calls10(number(1, 1_000)),
            Some("floor") => format_floor(number(1, 1_000_000), number(2, 100)),
            Some("caller") => caller(number(1, 20_000), number(2, 15)),
            other => {
                eprintln!("unknown child scenario {other:?}");
                std::process::exit(2);
            }
        }
        return;
    }
    // At the end each figure is printed next to its floor and its bar.
    // Under `cargo bench -- <filter>`, every bench binary gets the filter: only run when it
    // names nothing or this binary.
    if let Some(filter) = args.iter().find(|a| !a.starts_with('-')) {
        if !"process".contains(filter.as_str()) {
            return;
        }
    }
    let smoke = common::is_smoke();
    let (calls, refusals) = if smoke { (10_000, 2) } else { (1_000_000, 10) };
    let mut scenarios: Vec<(&str, Vec<String>)> = vec![(
        "baseline (0 events)",
        vec!["workload".into(), "0".into(), "1".into()],
    )];
    // Alternating, five times each (once in a smoke run): the best of each is compared.
    for _ in 0..if smoke { 1 } else { 5 } {
        scenarios.push((
            "end_to_end",
            vec!["workload".into(), calls.to_string(), "100".into()],
        ));
        scenarios.push((
            "format floor",
            vec!["floor".into(), calls.to_string(), "100".into()],
        ));
    }
    scenarios.extend([
        (
            "caller",
            vec![
                "caller".into(),
                if smoke { "1000" } else { "10000" }.into(),
                if smoke { "3" } else { "31" }.into(),
            ],
        ),
        (
            "stalled, queue 65,536",
            vec!["stalled".into(), "65536".into(), refusals.to_string()],
        ),
    ]);
    if !smoke {
        scenarios.push((
            "stalled, queue 1,048,576",
            vec!["stalled".into(), "1048576".into(), refusals.to_string()],
        ));
    }
    let exe = std::env::current_exe().expect("the bench binary's path");
    let mut failed = false;
    let mut results: Vec<(&str, String)> = Vec::new();
    for (title, child_args) in scenarios {
        let out = Command::new(&exe)
            .arg("--child")
            .args(&child_args)
            .output()
            .expect("the child process starts");
        let stdout = String::from_utf8_lossy(&out.stdout);
        println!("{title}: {}", stdout.trim());
        results.push((title, stdout.trim().to_owned()));
        if !out.status.success() {
            failed = true;
            eprintln!("{title} failed: {}", String::from_utf8_lossy(&out.stderr));
        }
    }
    if failed {
        std::process::exit(1);
    }
    print_against_floors(&results);
}

/// The values of `key=` in the outputs of scenario `title`.
fn fields(results: &[(&str, String)], title: &str, key: &str) -> Vec<f64> {
    results
        .iter()
        .filter(|(t, _)| *t == title)
        .filter_map(|(_, out)| {
            out.split_whitespace()
                .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))?
                .parse()
                .ok()
        })
        .collect()
}

/// Each figure next to its floor, measured in this run, and the bar it must meet.
fn print_against_floors(results: &[(&str, String)]) {
    // The least disturbed of the repeated measurements: the smallest time, the highest rate.
    let get = |title, key| {
        fields(results, title, key)
            .into_iter()
            .reduce(f64::min)
            .unwrap_or(f64::NAN)
    };
    let best_rate = |title, key| {
        fields(results, title, key)
            .into_iter()
            .reduce(f64::max)
            .unwrap_or(f64::NAN)
    };
    println!("\nagainst the floors (this run; caller: the fastest of 31 rounds, rates and CPU times: the best of 5, peak RSS: the highest):");
    let (metric, floor) = (get("caller", "log_metric_ns"), get("caller", "floor_ns"));
    println!(
        "  log_metric            {metric:7.1} ns/call   floor {floor:7.1} ns (SystemTime::now {:.1} + try_send {:.1})   {:.2}x   bar <= 1.25x",
        get("caller", "clock_ns"),
        get("caller", "try_send_ns"),
        metric / floor,
    );
    let tick_floor = get("caller", "tick_floor_ns");
    println!(
        "    same, against its own clock        floor {tick_floor:7.1} ns (the tick read {:.1} + try_send)   {:.2}x",
        get("caller", "ticks_ns"),
        metric / tick_floor,
    );
    let handle = get("caller", "log_metric_handle_ns");
    println!(
        "    through a Run handle {handle:7.1} ns/call   floor {floor:7.1} ns   {:.2}x   (tick floor: {:.2}x)",
        handle / floor,
        handle / tick_floor,
    );
    let metrics = get("caller", "log_metrics10_ns");
    println!(
        "  log_metrics of 10     {metrics:7.1} ns/call   one log_metric {metric:7.1} ns                                {:.2}x   bar <= 2x",
        metrics / metric,
    );
    println!(
        "  a run another thread logged to first (its values on the shared queue): log_metric {:.1} ns, log_metrics of 10 {:.1} ns",
        get("caller", "log_metric_shared_ns"),
        get("caller", "log_metrics10_shared_ns"),
    );
    let (ended, formatted) = (
        best_rate("end_to_end", "ended_events_per_s"),
        best_rate("format floor", "floor_events_per_s"),
    );
    println!(
        "  1M events until end() {:6.2} M/s        floor {:6.2} M/s (the same rows formatted into the same files, summaries from memory)   {:.2}x   bar >= 0.9x",
        ended / 1e6,
        formatted / 1e6,
        ended / formatted,
    );
    // Each repetition against the floor measured right after it: the floor's own rate varies
    // with the page cache's state by up to 40 % between repetitions.
    let pairs: Vec<String> = fields(results, "end_to_end", "ended_events_per_s")
        .iter()
        .zip(fields(results, "format floor", "floor_events_per_s"))
        .map(|(e, f)| format!("{:.2}x", e / f))
        .collect();
    println!(
        "    each repetition against its own floor: {}",
        pairs.join(" ")
    );
    // The same comparison in CPU time, which leaves out waits for a CPU: what the writer
    // thread spent to take and write each row, against the floor's thread formatting it.
    let (writer_cpu, floor_cpu) = (
        get("end_to_end", "writer_cpu_ns_per_row"),
        get("format floor", "floor_cpu_ns_per_row"),
    );
    println!(
        "    writer thread's CPU {writer_cpu:6.1} ns/row   the floor's {floor_cpu:6.1} ns/row (formatting, before summaries)   writer's own overhead {:+.0}%",
        (writer_cpu / floor_cpu - 1.0) * 100.0,
    );
    println!(
        "  end() per 1M rows     {:7.1} ms        floor {:7.1} ms (the same summaries from the values in memory, on the same threads)",
        get("end_to_end", "end_ms_per_million"),
        get("format floor", "floor_summaries_ms_per_million"),
    );
    let peak = best_rate("end_to_end", "peak_rss_bytes") / 1_048_576.0;
    let budget = polytrack::__bench::VALUE_BUDGET_BYTES >> 20;
    println!(
        "  peak RSS, 1M events   {peak:7.1} MiB      bar <= 32 MB + the {budget} MiB value budget (values kept: {:.1} MiB)",
        get("end_to_end", "calls") * 8.0 / 1_048_576.0,
    );
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
    // What the writer thread spent on a CPU to take and write every row.
    let writer = common::named_thread_schedstat("polytrack-write");
    let writer_cpu = writer.map(|(cpu, _)| cpu);
    let logging_peak = peak_rss();
    // The bench's own readings of /proc above are not the run's time.
    let ending = Instant::now();
    let report = run.end().expect("the run ends");
    let total = flushed + ending.elapsed();
    // Every call is either written or refused (and counted): nothing is lost silently.
    assert_eq!(report.metric_events + refused, calls as u64, "{report}");
    assert_eq!(report.refused_events, refused, "{report}");
    let per_call = |d: Duration| d.as_secs_f64() * 1e6 / calls.max(1) as f64;
    let end_ms_per_million = (total - flushed).as_secs_f64() * 1e3 * 1e6 / calls.max(1) as f64;
    let rate = |d: Duration| calls as f64 / d.as_secs_f64();
    println!(
        "calls={calls} names={} refused={refused} loop_us_per_call={:.4} flush_us_per_call={:.4} \
         end_us_per_call={:.4} written_events_per_s={:.0} ended_events_per_s={:.0} \
         end_ms_per_million={end_ms_per_million:.2} writer_cpu_ns_per_row={:.1} \
         writer_wait_ms={:.2} peak_rss_before_end={} peak_rss_bytes={} peak_rss={}",
        names.len(),
        per_call(looped),
        per_call(flushed),
        per_call(total),
        rate(flushed),
        rate(total),
        writer_cpu.map_or(f64::NAN, |ns| ns as f64 / calls.max(1) as f64),
        writer.map_or(f64::NAN, |(_, wait)| wait as f64 / 1e6),
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

/// `n` calls of `log_metrics` of 10 values, for a profiler.
fn calls10(n: usize) {
    let dir = TempDir::new("calls10");
    let values: Vec<(String, f64)> = names(10).into_iter().map(|n| (n, 0.5)).collect();
    let run = polytrack::init_with(offline(dir.path())).expect("the run starts");
    for i in 0..n {
        log_metrics_calls(&values, 1);
        if i % 1000 == 999 {
            run.flush(Duration::from_secs(60)).expect("flushed");
        }
    }
    let report = run.end().expect("the run ends");
    assert_eq!(report.metric_events, 10 * n as u64, "{report}");
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

/// The writer's own work for the `end_to_end` workload (see `polytrack::__bench::format_rows`),
/// with no caller, queue or writer thread: the floor of events per second until `end()`.
fn format_floor(calls: usize, names_count: usize) {
    let dir = TempDir::new("floor");
    let names = names(names_count.max(1));
    let start = Instant::now();
    let cpu_before = common::thread_cpu_ns();
    let wait_before = common::thread_wait_ns();
    let mut cpu_written = None;
    let mut written_at = None;
    let files = polytrack::__bench::format_rows(dir.path(), &names, calls, || {
        cpu_written = common::thread_cpu_ns();
        written_at = Some(Instant::now());
    })
    .expect("rows written");
    let took = start.elapsed();
    // The summaries from the values in memory: the floor of what end() does.
    let summaries = written_at.map_or(Duration::ZERO, |at| at.elapsed());
    assert_eq!(files, names.len().min(calls));
    let cpu_per_row = match (cpu_before, cpu_written) {
        (Some(b), Some(w)) => w.saturating_sub(b) as f64 / calls.max(1) as f64,
        _ => f64::NAN,
    };
    println!(
        "calls={calls} names={} floor_events_per_s={:.0} floor_cpu_ns_per_row={cpu_per_row:.1} \
         floor_summaries_ms_per_million={:.2} floor_wait_ms={:.2}",
        names.len(),
        calls as f64 / took.as_secs_f64(),
        summaries.as_secs_f64() * 1e3 * 1e6 / calls.max(1) as f64,
        match (wait_before, common::thread_wait_ns()) {
            (Some(b), Some(a)) => a.saturating_sub(b) as f64 / 1e6,
            _ => f64::NAN,
        },
    );
}

/// Median nanoseconds per call of `f` over `rounds` rounds of `n` calls.
fn median_ns(rounds: &mut [f64]) -> f64 {
    rounds.sort_by(f64::total_cmp);
    rounds[rounds.len() / 2]
}

/// `n` calls of `log_metrics` of `values` on the current run, out of line as a user's loop
/// would be.
#[inline(never)]
fn log_metrics_calls(values: &[(String, f64)], n: usize) {
    for _ in 0..n {
        let _ = std::hint::black_box(polytrack::log_metrics(
            std::hint::black_box(values),
            Some(1),
            None,
        ));
    }
}

/// The caller's cost against its floor, in one process, in alternating rounds of `n` calls
/// (fewer than the thread's ring holds; the run is flushed between rounds so the ring is
/// empty): `log_metric`; `log_metrics` of 10; the same two on a run another thread logged to
/// first (whose values take the shared queue); one `SystemTime::now()`; one `try_send` of a
/// metric value's size (32 bytes) on a std bounded channel of the queue's capacity, drained
/// by a thread that sleeps when it is empty, as polytrack's writer does; both together (the
/// floor).
fn caller(n: usize, rounds: usize) {
    use std::hint::black_box;
    use std::time::SystemTime;

    /// A message of the size of polytrack's metric values on their way to the writer (32
    /// bytes: ticks, step, value, id and flags).
    type Message = [u64; 4];
    let values: Vec<(String, f64)> = names(10).into_iter().map(|n| (n, 0.5)).collect();
    // A second run, logged to by another thread first: its values take the shared queue
    // (a run of several threads, `run/rings.rs`). Started first, so that the run below is
    // the current one.
    let shared_dir = TempDir::new("caller-shared");
    let shared = polytrack::init_with(offline(shared_dir.path())).expect("the run starts");
    {
        let shared = shared.clone();
        std::thread::spawn(move || shared.log_metric("other", 0.0).expect("logged"))
            .join()
            .expect("the other thread logs");
    }
    shared.log_metric("loss", 0.0).expect("logged");
    shared.log_metrics(&values, Some(0), None).expect("logged");
    let dir = TempDir::new("caller");
    let run = polytrack::init_with(offline(dir.path())).expect("the run starts");
    let handle = polytrack::current().expect("the run is current");
    polytrack::log_metric("loss", 0.0).expect("logged");
    polytrack::log_metrics(&values, Some(0), None).expect("logged");
    let ticks = polytrack::__bench::tick_clock();
    // The floors' queue has a consumer that polls as the run's writer does while a floor is
    // measured, and stays out of the way (as the run's writer then does) otherwise.
    let (tx, consumer) = common::drained::<Message>(65_536);
    consumer.set_active(false);
    let time = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        f();
        start.elapsed().as_secs_f64() * 1e9 / n as f64
    };
    let floor_round = |f: &mut dyn FnMut()| {
        consumer.set_active(true);
        std::thread::sleep(Duration::from_millis(5));
        let ns = time(f);
        // Drained before the next round.
        std::thread::sleep(Duration::from_millis(20));
        consumer.set_active(false);
        ns
    };
    let [mut metric, mut metric_handle, mut metrics, mut clock, mut tick, mut send, mut floor, mut tick_floor, mut shared_metric, mut shared_metrics] =
        std::array::from_fn::<Vec<f64>, 10, _>(|_| Vec::new());
    let message: Message = black_box([7; 4]);
    for _ in 0..rounds {
        metric.push(time(&mut || {
            for _ in 0..n {
                let _ = black_box(polytrack::log_metric(black_box("loss"), black_box(0.5)));
            }
        }));
        run.flush(Duration::from_secs(60)).expect("flushed");
        metric_handle.push(time(&mut || {
            for _ in 0..n {
                let _ = black_box(handle.log_metric(black_box("loss"), black_box(0.5)));
            }
        }));
        run.flush(Duration::from_secs(60)).expect("flushed");
        // 10 values per call: a tenth of the calls, so that their values fit the thread's ring
        // (16,384 values) as `n` single values do.
        metrics.push(time(&mut || log_metrics_calls(&values, n / 10)) * 10.0);
        run.flush(Duration::from_secs(60)).expect("flushed");
        shared_metric.push(time(&mut || {
            for _ in 0..n {
                let _ = black_box(shared.log_metric(black_box("loss"), black_box(0.5)));
            }
        }));
        shared.flush(Duration::from_secs(60)).expect("flushed");
        shared_metrics.push(
            time(&mut || {
                for _ in 0..n / 10 {
                    let _ = black_box(shared.log_metrics(black_box(&values), Some(1), None));
                }
            }) * 10.0,
        );
        shared.flush(Duration::from_secs(60)).expect("flushed");
        clock.push(time(&mut || {
            for _ in 0..n {
                black_box(SystemTime::now());
            }
        }));
        tick.push(time(&mut || {
            for _ in 0..n {
                black_box(polytrack::__bench::read_ticks(&ticks));
            }
        }));
        send.push(floor_round(&mut || {
            for _ in 0..n {
                let _ = black_box(tx.try_send(black_box(message)));
            }
        }));
        floor.push(floor_round(&mut || {
            for _ in 0..n {
                let t = SystemTime::now();
                let mut m = message;
                m[0] = t
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                let _ = black_box(tx.try_send(black_box(m)));
            }
        }));
        tick_floor.push(floor_round(&mut || {
            for _ in 0..n {
                let mut m = message;
                m[0] = polytrack::__bench::read_ticks(&ticks);
                let _ = black_box(tx.try_send(black_box(m)));
            }
        }));
    }
    consumer.stop();
    let _ = run.end();
    let _ = shared.end();
    let fastest = |rounds: &[f64]| rounds.iter().copied().fold(f64::INFINITY, f64::min);
    let report = |name: &str, rounds: &mut [f64]| {
        format!(
            "{name}_ns={:.1} median_{name}_ns={:.1}",
            fastest(rounds),
            median_ns(rounds)
        )
    };
    println!(
        "calls={n} rounds={rounds} {} {} {} {} {} {} {} {} {} {}",
        report("log_metric", &mut metric),
        report("log_metric_handle", &mut metric_handle),
        report("log_metrics10", &mut metrics),
        report("clock", &mut clock),
        report("ticks", &mut tick),
        report("try_send", &mut send),
        report("floor", &mut floor),
        report("tick_floor", &mut tick_floor),
        report("log_metric_shared", &mut shared_metric),
        report("log_metrics10_shared", &mut shared_metrics),
    );
}

//! What a logging call costs on the caller's thread.
//!
//! ```text
//! cargo bench -p polytrack --bench hot_path            # medians, allocations per call
//! cargo bench -p polytrack --bench hot_path -- --test  # each benchmark once (smoke)
//! ```
//!
//! Every benchmark that tracks starts its own run (offline, managed or external, writing event
//! files into a temporary folder) and ends it afterwards. A benchmark makes at most
//! `SAMPLES * SAMPLE_SIZE` calls, fewer events than the run's queue holds (65,536), so what is
//! measured is the call itself, never a wait for the writer: how a full queue behaves is
//! measured by the `process` benchmark (`stalled`). The first call for each name (which
//! interns it) is made before measuring; the allocation columns then show that later calls
//! allocate nothing.

mod common;

use common::{dead_host, external, managed, SilentServer, TempDir};
use divan::{black_box, AllocProfiler, Bencher};
use polytrack::{RunGuard, Settings};
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOC: AllocProfiler = AllocProfiler::system();

fn main() {
    divan::main();
}

/// Samples per benchmark, and calls per sample: 25,600 calls in all.
const SAMPLES: u32 = 100;
const SAMPLE_SIZE: u32 = 256;

/// Starts a run, ending it quickly when dropped even if its API never answers.
fn start(settings: Settings) -> RunGuard {
    polytrack::init_with(settings.end_timeout(Duration::from_secs(1))).expect("the run starts")
}

/// Busy-waits `d` (sleeping would measure the scheduler's wake-up instead).
fn spin(d: Duration) {
    let until = Instant::now() + d;
    while Instant::now() < until {
        std::hint::spin_loop();
    }
}

/// `polytrack::log_metric(name, value)` on the current run.
mod log_metric {
    use super::*;

    /// No run: one atomic load.
    #[divan::bench(sample_count = SAMPLES, sample_size = SAMPLE_SIZE)]
    fn off(b: Bencher) {
        assert!(!polytrack::is_active());
        b.bench(|| polytrack::log_metric(black_box("loss"), black_box(0.5)));
    }

    fn on(b: Bencher, settings: Settings) {
        let run = start(settings);
        polytrack::log_metric("loss", 0.0).expect("logged");
        b.bench(|| polytrack::log_metric(black_box("loss"), black_box(0.5)));
        let _ = run.end();
    }

    /// Offline: event files and `run.plx.json` in a temporary folder.
    #[divan::bench(sample_count = SAMPLES, sample_size = SAMPLE_SIZE)]
    fn offline(b: Bencher) {
        let dir = TempDir::new("offline");
        on(b, common::offline(dir.path()));
    }

    /// A managed run writing event files, its API on a loopback port where nothing listens.
    #[divan::bench(sample_count = SAMPLES, sample_size = SAMPLE_SIZE)]
    fn managed_dead_api(b: Bencher) {
        let dir = TempDir::new("managed");
        on(b, managed(dir.path(), &dead_host()));
    }

    /// An external run writing event files, its API a loopback server that never answers.
    #[divan::bench(sample_count = SAMPLES, sample_size = SAMPLE_SIZE)]
    fn external_silent_api(b: Bencher) {
        let dir = TempDir::new("external");
        let server = SilentServer::start(Duration::from_secs(120));
        on(b, external(dir.path(), server.url()));
    }

    /// An external run writing event files, its API a loopback server that answers every
    /// request only after 2 s: the caller's cost must be that of a run without a server.
    #[divan::bench(sample_count = SAMPLES, sample_size = SAMPLE_SIZE)]
    fn external_slow_api(b: Bencher) {
        let dir = TempDir::new("external-slow");
        let server = SilentServer::slow(Duration::from_secs(120), Duration::from_secs(2));
        on(b, external(dir.path(), server.url()));
    }

    /// Offline, through an explicit [`polytrack::Run`] handle instead of the current run.
    #[divan::bench(sample_count = SAMPLES, sample_size = SAMPLE_SIZE)]
    fn offline_handle(b: Bencher) {
        let dir = TempDir::new("handle");
        let run = start(common::offline(dir.path()));
        let handle = run.run();
        handle.log_metric("loss", 0.0).expect("logged");
        b.bench(|| handle.log_metric(black_box("loss"), black_box(0.5)));
        let _ = run.end();
    }

    /// Offline, one call every 100 µs: the writer has drained the queue and waits for work,
    /// as in a training loop that logs once per step. Each sample is one call.
    #[divan::bench(sample_count = 2000, sample_size = 1)]
    fn offline_paced(b: Bencher) {
        let dir = TempDir::new("paced");
        let run = start(common::offline(dir.path()));
        polytrack::log_metric("loss", 0.0).expect("logged");
        b.with_inputs(|| spin(Duration::from_micros(100)))
            .bench_values(|()| polytrack::log_metric(black_box("loss"), black_box(0.5)));
        let _ = run.end();
    }
}

/// `polytrack::log_metrics` with 10 values sharing one step (10 events per call).
mod log_metrics {
    use super::*;

    const VALUES: [(&str, f64); 10] = [
        ("loss", 0.1),
        ("accuracy", 0.2),
        ("precision", 0.3),
        ("recall", 0.4),
        ("f1", 0.5),
        ("lr", 0.6),
        ("grad_norm", 0.7),
        ("val_loss", 0.8),
        ("val_accuracy", 0.9),
        ("throughput", 1.0),
    ];

    #[divan::bench(sample_count = SAMPLES, sample_size = 32)]
    fn off(b: Bencher) {
        assert!(!polytrack::is_active());
        b.bench(|| polytrack::log_metrics(black_box(&VALUES), Some(1), None));
    }

    #[divan::bench(sample_count = SAMPLES, sample_size = 32)]
    fn offline(b: Bencher) {
        let dir = TempDir::new("metrics");
        let run = start(common::offline(dir.path()));
        polytrack::log_metrics(&VALUES, Some(0), None).expect("logged");
        b.bench(|| polytrack::log_metrics(black_box(&VALUES), Some(1), None));
        let _ = run.end();
    }
}

/// A `#[track_params]` function of 10 arguments: logs them as inputs on each call.
mod track_params {
    use super::*;

    #[polytrack::track_params]
    #[allow(clippy::too_many_arguments)]
    fn configure(
        lr: f64,
        momentum: f64,
        weight_decay: f64,
        dropout: f64,
        batch_size: u32,
        epochs: u32,
        warmup_steps: u32,
        seed: u64,
        optimizer: &str,
        shuffle: bool,
    ) -> f64 {
        let _ = (optimizer, shuffle, seed);
        lr * momentum + weight_decay + dropout + f64::from(batch_size + epochs + warmup_steps)
    }

    fn call() -> f64 {
        configure(
            black_box(0.1),
            black_box(0.9),
            black_box(1e-4),
            black_box(0.2),
            black_box(64),
            black_box(10),
            black_box(500),
            black_box(42),
            black_box("adamw"),
            black_box(true),
        )
    }

    #[divan::bench(sample_count = SAMPLES, sample_size = SAMPLE_SIZE)]
    fn off(b: Bencher) {
        assert!(!polytrack::is_active());
        b.bench(call);
    }

    #[divan::bench(sample_count = SAMPLES, sample_size = SAMPLE_SIZE)]
    fn offline(b: Bencher) {
        let dir = TempDir::new("params");
        let run = start(common::offline(dir.path()));
        b.bench(call);
        let _ = run.end();
    }
}

/// What a logging call cannot avoid, for comparison (its floor): reading the clock (every event
/// carries its time, as in Polyaxon) and one `try_send` on a std bounded channel of the same
/// capacity and message size, drained by another thread; and both together. The `process`
/// benchmark prints each figure next to its floor.
mod reference {
    use super::*;
    use std::sync::mpsc::SyncSender;
    use std::time::SystemTime;

    #[divan::bench(sample_count = SAMPLES, sample_size = SAMPLE_SIZE)]
    fn system_time_now() -> SystemTime {
        SystemTime::now()
    }

    /// The clock metric calls read (quanta's raw counter: the TSC where it is invariant).
    #[divan::bench(sample_count = SAMPLES, sample_size = SAMPLE_SIZE)]
    fn tick_read(b: Bencher) {
        let clock = polytrack::__bench::tick_clock();
        b.bench(|| polytrack::__bench::read_ticks(&clock));
    }

    /// A message of the size of polytrack's metric values on their way to the writer (32
    /// bytes).
    type Message = [u64; 4];

    /// A channel of the run queue's capacity and message size, and its consumer.
    fn drained() -> (SyncSender<Message>, common::Drain) {
        common::drained(65_536)
    }

    #[divan::bench(sample_count = SAMPLES, sample_size = SAMPLE_SIZE)]
    fn sync_channel_try_send(b: Bencher) {
        let (tx, consumer) = drained();
        b.bench(|| tx.try_send(black_box([7; 4])).is_ok());
        consumer.stop();
    }

    /// The floor of `log_metric`: one clock read and one `try_send` of the message it makes.
    #[divan::bench(sample_count = SAMPLES, sample_size = SAMPLE_SIZE)]
    fn clock_and_try_send(b: Bencher) {
        let (tx, consumer) = drained();
        b.bench(|| {
            let mut m: Message = black_box([7; 4]);
            m[0] = SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            tx.try_send(m).is_ok()
        });
        consumer.stop();
    }

    /// The same with the clock metric calls read: one tick read and one `try_send`.
    #[divan::bench(sample_count = SAMPLES, sample_size = SAMPLE_SIZE)]
    fn ticks_and_try_send(b: Bencher) {
        let (tx, consumer) = drained();
        let clock = polytrack::__bench::tick_clock();
        b.bench(|| {
            let mut m: Message = black_box([7; 4]);
            m[0] = polytrack::__bench::read_ticks(&clock);
            tx.try_send(m).is_ok()
        });
        consumer.stop();
    }
}

//! What recording a log line costs the thread that logs it.
//!
//! ```text
//! cargo bench -p polytrack --bench logs            # medians, allocations per call
//! cargo bench -p polytrack --bench logs -- --test  # each benchmark once (smoke)
//! ```
//!
//! Each tracking benchmark starts an offline run in a temporary folder (so its lines go to
//! `plxlogs/logs.jsonl`) and ends it afterwards; a benchmark logs fewer lines than the run's
//! queue holds, so what is measured is the call, never a wait for the writer.

mod common;

use common::TempDir;
use divan::{black_box, AllocProfiler, Bencher};
use std::time::Duration;
use tracing_subscriber::prelude::*;

#[global_allocator]
static ALLOC: AllocProfiler = AllocProfiler::system();

fn main() {
    divan::main();
}

/// Samples per benchmark, and calls per sample: 25,600 lines in all.
const SAMPLES: u32 = 100;
const SAMPLE_SIZE: u32 = 256;

fn start(dir: &TempDir) -> polytrack::RunGuard {
    polytrack::init_with(common::offline(dir.path()).end_timeout(Duration::from_secs(10)))
        .expect("the run starts")
}

/// `tracing::info!` through `polytrack::logs::layer()` (the only layer of the subscriber).
mod tracing_layer {
    use super::*;

    fn with_layer(f: impl FnOnce()) {
        let subscriber = tracing_subscriber::registry().with(polytrack::logs::layer());
        tracing::subscriber::with_default(subscriber, f);
    }

    /// No run records logs: the layer's one atomic load.
    #[divan::bench(sample_count = SAMPLES, sample_size = SAMPLE_SIZE)]
    fn off(b: Bencher) {
        with_layer(|| {
            b.bench(|| tracing::info!(target: "train", epoch = black_box(3), "epoch done"));
        });
    }

    /// An offline run records the line.
    #[divan::bench(sample_count = SAMPLES, sample_size = SAMPLE_SIZE)]
    fn offline(b: Bencher) {
        let dir = TempDir::new("logs-layer");
        let run = start(&dir);
        with_layer(|| {
            b.bench(|| tracing::info!(target: "train", epoch = black_box(3), "epoch done"));
        });
        let _ = run.end();
    }
}

/// `log::info!` through `polytrack::logs::LogBridge` (installed once, with no other logger).
mod log_bridge {
    use super::*;

    fn install() {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            polytrack::logs::LogBridge::new()
                .install()
                .expect("no other logger");
        });
    }

    /// No run records logs.
    #[divan::bench(sample_count = SAMPLES, sample_size = SAMPLE_SIZE)]
    fn off(b: Bencher) {
        install();
        b.bench(|| log::info!(target: "train", "epoch {} done", black_box(3)));
    }

    /// An offline run records the line.
    #[divan::bench(sample_count = SAMPLES, sample_size = SAMPLE_SIZE)]
    fn offline(b: Bencher) {
        install();
        let dir = TempDir::new("logs-bridge");
        let run = start(&dir);
        b.bench(|| log::info!(target: "train", "epoch {} done", black_box(3)));
        let _ = run.end();
    }
}

/// What recording a line cannot avoid, for comparison (its floor): formatting it as the layer
/// and the bridge do (`LEVEL target: message field=value`), reading the clock, and one
/// `try_send` of the line on a std bounded channel drained by another thread.
mod floor {
    use super::*;
    use std::fmt::Write as _;
    use std::sync::mpsc::SyncSender;
    use std::time::SystemTime;
    use tracing::field::{Field, Visit};

    type Line = (SystemTime, String);

    /// A channel of lines with a thread draining it, as the run's writer does.
    fn with_channel(f: impl FnOnce(SyncSender<Line>)) {
        let (tx, drain) = common::drained::<Line>(65_536);
        f(tx);
        drain.stop();
    }

    /// The least a layer does: the event formatted into a `String` and sent.
    struct FloorLayer(SyncSender<Line>);

    struct Fields(String, String);

    impl Visit for Fields {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            if field.name() == "message" {
                let _ = write!(self.0, "{value:?}");
            } else {
                let _ = write!(self.1, " {}={value:?}", field.name());
            }
        }
    }

    impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for FloorLayer {
        fn on_event(
            &self,
            event: &tracing::Event<'_>,
            _: tracing_subscriber::layer::Context<'_, S>,
        ) {
            let meta = event.metadata();
            let mut fields = Fields(String::new(), String::new());
            event.record(&mut fields);
            let mut line = format!("{} {}: {}", meta.level(), meta.target(), fields.0);
            line.push_str(&fields.1);
            let _ = self.0.try_send((SystemTime::now(), line));
        }
    }

    /// The floor of `tracing_layer::offline`.
    #[divan::bench(sample_count = SAMPLES, sample_size = SAMPLE_SIZE)]
    fn tracing_format_and_try_send(b: Bencher) {
        with_channel(|tx| {
            let subscriber = tracing_subscriber::registry().with(FloorLayer(tx));
            tracing::subscriber::with_default(subscriber, || {
                b.bench(|| tracing::info!(target: "train", epoch = black_box(3), "epoch done"));
            });
        });
    }

    /// The floor of `log_bridge::offline` (without the facade's dispatch to the logger).
    #[divan::bench(sample_count = SAMPLES, sample_size = SAMPLE_SIZE)]
    fn log_format_and_try_send(b: Bencher) {
        with_channel(|tx| {
            b.bench(|| {
                let args = format_args!("epoch {} done", black_box(3));
                let record = log::Record::builder()
                    .level(log::Level::Info)
                    .target("train")
                    .args(args)
                    .build();
                let line = format!("{} {}: {}", record.level(), record.target(), record.args());
                tx.try_send((SystemTime::now(), line)).is_ok()
            });
        });
    }
}

//! Rich events: what `log_image` of a 224 x 224 RGB image and `log_histogram` of 1,000,000
//! values cost the caller (the copy of the input and the queueing; PNG encoding and binning
//! happen on the writer thread), and how many the writer encodes and writes per second.
//!
//! Each figure has its floor in the same run (`floor_*`): for the caller, the copy of the
//! input it cannot avoid (the call returns before the writer reads it); for the writer, the
//! PNG encoding of the same pixels with the same `png` settings written to a file, or one
//! pass for the range and one for the counts of a 30-bin histogram.
//!
//! ```text
//! cargo bench -p polytrack --bench events
//! cargo bench -p polytrack --bench events -- --test   # each once (smoke)
//! ```
//!
//! `scripts/bench/polyaxon_events.py` times the same calls with Polyaxon's Python client.

mod common;

use std::time::Duration;

use common::{offline, TempDir};
use divan::black_box;
use divan::counter::ItemsCount;
use divan::Bencher;
use polytrack::Image;

fn main() {
    divan::main();
}

const SIDE: usize = 224;

/// A 224 x 224 RGB image of noise-like pixels (PNG cannot shrink it much, as with photos).
fn pixels() -> Vec<u8> {
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    (0..SIDE * SIDE * 3)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 56) as u8
        })
        .collect()
}

/// Normal-ish values (sum of uniforms), 1,000,000 of them.
fn values(n: usize) -> Vec<f64> {
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n).map(|_| next() + next() + next() - 1.5).collect()
}

/// The caller's cost of `log_image`: copying the pixels into an [`Image`] and queueing it.
/// The writer is drained before each sample, so no call meets a full budget.
#[divan::bench(sample_count = 30, sample_size = 50)]
fn log_image_224_rgb(b: Bencher) {
    let dir = TempDir::new("events-image");
    let run = polytrack::init_with(offline(dir.path())).expect("the run starts");
    let data = pixels();
    let mut step = 0;
    b.with_inputs(|| {
        run.flush(Duration::from_secs(60)).expect("flushed");
    })
    .bench_local_values(|()| {
        step += 1;
        let image = Image::rgb(SIDE, SIDE, &data[..]).expect("valid image");
        run.log_image(image, Some("sample"), Some(step))
            .expect("queued");
    });
    drop(run);
}

/// The caller's cost of `log_histogram` of 1,000,000 values (their copy and a finiteness
/// check; binning runs on the writer).
#[divan::bench(sample_count = 20, sample_size = 4)]
fn log_histogram_1m(b: Bencher) {
    let dir = TempDir::new("events-hist");
    let run = polytrack::init_with(offline(dir.path())).expect("the run starts");
    let data = values(if common::is_smoke() {
        10_000
    } else {
        1_000_000
    });
    let mut step = 0;
    b.with_inputs(|| {
        run.flush(Duration::from_secs(60)).expect("flushed");
    })
    .bench_local_values(|()| {
        step += 1;
        run.log_histogram("weights", &data, 30, Some(step))
            .expect("queued");
    });
    drop(run);
}

/// Background throughput: 100 images logged, then `end()`, by when every PNG is encoded and
/// written and every row is in its file.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn images_until_end(b: Bencher) {
    let n: usize = if common::is_smoke() { 5 } else { 100 };
    let data = pixels();
    b.counter(ItemsCount::new(n))
        .with_inputs(|| {
            let dir = TempDir::new("events-images");
            let run = polytrack::init_with(offline(dir.path())).expect("the run starts");
            (dir, run)
        })
        .bench_values(|(dir, run)| {
            for step in 0..n as i64 {
                let image = Image::rgb(SIDE, SIDE, &data[..]).expect("valid image");
                run.log_image(image, Some("sample"), Some(step))
                    .expect("queued");
            }
            let report = run.end().expect("the run ends");
            assert!(report.is_complete(), "{report:?}");
            (dir, report)
        });
}

/// Background throughput: 20 histograms of 1,000,000 values logged, then `end()`. The 160 MB
/// of values queued at once exceed the default 64 MiB payload budget (the run would rightly
/// refuse them with `Backpressure`), so this run gets a 256 MiB budget.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn histograms_until_end(b: Bencher) {
    let n: usize = if common::is_smoke() { 2 } else { 20 };
    let data = values(if common::is_smoke() {
        10_000
    } else {
        1_000_000
    });
    b.counter(ItemsCount::new(n))
        .with_inputs(|| {
            let dir = TempDir::new("events-hists");
            let settings = offline(dir.path()).payload_budget(256 << 20);
            let run = polytrack::init_with(settings).expect("the run starts");
            (dir, run)
        })
        .bench_values(|(dir, run)| {
            for step in 0..n as i64 {
                run.log_histogram("weights", &data, 30, Some(step))
                    .expect("queued");
            }
            let report = run.end().expect("the run ends");
            assert!(report.is_complete(), "{report:?}");
            (dir, report)
        });
}

/// Floor of `log_image_224_rgb`: the copy of the pixels the call must make.
#[divan::bench(sample_count = 30, sample_size = 50)]
fn floor_copy_224_rgb(b: Bencher) {
    let data = pixels();
    b.bench_local(|| black_box(&data[..]).to_vec());
}

/// Floor of `log_histogram_1m`: the copy of the values the call must make.
#[divan::bench(sample_count = 20, sample_size = 4)]
fn floor_copy_1m(b: Bencher) {
    let data = values(if common::is_smoke() {
        10_000
    } else {
        1_000_000
    });
    b.bench_local(|| black_box(&data[..]).to_vec());
}

/// Floor of `images_until_end`: each image PNG-encoded as the writer encodes it (`png`,
/// RGB 8-bit, `Compression::Fast`) and written to its own file.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn floor_png_images(b: Bencher) {
    let n: usize = if common::is_smoke() { 5 } else { 100 };
    let data = pixels();
    let dir = TempDir::new("events-png-floor");
    b.counter(ItemsCount::new(n)).bench_local(|| {
        for step in 0..n {
            let mut out = Vec::new();
            let mut enc = png::Encoder::new(&mut out, SIDE as u32, SIDE as u32);
            enc.set_color(png::ColorType::Rgb);
            enc.set_depth(png::BitDepth::Eight);
            enc.set_compression(png::Compression::Fast);
            let mut writer = enc.write_header().expect("png header");
            writer.write_image_data(&data).expect("png data");
            writer.finish().expect("png end");
            std::fs::write(dir.path().join(format!("sample_{step}.png")), &out).expect("written");
        }
    });
}

/// Floor of `histograms_until_end`: for each histogram, one pass for the range and one that
/// counts each value into one of 30 equal bins.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn floor_bin_histograms(b: Bencher) {
    let n: usize = if common::is_smoke() { 2 } else { 20 };
    let data = values(if common::is_smoke() {
        10_000
    } else {
        1_000_000
    });
    b.counter(ItemsCount::new(n)).bench_local(|| {
        for _ in 0..n {
            let data = black_box(&data[..]);
            let (lo, hi) = data
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                    (a.min(*v), b.max(*v))
                });
            let scale = 30.0 / (hi - lo);
            let mut counts = [0u64; 30];
            for v in data {
                let i = ((v - lo) * scale) as usize;
                counts[i.min(29)] += 1;
            }
            black_box(counts);
        }
    });
}

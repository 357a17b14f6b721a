//! Summaries from kept values are those of the files the event-file sink writes, bit for bit.

use super::*;
use crate::record::RunRecord;
use crate::sink::files::EventFiles;
use crate::sink::{MetricRow, Sink};
use crate::summary::{summarize_event_file, MetricStats};

/// A folder under the system's temporary directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(what: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "polytrack-kept-{what}-{}-{}",
            std::process::id(),
            crate::id::new_uuid()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// xorshift64*: deterministic rows.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// One generated metric: what shapes of rows it has.
struct Shape {
    rows: usize,
    /// Per mille of rows without a step.
    no_step: u64,
    /// Per mille of NaN and of infinite values.
    nan: u64,
    inf: u64,
    /// Timestamps: 0 = now-ish with some whole seconds, 1 = one row past year 9999,
    /// 2 = one row before year 1.
    time: u8,
}

fn value(r: &mut Rng, shape: &Shape) -> f64 {
    let k = r.next() % 1000;
    if k < shape.nan {
        f64::NAN
    } else if k < shape.nan + shape.inf {
        if r.next() & 1 == 0 {
            f64::INFINITY
        } else {
            f64::NEG_INFINITY
        }
    } else {
        match r.next() % 5 {
            0 => f64::from_bits(r.next() >> 2),
            1 => -0.0,
            2 => (r.next() % 1000) as f64,
            _ => (r.next() >> 11) as f64 / (1u64 << 53) as f64 - 0.5,
        }
    }
}

/// Writes the metrics through the real event-file sink while keeping their values, then
/// compares every file's summary from memory with its summary from the file's text.
#[test]
fn summaries_from_memory_equal_summaries_of_the_files() {
    let dir = Scratch::new("equal");
    let shapes = [
        Shape {
            rows: 1,
            no_step: 0,
            nan: 0,
            inf: 0,
            time: 0,
        },
        Shape {
            rows: 2,
            no_step: 500,
            nan: 0,
            inf: 0,
            time: 0,
        },
        Shape {
            rows: 3000,
            no_step: 0,
            nan: 20,
            inf: 5,
            time: 0,
        },
        Shape {
            rows: 2500,
            no_step: 100,
            nan: 0,
            inf: 0,
            time: 0,
        },
        Shape {
            rows: 50,
            no_step: 1000,
            nan: 1000,
            inf: 0,
            time: 0,
        },
        Shape {
            rows: 20,
            no_step: 0,
            nan: 0,
            inf: 0,
            time: 1,
        },
        Shape {
            rows: 20,
            no_step: 0,
            nan: 0,
            inf: 0,
            time: 2,
        },
        Shape {
            rows: 130,
            no_step: 0,
            nan: 0,
            inf: 300,
            time: 0,
        },
    ];
    let names: Vec<String> = (0..shapes.len()).map(|i| format!("m{i}")).collect();
    let mut sink = EventFiles::new(&dir.0);
    let mut kept = KeptValues::new(VALUE_BUDGET);
    for (id, name) in names.iter().enumerate() {
        let path = dir
            .0
            .join("events")
            .join("metric")
            .join(format!("{name}.plx"));
        kept.add_metric(id as u32, path);
    }
    let mut r = Rng(0x1234_5678_9abc_def1);
    let base = 1_764_128_254_000_000i64;
    let mut batch = Vec::new();
    let longest = shapes.iter().map(|s| s.rows).max().unwrap();
    for row in 0..longest {
        for (id, shape) in shapes.iter().enumerate() {
            if row >= shape.rows {
                continue;
            }
            let step = (r.next() % 1000 >= shape.no_step).then_some(row as i64 * 2 - 7);
            // Whole seconds now and then: `.000000` rows must summarise as Python reads them.
            let mut micros = base + row as i64 * 1_000_000 + (r.next() % 3) as i64 * 137;
            if row == shape.rows / 2 {
                micros = match shape.time {
                    1 => 253_402_300_800_000_000,
                    2 => -62_135_596_800_000_001,
                    _ => micros,
                };
            }
            let timestamp = Timestamp::from_micros(micros);
            let value = value(&mut r, shape);
            kept.push(id as u32, step, timestamp, value);
            batch.push((id as u32, value, step, timestamp));
        }
    }
    let events: Vec<MetricRow> = batch
        .iter()
        .map(|&(id, value, step, timestamp)| MetricRow {
            id,
            value,
            step,
            timestamp,
        })
        .collect();
    let names: Vec<std::sync::Arc<str>> = names.iter().map(|n| n.as_str().into()).collect();
    sink.metrics(&events, &names).unwrap();
    sink.flush(&RunRecord::default(), &[]).unwrap();
    assert_eq!(kept.complete_paths().len(), shapes.len());
    for name in &names {
        let path = dir
            .0
            .join("events")
            .join("metric")
            .join(format!("{name}.plx"));
        let text = std::fs::read_to_string(&path).unwrap();
        let from_text = summarize_event_file("metric", &text).unwrap();
        let from_memory = kept.take(&path).unwrap().summary(&mut Vec::new()).unwrap();
        assert_eq!(
            from_memory.0.to_json_value(),
            from_text.0.to_json_value(),
            "{name}"
        );
        // Bit for bit, NaN included.
        let bits = |s: &EventFileSummary| s.metric.unwrap().entries().map(|(_, v)| v.to_bits());
        let nan_free =
            |bits: [u64; 9]| bits.map(|b| if f64::from_bits(b).is_nan() { 0 } else { b });
        assert_eq!(
            nan_free(bits(&from_memory.0)),
            nan_free(bits(&from_text.0)),
            "{name}"
        );
        assert_eq!(from_memory.0.step, from_text.0.step, "{name}");
        assert_eq!(from_memory.0.timestamp, from_text.0.timestamp, "{name}");
        assert_eq!(
            from_memory.1.to_bits() | u64::from(from_memory.1.is_nan()),
            from_text.1.to_bits() | u64::from(from_text.1.is_nan()),
            "{name}"
        );
    }
    // Out-of-range years lose the timestamp entry, as pandas does.
    let ts = |i: usize| {
        let path = dir
            .0
            .join("events")
            .join("metric")
            .join(format!("m{i}.plx"));
        summarize_event_file("metric", &std::fs::read_to_string(path).unwrap())
            .unwrap()
            .0
            .timestamp
    };
    assert!(ts(0).is_some() && ts(5).is_none() && ts(6).is_none());
}

#[test]
fn a_file_that_already_exists_is_read_back() {
    let dir = Scratch::new("exists");
    let old = dir.0.join("old.plx");
    std::fs::write(
        &old,
        "step|timestamp|metric\n1|2026-11-26 03:37:34.111507+00:00|0.5",
    )
    .unwrap();
    let mut kept = KeptValues::new(VALUE_BUDGET);
    kept.add_metric(0, old.clone());
    kept.add_metric(1, dir.0.join("new.plx"));
    for id in [0, 1] {
        kept.push(id, Some(2), Timestamp::from_micros(0), 1.0);
    }
    assert!(kept.take(&old).is_none());
    assert!(kept.take(&dir.0.join("new.plx")).is_some());
    // Taken once.
    assert!(kept.take(&dir.0.join("new.plx")).is_none());
}

#[test]
fn values_past_the_budget_are_released_and_read_back() {
    let dir = Scratch::new("budget");
    // Room for one metric's first 1,024 values.
    let mut kept = KeptValues::new(1024 * 8);
    kept.add_metric(0, dir.0.join("a.plx"));
    kept.add_metric(1, dir.0.join("b.plx"));
    let t = Timestamp::from_micros(0);
    for i in 0..1024 {
        kept.push(0, Some(i), t, 0.5);
    }
    kept.push(1, Some(0), t, 0.5);
    assert_eq!(kept.used, 1024 * 8);
    assert!(kept.take(&dir.0.join("b.plx")).is_none());
    // The 1,025th value of `a` needs more room than is left: `a` is released.
    kept.push(0, Some(1024), t, 0.5);
    assert_eq!(kept.used, 0);
    assert!(kept.take(&dir.0.join("a.plx")).is_none());
    // With no budget nothing is kept.
    let mut none = KeptValues::new(0);
    none.add_metric(0, dir.0.join("c.plx"));
    none.push(0, None, t, 1.0);
    assert!(none.take(&dir.0.join("c.plx")).is_none());
}

#[test]
fn forgetting_reads_every_file_back() {
    let dir = Scratch::new("forget");
    let mut kept = KeptValues::new(VALUE_BUDGET);
    kept.add_metric(0, dir.0.join("a.plx"));
    kept.push(0, None, Timestamp::from_micros(5), 2.0);
    kept.forget();
    assert!(kept.take(&dir.0.join("a.plx")).is_none());
    // A metric without rows has no summary, as an empty file has none.
    kept.add_metric(1, dir.0.join("b.plx"));
    assert!(kept
        .take(&dir.0.join("b.plx"))
        .unwrap()
        .summary(&mut Vec::new())
        .is_none());
}

/// Values in many chunks, none larger than the heap's share (under glibc's mmap threshold),
/// summarise as one column does, through one scratch buffer reused from file to file.
#[test]
fn chunked_values_summarise_as_one_column_through_a_reused_buffer() {
    let dir = Scratch::new("chunks");
    let mut kept = KeptValues::new(VALUE_BUDGET);
    let sizes = [40_000usize, 3, 17_000];
    let mut columns = Vec::new();
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    for (id, &n) in sizes.iter().enumerate() {
        kept.add_metric(id as u32, dir.0.join(format!("m{id}.plx")));
        let column: Vec<f64> = (0..n)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                if i % 97 == 5 {
                    f64::NAN
                } else {
                    (x >> 11) as f64 / (1u64 << 53) as f64 - 0.25
                }
            })
            .collect();
        for (i, &v) in column.iter().enumerate() {
            kept.push(
                id as u32,
                Some(i as i64),
                Timestamp::from_micros(i as i64),
                v,
            );
        }
        columns.push(column);
    }
    let file = kept.files[0].as_ref().unwrap();
    assert!(file.all_chunks().all(|c| c.capacity() <= LAST_CHUNK));
    assert_eq!(file.rows(), 40_000);
    let capacities: usize = kept.files.iter().flatten().map(KeptFile::capacity).sum();
    assert_eq!(kept.used, capacities * 8);
    let mut scratch = Vec::new();
    let mut room = 0;
    for (id, column) in columns.into_iter().enumerate() {
        let taken = kept.take(&dir.0.join(format!("m{id}.plx"))).unwrap();
        let (summary, last) = taken.summary(&mut scratch).unwrap();
        let last_want = *column.last().unwrap();
        let want = crate::summary::describe::metric_stats(column);
        let bits = |m: MetricStats| m.entries().map(|(_, v)| v.to_bits());
        assert_eq!(bits(summary.metric.unwrap()), bits(want), "metric {id}");
        assert_eq!(last.to_bits(), last_want.to_bits());
        // The buffer comes back empty, and keeps the largest room it needed.
        assert!(scratch.is_empty());
        assert!(scratch.capacity() >= room);
        room = scratch.capacity();
    }
    assert!(room >= 40_000, "{room}");
    assert_eq!(kept.used, 0);
}

//! Event-file parsing and the per-file lineage summary Polyaxon computes for event files.
//!
//! Python reference (traceml 1.5.0 `traceml/events/schemas.py`, `V1Events.read` +
//! `V1Events.get_summary`, called from polyaxon 2.18.0 `RunClient._collect_events_summaries`):
//!
//! ```python
//! df = pd.read_csv(path, sep="|", parse_dates=["timestamp"])   # JSONL kinds: pd.read_json(lines=True)
//! if df.empty: skip the file
//! summary = {"is_event": True}
//! if df.step.count():     summary["step"] = {"count": count, "min": df.step.iloc[0], "max": df.step.iloc[-1]}
//! try:                    summary["timestamp"] = {"min": df.timestamp.iloc[0].isoformat(),
//!                                                 "max": df.timestamp.iloc[-1].isoformat()}
//! if kind == "metric":    summary["metric"] = {**df.metric.describe().to_dict(), "last": df.metric.iloc[-1]}
//! ```
//!
//! with every number passed through `sanitize_np_types` (NaN and ±inf become `None`) and the
//! result serialized with orjson. The semantics reproduced here (checked against pandas 3.1 /
//! numpy 2.4; see the tests):
//!
//! * `step.min` / `step.max` are the **first and last rows'** steps, not the extremes. When any
//!   row has no step the column is float64, so both print as floats (`1.0`) and a missing first or
//!   last step is `null`. `step` is omitted when no row has a step.
//! * `timestamp` holds the first and last rows' timestamps re-printed by `Timestamp.isoformat()`
//!   (`T` separator, `.ffffff` only when the microsecond is non-zero). For pipe-separated files,
//!   pandas infers one format from the first row and gives up (the key is then omitted) unless
//!   every row matches it: a file mixing `...:34+00:00` (microsecond 0) and `...:34.5+00:00` gets
//!   **no** `timestamp` entry. Mixed UTC offsets, or naive mixed with aware, also drop it (for all
//!   kinds); JSONL kinds accept mixed fraction shapes.
//! * `metric` is `describe()`: `count` (float, non-NaN values), `mean` (numpy pairwise sum over
//!   the column with NaN replaced by 0, divided by the count), `std` (ddof=1, two-pass, `null`
//!   for fewer than 2 values), `min`, `25%`, `50%`, `75%` (numpy linear interpolation, including
//!   its NaN behaviour next to infinities), `max`; `last` is the last row's value (NaN → `null`).
//!   NaN values are skipped; infinities are kept (so `mean`, `std` and some quantiles become
//!   `null`).
//! * Values are parsed correctly rounded, as pandas 3 does. (pandas 2.x's default C parser is
//!   off by one ulp for about a third of 17-digit values, which would shift `min`, `max`, `last`
//!   and the statistics by an ulp; Python's own floats are parsed exactly.) `std` assumes pandas
//!   without bottleneck installed (bottleneck's `nanstd` sums differently).

mod describe;
mod files;
mod kept;
mod rows;
#[cfg(test)]
mod tests;

#[cfg(test)]
use rows::parse_metric_file;
use rows::{is_jsonl_kind, parse_event_file, MetricRow};

pub(crate) use files::event_summaries;
pub(crate) use kept::{KeptFile, KeptValues, VALUE_BUDGET};

use crate::timestamp::{iso_format, parse_timestamp, ParsedTimestamp};
use describe::metric_stats;
use rows::for_each_metric_row;
use serde_json::{Map, Number, Value};

/// The summary of an event file's text and, for metrics, its last value: what Polyaxon
/// computes for its lineage. Metric files are summarised in one pass without keeping their
/// rows (8 bytes a row for the statistics). `None` for a file without rows.
pub fn summarize_event_file(kind: &str, content: &str) -> Option<(EventFileSummary, f64)> {
    if kind != "metric" {
        let rows = parse_event_file(kind, content);
        let last = rows.last().map_or(f64::NAN, |r| r.value);
        return EventFileSummary::compute(kind, &rows).map(|s| (s, last));
    }
    let mut builder = SummaryBuilder::new(kind);
    for_each_metric_row(content, |step, timestamp, value| {
        builder.push(step, timestamp, value)
    });
    let last = builder.last_value;
    builder.finish().map(|s| (s, last))
}

/// Builds a summary row by row (the same semantics as pandas on the whole file).
struct SummaryBuilder<'a> {
    metric: bool,
    jsonl: bool,
    rows: u64,
    steps: u64,
    first_step: Option<i64>,
    last_step: Option<i64>,
    /// The first row's timestamp, parsed; `None` before the first row.
    first_ts: Option<(&'a str, ParsedTimestamp)>,
    /// The last fully checked timestamp (see [`same_minute_and_shape`]).
    checked: &'a str,
    offset_at: usize,
    /// Whether pandas would still parse the timestamp column.
    timestamps_ok: bool,
    last_ts: &'a str,
    /// Metric values in row order (NaN included).
    values: Vec<f64>,
    last_value: f64,
}

impl<'a> SummaryBuilder<'a> {
    fn new(kind: &str) -> Self {
        SummaryBuilder {
            metric: kind == "metric",
            jsonl: is_jsonl_kind(kind),
            rows: 0,
            steps: 0,
            first_step: None,
            last_step: None,
            first_ts: None,
            checked: "",
            offset_at: 0,
            timestamps_ok: true,
            last_ts: "",
            values: Vec::new(),
            last_value: f64::NAN,
        }
    }

    fn push(&mut self, step: Option<i64>, timestamp: &'a str, value: f64) {
        if self.rows == 0 {
            self.first_step = step;
            match parse_timestamp(timestamp) {
                Some(ts) => {
                    self.first_ts = Some((timestamp, ts));
                    self.checked = timestamp;
                    self.offset_at = offset_start(timestamp);
                }
                None => self.timestamps_ok = false,
            }
        }
        self.rows += 1;
        self.steps += u64::from(step.is_some());
        self.last_step = step;
        self.last_ts = timestamp;
        self.last_value = value;
        if self.metric {
            self.values.push(value);
        }
        if self.timestamps_ok {
            self.check_timestamp(timestamp);
        }
    }

    /// pandas (>= 2) rejects mixed offsets and naive mixed with aware for every kind; for
    /// pipe-separated files it also requires every row to match the format inferred from the
    /// first row. A row that is the last checked one with only its seconds and fraction
    /// changed (the common case) needs no full parse.
    fn check_timestamp(&mut self, text: &'a str) {
        if !self.jsonl && same_minute_and_shape(text, self.checked, self.offset_at) {
            return;
        }
        let Some((_, first)) = self.first_ts else {
            self.timestamps_ok = false;
            return;
        };
        match parse_timestamp(text) {
            Some(ts)
                if ts.offset_minutes == first.offset_minutes
                    && (self.jsonl || ts.shape == first.shape) =>
            {
                self.checked = text;
            }
            _ => self.timestamps_ok = false,
        }
    }

    fn finish(self) -> Option<EventFileSummary> {
        if self.rows == 0 {
            return None;
        }
        let step = step_summary(self.rows, self.steps, self.first_step, self.last_step);
        let timestamp = match (self.timestamps_ok, self.first_ts) {
            (true, Some((_, first))) => {
                parse_timestamp(self.last_ts).map(|last| TimestampSummary {
                    min: iso_format(&first),
                    max: iso_format(&last),
                })
            }
            _ => None,
        };
        let metric = self.metric.then(|| metric_stats(self.values));
        Some(EventFileSummary {
            step,
            timestamp,
            metric,
        })
    }
}

/// The `step` entry of a file of `rows` rows, `steps` of which have a step: the first and
/// last rows' steps, as integers when every row has one; `None` when no row has a step.
fn step_summary(
    rows: u64,
    steps: u64,
    first: Option<i64>,
    last: Option<i64>,
) -> Option<StepSummary> {
    let all_present = steps == rows;
    let bound = |step: Option<i64>| match step {
        Some(s) if all_present => StepBound::Int(s),
        Some(s) => StepBound::Float(s as f64),
        None => StepBound::Null,
    };
    (steps > 0).then(|| StepSummary {
        count: steps,
        min: bound(first),
        max: bound(last),
    })
}

/// A `step.min` / `step.max` entry: an integer when every row has a step, a float otherwise
/// (pandas' float64 column), or `null` for a missing step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum StepBound {
    /// All steps present: the step as an integer.
    Int(i64),
    /// Some steps missing: the step as a float (JSON `1.0`).
    Float(f64),
    /// This row has no step (NaN in pandas, `null` in JSON).
    Null,
}

/// The `step` entry of a summary.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepSummary {
    /// Number of rows with a step.
    pub count: u64,
    /// The first row's step.
    pub min: StepBound,
    /// The last row's step.
    pub max: StepBound,
}

/// The `timestamp` entry of a summary (ISO 8601 with `T`, as `Timestamp.isoformat()`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimestampSummary {
    /// The first row's timestamp.
    pub min: String,
    /// The last row's timestamp.
    pub max: String,
}

/// The `metric` entry of a summary: pandas `Series.describe()` plus `last`. Non-finite
/// values serialize as `null`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MetricStats {
    /// Number of non-NaN values (a float, as pandas reports it).
    pub count: f64,
    /// Mean of the non-NaN values.
    pub mean: f64,
    /// Sample standard deviation (ddof = 1); NaN for fewer than two values.
    pub std: f64,
    /// Smallest non-NaN value.
    pub min: f64,
    /// 25th percentile (linear interpolation).
    pub p25: f64,
    /// Median (linear interpolation).
    pub p50: f64,
    /// 75th percentile (linear interpolation).
    pub p75: f64,
    /// Largest non-NaN value.
    pub max: f64,
    /// The last row's value (may be NaN).
    pub last: f64,
}

/// Polyaxon's per-event-file lineage summary (the `summary` dict of the run artifact).
#[derive(Clone, Debug, PartialEq)]
pub struct EventFileSummary {
    /// `step`, absent when no row has a step.
    pub step: Option<StepSummary>,
    /// `timestamp`, absent when pandas could not parse the column as datetimes.
    pub timestamp: Option<TimestampSummary>,
    /// `metric`, present for the `metric` kind only.
    pub metric: Option<MetricStats>,
}

impl EventFileSummary {
    /// Computes the summary of an event file of `kind` from its rows. Returns `None` for an
    /// empty file: Polyaxon skips such files (no lineage entry).
    pub fn compute(kind: &str, rows: &[MetricRow]) -> Option<Self> {
        let mut builder = SummaryBuilder::new(kind);
        for row in rows {
            builder.push(row.step, &row.timestamp, row.value);
        }
        builder.finish()
    }

    /// The summary as a JSON value. Key order follows Python's only when serde_json's
    /// `preserve_order` feature is enabled (otherwise keys are sorted).
    pub fn to_json_value(&self) -> Value {
        let mut summary = Map::new();
        summary.insert("is_event".into(), Value::Bool(true));
        if let Some(step) = &self.step {
            let mut m = Map::new();
            m.insert("count".into(), Value::from(step.count));
            m.insert("min".into(), step_bound_value(step.min));
            m.insert("max".into(), step_bound_value(step.max));
            summary.insert("step".into(), Value::Object(m));
        }
        if let Some(ts) = &self.timestamp {
            let mut m = Map::new();
            m.insert("min".into(), Value::String(ts.min.clone()));
            m.insert("max".into(), Value::String(ts.max.clone()));
            summary.insert("timestamp".into(), Value::Object(m));
        }
        if let Some(stats) = &self.metric {
            let mut m = Map::new();
            for (key, v) in stats.entries() {
                m.insert(key.into(), float_value(v));
            }
            summary.insert("metric".into(), Value::Object(m));
        }
        Value::Object(summary)
    }
}

impl MetricStats {
    /// The entries in Python's order: `count`, `mean`, `std`, `min`, `25%`, `50%`, `75%`,
    /// `max`, `last`.
    pub fn entries(&self) -> [(&'static str, f64); 9] {
        [
            ("count", self.count),
            ("mean", self.mean),
            ("std", self.std),
            ("min", self.min),
            ("25%", self.p25),
            ("50%", self.p50),
            ("75%", self.p75),
            ("max", self.max),
            ("last", self.last),
        ]
    }
}

/// Polyaxon's summary of an event file of `kind` as a JSON value (see the module docs), or
/// `Value::Null` for an empty file, which Polyaxon skips entirely.
#[cfg(test)]
pub fn event_file_summary(kind: &str, rows: &[MetricRow]) -> Value {
    EventFileSummary::compute(kind, rows).map_or(Value::Null, |s| s.to_json_value())
}

/// A float as Python's sanitized JSON value: non-finite values become `null`.
fn float_value(v: f64) -> Value {
    Number::from_f64(v).map_or(Value::Null, Value::Number)
}

/// JSON value of a step bound.
fn step_bound_value(b: StepBound) -> Value {
    match b {
        StepBound::Int(i) => Value::from(i),
        StepBound::Float(f) => float_value(f),
        StepBound::Null => Value::Null,
    }
}

/// Where the UTC offset (`Z`, `+`, `-`) of a timestamp starts, after its time of day.
fn offset_start(text: &str) -> usize {
    text.bytes()
        .enumerate()
        .skip(19)
        .find(|(_, b)| matches!(b, b'Z' | b'+' | b'-'))
        .map_or(text.len(), |(i, _)| i)
}

/// Whether `text` is `checked` (a fully parsed timestamp) with only its seconds and fraction
/// digits changed, and seconds still at most 59.
fn same_minute_and_shape(text: &str, checked: &str, offset_at: usize) -> bool {
    let (t, c) = (text.as_bytes(), checked.as_bytes());
    if t.len() != c.len() || t.len() < 19 || t[..17] != c[..17] || offset_at > t.len() {
        return false;
    }
    let seconds_ok = t[17].is_ascii_digit() && t[18].is_ascii_digit() && t[17] <= b'5';
    seconds_ok
        && t[offset_at..] == c[offset_at..]
        && t[19..offset_at]
            .iter()
            .zip(&c[19..offset_at])
            .all(|(a, b)| {
                if b.is_ascii_digit() {
                    a.is_ascii_digit()
                } else {
                    a == b
                }
            })
}

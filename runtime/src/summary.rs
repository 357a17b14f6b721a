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

use serde_json::{Map, Number, Value};
use std::borrow::Cow;

/// One parsed row of an event file, borrowing its timestamp from the file's text.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricRow<'a> {
    /// The step column; `None` when empty (e.g. resource metrics) or `null` (JSONL kinds).
    pub step: Option<i64>,
    /// The timestamp column as written (`2026-11-26 03:37:34.111507+00:00`).
    pub timestamp: Cow<'a, str>,
    /// The metric value; NaN for missing values and for non-metric kinds.
    pub value: f64,
}

/// Artifact kinds whose event files are JSON lines rather than pipe-separated rows.
const JSONL_KINDS: [&str; 4] = ["html", "text", "chart", "span"];

/// Whether event files of `kind` are JSON lines (`html`, `text`, `chart`, `span`).
pub fn is_jsonl_kind(kind: &str) -> bool {
    JSONL_KINDS.contains(&kind)
}

/// Parses a metric event file (`step|timestamp|metric` header, `\n`-separated rows, no trailing
/// newline required).
///
/// The header line is skipped if present, as are blank lines and malformed rows (not exactly
/// three `|`-separated fields, a non-integer step, an empty timestamp or an unparsable value).
/// Values use Python's `str(float)` syntax (`0.5`, `1e-05`, `nan`, `inf`, `-inf`); pandas'
/// missing-value markers (empty, `NaN`, `NA`, `null`, ...) read as NaN.
pub fn parse_metric_file(content: &str) -> Vec<MetricRow<'_>> {
    let mut rows = Vec::with_capacity(content.len() / 48);
    for_each_metric_row(content, |step, timestamp, value| {
        rows.push(MetricRow {
            step,
            timestamp: Cow::Borrowed(timestamp),
            value,
        });
    });
    rows
}

/// Calls `f(step, timestamp, value)` for each well-formed row of a metric file, in order (see
/// [`parse_metric_file`] for what is skipped). One pass over the bytes finds each line's `|`
/// separators: summaries read every row of every file at the end of a run.
fn for_each_metric_row<'a>(content: &'a str, mut f: impl FnMut(Option<i64>, &'a str, f64)) {
    let bytes = content.as_bytes();
    let mut start = 0;
    let mut first_line = true;
    while start <= bytes.len() {
        let mut bars = [usize::MAX; 2];
        let mut n_bars = 0;
        let mut end = start;
        while end < bytes.len() && bytes[end] != b'\n' {
            if bytes[end] == b'|' {
                if n_bars < 2 {
                    bars[n_bars] = end;
                }
                n_bars += 1;
            }
            end += 1;
        }
        let line_start = start;
        let is_first = first_line;
        first_line = false;
        start = end + 1;
        let line_end = if end > line_start && bytes[end - 1] == b'\r' {
            end - 1
        } else {
            end
        };
        if line_end == line_start || n_bars != 2 {
            continue;
        }
        // Slicing at ASCII bytes (`|`, `\n`, `\r`) keeps to char boundaries.
        let (Some(step), Some(timestamp), Some(value)) = (
            content.get(line_start..bars[0]),
            content.get(bars[0] + 1..bars[1]),
            content.get(bars[1] + 1..line_end),
        ) else {
            continue;
        };
        if is_first && step == "step" {
            continue;
        }
        let (Some(step), Some(value)) = (parse_step(step), parse_value(value)) else {
            continue;
        };
        if !timestamp.is_empty() {
            f(step, timestamp, value);
        }
    }
}

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
        // The step column: first and last rows' steps, as integers when every row has one.
        let all_present = self.steps == self.rows;
        let bound = |step: Option<i64>| match step {
            Some(s) if all_present => StepBound::Int(s),
            Some(s) => StepBound::Float(s as f64),
            None => StepBound::Null,
        };
        let step = (self.steps > 0).then(|| StepSummary {
            count: self.steps,
            min: bound(self.first_step),
            max: bound(self.last_step),
        });
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

/// Parses the event file of any kind into rows (values are NaN except for `metric`).
///
/// Pipe-separated kinds keep the first two columns and ignore the payload; JSONL kinds
/// (`html`, `text`, `chart`, `span`: an empty first line, then one JSON object per line) read the
/// `step` (integer or `null`) and `timestamp` keys. Malformed lines are skipped.
pub fn parse_event_file<'a>(kind: &str, content: &'a str) -> Vec<MetricRow<'a>> {
    if kind == "metric" {
        return parse_metric_file(content);
    }
    let mut rows = Vec::new();
    let jsonl = is_jsonl_kind(kind);
    for (index, line) in content.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() || (!jsonl && index == 0 && line.starts_with("step|")) {
            continue;
        }
        let row = if jsonl {
            parse_jsonl_row(line)
        } else {
            parse_csv_row_ignoring_payload(line)
        };
        if let Some(row) = row {
            rows.push(row);
        }
    }
    rows
}

/// Parses `step|timestamp|<payload>` keeping only step and timestamp.
fn parse_csv_row_ignoring_payload(line: &str) -> Option<MetricRow<'_>> {
    let mut fields = line.splitn(3, '|');
    let step = parse_step(fields.next()?)?;
    let timestamp = fields.next()?;
    fields.next()?;
    if timestamp.is_empty() {
        return None;
    }
    Some(MetricRow {
        step,
        timestamp: Cow::Borrowed(timestamp),
        value: f64::NAN,
    })
}

/// Parses one JSONL event line, keeping `step` and `timestamp`.
fn parse_jsonl_row(line: &str) -> Option<MetricRow<'static>> {
    let value: Value = serde_json::from_str(line).ok()?;
    let obj = value.as_object()?;
    let timestamp = obj.get("timestamp")?.as_str()?;
    let step = match obj.get("step") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_i64()?),
    };
    Some(MetricRow {
        step,
        timestamp: Cow::Owned(timestamp.to_owned()),
        value: f64::NAN,
    })
}

/// Parses the step column: empty is `None`, otherwise a decimal `i64`. `None` (outer) means
/// malformed.
fn parse_step(field: &str) -> Option<Option<i64>> {
    if field.is_empty() {
        Some(None)
    } else {
        field.parse::<i64>().ok().map(Some)
    }
}

/// pandas' default missing-value markers (`read_csv` `na_values`).
const NA_MARKERS: [&str; 19] = [
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
];

/// Parses a metric value: Python float syntax (Rust's parser is correctly rounded, like
/// pandas 3's), pandas NA markers as NaN. `None` means malformed.
fn parse_value(field: &str) -> Option<f64> {
    match field.parse::<f64>() {
        Ok(v) => Some(v),
        Err(_) if NA_MARKERS.contains(&field) => Some(f64::NAN),
        Err(_) => None,
    }
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

// ---------------------------------------------------------------------------------------------
// step
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// timestamp
// ---------------------------------------------------------------------------------------------

/// A timestamp string parsed the way pandas parses ISO-like datetimes (the subset Polyaxon
/// writes): `YYYY-MM-DD[ T]HH:MM[:SS[.f{1,9}]][Z|±HH:MM|±HHMM]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ParsedTimestamp {
    /// Calendar fields.
    year: u32,
    /// Month 1-12.
    month: u32,
    /// Day 1-31 (validated against the month).
    day: u32,
    /// Hour 0-23.
    hour: u32,
    /// Minute 0-59.
    minute: u32,
    /// Second 0-59.
    second: u32,
    /// Nanoseconds of the fraction.
    nanos: u32,
    /// UTC offset in minutes, `None` for a naive timestamp.
    offset_minutes: Option<i32>,
    /// The format shape pandas infers from this string.
    shape: Shape,
}

/// The parts of a timestamp's format that pandas' inferred format fixes for the whole column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Shape {
    /// Date/time separator (`b' '` or `b'T'`).
    sep: u8,
    /// Whether seconds are present.
    seconds: bool,
    /// Whether a fraction is present.
    fraction: bool,
    /// Whether an offset is present.
    offset: bool,
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

/// Parses `n` ASCII digits at `s[at..at + n]`.
fn digits(s: &[u8], at: usize, n: usize) -> Option<u32> {
    let part = s.get(at..at + n)?;
    let mut v = 0u32;
    for &c in part {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

/// Whether `year` is a Gregorian leap year.
fn is_leap(year: u32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

impl ParsedTimestamp {
    /// Microseconds since the Unix epoch (UTC; a naive timestamp counts as UTC).
    pub(crate) fn epoch_micros(&self) -> i64 {
        let days = crate::pytime::days_from_civil(i64::from(self.year), self.month, self.day);
        let secs = days * 86_400
            + i64::from(self.hour) * 3_600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
            - i64::from(self.offset_minutes.unwrap_or(0)) * 60;
        secs * 1_000_000 + i64::from(self.nanos / 1_000)
    }
}

/// Parses a timestamp of the supported shape; `None` when it is not one.
pub(crate) fn parse_timestamp(text: &str) -> Option<ParsedTimestamp> {
    let s = text.as_bytes();
    let year = digits(s, 0, 4)?;
    let month = digits(s, 5, 2)?;
    let day = digits(s, 8, 2)?;
    if s.get(4) != Some(&b'-') || s.get(7) != Some(&b'-') {
        return None;
    }
    let sep = *s.get(10)?;
    if sep != b' ' && sep != b'T' {
        return None;
    }
    let hour = digits(s, 11, 2)?;
    let minute = digits(s, 14, 2)?;
    if s.get(13) != Some(&b':') {
        return None;
    }
    let mut at = 16;
    let mut second = 0;
    let mut seconds = false;
    if s.get(at) == Some(&b':') {
        second = digits(s, at + 1, 2)?;
        seconds = true;
        at += 3;
    }
    let mut nanos = 0u32;
    let mut fraction = false;
    if seconds && s.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        while at < s.len() && s[at].is_ascii_digit() {
            at += 1;
        }
        let n = at - start;
        if n == 0 || n > 9 {
            return None;
        }
        nanos = digits(s, start, n)? * 10u32.pow((9 - n) as u32);
        fraction = true;
    }
    let offset_minutes = match s.get(at) {
        None => None,
        Some(b'Z') if at + 1 == s.len() => Some(0),
        Some(&sign @ (b'+' | b'-')) => {
            let oh = digits(s, at + 1, 2)?;
            let om = match s.len() - at {
                6 if s[at + 3] == b':' => digits(s, at + 4, 2)?,
                5 => digits(s, at + 3, 2)?,
                _ => return None,
            };
            if oh > 23 || om > 59 {
                return None;
            }
            let total = (oh * 60 + om) as i32;
            Some(if sign == b'-' { -total } else { total })
        }
        Some(_) => return None,
    };
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => return None,
    };
    if year == 0 || day == 0 || day > days_in_month || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    Some(ParsedTimestamp {
        year,
        month,
        day,
        hour,
        minute,
        second,
        nanos,
        offset_minutes,
        shape: Shape {
            sep,
            seconds,
            fraction,
            offset: offset_minutes.is_some(),
        },
    })
}

/// pandas `Timestamp.isoformat()`: `YYYY-MM-DDTHH:MM:SS`, then `.fffffffff` when there are
/// nanoseconds, `.ffffff` when there are microseconds, then `±HH:MM` when aware.
fn iso_format(t: &ParsedTimestamp) -> String {
    let mut s = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    );
    if t.nanos % 1000 != 0 {
        s.push_str(&format!(".{:09}", t.nanos));
    } else if t.nanos != 0 {
        s.push_str(&format!(".{:06}", t.nanos / 1000));
    }
    if let Some(off) = t.offset_minutes {
        let sign = if off < 0 { '-' } else { '+' };
        let off = off.unsigned_abs();
        s.push_str(&format!("{sign}{:02}:{:02}", off / 60, off % 60));
    }
    s
}

// ---------------------------------------------------------------------------------------------
// metric: pandas Series.describe() on float64
// ---------------------------------------------------------------------------------------------

/// numpy's `pairwise_sum` for float64 `add.reduce` (blocks of up to 128 summed with 8
/// accumulators, recursive halving above), which `Series.sum()`/`mean()`/`std()` use.
fn pairwise_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut res = 0.0;
        for &x in a {
            res += x;
        }
        res
    } else if n <= 128 {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - (n % 8) {
            for (j, acc) in r.iter_mut().enumerate() {
                *acc += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        while i < n {
            res += a[i];
            i += 1;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&a[..n2]) + pairwise_sum(&a[n2..])
    }
}

/// `np.sum` of a float64 array: the reduction starts from the identity 0.0.
fn np_sum(a: &[f64]) -> f64 {
    0.0 + pairwise_sum(a)
}

/// numpy's `_lerp(a, b, t)` used by `np.quantile` (method "linear").
fn np_lerp(a: f64, b: f64, t: f64) -> f64 {
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

/// The largest value in numpy's sort order (`total_cmp`: `-0.0` before `0.0`).
fn sorted_max(values: &[f64]) -> Option<f64> {
    values.iter().copied().max_by(f64::total_cmp)
}

/// `np.quantile(values, q)` (method "linear") of NaN-free values, by selection instead of a
/// full sort (linear time; the values are reordered). NaN when `values` is empty.
fn np_quantile(values: &mut [f64], q: f64) -> f64 {
    let n = values.len();
    let Some(largest) = sorted_max(values) else {
        return f64::NAN;
    };
    let virtual_index = (n - 1) as f64 * q;
    if virtual_index >= (n - 1) as f64 {
        // numpy clamps both neighbours to the last element but keeps
        // gamma = virtual_index - (-1).
        return np_lerp(largest, largest, virtual_index + 1.0);
    }
    let previous = virtual_index.floor();
    let gamma = virtual_index - previous;
    let (_, &mut a, above) = values.select_nth_unstable_by(previous as usize, f64::total_cmp);
    // The next value in sorted order is the smallest of those above the selected one.
    match above.iter().copied().min_by(f64::total_cmp) {
        Some(b) => np_lerp(a, b, gamma),
        None => f64::NAN,
    }
}

/// pandas `describe()` of the value column plus the last value.
fn metric_stats(values: Vec<f64>) -> MetricStats {
    let last = values.last().copied().unwrap_or(f64::NAN);
    let mut present: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    // NaN-masked values replaced by 0, as pandas' nanops do before summing.
    let mut filled = values;
    let masked: Vec<bool> = filled.iter().map(|v| v.is_nan()).collect();
    for v in &mut filled {
        if v.is_nan() {
            *v = 0.0;
        }
    }
    let count = present.len() as f64;
    if present.is_empty() {
        return MetricStats {
            count: 0.0,
            mean: f64::NAN,
            std: f64::NAN,
            min: f64::NAN,
            p25: f64::NAN,
            p50: f64::NAN,
            p75: f64::NAN,
            max: f64::NAN,
            last,
        };
    }
    let sum = np_sum(&filled);
    let mean = sum / count;
    let std = if present.len() > 1 {
        // nanvar: two passes over the NaN-filled column, squared deviations of masked
        // entries set to 0, divided by count - ddof.
        // In place: the filled values are not needed any more.
        for (x, &nan) in filled.iter_mut().zip(&masked) {
            *x = if nan {
                0.0
            } else {
                let d = mean - *x;
                d * d
            };
        }
        (np_sum(&filled) / (count - 1.0)).sqrt()
    } else {
        f64::NAN
    };
    let min = present
        .iter()
        .copied()
        .min_by(f64::total_cmp)
        .unwrap_or(f64::NAN);
    let max = sorted_max(&present).unwrap_or(f64::NAN);
    MetricStats {
        count,
        mean,
        std,
        min,
        p25: np_quantile(&mut present, 0.25),
        p50: np_quantile(&mut present, 0.5),
        p75: np_quantile(&mut present, 0.75),
        max,
        last,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic generator shared with the Python script that produced the expectations.
    struct SplitMix64(u64);

    impl SplitMix64 {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
    }

    /// `(seed, n, nan_permille, inf_permille, scale_index, step_missing_permille)`.
    type Case = (u64, usize, u64, u64, usize, u64);

    /// `(case, expected (count, min, max) of step, expected metric stats as f64 bits)`.
    type MetricCase = (Case, Option<(u64, StepBound, StepBound)>, [Option<u64>; 9]);

    const SCALES: [f64; 5] = [1.0, 1e-3, 1e6, 3.0, 1e300];
    const TS_FIRST: &str = "2026-11-26 03:37:34.111507+00:00";
    const TS_MID: &str = "2026-11-26 03:37:34.500000+00:00";
    const TS_LAST: &str = "2026-11-26 03:38:01.000001+00:00";

    fn gen_rows(case: Case) -> Vec<MetricRow<'static>> {
        let (seed, n, nan_pm, inf_pm, scale_idx, step_missing_pm) = case;
        let mut r = SplitMix64(seed);
        let scale = SCALES[scale_idx];
        (0..n)
            .map(|i| {
                let u = (r.next() >> 11) as f64 * (2.0f64).powi(-53);
                let mut v = (u * 2.0 - 1.0) * scale;
                let k = r.next() % 1000;
                if k < nan_pm {
                    v = f64::NAN;
                } else if k < nan_pm + inf_pm {
                    v = if r.next() & 1 == 1 {
                        f64::INFINITY
                    } else {
                        f64::NEG_INFINITY
                    };
                }
                let s = r.next() % 1000;
                let step = if s < step_missing_pm {
                    None
                } else {
                    Some(i as i64 * 3 + 1)
                };
                let timestamp = if i == 0 {
                    TS_FIRST
                } else if i == n - 1 {
                    TS_LAST
                } else {
                    TS_MID
                };
                MetricRow {
                    step,
                    timestamp: Cow::Borrowed(timestamp),
                    value: v,
                }
            })
            .collect()
    }

    fn sanitized_bits(v: f64) -> Option<u64> {
        v.is_finite().then(|| v.to_bits())
    }

    #[test]
    fn metric_stats_match_pandas() {
        for &(case, step, expected) in PY_METRIC_CASES {
            let rows = gen_rows(case);
            let s = EventFileSummary::compute("metric", &rows).unwrap();
            let got_step = s.step.map(|st| (st.count, st.min, st.max));
            assert_eq!(got_step, step, "step of {case:?}");
            let ts = s.timestamp.clone().unwrap();
            assert_eq!(ts.min, "2026-11-26T03:37:34.111507+00:00");
            let want_max = if rows.len() > 1 { TS_LAST } else { TS_FIRST };
            assert_eq!(ts.max, want_max.replace(' ', "T"));
            let stats = s.metric.unwrap();
            for ((key, got), want) in stats.entries().iter().zip(expected) {
                assert_eq!(sanitized_bits(*got), want, "{key} of {case:?}: got {got:e}");
            }
        }
    }

    #[test]
    fn whole_summaries_match_polyaxon() {
        for &(kind, content, want) in PY_FILE_CASES {
            let got = summarize_event_file(kind, content).map(|(s, _)| s.to_json_value());
            if want == "SKIPPED" {
                assert_eq!(got, None, "{kind}: {content:?}");
            } else {
                // Same keys, same values, integers and floats kept apart (`1` vs `1.0`).
                let want: Value = serde_json::from_str(want).unwrap();
                assert_eq!(got, Some(want), "{kind}: {content:?}");
            }
        }
    }

    #[test]
    fn json_value_matches_text() {
        let content = "step|timestamp|metric\n1|2026-11-26 03:37:34.111507+00:00|0.5\n|2026-11-26 03:37:34.111647+00:00|nan";
        let rows = parse_metric_file(content);
        let v = event_file_summary("metric", &rows);
        assert_eq!(v["step"]["min"], serde_json::json!(1.0));
        assert_eq!(v["metric"]["last"], Value::Null);
        assert_eq!(v["metric"]["std"], Value::Null);
        assert_eq!(event_file_summary("metric", &[]), Value::Null);
    }

    #[test]
    fn parsing() {
        let rows = parse_metric_file(
            "step|timestamp|metric\n1|t1|0.5\n\n|t2|1e-05\n3|t3|nan\n4|t4|-inf\nbad\n5|t5|x\n6||1\n7.5|t|1\n8|t8|inf\r\n9|t9|",
        );
        let got: Vec<(Option<i64>, &str, String)> = rows
            .iter()
            .map(|r| (r.step, r.timestamp.as_ref(), format!("{:?}", r.value)))
            .collect();
        assert_eq!(
            got,
            vec![
                (Some(1), "t1", "0.5".to_owned()),
                (None, "t2", "1e-5".to_owned()),
                (Some(3), "t3", "NaN".to_owned()),
                (Some(4), "t4", "-inf".to_owned()),
                (Some(8), "t8", "inf".to_owned()),
                (Some(9), "t9", "NaN".to_owned()),
            ]
        );
        let rows = parse_event_file(
            "text",
            "\n{\"timestamp\": \"2026-11-26 03:37:34.114073+00:00\", \"step\": 1, \"text\": \"a|b\"}\nnot json\n{\"timestamp\": \"x\", \"step\": null, \"text\": \"\"}",
        );
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].step, Some(1));
        assert_eq!(rows[1].step, None);
        let rows = parse_event_file(
            "image",
            "step|timestamp|image\n|2026-11-26 03:37:34.111507+00:00|{\"path\":\"a|b\"}",
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].step, None);
        assert!(rows[0].value.is_nan());
    }

    #[test]
    fn timestamp_parsing() {
        let t = parse_timestamp("2026-11-26 03:37:34.5-05:30").unwrap();
        assert_eq!(iso_format(&t), "2026-11-26T03:37:34.500000-05:30");
        let t = parse_timestamp("2026-11-26T03:37Z").unwrap();
        assert_eq!(iso_format(&t), "2026-11-26T03:37:00+00:00");
        let t = parse_timestamp("2024-02-29 00:00:00.000000001").unwrap();
        assert_eq!(iso_format(&t), "2024-02-29T00:00:00.000000001");
        for bad in [
            "2023-02-29 00:00:00",
            "2026-13-01 00:00:00",
            "2026-11-26 24:00:00",
            "2026-11-26",
            "garbage",
            "2026-11-26 03:37:34.+00:00",
            "2026-11-26 03:37:34+0:00",
            "2026-11-26 03:37:34 ",
        ] {
            assert!(parse_timestamp(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn numpy_helpers() {
        assert_eq!(np_sum(&[-0.0]).to_bits(), 0.0f64.to_bits());
        assert_eq!(np_quantile(&mut [1.0, 2.0, 3.0, 4.0], 0.25), 1.75);
        assert!(np_quantile(&mut [1.0, 2.0, 3.0, 4.0, f64::INFINITY], 0.75).is_nan());
        assert!(np_quantile(&mut [f64::INFINITY], 0.5).is_nan());
        assert_eq!(np_quantile(&mut [7.0], 0.75), 7.0);
        // Selection gives what sorting gives, whatever the order.
        assert_eq!(np_quantile(&mut [4.0, 1.0, 3.0, 2.0], 0.25), 1.75);
        assert_eq!(np_quantile(&mut [3.0, -1.0, 10.0, 2.0, 5.0], 0.75), 5.0);
        assert!(np_quantile(&mut [], 0.5).is_nan());
    }

    /// `((seed, n, nan_permille, inf_permille, scale_index, step_missing_permille), step summary,
    /// metric stats as f64 bits)` from traceml 1.5.0 `V1Events.get_summary` on pandas 3.1.1 / numpy 2.4.6.
    #[rustfmt::skip]
    const PY_METRIC_CASES: &[MetricCase] = &[
        ((1, 1, 0, 0, 0, 0), Some((1, StepBound::Int(1), StepBound::Int(1))), [Some(0x3ff0000000000000), Some(0x3fc10a2dec890258), None, Some(0x3fc10a2dec890258), Some(0x3fc10a2dec890258), Some(0x3fc10a2dec890258), Some(0x3fc10a2dec890258), Some(0x3fc10a2dec890258), Some(0x3fc10a2dec890258)]),
        ((2, 2, 0, 0, 0, 0), Some((2, StepBound::Int(1), StepBound::Int(4))), [Some(0x4000000000000000), Some(0x3fd6d2ae16471fd0), Some(0x3fcf89f4f3a42a91), Some(0x3fc75835de1c9750), Some(0x3fd13f6482aab5bc), Some(0x3fd6d2ae16471fd0), Some(0x3fdc65f7a9e389e4), Some(0x3fe0fca09ebff9fc), Some(0x3fe0fca09ebff9fc)]),
        ((3, 3, 0, 0, 1, 0), Some((3, StepBound::Int(1), StepBound::Int(7))), [Some(0x4008000000000000), Some(0xbf49bedb615c6141), Some(0x3f10931189504cd0), Some(0xbf4bfe1b6587821b), Some(0xbf4aa9aac4933dc9), Some(0xbf49553a239ef977), Some(0xbf489f3b5f46d0d5), Some(0xbf47e93c9aeea833), Some(0xbf47e93c9aeea833)]),
        ((4, 4, 0, 0, 2, 0), Some((4, StepBound::Int(1), StepBound::Int(10))), [Some(0x4010000000000000), Some(0x41074a3547578b1a), Some(0x411affbaecd994a9), Some(0xc100bc02ea843f13), Some(0xc0e6c256409bbd0b), Some(0x40dcc1643cd53c10), Some(0x4110497baf8c90f0), Some(0x4129ad1fbe2b471e), Some(0x40f264e9ad24f203)]),
        ((5, 5, 0, 0, 3, 0), Some((5, StepBound::Int(1), StepBound::Int(13))), [Some(0x4014000000000000), Some(0x3fe14168d61fbebc), Some(0x40014c5f7e946c38), Some(0xc0033b513b771eee), Some(0xbfe5bd93b68558b0), Some(0x3fe3dc4f6588735c), Some(0x4001f6ca9588d06a), Some(0x40074e9ac5d53644), Some(0x4001f6ca9588d06a)]),
        ((6, 7, 0, 0, 0, 0), Some((7, StepBound::Int(1), StepBound::Int(19))), [Some(0x401c000000000000), Some(0xbfbe9662482e5f80), Some(0x3fe90df0717ee0ba), Some(0xbfedd44b9dd36abe), Some(0xbfe6757b06285d90), Some(0xbfe3469861e9cebe), Some(0x3fe48cb1ad3e4cd9), Some(0x3fea28e0b268c75a), Some(0x3fe9c039e4111dba)]),
        ((7, 8, 0, 0, 0, 0), Some((8, StepBound::Int(1), StepBound::Int(22))), [Some(0x4020000000000000), Some(0x3f878a3716b6fa90), Some(0x3fdd8ed6192b3fac), Some(0xbfe92beb8e74bf34), Some(0xbfc7ba4dae035882), Some(0x3f90a154313ab940), Some(0x3fc78bdc97e095c4), Some(0x3feac0d537d2916c), Some(0xbfe92beb8e74bf34)]),
        ((8, 9, 0, 0, 2, 0), Some((9, StepBound::Int(1), StepBound::Int(25))), [Some(0x4022000000000000), Some(0x410d79142abb5ae9), Some(0x4121288317ac0d2f), Some(0xc12652adfd546e2c), Some(0xc0fcbd8137856ff5), Some(0x4104dee931a15e42), Some(0x412781246293bec3), Some(0x412e359a49a9153a), Some(0x412e359a49a9153a)]),
        ((9, 15, 0, 0, 1, 0), Some((15, StepBound::Int(1), StepBound::Int(43))), [Some(0x402e000000000000), Some(0x3f2d1b50bc1a4221), Some(0x3f4142c02c1aa716), Some(0xbf4b77168e8d0627), Some(0xbf1d2169862b88a4), Some(0x3f331c87802e6cea), Some(0x3f450daccb4841d2), Some(0x3f4fd58e6649affc), Some(0xbf25bdbf8bb7609c)]),
        ((10, 16, 0, 0, 0, 0), Some((16, StepBound::Int(1), StepBound::Int(46))), [Some(0x4030000000000000), Some(0xbfcf93c79d1b6771), Some(0x3fe279af4dbbd87b), Some(0xbfefe6c14f218936), Some(0xbfe773529986eaa2), Some(0xbfd6ca6d5f51ca10), Some(0x3fac9d324077c600), Some(0x3feb12ae99037592), Some(0x3f94861dc8c8d100)]),
        ((11, 17, 0, 0, 3, 0), Some((17, StepBound::Int(1), StepBound::Int(49))), [Some(0x4031000000000000), Some(0x3fdd3560e43f7211), Some(0x3ffd50aa1d0f579b), Some(0xc0038b9608ef81a0), Some(0xbff1a3fa5112afee), Some(0x3feb008059ce5dea), Some(0x3ffe20c5a69fbfa4), Some(0x4005f25ca91e9160), Some(0x40058bf278996428)]),
        ((12, 100, 0, 0, 0, 0), Some((100, StepBound::Int(1), StepBound::Int(298))), [Some(0x4059000000000000), Some(0xbfa2ea9451d54b04), Some(0x3fe18f92e86cde14), Some(0xbfee6c54817b18ec), Some(0xbfe0822a818f1e96), Some(0xbfc3705ae03bdc74), Some(0x3fdbc25b9f730b79), Some(0x3fef844efe538846), Some(0x3feecb5c8855e538)]),
        ((13, 127, 0, 0, 2, 0), Some((127, StepBound::Int(1), StepBound::Int(379))), [Some(0x405fc00000000000), Some(0x40e41db76dfd86d5), Some(0x41213abb1e9dab8d), Some(0xc12e6a9d74c07bd9), Some(0xc117f4fb008771d4), Some(0x40f67142044096d7), Some(0x411e75fc3aae0dbe), Some(0x412e6866a2fda885), Some(0xc12976cf8ab8db10)]),
        ((14, 128, 0, 0, 0, 0), Some((128, StepBound::Int(1), StepBound::Int(382))), [Some(0x4060000000000000), Some(0xbfa20cee03ba7234), Some(0x3fe34e0fffb701a8), Some(0xbfeff8393483aea8), Some(0xbfe10b20e8c1c9c7), Some(0xbfb44140781bd530), Some(0x3fe08661c5a4e7a4), Some(0x3fefea2163a710ca), Some(0x3fba56b333521320)]),
        ((15, 129, 0, 0, 1, 0), Some((129, StepBound::Int(1), StepBound::Int(385))), [Some(0x4060200000000000), Some(0xbf16656c4c5dda5c), Some(0x3f42ee90ca4d5bb1), Some(0xbf4fb68b5a9c2e2b), Some(0xbf457718d971d671), Some(0xbf2308f04807f452), Some(0x3f396b49eee07f06), Some(0x3f5011e8a243294f), Some(0x3f10ab65f45224dd)]),
        ((16, 255, 0, 0, 0, 0), Some((255, StepBound::Int(1), StepBound::Int(763))), [Some(0x406fe00000000000), Some(0xbfa1d02443e21a3a), Some(0x3fe2b144f45ed069), Some(0xbfefde6a99593c40), Some(0xbfe0b2c78f822036), Some(0xbfa24f1ba2270500), Some(0x3fd9b4a33700b12a), Some(0x3fef7b1e9364e9ea), Some(0xbfda18670191e6b4)]),
        ((17, 256, 0, 0, 3, 0), Some((256, StepBound::Int(1), StepBound::Int(766))), [Some(0x4070000000000000), Some(0xbfcb76235a6e9196), Some(0x3ffbfc82073b6d00), Some(0xc007f889b072fd66), Some(0xbffb7e70a52d49ac), Some(0xbfd39f92c80c6eb0), Some(0x3ff53ad089957ef2), Some(0x4007bf04b98dc6d0), Some(0xbff81521ab0ae6bd)]),
        ((18, 257, 0, 0, 0, 0), Some((257, StepBound::Int(1), StepBound::Int(769))), [Some(0x4070100000000000), Some(0x3fa34a1e8eb3aff3), Some(0x3fe3c70a041b3a0d), Some(0xbfef9d3b0b44882a), Some(0xbfdee32800a8d870), Some(0x3fb0a705cd5ec920), Some(0x3fe35060284444d2), Some(0x3feff9c855f92f1e), Some(0x3fdf5f550052bad0)]),
        ((19, 1000, 0, 0, 2, 0), Some((1000, StepBound::Int(1), StepBound::Int(2998))), [Some(0x408f400000000000), Some(0xc0dcb1296963d3bd), Some(0x412127109633f71e), Some(0xc12e6ac7eacae3f9), Some(0xc11ef6750bf733df), Some(0xc0e9d02ddb0437aa), Some(0x411b21826c48014e), Some(0x412e532fd54acb6e), Some(0xc1214e97a2a8abc2)]),
        ((20, 4099, 0, 0, 0, 0), Some((4099, StepBound::Int(1), StepBound::Int(12295))), [Some(0x40b0030000000000), Some(0xbf8bff8a1294d44d), Some(0x3fe2853a20b4e8d3), Some(0xbfeff8cad5ed14f6), Some(0xbfe08d16116b3317), Some(0xbf92c4a7d9286200), Some(0x3fde877d1e711a84), Some(0x3feff49b9de73c98), Some(0xbfeddfc6cd9e23b2)]),
        ((21, 10007, 0, 0, 3, 0), Some((10007, StepBound::Int(1), StepBound::Int(30019))), [Some(0x40c38b8000000000), Some(0x3f949b6603800bdb), Some(0x3ffbc9209011f21b), Some(0xc007ff100e062bf9), Some(0xbff7a6c6c6520da4), Some(0x3f92a3c663c6bf00), Some(0x3ff889f6068d92d0), Some(0x4007fe87b0bd399c), Some(0x3ffe9d044537a8a5)]),
        ((22, 65536, 0, 0, 0, 0), Some((65536, StepBound::Int(1), StepBound::Int(196606))), [Some(0x40f0000000000000), Some(0x3f3b581d33928ff8), Some(0x3fe27312be36e8ad), Some(0xbfeffff851998e34), Some(0xbfdfd32c3dca8fe4), Some(0x3f62b2d3e9e88800), Some(0x3fdfd615503f4c13), Some(0x3feffffcc54ca40c), Some(0xbfe62bd7244ac7c2)]),
        ((23, 100003, 0, 0, 2, 0), Some((100003, StepBound::Int(1), StepBound::Int(300007))), [Some(0x40f86a3000000000), Some(0xc0ac07bdfa5192bd), Some(0x412199564481bdf9), Some(0xc12e847dfd2b58ff), Some(0xc11e9b634bc6b253), Some(0xc0b562a010b531ee), Some(0x411e3d063e76ea2a), Some(0x412e845dea9422dc), Some(0xc12e39fe69859df2)]),
        ((24, 1000000, 0, 0, 3, 0), Some((1000000, StepBound::Int(1), StepBound::Int(2999998))), [Some(0x412e848000000000), Some(0xbf424d77c9a59855), Some(0x3ffbb80db5f1f28d), Some(0xc007fffd8ef1fa5c), Some(0xbff8006f4111d95a), Some(0xbf55bc256e62da00), Some(0x3ff8018e211eaa6e), Some(0x4007fffeec07ae16), Some(0xbfe1316fb3d2a852)]),
        ((25, 50, 100, 0, 0, 0), Some((50, StepBound::Int(1), StepBound::Int(148))), [Some(0x4048000000000000), Some(0x3fa54581579212d1), Some(0x3fe2f9ede44f8545), Some(0xbfeea1048b4046f0), Some(0xbfd9fa03c22676e8), Some(0xbfb404d7c7ad04c0), Some(0x3fe47042c28f99aa), Some(0x3fed1b238ffb9c28), Some(0x3fe955c852846cf8)]),
        ((26, 500, 300, 0, 3, 0), Some((500, StepBound::Int(1), StepBound::Int(1498))), [Some(0x4075b00000000000), Some(0xbfabc48a62e3570a), Some(0x3ffbf36deb0850b7), Some(0xc007de254490537c), Some(0xbff8edb9b3c8f54f), Some(0xbfc7236e59477b80), Some(0x3ff7adbaa59dc05e), Some(0x4007ff05b9549096), Some(0xbfdc8b0876b41b58)]),
        ((27, 3000, 50, 0, 2, 200), Some((2366, StepBound::Float(1.0), StepBound::Float(8998.0))), [Some(0x40a6280000000000), Some(0xc0a03f1aa9771b8a), Some(0x41218ca8a1581cf7), Some(0xc12e7989939b6841), Some(0xc11f2159e6935bda), Some(0xc0b7b7e038750cfe), Some(0x411e9ef3ad257e0b), Some(0x412e6eb7176c4c4e), Some(0xc1103b43a2549e1f)]),
        ((28, 10, 500, 0, 0, 500), Some((8, StepBound::Float(1.0), StepBound::Float(28.0))), [Some(0x4010000000000000), Some(0xbfdca28b41d33a27), Some(0x3fcdf5e897fc1567), Some(0xbfe91ccb9738307a), Some(0xbfdf2092fc9af53a), Some(0xbfd85d89878164de), Some(0xbfd5df81ccb9a9cb), Some(0xbfcf2b0593b37bd8), Some(0xbfd8c2e6ebfe7bfc)]),
        ((29, 20, 0, 100, 0, 0), Some((20, StepBound::Int(1), StepBound::Int(58))), [Some(0x4034000000000000), None, None, None, Some(0xbfdcdf2e7a4c29bd), Some(0x3fbcfb2d8a65c4c8), Some(0x3fd8c3075370a4bd), None, Some(0x3feba7acb21ff68e)]),
        ((30, 200, 30, 30, 3, 100), Some((178, StepBound::Float(1.0), StepBound::Float(598.0))), [Some(0x4068200000000000), None, None, None, Some(0xbff8ab572f11b585), Some(0xbfc3d222bccbf900), Some(0x3ff691a6519f9420), None, Some(0xbfec379932ad1032)]),
        ((31, 5, 1000, 0, 0, 0), Some((5, StepBound::Int(1), StepBound::Int(13))), [Some(0x0000000000000000), None, None, None, None, None, None, None, None]),
        ((32, 1, 1000, 0, 0, 1000), None, [Some(0x0000000000000000), None, None, None, None, None, None, None, None]),
        ((33, 2, 0, 1000, 0, 0), Some((2, StepBound::Int(1), StepBound::Int(4))), [Some(0x4000000000000000), None, None, None, None, None, None, None, None]),
        ((34, 40, 0, 0, 4, 0), Some((40, StepBound::Int(1), StepBound::Int(118))), [Some(0x4044000000000000), Some(0xfdea26affa54005a), None, Some(0xfe3768d8a59a6cd9), Some(0xfe279ad3334cee70), Some(0x7dbb2925db5d3d02), Some(0x7e2210327068a6f0), Some(0x7e37c4be7a608563), Some(0x7ddfbb14cf2c811d)]),
        ((35, 12345, 10, 0, 4, 0), Some((12345, StepBound::Int(1), StepBound::Int(37033))), [Some(0x40c7de0000000000), Some(0x7d5a12e996409492), None, Some(0xfe37e1b370405fce), Some(0xfe2872ddfb653fe2), Some(0xfda30f41b44b344a), Some(0x7e281a3ea5446825), Some(0x7e37e33b28dd5cfc), Some(0xfe12b113f31fb414)]),
        ((36, 30000, 0, 0, 1, 999), Some((28, StepBound::Null, StepBound::Null)), [Some(0x40dd4c0000000000), Some(0x3ed317a750fefc6f), Some(0x3f42dc5327424302), Some(0xbf5061f83f5b709e), Some(0xbf4034f45e3ae46a), Some(0x3ecc0a40f8bab43a), Some(0x3f406a585af534db), Some(0x3f5061cc6b45d5ac), Some(0xbf309022aa9cb825)]),
        ((37, 6, 0, 0, 0, 1000), None, [Some(0x4018000000000000), Some(0xbfc5c66bcde47d7f), Some(0x3fe196ccb70a7a4b), Some(0xbfee1e5a455bc340), Some(0xbfdef59b3e0396aa), Some(0xbfc7047ccf1cb988), Some(0x3fc78d5c789591a4), Some(0x3fe1ead5815f236a), Some(0xbfcab4c27f495c20)]),
        ((38, 131, 0, 0, 0, 0), Some((131, StepBound::Int(1), StepBound::Int(391))), [Some(0x4060600000000000), Some(0xbfba0027de8aa668), Some(0x3fe1890ff309502a), Some(0xbfef69bb11f84240), Some(0xbfe1ec6104756143), Some(0xbfb9b63e6b4e4dc0), Some(0x3fd3185c96fbf998), Some(0x3fee4bacf12fec1c), Some(0xbfee5b0096c5263a)]),
        ((39, 300000, 100, 0, 3, 0), Some((300000, StepBound::Int(1), StepBound::Int(899998))), [Some(0x411079c000000000), Some(0x3f576f32ec9fdb02), Some(0x3ffba2e18ead5696), Some(0xc007ffef43a8e4e8), Some(0xbff7ccded3fb696e), Some(0x3f3cdbee409cf000), Some(0x3ff7e50fbb5781c7), Some(0x4007ffd96b57cb56), None]),
        ((40, 9, 0, 300, 3, 0), Some((9, StepBound::Int(1), StepBound::Int(25))), [Some(0x4022000000000000), None, None, None, Some(0xbffb847ebbdb436a), Some(0x3fe09b174319ee6a), None, None, None]),
    ];

    /// `(kind, file content, orjson of get_summary() or SKIPPED)` from traceml 1.5.0 on pandas 3.1.
    #[rustfmt::skip]
    const PY_FILE_CASES: &[(&str, &str, &str)] = &[
        ("metric", "step|timestamp|metric\n1|2026-11-26 03:37:34.111507+00:00|0.5\n2|2026-11-26 03:37:34.111647+00:00|0.4", "{\"is_event\":true,\"step\":{\"count\":2,\"min\":1,\"max\":2},\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:37:34.111647+00:00\"},\"metric\":{\"count\":2.0,\"mean\":0.45,\"std\":0.07071067811865474,\"min\":0.4,\"25%\":0.42500000000000004,\"50%\":0.45,\"75%\":0.475,\"max\":0.5,\"last\":0.4}}"),
        ("metric", "step|timestamp|metric\n1|2026-11-26 03:37:34.111507+00:00|0.5\n2|2026-11-26 03:37:35+00:00|0.4", "{\"is_event\":true,\"step\":{\"count\":2,\"min\":1,\"max\":2},\"metric\":{\"count\":2.0,\"mean\":0.45,\"std\":0.07071067811865474,\"min\":0.4,\"25%\":0.42500000000000004,\"50%\":0.45,\"75%\":0.475,\"max\":0.5,\"last\":0.4}}"),
        ("metric", "step|timestamp|metric\n1|2026-11-26 03:37:35+00:00|0.5\n2|2026-11-26 03:37:34.111507+00:00|0.4", "{\"is_event\":true,\"step\":{\"count\":2,\"min\":1,\"max\":2},\"metric\":{\"count\":2.0,\"mean\":0.45,\"std\":0.07071067811865474,\"min\":0.4,\"25%\":0.42500000000000004,\"50%\":0.45,\"75%\":0.475,\"max\":0.5,\"last\":0.4}}"),
        ("metric", "step|timestamp|metric\n7|2026-11-26 03:37:35+00:00|2.0", "{\"is_event\":true,\"step\":{\"count\":1,\"min\":7,\"max\":7},\"timestamp\":{\"min\":\"2026-11-26T03:37:35+00:00\",\"max\":\"2026-11-26T03:37:35+00:00\"},\"metric\":{\"count\":1.0,\"mean\":2.0,\"std\":null,\"min\":2.0,\"25%\":2.0,\"50%\":2.0,\"75%\":2.0,\"max\":2.0,\"last\":2.0}}"),
        ("metric", "step|timestamp|metric\n1|2026-11-26 03:37:34.111507+00:00|0.1\n|2026-11-26 03:37:34.111647+00:00|0.2\n3|2026-11-26 03:38:00.5+00:00|0.30000000000000004", "{\"is_event\":true,\"step\":{\"count\":2,\"min\":1.0,\"max\":3.0},\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:38:00.500000+00:00\"},\"metric\":{\"count\":3.0,\"mean\":0.20000000000000004,\"std\":0.10000000000000003,\"min\":0.1,\"25%\":0.15000000000000002,\"50%\":0.2,\"75%\":0.25,\"max\":0.30000000000000004,\"last\":0.30000000000000004}}"),
        ("metric", "step|timestamp|metric\n|2026-11-26 03:37:34.111507+00:00|0.1\n2|2026-11-26 03:37:34.111647+00:00|0.2\n3|2026-11-26 03:38:00.5+00:00|100.0", "{\"is_event\":true,\"step\":{\"count\":2,\"min\":null,\"max\":3.0},\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:38:00.500000+00:00\"},\"metric\":{\"count\":3.0,\"mean\":33.43333333333333,\"std\":57.64844606173988,\"min\":0.1,\"25%\":0.15000000000000002,\"50%\":0.2,\"75%\":50.1,\"max\":100.0,\"last\":100.0}}"),
        ("metric", "step|timestamp|metric\n1|2026-11-26 03:37:34.111507+00:00|0.1\n2|2026-11-26 03:37:34.111647+00:00|0.2\n|2026-11-26 03:38:00.5+00:00|-2.5", "{\"is_event\":true,\"step\":{\"count\":2,\"min\":1.0,\"max\":null},\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:38:00.500000+00:00\"},\"metric\":{\"count\":3.0,\"mean\":-0.7333333333333334,\"std\":1.5307950004273378,\"min\":-2.5,\"25%\":-1.2,\"50%\":0.1,\"75%\":0.15000000000000002,\"max\":0.2,\"last\":-2.5}}"),
        ("metric", "step|timestamp|metric\n|2026-11-26 03:37:34.111507+00:00|3.5\n|2026-11-26 03:37:34.111647+00:00|12.25\n|2026-11-26 03:38:00.5+00:00|1.0", "{\"is_event\":true,\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:38:00.500000+00:00\"},\"metric\":{\"count\":3.0,\"mean\":5.583333333333333,\"std\":5.907269532815761,\"min\":1.0,\"25%\":2.25,\"50%\":3.5,\"75%\":7.875,\"max\":12.25,\"last\":1.0}}"),
        ("metric", "step|timestamp|metric\n1|2026-11-26 03:37:34.111507+00:00|0.5\n2|2026-11-26 03:37:34.111647+00:00|nan", "{\"is_event\":true,\"step\":{\"count\":2,\"min\":1,\"max\":2},\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:37:34.111647+00:00\"},\"metric\":{\"count\":1.0,\"mean\":0.5,\"std\":null,\"min\":0.5,\"25%\":0.5,\"50%\":0.5,\"75%\":0.5,\"max\":0.5,\"last\":null}}"),
        ("metric", "step|timestamp|metric\n1|2026-11-26 03:37:34.111507+00:00|nan\n2|2026-11-26 03:37:34.111647+00:00|nan", "{\"is_event\":true,\"step\":{\"count\":2,\"min\":1,\"max\":2},\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:37:34.111647+00:00\"},\"metric\":{\"count\":0.0,\"mean\":null,\"std\":null,\"min\":null,\"25%\":null,\"50%\":null,\"75%\":null,\"max\":null,\"last\":null}}"),
        ("metric", "step|timestamp|metric\n1|2026-11-26 03:37:34.111507+00:00|1.0\n2|2026-11-26 03:37:34.111647+00:00|inf\n3|2026-11-26 03:38:00.5+00:00|2.0\n4|2026-11-26 03:38:00.5+00:00|3.0\n5|2026-11-26 03:38:00.5+00:00|4.0", "{\"is_event\":true,\"step\":{\"count\":5,\"min\":1,\"max\":5},\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:38:00.500000+00:00\"},\"metric\":{\"count\":5.0,\"mean\":null,\"std\":null,\"min\":1.0,\"25%\":2.0,\"50%\":3.0,\"75%\":null,\"max\":null,\"last\":4.0}}"),
        ("metric", "step|timestamp|metric\n1|2026-11-26 03:37:34.111507+00:00|-inf\n2|2026-11-26 03:37:34.111647+00:00|1.5\n3|2026-11-26 03:38:00.5+00:00|2.5", "{\"is_event\":true,\"step\":{\"count\":3,\"min\":1,\"max\":3},\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:38:00.500000+00:00\"},\"metric\":{\"count\":3.0,\"mean\":null,\"std\":null,\"min\":null,\"25%\":null,\"50%\":1.5,\"75%\":2.0,\"max\":2.5,\"last\":2.5}}"),
        ("metric", "step|timestamp|metric", "SKIPPED"),
        ("metric", "step|timestamp|metric\n1|2026-11-26 03:37:34.111507|0.5\n2|2026-11-26 03:37:35.000001|0.25", "{\"is_event\":true,\"step\":{\"count\":2,\"min\":1,\"max\":2},\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507\",\"max\":\"2026-11-26T03:37:35.000001\"},\"metric\":{\"count\":2.0,\"mean\":0.375,\"std\":0.1767766952966369,\"min\":0.25,\"25%\":0.3125,\"50%\":0.375,\"75%\":0.4375,\"max\":0.5,\"last\":0.25}}"),
        ("metric", "step|timestamp|metric\n1|2026-11-26 03:37:34.111507+00:00|0.5\n2|2026-11-26 05:37:34.111507+02:00|0.25", "{\"is_event\":true,\"step\":{\"count\":2,\"min\":1,\"max\":2},\"metric\":{\"count\":2.0,\"mean\":0.375,\"std\":0.1767766952966369,\"min\":0.25,\"25%\":0.3125,\"50%\":0.375,\"75%\":0.4375,\"max\":0.5,\"last\":0.25}}"),
        ("metric", "step|timestamp|metric\n1|2026-11-26 03:37:34.111507-05:30|0.5\n2|2026-11-26 03:37:35.111507-05:30|0.25", "{\"is_event\":true,\"step\":{\"count\":2,\"min\":1,\"max\":2},\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507-05:30\",\"max\":\"2026-11-26T03:37:35.111507-05:30\"},\"metric\":{\"count\":2.0,\"mean\":0.375,\"std\":0.1767766952966369,\"min\":0.25,\"25%\":0.3125,\"50%\":0.375,\"75%\":0.4375,\"max\":0.5,\"last\":0.25}}"),
        ("metric", "step|timestamp|metric\n1|2026-11-26 03:37:34.111507+00:00|12345.678\n2|2026-11-26 03:37:34.111647+00:00|-0.001\n3|2026-11-26 03:38:00.5+00:00|0.0\n4|2026-11-26 03:38:00.5+00:00|-0.0\n5|2026-11-26 03:38:00.5+00:00|42.0\n6|2026-11-26 03:38:00.5+00:00|0.125", "{\"is_event\":true,\"step\":{\"count\":6,\"min\":1,\"max\":6},\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:38:00.500000+00:00\"},\"metric\":{\"count\":6.0,\"mean\":2064.6336666666666,\"std\":5036.690505284385,\"min\":-0.001,\"25%\":0.0,\"50%\":0.0625,\"75%\":31.53125,\"max\":12345.678,\"last\":0.125}}"),
        ("metric", "step|timestamp|metric\n1|2026-11-26 03:37:34.111507+00:00|0.5\r\n2|2026-11-26 03:37:34.111647+00:00|0.75", "{\"is_event\":true,\"step\":{\"count\":2,\"min\":1,\"max\":2},\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:37:34.111647+00:00\"},\"metric\":{\"count\":2.0,\"mean\":0.625,\"std\":0.1767766952966369,\"min\":0.5,\"25%\":0.5625,\"50%\":0.625,\"75%\":0.6875,\"max\":0.75,\"last\":0.75}}"),
        ("metric", "step|timestamp|metric\n1|2026-11-26 03:37:34.111507+00:00|0.5\n\n2|2026-11-26 03:37:34.111647+00:00|0.75", "{\"is_event\":true,\"step\":{\"count\":2,\"min\":1,\"max\":2},\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:37:34.111647+00:00\"},\"metric\":{\"count\":2.0,\"mean\":0.625,\"std\":0.1767766952966369,\"min\":0.5,\"25%\":0.5625,\"50%\":0.625,\"75%\":0.6875,\"max\":0.75,\"last\":0.75}}"),
        ("metric", "step|timestamp|metric\n1000000000000|2026-11-26 03:37:34.111507+00:00|0.5\n|2026-11-26 03:37:34.111647+00:00|0.75\n-3|2026-11-26 03:38:00.5+00:00|1.25", "{\"is_event\":true,\"step\":{\"count\":2,\"min\":1000000000000.0,\"max\":-3.0},\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:38:00.500000+00:00\"},\"metric\":{\"count\":3.0,\"mean\":0.8333333333333334,\"std\":0.38188130791298663,\"min\":0.5,\"25%\":0.625,\"50%\":0.75,\"75%\":1.0,\"max\":1.25,\"last\":1.25}}"),
        ("image", "step|timestamp|image\n|2026-11-26 03:37:34.111507+00:00|{\"height\":8,\"width\":8,\"colorspace\":3,\"path\":\"assets/image/img_1.png\"}", "{\"is_event\":true,\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:37:34.111507+00:00\"}}"),
        ("histogram", "step|timestamp|histogram\n1|2026-11-26 03:37:34.111507+00:00|{\"values\":[1,2],\"counts\":[3,4]}\n2|2026-11-26 03:37:34.111647+00:00|{\"values\":[1,2],\"counts\":[3,4]}", "{\"is_event\":true,\"step\":{\"count\":2,\"min\":1,\"max\":2},\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:37:34.111647+00:00\"}}"),
        ("confusion", "step|timestamp|confusion\n1|2026-11-26 03:37:34.111507+00:00|{\"x\":[\"a\",\"b\"],\"y\":[\"a\",\"b\"],\"z\":[[1,0],[0,1]]}\n|2026-11-26 03:37:35+00:00|{\"x\":[\"a\"],\"y\":[\"a\"],\"z\":[[1]]}", "{\"is_event\":true,\"step\":{\"count\":1,\"min\":1.0,\"max\":null}}"),
        ("text", "\n{\"timestamp\": \"2026-11-26 03:37:34.111507+00:00\", \"step\": 1, \"text\": \"hello world\"}\n{\"timestamp\": \"2026-11-26 03:37:35+00:00\", \"step\": 3, \"text\": \"hello\"}", "{\"is_event\":true,\"step\":{\"count\":2,\"min\":1,\"max\":3},\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:37:35+00:00\"}}"),
        ("html", "\n{\"timestamp\": \"2026-11-26 03:37:34.111507+00:00\", \"step\": null, \"html\": \"<b>x</b>\"}\n{\"timestamp\": \"2026-11-26 03:38:00.5+00:00\", \"step\": 3, \"html\": \"y\"}", "{\"is_event\":true,\"step\":{\"count\":1,\"min\":null,\"max\":3.0},\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:38:00.500000+00:00\"}}"),
        ("span", "\n{\"timestamp\": \"2026-11-26 03:37:34.111507+00:00\", \"step\": null, \"span\": \"{}\"}\n{\"timestamp\": \"2026-11-26 03:37:34.111647+00:00\", \"step\": null, \"span\": \"{}\"}", "{\"is_event\":true,\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:37:34.111647+00:00\"}}"),
        ("chart", "\n{\"timestamp\": \"2026-11-26 03:37:34.111507+00:00\", \"step\": 5, \"chart\": \"{}\"}\n{\"timestamp\": \"2026-11-26 05:37:34.111507+02:00\", \"step\": 6, \"chart\": \"{}\"}", "{\"is_event\":true,\"step\":{\"count\":2,\"min\":5,\"max\":6}}"),
        ("text", "\n{\"timestamp\": \"2026-11-26 03:37:34\", \"step\": 2, \"text\": \"a\"}", "{\"is_event\":true,\"step\":{\"count\":1,\"min\":2,\"max\":2},\"timestamp\":{\"min\":\"2026-11-26T03:37:34\",\"max\":\"2026-11-26T03:37:34\"}}"),
    ];
}

//! Rows of event files, read back as pandas reads them (`read_csv` with `sep="|"`, or
//! `read_json(lines=True)` for the JSON-lines kinds).

use serde_json::Value;
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
pub(super) fn for_each_metric_row<'a>(
    content: &'a str,
    mut f: impl FnMut(Option<i64>, &'a str, f64),
) {
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

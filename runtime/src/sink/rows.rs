//! The one row codec: how every row of an event file, a resource file or the log file is
//! written, byte for byte as Polyaxon's Python writers write it (protocol §4.2, §4.3, §14).
//!
//! Every row starts with `\n` and holds no other newline, so a file is its header followed by
//! whole rows, and counting `\n` counts rows.

use crate::error::Error;
use crate::event::{EventKind, LogLine, LogOrigin, RowFormat};
use crate::pyrepr::{write_i64, write_py_float};
use crate::timestamp::{TimeFormatCache, Timestamp};
use serde_json::Value;
use std::io;

/// The header of a pipe-separated file of `kind` (`step|timestamp|<kind>`, no newline).
pub(crate) fn pipe_header(kind: &str) -> Vec<u8> {
    format!("step|timestamp|{kind}").into_bytes()
}

/// The header a new event file of `kind` starts with: the pipe header, or nothing (JSON lines
/// files start empty).
pub(crate) fn event_header(kind: EventKind) -> Vec<u8> {
    match kind.format() {
        RowFormat::Pipe => pipe_header(kind.dir()),
        RowFormat::JsonlRaw | RowFormat::JsonlEncoded => Vec::new(),
    }
}

/// Appends `\n<step>|<timestamp>|<value>`: a metric row (the value as Python's `repr`).
#[inline]
pub(crate) fn write_metric_row(
    buf: &mut Vec<u8>,
    cache: &mut TimeFormatCache,
    step: Option<i64>,
    timestamp: Timestamp,
    value: f64,
) {
    buf.push(b'\n');
    if let Some(step) = step {
        write_i64(buf, step);
    }
    buf.push(b'|');
    cache.write_event_str(timestamp, buf);
    buf.push(b'|');
    write_py_float(buf, value);
}

/// Appends the row of a rich event in its kind's format. Nothing is appended on error (a
/// value of the wrong type for the kind).
pub(crate) fn write_event_row(
    buf: &mut Vec<u8>,
    cache: &mut TimeFormatCache,
    kind: EventKind,
    step: Option<i64>,
    timestamp: Timestamp,
    value: &Value,
) -> Result<(), Error> {
    match kind.format() {
        RowFormat::Pipe => {
            let start = buf.len();
            buf.push(b'\n');
            if let Some(step) = step {
                write_i64(buf, step);
            }
            buf.push(b'|');
            cache.write_event_str(timestamp, buf);
            buf.push(b'|');
            if let Err(e) = write_compact(buf, &without_top_level_nulls(value)) {
                buf.truncate(start);
                return Err(e);
            }
        }
        RowFormat::JsonlRaw => {
            let Value::String(text) = value else {
                return Err(Error::Serialize(format!(
                    "a {kind} event's value must be a string, not {}",
                    json_type(value)
                )));
            };
            write_jsonl_row(buf, cache, kind, step, timestamp, text);
        }
        RowFormat::JsonlEncoded => {
            let encoded;
            let text = match value {
                Value::String(text) => text.as_str(),
                Value::Object(_) => {
                    let mut out = Vec::new();
                    write_compact(&mut out, &without_top_level_nulls(value))?;
                    encoded = String::from_utf8(out)
                        .map_err(|e| Error::Serialize(format!("{kind} event: {e}")))?;
                    encoded.as_str()
                }
                other => {
                    return Err(Error::Serialize(format!(
                        "a {kind} event's value must be an object, not {}",
                        json_type(other)
                    )))
                }
            };
            write_jsonl_row(buf, cache, kind, step, timestamp, text);
        }
    }
    Ok(())
}

/// Appends `\n{"timestamp": "...", "step": <n|null>, "<kind>": "<text>"}` as Python's
/// `json.dumps` writes it.
fn write_jsonl_row(
    buf: &mut Vec<u8>,
    cache: &mut TimeFormatCache,
    kind: EventKind,
    step: Option<i64>,
    timestamp: Timestamp,
    text: &str,
) {
    buf.extend_from_slice(b"\n{\"timestamp\": \"");
    cache.write_event_str(timestamp, buf);
    buf.extend_from_slice(b"\", \"step\": ");
    match step {
        Some(step) => write_i64(buf, step),
        None => buf.extend_from_slice(b"null"),
    }
    buf.extend_from_slice(b", \"");
    buf.extend_from_slice(kind.dir().as_bytes());
    buf.extend_from_slice(b"\": ");
    write_py_json_str(buf, text);
    buf.push(b'}');
}

/// Appends `\n` + the compact JSON of Polyaxon's `V1Log` (protocol §14.3): the timestamp in
/// ISO form with `T`, then node, pod, container and the text.
pub(crate) fn write_log_row(buf: &mut Vec<u8>, origin: &LogOrigin, line: &LogLine) {
    buf.extend_from_slice(b"\n{\"timestamp\":\"");
    line.timestamp.write_iso(buf);
    buf.extend_from_slice(b"\",\"node\":");
    write_json_str(buf, &origin.node);
    buf.extend_from_slice(b",\"pod\":");
    write_json_str(buf, &origin.pod);
    buf.extend_from_slice(b",\"container\":");
    write_json_str(buf, &origin.container);
    buf.extend_from_slice(b",\"value\":");
    write_json_str(buf, &line.text);
    buf.push(b'}');
}

/// The value with its top-level `null` fields dropped, as Polyaxon's schemas serialize.
fn without_top_level_nulls(value: &Value) -> std::borrow::Cow<'_, Value> {
    match value {
        Value::Object(map) if map.values().any(Value::is_null) => {
            let kept = map
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            std::borrow::Cow::Owned(Value::Object(kept))
        }
        _ => std::borrow::Cow::Borrowed(value),
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Compact JSON (as orjson writes it), except that `|` inside strings is written `\u007c`:
/// the same string to every JSON reader, and a row that pandas still splits into 3 columns.
fn write_compact(buf: &mut Vec<u8>, value: &Value) -> Result<(), Error> {
    use serde::Serialize;
    let mut ser = serde_json::Serializer::with_formatter(&mut *buf, PipeSafe);
    value
        .serialize(&mut ser)
        .map_err(|e| Error::Serialize(e.to_string()))
}

/// serde_json's compact formatter, escaping `|` (see [`write_compact`]).
struct PipeSafe;

impl serde_json::ser::Formatter for PipeSafe {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut parts = fragment.split('|');
        if let Some(first) = parts.next() {
            writer.write_all(first.as_bytes())?;
        }
        for part in parts {
            writer.write_all(b"\\u007c")?;
            writer.write_all(part.as_bytes())?;
        }
        Ok(())
    }
}

/// Appends a JSON string as serde_json (and orjson) write it: UTF-8 kept, `"`, `\` and
/// control characters escaped.
fn write_json_str(buf: &mut Vec<u8>, text: &str) {
    // Writing a `str` into a `Vec` cannot fail.
    let _ = serde_json::to_writer(&mut *buf, text);
}

/// Appends a JSON string as Python's `json.dumps` writes it (`ensure_ascii=True`): every
/// character outside printable ASCII as `\uXXXX` (lowercase hex, surrogate pairs beyond the
/// BMP), with the short escapes `\" \\ \n \r \t \b \f`.
pub(crate) fn write_py_json_str(buf: &mut Vec<u8>, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let u16_escape = |buf: &mut Vec<u8>, unit: u16| {
        buf.extend_from_slice(b"\\u");
        for shift in [12, 8, 4, 0] {
            buf.push(HEX[usize::from((unit >> shift) & 0xf)]);
        }
    };
    buf.push(b'"');
    for c in text.chars() {
        match c {
            '"' => buf.extend_from_slice(b"\\\""),
            '\\' => buf.extend_from_slice(b"\\\\"),
            '\n' => buf.extend_from_slice(b"\\n"),
            '\r' => buf.extend_from_slice(b"\\r"),
            '\t' => buf.extend_from_slice(b"\\t"),
            '\u{8}' => buf.extend_from_slice(b"\\b"),
            '\u{c}' => buf.extend_from_slice(b"\\f"),
            ' '..='~' => buf.push(c as u8),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    u16_escape(buf, *unit);
                }
            }
        }
    }
    buf.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kind::ArtifactKind;
    use serde_json::json;

    /// 2026-11-26 03:37:34.111507 UTC.
    const TS: Timestamp = Timestamp::from_micros(1_795_664_254_111_507);

    fn row(kind: EventKind, step: Option<i64>, value: &Value) -> String {
        let mut buf = Vec::new();
        write_event_row(&mut buf, &mut TimeFormatCache::new(), kind, step, TS, value).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn pipe_rows_hold_compact_json_without_nulls() {
        let value = json!({"height": 8, "width": 8, "colorspace": 3, "path": "assets/image/img_1.png", "extra": null});
        assert_eq!(
            row(EventKind::IMAGE, Some(1), &value),
            "\n1|2026-11-26 03:37:34.111507+00:00|{\"height\":8,\"width\":8,\"colorspace\":3,\"path\":\"assets/image/img_1.png\"}"
        );
        assert_eq!(
            row(
                EventKind::HISTOGRAM,
                None,
                &json!({"values": [1.0, 2.5], "counts": [0.0, 1.0, 2.0]})
            ),
            "\n|2026-11-26 03:37:34.111507+00:00|{\"values\":[1.0,2.5],\"counts\":[0.0,1.0,2.0]}"
        );
        // A `|` inside a string would add a column; it is escaped instead.
        let r = row(
            EventKind::artifact(ArtifactKind::File),
            Some(2),
            &json!({"kind": "file", "path": "a|b"}),
        );
        assert_eq!(r.matches('|').count(), 2, "{r}");
        let json_part = r.rsplit_once('|').unwrap().1;
        let back: Value = serde_json::from_str(json_part).unwrap();
        assert_eq!(back["path"], "a|b");
        assert_eq!(
            event_header(EventKind::CONFUSION),
            b"step|timestamp|confusion"
        );
    }

    #[test]
    fn jsonl_rows_are_pythons_json_dumps() {
        assert_eq!(
            row(EventKind::TEXT, Some(1), &json!("hello world")),
            "\n{\"timestamp\": \"2026-11-26 03:37:34.111507+00:00\", \"step\": 1, \"text\": \"hello world\"}"
        );
        assert_eq!(
            row(EventKind::HTML, None, &json!("<b>h\u{e9}\"llo\"</b>\n\u{1F600}\u{7f}")),
            "\n{\"timestamp\": \"2026-11-26 03:37:34.111507+00:00\", \"step\": null, \"html\": \"<b>h\\u00e9\\\"llo\\\"</b>\\n\\ud83d\\ude00\\u007f\"}"
        );
        assert!(event_header(EventKind::TEXT).is_empty());
        let mut buf = Vec::new();
        let wrong = write_event_row(
            &mut buf,
            &mut TimeFormatCache::new(),
            EventKind::TEXT,
            None,
            TS,
            &json!(3),
        );
        assert!(matches!(wrong, Err(Error::Serialize(_))));
        assert!(buf.is_empty());
    }

    #[test]
    fn chart_and_span_rows_are_double_encoded() {
        let r = row(
            EventKind::CHART,
            Some(4),
            &json!({"kind": "vega", "figure": {"a": 1}, "none": null}),
        );
        assert_eq!(
            r,
            "\n{\"timestamp\": \"2026-11-26 03:37:34.111507+00:00\", \"step\": 4, \"chart\": \"{\\\"kind\\\":\\\"vega\\\",\\\"figure\\\":{\\\"a\\\":1}}\"}"
        );
        let line: Value = serde_json::from_str(&r[1..]).unwrap();
        let inner: Value = serde_json::from_str(line["chart"].as_str().unwrap()).unwrap();
        assert_eq!(inner, json!({"kind": "vega", "figure": {"a": 1}}));
        // Already-encoded text is kept as it is.
        let r = row(EventKind::SPAN, None, &json!("{\"name\": \"s\"}"));
        assert!(
            r.ends_with("\"span\": \"{\\\"name\\\": \\\"s\\\"}\"}"),
            "{r}"
        );
    }

    #[test]
    fn log_rows_are_compact_v1log() {
        let origin = LogOrigin {
            node: "local".into(),
            pod: "alice".into(),
            container: "box".into(),
        };
        let mut buf = Vec::new();
        write_log_row(
            &mut buf,
            &origin,
            &LogLine {
                timestamp: TS,
                text: "epoch 1 \"done\" é".into(),
            },
        );
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "\n{\"timestamp\":\"2026-11-26T03:37:34.111507+00:00\",\"node\":\"local\",\"pod\":\"alice\",\"container\":\"box\",\"value\":\"epoch 1 \\\"done\\\" é\"}"
        );
    }
}

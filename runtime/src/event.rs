//! The contract between the calls that log rich events or log lines and the writer thread.
//!
//! A rich event (text, an image, a histogram, a curve, ...) travels as a [`Payload`]: the
//! caller builds it from what it was given (cheaply: no encoding, no file I/O) and hands it to
//! [`Run::emit`](crate::Run); the writer thread then calls [`Payload::encode`], which does the
//! heavy work (PNG/WAV/GIF encoding, binning, curve points), may write an asset file through
//! [`EncodeCtx::asset`], and returns the value of the event's row. The writer writes that row
//! into `events/<kind>/<name>.plx` in Polyaxon's format for the kind (see [`RowFormat`]) and
//! sets `meta_info.has_events` on a run's first rich event.
//!
//! Memory stays bounded by bytes as well as by count: the bytes a payload holds
//! ([`Payload::bytes`]) are counted against a [`Budget`] from the call until the writer has
//! encoded it; a call that would exceed the budget is refused with
//! [`Error::Backpressure`](crate::Error::Backpressure), never dropped silently.
//!
//! Log lines ([`LogLine`]) go the same way and land in `plxlogs/logs.jsonl`.

use crate::error::Error;
use crate::kind::ArtifactKind;
use crate::timestamp::Timestamp;
use serde_json::{Map, Value};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::SystemTime;

/// The default byte budget of payloads in flight (see [`Budget`]).
pub(crate) const DEFAULT_PAYLOAD_BUDGET: usize = 64 * 1024 * 1024;

/// How an event file of a kind holds its rows (protocol §4.2, §4.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RowFormat {
    /// `step|timestamp|<kind>` header, then `\n<step>|<timestamp>|<compact JSON>` rows; the
    /// value's top-level `null` fields are dropped, as Polyaxon's schemas drop them.
    Pipe,
    /// JSON lines (the file starts empty, each row is `\n` + Python's `json.dumps` of
    /// `{"timestamp", "step", <kind>}`), the value a string written as is: `text`, `html`.
    JsonlRaw,
    /// JSON lines whose value is the event's object encoded as a JSON string (double-encoded):
    /// `chart`, `span`. A payload that returns a string gives the encoded text itself.
    JsonlEncoded,
}

/// The kind of a rich event: the folder under `events/` its file goes to, and its row format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct EventKind(ArtifactKind);

#[allow(dead_code)] // The constants are the vocabulary of the event calls being built on this.
impl EventKind {
    /// `events/text/`, JSON lines.
    pub(crate) const TEXT: EventKind = EventKind(ArtifactKind::Text);
    /// `events/html/`, JSON lines.
    pub(crate) const HTML: EventKind = EventKind(ArtifactKind::Html);
    /// `events/image/`.
    pub(crate) const IMAGE: EventKind = EventKind(ArtifactKind::Image);
    /// `events/histogram/`.
    pub(crate) const HISTOGRAM: EventKind = EventKind(ArtifactKind::Histogram);
    /// `events/curve/`.
    pub(crate) const CURVE: EventKind = EventKind(ArtifactKind::Curve);
    /// `events/confusion/`.
    pub(crate) const CONFUSION: EventKind = EventKind(ArtifactKind::Confusion);
    /// `events/audio/`.
    pub(crate) const AUDIO: EventKind = EventKind(ArtifactKind::Audio);
    /// `events/video/`.
    pub(crate) const VIDEO: EventKind = EventKind(ArtifactKind::Video);
    /// `events/chart/`, JSON lines, double-encoded.
    pub(crate) const CHART: EventKind = EventKind(ArtifactKind::Chart);
    /// `events/dataframe/`.
    pub(crate) const DATAFRAME: EventKind = EventKind(ArtifactKind::Dataframe);
    /// `events/model/`.
    pub(crate) const MODEL: EventKind = EventKind(ArtifactKind::Model);
    /// `events/span/`, JSON lines, double-encoded.
    pub(crate) const SPAN: EventKind = EventKind(ArtifactKind::Span);

    /// The kind of an artifact logged with a step (`log_artifact(..., step=...)`): its
    /// folder is the artifact kind's value.
    pub(crate) const fn artifact(kind: ArtifactKind) -> EventKind {
        EventKind(kind)
    }

    /// The folder under `events/` (and the third column of a pipe file's header).
    pub(crate) const fn dir(self) -> &'static str {
        self.0.as_str()
    }

    /// The artifact kind of the event file's lineage entry.
    pub(crate) const fn artifact_kind(self) -> ArtifactKind {
        self.0
    }

    /// How its file holds rows.
    pub(crate) const fn format(self) -> RowFormat {
        match self.0 {
            ArtifactKind::Text | ArtifactKind::Html => RowFormat::JsonlRaw,
            ArtifactKind::Chart | ArtifactKind::Span => RowFormat::JsonlEncoded,
            _ => RowFormat::Pipe,
        }
    }

    /// Checks that `value` fits the kind's rows: a string for `text` and `html`, an object or
    /// its JSON text for `chart` and `span`, an object for the others.
    pub(crate) fn check(self, value: &Value) -> Result<(), Error> {
        let fits = match self.format() {
            RowFormat::JsonlRaw => value.is_string(),
            RowFormat::JsonlEncoded => value.is_string() || value.is_object(),
            RowFormat::Pipe => value.is_object(),
        };
        if fits {
            Ok(())
        } else {
            Err(Error::Serialize(format!(
                "a {self} event's value must be {}, not {value}",
                match self.format() {
                    RowFormat::JsonlRaw => "a string",
                    RowFormat::JsonlEncoded => "an object or its JSON text",
                    RowFormat::Pipe => "an object",
                }
            )))
        }
    }

    /// Whether its file is JSON lines.
    pub(crate) const fn is_jsonl(self) -> bool {
        !matches!(self.format(), RowFormat::Pipe)
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.dir())
    }
}

/// What a rich event carries from the call to the writer thread.
pub(crate) trait Payload: Send + 'static {
    /// The bytes this payload holds (pixels, samples, text), counted against the run's
    /// budget of payloads in flight. An estimate is fine; it must not be 0 for a big payload.
    fn bytes(&self) -> usize;

    /// Encodes the payload on the writer thread and returns the row's value: an object for
    /// pipe kinds, a string for `text`/`html`, an object (or its JSON text) for `chart`/`span`.
    /// Assets go through [`EncodeCtx::asset`]; `meta_info` flags through
    /// [`EncodeCtx::set_meta`]. An error is logged, counted and reported at the run's end.
    fn encode(self: Box<Self>, ctx: &mut EncodeCtx<'_>) -> Result<Value, Error>;
}

/// What [`Payload::encode`] may use on the writer thread.
pub(crate) struct EncodeCtx<'a> {
    run_dir: &'a Path,
    meta: Map<String, Value>,
    /// The event's name (as its file is named) and step, for [`EncodeCtx::event_asset`].
    event: Option<(&'a str, Option<i64>)>,
}

impl<'a> EncodeCtx<'a> {
    pub(crate) fn new(run_dir: &'a Path) -> Self {
        EncodeCtx {
            run_dir,
            meta: Map::new(),
            event: None,
        }
    }

    /// The context of the event `name` (sanitized, with its rank suffix) at `step`.
    pub(crate) fn for_event(mut self, name: &'a str, step: Option<i64>) -> Self {
        self.event = Some((name, step));
        self
    }

    /// [`EncodeCtx::asset`] named after the event: `assets/<kind_dir>/<name>[_<step>][.<ext>]`
    /// with the event file's own name, so ranks that log the same name keep apart.
    pub(crate) fn event_asset(
        &mut self,
        kind_dir: &str,
        ext: Option<&str>,
    ) -> Result<(PathBuf, String), Error> {
        let (name, step) = self.event.ok_or_else(|| {
            Error::Serialize("an asset outside of an event's encoding".to_owned())
        })?;
        self.asset(kind_dir, name, step, ext)
    }

    /// The run's folder (absolute).
    #[allow(dead_code)] // For payloads that copy a file next to their asset.
    pub(crate) fn run_dir(&self) -> &Path {
        self.run_dir
    }

    /// The asset file `assets/<kind_dir>/<name>[_<step>][.<ext>]` (protocol §14.1): its
    /// absolute path, with its folder created, and the path relative to the run's folder
    /// that the event's row stores. `kind_dir`, `name` and `ext` must be single path
    /// components (a sanitized name is).
    #[allow(dead_code)] // For the image, audio, video, dataframe and model events.
    pub(crate) fn asset(
        &mut self,
        kind_dir: &str,
        name: &str,
        step: Option<i64>,
        ext: Option<&str>,
    ) -> Result<(PathBuf, String), Error> {
        let mut file = name.to_owned();
        if let Some(step) = step {
            file.push('_');
            file.push_str(&step.to_string());
        }
        if let Some(ext) = ext.filter(|e| !e.is_empty()) {
            file.push('.');
            file.push_str(ext);
        }
        for part in [kind_dir, file.as_str()] {
            if !is_plain_component(part) {
                return Err(Error::PathEscapes {
                    path: PathBuf::from(format!("assets/{kind_dir}/{file}")),
                });
            }
        }
        let rel = format!("assets/{kind_dir}/{file}");
        let dir = self.run_dir.join("assets").join(kind_dir);
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
        Ok((dir.join(file), rel))
    }

    /// Sets a `meta_info` flag of the run (`has_model`, `has_traces`, ...); the writer
    /// merges it into the run when it changes anything.
    #[allow(dead_code)] // For the model and span events.
    pub(crate) fn set_meta(&mut self, key: &str, value: Value) {
        self.meta.insert(key.to_owned(), value);
    }

    /// The flags set while encoding.
    pub(crate) fn into_meta(self) -> Map<String, Value> {
        self.meta
    }
}

#[allow(dead_code)] // Used by `asset`.
/// Whether `part` is one file-name component: not empty, not `.`/`..`, no separator or NUL.
fn is_plain_component(part: &str) -> bool {
    !part.is_empty() && part != "." && part != ".." && !part.contains(['/', '\\', '\0'])
}

/// A byte budget shared by a run's callers and its writer: the bytes of the payloads (and
/// log lines) accepted but not yet encoded.
#[derive(Debug)]
pub(crate) struct Budget {
    in_flight: AtomicUsize,
    limit: usize,
}

impl Budget {
    pub(crate) fn new(limit: usize) -> Arc<Budget> {
        Arc::new(Budget {
            in_flight: AtomicUsize::new(0),
            limit,
        })
    }

    /// Reserves `bytes`, or `None` when they do not fit. A payload bigger than the whole
    /// budget is accepted when nothing else is in flight, so memory stays bounded by the
    /// larger of the budget and the biggest single payload, and no payload is refused forever.
    pub(crate) fn reserve(self: &Arc<Self>, bytes: usize) -> Option<Reservation> {
        let mut current = self.in_flight.load(Ordering::Relaxed);
        loop {
            let next = current.saturating_add(bytes);
            if next > self.limit && current > 0 {
                return None;
            }
            match self.in_flight.compare_exchange_weak(
                current,
                next,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    return Some(Reservation {
                        budget: self.clone(),
                        bytes,
                    })
                }
                Err(now) => current = now,
            }
        }
    }

    /// The bytes in flight now.
    #[cfg(test)]
    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }

    /// The budget's limit.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }
}

/// Bytes held against a [`Budget`], given back when dropped (after encoding, or when the
/// event could not be queued).
#[derive(Debug)]
pub(crate) struct Reservation {
    budget: Arc<Budget>,
    bytes: usize,
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.budget
            .in_flight
            .fetch_sub(self.bytes, Ordering::AcqRel);
    }
}

/// A rich event on its way to the writer.
pub(crate) struct EventMsg {
    pub kind: EventKind,
    /// The sanitized name.
    pub name: Box<str>,
    pub step: Option<i64>,
    /// Read on the caller's thread.
    pub timestamp: SystemTime,
    pub payload: Box<dyn Payload>,
    /// Released once the payload is encoded (or dropped).
    pub reservation: Reservation,
}

/// A log line on its way to `plxlogs/logs.jsonl`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct LogLine {
    /// When it was logged (or the time found at its start).
    pub timestamp: Timestamp,
    /// The text, one line.
    pub text: String,
}

/// Log lines on their way to the writer, with the bytes they hold against the budget.
pub(crate) struct LogsMsg {
    pub lines: Vec<LogLine>,
    pub reservation: Reservation,
}

/// An encoded rich event, as the writer hands it to sinks.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RichEvent<'a> {
    pub kind: EventKind,
    /// The sanitized name: the event file is `events/<kind>/<name>.plx`.
    pub name: &'a str,
    pub step: Option<i64>,
    pub timestamp: Timestamp,
    /// The row's value, as [`Payload::encode`] returned it.
    pub value: &'a Value,
}

/// Where log lines come from (`V1Log`'s `node`, `pod`, `container`), as Polyaxon's log handler
/// reads them: `POLYAXON_K8S_NODE_NAME` or `local`, `POLYAXON_K8S_POD_ID` or the user's name,
/// and the host name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LogOrigin {
    pub node: String,
    pub pod: String,
    pub container: String,
}

impl LogOrigin {
    /// Reads the origin from the process environment. A variable that is not valid UTF-8 is
    /// logged and replaced by its lossy conversion (the lines are still written).
    pub(crate) fn from_env() -> LogOrigin {
        let var = |name: &str| {
            std::env::var_os(name).map(|v| match v.into_string() {
                Ok(s) => s,
                Err(raw) => {
                    log::warn!(
                        target: "polytrack",
                        "{name} is not valid UTF-8; log lines use {:?}",
                        raw.to_string_lossy()
                    );
                    raw.to_string_lossy().into_owned()
                }
            })
        };
        let node = var("POLYAXON_K8S_NODE_NAME").unwrap_or_else(|| "local".to_owned());
        let pod = var("POLYAXON_K8S_POD_ID")
            .or_else(|| {
                ["LOGNAME", "USER", "LNAME", "USERNAME"]
                    .into_iter()
                    .find_map(|n| var(n).filter(|v| !v.is_empty()))
            })
            .unwrap_or_else(|| "root".to_owned());
        let container = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
            .or_else(|| var("HOSTNAME").filter(|h| !h.is_empty()))
            .unwrap_or_else(|| "localhost".to_owned());
        LogOrigin {
            node,
            pod,
            container,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_know_their_folder_and_format() {
        assert_eq!(EventKind::TEXT.format(), RowFormat::JsonlRaw);
        assert_eq!(EventKind::HTML.format(), RowFormat::JsonlRaw);
        assert_eq!(EventKind::CHART.format(), RowFormat::JsonlEncoded);
        assert_eq!(EventKind::SPAN.format(), RowFormat::JsonlEncoded);
        for kind in [
            EventKind::IMAGE,
            EventKind::HISTOGRAM,
            EventKind::CURVE,
            EventKind::CONFUSION,
            EventKind::AUDIO,
            EventKind::VIDEO,
            EventKind::DATAFRAME,
            EventKind::MODEL,
            EventKind::artifact(ArtifactKind::File),
        ] {
            assert_eq!(kind.format(), RowFormat::Pipe, "{kind}");
            assert!(!kind.is_jsonl());
        }
        assert_eq!(EventKind::artifact(ArtifactKind::Csv).dir(), "csv");
        assert_eq!(EventKind::DATAFRAME.dir(), "dataframe");
    }

    #[test]
    fn assets_follow_polyaxons_layout_and_stay_inside() {
        let dir = std::env::temp_dir().join(format!("polytrack-asset-{}", crate::new_uuid()));
        let mut ctx = EncodeCtx::new(&dir);
        let (abs, rel) = ctx.asset("image", "img", Some(3), Some("png")).unwrap();
        assert_eq!(rel, "assets/image/img_3.png");
        assert_eq!(abs, dir.join("assets/image/img_3.png"));
        assert!(dir.join("assets/image").is_dir());
        let (_, rel) = ctx.asset("model", "net", None, None).unwrap();
        assert_eq!(rel, "assets/model/net");
        for (kind, name) in [("image", ".."), ("../x", "a"), ("image", "a/b"), ("", "a")] {
            assert!(
                matches!(
                    ctx.asset(kind, name, None, None),
                    Err(Error::PathEscapes { .. })
                ),
                "{kind:?} {name:?}"
            );
        }
        ctx.set_meta("has_model", Value::Bool(true));
        assert_eq!(ctx.into_meta()["has_model"], Value::Bool(true));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn budget_refuses_beyond_its_limit_and_frees_on_drop() {
        let budget = Budget::new(100);
        let a = budget.reserve(60).unwrap();
        assert!(budget.reserve(50).is_none(), "60 + 50 > 100");
        let b = budget.reserve(40).unwrap();
        assert_eq!(budget.in_flight(), 100);
        drop(a);
        assert_eq!(budget.in_flight(), 40);
        drop(b);
        // One payload bigger than the whole budget passes when nothing else is in flight...
        let big = budget.reserve(1000).unwrap();
        // ...and then nothing else does.
        assert!(budget.reserve(1).is_none());
        drop(big);
        assert_eq!(budget.in_flight(), 0);
    }
}

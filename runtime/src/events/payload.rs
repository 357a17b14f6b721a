//! The payload of each rich event kind: what a logging call hands to the writer thread, and
//! how the writer turns it into the event's row and asset file ([`Payload::encode`]).
//!
//! Rows are those of Polyaxon's `V1Event*` schemas (`traceml/events/schemas.py`), written by
//! the writer in the kind's format; assets go to `assets/<kind>/<name>[_<step>][.<ext>]`.

use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use crate::event::{EncodeCtx, Payload};
use crate::kind::ArtifactKind;
use crate::Error;

use super::audio::Audio;
use super::confusion::ConfusionMatrix;
use super::curve::{self, CurveError};
use super::files::{copy_file_or_dir, extension};
use super::histogram::{Histogram, HistogramError, MAX_BINS};
use super::image::{draw_boxes, encode_png, Image, ImageSource};
use super::table::Dataframe;
use super::video::Video;

fn write(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    std::fs::write(path, bytes)
        .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))
}

fn encode_error(kind: &'static str, reason: impl ToString) -> Error {
    Error::InvalidEvent {
        kind,
        reason: reason.to_string(),
    }
}

/// `text` and `html`: the string itself is the row's value.
pub(crate) struct Text(pub String);

impl Payload for Text {
    fn bytes(&self) -> usize {
        self.0.len()
    }

    fn encode(self: Box<Self>, _: &mut EncodeCtx<'_>) -> Result<Value, Error> {
        Ok(Value::String(self.0))
    }
}

/// An image, a grid of a batch, or an image file.
pub(crate) struct ImagePayload {
    pub image: Image,
    pub boxes: Vec<[f32; 4]>,
}

impl ImagePayload {
    /// Pixels with boxes to draw in: each coordinate finite, and no image file.
    pub fn with_boxes(image: Image, boxes: &[[f32; 4]]) -> Result<ImagePayload, Error> {
        if let ImageSource::File(path) = &image.source {
            return Err(encode_error(
                "image",
                format!(
                    "boxes are drawn into pixels, not into the file {}",
                    path.display()
                ),
            ));
        }
        if boxes.iter().flatten().any(|v| !v.is_finite()) {
            return Err(encode_error("image", "a box coordinate is NaN or infinite"));
        }
        let boxes = boxes.to_vec();
        Ok(ImagePayload { image, boxes })
    }
}

impl Payload for ImagePayload {
    fn bytes(&self) -> usize {
        self.image.bytes() + self.boxes.len() * 16
    }

    fn encode(self: Box<Self>, ctx: &mut EncodeCtx<'_>) -> Result<Value, Error> {
        let ImagePayload { image, boxes } = *self;
        match image.source {
            ImageSource::File(from) => {
                let ext = extension(&from).unwrap_or_else(|| "png".to_owned());
                let (abs, rel) = ctx.event_asset("image", Some(&ext))?;
                copy_file_or_dir(&from, &abs)?;
                Ok(json!({ "path": rel }))
            }
            ImageSource::Pixels(pixels) => {
                let mut hwc = pixels.into_hwc();
                draw_boxes(&mut hwc, &boxes);
                let png = encode_png(&hwc).map_err(|e| encode_error("image", e))?;
                let (abs, rel) = ctx.event_asset("image", Some("png"))?;
                write(&abs, &png)?;
                Ok(json!({
                    "height": hwc.height,
                    "width": hwc.width,
                    "colorspace": hwc.channels,
                    "path": rel,
                }))
            }
        }
    }
}

/// Values to bin (`log_histogram`), or counts and edges already binned (`log_np_histogram`).
pub(crate) enum HistogramPayload {
    Values { values: Vec<f64>, bins: usize },
    Binned(Histogram),
}

impl HistogramPayload {
    /// The values to bin, checked as Python checks them (at least one, 1 to 512 bins) and
    /// finite (numpy: "autodetected range is not finite"), copied as `f64`.
    pub fn values<T: Copy + Into<f64>>(values: &[T], bins: usize) -> Result<Self, Error> {
        if values.is_empty() {
            return Err(histogram_error(HistogramError::Empty));
        }
        if bins == 0 {
            return Err(histogram_error(HistogramError::ZeroBins));
        }
        if bins > MAX_BINS {
            return Err(histogram_error(HistogramError::TooManyBins(bins)));
        }
        let mut finite = true;
        let values: Vec<f64> = values
            .iter()
            .map(|v| {
                let v: f64 = (*v).into();
                finite &= v.is_finite();
                v
            })
            .collect();
        if !finite {
            let (min, max) = values
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                    (a.min(*v), b.max(*v))
                });
            return Err(histogram_error(HistogramError::NotFinite { min, max }));
        }
        Ok(HistogramPayload::Values { values, bins })
    }
}

impl Payload for HistogramPayload {
    fn bytes(&self) -> usize {
        match self {
            HistogramPayload::Values { values, .. } => values.len() * 8,
            HistogramPayload::Binned(h) => (h.counts.len() + h.edges.len()) * 8,
        }
    }

    fn encode(self: Box<Self>, _: &mut EncodeCtx<'_>) -> Result<Value, Error> {
        let h = match *self {
            HistogramPayload::Values { values, bins } => {
                Histogram::compute(&values, bins).map_err(histogram_error)?
            }
            HistogramPayload::Binned(h) => h,
        };
        // Polyaxon's names are swapped: `values` holds the counts, `counts` the edges.
        Ok(json!({ "values": h.counts, "counts": h.edges }))
    }
}

pub(crate) fn histogram_error(e: HistogramError) -> Error {
    encode_error("histogram", e)
}

pub(crate) fn curve_error(e: CurveError) -> Error {
    encode_error("curve", e)
}

/// A curve to compute from labels and scores, or given as points.
pub(crate) enum CurvePayload {
    Roc {
        labels: Vec<bool>,
        scores: Vec<f64>,
    },
    Pr {
        labels: Vec<bool>,
        scores: Vec<f64>,
    },
    Custom {
        x: Vec<f64>,
        y: Vec<f64>,
        annotation: Option<String>,
    },
}

impl CurvePayload {
    /// A ROC curve of `labels` and `scores`, checked.
    pub fn roc(labels: &[bool], scores: &[f64]) -> Result<Self, Error> {
        check_scores(labels, scores)?;
        let (labels, scores) = (labels.to_vec(), scores.to_vec());
        Ok(CurvePayload::Roc { labels, scores })
    }

    /// A precision-recall curve of `labels` and `scores`, checked.
    pub fn pr(labels: &[bool], scores: &[f64]) -> Result<Self, Error> {
        check_scores(labels, scores)?;
        let (labels, scores) = (labels.to_vec(), scores.to_vec());
        Ok(CurvePayload::Pr { labels, scores })
    }

    /// A curve given as points, `x` and `y` of one length.
    pub fn custom(x: &[f64], y: &[f64], annotation: Option<&str>) -> Result<Self, Error> {
        if x.len() != y.len() {
            return Err(curve_error(CurveError::XyLengths {
                x: x.len(),
                y: y.len(),
            }));
        }
        Ok(CurvePayload::Custom {
            x: x.to_vec(),
            y: y.to_vec(),
            annotation: annotation.map(str::to_owned),
        })
    }
}

/// Checks labels and scores for a curve at the call (lengths, at least one sample, finite).
fn check_scores(labels: &[bool], scores: &[f64]) -> Result<(), Error> {
    if labels.len() != scores.len() {
        return Err(curve_error(CurveError::Lengths {
            labels: labels.len(),
            scores: scores.len(),
        }));
    }
    if labels.is_empty() {
        return Err(curve_error(CurveError::Empty));
    }
    if scores.iter().any(|s| !s.is_finite()) {
        return Err(curve_error(CurveError::NotFinite));
    }
    Ok(())
}

impl Payload for CurvePayload {
    fn bytes(&self) -> usize {
        match self {
            CurvePayload::Roc { labels, scores } | CurvePayload::Pr { labels, scores } => {
                labels.len() + scores.len() * 8
            }
            CurvePayload::Custom { x, y, annotation } => {
                (x.len() + y.len()) * 8 + annotation.as_ref().map_or(0, String::len)
            }
        }
    }

    fn encode(self: Box<Self>, _: &mut EncodeCtx<'_>) -> Result<Value, Error> {
        let (kind, points) = match *self {
            CurvePayload::Roc { labels, scores } => ("roc", curve::roc(&labels, &scores)),
            CurvePayload::Pr { labels, scores } => ("pr", curve::pr(&labels, &scores)),
            CurvePayload::Custom { x, y, annotation } => {
                // Python: `annotation=str(annotation) if annotation else None`.
                let mut row = json!({"kind": "custom", "x": x, "y": y});
                if let Some(a) = annotation.filter(|a| !a.is_empty()) {
                    row["annotation"] = Value::String(a);
                }
                return Ok(row);
            }
        };
        let p = points.map_err(curve_error)?;
        // The scikit-learn variants always annotate: `str(auc_score)` / `str(ap)`.
        Ok(json!({
            "kind": kind,
            "x": p.x,
            "y": p.y,
            "annotation": super::py_str(p.score),
        }))
    }
}

/// A confusion matrix, checked at the call.
pub(crate) struct ConfusionPayload(pub ConfusionMatrix);

impl Payload for ConfusionPayload {
    fn bytes(&self) -> usize {
        self.0.bytes()
    }

    fn encode(self: Box<Self>, _: &mut EncodeCtx<'_>) -> Result<Value, Error> {
        Ok(self.0.to_value())
    }
}

/// An audio clip, written as WAV.
pub(crate) struct AudioPayload {
    pub audio: Audio,
}

impl Payload for AudioPayload {
    fn bytes(&self) -> usize {
        self.audio.bytes()
    }

    fn encode(self: Box<Self>, ctx: &mut EncodeCtx<'_>) -> Result<Value, Error> {
        let wav = self.audio.encode_wav();
        let (abs, rel) = ctx.event_asset("audio", Some("wav"))?;
        write(&abs, &wav)?;
        Ok(json!({
            "sample_rate": f64::from(self.audio.sample_rate),
            "num_channels": self.audio.channels,
            "length_frames": self.audio.frames(),
            "path": rel,
            "content_type": "audio/wav",
        }))
    }
}

/// An audio or video file logged by path (Python's `log_audio(data=path)` and
/// `log_video(data=path)`, `audio_path` / `video_path` of `events_processors`): copied into
/// `assets/<kind>/` with its own extension, the row holding its path.
pub(crate) struct MediaFile {
    pub from: PathBuf,
    pub kind: MediaKind,
}

/// Which of Python's two file calls a [`MediaFile`] mirrors.
#[derive(Clone, Copy)]
pub(crate) enum MediaKind {
    /// `log_audio`: the extension defaults to `wav`; the row has no `content_type` (Python
    /// stores the caller's `content_type` argument, `None` unless given).
    Audio,
    /// `log_video`: the extension defaults to `gif`, and is the row's `content_type`.
    Video,
}

impl Payload for MediaFile {
    fn bytes(&self) -> usize {
        self.from.as_os_str().len() + 64
    }

    fn encode(self: Box<Self>, ctx: &mut EncodeCtx<'_>) -> Result<Value, Error> {
        let (dir, default) = match self.kind {
            MediaKind::Audio => ("audio", "wav"),
            MediaKind::Video => ("video", "gif"),
        };
        let ext = extension(&self.from).unwrap_or_else(|| default.to_owned());
        // A folder would be copied whole by `copy_file_or_dir`: an audio or video is one file.
        if self.from.is_dir() {
            return Err(encode_error(
                dir,
                format!("{} is a folder, not a file", self.from.display()),
            ));
        }
        let (abs, rel) = ctx.event_asset(dir, Some(&ext))?;
        copy_file_or_dir(&self.from, &abs)?;
        Ok(match self.kind {
            MediaKind::Audio => json!({ "path": rel }),
            MediaKind::Video => json!({ "path": rel, "content_type": ext }),
        })
    }
}

/// A video, written as an animated GIF.
pub(crate) struct VideoPayload {
    pub video: Video,
}

impl Payload for VideoPayload {
    fn bytes(&self) -> usize {
        self.video.bytes()
    }

    fn encode(self: Box<Self>, ctx: &mut EncodeCtx<'_>) -> Result<Value, Error> {
        let gif = self
            .video
            .encode_gif()
            .map_err(|e| encode_error("video", e))?;
        let (abs, rel) = ctx.event_asset("video", Some("gif"))?;
        write(&abs, &gif)?;
        let (h, w, c) = self.video.frame_shape();
        Ok(json!({
            "height": h,
            "width": w,
            "colorspace": c,
            "path": rel,
            "content_type": "gif",
        }))
    }
}

/// A chart's figure: `{"kind": "vega" | "plotly" | "bokeh", "figure": ...}`, double-encoded
/// by the writer.
pub(crate) struct ChartPayload {
    pub kind: &'static str,
    pub figure: Value,
}

impl Payload for ChartPayload {
    fn bytes(&self) -> usize {
        // Counting the figure's text would serialize it here; its node count is close enough.
        fn nodes(v: &Value) -> usize {
            match v {
                Value::Array(a) => 16 + a.iter().map(nodes).sum::<usize>(),
                Value::Object(o) => 16 + o.iter().map(|(k, v)| k.len() + nodes(v)).sum::<usize>(),
                Value::String(s) => 16 + s.len(),
                _ => 16,
            }
        }
        nodes(&self.figure)
    }

    fn encode(self: Box<Self>, _: &mut EncodeCtx<'_>) -> Result<Value, Error> {
        Ok(json!({ "kind": self.kind, "figure": self.figure }))
    }
}

/// A dataframe, written as CSV.
pub(crate) struct DataframePayload {
    pub frame: Dataframe,
}

impl Payload for DataframePayload {
    fn bytes(&self) -> usize {
        self.frame.bytes()
    }

    fn encode(self: Box<Self>, ctx: &mut EncodeCtx<'_>) -> Result<Value, Error> {
        let csv = self
            .frame
            .to_csv()
            .map_err(|e| encode_error("dataframe", e))?;
        let (abs, rel) = ctx.event_asset("dataframe", Some("csv"))?;
        write(&abs, &csv)?;
        Ok(json!({ "path": rel, "content_type": "csv" }))
    }
}

/// A model's framework and spec (`V1EventModel`'s other fields).
pub(crate) type ModelInfo = (Option<String>, Option<Map<String, Value>>);

/// A model or an artifact logged with a step: the file or folder copied into the assets.
pub(crate) struct CopyPayload {
    pub from: PathBuf,
    /// `model`, or the artifact's kind.
    pub kind: ArtifactKind,
    /// A model's framework and spec.
    pub model: Option<ModelInfo>,
}

impl Payload for CopyPayload {
    fn bytes(&self) -> usize {
        self.from.as_os_str().len() + 64
    }

    fn encode(self: Box<Self>, ctx: &mut EncodeCtx<'_>) -> Result<Value, Error> {
        // `log_model` keeps an extension only for a file; `log_artifact` for any path.
        let ext = match self.model {
            Some(_) if !self.from.is_file() => None,
            _ => extension(&self.from),
        };
        let (abs, rel) = ctx.event_asset(self.kind.as_str(), ext.as_deref())?;
        copy_file_or_dir(&self.from, &abs)?;
        match self.model {
            Some((framework, spec)) => {
                ctx.set_meta("has_model", Value::Bool(true));
                Ok(json!({ "framework": framework, "path": rel, "spec": spec }))
            }
            None => Ok(json!({ "kind": self.kind.as_str(), "path": rel })),
        }
    }
}

/// A model or artifact logged without a step: the copy into `outputs/` that its lineage
/// entry then points at. It writes no row (the value is `null`).
pub(crate) struct OutputsCopy {
    pub from: PathBuf,
    pub to: PathBuf,
    pub model: bool,
}

impl Payload for OutputsCopy {
    fn bytes(&self) -> usize {
        self.from.as_os_str().len() + self.to.as_os_str().len()
    }

    fn encode(self: Box<Self>, ctx: &mut EncodeCtx<'_>) -> Result<Value, Error> {
        copy_file_or_dir(&self.from, &self.to)?;
        if self.model {
            ctx.set_meta("has_model", Value::Bool(true));
        }
        Ok(Value::Null)
    }
}

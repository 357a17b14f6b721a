//! The rich-event calls: a method of [`Run`] and a module-level function on the current run
//! for each of Polyaxon's `log_*` event calls (`traceml/tracking/run.py`).
//!
//! A call checks its input (the checks Python makes, with an error instead of a warning),
//! copies what the event needs and queues it; binning, curve points, PNG/WAV/GIF/CSV
//! encoding and file copies run on the writer thread.

use std::path::Path;

use serde_json::{Map, Value};

use crate::event::{EventKind, Payload};
use crate::kind::ArtifactKind;
use crate::{Error, Run};

use super::audio::Audio;
use super::confusion::ConfusionMatrix;
use super::histogram::Histogram;
use super::image::{Image, ImageSource};
use super::payload::{
    histogram_error, AudioPayload, ChartPayload, ConfusionPayload, CopyPayload, CurvePayload,
    DataframePayload, HistogramPayload, ImagePayload, MediaFile, MediaKind, OutputsCopy, Text,
    VideoPayload,
};
use super::table::Dataframe;
use super::video::Video;
use super::Chart;

/// The sanitized name and the step of an event.
struct Target {
    name: String,
    step: Option<i64>,
}

/// The sanitized name the event and its asset go by.
fn target(name: &str, step: Option<i64>) -> Result<Target, Error> {
    let name = crate::fqn::to_fqn_name(name).ok_or_else(|| Error::InvalidName {
        name: name.to_owned(),
    })?;
    Ok(Target { name, step })
}

impl Run {
    /// A no-op run takes nothing: the call returns before copying its input.
    fn is_noop(&self) -> bool {
        self.mode() == crate::Mode::NoOp
    }

    fn event(&self, kind: EventKind, target: &Target, payload: impl Payload) -> Result<(), Error> {
        self.emit(kind, &target.name, target.step, Box::new(payload))
    }

    /// Every call's path: nothing on a no-op run (not even the input's copy); otherwise the
    /// name checked, then the input checked and copied by `payload`, then queued.
    fn log_event<P: Payload>(
        &self,
        kind: EventKind,
        name: &str,
        step: Option<i64>,
        payload: impl FnOnce() -> Result<P, Error>,
    ) -> Result<(), Error> {
        if self.is_noop() {
            return Ok(());
        }
        let t = target(name, step)?;
        self.event(kind, &t, payload()?)
    }

    /// Logs a text (Python's `log_text(name, text, step)`): a row of
    /// `events/text/<name>.plx`.
    pub fn log_text(
        &self,
        name: &str,
        text: impl Into<String>,
        step: Option<i64>,
    ) -> Result<(), Error> {
        self.log_event(EventKind::TEXT, name, step, || Ok(Text(text.into())))
    }

    /// Logs an HTML snippet (Python's `log_html(name, html, step)`): a row of
    /// `events/html/<name>.plx`.
    pub fn log_html(
        &self,
        name: &str,
        html: impl Into<String>,
        step: Option<i64>,
    ) -> Result<(), Error> {
        self.log_event(EventKind::HTML, name, step, || Ok(Text(html.into())))
    }

    /// Logs an image (Python's `log_image(data, name, step)`): pixels are saved as
    /// `assets/image/<name>[_<step>].png` with a row `{"height", "width", "colorspace",
    /// "path"}`; an [`Image::file`] is copied with its extension and the row holds its `path`.
    /// The name defaults to `image`, or to the file's name up to its first dot.
    pub fn log_image(
        &self,
        image: Image,
        name: Option<&str>,
        step: Option<i64>,
    ) -> Result<(), Error> {
        if self.is_noop() {
            return Ok(());
        }
        let default = match &image.source {
            ImageSource::File(path) => crate::lineage::default_name(path),
            ImageSource::Pixels(_) => "image".to_owned(),
        };
        let name = name.unwrap_or(&default);
        self.log_event(EventKind::IMAGE, name, step, || {
            let boxes = Vec::new();
            Ok(ImagePayload { image, boxes })
        })
    }

    /// Logs an image with boxes `[x1, y1, x2, y2]` (pixels) drawn in, red and 2 pixels wide
    /// (Python's `log_image_with_boxes(tensor_image, tensor_boxes, name, step)`; the name
    /// defaults to `figure`). The boxes are not stored apart from the pixels.
    pub fn log_image_with_boxes(
        &self,
        image: Image,
        boxes: &[[f32; 4]],
        name: Option<&str>,
        step: Option<i64>,
    ) -> Result<(), Error> {
        self.log_event(EventKind::IMAGE, name.unwrap_or("figure"), step, || {
            ImagePayload::with_boxes(image, boxes)
        })
    }

    /// Logs the histogram of `values` in `bins` equal bins (Python's `log_histogram(name,
    /// values, bins, step)`, which is `numpy.histogram`): a row `{"values": counts, "counts":
    /// edges}` of `events/histogram/<name>.plx` (Polyaxon's names are swapped).
    ///
    /// Errors, as Python does, for no values or more than 512 bins, and for NaN or infinite
    /// values (numpy: "autodetected range is not finite"). Binning runs on the writer thread.
    pub fn log_histogram<T: Copy + Into<f64>>(
        &self,
        name: &str,
        values: &[T],
        bins: usize,
        step: Option<i64>,
    ) -> Result<(), Error> {
        self.log_event(EventKind::HISTOGRAM, name, step, || {
            HistogramPayload::values(values, bins)
        })
    }

    /// Logs a histogram already binned (Python's `log_np_histogram(name, values, counts,
    /// step)` with numpy's `counts, edges = np.histogram(...)`): `edges` has one more entry
    /// than `counts`, and there are at most 512 bins.
    pub fn log_np_histogram(
        &self,
        name: &str,
        counts: &[f64],
        edges: &[f64],
        step: Option<i64>,
    ) -> Result<(), Error> {
        self.log_event(EventKind::HISTOGRAM, name, step, || {
            let h = Histogram::from_parts(counts.to_vec(), edges.to_vec());
            h.map(HistogramPayload::Binned).map_err(histogram_error)
        })
    }

    /// Logs the ROC curve of binary `labels` and their `scores`, with its AUC as annotation,
    /// computed as scikit-learn's `roc_curve` (dropping intermediate points) and `auc` do
    /// (Python's `log_sklearn_roc_auc_curve(name, y_preds, y_targets, step)`): a row
    /// `{"kind": "roc", "x": fpr, "y": tpr, "annotation": "<auc>"}` of
    /// `events/curve/<name>.plx`. The points are computed on the writer thread.
    pub fn log_roc_auc_curve(
        &self,
        name: &str,
        labels: &[bool],
        scores: &[f64],
        step: Option<i64>,
    ) -> Result<(), Error> {
        self.log_event(EventKind::CURVE, name, step, || {
            CurvePayload::roc(labels, scores)
        })
    }

    /// Logs the precision-recall curve of binary `labels` and their `scores`, with the average
    /// precision as annotation, as scikit-learn's `precision_recall_curve` and
    /// `average_precision_score` compute them (Python's `log_sklearn_pr_curve(name, y_preds,
    /// y_targets, step)`): a row `{"kind": "pr", "x": precision, "y": recall, "annotation"}`.
    pub fn log_pr_curve(
        &self,
        name: &str,
        labels: &[bool],
        scores: &[f64],
        step: Option<i64>,
    ) -> Result<(), Error> {
        self.log_event(EventKind::CURVE, name, step, || {
            CurvePayload::pr(labels, scores)
        })
    }

    /// Logs a custom curve (Python's `log_curve(name, x, y, annotation, step)`): a row
    /// `{"kind": "custom", "x", "y", "annotation"}`. Errors when `x` and `y` differ in length.
    pub fn log_curve(
        &self,
        name: &str,
        x: &[f64],
        y: &[f64],
        annotation: Option<&str>,
        step: Option<i64>,
    ) -> Result<(), Error> {
        self.log_event(EventKind::CURVE, name, step, || {
            CurvePayload::custom(x, y, annotation)
        })
    }

    /// Logs a confusion matrix (Python's `log_confusion_matrix(name, x, y, z, step)`): a row
    /// `{"x": labels, "y": labels, "z": rows}` of `events/confusion/<name>.plx`.
    pub fn log_confusion_matrix(
        &self,
        name: &str,
        matrix: ConfusionMatrix,
        step: Option<i64>,
    ) -> Result<(), Error> {
        self.log_event(EventKind::CONFUSION, name, step, || {
            Ok(ConfusionPayload(matrix))
        })
    }

    /// Logs an audio clip (Python's `log_audio(data, name, sample_rate, step)`): 16-bit WAV in
    /// `assets/audio/<name>[_<step>].wav` and a row `{"sample_rate", "num_channels",
    /// "length_frames", "path", "content_type": "audio/wav"}`. The name defaults to `audio`.
    pub fn log_audio(
        &self,
        audio: Audio,
        name: Option<&str>,
        step: Option<i64>,
    ) -> Result<(), Error> {
        let name = name.unwrap_or("audio");
        self.log_event(EventKind::AUDIO, name, step, || Ok(AudioPayload { audio }))
    }

    /// Logs an audio file (`.wav`, `.mp3`, ...) as it is (Python's `log_audio(data=path, name,
    /// step)`): copied on the writer thread into `assets/audio/<name>[_<step>].<ext>` with the
    /// file's extension (`wav` without one), and a row `{"path"}` (Python leaves
    /// `content_type` unset for a file). The name defaults to the file's name up to its first
    /// dot. A file that cannot be read is an error logged by the writer and counted in the
    /// run's report.
    pub fn log_audio_file(
        &self,
        path: impl AsRef<Path>,
        name: Option<&str>,
        step: Option<i64>,
    ) -> Result<(), Error> {
        self.media_file(path.as_ref(), name, step, MediaKind::Audio)
    }

    /// Logs a video (Python's `log_video(data, name, fps, step)`): an animated GIF in
    /// `assets/video/<name>[_<step>].gif` and a row `{"height", "width", "colorspace", "path",
    /// "content_type": "gif"}`. The name defaults to `video`.
    pub fn log_video(
        &self,
        video: Video,
        name: Option<&str>,
        step: Option<i64>,
    ) -> Result<(), Error> {
        let name = name.unwrap_or("video");
        self.log_event(EventKind::VIDEO, name, step, || Ok(VideoPayload { video }))
    }

    /// Logs a video file (`.gif`, `.mp4`, ...) as it is (Python's `log_video(data=path, name,
    /// step)`): copied on the writer thread into `assets/video/<name>[_<step>].<ext>`, and a
    /// row `{"path", "content_type": "<ext>"}` (`gif` for a file without an extension). The
    /// name defaults to the file's name up to its first dot.
    pub fn log_video_file(
        &self,
        path: impl AsRef<Path>,
        name: Option<&str>,
        step: Option<i64>,
    ) -> Result<(), Error> {
        self.media_file(path.as_ref(), name, step, MediaKind::Video)
    }

    fn media_file(
        &self,
        path: &Path,
        name: Option<&str>,
        step: Option<i64>,
        kind: MediaKind,
    ) -> Result<(), Error> {
        if self.is_noop() {
            return Ok(());
        }
        let default = crate::lineage::default_name(path);
        let event = match kind {
            MediaKind::Audio => EventKind::AUDIO,
            MediaKind::Video => EventKind::VIDEO,
        };
        let from = path.to_owned();
        let name = name.unwrap_or(&default);
        self.log_event(event, name, step, || Ok(MediaFile { from, kind }))
    }

    /// Logs a chart (Python's `log_altair_chart`, `log_plotly_chart`, `log_bokeh_chart`): a
    /// row of `events/chart/<name>.plx` holding `{"kind", "figure"}` as a JSON string.
    pub fn log_chart(&self, name: &str, chart: Chart, step: Option<i64>) -> Result<(), Error> {
        self.log_event(EventKind::CHART, name, step, || {
            let (kind, figure) = chart.into_parts();
            Ok(ChartPayload { kind, figure })
        })
    }

    /// Logs a table (Python's `log_dataframe(df, name, step)`): pandas' CSV in
    /// `assets/dataframe/<name>[_<step>].csv` and a row `{"path", "content_type": "csv"}`.
    pub fn log_dataframe(
        &self,
        name: &str,
        frame: Dataframe,
        step: Option<i64>,
    ) -> Result<(), Error> {
        self.log_event(EventKind::DATAFRAME, name, step, || {
            Ok(DataframePayload { frame })
        })
    }

    /// Logs a model file or folder (Python's `log_model(path, name, framework, summary,
    /// step)`), copied on the writer thread. With a step: into
    /// `assets/model/<name>_<step>[.<ext>]` (the extension for a file only) with a row
    /// `{"framework", "path", "spec"}` of `events/model/<name>.plx`. Without: into
    /// `outputs/<file name>`, with a lineage entry of kind `model` whose summary holds the
    /// framework. Both set the run's `has_model`. The name defaults to the file's name up to
    /// its first dot.
    pub fn log_model(
        &self,
        path: impl AsRef<Path>,
        name: Option<&str>,
        framework: Option<&str>,
        spec: Option<Map<String, Value>>,
        step: Option<i64>,
    ) -> Result<(), Error> {
        if self.is_noop() {
            return Ok(());
        }
        let path = path.as_ref();
        let default = crate::lineage::default_name(path);
        let t = target(name.unwrap_or(&default), step)?;
        let framework = framework.map(str::to_owned);
        if step.is_some() {
            return self.event(
                EventKind::MODEL,
                &t,
                CopyPayload {
                    from: path.to_owned(),
                    kind: ArtifactKind::Model,
                    model: Some((framework, spec)),
                },
            );
        }
        let mut summary = spec.unwrap_or_default();
        summary.insert(
            "framework".into(),
            framework.map_or(Value::Null, Value::String),
        );
        self.copy_to_outputs(path, &t, ArtifactKind::Model, summary, true)
    }

    /// Logs a file or folder as an artifact (Python's `log_artifact(path, name, kind, step)`;
    /// the kind defaults to `file`), copied on the writer thread. With a step: into
    /// `assets/<kind>/<name>_<step>[.<ext>]` with a row `{"kind", "path"}` of
    /// `events/<kind>/<name>.plx`. Without: into `outputs/<file name>` with a lineage entry.
    pub fn log_artifact(
        &self,
        path: impl AsRef<Path>,
        name: Option<&str>,
        kind: Option<ArtifactKind>,
        step: Option<i64>,
    ) -> Result<(), Error> {
        if self.is_noop() {
            return Ok(());
        }
        let path = path.as_ref();
        let default = crate::lineage::default_name(path);
        let t = target(name.unwrap_or(&default), step)?;
        let kind = kind.unwrap_or(ArtifactKind::File);
        if step.is_some() {
            return self.event(
                EventKind::artifact(kind),
                &t,
                CopyPayload {
                    from: path.to_owned(),
                    kind,
                    model: None,
                },
            );
        }
        self.copy_to_outputs(path, &t, kind, Map::new(), false)
    }

    /// `copy_file_or_dir_path(path, outputs, use_basename=True)` on the writer thread, then the
    /// lineage of the copy, in that order on the same queue.
    fn copy_to_outputs(
        &self,
        path: &Path,
        t: &Target,
        kind: ArtifactKind,
        summary: Map<String, Value>,
        model: bool,
    ) -> Result<(), Error> {
        let Some(base) = path.file_name() else {
            return Err(Error::InvalidEvent {
                kind: kind.as_str(),
                reason: format!("{} names no file or folder", path.display()),
            });
        };
        let dest = self.get_artifacts_path(Some("outputs"))?.join(base);
        self.event(
            EventKind::artifact(kind),
            t,
            OutputsCopy {
                from: path.to_owned(),
                to: dest.clone(),
                model,
            },
        )?;
        self.log_artifact_ref_with(&dest, kind, Some(&t.name), false, Some(summary))
    }
}

macro_rules! current_run {
    ($(#[$doc:meta])* $name:ident($($arg:ident: $ty:ty),*)) => {
        $(#[$doc])*
        pub fn $name($($arg: $ty),*) -> Result<(), Error> {
            match crate::current() {
                Some(run) => run.$name($($arg),*),
                None => crate::run::inactive(),
            }
        }
    };
}

current_run!(
    /// Logs a text on the current run; see [`Run::log_text`].
    log_text(name: &str, text: impl Into<String>, step: Option<i64>)
);
current_run!(
    /// Logs an HTML snippet on the current run; see [`Run::log_html`].
    log_html(name: &str, html: impl Into<String>, step: Option<i64>)
);
current_run!(
    /// Logs an image on the current run; see [`Run::log_image`].
    log_image(image: Image, name: Option<&str>, step: Option<i64>)
);
current_run!(
    /// Logs an image with boxes on the current run; see [`Run::log_image_with_boxes`].
    log_image_with_boxes(image: Image, boxes: &[[f32; 4]], name: Option<&str>, step: Option<i64>)
);
/// Logs a histogram on the current run; see [`Run::log_histogram`].
pub fn log_histogram<T: Copy + Into<f64>>(
    name: &str,
    values: &[T],
    bins: usize,
    step: Option<i64>,
) -> Result<(), Error> {
    match crate::current() {
        Some(run) => run.log_histogram(name, values, bins, step),
        None => crate::run::inactive(),
    }
}
current_run!(
    /// Logs a binned histogram on the current run; see [`Run::log_np_histogram`].
    log_np_histogram(name: &str, counts: &[f64], edges: &[f64], step: Option<i64>)
);
current_run!(
    /// Logs a ROC curve on the current run; see [`Run::log_roc_auc_curve`].
    log_roc_auc_curve(name: &str, labels: &[bool], scores: &[f64], step: Option<i64>)
);
current_run!(
    /// Logs a precision-recall curve on the current run; see [`Run::log_pr_curve`].
    log_pr_curve(name: &str, labels: &[bool], scores: &[f64], step: Option<i64>)
);
current_run!(
    /// Logs a custom curve on the current run; see [`Run::log_curve`].
    log_curve(name: &str, x: &[f64], y: &[f64], annotation: Option<&str>, step: Option<i64>)
);
current_run!(
    /// Logs a confusion matrix on the current run; see [`Run::log_confusion_matrix`].
    log_confusion_matrix(name: &str, matrix: ConfusionMatrix, step: Option<i64>)
);
current_run!(
    /// Logs an audio clip on the current run; see [`Run::log_audio`].
    log_audio(audio: Audio, name: Option<&str>, step: Option<i64>)
);
current_run!(
    /// Logs a video on the current run; see [`Run::log_video`].
    log_video(video: Video, name: Option<&str>, step: Option<i64>)
);
current_run!(
    /// Logs an audio file on the current run; see [`Run::log_audio_file`].
    log_audio_file(path: impl AsRef<Path>, name: Option<&str>, step: Option<i64>)
);
current_run!(
    /// Logs a video file on the current run; see [`Run::log_video_file`].
    log_video_file(path: impl AsRef<Path>, name: Option<&str>, step: Option<i64>)
);
current_run!(
    /// Logs a chart on the current run; see [`Run::log_chart`].
    log_chart(name: &str, chart: Chart, step: Option<i64>)
);
current_run!(
    /// Logs a dataframe on the current run; see [`Run::log_dataframe`].
    log_dataframe(name: &str, frame: Dataframe, step: Option<i64>)
);
current_run!(
    /// Logs a model on the current run; see [`Run::log_model`].
    log_model(path: impl AsRef<Path>, name: Option<&str>, framework: Option<&str>, spec: Option<Map<String, Value>>, step: Option<i64>)
);
current_run!(
    /// Logs an artifact on the current run; see [`Run::log_artifact`].
    log_artifact(path: impl AsRef<Path>, name: Option<&str>, kind: Option<ArtifactKind>, step: Option<i64>)
);

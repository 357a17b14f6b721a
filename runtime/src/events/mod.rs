//! Every rich event kind Polyaxon records besides metrics: text, HTML, images, histograms,
//! curves, confusion matrices, audio, video, charts, dataframes, models and artifacts
//! (Python's `log_*` calls of `traceml/tracking/run.py`), written as Polyaxon's client writes
//! them (rows of `events/<kind>/<name>.plx`, files under `assets/<kind>/`).
//!
//! | module | what it holds |
//! | --- | --- |
//! | `api` | the `Run` methods and module-level functions |
//! | `payload` | what each call queues, and its encoding on the writer thread |
//! | `histogram`, `curve` | numpy's `histogram`, scikit-learn's ROC / PR curves |
//! | `image`, `audio`, `video`, `table`, `confusion` | the inputs and their PNG, WAV, GIF, CSV |
//! | `files` | copies of models and artifacts |

mod api;
mod audio;
mod confusion;
mod curve;
mod files;
mod histogram;
mod image;
mod payload;
mod table;
mod video;

pub use api::{
    log_artifact, log_audio, log_audio_file, log_chart, log_confusion_matrix, log_curve,
    log_dataframe, log_histogram, log_html, log_image, log_image_with_boxes, log_model,
    log_np_histogram, log_pr_curve, log_roc_auc_curve, log_text, log_video, log_video_file,
};
pub use audio::{Audio, Samples as AudioSamples};
pub use confusion::ConfusionMatrix;
pub use histogram::MAX_BINS as MAX_HISTOGRAM_BINS;
pub use image::{Image, Layout};
pub use table::Dataframe;
pub use video::{Video, VideoLayout};

use serde_json::Value;

/// A chart figure for [`log_chart`], as the JSON its library exports.
#[derive(Debug, Clone, PartialEq)]
pub enum Chart {
    /// A Vega or Vega-Lite spec (Python's `log_altair_chart`, kind `vega`).
    Vega(Value),
    /// A Plotly figure, `{"data": [...], "layout": {...}}` (`log_plotly_chart`, kind `plotly`).
    Plotly(Value),
    /// A Bokeh `json_item` (`log_bokeh_chart`, kind `bokeh`).
    Bokeh(Value),
}

impl Chart {
    fn into_parts(self) -> (&'static str, Value) {
        match self {
            Chart::Vega(v) => ("vega", v),
            Chart::Plotly(v) => ("plotly", v),
            Chart::Bokeh(v) => ("bokeh", v),
        }
    }
}

/// Python's `str(v)` of a float (`0.75`, `1e-05`, `nan`).
fn py_str(v: f64) -> String {
    let mut out = Vec::with_capacity(24);
    crate::pyrepr::write_py_float(&mut out, v);
    String::from_utf8_lossy(&out).into_owned()
}

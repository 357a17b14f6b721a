//! Polyaxon's artifact kinds (`V1ArtifactKind`) and run statuses (`V1Statuses`).

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $value:literal, )* }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $value)] $variant, )*
        }

        impl $name {
            /// Every value, in Polyaxon's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The string Polyaxon uses on the wire and on disk.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $value,)* }
            }

            /// Parses Polyaxon's string value.
            #[allow(clippy::should_implement_trait)]
            pub fn from_str(value: &str) -> Option<Self> {
                match value { $($value => Some($name::$variant),)* _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum! {
    /// The kind of an artifact or event, as Polyaxon's `V1ArtifactKind`.
    pub enum ArtifactKind {
        /// A model file or folder.
        Model = "model",
        /// Audio.
        Audio = "audio",
        /// Video.
        Video = "video",
        /// A histogram.
        Histogram = "histogram",
        /// An image.
        Image = "image",
        /// A tensor.
        Tensor = "tensor",
        /// A dataframe.
        Dataframe = "dataframe",
        /// A chart.
        Chart = "chart",
        /// Comma-separated values.
        Csv = "csv",
        /// Tab-separated values.
        Tsv = "tsv",
        /// Pipe-separated values.
        Psv = "psv",
        /// Space-separated values.
        Ssv = "ssv",
        /// A metric.
        Metric = "metric",
        /// The environment file.
        Env = "env",
        /// HTML.
        Html = "html",
        /// Text.
        Text = "text",
        /// A file.
        File = "file",
        /// A folder.
        Dir = "dir",
        /// A Dockerfile.
        Dockerfile = "dockerfile",
        /// A container image.
        DockerImage = "docker_image",
        /// A dataset.
        Data = "data",
        /// A code reference (git commit).
        Coderef = "coderef",
        /// A table.
        Table = "table",
        /// TensorBoard logs.
        Tensorboard = "tensorboard",
        /// A curve (ROC, PR or custom).
        Curve = "curve",
        /// A confusion matrix.
        Confusion = "confusion",
        /// An analysis.
        Analysis = "analysis",
        /// An iteration.
        Iteration = "iteration",
        /// Markdown.
        Markdown = "markdown",
        /// A system (resource) metric.
        System = "system",
        /// A generic artifact.
        Artifact = "artifact",
        /// A trace span.
        Span = "span",
    }
}

string_enum! {
    /// A run status, as Polyaxon's `V1Statuses`.
    pub enum Status {
        /// Created.
        Created = "created",
        /// Resuming.
        Resuming = "resuming",
        /// On schedule.
        OnSchedule = "on_schedule",
        /// Compiled.
        Compiled = "compiled",
        /// Queued.
        Queued = "queued",
        /// Scheduled.
        Scheduled = "scheduled",
        /// Starting.
        Starting = "starting",
        /// Running.
        Running = "running",
        /// Processing.
        Processing = "processing",
        /// Stopping.
        Stopping = "stopping",
        /// Failed.
        Failed = "failed",
        /// Stopped.
        Stopped = "stopped",
        /// Succeeded.
        Succeeded = "succeeded",
        /// Skipped.
        Skipped = "skipped",
        /// Warning.
        Warning = "warning",
        /// Unschedulable.
        Unschedulable = "unschedulable",
        /// Upstream failed.
        UpstreamFailed = "upstream_failed",
        /// Retrying.
        Retrying = "retrying",
        /// Unknown.
        Unknown = "unknown",
        /// Done.
        Done = "done",
    }
}

impl Status {
    /// Polyaxon's pending group: created, on_schedule, resuming.
    pub fn is_pending(self) -> bool {
        matches!(
            self,
            Status::Created | Status::OnSchedule | Status::Resuming
        )
    }

    /// Polyaxon's done group: failed, upstream_failed, stopped, skipped, succeeded.
    pub fn is_done(self) -> bool {
        matches!(
            self,
            Status::Failed
                | Status::UpstreamFailed
                | Status::Stopped
                | Status::Skipped
                | Status::Succeeded
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_32_artifact_kinds_round_trip() {
        assert_eq!(ArtifactKind::ALL.len(), 32);
        for kind in ArtifactKind::ALL {
            assert_eq!(ArtifactKind::from_str(kind.as_str()), Some(*kind));
            let json = serde_json::to_string(kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
        assert_eq!(ArtifactKind::DockerImage.as_str(), "docker_image");
        assert_eq!(ArtifactKind::from_str("nope"), None);
    }

    #[test]
    fn status_groups() {
        assert_eq!(Status::ALL.len(), 20);
        assert!(Status::Created.is_pending());
        assert!(!Status::Running.is_pending());
        assert!(Status::UpstreamFailed.is_done());
        assert!(!Status::Running.is_done());
    }
}

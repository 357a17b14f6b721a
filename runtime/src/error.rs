//! The error type of every fallible polytrack call.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

/// Everything that can go wrong while tracking.
///
/// Tracking never panics: each failure is returned as one of these (or, where no caller can
/// receive it, logged through the `log` facade). Messages never contain the API token.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A setting (an environment variable, a config file entry or a builder value) is malformed.
    Config {
        /// The variable or setting, e.g. `POLYAXON_RUN_INSTANCE`.
        var: String,
        /// The value found (redacted for secrets).
        value: String,
        /// What was expected instead.
        expected: String,
    },
    /// Nothing says where the run should go (no project, not managed, not offline) and
    /// `POLYTRACK_STRICT` is set; without it such a run is tracked offline.
    NoContext,
    /// A metric, input, output or artifact name is empty after Polyaxon's name sanitization.
    InvalidName {
        /// The name as given.
        name: String,
    },
    /// A name is longer, once sanitized, than a file name and Polyaxon allow (200 bytes).
    /// Nothing was recorded.
    NameTooLong {
        /// The start of the name as given.
        name: String,
        /// Its length in bytes, sanitized.
        bytes: usize,
        /// The most accepted.
        max: usize,
    },
    /// An explicit timestamp outside the years Polyaxon's readers parse. Nothing was recorded.
    TimestampOutOfRange {
        /// The timestamp given.
        timestamp: std::time::SystemTime,
        /// The first year accepted.
        min_year: i32,
        /// The last year accepted.
        max_year: i32,
    },
    /// A value that JSON cannot carry (NaN or an infinity inside inputs or outputs).
    NonFinite {
        /// The key under which it was logged.
        key: String,
    },
    /// An input or output value too large to log: more than about 64 KiB of JSON, or a
    /// sequence of more than 4,096 elements. It was not logged (and was not serialized past
    /// the limit).
    TooLarge {
        /// The key under which it was logged (an argument's name for the attributes).
        key: String,
        /// Which limit it went over.
        what: String,
    },
    /// Inputs or outputs must serialize to a map of names to values.
    NotAMap {
        /// What the value serialized to instead.
        found: &'static str,
    },
    /// A value could not be serialized.
    Serialize(String),
    /// A rich event's input is malformed (an image shape that does not match its pixels, a
    /// histogram of more than 512 bins, a confusion matrix that is not square, ...).
    InvalidEvent {
        /// The event kind, e.g. `image`.
        kind: &'static str,
        /// What is wrong, and what was expected.
        reason: String,
    },
    /// A relative path leaves the run's folder: it is absolute, its `..` climbs out, or a
    /// symlink on its way leads outside (or nowhere). Nothing was created.
    PathEscapes {
        /// The path as given.
        path: PathBuf,
    },
    /// The operation needs an active run, and there is none (no-op mode, or not initialised).
    Inactive,
    /// The run was already ended.
    Ended,
    /// The background writer did not accept the event within the configured bound, because it
    /// is stalled (a hung disk, say). The event was not recorded; the caller still holds it.
    Backpressure {
        /// How long the call waited for room in the queue.
        waited: Duration,
    },
    /// The background writer thread is gone (it could not start or it died).
    WriterGone,
    /// A file operation failed.
    Io {
        /// What polytrack was doing.
        context: String,
        /// The underlying error.
        source: io::Error,
    },
    /// The Polyaxon API answered with an error status.
    Api {
        /// The request, e.g. `PATCH /api/v1/default/demo/runs/<uuid>`.
        request: String,
        /// The HTTP status code.
        status: u16,
        /// The response body, shortened.
        body: String,
    },
    /// The host answered, but not as the Polyaxon API does for that request: a success status
    /// whose body is not the expected JSON (a proxy's login page, a truncated answer, another
    /// run), or a redirect (never followed). Nothing counts as delivered.
    NotPolyaxon {
        /// The request, e.g. `GET http://host/api/v1/default/demo/runs/<uuid>`.
        request: String,
        /// The HTTP status code.
        status: u16,
        /// What the answer should have been.
        expected: String,
        /// What came back, shortened.
        body: String,
    },
    /// The Polyaxon API could not be reached.
    Unreachable {
        /// The request that failed.
        request: String,
        /// Why.
        reason: String,
    },
    /// The run's inputs do not fit the type they were read into (`polytrack::inputs`).
    Inputs {
        /// The field and what is wrong with it, e.g. `lr: invalid type: string "x", expected f64`.
        message: String,
    },
    /// Ending the run did not finish within its deadline.
    Timeout {
        /// What was left undone.
        what: String,
    },
}

impl Error {
    pub(crate) fn config(var: &str, value: &str, expected: &str) -> Self {
        Error::Config {
            var: var.to_owned(),
            value: value.to_owned(),
            expected: expected.to_owned(),
        }
    }

    pub(crate) fn io(context: impl Into<String>, source: io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config {
                var,
                value,
                expected,
            } => write!(f, "invalid {var}={value:?}: expected {expected}"),
            Error::NoContext => f.write_str(
                "no run context: set a project (Settings::project or POLYTRACK_PROJECT), run \
                 managed by Polyaxon (POLYAXON_IS_MANAGED and POLYAXON_RUN_INSTANCE), or track \
                 offline (POLYAXON_IS_OFFLINE=true)",
            ),
            Error::InvalidName { name } => write!(
                f,
                "invalid name {name:?}: it is empty after Polyaxon's name sanitization; use \
                 letters, digits, '_', '-', '.', '/' or spaces"
            ),
            Error::NameTooLong { name, bytes, max } => write!(
                f,
                "name {name:?} is {bytes} bytes long; at most {max} bytes fit a file name and \
                 a Polyaxon name"
            ),
            Error::TimestampOutOfRange {
                timestamp,
                min_year,
                max_year,
            } => write!(
                f,
                "timestamp {timestamp:?} is outside the years {min_year} to {max_year} that \
                 Polyaxon's readers parse (seconds taken for milliseconds?)"
            ),
            Error::NonFinite { key } => write!(
                f,
                "value of {key:?} is NaN or infinite, which JSON cannot hold; log it as a \
                 metric or as a string instead"
            ),
            Error::TooLarge { key, what } => write!(
                f,
                "{key:?} is too large to log as an input or output: {what} (the limits are \
                 64 KiB of JSON and 4,096 elements per sequence); leave it out (`skip({key})` \
                 on the attribute, `skip_ret` for a returned value) or log a summary of it"
            ),
            Error::NotAMap { found } => write!(
                f,
                "inputs and outputs must serialize to a map of names to values (a struct or \
                 map), found {found}"
            ),
            Error::Serialize(msg) => write!(f, "could not serialize the value: {msg}"),
            Error::InvalidEvent { kind, reason } => write!(f, "invalid {kind} event: {reason}"),
            Error::PathEscapes { path } => write!(
                f,
                "path {} leaves the run's folder; give a relative path without '..' and without \
                 symlinks that lead out of it",
                path.display()
            ),
            Error::Inactive => f.write_str("no active run (not initialised, or no-op mode)"),
            Error::Ended => f.write_str("the run has already ended"),
            Error::Backpressure { waited } => write!(
                f,
                "the tracking writer is stalled: no room in its queue after {waited:?}; this \
                 event was not recorded"
            ),
            Error::WriterGone => f.write_str("the tracking writer thread is not running"),
            Error::Io { context, source } => write!(f, "{context}: {source}"),
            Error::Api {
                request,
                status,
                body,
            } => write!(f, "{request} failed with HTTP {status}: {body}"),
            Error::NotPolyaxon {
                request,
                status,
                expected,
                body,
            } => write!(
                f,
                "{request} got an answer that is not the Polyaxon API's (HTTP {status}, expected \
                 {expected}): {body}"
            ),
            Error::Unreachable { request, reason } => {
                write!(f, "{request} could not reach the Polyaxon API: {reason}")
            }
            Error::Inputs { message } => write!(f, "the run's inputs do not fit: {message}"),
            Error::Timeout { what } => write!(f, "timed out: {what}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

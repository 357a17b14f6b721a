//! What a caller sets explicitly: the [`Settings`] builder.

use super::env::Env;
use super::{redacted_url, resolve, Resolved, Secret};
use crate::error::Error;
use crate::rank::RankPolicy;
use crate::testing::Recorder;
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Explicit settings for [`init_with`](crate::init_with). Every value left unset is taken from
/// the environment, then from Polyaxon's config files, then from Polyaxon's defaults.
///
/// Its `Debug` output shows the token (and credentials in the host's URL) as `***` and, of a
/// replacement environment
/// ([`Settings::env`]), only the variable names.
#[derive(Clone, Default)]
pub struct Settings {
    pub(crate) project: Option<String>,
    pub(crate) run_uuid: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) tags: Vec<String>,
    pub(crate) offline: Option<bool>,
    pub(crate) no_op: Option<bool>,
    pub(crate) is_new: Option<bool>,
    pub(crate) artifacts_path: Option<PathBuf>,
    pub(crate) offline_root: Option<PathBuf>,
    pub(crate) collect_artifacts: Option<bool>,
    pub(crate) collect_resources: Option<bool>,
    pub(crate) host: Option<String>,
    pub(crate) token: Option<Secret>,
    pub(crate) rank_policy: Option<RankPolicy>,
    pub(crate) strict: Option<bool>,
    pub(crate) end_timeout: Option<Duration>,
    pub(crate) queue_capacity: Option<usize>,
    pub(crate) queue_timeout: Option<Duration>,
    pub(crate) track_logs: Option<bool>,
    pub(crate) capture_console: Option<bool>,
    pub(crate) track_code: Option<bool>,
    pub(crate) handle_signals: Option<bool>,
    pub(crate) stop_grace: Option<Duration>,
    pub(crate) payload_budget: Option<usize>,
    pub(crate) env: Option<BTreeMap<String, String>>,
    pub(crate) recorder: Option<Recorder>,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("project", &self.project)
            .field("run_uuid", &self.run_uuid)
            .field("name", &self.name)
            .field("description", &self.description)
            .field("tags", &self.tags)
            .field("offline", &self.offline)
            .field("no_op", &self.no_op)
            .field("is_new", &self.is_new)
            .field("artifacts_path", &self.artifacts_path)
            .field("offline_root", &self.offline_root)
            .field("collect_artifacts", &self.collect_artifacts)
            .field("collect_resources", &self.collect_resources)
            .field("host", &self.host.as_deref().map(redacted_url))
            .field("token", &self.token)
            .field("rank_policy", &self.rank_policy)
            .field("strict", &self.strict)
            .field("end_timeout", &self.end_timeout)
            .field("queue_capacity", &self.queue_capacity)
            .field("queue_timeout", &self.queue_timeout)
            .field("track_logs", &self.track_logs)
            .field("capture_console", &self.capture_console)
            .field("track_code", &self.track_code)
            .field("handle_signals", &self.handle_signals)
            .field("stop_grace", &self.stop_grace)
            .field("payload_budget", &self.payload_budget)
            .field(
                "env",
                &self
                    .env
                    .as_ref()
                    .map(|vars| vars.keys().collect::<Vec<_>>()),
            )
            .field("recorder", &self.recorder.is_some())
            .finish()
    }
}

macro_rules! setter {
    ($(#[$doc:meta])* $field:ident: $ty:ty) => {
        $(#[$doc])*
        pub fn $field(mut self, value: $ty) -> Self {
            self.$field = Some(value);
            self
        }
    };
    ($(#[$doc:meta])* $field:ident: into $ty:ty) => {
        $(#[$doc])*
        pub fn $field(mut self, value: impl Into<$ty>) -> Self {
            self.$field = Some(value.into());
            self
        }
    };
}

impl Settings {
    /// Settings with nothing set: everything comes from the environment.
    pub fn new() -> Self {
        Self::default()
    }

    setter!(
        /// The project, as `owner/project`, `owner.project` or just `project` (owner `default`).
        project: into String
    );
    setter!(
        /// The run's uuid (32 hex characters). Offline, an existing run with it is resumed.
        run_uuid: into String
    );
    setter!(
        /// The run's name.
        name: into String
    );
    setter!(
        /// The run's description.
        description: into String
    );
    setter!(
        /// Track offline into a local folder (`POLYAXON_IS_OFFLINE`).
        offline: bool
    );
    setter!(
        /// Track nothing (`POLYAXON_NO_OP`).
        no_op: bool
    );
    setter!(
        /// Create a new run even when a managed run is known (Python's `is_new`).
        is_new: bool
    );
    setter!(
        /// The run's artifacts folder, overriding the mode's default.
        artifacts_path: into PathBuf
    );
    setter!(
        /// The root of offline runs (`POLYAXON_OFFLINE_ROOT`, default `/tmp/plx/offline`).
        offline_root: into PathBuf
    );
    setter!(
        /// Write event files (`POLYAXON_COLLECT_ARTIFACTS`).
        collect_artifacts: bool
    );
    setter!(
        /// Sample resource metrics (`POLYAXON_COLLECT_RESOURCES`).
        collect_resources: bool
    );
    setter!(
        /// The Polyaxon API host (`POLYAXON_HOST`).
        host: into String
    );
    setter!(
        /// Which ranks of a distributed job track (`POLYTRACK_TRACK_ALL_RANKS`).
        rank_policy: RankPolicy
    );
    setter!(
        /// Fail `init` when the API cannot be reached, instead of spooling
        /// (`POLYTRACK_STRICT`).
        strict: bool
    );
    setter!(
        /// The longest `end()` waits to flush (`POLYTRACK_END_TIMEOUT`, seconds; default 30).
        end_timeout: Duration
    );
    setter!(
        /// Events the writer queue holds (`POLYTRACK_QUEUE_CAPACITY`; default 65536). Metric
        /// values wait on each logging thread's own ring instead, of this capacity up to
        /// 16,384 values.
        queue_capacity: usize
    );
    setter!(
        /// The longest a logging call waits when the queue (or its thread's ring) is full
        /// (`POLYTRACK_QUEUE_TIMEOUT_MS`; default 100 ms).
        queue_timeout: Duration
    );
    setter!(
        /// Record log lines into the run's `plxlogs/` (`POLYTRACK_TRACK_LOGS`; Python's
        /// `track_logs`). Default: on for external, process-sidecar and offline runs, off for
        /// managed runs, whose logs the cluster collects. See [`crate::logs`].
        track_logs: bool
    );
    setter!(
        /// Tee the process's stdout and stderr into the run's logs (`POLYTRACK_CAPTURE_CONSOLE`).
        /// Default: on for runs polytrack creates on a Polyaxon API (as Python's client does),
        /// unless a [`logs::layer`](crate::logs) or [`LogBridge`](crate::logs::LogBridge) was
        /// created; off offline and for managed runs. Needs `track_logs`.
        capture_console: bool
    );
    setter!(
        /// Log the git commit of the working directory as a code reference at `init`
        /// (`POLYTRACK_TRACK_CODE`; by default as Python's `track_code`: for new runs and runs
        /// with a process sidecar, not offline ones).
        track_code: bool
    );
    setter!(
        /// Handle SIGTERM and SIGINT: flush the run, mark it `stopped`, then let the signal do
        /// what it would have done (`POLYTRACK_HANDLE_SIGNALS`; default true). See
        /// [`stop_requested`](crate::stop_requested).
        handle_signals: bool
    );
    setter!(
        /// After a stop signal, how long a program that polls
        /// [`stop_requested`](crate::stop_requested) gets to end its run itself (a last
        /// checkpoint) before polytrack ends it (`POLYTRACK_STOP_GRACE`, seconds; default 10).
        stop_grace: Duration
    );
    setter!(
        /// The most bytes of rich-event payloads (images, audio, text, log lines) accepted and
        /// not yet written; a call beyond it returns [`Error::Backpressure`] (default 64 MiB).
        payload_budget: usize
    );

    /// The API token, overriding the auth files and `POLYAXON_AUTH_TOKEN`.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(Secret::new(token));
        self
    }

    /// Tags of the run.
    pub fn tags<I, S>(mut self, tags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.tags = tags.into_iter().map(Into::into).collect();
        self
    }

    /// Reads variables from this map instead of the process environment (tests, embedding).
    pub fn env<I, K, V>(mut self, vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.env = Some(
            vars.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        );
        self
    }

    /// Records everything into `recorder` instead of files or HTTP (for tests). The run's
    /// settings resolve as they would without it (mode, uuid, paths, from these settings and
    /// the environment): the recorder only takes the place of the run's sinks, chosen when
    /// the run starts. Give [`offline`](Self::offline) or [`env`](Self::env) for a run that
    /// does not depend on the process's environment.
    pub fn recorder(mut self, recorder: Recorder) -> Self {
        self.recorder = Some(recorder);
        self
    }

    /// Resolves these settings against the environment and config files.
    pub fn resolve(&self) -> Result<Resolved, Error> {
        let env = Env::load(self.env.clone());
        resolve(self, &env)
    }
}

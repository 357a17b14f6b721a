//! Where a run goes and how: explicit [`Settings`] over the environment over config files,
//! resolved the way Polyaxon's Python client resolves them.

use crate::error::Error;
use crate::rank::{Rank, RankPolicy};
use crate::testing::Recorder;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How a run is tracked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// In-cluster: the run was created and scheduled by Polyaxon (`POLYAXON_IS_MANAGED`).
    Managed,
    /// Outside a cluster: polytrack creates its own run on a Polyaxon API.
    External,
    /// No API at all: a local folder that `polyaxon ops push` can upload later.
    Offline,
    /// Nothing is tracked: every call returns at once.
    NoOp,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Managed => "managed",
            Mode::External => "external",
            Mode::Offline => "offline",
            Mode::NoOp => "no-op",
        })
    }
}

/// A secret (the API token). Its `Debug` and `Display` print `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that sends it (the `Authorization` header).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Explicit settings for [`init_with`](crate::init_with). Every value left unset is taken from
/// the environment, then from Polyaxon's config files, then from Polyaxon's defaults.
///
/// Its `Debug` output shows the token as `***` and, of a replacement environment
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
            .field("host", &self.host)
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
        /// Events the writer queue holds (`POLYTRACK_QUEUE_CAPACITY`; default 65536).
        queue_capacity: usize
    );
    setter!(
        /// The longest a logging call waits when the queue is full
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

    /// Records everything into `recorder` instead of files or HTTP (for tests).
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

/// How to reach the Polyaxon API.
#[derive(Clone, Debug)]
pub struct ApiConfig {
    /// The base URL, without a trailing `/`.
    pub host: String,
    /// The token, if any (redacted in `Debug`).
    pub token: Option<Secret>,
    /// The `Authorization` scheme: `Token` unless `POLYAXON_AUTHENTICATION_TYPE` says otherwise.
    pub authentication_type: String,
    /// The optional extra header (`POLYAXON_HEADER: POLYAXON_HEADER_SERVICE`).
    pub service_header: Option<(String, String)>,
    /// The timeout of one request (`POLYAXON_TIMEOUT`, default 60 s).
    pub timeout: Duration,
    /// Whether TLS certificates are verified (default true, unlike Polyaxon's client).
    pub verify_ssl: bool,
    /// An extra CA bundle (`POLYAXON_SSL_CA_CERT`).
    pub ca_cert: Option<PathBuf>,
    /// Fail `init` when the API is down instead of spooling.
    pub strict: bool,
}

/// A fully resolved run context.
#[derive(Clone, Debug)]
pub struct Resolved {
    /// The tracking mode.
    pub mode: Mode,
    /// The owner, if known.
    pub owner: Option<String>,
    /// The project, if known.
    pub project: Option<String>,
    /// The run uuid (32 hex chars); `None` for a new external run until the API creates it.
    pub uuid: Option<String>,
    /// Whether polytrack creates the run (external new runs and offline runs).
    pub is_new: bool,
    /// Nothing chose a mode (no project, not managed, not offline, not no-op) and strict is
    /// off, so the run is tracked offline.
    pub implicit_offline: bool,
    /// `POLYAXON_HAS_PROCESS_SIDECAR` (docker and local-process executors): the process
    /// itself reports the run's status and uploads its files, as an external run does.
    pub has_process_sidecar: bool,
    /// The run's name.
    pub name: Option<String>,
    /// The run's description.
    pub description: Option<String>,
    /// The run's tags.
    pub tags: Vec<String>,
    /// The run's artifacts folder (for a new external run, once the uuid is known).
    pub artifacts_root: PathBuf,
    /// Whether event files are written.
    pub collect_artifacts: bool,
    /// Whether resource metrics are sampled.
    pub collect_resources: bool,
    /// The artifacts store's connection name (`POLYAXON_ARTIFACTS_STORE_NAME`).
    pub store_name: Option<String>,
    /// The context root (`POLYAXON_CONTEXT_ROOT`, default `/plx-context`).
    pub context_root: PathBuf,
    /// The offline root (`POLYAXON_OFFLINE_ROOT`, default `/tmp/plx/offline`).
    pub offline_root: PathBuf,
    /// The API settings.
    pub api: ApiConfig,
    /// This process's rank in a distributed job.
    pub rank: Rank,
    /// Which ranks track.
    pub rank_policy: RankPolicy,
    /// The writer queue's capacity, in events.
    pub queue_capacity: usize,
    /// The longest a logging call waits for room in the queue.
    pub queue_timeout: Duration,
    /// The most bytes of rich-event payloads in flight to the writer.
    pub payload_budget: usize,
    /// The longest `end()` waits.
    pub end_timeout: Duration,
    /// Whether log lines are recorded into the run's `plxlogs/`.
    pub track_logs: bool,
    /// Whether stdout and stderr are tee'd into the run's logs.
    pub capture_console: bool,
    /// Whether `init` logs the working directory's git commit as a code reference.
    pub track_code: bool,
    /// Whether SIGTERM and SIGINT end the run as `stopped`.
    pub handle_signals: bool,
    /// How long a program polling `stop_requested` gets to end its run after a stop signal.
    pub stop_grace: Duration,
}

/// The environment plus Polyaxon's config files, as one lookup.
pub(crate) struct Env {
    vars: BTreeMap<String, String>,
    client_files: Vec<serde_json::Map<String, serde_json::Value>>,
    home: Option<PathBuf>,
}

/// Maps an env variable to its `ClientConfig` field name in Polyaxon's config files.
fn field_name(var: &str) -> Option<&'static str> {
    Some(match var {
        "POLYAXON_HOST" => "host",
        "POLYAXON_IS_OFFLINE" => "is_offline",
        "POLYAXON_NO_OP" => "no_op",
        "POLYAXON_VERIFY_SSL" => "verify_ssl",
        "POLYAXON_SSL_CA_CERT" => "ssl_ca_cert",
        "POLYAXON_TIMEOUT" => "timeout",
        "POLYAXON_AUTHENTICATION_TYPE" => "authentication_type",
        "POLYAXON_HEADER" => "header",
        "POLYAXON_HEADER_SERVICE" => "header_service",
        "POLYAXON_IS_MANAGED" => "is_managed",
        _ => return None,
    })
}

fn json_to_string(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

fn read_json_object(
    path: &Path,
) -> Result<Option<serde_json::Map<String, serde_json::Value>>, Error> {
    match std::fs::read_to_string(path) {
        Ok(text) => match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(serde_json::Value::Object(map)) => Ok(Some(map)),
            Ok(_) | Err(_) => Err(Error::config(
                &path.display().to_string(),
                "<unparsable>",
                "a JSON object",
            )),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(format!("cannot read {}", path.display()), e)),
    }
}

impl Env {
    pub(crate) fn load(vars: Option<BTreeMap<String, String>>) -> Self {
        let vars = vars.unwrap_or_else(|| {
            // Variables that are not UTF-8 cannot be Polyaxon's; skip them rather than panic.
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect()
        });
        let home = vars
            .get("POLYAXON_HOME")
            .or_else(|| vars.get("HOME"))
            .filter(|h| !h.is_empty())
            .map(PathBuf::from);
        let no_config = vars
            .get("POLYAXON_NO_CONFIG")
            .and_then(|v| parse_bool(v))
            .unwrap_or(false);
        let mut client_files = Vec::new();
        if !no_config {
            let mut paths = vec![PathBuf::from("/tmp/.polyaxon/.client")];
            if let Some(home) = &home {
                paths.push(home.join(".polyaxon/.client"));
            }
            for path in paths {
                match read_json_object(&path) {
                    Ok(Some(map)) => client_files.push(map),
                    Ok(None) => {}
                    Err(e) => log::warn!("polytrack: ignoring config file: {e}"),
                }
            }
        }
        Env {
            vars,
            client_files,
            home,
        }
    }

    /// A variable from the environment (empty counts as unset), else from the config files.
    pub(crate) fn get(&self, var: &str) -> Option<String> {
        if let Some(v) = self.vars.get(var).filter(|v| !v.trim().is_empty()) {
            return Some(v.trim().to_owned());
        }
        let field = field_name(var)?;
        self.client_files.iter().rev().find_map(|file| {
            file.get(var)
                .or_else(|| file.get(field))
                .and_then(json_to_string)
        })
    }

    pub(crate) fn bool(&self, var: &str) -> Result<Option<bool>, Error> {
        match self.get(var) {
            None => Ok(None),
            Some(v) => parse_bool(&v).map(Some).ok_or_else(|| {
                Error::config(var, &v, "a boolean: true/false, 1/0, yes/no, on/off")
            }),
        }
    }

    fn number(&self, var: &str) -> Result<Option<f64>, Error> {
        match self.get(var) {
            None => Ok(None),
            Some(v) => match v.parse::<f64>() {
                Ok(n) if n.is_finite() && n >= 0.0 => Ok(Some(n)),
                _ => Err(Error::config(var, &v, "a non-negative number")),
            },
        }
    }

    fn path(&self, var: &str, default: &str) -> PathBuf {
        PathBuf::from(self.get(var).unwrap_or_else(|| default.to_owned()))
    }
}

/// Python's `strtobool`: y/yes/t/true/on/1 and n/no/f/false/off/0, any case.
pub(crate) fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" | "t" | "true" | "on" | "1" => Some(true),
        "n" | "no" | "f" | "false" | "off" | "0" => Some(false),
        _ => None,
    }
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Splits `owner/project`, `owner.project` or `project`.
pub(crate) fn split_project(var: &str, value: &str) -> Result<(String, String), Error> {
    let parts: Vec<&str> = if value.contains('/') {
        value.split('/').collect()
    } else {
        value.split('.').collect()
    };
    let (owner, project) = match parts.as_slice() {
        [project] => ("default", *project),
        [owner, project] => (*owner, *project),
        // `owner/team/project`: the team is not part of the API path.
        [owner, _team, project] => (*owner, *project),
        _ => ("", ""),
    };
    if !is_slug(owner) || !is_slug(project) {
        return Err(Error::config(
            var,
            value,
            "`owner/project` (or `owner.project`), each a slug of letters, digits, '-' and '_'",
        ));
    }
    Ok((owner.to_owned(), project.to_owned()))
}

/// `<owner>.<project>.runs.<uuid>`.
fn parse_run_instance(value: &str) -> Result<(String, String, String), Error> {
    let parts: Vec<&str> = value.split('.').collect();
    match parts.as_slice() {
        [owner, project, "runs", uuid] if is_slug(owner) && is_slug(project) && is_uuid(uuid) => {
            Ok((owner.to_string(), project.to_string(), uuid.to_string()))
        }
        _ => Err(Error::config(
            "POLYAXON_RUN_INSTANCE",
            value,
            "`<owner>.<project>.runs.<uuid>` (4 dot-separated parts)",
        )),
    }
}

fn is_uuid(s: &str) -> bool {
    let hex = s.replace('-', "");
    hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Normalises a uuid to Polyaxon's form: 32 lowercase hex characters, no dashes.
fn normalize_uuid(var: &str, s: &str) -> Result<String, Error> {
    if is_uuid(s) {
        Ok(s.replace('-', "").to_ascii_lowercase())
    } else {
        Err(Error::config(var, s, "a uuid: 32 hex characters"))
    }
}

fn read_token(env: &Env, context_root: &Path) -> Result<Option<Secret>, Error> {
    fn from_file(path: &Path) -> Result<Option<Secret>, Error> {
        let Some(map) = read_json_object(path)? else {
            return Ok(None);
        };
        Ok(["POLYAXON_AUTH_TOKEN", "token"]
            .iter()
            .find_map(|k| map.get(*k).and_then(json_to_string))
            .filter(|t| !t.is_empty())
            .map(Secret))
    }
    if let Some(token) = from_file(&context_root.join(".configs/.auth"))? {
        return Ok(Some(token));
    }
    if let Some(token) = env
        .vars
        .get("POLYAXON_AUTH_TOKEN")
        .filter(|t| !t.is_empty())
    {
        return Ok(Some(Secret(token.clone())));
    }
    if let Some(home) = &env.home {
        if let Some(token) = from_file(&home.join(".polyaxon/.auth"))? {
            return Ok(Some(token));
        }
    }
    from_file(Path::new("/tmp/.polyaxon/.auth"))
}

/// The project cached by Polyaxon's CLI (`polyaxon init`): `.polyaxon/.project` in the working
/// directory, then in the home folder.
fn cached_project(env: &Env) -> Option<(String, String)> {
    let mut candidates = vec![PathBuf::from(".polyaxon/.project")];
    if let Some(home) = &env.home {
        candidates.push(home.join(".polyaxon/.project"));
    }
    candidates.into_iter().find_map(|path| {
        let map = read_json_object(&path).ok()??;
        let owner = map.get("owner").and_then(json_to_string)?;
        let name = map.get("name").and_then(json_to_string)?;
        Some((owner, name))
    })
}

/// The largest queue capacity accepted: the queue's slots are allocated up front.
const MAX_QUEUE_CAPACITY: usize = 1 << 24;
/// The longest timeout accepted, in seconds (a week).
const MAX_SECONDS: f64 = 7.0 * 86_400.0;

/// A duration in seconds from a variable, bounded so no deadline computed from it overflows.
fn seconds(env: &Env, var: &str, default: f64, scale: f64) -> Result<Duration, Error> {
    let value = env.number(var)?.unwrap_or(default) * scale;
    if value > MAX_SECONDS {
        return Err(Error::config(
            var,
            &env.get(var).unwrap_or_default(),
            "a number of seconds no larger than a week",
        ));
    }
    Ok(Duration::from_secs_f64(value))
}

fn check_duration(name: &str, d: Duration) -> Result<Duration, Error> {
    if d.as_secs_f64() > MAX_SECONDS {
        return Err(Error::config(name, &format!("{d:?}"), "at most a week"));
    }
    Ok(d)
}

pub(crate) fn resolve(s: &Settings, env: &Env) -> Result<Resolved, Error> {
    let rank = Rank::detect(&env.vars)?;
    let rank_policy = match s.rank_policy {
        Some(p) => p,
        None => match env.bool("POLYTRACK_TRACK_ALL_RANKS")? {
            Some(true) => RankPolicy::AllRanks,
            _ => RankPolicy::RankZeroOnly,
        },
    };
    let is_offline = match s.offline {
        Some(v) => v,
        None => env.bool("POLYAXON_IS_OFFLINE")?.unwrap_or(false),
    };
    let no_op = match s.no_op {
        Some(v) => v,
        None => env.bool("POLYAXON_NO_OP")?.unwrap_or(false),
    } || (rank.is_worker() && rank_policy == RankPolicy::RankZeroOnly);
    let is_managed = env.bool("POLYAXON_IS_MANAGED")?.unwrap_or(false) && s.recorder.is_none();
    let wants_new = s.is_new == Some(true);
    let context_root = env.path("POLYAXON_CONTEXT_ROOT", "/plx-context");
    let offline_root = match &s.offline_root {
        Some(p) => p.clone(),
        None => env.path("POLYAXON_OFFLINE_ROOT", "/tmp/plx/offline"),
    };
    let artifacts_root_default = env.path("POLYAXON_ARTIFACTS_ROOT", "/tmp/plx/artifacts");

    let queue_capacity = match s.queue_capacity {
        Some(n) => Some(n.to_string()),
        None => env.get("POLYTRACK_QUEUE_CAPACITY"),
    };
    let queue_capacity = match queue_capacity {
        None => 65_536,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_QUEUE_CAPACITY).contains(n))
            .ok_or_else(|| {
                Error::config(
                    "POLYTRACK_QUEUE_CAPACITY",
                    &v,
                    "a number of events from 1 to 16777216",
                )
            })?,
    };
    let queue_timeout = match s.queue_timeout {
        Some(d) => check_duration("queue_timeout", d)?,
        None => seconds(env, "POLYTRACK_QUEUE_TIMEOUT_MS", 100.0, 0.001)?,
    };
    let end_timeout = match s.end_timeout {
        Some(d) => check_duration("end_timeout", d)?,
        None => seconds(env, "POLYTRACK_END_TIMEOUT", 30.0, 1.0)?,
    };

    // Owner, project and uuid.
    let mut owner_project = match &s.project {
        Some(p) => Some(split_project("project", p)?),
        None => match env.get("POLYTRACK_PROJECT") {
            Some(p) => Some(split_project("POLYTRACK_PROJECT", &p)?),
            None => None,
        },
    };
    let mut uuid = match &s.run_uuid {
        Some(u) => Some(normalize_uuid("run_uuid", u)?),
        None => None,
    };
    if is_managed && !no_op {
        let instance = env.get("POLYAXON_RUN_INSTANCE").ok_or_else(|| {
            Error::config(
                "POLYAXON_RUN_INSTANCE",
                "",
                "`<owner>.<project>.runs.<uuid>` when POLYAXON_IS_MANAGED is true",
            )
        })?;
        let (o, p, u) = parse_run_instance(&instance)?;
        if owner_project.is_none() {
            owner_project = Some((o, p));
        }
        // A new run asked for in a cluster (Python's `is_new`) is a run of its own in the
        // same project, not the scheduled one.
        if !wants_new {
            uuid.get_or_insert(u);
        }
    }
    if owner_project.is_none() && !is_offline && !is_managed {
        owner_project = cached_project(env);
    }

    let strict_setting = match s.strict {
        Some(v) => v,
        None => env.bool("POLYTRACK_STRICT")?.unwrap_or(false),
    };
    // Nothing says where the run goes: Polyaxon's client raises; polytrack tracks offline (a
    // run that `polyaxon ops push` can upload later) unless strict.
    let mut implicit_offline = false;
    let mode = if no_op {
        Mode::NoOp
    } else if is_offline || s.recorder.is_some() {
        Mode::Offline
    } else if is_managed && !wants_new {
        Mode::Managed
    } else if owner_project.is_some() {
        Mode::External
    } else if strict_setting {
        return Err(Error::NoContext);
    } else {
        implicit_offline = true;
        Mode::Offline
    };
    let is_new = wants_new || (uuid.is_none() && !is_managed);
    // Offline and external runs get their uuid here, so their folder exists before the API
    // answers (an external run is then created with this uuid).
    if matches!(mode, Mode::Offline | Mode::External) && uuid.is_none() {
        uuid = Some(crate::id::new_uuid());
    }

    // API settings are read (and can fail) only for the modes that use the API.
    let uses_api = matches!(mode, Mode::Managed | Mode::External);
    let host = s
        .host
        .clone()
        .or_else(|| env.get("POLYAXON_HOST"))
        .unwrap_or_else(|| "http://localhost:8000".to_owned());
    let host = host.trim_end_matches('/').to_owned();
    if uses_api && !(host.starts_with("http://") || host.starts_with("https://")) {
        return Err(Error::config(
            "POLYAXON_HOST",
            &host,
            "an http:// or https:// URL, e.g. http://localhost:8000",
        ));
    }
    let token = match (&s.token, uses_api) {
        (Some(t), _) => Some(t.clone()),
        (None, true) => read_token(env, &context_root)?,
        (None, false) => None,
    };
    let service_header = match (
        env.get("POLYAXON_HEADER"),
        env.get("POLYAXON_HEADER_SERVICE"),
    ) {
        (Some(h), Some(v)) => Some((h, v)),
        _ => None,
    };
    let api = ApiConfig {
        host,
        token,
        authentication_type: env
            .get("POLYAXON_AUTHENTICATION_TYPE")
            .unwrap_or_else(|| "Token".to_owned()),
        service_header,
        timeout: if uses_api {
            seconds(env, "POLYAXON_TIMEOUT", 60.0, 1.0)?
        } else {
            Duration::from_secs(60)
        },
        verify_ssl: !uses_api || env.bool("POLYAXON_VERIFY_SSL")?.unwrap_or(true),
        ca_cert: env.get("POLYAXON_SSL_CA_CERT").map(PathBuf::from),
        strict: strict_setting && (uses_api || s.strict.is_some()),
    };

    let store_name = env.get("POLYAXON_ARTIFACTS_STORE_NAME");
    let artifacts_root = match (&s.artifacts_path, mode, &uuid) {
        (Some(p), _, _) => p.clone(),
        (None, Mode::External, Some(u)) if is_managed => {
            context_root.join("artifacts/_related_runs").join(u)
        }
        (None, Mode::Managed, Some(u)) => context_root.join("artifacts").join(u),
        (None, Mode::Offline, Some(u)) => offline_root.join("runs").join(u),
        (None, _, Some(u)) => artifacts_root_default.join(u),
        (None, _, None) => artifacts_root_default.clone(),
    };
    // Polyaxon treats any non-empty value as true (its quirk Q6); so does polytrack.
    let has_process_sidecar = env.get("POLYAXON_HAS_PROCESS_SIDECAR").is_some();
    let default_collect = mode == Mode::Offline || is_new || has_process_sidecar;
    let collect_artifacts = match s.collect_artifacts {
        Some(v) => v,
        None => env
            .bool("POLYAXON_COLLECT_ARTIFACTS")?
            .unwrap_or(default_collect),
    };
    let collect_resources = match s.collect_resources {
        Some(v) => v,
        None => env
            .bool("POLYAXON_COLLECT_RESOURCES")?
            .unwrap_or(default_collect),
    } && collect_artifacts;

    let (track_logs, capture_console) = crate::logs::choose(
        mode,
        is_new,
        has_process_sidecar,
        match s.track_logs {
            Some(v) => Some(v),
            None => env.bool("POLYTRACK_TRACK_LOGS")?,
        },
        match s.capture_console {
            Some(v) => Some(v),
            None => env.bool("POLYTRACK_CAPTURE_CONSOLE")?,
        },
    );
    // Python's `track_code`: new runs (never offline ones, whose uuid is always set there)
    // and runs with a process sidecar.
    let track_code = match s.track_code {
        Some(v) => v,
        None => env
            .bool("POLYTRACK_TRACK_CODE")?
            .unwrap_or((is_new && mode != Mode::Offline) || has_process_sidecar),
    };
    let handle_signals = match s.handle_signals {
        Some(v) => v,
        None => env.bool("POLYTRACK_HANDLE_SIGNALS")?.unwrap_or(true),
    };
    let stop_grace = match s.stop_grace {
        Some(d) => check_duration("stop_grace", d)?,
        None => seconds(env, "POLYTRACK_STOP_GRACE", 10.0, 1.0)?,
    };

    let (owner, project) = match owner_project {
        Some((o, p)) => (Some(o), Some(p)),
        None => (None, None),
    };
    Ok(Resolved {
        mode,
        owner,
        project,
        uuid,
        is_new,
        implicit_offline,
        has_process_sidecar,
        name: s.name.clone(),
        description: s.description.clone(),
        tags: s.tags.clone(),
        artifacts_root,
        collect_artifacts,
        collect_resources,
        store_name,
        context_root,
        offline_root,
        api,
        rank,
        rank_policy,
        queue_capacity,
        queue_timeout,
        payload_budget: s
            .payload_budget
            .unwrap_or(crate::event::DEFAULT_PAYLOAD_BUDGET),
        end_timeout,
        track_logs,
        capture_console,
        track_code,
        handle_signals,
        stop_grace,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve_env(vars: &[(&str, &str)]) -> Result<Resolved, Error> {
        let mut map: Vec<(String, String)> = vec![("HOME".into(), "/nonexistent-home".into())];
        map.extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Settings::new().env(map).resolve()
    }

    const UUID: &str = "8b4c2ed6b7d3432ba6d3f4e5c2a1b0c9";

    #[test]
    fn nothing_set_tracks_offline_unless_strict() {
        let r = resolve_env(&[]).unwrap();
        assert_eq!(r.mode, Mode::Offline);
        assert!(r.implicit_offline);
        assert!(matches!(
            resolve_env(&[("POLYTRACK_STRICT", "true")]),
            Err(Error::NoContext)
        ));
    }

    #[test]
    fn managed_from_run_instance() {
        let r = resolve_env(&[
            ("POLYAXON_IS_MANAGED", "true"),
            ("POLYAXON_RUN_INSTANCE", &format!("acme.mnist.runs.{UUID}")),
            ("POLYAXON_CONTEXT_ROOT", "/ctx"),
            ("POLYAXON_COLLECT_ARTIFACTS", "true"),
            ("POLYAXON_HEADER", "X-POLYAXON-SERVICE"),
            ("POLYAXON_HEADER_SERVICE", "runner"),
        ])
        .unwrap();
        assert_eq!(r.mode, Mode::Managed);
        assert_eq!(r.owner.as_deref(), Some("acme"));
        assert_eq!(r.project.as_deref(), Some("mnist"));
        assert_eq!(r.uuid.as_deref(), Some(UUID));
        assert!(!r.is_new);
        assert_eq!(
            r.artifacts_root,
            PathBuf::from(format!("/ctx/artifacts/{UUID}"))
        );
        assert!(r.collect_artifacts);
        assert!(!r.collect_resources);
        assert_eq!(
            r.api.service_header,
            Some(("X-POLYAXON-SERVICE".into(), "runner".into()))
        );
    }

    #[test]
    fn managed_collects_nothing_by_default() {
        let r = resolve_env(&[
            ("POLYAXON_IS_MANAGED", "true"),
            ("POLYAXON_RUN_INSTANCE", &format!("acme.mnist.runs.{UUID}")),
        ])
        .unwrap();
        assert!(!r.collect_artifacts);
    }

    #[test]
    fn malformed_values_name_the_variable() {
        let err = resolve_env(&[
            ("POLYAXON_IS_MANAGED", "true"),
            ("POLYAXON_RUN_INSTANCE", "acme.mnist.runs"),
        ])
        .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("POLYAXON_RUN_INSTANCE") && msg.contains("4 dot-separated"),
            "{msg}"
        );

        let err = resolve_env(&[("POLYAXON_IS_OFFLINE", "maybe")]).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("POLYAXON_IS_OFFLINE") && msg.contains("boolean"),
            "{msg}"
        );

        let err =
            resolve_env(&[("POLYTRACK_PROJECT", "a/b"), ("POLYAXON_TIMEOUT", "-3")]).unwrap_err();
        assert!(err.to_string().contains("POLYAXON_TIMEOUT"));

        let err = resolve_env(&[("POLYTRACK_PROJECT", "a/b/c/d")]).unwrap_err();
        assert!(err.to_string().contains("POLYTRACK_PROJECT"));
    }

    #[test]
    fn offline_generates_uuid_under_offline_root() {
        let r = resolve_env(&[
            ("POLYAXON_IS_OFFLINE", "yes"),
            ("POLYAXON_OFFLINE_ROOT", "/off"),
        ])
        .unwrap();
        assert_eq!(r.mode, Mode::Offline);
        let uuid = r.uuid.clone().unwrap();
        assert_eq!(uuid.len(), 32);
        assert_eq!(r.artifacts_root, PathBuf::from(format!("/off/runs/{uuid}")));
        assert!(r.collect_artifacts && r.collect_resources);
    }

    #[test]
    fn no_op_wins() {
        let r =
            resolve_env(&[("POLYAXON_NO_OP", "true"), ("POLYAXON_IS_OFFLINE", "true")]).unwrap();
        assert_eq!(r.mode, Mode::NoOp);
    }

    #[test]
    fn explicit_settings_beat_env() {
        let r = Settings::new()
            .offline(false)
            .project("me/proj")
            .env([
                ("POLYAXON_IS_OFFLINE", "true"),
                ("HOME", "/nonexistent-home"),
            ])
            .resolve()
            .unwrap();
        assert_eq!(r.mode, Mode::External);
        assert!(r.is_new);
        assert_eq!(r.owner.as_deref(), Some("me"));
    }

    #[test]
    fn token_precedence_and_redaction() {
        let dir = std::env::temp_dir().join(format!("polytrack-cfg-{}", crate::id::new_uuid()));
        std::fs::create_dir_all(dir.join(".configs")).unwrap();
        let ctx = dir.display().to_string();
        let external = |extra: &[(&str, &str)]| {
            let mut vars = vec![
                ("POLYTRACK_PROJECT", "acme/mnist"),
                ("POLYAXON_CONTEXT_ROOT", ctx.as_str()),
            ];
            vars.extend_from_slice(extra);
            resolve_env(&vars)
        };
        let r = external(&[("POLYAXON_AUTH_TOKEN", "env-secret")]).unwrap();
        assert_eq!(r.api.token.as_ref().map(Secret::expose), Some("env-secret"));
        std::fs::write(
            dir.join(".configs/.auth"),
            r#"{"POLYAXON_AUTH_USERNAME":"u","POLYAXON_AUTH_TOKEN":"file-secret"}"#,
        )
        .unwrap();
        let r = external(&[("POLYAXON_AUTH_TOKEN", "env-secret")]).unwrap();
        assert_eq!(
            r.api.token.as_ref().map(Secret::expose),
            Some("file-secret")
        );
        let debug = format!("{r:?}");
        assert!(!debug.contains("file-secret") && debug.contains("***"));

        std::fs::write(dir.join(".configs/.auth"), "not json").unwrap();
        let err = external(&[]).unwrap_err();
        assert!(err.to_string().contains(".auth"), "{err}");
        // Modes without the API never read the token, so a broken auth file cannot stop them.
        let r = resolve_env(&[
            ("POLYAXON_IS_OFFLINE", "true"),
            ("POLYAXON_CONTEXT_ROOT", &ctx),
        ])
        .unwrap();
        assert!(r.api.token.is_none());
        let r = resolve_env(&[("POLYAXON_NO_OP", "true"), ("POLYAXON_TIMEOUT", "soon")]).unwrap();
        assert_eq!(r.mode, Mode::NoOp);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn out_of_range_numbers_are_errors_not_panics() {
        let err =
            resolve_env(&[("POLYTRACK_PROJECT", "a/b"), ("POLYAXON_TIMEOUT", "1e20")]).unwrap_err();
        assert!(err.to_string().contains("POLYAXON_TIMEOUT"), "{err}");
        let err = resolve_env(&[
            ("POLYAXON_IS_OFFLINE", "1"),
            ("POLYTRACK_END_TIMEOUT", "1e19"),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("POLYTRACK_END_TIMEOUT"), "{err}");
        for bad in ["0", "10000000000", "-1", "lots"] {
            let err = resolve_env(&[
                ("POLYAXON_IS_OFFLINE", "1"),
                ("POLYTRACK_QUEUE_CAPACITY", bad),
            ])
            .unwrap_err();
            assert!(
                err.to_string().contains("POLYTRACK_QUEUE_CAPACITY"),
                "{err}"
            );
        }
        let err = Settings::new()
            .offline(true)
            .queue_capacity(0)
            .env([("HOME", "/nonexistent")])
            .resolve()
            .unwrap_err();
        assert!(
            err.to_string().contains("POLYTRACK_QUEUE_CAPACITY"),
            "{err}"
        );
        let err = Settings::new()
            .offline(true)
            .end_timeout(Duration::MAX)
            .env([("HOME", "/nonexistent")])
            .resolve()
            .unwrap_err();
        assert!(err.to_string().contains("end_timeout"), "{err}");
    }

    #[test]
    fn a_new_run_in_a_cluster_is_a_run_of_its_own() {
        let r = resolve_env(&[
            ("POLYAXON_IS_MANAGED", "true"),
            ("POLYAXON_RUN_INSTANCE", &format!("acme.mnist.runs.{UUID}")),
            ("POLYAXON_CONTEXT_ROOT", "/ctx"),
        ]);
        assert_eq!(r.unwrap().uuid.as_deref(), Some(UUID));
        let r = Settings::new()
            .is_new(true)
            .env([
                ("HOME", "/nonexistent"),
                ("POLYAXON_IS_MANAGED", "true"),
                ("POLYAXON_RUN_INSTANCE", &format!("acme.mnist.runs.{UUID}")),
                ("POLYAXON_CONTEXT_ROOT", "/ctx"),
            ])
            .resolve()
            .unwrap();
        assert_eq!(r.mode, Mode::External);
        assert_eq!(r.project.as_deref(), Some("mnist"));
        let uuid = r.uuid.unwrap();
        assert_ne!(uuid, UUID);
        assert_eq!(
            r.artifacts_root,
            PathBuf::from(format!("/ctx/artifacts/_related_runs/{uuid}"))
        );
    }

    #[test]
    fn process_sidecar_is_read() {
        let r = resolve_env(&[
            ("POLYAXON_IS_MANAGED", "true"),
            ("POLYAXON_RUN_INSTANCE", &format!("acme.mnist.runs.{UUID}")),
            ("POLYAXON_HAS_PROCESS_SIDECAR", "false"),
        ])
        .unwrap();
        assert!(r.has_process_sidecar && r.collect_artifacts);
    }

    #[test]
    fn host_must_be_http() {
        let err =
            resolve_env(&[("POLYTRACK_PROJECT", "a/b"), ("POLYAXON_HOST", "ftp://x")]).unwrap_err();
        assert!(err.to_string().contains("POLYAXON_HOST"));
    }

    #[test]
    fn bools_like_python() {
        for t in ["y", "YES", "t", "True", "on", "1"] {
            assert_eq!(parse_bool(t), Some(true));
        }
        for f in ["n", "no", "F", "false", "off", "0"] {
            assert_eq!(parse_bool(f), Some(false));
        }
        assert_eq!(parse_bool("maybe"), None);
    }
}

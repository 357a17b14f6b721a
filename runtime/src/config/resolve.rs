//! Settings over the environment over config files, in steps, into a [`Resolved`].

use super::env::Env;
use super::files::{cached_project, read_token};
use super::{redacted_url, Mode, Secret, Settings};
use crate::error::Error;
use crate::rank::{Rank, RankPolicy, RANK_VARIABLES};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The host when nothing names one (Polyaxon's default).
const DEFAULT_HOST: &str = "http://localhost:8000";

/// How to reach the Polyaxon API. Its `Debug` output shows the token as `***` and hides any
/// credentials in the host's URL.
#[derive(Clone)]
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

impl fmt::Debug for ApiConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiConfig")
            .field("host", &redacted_url(&self.host))
            .field("token", &self.token)
            .field("authentication_type", &self.authentication_type)
            .field("service_header", &self.service_header)
            .field("timeout", &self.timeout)
            .field("verify_ssl", &self.verify_ssl)
            .field("ca_cert", &self.ca_cert)
            .field("strict", &self.strict)
            .finish()
    }
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
            &env.get(var)?.unwrap_or_default(),
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

/// The writer queue's bounds.
struct Queue {
    capacity: usize,
    timeout: Duration,
    end_timeout: Duration,
}

/// Where the run goes: its mode and identity.
struct Target {
    mode: Mode,
    owner_project: Option<(String, String)>,
    uuid: Option<String>,
    is_new: bool,
    is_managed: bool,
    implicit_offline: bool,
    strict: bool,
}

/// Resolves settings over the environment over config files, in steps: rank, queue, target
/// (mode, project, uuid), API, folders and collection.
pub(crate) fn resolve(s: &Settings, env: &Env) -> Result<Resolved, Error> {
    env.check_utf8(RANK_VARIABLES)?;
    let rank = Rank::detect(env.vars())?;
    let rank_policy = match s.rank_policy {
        Some(p) => p,
        None => match env.bool("POLYTRACK_TRACK_ALL_RANKS")? {
            Some(true) => RankPolicy::AllRanks,
            _ => RankPolicy::RankZeroOnly,
        },
    };
    let no_op = match s.no_op {
        Some(v) => v,
        None => env.bool("POLYAXON_NO_OP")?.unwrap_or(false),
    } || (rank.is_worker() && rank_policy == RankPolicy::RankZeroOnly);
    // Read (and so checked) in every mode, as Env::load relies on it.
    env.bool("POLYAXON_NO_CONFIG")?;
    let context_root = env.path("POLYAXON_CONTEXT_ROOT", "/plx-context");
    let offline_root = match &s.offline_root {
        Some(p) => p.clone(),
        None => env.path("POLYAXON_OFFLINE_ROOT", "/tmp/plx/offline"),
    };
    let queue = queue(s, env)?;
    let target = target(s, env, no_op)?;

    let api = api_config(s, env, target.mode, target.strict, &context_root)?;

    let mode = target.mode;
    let uuid = target.uuid;
    let artifacts_root = match (&s.artifacts_path, mode, &uuid) {
        (Some(p), _, _) => p.clone(),
        (None, Mode::External, Some(u)) if target.is_managed => {
            context_root.join("artifacts/_related_runs").join(u)
        }
        (None, Mode::Managed, Some(u)) => context_root.join("artifacts").join(u),
        (None, Mode::Offline, Some(u)) => offline_root.join("runs").join(u),
        (None, _, Some(u)) => env
            .path("POLYAXON_ARTIFACTS_ROOT", "/tmp/plx/artifacts")
            .join(u),
        (None, _, None) => env.path("POLYAXON_ARTIFACTS_ROOT", "/tmp/plx/artifacts"),
    };
    // Polyaxon treats any non-empty value as true (its quirk Q6); so does polytrack.
    let has_process_sidecar = env.get("POLYAXON_HAS_PROCESS_SIDECAR")?.is_some();
    let default_collect = mode == Mode::Offline || target.is_new || has_process_sidecar;
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
        target.is_new,
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
            .unwrap_or((target.is_new && mode != Mode::Offline) || has_process_sidecar),
    };
    let handle_signals = match s.handle_signals {
        Some(v) => v,
        None => env.bool("POLYTRACK_HANDLE_SIGNALS")?.unwrap_or(true),
    };
    let stop_grace = match s.stop_grace {
        Some(d) => check_duration("stop_grace", d)?,
        None => seconds(env, "POLYTRACK_STOP_GRACE", 10.0, 1.0)?,
    };

    let (owner, project) = match target.owner_project {
        Some((o, p)) => (Some(o), Some(p)),
        None => (None, None),
    };
    Ok(Resolved {
        mode,
        owner,
        project,
        uuid,
        is_new: target.is_new,
        implicit_offline: target.implicit_offline,
        has_process_sidecar,
        name: s.name.clone(),
        description: s.description.clone(),
        tags: s.tags.clone(),
        artifacts_root,
        collect_artifacts,
        collect_resources,
        store_name: env.get("POLYAXON_ARTIFACTS_STORE_NAME")?,
        context_root,
        offline_root,
        api,
        rank,
        rank_policy,
        queue_capacity: queue.capacity,
        queue_timeout: queue.timeout,
        payload_budget: s
            .payload_budget
            .unwrap_or(crate::event::DEFAULT_PAYLOAD_BUDGET),
        end_timeout: queue.end_timeout,
        track_logs,
        capture_console,
        track_code,
        handle_signals,
        stop_grace,
    })
}

/// The writer queue's capacity and the waits of logging calls and of `end`.
fn queue(s: &Settings, env: &Env) -> Result<Queue, Error> {
    let capacity = match s.queue_capacity {
        Some(n) => Some(n.to_string()),
        None => env.get("POLYTRACK_QUEUE_CAPACITY")?,
    };
    let capacity = match capacity {
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
    let timeout = match s.queue_timeout {
        Some(d) => check_duration("queue_timeout", d)?,
        None => seconds(env, "POLYTRACK_QUEUE_TIMEOUT_MS", 100.0, 0.001)?,
    };
    let end_timeout = match s.end_timeout {
        Some(d) => check_duration("end_timeout", d)?,
        None => seconds(env, "POLYTRACK_END_TIMEOUT", 30.0, 1.0)?,
    };
    Ok(Queue {
        capacity,
        timeout,
        end_timeout,
    })
}

/// The mode, the owner and project, and the uuid.
fn target(s: &Settings, env: &Env, no_op: bool) -> Result<Target, Error> {
    let is_offline = match s.offline {
        Some(v) => v,
        None => env.bool("POLYAXON_IS_OFFLINE")?.unwrap_or(false),
    };
    let is_managed = env.bool("POLYAXON_IS_MANAGED")?.unwrap_or(false);
    let wants_new = s.is_new == Some(true);
    let mut owner_project = match &s.project {
        Some(p) => Some(split_project("project", p)?),
        None => match env.get("POLYTRACK_PROJECT")? {
            Some(p) => Some(split_project("POLYTRACK_PROJECT", &p)?),
            None => None,
        },
    };
    let mut uuid = match &s.run_uuid {
        Some(u) => Some(normalize_uuid("run_uuid", u)?),
        None => None,
    };
    if is_managed && !no_op {
        let instance = env.get("POLYAXON_RUN_INSTANCE")?.ok_or_else(|| {
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

    let strict = match s.strict {
        Some(v) => v,
        None => env.bool("POLYTRACK_STRICT")?.unwrap_or(false),
    };
    // Nothing says where the run goes: Polyaxon's client raises; polytrack tracks offline (a
    // run that `polyaxon ops push` can upload later) unless strict.
    let mut implicit_offline = false;
    let mode = if no_op {
        Mode::NoOp
    } else if is_offline {
        Mode::Offline
    } else if is_managed && !wants_new {
        Mode::Managed
    } else if owner_project.is_some() {
        Mode::External
    } else if strict {
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
    Ok(Target {
        mode,
        owner_project,
        uuid,
        is_new,
        is_managed,
        implicit_offline,
        strict: strict && (matches!(mode, Mode::Managed | Mode::External) || s.strict.is_some()),
    })
}

/// How to reach the API. Managed and external runs check all of it; an offline run reads the
/// host and headers too (`push` resolves its settings as an offline run) but not the token;
/// a no-op run reads nothing.
fn api_config(
    s: &Settings,
    env: &Env,
    mode: Mode,
    strict: bool,
    context_root: &Path,
) -> Result<ApiConfig, Error> {
    let uses_api = matches!(mode, Mode::Managed | Mode::External);
    let reads = mode != Mode::NoOp;
    let get = |var: &str| if reads { env.get(var) } else { Ok(None) };
    let host = match &s.host {
        Some(h) => h.clone(),
        None => get("POLYAXON_HOST")?.unwrap_or_else(|| DEFAULT_HOST.to_owned()),
    };
    let host = host.trim_end_matches('/').to_owned();
    if uses_api && !(host.starts_with("http://") || host.starts_with("https://")) {
        return Err(Error::config(
            "POLYAXON_HOST",
            &redacted_url(&host),
            "an http:// or https:// URL, e.g. http://localhost:8000",
        ));
    }
    let token = match (&s.token, uses_api) {
        (Some(t), _) => Some(t.clone()),
        (None, true) => read_token(env, context_root)?,
        (None, false) => None,
    };
    let service_header = match (get("POLYAXON_HEADER")?, get("POLYAXON_HEADER_SERVICE")?) {
        (Some(h), Some(v)) => Some((h, v)),
        _ => None,
    };
    Ok(ApiConfig {
        host,
        token,
        authentication_type: get("POLYAXON_AUTHENTICATION_TYPE")?
            .unwrap_or_else(|| "Token".to_owned()),
        service_header,
        timeout: if uses_api {
            seconds(env, "POLYAXON_TIMEOUT", 60.0, 1.0)?
        } else {
            Duration::from_secs(60)
        },
        verify_ssl: !uses_api || env.bool("POLYAXON_VERIFY_SSL")?.unwrap_or(true),
        ca_cert: get("POLYAXON_SSL_CA_CERT")?.map(PathBuf::from),
        strict,
    })
}

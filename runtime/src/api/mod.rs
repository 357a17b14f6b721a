//! The Polyaxon API transport of managed (in-cluster) and external runs.
//!
//! # What is sent
//!
//! | | managed | process sidecar | new external | resumed external |
//! | --- | --- | --- | --- | --- |
//! | at `init` | `GET` the run | `GET` the run, status `running` | create it with the client's uuid (`POST .../runs/sync`), status `running` | `GET` the run |
//! | `log_inputs`/`log_outputs`/`log_tags`, `has_*` flags | `PATCH` with `"merge": true` | same | same | same |
//! | `log_artifact_ref` | lineage | lineage | lineage | lineage |
//! | at `end` | last metric values as outputs, event summaries as lineage | same, then `succeeded`/`failed`, and the run's folder uploaded (tar.gz through the streams API) | same as process sidecar | outputs and lineage |
//!
//! As Polyaxon's client decides:
//! - A managed run (`POLYAXON_IS_MANAGED`) never posts a status: Polyaxon's operator owns it,
//!   and its Kubernetes sidecar copies its files to the store.
//! - A managed run of an executor without that sidecar (`POLYAXON_HAS_PROCESS_SIDECAR`:
//!   docker, local process) posts its statuses and uploads its folder itself.
//! - A resumed external run (a `run_uuid`, not new) neither creates the run nor posts a
//!   status; it uploads its folder only when it collects artifacts.
//! - A new run asked for inside a cluster (`is_new`) is created like a new external run; its
//!   folder, in `<context>/artifacts/_related_runs/`, is copied by the Kubernetes sidecar of
//!   the run that started it, so it is not uploaded.
//! - Uploads happen only when the run collects artifacts (`POLYAXON_COLLECT_ARTIFACTS`, on
//!   by default for new and process-sidecar runs).
//!
//! # Never lose, never stall, never kill
//!
//! - The writer thread hands updates to this sink, which appends them to the run's spool
//!   (`<run>/.polytrack/spool.jsonl`, see [`spool`]) **before** they are sent, and hands them
//!   to the API thread; neither the caller nor the writer waits on the network.
//! - The API thread sends updates in order. Consecutive merging PATCHes (inputs, outputs,
//!   meta_info, tags) coalesce into one request with exactly the server's merge; a replacing
//!   update (`reset`) is never merged. Consecutive lineage posts coalesce too.
//! - Connection errors, timeouts, HTTP 408, 429 and 5xx are retried with exponential backoff
//!   (250 ms doubling to 30 s, with jitter), honouring `Retry-After`. Another 4xx is reported
//!   once (logged, and listed by [`EndReport`](crate::EndReport)) and not retried; a 401, 403
//!   or 404 (token, project or run) or a TLS failure stops sending for the run, keeping the
//!   spool. A server that double-applies a retried update cannot hurt: merges, lineage and
//!   uploads are idempotent, and the server ignores a repeated status.
//! - An answer is checked, not trusted (see [`answer`]): a 2xx whose body is not what Polyaxon
//!   returns for that call (a proxy's login page, truncated JSON) is a failure, retried with
//!   the update kept in the spool and quoted in the report; the run read or written must be
//!   the run asked for, and a redirect is never followed (the token only goes to the
//!   configured host, never over plain HTTP to a host configured as https): either stops
//!   sending for the run, keeping the spool.
//! - `init` never fails on the network (the strict setting, `POLYTRACK_STRICT`, makes it wait
//!   for the first request and fail fast). `end` retries every second until the spool is
//!   drained or the end deadline passes, then reports what is left and where. What is left
//!   is sent on the next `init` of the same run, or by [`push`].
//!
//! # HTTP
//!
//! `reqwest` on a single-threaded tokio runtime owned by the API thread (so the user's code
//! may itself run inside tokio), connections kept alive, gzip answers decoded, TLS by rustls
//! with the `ring` provider, verified against the system's and Mozilla's roots plus
//! `POLYAXON_SSL_CA_CERT`, unless `POLYAXON_VERIFY_SSL=false` (warned). Headers:
//! `Authorization: <POLYAXON_AUTHENTICATION_TYPE> <token>` only with a token (marked
//! sensitive, never logged), `<POLYAXON_HEADER>: <POLYAXON_HEADER_SERVICE>` when both are set,
//! `User-Agent: polytrack/<version>`, `Accept: application/json`.

mod answer;
mod archive;
mod backoff;
mod client;
mod deliver;
mod failure;
mod op;
mod push;
mod read;
mod request;
pub(crate) mod spool;

pub use push::{push, push_with, PushReport};
pub(crate) use read::read_run_inputs;

use crate::config::{Mode, Resolved};
use crate::error::Error;
use crate::kind::Status;
use crate::lock::lock;
use crate::record::{Condition, RunRecord};
use crate::sink::{Ending, Sink, Update};
use crate::timestamp::Timestamp;
use backoff::END_MAX_BACKOFF;
use client::Client;
use deliver::{Deliverer, Item, Outcome};
use op::Op;
use serde_json::{Map, Value};
use spool::{Spool, Target};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::mpsc::{channel, sync_channel, Receiver, RecvTimeoutError, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The folder of runs started inside a cluster, under `<context>/artifacts` (Polyaxon's
/// `CONTEXT_RELATED_RUNS`).
const RELATED_RUNS_DIR: &str = "_related_runs";

/// How long `end` waits for the API thread beyond the deadline (its requests stop at it).
const END_GRACE: Duration = Duration::from_millis(250);

enum ToApi {
    Items(Vec<(u64, Op)>),
    End {
        deadline: Instant,
        reply: SyncSender<EndSummary>,
    },
}

/// What the API thread says when the run ends.
struct EndSummary {
    pending: usize,
    blocked: Option<String>,
    refusals: Vec<String>,
    /// Why the last try failed, when updates are left.
    last_error: Option<String>,
}

/// The sink of managed and external runs: spools updates and hands them to the API thread.
pub(crate) struct ApiSink {
    /// Whether the run's statuses are posted (Polyaxon's client registers its exit handler).
    posts_status: bool,
    /// Whether the run's folder is uploaded at the end (Polyaxon's client starts its
    /// in-process sidecar).
    uploads: bool,
    pending: Vec<Op>,
    spool: Arc<Mutex<Spool>>,
    spool_path: PathBuf,
    tx: Sender<ToApi>,
}

impl ApiSink {
    /// Opens the run's spool (queueing what an earlier session left), starts the API thread,
    /// and, for a new external run, queues its creation. Fails on a bad setting, or in strict
    /// mode when the first request (the create, or the read of the run) fails.
    pub(crate) fn start(resolved: &Resolved) -> Result<ApiSink, Error> {
        let (posts_status, uploads) = duties(resolved);
        let creates = resolved.mode == Mode::External && resolved.is_new;
        let missing =
            |what: &str| Error::config(what, "", "a value for a run tracked on the Polyaxon API");
        let target = Target {
            owner: resolved.owner.clone().ok_or_else(|| missing("owner"))?,
            project: resolved.project.clone().ok_or_else(|| missing("project"))?,
            uuid: resolved.uuid.clone().ok_or_else(|| missing("run uuid"))?,
        };
        let run_dir = resolved.artifacts_root.clone();
        let (spool, replay) = Spool::open(&run_dir, target.clone())?;
        let replayed = !replay.is_empty();
        let spool_path = spool.path().to_owned();
        let spool = Arc::new(Mutex::new(spool));

        let mut items: VecDeque<Item> = replay
            .into_iter()
            .map(|(seq, op)| Item::Op(seq, op))
            .collect();
        let create_at = items
            .iter()
            .position(|i| matches!(i, Item::Op(_, Op::Create { .. })));
        // A replayed create (a new run whose process died) stays first; a resumed run's spool
        // may hold one too, from the process that created it.
        if creates && create_at.is_none() {
            let (numbered, written) = lock(&spool).append(vec![Op::Create {
                run: create_body(resolved, Timestamp::now()),
            }]);
            if let Err(e) = written {
                log::error!("{e}; the run's updates are kept in memory only");
            }
            items.extend(numbered.into_iter().map(|(seq, op)| Item::Op(seq, op)));
        } else if !creates {
            items.insert(create_at.map_or(0, |i| i + 1), Item::Probe);
        }

        let api = resolved.api.clone();
        let strict = api.strict;
        let connection = resolved.store_name.clone();
        let thread_spool = Arc::clone(&spool);
        let (tx, rx) = channel();
        let (ready_tx, ready_rx) = sync_channel::<Result<(), Error>>(1);
        let spawned = std::thread::Builder::new()
            .name("polytrack-api".into())
            .spawn(move || {
                let client = match Client::new(&api) {
                    Ok(client) => client,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let mut d = Deliverer::new(client, target, run_dir, Some(thread_spool));
                d.connection = connection;
                d.queue = items;
                // Strict: the first request (create or read the run) must succeed; only an
                // ambiguous 405 is tried again (a few times, inside `attempt`).
                if strict {
                    d.quiet = true;
                    for tries in 1.. {
                        match d.attempt(None) {
                            Outcome::Retry(delay, Error::Api { status: 405, .. })
                                if tries < deliver::AMBIGUOUS_TRIES =>
                            {
                                std::thread::sleep(delay.min(END_MAX_BACKOFF));
                            }
                            Outcome::Retry(_, e) | Outcome::Rejected(e) | Outcome::Blocked(e) => {
                                let _ = ready_tx.send(Err(e));
                                return;
                            }
                            Outcome::Delivered | Outcome::Idle => break,
                        }
                    }
                    d.quiet = false;
                }
                let _ = ready_tx.send(Ok(()));
                run_api_thread(d, rx);
            })
            .map_err(|e| Error::io("cannot start the API thread", e))?;
        let ready = ready_rx.recv().unwrap_or(Err(Error::WriterGone));
        if let Err(e) = ready {
            let _ = spawned.join();
            if !replayed {
                // Nothing was sent for this run: leave no spool behind.
                let _ = lock(&spool).discard();
            }
            return Err(e);
        }
        Ok(ApiSink {
            posts_status,
            uploads,
            pending: Vec::new(),
            spool,
            spool_path,
            tx,
        })
    }

    /// Spools the updates gathered since the last flush and hands them to the API thread.
    fn send_pending(&mut self) -> Result<(), Error> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let ops = std::mem::take(&mut self.pending);
        let (numbered, written) = lock(&self.spool).append(ops);
        if self.tx.send(ToApi::Items(numbered)).is_err() {
            log::debug!("the API thread has stopped; updates stay in the spool");
        }
        written
    }

    fn left_line(&self, pending: usize) -> String {
        format!(
            "{pending} updates left in {}; they are replayed on the next init of this run or by \
             polytrack::push",
            self.spool_path.display()
        )
    }
}

impl Sink for ApiSink {
    fn name(&self) -> &'static str {
        "Polyaxon API"
    }

    fn update(&mut self, update: &Update, _record: &RunRecord) -> Result<(), Error> {
        if let Some(op) = Op::from_update(update, self.posts_status) {
            for op in op.split() {
                let absorbed = self.pending.last_mut().is_some_and(|last| last.absorb(&op));
                if !absorbed {
                    self.pending.push(op);
                }
            }
        }
        Ok(())
    }

    fn flush(
        &mut self,
        _record: &RunRecord,
        _lineage: &[crate::record::Artifact],
    ) -> Result<(), Error> {
        self.send_pending()
    }

    fn end(&mut self, ending: &Ending<'_>) -> Result<Vec<String>, Error> {
        if self.uploads {
            self.pending.push(Op::Upload);
        }
        let spooled = self.send_pending();
        let (reply, answer) = sync_channel(1);
        let sent = self.tx.send(ToApi::End {
            deadline: ending.deadline,
            reply,
        });
        let wait = ending.deadline.saturating_duration_since(Instant::now()) + END_GRACE;
        let mut lines = Vec::new();
        match sent.ok().and_then(|()| answer.recv_timeout(wait).ok()) {
            Some(summary) => {
                lines.extend(summary.refusals);
                if let Some(blocked) = &summary.blocked {
                    lines.push(format!("{blocked}; nothing more was sent for this run"));
                }
                if summary.pending > 0 {
                    let mut line = self.left_line(summary.pending);
                    if let (None, Some(last)) = (&summary.blocked, summary.last_error) {
                        line.push_str(&format!(" (the last try: {last})"));
                    }
                    lines.push(line);
                }
            }
            None => {
                let pending = lock(&self.spool).pending();
                lines.push(self.left_line(pending.max(1)));
            }
        }
        if let Err(e) = spooled {
            lines.push(format!("{e} (the updates were still sent from memory)"));
        }
        Ok(lines)
    }
}

/// Whether a run posts its statuses, and whether it uploads its folder, as Polyaxon's
/// `Run.__init__` decides: statuses for a run it creates or one with a process sidecar (its
/// exit handler); uploads, when it collects artifacts, for a run with a process sidecar or an
/// external run outside a cluster (its in-process sidecar thread). A new run started inside a
/// cluster keeps its folder in `<context>/artifacts/_related_runs/`, which the Kubernetes
/// sidecar of the run that started it copies to the store.
fn duties(resolved: &Resolved) -> (bool, bool) {
    let posts_status = resolved.is_new || resolved.has_process_sidecar;
    let synced_by_cluster = resolved.artifacts_root.starts_with(
        resolved
            .context_root
            .join("artifacts")
            .join(RELATED_RUNS_DIR),
    );
    let uploads = resolved.collect_artifacts
        && (resolved.has_process_sidecar
            || (resolved.mode == Mode::External && !synced_by_cluster));
    (posts_status, uploads)
}

/// The body of the create (`runs/sync`) request of an external run.
fn create_body(resolved: &Resolved, now: Timestamp) -> Map<String, Value> {
    let mut run = Map::new();
    let mut put = |k: &str, v: Value| {
        run.insert(k.to_owned(), v);
    };
    put(
        "uuid",
        resolved.uuid.clone().map_or(Value::Null, Value::String),
    );
    if let Some(name) = &resolved.name {
        put("name", Value::String(name.clone()));
    }
    if let Some(description) = &resolved.description {
        put("description", Value::String(description.clone()));
    }
    put("created_at", Value::String(now.to_iso()));
    put("kind", Value::String("job".into()));
    put("runtime", Value::String("job".into()));
    put("managed_by", Value::String("user".into()));
    put("is_managed", Value::Bool(false));
    put("status", Value::String(Status::Created.as_str().into()));
    let created = Condition::new(Status::Created, None, Some("Run is created"), now);
    put(
        "status_conditions",
        serde_json::to_value(vec![created]).unwrap_or(Value::Null),
    );
    run
}

/// The API thread: delivers what arrives, retries with backoff, and answers the end.
fn run_api_thread(mut d: Deliverer, rx: Receiver<ToApi>) {
    let mut next_try = Instant::now();
    let mut ending: Option<(Instant, SyncSender<EndSummary>)> = None;
    loop {
        while let Ok(msg) = rx.try_recv() {
            if receive(&mut d, &mut ending, msg) {
                next_try = Instant::now();
            }
        }
        let now = Instant::now();
        let has_work = !d.queue.is_empty() && d.blocked.is_none();
        if let Some((deadline, reply)) = &ending {
            if !has_work || now >= *deadline {
                let pending = d.pending();
                if pending == 0 {
                    if let Some(spool) = &d.spool {
                        if let Err(e) = lock(spool).finish() {
                            log::warn!("{e}");
                        }
                    }
                }
                let _ = reply.send(EndSummary {
                    pending,
                    blocked: d.blocked.as_ref().map(ToString::to_string),
                    refusals: std::mem::take(&mut d.refusals),
                    last_error: d.last_error.as_ref().map(ToString::to_string),
                });
                return;
            }
        }
        if has_work && now >= next_try {
            let deadline = ending.as_ref().map(|(deadline, _)| *deadline);
            next_try = match d.attempt(deadline) {
                Outcome::Retry(delay, _) if ending.is_some() => {
                    Instant::now() + delay.min(END_MAX_BACKOFF)
                }
                Outcome::Retry(delay, _) => Instant::now() + delay,
                _ => Instant::now(),
            };
            continue;
        }
        let wake = match &ending {
            Some((deadline, _)) => Some(if has_work {
                next_try.min(*deadline)
            } else {
                *deadline
            }),
            None if has_work => Some(next_try),
            None => None,
        };
        let received = match wake {
            Some(at) => rx.recv_timeout(at.saturating_duration_since(Instant::now())),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match received {
            Ok(msg) => {
                if receive(&mut d, &mut ending, msg) {
                    next_try = Instant::now();
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            // The run went away without ending (its writer died): what is pending stays in
            // the spool for the next init or a push.
            Err(RecvTimeoutError::Disconnected) if ending.is_none() => return,
            Err(RecvTimeoutError::Disconnected) => {}
        }
    }
}

/// Takes one message; true when it asks to try again at once (the run is ending).
fn receive(
    d: &mut Deliverer,
    ending: &mut Option<(Instant, SyncSender<EndSummary>)>,
    msg: ToApi,
) -> bool {
    match msg {
        ToApi::Items(items) => {
            d.queue
                .extend(items.into_iter().map(|(seq, op)| Item::Op(seq, op)));
            false
        }
        ToApi::End { deadline, reply } => {
            *ending = Some((deadline, reply));
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    fn duties_of(settings: Settings, env: &[(&str, &str)]) -> (bool, bool) {
        let mut vars = vec![("HOME", "/nonexistent"), ("POLYAXON_NO_CONFIG", "true")];
        vars.extend_from_slice(env);
        duties(&settings.env(vars).resolve().unwrap())
    }

    #[test]
    fn statuses_and_uploads_follow_polyaxon() {
        let instance = "default.demo.runs.0123456789abcdef0123456789abcdef";
        let managed = [
            ("POLYAXON_IS_MANAGED", "true"),
            ("POLYAXON_RUN_INSTANCE", instance),
        ];
        let sidecar = [
            ("POLYAXON_IS_MANAGED", "true"),
            ("POLYAXON_RUN_INSTANCE", instance),
            ("POLYAXON_HAS_PROCESS_SIDECAR", "true"),
        ];
        let external = || Settings::new().project("default/demo");
        let resumed = || external().run_uuid("0123456789abcdef0123456789abcdef");
        // (posts statuses, uploads)
        assert_eq!(duties_of(Settings::new(), &managed), (false, false));
        assert_eq!(duties_of(Settings::new(), &sidecar), (true, true));
        assert_eq!(
            duties_of(Settings::new().collect_artifacts(false), &sidecar),
            (true, false)
        );
        assert_eq!(duties_of(external(), &[]), (true, true));
        assert_eq!(
            duties_of(external().collect_artifacts(false), &[]),
            (true, false)
        );
        assert_eq!(duties_of(resumed(), &[]), (false, false));
        assert_eq!(
            duties_of(resumed().collect_artifacts(true), &[]),
            (false, true)
        );
        // A new run inside a cluster: created, its statuses posted, its folder copied by the
        // cluster's sidecar.
        assert_eq!(
            duties_of(Settings::new().is_new(true), &managed),
            (true, false)
        );
    }
}

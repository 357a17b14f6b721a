//! Initialisation: settings -> resolved configuration -> sinks -> writer thread -> a run.

use super::current::{set_stack, INITIALISED, LIVE};
use super::guard::RunGuard;
use super::handle::clean_tags;
use super::names::NameTable;
use super::panic::install_panic_hook;
use super::shared::Shared;
use super::Run;
use crate::config::{Mode, Resolved, Settings};
use crate::error::Error;
use crate::kind::Status;
use crate::record::{Condition, RunRecord};
use crate::sink::{files::EventFiles, offline, Sink, Update};
use crate::testing::Recorder;
use crate::timestamp::Timestamp;
use crate::worker::{Worker, WorkerConfig, WorkerHandle};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::sync_channel;
use std::sync::{Arc, Mutex};

static RUN_IDS: AtomicU64 = AtomicU64::new(1);

/// Starts a run from the environment (Python's `tracking.init()`). See [`init_with`].
pub fn init() -> Result<RunGuard, Error> {
    init_with(Settings::new())
}

/// Starts a run from explicit settings over the environment and makes it the process's run:
/// the current run of every thread that has not entered a run of its own (see
/// [`current`](super::current)).
pub fn init_with(settings: Settings) -> Result<RunGuard, Error> {
    init_as(settings, Reach::Process)
}

/// Starts the run of one `#[track_run]` call: current only where the call enters it (its
/// own thread, or its future's polls), never the process's run.
pub(crate) fn init_scoped(settings: Settings) -> Result<RunGuard, Error> {
    init_as(settings, Reach::Entered)
}

/// Which calls a new run is the current run of.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// Every thread's that has not entered one of its own (`init`).
    Process,
    /// Only where it is entered (`#[track_run]`).
    Entered,
}

fn init_as(mut settings: Settings, reach: Reach) -> Result<RunGuard, Error> {
    INITIALISED.store(true, Ordering::Relaxed);
    if settings.recorder.is_none() {
        settings.recorder = Recorder::take_installed();
    }
    let resolved = settings.resolve()?;
    // A recorded run's sinks are the recorder: it writes no offline folder to warn about.
    if resolved.implicit_offline && settings.recorder.is_none() {
        log::warn!(
            target: "polytrack",
            "no Polyaxon context (no project, not managed by Polyaxon, not offline): \
             tracking offline into {}; upload it with `polyaxon ops push`, or set \
             POLYTRACK_PROJECT and POLYAXON_HOST, POLYAXON_IS_OFFLINE=true or POLYAXON_NO_OP=true",
            resolved.artifacts_root.display()
        );
    }
    if resolved.mode == Mode::NoOp {
        if let Some(source) = resolved.rank.source {
            log::info!(
                target: "polytrack",
                "rank {} ({source}) does not track; only rank 0 does",
                resolved.rank.rank
            );
        }
        return Ok(RunGuard { run: Run::noop() });
    }
    let (track_logs, capture_console) = (resolved.track_logs, resolved.capture_console);
    let run = start(resolved, settings.recorder.take())?;
    if let Some(shared) = &run.inner {
        super::exit::register(shared);
    }
    if reach == Reach::Process {
        set_stack(|stack| stack.push(run.clone()));
    }
    // Counted after it is on the stack, so no call sees a live run that it cannot find.
    LIVE.fetch_add(1, Ordering::AcqRel);
    // Lines logged where this run is current go to it (see `logs`), whatever its reach.
    if let (true, Some(shared)) = (track_logs, &run.inner) {
        crate::logs::attach_run(shared.id, &run, capture_console);
    }
    Ok(RunGuard { run })
}

fn start(resolved: Resolved, recorder: Option<Recorder>) -> Result<Run, Error> {
    install_panic_hook();
    let uuid = resolved.uuid.clone().unwrap_or_default();
    let run_dir = resolved.artifacts_root.clone();
    let mut sinks: Vec<Box<dyn Sink>> = Vec::new();
    let mut record = RunRecord::default();
    let mut lineage = Vec::new();
    let mut initial = Vec::new();
    let now = Timestamp::now();
    // Runs polytrack created, and runs of executors without Polyaxon's sidecar, report their
    // own status; a managed run's status belongs to Polyaxon's operator.
    // A resumed external run leaves its status alone, as Polyaxon's client does.
    let owns_status = resolved.mode == Mode::Offline
        || (matches!(resolved.mode, Mode::External | Mode::Managed)
            && (resolved.is_new || resolved.has_process_sidecar));

    let recording = recorder.is_some();
    match recorder {
        Some(recorder) => sinks.push(Box::new(recorder)),
        None => {
            std::fs::create_dir_all(run_dir.join("outputs"))
                .map_err(|e| Error::io(format!("cannot create {}", run_dir.display()), e))?;
            if resolved.collect_artifacts {
                sinks.push(Box::new(EventFiles::new(&run_dir)));
            }
            if resolved.mode == Mode::Offline {
                if let Some((r, l)) = offline::load(&run_dir)? {
                    record = r;
                    lineage = l;
                }
                sinks.push(Box::new(offline::OfflineStore::new(&run_dir)));
            }
            if matches!(resolved.mode, Mode::Managed | Mode::External) {
                sinks.push(Box::new(crate::api::ApiSink::start(&resolved)?));
            }
        }
    }

    if !recording {
        // Polyaxon's `log_env` at init.
        let base = match resolved.mode {
            Mode::Offline => resolved.offline_root.clone(),
            _ => resolved.context_root.join("artifacts"),
        };
        match crate::envinfo::log_env(&run_dir, &base) {
            Ok(artifact) => initial.push(Update::Lineage(vec![artifact])),
            Err(e) => log::warn!(target: "polytrack", "could not record the environment: {e}"),
        }
    }

    let resumed = record.uuid.is_some();
    if !resumed {
        record.uuid = Some(uuid.clone());
        record.name.clone_from(&resolved.name);
        record.description.clone_from(&resolved.description);
        record.owner.clone_from(&resolved.owner);
        record.project.clone_from(&resolved.project);
        if owns_status {
            record.created_at = Some(now.to_iso());
            record.managed_by = Some("user".to_owned());
            record.is_managed = Some(false);
            record.kind = Some("job".to_owned());
            record.runtime = Some("job".to_owned());
        }
    }
    if !resolved.tags.is_empty() {
        initial.push(Update::Tags {
            tags: clean_tags(&resolved.tags),
            reset: false,
        });
    }
    if owns_status {
        if !resumed && resolved.mode == Mode::Offline {
            initial.push(Update::Status(Condition::new(
                Status::Created,
                Some("OfflineOperation"),
                Some("Operation is starting"),
                now,
            )));
        }
        let pending = record.status.is_none_or(Status::is_pending);
        if pending {
            initial.push(Update::Status(Condition::new(
                Status::Running,
                None,
                Some("Operation is running"),
                now,
            )));
        }
    }

    // Python's `log_code_ref()` at init (`track_code`).
    if resolved.track_code && !recording {
        if let Some(code) = std::env::current_dir()
            .ok()
            .and_then(|dir| crate::lifecycle::coderef::CodeRef::from_git(&dir))
        {
            initial.push(Update::Lineage(vec![code.artifact(true)]));
        }
    }
    if resolved.handle_signals && !recording {
        crate::lifecycle::signals::install(resolved.stop_grace);
    }
    let lifecycle = crate::lifecycle::RunState::new(&resolved);

    let (tx, rx) = sync_channel(resolved.queue_capacity);
    let worker = Worker::new(
        WorkerConfig {
            uuid: uuid.clone(),
            run_dir: run_dir.clone(),
            context_root: match resolved.mode {
                Mode::Offline => resolved.offline_root.join("runs"),
                _ => resolved.context_root.join("artifacts"),
            },
            store_name: resolved.store_name.clone(),
            owns_status,
            collect_artifacts: resolved.collect_artifacts,
            writes_events: resolved.collect_artifacts || recording,
        },
        record,
        lineage,
        sinks,
    );
    let names = NameTable {
        announced: worker.announced(),
        ..NameTable::default()
    };
    let worker = WorkerHandle::spawn(worker, rx, resolved.queue_capacity, initial)?;
    // Resource samples go through the writer, with every other row of the run.
    let sampler = if resolved.collect_resources && !recording {
        match crate::resources::Sampler::start(worker.samples(), crate::resources::INTERVAL) {
            Ok(sampler) => Some(sampler),
            Err(e) => {
                log::warn!(target: "polytrack", "resource metrics are off: {e}");
                None
            }
        }
    } else {
        None
    };

    let metric_suffix = match resolved.rank_policy {
        crate::rank::RankPolicy::AllRanks => resolved.rank.metric_suffix(),
        crate::rank::RankPolicy::RankZeroOnly => None,
    };
    Ok(Run {
        inner: Some(Arc::new(Shared {
            id: RUN_IDS.fetch_add(1, Ordering::Relaxed),
            mode: resolved.mode,
            uuid: Some(uuid),
            owner: resolved.owner,
            project: resolved.project,
            run_dir,
            tx,
            clock: crate::clock::TickClock::new(),
            worker,
            queue_timeout: resolved.queue_timeout,
            ring_capacity: resolved.queue_capacity.min(super::rings::RING_CAPACITY),
            ring_owner: AtomicU64::new(0),
            queue_only: AtomicBool::new(false),
            end_timeout: resolved.end_timeout,
            metric_suffix,
            names: Mutex::new(names),
            ended: AtomicBool::new(false),
            refused: AtomicU64::new(0),
            budget: crate::event::Budget::new(resolved.payload_budget),
            final_report: Mutex::new(None),
            sampler: Mutex::new(sampler),
            lifecycle,
        })),
    })
}

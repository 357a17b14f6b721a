//! [`push`]: uploads a run's folder to a Polyaxon API, as `polyaxon ops push` does.

use super::client::Client;
use super::deliver::{Deliverer, Item};
use super::op::Op;
use super::spool::{Spool, Target};
use crate::config::{ApiConfig, Settings};
use crate::error::Error;
use crate::record::RunRecord;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What [`push`] delivered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PushReport {
    /// The run's uuid.
    pub uuid: String,
    /// The owner it was pushed to.
    pub owner: String,
    /// The project it was pushed to.
    pub project: String,
    /// Whether this push created the run; `false` when it was already there (a second push,
    /// or a run created online), in which case its lineage and files were updated.
    pub created: bool,
    /// Lineage entries posted.
    pub lineage: usize,
    /// Files uploaded.
    pub uploaded_files: usize,
    /// Size of the uploaded tar.gz, in bytes.
    pub uploaded_bytes: u64,
    /// Updates replayed from the spool of a managed or external run.
    pub replayed: usize,
}

/// Uploads a run's folder to the Polyaxon API configured by the environment
/// (`POLYAXON_HOST`, the token, TLS settings), and returns what was delivered.
///
/// - An **offline** run (`run.plx.json`, `lineages.plx.json`) is pushed with the requests of
///   `polyaxon ops push`: `POST /api/v1/{o}/{p}/runs/sync` with the run, a lineage post, a
///   read of the run (for its namespace), and the folder as a tar.gz through
///   `/streams/v1/{ns}/{o}/{p}/runs/{u}/artifacts` (without `*.plx.json`, `*.plx.index`,
///   `.polyaxon/`, `.polytrack/` and symlinks). The project is `project` when given (as
///   [`Settings::project`](crate::Settings::project) takes it), else the one in
///   `run.plx.json`. Pushing again updates the run instead of failing.
/// - A **managed or external** run whose updates could not all be delivered (its
///   `.polytrack/spool.jsonl`) has them replayed, in order, to the run they belong to.
///
/// Transient failures are retried for up to the end timeout (`POLYTRACK_END_TIMEOUT`,
/// 30 s by default). The work happens on a thread of its own, so this may be called from
/// async code (it blocks the calling thread until done).
///
/// ```no_run
/// let report = polytrack::push("/tmp/plx/offline/runs/8b4c2ed6b7d3432ba6d3f4e5c2a1b0c9", Some("default/demo"))?;
/// println!("pushed {} files to {}/{}", report.uploaded_files, report.owner, report.project);
/// # Ok::<(), polytrack::Error>(())
/// ```
pub fn push(run_dir: impl AsRef<Path>, project: Option<&str>) -> Result<PushReport, Error> {
    push_with(run_dir, project, Settings::new())
}

/// [`push`] with explicit settings (host, token, environment) instead of the process's
/// environment alone.
pub fn push_with(
    run_dir: impl AsRef<Path>,
    project: Option<&str>,
    settings: Settings,
) -> Result<PushReport, Error> {
    let run_dir = run_dir.as_ref().to_owned();
    let project = project
        .map(|p| crate::config::split_project("project", p))
        .transpose()?;
    let mut settings = settings;
    // Any mode resolves the API settings; offline needs no project.
    settings.offline = Some(true);
    settings.no_op = Some(false);
    settings.recorder = None;
    let resolved = settings.resolve()?;
    let job = Job {
        api: resolved.api,
        connection: resolved.store_name,
        budget: resolved.end_timeout,
        project,
    };
    std::thread::Builder::new()
        .name("polytrack-push".into())
        .spawn(move || job.run(&run_dir))
        .map_err(|e| Error::io("cannot start the push thread", e))?
        .join()
        .unwrap_or(Err(Error::WriterGone))
}

struct Job {
    api: ApiConfig,
    connection: Option<String>,
    budget: Duration,
    project: Option<(String, String)>,
}

impl Job {
    fn run(self, dir: &Path) -> Result<PushReport, Error> {
        let offline = crate::sink::offline::load(dir)?;
        let spooled = Spool::load(&Spool::path_in(dir))?.filter(|s| !s.pending.is_empty());
        if offline.is_none() && spooled.is_none() {
            return Err(Error::config(
                "run_dir",
                &dir.display().to_string(),
                "a run folder holding run.plx.json (an offline run) or pending updates in \
                 .polytrack/spool.jsonl (a managed or external run)",
            ));
        }
        let deadline = Instant::now() + self.budget;
        let mut client = Some(Client::new(&self.api)?);
        let mut report = PushReport::default();
        if let Some((record, lineage)) = offline {
            let target = self.offline_target(dir, &record)?;
            let mut d = self.deliverer(&mut client, target, dir, None)?;
            let mut run = match serde_json::to_value(&record) {
                Ok(Value::Object(map)) => map,
                _ => return Err(Error::Serialize("the run file is not a JSON object".into())),
            };
            // The sync endpoint takes neither; the URL says where the run goes.
            run.remove("owner");
            run.remove("project");
            d.queue.push_back(Item::Op(1, Op::Create { run }));
            if !lineage.is_empty() {
                d.queue.push_back(Item::Op(
                    2,
                    Op::Lineage {
                        artifacts: lineage.clone(),
                    },
                ));
            }
            d.queue.push_back(Item::Op(3, Op::Upload));
            d.drain(deadline);
            settle(&d, dir, self.budget)?;
            report.created = !d.existed;
            report.lineage = lineage.len();
            (report.uploaded_files, report.uploaded_bytes) = d.uploaded.unwrap_or_default();
            report.uuid = d.target.uuid.clone();
            report.owner = d.target.owner.clone();
            report.project = d.target.project.clone();
            client = Some(d.client);
        }
        if let Some(loaded) = spooled {
            let target = match (loaded.target, &self.project) {
                (Some(target), _) => target,
                (None, Some((owner, project))) => Target {
                    owner: owner.clone(),
                    project: project.clone(),
                    uuid: dir_uuid(dir)?,
                },
                (None, None) => {
                    return Err(Error::config(
                        "project",
                        "",
                        "owner/project: the spool's header is damaged and names no run",
                    ))
                }
            };
            let (spool, pending) = Spool::open(dir, target.clone())?;
            let spool = std::sync::Arc::new(std::sync::Mutex::new(spool));
            let mut d = self.deliverer(
                &mut client,
                target,
                dir,
                Some(std::sync::Arc::clone(&spool)),
            )?;
            d.queue = pending
                .into_iter()
                .map(|(seq, op)| Item::Op(seq, op))
                .collect();
            d.drain(deadline);
            report.replayed = d.delivered;
            if let Some((files, bytes)) = d.uploaded {
                report.uploaded_files += files;
                report.uploaded_bytes += bytes;
            }
            report.uuid = d.target.uuid.clone();
            report.owner = d.target.owner.clone();
            report.project = d.target.project.clone();
            settle(&d, dir, self.budget)?;
            crate::lock::lock(&spool).finish()?;
        }
        Ok(report)
    }

    fn offline_target(&self, dir: &Path, record: &RunRecord) -> Result<Target, Error> {
        let uuid = match &record.uuid {
            Some(uuid) => uuid.clone(),
            None => dir_uuid(dir)?,
        };
        let (owner, project) = match (&self.project, &record.owner, &record.project) {
            (Some((owner, project)), _, _) => (owner.clone(), project.clone()),
            (None, owner, Some(project)) => (
                owner.clone().unwrap_or_else(|| "default".into()),
                project.clone(),
            ),
            (None, _, None) => {
                return Err(Error::config(
                    "project",
                    "",
                    "a project to push to (`owner/project`): the offline run names none",
                ))
            }
        };
        Ok(Target {
            owner,
            project,
            uuid,
        })
    }

    fn deliverer(
        &self,
        client: &mut Option<Client>,
        target: Target,
        dir: &Path,
        spool: Option<std::sync::Arc<std::sync::Mutex<Spool>>>,
    ) -> Result<Deliverer, Error> {
        let client = match client.take() {
            Some(client) => client,
            None => Client::new(&self.api)?,
        };
        let mut d = Deliverer::new(client, target, PathBuf::from(dir), spool);
        d.connection.clone_from(&self.connection);
        Ok(d)
    }
}

fn dir_uuid(dir: &Path) -> Result<String, Error> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.len() == 32 && name.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(name)
    } else {
        Err(Error::config(
            "run_dir",
            &dir.display().to_string(),
            "a folder named after the run's uuid, or a run file naming it",
        ))
    }
}

/// Turns what a drain left into the push's error, if anything is left.
fn settle(d: &Deliverer, dir: &Path, budget: Duration) -> Result<(), Error> {
    if let Some(blocked) = &d.blocked {
        return Err(super::deliver::clone_error(blocked));
    }
    if !d.refusals.is_empty() {
        return Err(match &d.last_error {
            Some(e) => super::deliver::clone_error(e),
            None => Error::Timeout {
                what: d.refusals.join("; "),
            },
        });
    }
    if !d.queue.is_empty() {
        let last = d
            .last_error
            .as_ref()
            .map_or_else(String::new, |e| format!(": {e}"));
        return Err(Error::Timeout {
            what: format!(
                "pushing {}: {} updates not delivered within {budget:?}{last}",
                dir.display(),
                d.queue.len()
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_to_push_is_a_clear_error() {
        let dir = std::env::temp_dir().join(format!("polytrack-push-{}", crate::id::new_uuid()));
        std::fs::create_dir_all(&dir).unwrap();
        let err =
            push_with(&dir, None, Settings::new().env([("HOME", "/nonexistent")])).unwrap_err();
        assert!(err.to_string().contains("run.plx.json"), "{err}");
        // The project is read as `Settings::project` reads it: a team is allowed.
        let settings = Settings::new().env([("HOME", "/nonexistent")]);
        let err = push_with(&dir, Some("acme/team/demo"), settings.clone()).unwrap_err();
        assert!(err.to_string().contains("run.plx.json"), "{err}");
        let err = push_with(&dir, Some("acme/"), settings).unwrap_err();
        assert!(err.to_string().contains("owner/project"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

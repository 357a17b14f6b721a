//! The lineage entries of a run's event files: one per file under `events/` and `resources/`,
//! with Polyaxon's summary, computed at the end of the run.

use super::{summarize_event_file, KeptFile, KeptValues};
use crate::kind::ArtifactKind;
use crate::record::Artifact;
use crate::worker::json_number;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// One event file to summarise.
struct SummaryJob {
    base: &'static str,
    is_system: bool,
    kind: ArtifactKind,
    kind_name: String,
    path: PathBuf,
    /// Its rows, when they were kept in memory during the run.
    kept: Option<KeptFile>,
}

/// The files under `<run>/events/<kind>/` and `<run>/resources/<kind>/`, in name order.
fn summary_jobs(run_dir: &Path) -> Vec<SummaryJob> {
    let sorted_entries = |dir: &Path| -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        // Entries of one folder differ only in their names: their bytes sort as their names
        // do, without comparing `Path`s component by component.
        paths.sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
        paths
    };
    let mut jobs = Vec::new();
    for (base, is_system) in [("events", false), ("resources", true)] {
        for kind_dir in sorted_entries(&run_dir.join(base)) {
            let kind_name = kind_dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let Some(kind) = ArtifactKind::from_str(&kind_name) else {
                continue;
            };
            for path in sorted_entries(&kind_dir) {
                if path.extension().and_then(|e| e.to_str()) == Some("plx") {
                    jobs.push(SummaryJob {
                        base,
                        is_system,
                        kind,
                        kind_name: kind_name.clone(),
                        path,
                        kept: None,
                    });
                }
            }
        }
    }
    jobs
}

/// A file's lineage entry and, for metrics, its last value.
type Summarised = Option<(Artifact, Option<f64>)>;

/// A file's lineage entry, and its last value for metrics; `None` for a file without rows
/// (Polyaxon gives it no entry) or one that cannot be read (logged). Kept values are
/// gathered in `scratch`, the summary thread's buffer.
fn summarise(job: &mut SummaryJob, connection: Option<&str>, scratch: &mut Vec<f64>) -> Summarised {
    let stem = job
        .path
        .file_stem()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (summary, last) = match job.kept.take() {
        Some(kept) => kept.summary(scratch)?,
        None => {
            let text = match std::fs::read_to_string(&job.path) {
                Ok(text) => text,
                Err(e) => {
                    // One unreadable file must not cost the others their summaries.
                    log::error!(
                        target: "polytrack",
                        "cannot summarise {}: {e}",
                        job.path.display()
                    );
                    return None;
                }
            };
            summarize_event_file(job.kind.as_str(), &text)?
        }
    };
    let Value::Object(summary) = summary.to_json_value() else {
        return None;
    };
    let last = (job.kind == ArtifactKind::Metric && !job.is_system).then_some(last);
    let artifact = Artifact {
        path: Some(format!("{}/{}/{stem}.plx", job.base, job.kind_name)),
        name: stem,
        kind: if job.is_system {
            ArtifactKind::System
        } else {
            job.kind
        },
        summary,
        connection: connection.map(str::to_owned),
        is_input: false,
    };
    Some((artifact, last))
}

/// One lineage entry per event file under `events/` (and `resources/`), with Polyaxon's
/// summary, plus the last value of each metric. A metric file whose rows were kept in memory
/// (`kept`) is summarised from them, any other file from its text. Files are summarised on up
/// to 4 threads (a run's end waits for this), and the entries keep the files' name order.
pub(crate) fn event_summaries(
    run_dir: &Path,
    connection: Option<&str>,
    kept: &mut KeptValues,
) -> (Vec<Artifact>, Map<String, Value>) {
    let mut jobs = summary_jobs(run_dir);
    for job in &mut jobs {
        if job.base == "events" && job.kind == ArtifactKind::Metric {
            job.kept = kept.take(&job.path);
        }
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4)
        .min(jobs.len().max(1));
    let count = jobs.len();
    // Round-robin shares: files of a run tend to have similar sizes.
    let mut shares: Vec<Vec<(usize, SummaryJob)>> = (0..threads).map(|_| Vec::new()).collect();
    for (i, job) in jobs.into_iter().enumerate() {
        shares[i % threads].push((i, job));
    }
    let summarise_share = |share: Vec<(usize, SummaryJob)>| {
        let mut scratch = Vec::new();
        share
            .into_iter()
            .map(|(i, mut job)| (i, summarise(&mut job, connection, &mut scratch)))
            .collect::<Vec<_>>()
    };
    let mut parts: Vec<Vec<(usize, Summarised)>> = Vec::new();
    if threads <= 1 {
        parts.extend(shares.into_iter().map(summarise_share));
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = shares
                .into_iter()
                .map(|share| scope.spawn(move || summarise_share(share)))
                .collect();
            for handle in handles {
                match handle.join() {
                    Ok(part) => parts.push(part),
                    Err(_) => log::error!(target: "polytrack", "a summary thread panicked"),
                }
            }
        });
    }
    let mut results: Vec<Summarised> = Vec::with_capacity(count);
    results.resize_with(count, || None);
    for (i, result) in parts.into_iter().flatten() {
        results[i] = result;
    }
    let mut items = Vec::new();
    let mut last = Map::new();
    for (artifact, value) in results.into_iter().flatten() {
        if let Some(v) = value {
            last.insert(artifact.name.clone(), json_number(v));
        }
        items.push(artifact);
    }
    (items, last)
}

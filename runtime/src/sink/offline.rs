//! Offline runs: `run.plx.json` and `lineages.plx.json` in the run's folder, the files
//! `polyaxon ops push` uploads.
//!
//! Polyaxon's client writes them once, at exit, so a run killed mid-way leaves none. polytrack
//! rewrites them (atomically: a temporary file, then a rename) whenever the run's data changed,
//! at most once per flush, so a killed run can still be pushed.

use super::{Ending, Sink, Update};
use crate::error::Error;
use crate::record::{Artifact, RunRecord};
use std::path::{Path, PathBuf};

/// The run file's name.
pub(crate) const RUN_FILE: &str = "run.plx.json";
/// The lineage file's name.
pub(crate) const LINEAGES_FILE: &str = "lineages.plx.json";

/// Persists the run's state into its folder.
pub(crate) struct OfflineStore {
    dir: PathBuf,
    dirty: bool,
}

impl OfflineStore {
    pub(crate) fn new(run_dir: &Path) -> Self {
        OfflineStore {
            dir: run_dir.to_owned(),
            dirty: true,
        }
    }

    fn persist(&mut self, record: &RunRecord, lineage: &[Artifact]) -> Result<(), Error> {
        write_json_atomic(&self.dir.join(RUN_FILE), record)?;
        if !lineage.is_empty() {
            write_json_atomic(&self.dir.join(LINEAGES_FILE), &lineage)?;
        }
        self.dirty = false;
        Ok(())
    }
}

/// Writes `value` as compact JSON to `path` through a temporary file and a rename.
pub(crate) fn write_json_atomic<T: serde::Serialize + ?Sized>(
    path: &Path,
    value: &T,
) -> Result<(), Error> {
    let bytes = serde_json::to_vec(value).map_err(|e| Error::Serialize(e.to_string()))?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))
}

/// Loads a run persisted earlier, to resume it.
pub(crate) fn load(run_dir: &Path) -> Result<Option<(RunRecord, Vec<Artifact>)>, Error> {
    let run_path = run_dir.join(RUN_FILE);
    let text = match std::fs::read_to_string(&run_path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(format!("cannot read {}", run_path.display()), e)),
    };
    let record: RunRecord = serde_json::from_str(&text).map_err(|e| {
        Error::config(
            &run_path.display().to_string(),
            &e.to_string(),
            "a run file written by Polyaxon or polytrack",
        )
    })?;
    let lineage_path = run_dir.join(LINEAGES_FILE);
    let lineage = match std::fs::read_to_string(&lineage_path) {
        Ok(t) => serde_json::from_str(&t).map_err(|e| {
            Error::config(
                &lineage_path.display().to_string(),
                &e.to_string(),
                "a lineage file written by Polyaxon or polytrack",
            )
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => {
            return Err(Error::io(
                format!("cannot read {}", lineage_path.display()),
                e,
            ))
        }
    };
    Ok(Some((record, lineage)))
}

impl Sink for OfflineStore {
    fn name(&self) -> &'static str {
        "offline run files"
    }

    fn update(&mut self, _update: &Update, _record: &RunRecord) -> Result<(), Error> {
        self.dirty = true;
        Ok(())
    }

    fn flush(&mut self, record: &RunRecord, lineage: &[Artifact]) -> Result<(), Error> {
        if self.dirty {
            self.persist(record, lineage)?;
        }
        Ok(())
    }

    fn end(&mut self, ending: &Ending<'_>) -> Result<Vec<String>, Error> {
        self.persist(ending.record, ending.lineage)?;
        Ok(Vec::new())
    }
}

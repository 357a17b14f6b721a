//! The spool: every API update is appended to `<run>/.polytrack/spool.jsonl` before it is
//! sent, and marked once the server accepted (or refused) it, so that an outage of any length
//! or the death of the process loses nothing.
//!
//! The file is JSON lines, append-only while the run lives:
//!
//! ```text
//! {"spool":1,"owner":"default","project":"demo","uuid":"<32 hex>"}   header, first line
//! {"seq":1,"op":"patch","body":{"inputs":{"lr":0.1},"merge":true}}     an update (see Op)
//! {"done":[1]}                                                           accepted by the server
//! {"rejected":[2],"error":"PATCH ... failed with HTTP 400: ..."}         refused, not retried
//! ```
//!
//! Pending updates are the entries with neither mark. Updates are sent in order, so the marks
//! always cover a prefix of the pending ones. When nothing is pending the file is emptied, and
//! it is removed when the run ends with everything delivered. On the next `init` of the same
//! run, or by `polytrack::push`, pending updates are replayed first (a torn last line, from a
//! process killed mid-write, is skipped).

use super::op::Op;
use crate::error::Error;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where a run's spool lives, relative to the run's folder.
pub(crate) const SPOOL_DIR: &str = ".polytrack";
const SPOOL_FILE: &str = "spool.jsonl";

/// The run a spool belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Target {
    pub owner: String,
    pub project: String,
    pub uuid: String,
}

impl Target {
    /// `/api/v1/{owner}/{project}/runs/{uuid}`.
    pub(crate) fn run_path(&self) -> String {
        use super::request::quote;
        format!(
            "/api/v1/{}/{}/runs/{}",
            quote(&self.owner),
            quote(&self.project),
            quote(&self.uuid)
        )
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.owner, self.project, self.uuid)
    }
}

#[derive(Serialize, Deserialize)]
struct Header {
    spool: u32,
    #[serde(flatten)]
    target: Target,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    seq: u64,
    #[serde(flatten)]
    op: Op,
}

/// What a spool file holds.
pub(crate) struct Loaded {
    /// The run, from the header (absent in a damaged file).
    pub target: Option<Target>,
    /// Updates not yet accepted nor refused, in order.
    pub pending: Vec<(u64, Op)>,
}

/// A run's spool, shared by the writer (appends) and the API thread (marks).
pub(crate) struct Spool {
    path: PathBuf,
    target: Target,
    file: Option<File>,
    next_seq: u64,
    pending: BTreeSet<u64>,
}

impl Spool {
    /// The spool file of the run in `run_dir`.
    pub(crate) fn path_in(run_dir: &Path) -> PathBuf {
        run_dir.join(SPOOL_DIR).join(SPOOL_FILE)
    }

    /// Reads a spool file; `None` when there is none.
    pub(crate) fn load(path: &Path) -> Result<Option<Loaded>, Error> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(format!("cannot read {}", path.display()), e)),
        };
        let mut target = None;
        let mut entries: Vec<(u64, Op)> = Vec::new();
        let mut marked = BTreeSet::new();
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        for (i, line) in lines.iter().enumerate() {
            let value: Value = match serde_json::from_str(line) {
                Ok(v) => v,
                Err(e) => {
                    if i + 1 == lines.len() {
                        log::warn!("skipping a torn last line of {}: {e}", path.display());
                    } else {
                        log::error!(
                            "skipping a damaged line {} of {}: {e}",
                            i + 1,
                            path.display()
                        );
                    }
                    continue;
                }
            };
            let seqs = value.get("done").or_else(|| value.get("rejected"));
            if let Some(seqs) = seqs {
                marked.extend(
                    seqs.as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_u64),
                );
            } else if value.get("spool").is_some() {
                target = serde_json::from_value::<Header>(value)
                    .ok()
                    .map(|h| h.target);
            } else {
                match serde_json::from_value::<Entry>(value) {
                    Ok(entry) => entries.push((entry.seq, entry.op)),
                    Err(e) => log::error!(
                        "skipping line {} of {}, an update this version cannot read: {e}",
                        i + 1,
                        path.display()
                    ),
                }
            }
        }
        entries.retain(|(seq, _)| !marked.contains(seq));
        entries.sort_by_key(|(seq, _)| *seq);
        Ok(Some(Loaded {
            target,
            pending: entries,
        }))
    }

    /// Opens the spool of `target`'s run in `run_dir` and returns what an earlier session of
    /// the same run left pending, to be sent first. A spool of another run (a reused folder)
    /// is moved aside.
    pub(crate) fn open(run_dir: &Path, target: Target) -> Result<(Spool, Vec<(u64, Op)>), Error> {
        let path = Self::path_in(run_dir);
        let mut pending = Vec::new();
        match Self::load(&path)? {
            Some(loaded)
                if loaded
                    .target
                    .as_ref()
                    .is_some_and(|t| t.uuid != target.uuid) =>
            {
                let other = loaded.target.map(|t| t.uuid).unwrap_or_default();
                let aside = path.with_file_name(format!("spool-{other}.jsonl"));
                log::warn!(
                    "{} belongs to run {other}, not {}; moved to {}",
                    path.display(),
                    target.uuid,
                    aside.display()
                );
                std::fs::rename(&path, &aside)
                    .map_err(|e| Error::io(format!("cannot move {}", path.display()), e))?;
            }
            Some(loaded) => pending = loaded.pending,
            None => {}
        }
        // Numbers read from the file: a damaged one must not overflow.
        let next_seq = pending.last().map_or(1, |(seq, _)| seq.saturating_add(1));
        let mut spool = Spool {
            path,
            target,
            file: None,
            next_seq,
            pending: pending.iter().map(|(seq, _)| *seq).collect(),
        };
        // Rewrite the file with only what is pending: marks and delivered updates go.
        if pending.is_empty() {
            spool.remove_file()?;
        } else {
            spool.rewrite(&pending)?;
            log::info!(
                "{} API updates of run {} were left pending in {}; sending them first",
                pending.len(),
                spool.target,
                spool.path.display()
            );
        }
        Ok((spool, pending))
    }

    /// The file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// How many updates are pending.
    pub(crate) fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Numbers `ops` and appends them (one write). The numbers are returned even when the
    /// write fails, so the updates can still be sent from memory.
    pub(crate) fn append(&mut self, ops: Vec<Op>) -> (Vec<(u64, Op)>, Result<(), Error>) {
        let numbered: Vec<(u64, Op)> = ops
            .into_iter()
            .map(|op| {
                let seq = self.next_seq;
                self.next_seq = self.next_seq.saturating_add(1);
                (seq, op)
            })
            .collect();
        self.pending.extend(numbered.iter().map(|(seq, _)| *seq));
        let result = self.write_entries(&numbered);
        (numbered, result)
    }

    /// Marks updates as accepted by the server.
    pub(crate) fn mark_done(&mut self, seqs: &[u64]) -> Result<(), Error> {
        self.mark(seqs, serde_json::json!({ "done": seqs }))
    }

    /// Marks updates as refused by the server (they are not sent again).
    pub(crate) fn mark_rejected(&mut self, seqs: &[u64], error: &str) -> Result<(), Error> {
        self.mark(
            seqs,
            serde_json::json!({ "rejected": seqs, "error": error }),
        )
    }

    /// Removes the file when nothing is pending (the run ended with everything delivered).
    pub(crate) fn finish(&mut self) -> Result<(), Error> {
        if self.pending.is_empty() {
            self.remove_file()?;
        }
        Ok(())
    }

    /// Forgets everything and removes the file (a run whose init failed).
    pub(crate) fn discard(&mut self) -> Result<(), Error> {
        self.pending.clear();
        self.remove_file()
    }

    fn mark(&mut self, seqs: &[u64], line: Value) -> Result<(), Error> {
        for seq in seqs {
            self.pending.remove(seq);
        }
        if self.pending.is_empty() {
            // Everything is delivered: start over with an empty file.
            if self.file.is_none() {
                self.file = Some(self.create()?);
            }
            if let Some(file) = &self.file {
                return file
                    .set_len(0)
                    .map_err(|e| Error::io(format!("cannot truncate {}", self.path.display()), e));
            }
            return Ok(());
        }
        let mut text = line.to_string();
        text.push('\n');
        self.write_raw(text.as_bytes())
    }

    fn write_entries(&mut self, entries: &[(u64, Op)]) -> Result<(), Error> {
        let mut text = String::new();
        for (seq, op) in entries {
            let line = serde_json::to_string(&EntryRef { seq: *seq, op })
                .map_err(|e| Error::Serialize(e.to_string()))?;
            text.push_str(&line);
            text.push('\n');
        }
        self.write_raw(text.as_bytes())
    }

    fn write_raw(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let path = self.path.clone();
        let io_err = |e| Error::io(format!("cannot write the API spool {}", path.display()), e);
        if self.file.is_none() {
            self.file = Some(self.create()?);
        }
        let header = self.header_line()?;
        let Some(file) = self.file.as_mut() else {
            return Ok(());
        };
        // An emptied file gets its header back first.
        if file.metadata().map_err(io_err)?.len() == 0 {
            file.write_all(header.as_bytes()).map_err(io_err)?;
        }
        file.write_all(bytes).map_err(io_err)
    }

    fn create(&self) -> Result<File, Error> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
        }
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| {
                Error::io(
                    format!("cannot open the API spool {}", self.path.display()),
                    e,
                )
            })
    }

    fn header_line(&self) -> Result<String, Error> {
        let header = Header {
            spool: 1,
            target: self.target.clone(),
        };
        let mut line =
            serde_json::to_string(&header).map_err(|e| Error::Serialize(e.to_string()))?;
        line.push('\n');
        Ok(line)
    }

    fn rewrite(&mut self, pending: &[(u64, Op)]) -> Result<(), Error> {
        self.file = None;
        let mut text = self.header_line()?;
        for (seq, op) in pending {
            let line = serde_json::to_string(&EntryRef { seq: *seq, op })
                .map_err(|e| Error::Serialize(e.to_string()))?;
            text.push_str(&line);
            text.push('\n');
        }
        let tmp = self.path.with_extension("jsonl.tmp");
        std::fs::write(&tmp, text)
            .and_then(|()| std::fs::rename(&tmp, &self.path))
            .map_err(|e| Error::io(format!("cannot rewrite {}", self.path.display()), e))
    }

    fn remove_file(&mut self) -> Result<(), Error> {
        self.file = None;
        match std::fs::remove_file(&self.path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(Error::io(
                    format!("cannot remove {}", self.path.display()),
                    e,
                ))
            }
        }
        if let Some(dir) = self.path.parent() {
            // Only when empty: a spool moved aside stays.
            let _ = std::fs::remove_dir(dir);
        }
        Ok(())
    }
}

#[derive(Serialize)]
struct EntryRef<'a> {
    seq: u64,
    #[serde(flatten)]
    op: &'a Op,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Map};

    fn target(uuid: &str) -> Target {
        Target {
            owner: "default".into(),
            project: "demo".into(),
            uuid: uuid.into(),
        }
    }

    fn patch(k: &str) -> Op {
        let mut body = Map::new();
        body.insert("inputs".into(), json!({ k: 1 }));
        body.insert("merge".into(), json!(true));
        Op::Patch { body }
    }

    fn temp_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("polytrack-spool-{}", crate::id::new_uuid()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn pending_survives_and_is_replayed_in_order() {
        let dir = temp_dir();
        let (mut spool, replay) = Spool::open(&dir, target("u1")).unwrap();
        assert!(replay.is_empty());
        let (numbered, written) = spool.append(vec![patch("a"), patch("b"), Op::Upload]);
        written.unwrap();
        assert_eq!(
            numbered.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        spool.mark_done(&[1]).unwrap();
        spool.mark_rejected(&[2], "HTTP 400").unwrap();
        assert_eq!(spool.pending(), 1);
        drop(spool);
        // A torn last line, as a killed process leaves.
        let path = Spool::path_in(&dir);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"seq\":4,\"op\":\"pat").unwrap();

        let (mut spool, replay) = Spool::open(&dir, target("u1")).unwrap();
        assert_eq!(replay, vec![(3, Op::Upload)]);
        // Replayed entries, once delivered, are not replayed again.
        spool.mark_done(&[3]).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
        let (mut spool, replay) = Spool::open(&dir, target("u1")).unwrap();
        assert!(replay.is_empty());
        let (numbered, _) = spool.append(vec![Op::Upload]);
        assert_eq!(numbered[0].0, 1, "numbering restarts with an empty spool");
        let (numbered, _) = spool.append(vec![patch("c")]);
        assert_eq!(numbered[0].0, 2);
        spool.mark_done(&[1, 2]).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
        let (numbered, _) = spool.append(vec![patch("d")]);
        let loaded = Spool::load(&path).unwrap().unwrap();
        assert_eq!(loaded.target, Some(target("u1")));
        assert_eq!(loaded.pending, numbered);
        spool.mark_done(&[3]).unwrap();
        spool.finish().unwrap();
        assert!(!path.exists() && !dir.join(SPOOL_DIR).exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn another_runs_spool_is_moved_aside() {
        let dir = temp_dir();
        let (mut spool, _) = Spool::open(&dir, target("u1")).unwrap();
        spool.append(vec![patch("a")]).1.unwrap();
        drop(spool);
        let (_spool, replay) = Spool::open(&dir, target("u2")).unwrap();
        assert!(replay.is_empty());
        assert!(dir.join(SPOOL_DIR).join("spool-u1.jsonl").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

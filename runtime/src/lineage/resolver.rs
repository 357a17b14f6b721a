//! Artifact references resolved off the writer. A reference whose file or folder must be
//! hashed (`log_artifact_ref`, and every `log_*_ref` with a path and no given hash) goes to a
//! thread of its own, started with the run's first such reference, so the writer keeps taking
//! metric values while a 2 GiB checkpoint is read.
//!
//! Order is kept: the writer asks [`Resolver`] before it applies a lineage entry, and while a
//! hash is pending every later lineage entry, and every flush reply, waits behind it in
//! [`Resolver`]'s line (the writer itself never waits). `end()` waits for pending hashes up to
//! three quarters of its timeout, leaving the rest for delivery; a reference still being
//! hashed then is reported by name in the end report, never lost silently.

use super::{resolve, ArtifactRef};
use crate::error::Error;
use crate::record::Artifact;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender, SyncSender};
use std::sync::Arc;
use std::time::Instant;

/// Tells the writer that a hash is ready (it sends the writer a control message).
pub(crate) type Waker = Box<dyn Fn() + Send>;

/// Where a run's references are made relative to.
pub(crate) struct Places {
    pub uuid: String,
    pub run_dir: PathBuf,
    pub context_root: PathBuf,
}

/// What the writer does next, in the order the references were logged.
pub(crate) enum Settled {
    /// Lineage entries to apply.
    Lineage(Vec<Artifact>),
    /// A reference that could not be resolved (its file could not be read, say).
    Failed(Error),
    /// A flush request that waited for the hashes logged before it: flush, then reply.
    Flush(SyncSender<()>),
}

/// One place in the line.
enum Slot {
    /// Sent to the hashing thread; `what` names it in reports.
    Hashing {
        seq: u64,
        what: String,
    },
    Ready(Settled),
}

/// The hashing thread, once started.
struct Hasher {
    jobs: Sender<(u64, ArtifactRef)>,
    done: Receiver<(u64, Result<Artifact, Error>)>,
}

/// The writer's side of reference resolution: the line of pending entries and the thread.
pub(crate) struct Resolver {
    places: Arc<Places>,
    /// Moves into the hashing thread when it starts.
    waker: Option<Waker>,
    hasher: Option<Hasher>,
    /// Set when the run is done with its references: the thread stops mid-file.
    cancel: Arc<AtomicBool>,
    line: VecDeque<Slot>,
    next_seq: u64,
}

impl Resolver {
    pub(crate) fn new(places: Places) -> Self {
        Resolver {
            places: Arc::new(places),
            waker: None,
            hasher: None,
            cancel: Arc::new(AtomicBool::new(false)),
            line: VecDeque::new(),
            next_seq: 0,
        }
    }

    /// How the hashing thread wakes the writer when a hash is ready.
    pub(crate) fn set_waker(&mut self, waker: Waker) {
        self.waker = Some(waker);
    }

    /// Whether nothing waits in line (a lineage entry can be applied at once).
    pub(crate) fn is_idle(&self) -> bool {
        self.line.is_empty()
    }

    /// Takes a reference: resolved at once when it needs no hash and nothing waits (the
    /// entry is returned), else put in line.
    pub(crate) fn submit(&mut self, r: ArtifactRef) -> Option<Settled> {
        let needs_hash = !r.skip_hash && !r.summary.contains_key("hash");
        let r = if needs_hash {
            // Sent: it is in line, nothing to apply yet.
            self.send(r)?
        } else {
            r
        };
        // No hash, or no thread to hash on: resolved here (a stat at most, without a hash).
        let settled = match resolve(r, &self.places, &self.cancel) {
            Ok(artifact) => Settled::Lineage(vec![artifact]),
            Err(e) => Settled::Failed(e),
        };
        if self.line.is_empty() {
            Some(settled)
        } else {
            self.line.push_back(Slot::Ready(settled));
            None
        }
    }

    /// Hands `r` to the hashing thread (started on first use); gives it back when there is
    /// no thread to hash on.
    fn send(&mut self, r: ArtifactRef) -> Option<ArtifactRef> {
        if self.hasher.is_none() {
            match self.start() {
                Ok(hasher) => self.hasher = Some(hasher),
                Err(e) => {
                    log::warn!(
                        target: "polytrack",
                        "{e}: {} is hashed on the writer thread",
                        r.path.display()
                    );
                    return Some(r);
                }
            }
        }
        let Some(hasher) = &self.hasher else {
            return Some(r);
        };
        let (seq, what) = (
            self.next_seq,
            format!("{:?} ({})", r.name, r.path.display()),
        );
        self.next_seq += 1;
        match hasher.jobs.send((seq, r)) {
            Ok(()) => {
                self.line.push_back(Slot::Hashing { seq, what });
                None
            }
            // The thread is gone (it panicked): hash here from now on.
            Err(back) => {
                log::error!(target: "polytrack", "the hashing thread is gone; hashing on the writer thread");
                self.hasher = None;
                Some(back.0 .1)
            }
        }
    }

    fn start(&mut self) -> Result<Hasher, Error> {
        let (jobs, inbox) = channel::<(u64, ArtifactRef)>();
        let (outbox, done) = channel();
        let places = Arc::clone(&self.places);
        let cancel = Arc::clone(&self.cancel);
        let waker = self.waker.take();
        std::thread::Builder::new()
            .name("polytrack-hasher".into())
            .spawn(move || {
                for (seq, r) in inbox {
                    let resolved = resolve(r, &places, &cancel);
                    if outbox.send((seq, resolved)).is_err() {
                        return;
                    }
                    if let Some(wake) = &waker {
                        wake();
                    }
                }
            })
            .map_err(|e| Error::io("cannot start the hashing thread", e))?;
        Ok(Hasher { jobs, done })
    }

    /// Puts lineage entries in line behind the pending hashes.
    pub(crate) fn behind(&mut self, entries: Vec<Artifact>) {
        self.line.push_back(Slot::Ready(Settled::Lineage(entries)));
    }

    /// Puts a flush reply in line behind the pending hashes.
    pub(crate) fn flush_behind(&mut self, ack: SyncSender<()>) {
        self.line.push_back(Slot::Ready(Settled::Flush(ack)));
    }

    /// What is ready at the front of the line, in order; never waits.
    pub(crate) fn settle(&mut self) -> Vec<Settled> {
        if let Some(hasher) = &self.hasher {
            let finished: Vec<_> = hasher.done.try_iter().collect();
            for (seq, resolved) in finished {
                self.finished(seq, resolved);
            }
        }
        self.take_ready()
    }

    /// Waits until every pending hash is ready, or `deadline`; returns what is ready, in
    /// order. What still waits afterwards is for [`abandon`](Self::abandon).
    pub(crate) fn wait(&mut self, deadline: Instant) -> Vec<Settled> {
        let mut out = self.settle();
        while !self.line.is_empty() {
            let Some(hasher) = &self.hasher else { break };
            let left = deadline.saturating_duration_since(Instant::now());
            match hasher.done.recv_timeout(left) {
                Ok((seq, resolved)) => {
                    self.finished(seq, resolved);
                    out.extend(self.take_ready());
                }
                Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        out
    }

    /// Stops hashing: returns what was in line and ready (to apply anyway: order no longer
    /// matters at the end), and names the references whose hash never came.
    pub(crate) fn abandon(&mut self) -> (Vec<Settled>, Vec<String>) {
        self.cancel.store(true, Ordering::Relaxed);
        let (mut ready, mut unfinished) = (Vec::new(), Vec::new());
        for slot in self.line.drain(..) {
            match slot {
                Slot::Ready(settled) => ready.push(settled),
                Slot::Hashing { what, .. } => unfinished.push(what),
            }
        }
        (ready, unfinished)
    }

    fn finished(&mut self, seq: u64, resolved: Result<Artifact, Error>) {
        let settled = match resolved {
            Ok(artifact) => Settled::Lineage(vec![artifact]),
            Err(e) => Settled::Failed(e),
        };
        if let Some(slot) = self
            .line
            .iter_mut()
            .find(|s| matches!(s, Slot::Hashing { seq: s, .. } if *s == seq))
        {
            *slot = Slot::Ready(settled);
        }
    }

    fn take_ready(&mut self) -> Vec<Settled> {
        let mut out = Vec::new();
        while matches!(self.line.front(), Some(Slot::Ready(_))) {
            if let Some(Slot::Ready(settled)) = self.line.pop_front() {
                out.push(settled);
            }
        }
        out
    }
}

impl Drop for Resolver {
    fn drop(&mut self) {
        // The thread ends after the read it is in; its channel closes with `self`.
        self.cancel.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kind::ArtifactKind;
    use serde_json::{Map, Value};
    use std::time::Duration;

    fn reference(path: PathBuf, name: &str, hash: Option<&str>) -> ArtifactRef {
        let mut summary = Map::new();
        if let Some(h) = hash {
            summary.insert("hash".into(), Value::String(h.into()));
        }
        ArtifactRef {
            path,
            kind: ArtifactKind::File,
            name: name.into(),
            is_input: false,
            summary,
            skip_hash: false,
        }
    }

    fn names(settled: &[Settled]) -> Vec<String> {
        settled
            .iter()
            .map(|s| match s {
                Settled::Lineage(a) => a[0].name.clone(),
                Settled::Failed(e) => format!("failed: {e}"),
                Settled::Flush(_) => "flush".into(),
            })
            .collect()
    }

    #[test]
    fn entries_keep_their_order_behind_a_hash() {
        let dir = std::env::temp_dir().join(format!("polytrack-resolver-{}", crate::new_uuid()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a.bin"), "hello").unwrap();
        let mut resolver = Resolver::new(Places {
            uuid: "0".repeat(32),
            run_dir: dir.clone(),
            context_root: dir.clone(),
        });
        // Nothing pending and no hash to compute: resolved at once.
        assert!(matches!(
            resolver.submit(reference(dir.join("a.bin"), "given", Some("h"))),
            Some(Settled::Lineage(_))
        ));
        assert!(resolver
            .submit(reference(dir.join("a.bin"), "a", None))
            .is_none());
        assert!(!resolver.is_idle());
        // Behind the hash: an entry with a given hash, a plain entry and a flush reply.
        assert!(resolver
            .submit(reference(dir.join("a.bin"), "b", Some("h")))
            .is_none());
        resolver.behind(Vec::new());
        let (ack, acked) = std::sync::mpsc::sync_channel(1);
        resolver.flush_behind(ack);
        let settled = resolver.wait(Instant::now() + Duration::from_secs(30));
        assert_eq!(names(&settled[..2]), ["a", "b"]);
        assert!(matches!(&settled[2], Settled::Lineage(v) if v.is_empty()));
        assert_eq!(names(&settled[3..]), ["flush"]);
        match &settled[0] {
            Settled::Lineage(a) => assert_eq!(a[0].summary["hash"], "5d41402abc4b"),
            _ => unreachable!(),
        }
        assert!(resolver.is_idle());
        drop(settled);
        assert!(
            acked.try_recv().is_err(),
            "the writer replies, not the resolver"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_hash_not_ready_by_the_deadline_is_named() {
        let dir = std::env::temp_dir().join(format!("polytrack-resolver-{}", crate::new_uuid()));
        std::fs::create_dir_all(&dir).unwrap();
        // A sparse GiB: its hash takes far longer than the no time given to it.
        let big = dir.join("big.bin");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(1 << 30).unwrap();
        let mut resolver = Resolver::new(Places {
            uuid: "0".repeat(32),
            run_dir: dir.clone(),
            context_root: dir.clone(),
        });
        assert!(resolver
            .submit(reference(big.clone(), "big", None))
            .is_none());
        resolver.behind(Vec::new());
        // No time at all: nothing is ready, and the entry behind the hash is kept.
        let settled = resolver.wait(Instant::now());
        assert!(settled.is_empty());
        let (ready, unfinished) = resolver.abandon();
        assert_eq!(ready.len(), 1);
        assert_eq!(unfinished.len(), 1);
        assert!(unfinished[0].contains("\"big\""), "{unfinished:?}");
        assert!(unfinished[0].contains("big.bin"), "{unfinished:?}");
        drop(resolver);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

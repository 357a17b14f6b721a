//! Delivery: sends queued updates in order, coalescing consecutive ones, retrying with
//! backoff, and recording every outcome in the spool.

use super::answer::Expect;
use super::archive;
use super::backoff::{Backoff, END_MAX_BACKOFF};
use super::client::Client;
use super::failure::Failure;
use super::op::Op;
use super::request::{quote, Request};
use super::spool::{Spool, Target};
use crate::error::Error;
use crate::lock::lock;
use reqwest::Method;
use serde_json::Value;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Updates one coalesced request may carry.
const MAX_BATCH: usize = 1000;
/// Tries of an update that got an ambiguous answer before it counts as refused.
pub(crate) const AMBIGUOUS_TRIES: u32 = 5;
/// Refusals kept for the end report (all are logged).
const MAX_REPORTED: usize = 16;
/// The streams namespace when the run does not say (what the sandbox and the default agent use).
const DEFAULT_NAMESPACE: &str = "polyaxon";

/// One thing to deliver.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Item {
    /// An update, numbered in the spool.
    Op(u64, Op),
    /// Reads the run (a managed or resumed run at init): is it there, which namespace.
    Probe,
}

impl Item {
    fn seq(&self) -> Option<u64> {
        match self {
            Item::Op(seq, _) => Some(*seq),
            Item::Probe => None,
        }
    }
}

/// What one attempt came to.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Nothing to send.
    Idle,
    /// The head of the queue was delivered.
    Delivered,
    /// The head failed and stays; try again after the delay.
    Retry(Duration, Error),
    /// The head was refused for good and dropped from the queue.
    Rejected(Error),
    /// Nothing more can be delivered for this run.
    Blocked(Error),
}

/// Delivers one run's updates.
pub(crate) struct Deliverer {
    pub client: Client,
    pub target: Target,
    pub run_dir: PathBuf,
    /// The artifacts store's connection name, for uploads.
    pub connection: Option<String>,
    pub spool: Option<Arc<Mutex<Spool>>>,
    pub queue: VecDeque<Item>,
    namespace: Option<String>,
    backoff: Backoff,
    /// Updates up to this number are sent one by one (a coalesced request was refused).
    single_until: u64,
    /// Ambiguous answers the head of the queue got.
    ambiguous_tries: u32,
    upload: Option<(u64, archive::Archive)>,
    pub delivered: usize,
    pub uploaded: Option<(usize, u64)>,
    pub refusals: Vec<String>,
    pub blocked: Option<Error>,
    /// The last failure of any kind, for reports.
    pub last_error: Option<Error>,
    /// Whether a create found the run already there.
    pub existed: bool,
    /// Failures are returned, not logged (a strict init reports them itself).
    pub quiet: bool,
    outage: Option<Instant>,
}

impl Deliverer {
    pub(crate) fn new(
        client: Client,
        target: Target,
        run_dir: PathBuf,
        spool: Option<Arc<Mutex<Spool>>>,
    ) -> Self {
        Deliverer {
            client,
            target,
            run_dir,
            connection: None,
            spool,
            queue: VecDeque::new(),
            namespace: None,
            backoff: Backoff::new(),
            single_until: 0,
            ambiguous_tries: 0,
            upload: None,
            delivered: 0,
            uploaded: None,
            refusals: Vec::new(),
            blocked: None,
            last_error: None,
            existed: false,
            quiet: false,
            outage: None,
        }
    }

    /// Updates waiting, the one in flight included.
    pub(crate) fn pending(&self) -> usize {
        self.queue
            .iter()
            .filter(|i| matches!(i, Item::Op(..)))
            .count()
    }

    /// Where the pending updates are kept, for messages.
    pub(crate) fn spool_path(&self) -> Option<PathBuf> {
        self.spool.as_ref().map(|s| lock(s).path().to_owned())
    }

    /// Sends the head of the queue once (coalesced with what follows it where possible).
    pub(crate) fn attempt(&mut self, deadline: Option<Instant>) -> Outcome {
        if self.blocked.is_some() {
            return Outcome::Idle;
        }
        let Some(head) = self.queue.front().cloned() else {
            return Outcome::Idle;
        };
        let (seqs, result) = match head {
            Item::Probe => (Vec::new(), self.probe(deadline)),
            Item::Op(seq, mut op) => {
                let mut seqs = vec![seq];
                if seq > self.single_until {
                    for item in self.queue.iter().skip(1) {
                        match item {
                            Item::Op(next_seq, next)
                                if seqs.len() < MAX_BATCH && op.absorb(next) =>
                            {
                                seqs.push(*next_seq)
                            }
                            _ => break,
                        }
                    }
                }
                let result = self.send_op(seq, &op, deadline);
                (seqs, result)
            }
        };
        match result {
            Ok(()) => self.delivered_head(&seqs),
            Err(failure) => self.failed_head(&seqs, failure),
        }
    }

    fn delivered_head(&mut self, seqs: &[u64]) -> Outcome {
        let n = seqs.len().max(1);
        self.queue.drain(..n.min(self.queue.len()));
        self.ambiguous_tries = 0;
        if !seqs.is_empty() {
            self.delivered += seqs.len();
            self.mark(|s| s.mark_done(seqs));
        }
        self.backoff.reset();
        if let Some(since) = self.outage.take() {
            log::info!(
                "the Polyaxon API at {} answers again after {:.1?}; delivering {} spooled updates",
                self.client.host(),
                since.elapsed(),
                self.pending()
            );
        }
        Outcome::Delivered
    }

    fn failed_head(&mut self, seqs: &[u64], failure: Failure) -> Outcome {
        self.last_error = Some(clone_error(failure.error()));
        if self.quiet {
            return match failure {
                Failure::Transient {
                    error, retry_after, ..
                } => Outcome::Retry(
                    retry_after
                        .unwrap_or_default()
                        .max(self.backoff.next_delay()),
                    error,
                ),
                Failure::Rejected(error) => Outcome::Rejected(error),
                Failure::Blocked(error) => Outcome::Blocked(error),
            };
        }
        let failure = match failure {
            Failure::Transient {
                error,
                ambiguous: true,
                ..
            } if self.ambiguous_tries + 1 >= AMBIGUOUS_TRIES => Failure::Rejected(error),
            Failure::Transient {
                error,
                retry_after,
                ambiguous: true,
            } => {
                self.ambiguous_tries += 1;
                let delay = retry_after
                    .unwrap_or_default()
                    .max(self.backoff.next_delay());
                log::debug!(
                    "ambiguous answer, try {} of {AMBIGUOUS_TRIES}: {error}",
                    self.ambiguous_tries
                );
                return Outcome::Retry(delay, error);
            }
            other => other,
        };
        match failure {
            Failure::Transient {
                error, retry_after, ..
            } => {
                let delay = retry_after
                    .unwrap_or_default()
                    .max(self.backoff.next_delay());
                if self.outage.is_none() {
                    self.outage = Some(Instant::now());
                    let kept = match self.spool_path() {
                        Some(path) => format!("kept in {}", path.display()),
                        None => "kept in memory".to_owned(),
                    };
                    log::warn!(
                        "{error}; {} updates of run {} are {kept} and retried with backoff",
                        self.pending(),
                        self.target
                    );
                } else {
                    log::debug!("still failing, next try in {delay:?}: {error}");
                }
                Outcome::Retry(delay, error)
            }
            Failure::Rejected(error) if seqs.len() > 1 => {
                // One of the coalesced updates is refused: send them one by one to find it.
                self.single_until = seqs.last().copied().unwrap_or(0);
                self.ambiguous_tries = 0;
                Outcome::Retry(Duration::ZERO, error)
            }
            Failure::Rejected(error) if self.split_head(seqs) => {
                // A lineage post refused whole (too big for the server): its halves are
                // tried instead, down to single entries, so only what is refused on its own
                // is lost, and reported.
                self.ambiguous_tries = 0;
                Outcome::Retry(Duration::ZERO, error)
            }
            Failure::Rejected(error) => {
                self.ambiguous_tries = 0;
                let what = match self.queue.front() {
                    Some(Item::Op(_, op)) => op.describe(),
                    _ => "reading the run".to_owned(),
                };
                log::error!(
                    "the Polyaxon API refused an update of run {} ({what}); it is not \
                     retried: {error}",
                    self.target
                );
                self.queue.pop_front();
                let text = error.to_string();
                if !seqs.is_empty() {
                    self.mark(|s| s.mark_rejected(seqs, &text));
                }
                if self.refusals.len() < MAX_REPORTED {
                    self.refusals
                        .push(format!("{what} refused, not retried: {text}"));
                }
                Outcome::Rejected(error)
            }
            Failure::Blocked(error) => {
                let kept = match self.spool_path() {
                    Some(path) => format!(
                        "{} updates are kept in {}; they are replayed on the next init of this run \
                         or by polytrack::push",
                        self.pending(),
                        path.display()
                    ),
                    None => format!("{} updates were not delivered", self.pending()),
                };
                log::error!(
                    "{error}; nothing more is sent for run {}; {kept}",
                    self.target
                );
                self.blocked = Some(clone_error(&error));
                Outcome::Blocked(error)
            }
        }
    }

    /// Replaces a refused lineage post at the head by its two halves, spooled as updates of
    /// their own; false when the head is not one that can be halved.
    fn split_head(&mut self, seqs: &[u64]) -> bool {
        let (&[seq], Some(Item::Op(_, head))) = (seqs, self.queue.front()) else {
            return false;
        };
        let Some(halves) = head.halves() else {
            return false;
        };
        log::debug!(
            "the server refused {}; trying it in halves",
            head.describe()
        );
        let numbered = match &self.spool {
            Some(spool) => {
                let mut spool = lock(spool);
                let (numbered, written) = spool.append(halves.to_vec());
                let done = written.and_then(|()| spool.mark_done(&[seq]));
                if let Err(e) = done {
                    log::error!("{e}");
                }
                numbered
            }
            None => halves.into_iter().map(|op| (seq, op)).collect(),
        };
        self.queue.pop_front();
        for (seq, op) in numbered.into_iter().rev() {
            self.queue.push_front(Item::Op(seq, op));
        }
        // The halves are sent alone, not coalesced back into what was refused.
        self.single_until = self
            .single_until
            .max(self.queue.iter().filter_map(Item::seq).max().unwrap_or(0));
        true
    }

    fn mark(&self, f: impl FnOnce(&mut Spool) -> Result<(), Error>) {
        if let Some(spool) = &self.spool {
            if let Err(e) = f(&mut lock(spool)) {
                log::error!("{e}");
            }
        }
    }

    fn probe(&mut self, deadline: Option<Instant>) -> Result<(), Failure> {
        let body = self.client.send(&self.get_run(), deadline)?;
        self.read_namespace(&body);
        log::debug!("run {} found on {}", self.target, self.client.host());
        Ok(())
    }

    /// The `GET` of the run, whose answer must be this run.
    fn get_run(&self) -> Request {
        Request::get(
            self.target.run_path(),
            Expect::Run(self.target.uuid.clone()),
        )
    }

    fn read_namespace(&mut self, body: &[u8]) {
        let run: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        if let Some(ns) = run.pointer("/settings/namespace").and_then(Value::as_str) {
            self.namespace = Some(ns.to_owned());
        }
    }

    /// What a request on the run answers: the run itself.
    fn run_answer(&self) -> Expect {
        Expect::Run(self.target.uuid.clone())
    }

    fn send_op(&mut self, seq: u64, op: &Op, deadline: Option<Instant>) -> Result<(), Failure> {
        let run = self.target.run_path();
        match op {
            Op::Create { run: body } => {
                let path = format!(
                    "/api/v1/{}/{}/runs/sync",
                    quote(&self.target.owner),
                    quote(&self.target.project)
                );
                let req = json_request(Method::POST, path, body, self.run_answer())?;
                match self.client.send(&req, deadline) {
                    Ok(_) => Ok(()),
                    // A duplicate uuid is a 400: an earlier try got through but its answer was
                    // lost. The run is there, which is all this update wants.
                    Err(Failure::Rejected(error)) => {
                        match self.client.send(&self.get_run(), deadline) {
                            Ok(body) => {
                                self.read_namespace(&body);
                                self.existed = true;
                                Ok(())
                            }
                            // Refused and not there: nothing else of this run can succeed.
                            Err(_) => Err(Failure::Blocked(error)),
                        }
                    }
                    Err(other) => Err(other),
                }
            }
            Op::Patch { body } => {
                let req = json_request(Method::PATCH, run, body, self.run_answer())?;
                self.client.send(&req, deadline).map(drop)
            }
            Op::Lineage { artifacts } => {
                let body = serde_json::json!({ "artifacts": artifacts });
                let req = json_request(
                    Method::POST,
                    format!("{run}/lineage/artifacts"),
                    &body,
                    Expect::Nothing,
                )?;
                self.client.send(&req, deadline).map(drop)
            }
            Op::Status { condition } => {
                let body = serde_json::json!({ "condition": condition });
                let req = json_request(
                    Method::POST,
                    format!("{run}/statuses"),
                    &body,
                    Expect::Object,
                )?;
                self.client.send(&req, deadline).map(drop)
            }
            Op::Upload => self.upload(seq, deadline),
        }
    }

    fn upload(&mut self, seq: u64, deadline: Option<Instant>) -> Result<(), Failure> {
        if self.namespace.is_none() {
            let body = self.client.send(&self.get_run(), deadline)?;
            self.read_namespace(&body);
        }
        if self.upload.as_ref().map(|(s, _)| *s) != Some(seq) {
            self.upload = None;
            match archive::pack(&self.run_dir) {
                Ok(Some(archive)) => self.upload = Some((seq, archive)),
                Ok(None) => return Ok(()),
                Err(e) => return Err(Failure::Rejected(e)),
            }
        }
        let Some((_, archive)) = &self.upload else {
            return Ok(());
        };
        let namespace = self.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE);
        let path = format!(
            "/streams/v1/{}/{}/{}/runs/{}/artifacts",
            quote(namespace),
            quote(&self.target.owner),
            quote(&self.target.project),
            quote(&self.target.uuid)
        );
        let req = archive::upload_request(path, archive, self.connection.as_deref());
        self.client.send(&req, deadline)?;
        self.uploaded = Some((archive.files, archive.bytes.len() as u64));
        self.upload = None;
        Ok(())
    }

    /// Delivers until the queue is empty, nothing more can be delivered, or `deadline`,
    /// sleeping between retries (for push, on its own thread).
    pub(crate) fn drain(&mut self, deadline: Instant) {
        loop {
            match self.attempt(Some(deadline)) {
                Outcome::Idle | Outcome::Blocked(_) => return,
                Outcome::Delivered | Outcome::Rejected(_) => {}
                Outcome::Retry(delay, _) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return;
                    }
                    std::thread::sleep(delay.min(END_MAX_BACKOFF).min(deadline - now));
                }
            }
            if Instant::now() >= deadline {
                return;
            }
        }
    }
}

/// Errors are not `Clone` (they may hold an I/O error); this keeps what a report needs.
pub(crate) fn clone_error(e: &Error) -> Error {
    match e {
        Error::Api {
            request,
            status,
            body,
        } => Error::Api {
            request: request.clone(),
            status: *status,
            body: body.clone(),
        },
        Error::Unreachable { request, reason } => Error::Unreachable {
            request: request.clone(),
            reason: reason.clone(),
        },
        Error::NotPolyaxon {
            request,
            status,
            expected,
            body,
        } => Error::NotPolyaxon {
            request: request.clone(),
            status: *status,
            expected: expected.clone(),
            body: body.clone(),
        },
        other => Error::Unreachable {
            request: "Polyaxon API".to_owned(),
            reason: other.to_string(),
        },
    }
}

fn json_request<T: serde::Serialize + ?Sized>(
    method: Method,
    path: String,
    body: &T,
    expect: Expect,
) -> Result<Request, Failure> {
    Request::json(method, path, body, expect).map_err(Failure::Rejected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_sets_the_next_try() {
        let api = crate::config::Settings::new()
            .project("default/demo")
            .env([("HOME", "/nonexistent"), ("POLYAXON_NO_CONFIG", "true")])
            .resolve()
            .unwrap()
            .api;
        let target = Target {
            owner: "default".into(),
            project: "demo".into(),
            uuid: "0123456789abcdef0123456789abcdef".into(),
        };
        let client = Client::new(&api).unwrap();
        let mut d = Deliverer::new(client, target, std::env::temp_dir(), None);
        d.queue.push_back(Item::Op(1, Op::Upload));
        let busy = |retry_after| Failure::Transient {
            error: Error::Unreachable {
                request: "POST /x".into(),
                reason: "HTTP 503".into(),
            },
            retry_after,
            ambiguous: false,
        };
        let delay = |outcome| match outcome {
            Outcome::Retry(delay, _) => delay,
            other => panic!("{other:?}"),
        };
        // The server's wait wins over a shorter backoff, and the update stays queued.
        let asked = Duration::from_secs(7);
        assert_eq!(delay(d.failed_head(&[1], busy(Some(asked)))), asked);
        assert_eq!(d.pending(), 1);
        assert!(delay(d.failed_head(&[1], busy(None))) < asked);
    }
}

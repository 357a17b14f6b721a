//! The writer thread's loop, and how callers reach it: a data channel and a control channel,
//! as opentelemetry-rust's `BatchSpanProcessor` has, and each logging thread's ring of metric
//! values (`run/rings.rs`).
//!
//! - **Data** (`Msg`: updates, rich events, flush requests, the rings' reading ends, ...) goes
//!   on a bounded channel the writer never blocks on, so a logging call is one `try_send` and
//!   never a futex wake-up. Metric values go on the calling thread's ring, read whenever the
//!   data channel is (after it, and before a flush or a snapshot is answered).
//! - **Control** (`Control`: the end request, resource samples, and a wake-up from a caller
//!   that found the data queue full) goes on an unbounded channel the writer sleeps on with
//!   `recv_timeout`. `end` is never refused for want of room and never waits for it.
//!
//! The writer wakes when a control message arrives, or when its timer expires: the periodic
//! flush (every [`FLUSH_INTERVAL`] while something changed), or the next look at the data
//! queue, paced by how fast it fills ([`next_nap`]): at most [`IDLE_NAP`] apart, so an idle
//! run wakes its writer 5 times a second and a trickle of events reaches the files within
//! about that. The thread is joined when the run ends.
//!
//! A caller that finds its ring full first retries for up to a millisecond, yielding its core
//! between tries (`run/shared.rs`): a caller logging faster than the writer writes keeps pace
//! with it that way, and the writer makes no wake-up calls. Past that (a stalled writer), and
//! at once for the data queue (many producers, whose retries would take the writer's core),
//! it waits in [`Room`] (up to the run's queue timeout) until the writer has taken a quarter
//! of the queue, or three quarters of a ring, then sends again: it sleeps once per quarter of
//! the queue (three quarters of a ring), not once per event, and leaves the writer's core to
//! the writer.

use super::{EndRequest, Msg, Worker};
use crate::error::Error;
use crate::kind::Status;
use crate::lock::lock;
use crate::resources::Sample;
use crate::sink::Update;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often buffered rows are pushed out while events keep arriving.
pub(crate) const FLUSH_INTERVAL: Duration = Duration::from_millis(100);
/// The longest the writer sleeps: how late it notices events that do not fill the queue.
pub(crate) const IDLE_NAP: Duration = Duration::from_millis(200);
/// The shortest nap while events arrive without filling the queue.
const MIN_NAP: Duration = Duration::from_micros(50);

/// What reaches the writer out of band.
pub(crate) enum Control {
    /// A caller found the data queue full: drain it now.
    Wake,
    /// A resource sample from the sampler's thread.
    Resources(Box<Sample>),
    /// The hashing thread has a reference ready (`crate::lineage::Resolver`).
    Hashed,
    /// End the run: drain the data queue, finish, reply, and stop.
    End(Box<EndRequest>),
}

/// The callers' side of a running writer.
pub(crate) struct WorkerHandle {
    control: Sender<Control>,
    /// Set while a [`Control::Wake`] is on its way, so full-queue callers send one, not many.
    wake_pending: Arc<AtomicBool>,
    /// Where callers wait for room in a full data queue.
    room: Arc<Room>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

/// Where callers that found the data queue full wait until the writer has made room.
///
/// The writer looks at [`Room::waiting`] every quarter of the queue it takes and whenever it
/// has emptied the queue (for a ring: once a quarter of it is left, and at the end of each
/// drain), and wakes the waiting callers then; a caller rechecks the queue
/// after saying it waits and before it sleeps, and sleeps in slices of at most
/// [`ROOM_SLICE`], so a wake-up missed by a race costs at most one slice.
pub(crate) struct Room {
    /// A quarter of the data queue's capacity (at least 1).
    quarter: usize,
    waiting: AtomicBool,
    /// Bumped at every wake-up, so a waiting caller knows it was woken.
    woken: Mutex<u64>,
    freed: Condvar,
}

/// The longest a caller sleeps in [`Room::wait`] before it looks at the queue again.
const ROOM_SLICE: Duration = Duration::from_millis(5);

impl Room {
    fn new(capacity: usize) -> Room {
        Room {
            quarter: (capacity / 4).max(1),
            waiting: AtomicBool::new(false),
            woken: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    /// Waits until the writer has made room (or `ROOM_SLICE`, or `until`, has passed); `full`
    /// tries the send once more after the writer was told, and says whether the queue is
    /// still full.
    pub(crate) fn wait(&self, until: Instant, mut full: impl FnMut() -> bool) {
        let woken = lock(&self.woken);
        let seen = *woken;
        self.waiting.store(true, Ordering::SeqCst);
        if !full() {
            return;
        }
        let slice = until
            .saturating_duration_since(Instant::now())
            .min(ROOM_SLICE);
        // Poisoning cannot leave the counter inconsistent: the result is only waited on.
        let _ = self.freed.wait_timeout_while(woken, slice, |w| *w == seen);
    }

    /// The writer took messages: wakes the callers waiting for room, if any.
    #[inline]
    fn made_room(&self) {
        if self.waiting.load(Ordering::SeqCst) {
            self.wake_all();
        }
    }

    #[cold]
    fn wake_all(&self) {
        let mut woken = lock(&self.woken);
        *woken = woken.wrapping_add(1);
        self.waiting.store(false, Ordering::SeqCst);
        self.freed.notify_all();
    }
}

impl WorkerHandle {
    /// Starts the writer thread: it applies `initial`, then serves `data` (a channel of
    /// `capacity` messages) until the run ends.
    pub(crate) fn spawn(
        mut worker: Worker,
        data: Receiver<Msg>,
        capacity: usize,
        initial: Vec<Update>,
    ) -> Result<WorkerHandle, Error> {
        let (control, control_rx) = channel();
        let wake_pending = Arc::new(AtomicBool::new(false));
        let hashed = control.clone();
        worker.resolver.set_waker(Box::new(move || {
            let _ = hashed.send(Control::Hashed);
        }));
        let room = Arc::new(Room::new(capacity));
        let queue = Queue {
            data,
            control: control_rx,
            wake_pending: wake_pending.clone(),
            room: room.clone(),
            capacity,
        };
        let thread = std::thread::Builder::new()
            .name("polytrack-writer".into())
            .spawn(move || run(worker, queue, initial))
            .map_err(|e| Error::io("cannot start the writer thread", e))?;
        Ok(WorkerHandle {
            control,
            wake_pending,
            room,
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Waits (at most until `until`) for the writer to make room in the full data queue;
    /// `full` retries the send and says whether the queue is still full.
    pub(crate) fn wait_for_room(&self, until: Instant, full: impl FnMut() -> bool) {
        self.wake();
        self.room.wait(until, full);
    }

    /// Wakes the writer to drain its data queue (a caller found it full, or waits for a
    /// reply to a request it queued).
    pub(crate) fn wake(&self) {
        if !self.wake_pending.swap(true, Ordering::AcqRel) {
            let _ = self.control.send(Control::Wake);
        }
    }

    /// Asks the writer to end the run; never waits.
    pub(crate) fn end(&self, request: EndRequest) -> Result<(), Error> {
        self.control
            .send(Control::End(Box::new(request)))
            .map_err(|_| Error::WriterGone)
    }

    /// Where the resource sampler hands its samples.
    pub(crate) fn samples(&self) -> impl FnMut(Sample) + Send + 'static {
        let control = self.control.clone();
        move |sample| {
            // Fails only once the writer is gone, when there is nothing left to record.
            let _ = control.send(Control::Resources(Box::new(sample)));
        }
    }

    /// Joins the writer thread once it has replied to the end request (it returns right
    /// after replying).
    pub(crate) fn join(&self) {
        if let Some(thread) = lock(&self.thread).take() {
            if thread.join().is_err() {
                log::error!(target: "polytrack", "the writer thread panicked");
            }
        }
    }
}

/// How the data queue looked after a drain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Drained {
    /// Empty.
    Empty,
    /// Still holding messages after `limit` were taken: events arrive as fast as they are
    /// written.
    Busy,
    /// Every sender is gone.
    Gone,
}

/// The writer's side of its channels.
struct Queue {
    data: Receiver<Msg>,
    control: Receiver<Control>,
    wake_pending: Arc<AtomicBool>,
    room: Arc<Room>,
    /// The data queue's capacity, in messages.
    capacity: usize,
}

/// The writer thread.
fn run(mut worker: Worker, queue: Queue, initial: Vec<Update>) {
    let Queue {
        ref data,
        ref control,
        ref wake_pending,
        ref room,
        capacity,
    } = queue;
    for update in initial {
        worker.apply(update);
    }
    worker.flush();
    // A training loop most often starts logging right after the run starts: the first look
    // at the queue comes soon, and paces the next ones by what it found (an idle run is back
    // to the longest nap after it). Waiting the longest nap first left the queue to fill up
    // (about 11 ms at full speed) before a caller woke the writer.
    let mut nap = MIN_NAP;
    let mut dirty = false;
    loop {
        let timeout = if dirty {
            nap.min(FLUSH_INTERVAL.saturating_sub(worker.last_flush.elapsed()))
        } else {
            nap
        };
        let slept_from = Instant::now();
        let signal = if timeout.is_zero() {
            match control.try_recv() {
                Ok(signal) => Some(signal),
                Err(TryRecvError::Empty) => None,
                Err(TryRecvError::Disconnected) => return abandon(worker, data, room),
            }
        } else {
            match control.recv_timeout(timeout) {
                Ok(signal) => Some(signal),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => return abandon(worker, data, room),
            }
        };
        wake_pending.store(false, Ordering::Release);
        let (taken, state) = drain(&mut worker, data, room, capacity);
        dirty |= taken > 0;
        match signal {
            Some(Control::End(request)) => return finish(worker, *request, data, room, capacity),
            Some(Control::Resources(sample)) => {
                worker.resources(&sample);
                dirty = true;
            }
            Some(Control::Hashed) | Some(Control::Wake) | None => {}
        }
        if !worker.resolver.is_idle() {
            dirty |= worker.settle_lineage();
        }
        if state == Drained::Gone {
            return abandon(worker, data, room);
        }
        if dirty && worker.last_flush.elapsed() >= FLUSH_INTERVAL {
            worker.flush();
            dirty = false;
        }
        nap = next_nap(
            taken,
            slept_from.elapsed(),
            state == Drained::Busy,
            capacity,
        );
    }
}

/// Hands the queued messages, then the values on the callers' rings, to the worker, at most
/// `limit` of each (so a caller that never stops logging cannot keep the writer from its
/// flushes and control messages), waking callers waiting for room every quarter of the queue
/// or of a ring, and when it is empty.
fn drain(worker: &mut Worker, data: &Receiver<Msg>, room: &Room, limit: usize) -> (usize, Drained) {
    let mut taken = 0;
    let mut until_room = room.quarter;
    let state = loop {
        if taken >= limit {
            break Drained::Busy;
        }
        match data.try_recv() {
            Ok(msg) => {
                // A flush or a snapshot answers for everything logged before it, and a value
                // on the queue comes after every value logged before it: the values its
                // thread put on a ring are written first.
                if matches!(
                    msg,
                    Msg::Metric(_) | Msg::Metrics(_) | Msg::Flush(_) | Msg::Snapshot(_)
                ) && !worker.rings.is_empty()
                {
                    drain_rings(worker, room, usize::MAX);
                }
                worker.handle(msg);
                taken += 1;
                until_room -= 1;
                if until_room == 0 {
                    room.made_room();
                    until_room = room.quarter;
                }
            }
            Err(TryRecvError::Empty) => break Drained::Empty,
            Err(TryRecvError::Disconnected) => break Drained::Gone,
        }
    };
    room.made_room();
    let (from_rings, rings_left) = drain_rings(worker, room, limit);
    worker.dispatch_metrics();
    let state = match state {
        Drained::Empty if rings_left => Drained::Busy,
        state => state,
    };
    (taken + from_rings, state)
}

/// Takes the values on the callers' rings when it is called, at most `limit` (values logged
/// meanwhile wait for the next drain: a caller logging faster than the writer writes cannot
/// keep it here); drops the rings of threads that are gone once they are empty. Returns how
/// many were taken and whether values are left.
///
/// The values come off a ring [`TAKE_SLOTS`] at a time: copied out, committed (the caller can
/// write there again at once), then dated, kept and batched from the copy.
///
/// A caller waiting for room in a full ring is woken once three quarters of it are free (and
/// at the end of the drain), not after every piece: it then refills the ring in one go while
/// the writer works through the last quarter. Waking it after every 4,096 values cost a futex
/// wake, and its cross-core interrupt, each time.
fn drain_rings(worker: &mut Worker, room: &Room, limit: usize) -> (usize, bool) {
    if worker.rings.is_empty() {
        return (0, false);
    }
    let mut rings = std::mem::take(&mut worker.rings);
    let (mut taken, mut left) = (0, false);
    for reader in &mut rings {
        let quarter = (reader.buffer().capacity() / 4).max(1);
        let mut todo = reader.slots().min(limit - taken);
        while todo > 0 {
            let n = todo.min(TAKE_SLOTS);
            if let Ok(chunk) = reader.read_chunk(n) {
                // The copy is the worker's buffer, taken out while the worker writes.
                let mut copy = std::mem::take(&mut worker.taken);
                let (first, second) = chunk.as_slices();
                copy.clear();
                copy.extend_from_slice(first);
                copy.extend_from_slice(second);
                chunk.commit_all();
                for slot in &copy {
                    worker.slot(*slot);
                }
                worker.taken = copy;
            }
            (taken, todo) = (taken + n, todo - n);
            if reader.slots() <= quarter {
                room.made_room();
            }
        }
        left |= !reader.is_empty();
    }
    room.made_room();
    rings.retain(|reader| {
        if !reader.is_abandoned() {
            return true;
        }
        // The thread dropped its end: its last values are visible once this is seen.
        std::sync::atomic::fence(Ordering::Acquire);
        !reader.is_empty()
    });
    worker.rings = rings;
    (taken, left)
}

/// Values taken off a ring at a time (16 KiB, inside the L1 cache). Copied out in one go, the
/// ring's cache lines (written on the caller's core) come over as one sequential read, and
/// the values are dated and batched from the copy; taken and handled one by one off the
/// ring, in chunks of 4,096, the writer spent 5-15 % more CPU a row (1M values over 100
/// names, medians of 7 alternating runs: 104.6 against 109.2 and 111.8 ns a row).
pub(super) const TAKE_SLOTS: usize = 512;

/// How long to sleep before looking at the data queue again, after taking `taken` messages
/// that arrived over `slept`: about the time the queue takes to fill half-way at that rate,
/// between [`MIN_NAP`] and [`IDLE_NAP`]; no sleep at all when the last drain left messages.
fn next_nap(taken: usize, slept: Duration, busy: bool, capacity: usize) -> Duration {
    if busy {
        return Duration::ZERO;
    }
    if taken == 0 {
        return IDLE_NAP;
    }
    let per_second = taken as f64 / slept.as_secs_f64().max(1e-6);
    let half_full = (capacity as f64 / 2.0) / per_second;
    Duration::from_secs_f64(half_full.min(IDLE_NAP.as_secs_f64())).clamp(MIN_NAP, IDLE_NAP)
}

/// Ends the run on request: everything queued before it is written first.
fn finish(
    mut worker: Worker,
    request: EndRequest,
    data: &Receiver<Msg>,
    room: &Room,
    capacity: usize,
) {
    // `end` marked the run ended before asking, so only calls racing it still add messages:
    // twice the capacity is everything sent before the request, and more.
    let _ = drain(&mut worker, data, room, capacity.saturating_mul(2));
    // Every value on the rings was logged before the request or raced it by one call per
    // thread: all are written.
    let _ = drain_rings(&mut worker, room, usize::MAX);
    let mut report = worker.finish(
        request.status,
        request.reason,
        request.message,
        request.explicit,
        request.deadline,
    );
    // Calls that raced `end()` (accepted just after the end request) cannot be recorded any
    // more: say so rather than drop them silently.
    let late = data
        .try_iter()
        .map(|msg| match msg {
            Msg::Metrics(batch) => 1 + batch.more().count(),
            _ => 1,
        })
        .sum::<usize>()
        + worker
            .rings
            .iter()
            .map(|reader| reader.slots())
            .sum::<usize>();
    if late > 0 {
        log::warn!(
            target: "polytrack",
            "{late} event(s) logged while the run was ending were not recorded"
        );
        report.undelivered.push(format!(
            "{late} event(s) logged while the run was ending were not recorded"
        ));
    }
    // The sinks go before the reply, so that `end` returns with everything closed.
    drop(worker);
    if request.reply.send(report).is_err() {
        log::warn!(target: "polytrack", "the run ended after end() stopped waiting");
    }
}

/// Every handle is gone without an explicit end (a leaked guard): end as succeeded.
fn abandon(mut worker: Worker, data: &Receiver<Msg>, room: &Room) {
    let _ = drain(&mut worker, data, room, usize::MAX);
    worker.finish(
        Status::Succeeded,
        None,
        None,
        false,
        Instant::now() + Duration::from_secs(10),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::{sync_channel, TrySendError};

    /// A caller that finds the queue full says it waits, sleeps, and gets its message in
    /// once the writer has taken some; the writer wakes waiting callers only.
    #[test]
    fn a_caller_waits_for_room_and_the_writer_wakes_it() {
        let (tx, rx) = sync_channel::<u32>(8);
        for i in 0..8 {
            tx.try_send(i).unwrap();
        }
        let room = Arc::new(Room::new(8));
        assert_eq!(room.quarter, 2);
        // Nobody waits: the writer's call changes nothing.
        room.made_room();
        assert_eq!(*lock(&room.woken), 0);
        let caller_room = room.clone();
        let caller = std::thread::spawn(move || {
            let until = Instant::now() + Duration::from_secs(60);
            let mut pending = Some(100);
            let mut retries = 0;
            while pending.is_some() && Instant::now() < until {
                caller_room.wait(until, || {
                    retries += 1;
                    match tx.try_send(pending.take().unwrap_or(0)) {
                        Ok(()) => false,
                        Err(TrySendError::Full(m)) | Err(TrySendError::Disconnected(m)) => {
                            pending = Some(m);
                            true
                        }
                    }
                });
            }
            (pending, retries)
        });
        while !room.waiting.load(Ordering::SeqCst) {
            std::thread::yield_now();
        }
        // The writer takes a quarter of the queue and says so.
        for expected in 0..2 {
            assert_eq!(rx.recv().unwrap(), expected);
        }
        room.made_room();
        assert!(*lock(&room.woken) >= 1);
        let (pending, retries) = caller.join().unwrap();
        assert_eq!(pending, None, "the caller's message never got in");
        assert!(retries >= 1);
        let got: Vec<u32> = rx.try_iter().collect();
        assert_eq!(got, [2, 3, 4, 5, 6, 7, 100]);
        assert!(!room.waiting.load(Ordering::SeqCst) || *lock(&room.woken) >= 1);
    }

    #[test]
    fn naps_follow_the_rate_at_which_the_queue_fills() {
        // Idle, and a trickle: the longest nap.
        assert_eq!(next_nap(0, IDLE_NAP, false, 65_536), IDLE_NAP);
        assert_eq!(next_nap(3, IDLE_NAP, false, 65_536), IDLE_NAP);
        // 1M events/s into 65,536 slots: half-full in ~33 ms.
        let nap = next_nap(10_000, Duration::from_millis(10), false, 65_536);
        assert!(
            nap > Duration::from_millis(30) && nap < Duration::from_millis(35),
            "{nap:?}"
        );
        // Faster than that fills a small queue in no time: the shortest nap.
        assert_eq!(
            next_nap(1000, Duration::from_micros(10), false, 1024),
            MIN_NAP
        );
        // Messages left behind: no nap at all.
        assert_eq!(
            next_nap(1024, Duration::from_millis(1), true, 1024),
            Duration::ZERO
        );
    }
}

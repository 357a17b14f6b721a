//! Each thread's metric rings: one single-producer ring of [`MetricSlot`]s per run the thread
//! logs metric values to, read by that run's writer.
//!
//! A value is one 32-byte store and one release store of the ring's tail: no locked
//! instruction, no shared counter, so callers on several threads never contend, and the writer
//! reads each ring's values in chunks, with one acquire load per chunk (a bounded channel
//! shared by every caller costs the writer a compare-and-swap, and a cache miss it cannot
//! overlap with the next, per message). The ring is rtrb's (used by audio and real-time
//! code), whose unsafe code stays inside it.
//!
//! A thread's first value to a run makes its ring and hands the reading end to the writer on
//! the run's data queue. The writer drains every ring when it drains the queue, and before it
//! answers a flush or a snapshot, so a flush still returns once everything the flushing thread
//! logged before it is written. A thread that exits drops its end; the writer takes what is
//! left and drops the ring. A run that ends drops its ends, and a thread's next new ring
//! replaces the abandoned ones.
//!
//! Rings keep each thread's values in order, not the order between threads. So only the
//! first thread that logs metric values to a run gets a ring to it. Once a value of the run
//! takes the run's shared data queue instead (in call order, a message per `log_metric` and
//! per four values of `log_metrics`, as before rings), every later value of the run does
//! too, from every thread: when a
//! second thread logs to the run (an async task resumed on another worker thread, say), when
//! a logging call is re-entered from inside another or made while the thread's locals are
//! being destroyed, or when a thread logs to more than [`RINGS_PER_THREAD`] live runs. The
//! writer drains the rings before each value it takes off the queue, so a value on the queue
//! is written after every value its caller logged before it, wherever those went. A run
//! logged from one thread (a training loop) thus costs the writer a ring; a run logged from
//! several costs what it did before.

use crate::metric_slot::MetricSlot;
use rtrb::{Consumer, Producer, RingBuffer};
use std::sync::atomic::{AtomicU64, Ordering};

/// The most values one thread's ring to a run holds: 512 KiB. Capped by the run's queue
/// capacity, so that a small queue also bounds each thread's values in flight.
pub(crate) const RING_CAPACITY: usize = 16_384;

/// The most runs a thread keeps rings to at once; values to more go on the runs' queues.
pub(crate) const RINGS_PER_THREAD: usize = 4;

/// The reading end of a thread's ring, for the writer.
pub(crate) type RingReader = Consumer<MetricSlot>;

/// A thread's rings, the run it logged to last first.
pub(crate) struct Rings {
    /// Whether rings may be made (not for a call without the thread's locals).
    enabled: bool,
    /// This thread's number among those that made rings (0 until it makes one).
    thread: u64,
    list: Vec<(u64, Producer<MetricSlot>)>,
}

/// The last number given to a thread's [`Rings`].
static THREADS: AtomicU64 = AtomicU64::new(0);

impl Rings {
    /// The rings of a thread (none yet).
    pub(crate) const fn new() -> Rings {
        Rings {
            enabled: true,
            thread: 0,
            list: Vec::new(),
        }
    }

    /// No rings: every value takes the run's queue (a call without the thread's locals).
    pub(crate) const fn off() -> Rings {
        Rings {
            enabled: false,
            thread: 0,
            list: Vec::new(),
        }
    }

    /// This thread's number (never 0), the same for all its rings.
    pub(crate) fn thread(&mut self) -> u64 {
        if self.thread == 0 {
            self.thread = THREADS.fetch_add(1, Ordering::Relaxed) + 1;
        }
        self.thread
    }

    /// The ring to run `run` when it is the one this thread logged to last and its writer
    /// still reads it: the hot path, a compare and a load.
    #[inline(always)]
    pub(crate) fn front(&mut self, run: u64) -> Option<&mut Producer<MetricSlot>> {
        match self.list.first_mut() {
            Some((r, ring)) if *r == run && !ring.is_abandoned() => Some(ring),
            _ => None,
        }
    }

    /// The ring to run `run`, made the front one, if this thread has one.
    pub(crate) fn find(&mut self, run: u64) -> Option<&mut Producer<MetricSlot>> {
        let at = self.list.iter().position(|(r, _)| *r == run)?;
        self.list[..=at].rotate_right(1);
        self.list.first_mut().map(|(_, ring)| ring)
    }

    /// Whether a new ring may be made: rings are on and, once the rings of ended runs are
    /// dropped, fewer than [`RINGS_PER_THREAD`] are left.
    pub(crate) fn has_room(&mut self) -> bool {
        if !self.enabled {
            return false;
        }
        self.list.retain(|(_, ring)| !ring.is_abandoned());
        self.list.len() < RINGS_PER_THREAD
    }

    /// A new ring of `capacity` values to run `run`, in front: its writing end, and the
    /// reading end to hand to the writer.
    pub(crate) fn make(
        &mut self,
        run: u64,
        capacity: usize,
    ) -> (&mut Producer<MetricSlot>, RingReader) {
        let (producer, consumer) = RingBuffer::new(capacity.max(1));
        self.list.insert(0, (run, producer));
        (&mut self.list[0].1, consumer)
    }

    /// Drops this thread's ring to run `run`, if any: the writer still takes what is on it.
    pub(crate) fn forget(&mut self, run: u64) {
        self.list.retain(|(r, _)| *r != run);
    }

    /// Drops the front ring (its reading end never reached the writer).
    pub(crate) fn drop_front(&mut self) {
        if !self.list.is_empty() {
            self.list.remove(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_run_in_front_and_drops_abandoned_rings() {
        let mut rings = Rings::new();
        assert!(rings.front(1).is_none());
        assert!(rings.has_room());
        let (_, reader1) = rings.make(1, 4);
        assert!(rings.front(1).is_some());
        let (_, reader2) = rings.make(2, 4);
        assert!(rings.front(1).is_none());
        assert!(rings.front(2).is_some());
        assert!(rings.find(1).is_some());
        assert!(rings.front(1).is_some());
        assert!(rings.find(3).is_none());
        // Full of live rings: no room for a fifth.
        let (_, reader3) = rings.make(3, 4);
        let (_, reader4) = rings.make(4, 4);
        assert!(!rings.has_room());
        // The writer of run 2 is gone: its ring is no more the front one, and makes room.
        drop(reader2);
        assert!(rings.find(2).is_some());
        assert!(rings.front(2).is_none());
        assert!(rings.has_room());
        assert!(rings.find(2).is_none());
        drop((reader1, reader3, reader4));
        assert!(!Rings::off().has_room());
        // Threads get numbers of their own, kept.
        let first = rings.thread();
        assert!(first > 0);
        assert_eq!(rings.thread(), first);
        assert_ne!(Rings::new().thread(), first);
    }

    #[test]
    fn a_ring_refuses_values_beyond_its_capacity() {
        let mut rings = Rings::new();
        let (ring, mut reader) = rings.make(7, 2);
        let slot = MetricSlot::stamp(Some(1), None, &crate::clock::TickClock::new());
        assert!(ring.push(slot.with(0, 1.0)).is_ok());
        assert!(ring.push(slot.with(0, 2.0)).is_ok());
        assert!(ring.push(slot.with(0, 3.0)).is_err());
        assert_eq!(reader.pop().map(|s| s.value()), Ok(1.0));
        assert!(rings.front(7).unwrap().push(slot.with(0, 3.0)).is_ok());
    }
}

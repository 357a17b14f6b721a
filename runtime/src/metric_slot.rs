//! One metric value on its way to the writer: [`MetricSlot`], 32 bytes of plain data (no
//! allocation, no reference count), so that a ring of them moves half a cache line per value
//! from the caller's core to the writer's.
//!
//! Its instant is the caller's [`Ticks`] (given a date on the writer's thread, see
//! [`crate::clock`]), or the timestamp the caller gave, floored to the microsecond.
//! `log_metrics` stamps one slot (one clock read) and copies it for each of its values.
//!
//! Packing `log_metrics`' values two to a slot behind one stamped slot (10 values in 6 slots,
//! not 10) was tried: it made `log_metrics` of 10 slower (80-94 ns against 71-78), the
//! packing costing more than the stores it saved.

use crate::clock::{TickClock, Ticks, WallClock};
use crate::timestamp::Timestamp;
use std::time::SystemTime;

/// One metric value, its step and its instant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct MetricSlot {
    /// Ticks of the callers' clock when [`TICKED`], else microseconds since the Unix epoch.
    at: i64,
    /// The step, when [`HAS_STEP`].
    step: i64,
    value: f64,
    /// The metric's id (see the run's name table).
    id: u32,
    flags: u8,
}

/// [`MetricSlot::flags`]: the slot has a step.
const HAS_STEP: u8 = 1;
/// [`MetricSlot::flags`]: `at` is ticks, not microseconds.
const TICKED: u8 = 2;

impl MetricSlot {
    /// A slot of no value yet, at `step`, timestamped `timestamp` (now when `None`: `clock`
    /// is read here, on the caller's thread); [`MetricSlot::with`] gives it its value.
    #[inline(always)]
    pub(crate) fn stamp(
        step: Option<i64>,
        timestamp: Option<SystemTime>,
        clock: &TickClock,
    ) -> Self {
        let (at, ticked) = match timestamp {
            None => (clock.now().0 as i64, TICKED),
            Some(t) => (Timestamp::from_system_time(t).as_micros(), 0),
        };
        MetricSlot {
            at,
            step: step.unwrap_or(0),
            value: 0.0,
            id: 0,
            flags: ticked | if step.is_some() { HAS_STEP } else { 0 },
        }
    }

    /// This slot's step and instant, with metric `id`'s `value`.
    #[inline(always)]
    pub(crate) fn with(self, id: u32, value: f64) -> Self {
        MetricSlot { id, value, ..self }
    }

    pub(crate) fn id(&self) -> u32 {
        self.id
    }

    pub(crate) fn value(&self) -> f64 {
        self.value
    }

    pub(crate) fn step(&self) -> Option<i64> {
        (self.flags & HAS_STEP != 0).then_some(self.step)
    }

    /// The value's instant (`wall` dates the callers' ticks).
    #[inline(always)]
    pub(crate) fn timestamp(&self, wall: &mut WallClock) -> Timestamp {
        if self.flags & TICKED != 0 {
            Timestamp::from_micros(wall.micros(Ticks(self.at as u64)))
        } else {
            Timestamp::from_micros(self.at)
        }
    }
}

// Two slots to a cache line.
const _: () = assert!(std::mem::size_of::<MetricSlot>() == 32);

/// Up to [`MetricBatch::CAPACITY`] values of one `log_metrics` call in one message of the
/// run's shared queue (a run logged from several threads, see `run/rings.rs`): a slot and the
/// ids and values that share its step and instant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct MetricBatch {
    first: MetricSlot,
    ids: [u32; MetricBatch::CAPACITY - 1],
    values: [f64; MetricBatch::CAPACITY - 1],
    more: u8,
}

impl MetricBatch {
    /// Values per message.
    pub(crate) const CAPACITY: usize = 4;

    /// A batch of `first`'s value alone.
    pub(crate) fn new(first: MetricSlot) -> MetricBatch {
        MetricBatch {
            first,
            ids: [0; MetricBatch::CAPACITY - 1],
            values: [0.0; MetricBatch::CAPACITY - 1],
            more: 0,
        }
    }

    /// Adds a value with the first's step and instant; false when the batch is full.
    pub(crate) fn push(&mut self, id: u32, value: f64) -> bool {
        let at = usize::from(self.more);
        match (self.ids.get_mut(at), self.values.get_mut(at)) {
            (Some(slot_id), Some(slot_value)) => {
                (*slot_id, *slot_value) = (id, value);
                self.more += 1;
                true
            }
            _ => false,
        }
    }

    /// The first value's slot (its step and instant are every value's).
    pub(crate) fn first(&self) -> &MetricSlot {
        &self.first
    }

    /// The `(id, value)`s after the first.
    pub(crate) fn more(&self) -> impl Iterator<Item = (u32, f64)> + '_ {
        self.ids
            .iter()
            .copied()
            .zip(self.values.iter().copied())
            .take(usize::from(self.more))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn clocks() -> (TickClock, WallClock) {
        let clock = TickClock::new();
        (clock.clone(), WallClock::new(clock))
    }

    #[test]
    fn keeps_the_step_instant_and_value_it_was_given() {
        let t = UNIX_EPOCH + Duration::new(1_764_128_254, 111_507_999);
        let (clock, mut wall) = clocks();
        let template = MetricSlot::stamp(Some(-3), Some(t), &clock);
        let slot = template.with(9, f64::NAN);
        assert_eq!((slot.id(), slot.step()), (9, Some(-3)));
        assert!(slot.value().is_nan());
        assert_eq!(slot.timestamp(&mut wall).as_micros(), 1_764_128_254_111_507);
        // Copies share the step and the instant, not the value.
        let next = template.with(4, 0.25);
        assert_eq!((next.id(), next.value()), (4, 0.25));
        assert_eq!(
            (next.step(), next.timestamp(&mut wall)),
            (slot.step(), slot.timestamp(&mut wall))
        );
        let no_step = MetricSlot::stamp(None, Some(UNIX_EPOCH - Duration::from_nanos(1)), &clock);
        assert_eq!(no_step.step(), None);
        assert_eq!(no_step.timestamp(&mut wall).as_micros(), -1);
        // A step of 0 is a step.
        assert_eq!(MetricSlot::stamp(Some(0), None, &clock).step(), Some(0));
    }

    #[test]
    fn a_batch_holds_four_values_of_one_step_and_instant() {
        let (clock, _) = clocks();
        let first = MetricSlot::stamp(Some(2), None, &clock).with(7, 0.5);
        let mut batch = MetricBatch::new(first);
        assert_eq!(batch.more().count(), 0);
        for i in 0..3 {
            assert!(batch.push(i, f64::from(i)));
        }
        assert!(!batch.push(9, 9.0), "a fifth value does not fit");
        assert_eq!(batch.first(), &first);
        assert_eq!(
            batch.more().collect::<Vec<_>>(),
            [(0, 0.0), (1, 1.0), (2, 2.0)]
        );
    }

    #[test]
    fn reads_the_clock_when_no_timestamp_is_given() {
        let (clock, mut wall) = clocks();
        let before = Timestamp::now();
        let slot = MetricSlot::stamp(None, None, &clock);
        let after = Timestamp::now();
        let at = slot.timestamp(&mut wall);
        assert!(before <= at && at <= after, "{before} <= {at} <= {after}");
    }
}

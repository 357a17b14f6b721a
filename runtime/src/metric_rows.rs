//! The queue message of metric values: up to [`MetricRows::CAPACITY`] values sharing one step
//! and one timestamp, in one queue slot.
//!
//! `log_metric` sends one value; `log_metrics` packs its values five to a slot, so ten values
//! cost one clock read and two queue pushes. The message is plain data (no allocation, no
//! reference count). Its instant is the caller's [`Ticks`] (given a date on the writer's
//! thread, see [`crate::clock`]), or the timestamp the caller gave, floored to the microsecond.

use crate::clock::{TickClock, Ticks, WallClock};
use crate::timestamp::Timestamp;
use std::time::SystemTime;

/// Metric values of one step and one instant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct MetricRows {
    /// Ticks of the callers' clock when `ticked`, else microseconds since the Unix epoch.
    at: i64,
    /// The step, when `has_step`.
    step: i64,
    /// The values of `ids[..len]`.
    values: [f64; MetricRows::CAPACITY],
    /// Metric ids (see the run's name table).
    ids: [u32; MetricRows::CAPACITY],
    len: u8,
    has_step: bool,
    ticked: bool,
}

impl MetricRows {
    /// Values per message: five keep a message in 80 bytes.
    pub(crate) const CAPACITY: usize = 5;

    /// No value yet, at `step`, timestamped `timestamp` (now when `None`: `clock` is read
    /// here, on the caller's thread).
    #[inline]
    pub(crate) fn new(step: Option<i64>, timestamp: Option<SystemTime>, clock: &TickClock) -> Self {
        let (at, ticked) = match timestamp {
            None => (clock.now().0 as i64, true),
            Some(t) => (Timestamp::from_system_time(t).as_micros(), false),
        };
        MetricRows {
            at,
            step: step.unwrap_or(0),
            values: [0.0; Self::CAPACITY],
            ids: [0; Self::CAPACITY],
            len: 0,
            has_step: step.is_some(),
            ticked,
        }
    }

    /// These header's step and instant with the first `len` of `ids` and `values`.
    #[inline(always)]
    pub(crate) fn with(
        &self,
        ids: [u32; Self::CAPACITY],
        values: [f64; Self::CAPACITY],
        len: usize,
    ) -> Self {
        MetricRows {
            ids,
            values,
            len: len.min(Self::CAPACITY) as u8,
            ..*self
        }
    }

    /// Sets value `at` (of at most [`MetricRows::CAPACITY`]); [`MetricRows::set_len`] then
    /// says how many are set.
    #[inline(always)]
    pub(crate) fn set(&mut self, at: usize, id: u32, value: f64) {
        if let (Some(slot_id), Some(slot_value)) = (self.ids.get_mut(at), self.values.get_mut(at)) {
            *slot_id = id;
            *slot_value = value;
        }
    }

    /// Says that the first `len` values are set (see [`MetricRows::set`]).
    #[inline(always)]
    pub(crate) fn set_len(&mut self, len: usize) {
        self.len = len.min(Self::CAPACITY) as u8;
    }

    /// The step shared by the values.
    pub(crate) fn step(&self) -> Option<i64> {
        self.has_step.then_some(self.step)
    }

    /// The instant shared by the values (`wall` dates the callers' ticks).
    pub(crate) fn timestamp(&self, wall: &mut WallClock) -> Timestamp {
        if self.ticked {
            Timestamp::from_micros(wall.micros(Ticks(self.at as u64)))
        } else {
            Timestamp::from_micros(self.at)
        }
    }

    /// `(id, value)` of each value, in the order they were added.
    pub(crate) fn values(&self) -> impl Iterator<Item = (u32, f64)> + '_ {
        // Zipped whole, then cut: no bounds to check.
        self.ids
            .iter()
            .copied()
            .zip(self.values.iter().copied())
            .take(usize::from(self.len))
    }
}

// One queue slot holds the largest message: keep this one at 80 bytes.
const _: () = assert!(std::mem::size_of::<MetricRows>() <= 80);

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn clocks() -> (TickClock, WallClock) {
        let clock = TickClock::new();
        (clock.clone(), WallClock::new(clock))
    }

    #[test]
    fn packs_values_of_one_step_and_instant() {
        let t = UNIX_EPOCH + Duration::new(1_764_128_254, 111_507_999);
        let (clock, mut wall) = clocks();
        let template = MetricRows::new(Some(-3), Some(t), &clock);
        let mut rows = template;
        assert_eq!(rows.values().count(), 0);
        for i in 0..4 {
            rows.set(i, i as u32, i as f64 / 2.0);
        }
        rows.set(4, 9, f64::NAN);
        // Beyond the capacity: not taken.
        rows.set(5, 10, 1.0);
        rows.set_len(6);
        let got: Vec<(u32, f64)> = rows.values().collect();
        assert_eq!(got.len(), 5);
        assert_eq!(&got[..4], &[(0, 0.0), (1, 0.5), (2, 1.0), (3, 1.5)]);
        assert_eq!(got[4].0, 9);
        assert!(got[4].1.is_nan());
        assert_eq!(rows.step(), Some(-3));
        assert_eq!(rows.timestamp(&mut wall).as_micros(), 1_764_128_254_111_507);
        let mut next = template;
        next.set(0, 4, 0.25);
        next.set(7, 5, 0.5);
        next.set_len(1);
        assert_eq!(next.values().collect::<Vec<_>>(), vec![(4, 0.25)]);
        next.set_len(9);
        assert_eq!(next.values().count(), MetricRows::CAPACITY);
        assert_eq!(
            (next.step(), next.timestamp(&mut wall)),
            (rows.step(), rows.timestamp(&mut wall))
        );
        let no_step = MetricRows::new(None, Some(UNIX_EPOCH - Duration::from_nanos(1)), &clock);
        assert_eq!(no_step.step(), None);
        assert_eq!(no_step.timestamp(&mut wall).as_micros(), -1);
    }

    #[test]
    fn reads_the_clock_when_no_timestamp_is_given() {
        let (clock, mut wall) = clocks();
        let before = Timestamp::now();
        let rows = MetricRows::new(None, None, &clock);
        let after = Timestamp::now();
        let at = rows.timestamp(&mut wall);
        assert!(before <= at && at <= after, "{before} <= {at} <= {after}");
    }
}

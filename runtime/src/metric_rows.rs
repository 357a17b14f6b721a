//! The queue message of metric values: up to [`MetricRows::CAPACITY`] values sharing one step
//! and one timestamp, in one queue slot.
//!
//! `log_metric` sends one value; `log_metrics` packs its values five to a slot, so ten values
//! cost one clock read and two queue pushes. The message is plain data (no allocation, no
//! reference count), its timestamp already floored to the microsecond on the caller's thread.

use crate::timestamp::Timestamp;
use std::time::SystemTime;

/// Metric values of one step and one instant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct MetricRows {
    /// Microseconds since the Unix epoch.
    micros: i64,
    /// The step, when `has_step`.
    step: i64,
    /// The values of `ids[..len]`.
    values: [f64; MetricRows::CAPACITY],
    /// Metric ids (see the run's name table).
    ids: [u32; MetricRows::CAPACITY],
    len: u8,
    has_step: bool,
}

impl MetricRows {
    /// Values per message: five keep a message in 80 bytes.
    pub(crate) const CAPACITY: usize = 5;

    /// No value yet, at `step`, timestamped `timestamp` (now when `None`: the clock is read
    /// here, on the caller's thread).
    #[inline]
    pub(crate) fn new(step: Option<i64>, timestamp: Option<SystemTime>) -> Self {
        let timestamp = timestamp.unwrap_or_else(SystemTime::now);
        MetricRows {
            micros: Timestamp::from_system_time(timestamp).as_micros(),
            step: step.unwrap_or(0),
            values: [0.0; Self::CAPACITY],
            ids: [0; Self::CAPACITY],
            len: 0,
            has_step: step.is_some(),
        }
    }

    /// Adds a value; returns whether the message is now full.
    #[inline]
    pub(crate) fn push(&mut self, id: u32, value: f64) -> bool {
        let at = usize::from(self.len);
        if let (Some(slot_id), Some(slot_value)) = (self.ids.get_mut(at), self.values.get_mut(at)) {
            *slot_id = id;
            *slot_value = value;
            self.len += 1;
        }
        usize::from(self.len) >= Self::CAPACITY
    }

    /// Whether no value was added.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The same step and instant, without values: the next message of a `log_metrics` call.
    #[inline]
    pub(crate) fn emptied(&self) -> Self {
        MetricRows { len: 0, ..*self }
    }

    /// The step shared by the values.
    pub(crate) fn step(&self) -> Option<i64> {
        self.has_step.then_some(self.step)
    }

    /// The instant shared by the values.
    pub(crate) fn timestamp(&self) -> Timestamp {
        Timestamp::from_micros(self.micros)
    }

    /// `(id, value)` of each value, in the order they were added.
    pub(crate) fn values(&self) -> impl Iterator<Item = (u32, f64)> + '_ {
        let len = usize::from(self.len);
        self.ids[..len]
            .iter()
            .copied()
            .zip(self.values[..len].iter().copied())
    }
}

// One queue slot holds the largest message: keep this one at 80 bytes.
const _: () = assert!(std::mem::size_of::<MetricRows>() <= 80);

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn packs_values_of_one_step_and_instant() {
        let t = UNIX_EPOCH + Duration::new(1_764_128_254, 111_507_999);
        let mut rows = MetricRows::new(Some(-3), Some(t));
        assert!(rows.is_empty());
        for i in 0..4 {
            assert!(!rows.push(i, f64::from(i) / 2.0));
        }
        assert!(rows.push(9, f64::NAN));
        // Full: further values are not taken.
        assert!(rows.push(10, 1.0));
        let got: Vec<(u32, f64)> = rows.values().collect();
        assert_eq!(got.len(), 5);
        assert_eq!(&got[..4], &[(0, 0.0), (1, 0.5), (2, 1.0), (3, 1.5)]);
        assert_eq!(got[4].0, 9);
        assert!(got[4].1.is_nan());
        assert_eq!(rows.step(), Some(-3));
        assert_eq!(rows.timestamp().as_micros(), 1_764_128_254_111_507);
        let next = rows.emptied();
        assert!(next.is_empty());
        assert_eq!(
            (next.step(), next.timestamp()),
            (rows.step(), rows.timestamp())
        );
        let no_step = MetricRows::new(None, Some(UNIX_EPOCH - Duration::from_nanos(1)));
        assert_eq!(no_step.step(), None);
        assert_eq!(no_step.timestamp().as_micros(), -1);
    }

    #[test]
    fn reads_the_clock_when_no_timestamp_is_given() {
        let before = Timestamp::now();
        let rows = MetricRows::new(None, None);
        assert!(before <= rows.timestamp() && rows.timestamp() <= Timestamp::now());
    }
}

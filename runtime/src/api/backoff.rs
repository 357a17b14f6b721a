//! The wait between two tries of an update the server did not take: exponential backoff
//! with jitter, capped lower once the run is ending.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// The first retry delay; it doubles per failure up to [`MAX_BACKOFF`].
const INITIAL_BACKOFF: Duration = Duration::from_millis(250);
/// The longest delay between two tries while the run goes on.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// The longest delay between two tries once the run is ending: a server coming back is
/// noticed within a second.
pub(crate) const END_MAX_BACKOFF: Duration = Duration::from_secs(1);

/// Exponential backoff with jitter.
pub(crate) struct Backoff {
    next: Duration,
}

impl Backoff {
    pub(crate) fn new() -> Self {
        Backoff {
            next: INITIAL_BACKOFF,
        }
    }

    /// The next delay: between half and all of the current step ("equal jitter").
    pub(crate) fn next_delay(&mut self) -> Duration {
        let step = self.next;
        self.next = (self.next * 2).min(MAX_BACKOFF);
        step / 2 + step.mul_f64(random_unit() / 2.0)
    }

    pub(crate) fn reset(&mut self) {
        self.next = INITIAL_BACKOFF;
    }
}

/// A number in [0, 1) from the OS-seeded hasher: enough to spread retries.
fn random_unit() -> f64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_resets() {
        let mut b = Backoff::new();
        let first = b.next_delay();
        assert!(
            first >= INITIAL_BACKOFF / 2 && first <= INITIAL_BACKOFF,
            "{first:?}"
        );
        for _ in 0..20 {
            let d = b.next_delay();
            assert!(d <= MAX_BACKOFF, "{d:?}");
        }
        let late = b.next_delay();
        assert!(late >= MAX_BACKOFF / 2, "{late:?}");
        b.reset();
        assert!(b.next_delay() <= INITIAL_BACKOFF);
    }
}

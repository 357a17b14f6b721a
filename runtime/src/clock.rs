//! The callers' clock: a tick counter read on the hot path, turned into wall-clock
//! microseconds on the writer's thread.
//!
//! Reading the wall clock (`SystemTime::now`, a vDSO `clock_gettime`) costs about 30 ns; reading
//! the CPU's time-stamp counter costs about 11 ns on the development machine. A metric call
//! therefore stamps its values with [`Ticks`] (quanta's raw counter: the invariant TSC where the
//! CPU has one, the monotonic clock elsewhere), and the writer converts them with
//! [`WallClock`].
//!
//! The conversion is exact to the microsecond Polyaxon records without trusting a calibrated
//! frequency: the writer pairs a tick reading with a wall-clock reading (an *anchor*) at most
//! every [`ANCHOR_SPACING_NANOS`] while values arrive, and places a value between the two
//! anchors around it, by linear interpolation. A value read after the newest anchor (the
//! writer is converting values logged since) is extrapolated from it, over less than the
//! spacing, at the rate measured over the anchors kept. The error is the skew inside one
//! anchor (its two tick readings are taken back to back around the wall-clock reading, a few
//! tens of nanoseconds) plus, for an extrapolated value, the rate's error over at most a
//! millisecond: tens of nanoseconds. A wall clock that is stepped (not slewed) between two
//! anchors moves the values logged between them to instants between the anchors, in order:
//! none is earlier than a value logged before it.

use std::time::{SystemTime, UNIX_EPOCH};

/// A raw reading of the callers' clock; only [`WallClock`] gives it a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Ticks(pub(crate) u64);

/// How far apart in time the writer takes anchors while values keep arriving.
const ANCHOR_SPACING_NANOS: u64 = 1_000_000;
/// An anchor whose two tick readings are at most this far apart is taken as it is.
const TIGHT_NANOS: u64 = 2_000;
/// Anchors kept: a value read this many anchors back (a caller preempted between reading the
/// clock and queueing its value) is still interpolated, older ones are extrapolated.
const ANCHORS: usize = 64;

/// The callers' side: reads ticks.
#[derive(Clone, Debug)]
pub struct TickClock {
    clock: quanta::Clock,
}

impl TickClock {
    /// The process's clock. quanta calibrates the counter once per process (about a
    /// millisecond, at the first run's start); later calls copy it.
    pub(crate) fn new() -> TickClock {
        static CLOCK: std::sync::OnceLock<quanta::Clock> = std::sync::OnceLock::new();
        TickClock {
            clock: CLOCK.get_or_init(quanta::Clock::new).clone(),
        }
    }

    /// Now, in ticks.
    #[inline(always)]
    pub(crate) fn now(&self) -> Ticks {
        Ticks(self.clock.raw())
    }
}

/// A reading of both clocks, taken back to back.
#[derive(Clone, Copy, Debug)]
struct Anchor {
    ticks: u64,
    /// Nanoseconds since the Unix epoch (negative before it; an `i64` covers 1678 to 2262).
    nanos: i64,
    /// Nanoseconds per tick from the anchor before this one (the calibrated rate for the
    /// first one).
    slope: f64,
}

/// The writer's side: turns ticks into microseconds since the Unix epoch. All `f64` and `i64`
/// arithmetic: a conversion is a few multiplications, no 128-bit division.
#[derive(Debug)]
pub(crate) struct WallClock {
    clock: TickClock,
    /// Oldest first; never empty once created.
    anchors: std::collections::VecDeque<Anchor>,
    /// [`ANCHOR_SPACING_NANOS`] in ticks, at the calibrated rate.
    spacing: u64,
    /// Nanoseconds per tick from the calibration.
    calibrated: f64,
    /// Nanoseconds per tick for values read after the newest anchor: over the longest span
    /// kept once it reaches the spacing, the calibrated rate before.
    ahead: f64,
    /// The span of ticks the last value lay in and how it converted: the next value, stamped
    /// just after it, most often lies there too and converts with one multiplication. A
    /// writer that lags its callers by tens of milliseconds (a full queue) would otherwise
    /// search back through tens of anchors for every value.
    last_span: Span,
}

/// Ticks in `from..until` convert to `nanos` plus their offset from `from` at `slope`: the
/// interval between two anchors, or the one after the newest anchor.
#[derive(Clone, Copy, Debug)]
struct Span {
    from: u64,
    until: u64,
    nanos: i64,
    /// Nanoseconds per tick, in fixed point ([`fixed`]).
    slope: u64,
}

/// Fractional bits of a [`Span`]'s slope. An offset in a span is converted with one 64x64-bit
/// multiplication and a shift, not an integer-to-float conversion, a float multiplication and
/// a saturating float-to-integer one (the writer's instructions for dating a value go from 40
/// to 32). The slope's rounding error, under 2^-48 nanoseconds per tick, stays under a
/// twentieth of a nanosecond over an hour's ticks of a 4 GHz counter.
const FIXED_BITS: u32 = 48;

/// `slope` nanoseconds per tick in fixed point (saturated: quanta's ticks are CPU cycles or
/// nanoseconds, far from the 65,536 nanoseconds per tick that saturate). A negative slope,
/// from a wall clock stepped back between two anchors, is 0: the values between those anchors
/// all get the older one's instant, in order.
fn fixed(slope: f64) -> u64 {
    (slope.max(0.0) * (1u64 << FIXED_BITS) as f64) as u64
}

/// `ticks` at fixed-point `slope`, in nanoseconds (floored; saturated).
#[inline(always)]
fn scale(ticks: u64, slope: u64) -> i64 {
    let nanos = (u128::from(ticks) * u128::from(slope)) >> FIXED_BITS;
    i64::try_from(nanos).unwrap_or(i64::MAX)
}

impl Span {
    /// No ticks at all.
    const EMPTY: Span = Span {
        from: 1,
        until: 0,
        nanos: 0,
        slope: 0,
    };

    #[inline(always)]
    fn convert(&self, t: u64) -> Option<i64> {
        (t >= self.from && t < self.until)
            .then(|| self.nanos.saturating_add(scale(t - self.from, self.slope)))
    }
}

impl WallClock {
    /// A converter for ticks of `clock`, anchored now.
    pub(crate) fn new(clock: TickClock) -> WallClock {
        // The calibrated rate, over 10 ms worth of ticks.
        let probe = 10_000_000_u64;
        let nanos_per_tick = clock.clock.delta_as_nanos(0, probe).max(1) as f64 / probe as f64;
        let mut wall = WallClock {
            spacing: ((ANCHOR_SPACING_NANOS as f64) / nanos_per_tick).max(1.0) as u64,
            calibrated: nanos_per_tick,
            ahead: nanos_per_tick,
            anchors: std::collections::VecDeque::with_capacity(ANCHORS),
            clock,
            last_span: Span::EMPTY,
        };
        wall.anchor();
        wall
    }

    /// Takes an anchor: the wall clock read between two tick readings, the ticks their
    /// midpoint. A thread preempted inside the three readings would skew it: the tightest of a
    /// few tries is kept, the first one within [`TIGHT_NANOS`] taken at once.
    #[cold]
    fn anchor(&mut self) {
        let tight = (TIGHT_NANOS as f64 / self.calibrated) as u64;
        let mut best: Option<(u64, u64, i64)> = None;
        for _ in 0..4 {
            let before = self.clock.now().0;
            let wall = SystemTime::now();
            let after = self.clock.now().0;
            let width = after.saturating_sub(before);
            let nanos = match wall.duration_since(UNIX_EPOCH) {
                Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
                Err(e) => i64::try_from(e.duration().as_nanos()).map_or(i64::MIN, |n| -n),
            };
            if best.is_none_or(|(w, _, _)| width < w) {
                best = Some((width, before + width / 2, nanos));
            }
            if width <= tight {
                break;
            }
        }
        let Some((_, ticks, nanos)) = best else {
            return;
        };
        let slope = match self.anchors.back() {
            Some(last) if ticks > last.ticks => {
                nanos.saturating_sub(last.nanos) as f64 / (ticks - last.ticks) as f64
            }
            _ => self.calibrated,
        };
        if self.anchors.len() == ANCHORS {
            self.anchors.pop_front();
        }
        // Values after the previous newest anchor are interpolated between it and this one
        // from now on, so the span that extrapolated them goes. (A span between two anchors
        // would stay right; forgetting every span here is simpler and costs one search per
        // anchor.)
        self.last_span = Span::EMPTY;
        self.anchors.push_back(Anchor {
            ticks,
            nanos,
            slope,
        });
        self.ahead = match self.anchors.front() {
            Some(oldest) if ticks.saturating_sub(oldest.ticks) >= self.spacing => {
                nanos.saturating_sub(oldest.nanos) as f64 / (ticks - oldest.ticks) as f64
            }
            _ => self.calibrated,
        };
    }

    /// The microseconds since the Unix epoch (floored) of a value stamped `ticks`.
    #[inline(always)]
    pub(crate) fn micros(&mut self, ticks: Ticks) -> i64 {
        let nanos = self.nanos(ticks.0);
        // Flooring is plain division after 1970, the only case worth a faster path.
        if nanos >= 0 {
            nanos / 1000
        } else {
            nanos.div_euclid(1000)
        }
    }

    #[inline(always)]
    fn nanos(&mut self, t: u64) -> i64 {
        if let Some(nanos) = self.last_span.convert(t) {
            return nanos;
        }
        self.search(t)
    }

    /// Converts `t` outside the last value's span (see [`WallClock::last_span`]), and
    /// remembers the span it lies in.
    #[inline(never)]
    fn search(&mut self, t: u64) -> i64 {
        let stale = match self.anchors.back() {
            None => true,
            // Only the creation's anchor: a second one, after `t`, makes `t` interpolated.
            Some(_) if self.anchors.len() == 1 => true,
            Some(newest) => t >= newest.ticks.saturating_add(self.spacing),
        };
        if stale {
            // Read more than the spacing after the newest anchor: a fresh anchor is later
            // than `t`, which was read before the writer got its value.
            self.anchor();
        }
        let Some(&newest) = self.anchors.back() else {
            return 0;
        };
        let span = if t >= newest.ticks {
            // Less than the spacing after the newest anchor.
            Span {
                from: newest.ticks,
                until: newest.ticks.saturating_add(self.spacing),
                nanos: newest.nanos,
                slope: fixed(self.ahead),
            }
        } else {
            // Between the two anchors around it (searched from the newest: values arrive in
            // about the order they were stamped).
            let found = (1..self.anchors.len()).rev().find_map(|i| {
                let (older, newer) = (self.anchors[i - 1], self.anchors[i]);
                (t >= older.ticks).then_some(Span {
                    from: older.ticks,
                    until: newer.ticks,
                    nanos: older.nanos,
                    slope: fixed(newer.slope),
                })
            });
            match found {
                Some(span) => span,
                None => return self.before_every_anchor(t),
            }
        };
        self.last_span = span;
        span.convert(t).unwrap_or(span.nanos)
    }

    /// Converts `t`, older than every anchor kept.
    #[cold]
    fn before_every_anchor(&self, t: u64) -> i64 {
        // Older than every anchor kept.
        let oldest = self.anchors[0];
        let back = ((oldest.ticks - t) as f64 * self.calibrated).ceil();
        oldest.nanos.saturating_sub(back as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The instant `ticks` after anchor `a` at `slope` nanoseconds per tick (floored), computed
    /// from the anchor directly rather than through a remembered span.
    fn after(a: Anchor, ticks: u64, slope: f64) -> i64 {
        a.nanos.saturating_add(scale(ticks, fixed(slope)))
    }
    use std::time::Duration;

    fn wall_nanos() -> i128 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as i128)
            .unwrap_or(0)
    }

    /// Ticks read between two wall-clock readings convert to an instant between them, within
    /// a microsecond (the anchors' own skew is tens of nanoseconds; the margin is for a test
    /// thread preempted on a loaded machine), whether the writer converts them at once, after
    /// the next anchor, or dozens of anchors later.
    #[test]
    fn ticks_convert_between_the_wall_clock_readings_around_them() {
        let clock = TickClock::new();
        let mut wall = WallClock::new(clock.clone());
        let mut stamped = Vec::new();
        let check = |wall: &mut WallClock, (before, ticks, after): (i128, Ticks, i128)| {
            let got = i128::from(wall.nanos(ticks.0));
            assert!(
                before - 1000 <= got && got <= after + 1000,
                "{before} <= {got} <= {after}: {:?}",
                wall.anchors
            );
            let micros = wall.micros(ticks);
            assert_eq!(i128::from(micros), got.div_euclid(1000));
        };
        for round in 0..80 {
            let before = wall_nanos();
            let ticks = clock.now();
            let after = wall_nanos();
            stamped.push((before, ticks, after));
            if round % 3 == 0 {
                std::thread::sleep(Duration::from_micros(1500));
            }
            if round % 2 == 0 {
                let now = stamped.pop().expect("just pushed");
                check(&mut wall, now);
            }
            let _ = wall.micros(clock.now());
        }
        assert!(wall.anchors.len() > 10, "{:?}", wall.anchors);
        for value in stamped {
            check(&mut wall, value);
        }
    }

    /// Later ticks never convert to earlier instants.
    #[test]
    fn conversion_keeps_the_order_of_the_ticks() {
        let clock = TickClock::new();
        let mut wall = WallClock::new(clock.clone());
        let ticks: Vec<Ticks> = (0..20_000)
            .map(|i| {
                if i % 5000 == 0 {
                    std::thread::sleep(Duration::from_millis(2));
                }
                clock.now()
            })
            .collect();
        let micros: Vec<i64> = ticks.iter().map(|t| wall.micros(*t)).collect();
        assert!(micros.windows(2).all(|w| w[0] <= w[1]));
    }

    /// The remembered span answers only for values inside it: values in any order, and after
    /// anchors were dropped, convert as a full search converts them.
    #[test]
    fn the_remembered_span_gives_what_a_search_gives() {
        let mut wall = WallClock::new(TickClock::new());
        let synthetic = |k: u64| Anchor {
            ticks: 1_000 * k,
            nanos: 7_000 * k as i64 + (k * k) as i64,
            slope: 7.0 + k as f64 / 1_000.0,
        };
        wall.anchors = (1..=ANCHORS as u64).map(synthetic).collect();
        wall.spacing = u64::MAX / 2;
        let searched = |wall: &WallClock, t: u64| -> i64 {
            let pair = (1..wall.anchors.len())
                .rev()
                .find(|&i| t >= wall.anchors[i - 1].ticks)
                .expect("inside the anchors");
            after(
                wall.anchors[pair - 1],
                t - wall.anchors[pair - 1].ticks,
                wall.anchors[pair].slope,
            )
        };
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in 0..5_000u64 {
            let n = wall.anchors.len() as u64;
            let first = wall.anchors[0].ticks;
            let span = wall.anchors[n as usize - 1].ticks - first;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Runs of close values, jumps back and forth, and exact anchor ticks.
            let t = match i % 4 {
                0 => first + x % span,
                1 => first + (i * 37) % span,
                2 => wall.anchors[(x % (n - 1)) as usize].ticks,
                _ => first + (i * 37) % span + 1,
            };
            assert_eq!(
                wall.nanos(t),
                searched(&wall, t),
                "t={t}, span {:?}",
                wall.last_span
            );
            if i == 2_500 {
                // The oldest anchors go, as new ones come: a span remembered stays right.
                for _ in 0..10 {
                    wall.anchors.pop_front();
                }
            }
        }
    }

    /// The fixed-point slope converts as the float one does, to within a nanosecond over a
    /// span of up to a second, and saturates rather than wraps far outside any real span.
    #[test]
    fn fixed_point_slopes_convert_as_float_ones() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Slopes of clocks from 10 MHz to 100 GHz, offsets up to a second's worth.
            let slope = 0.01 + (x >> 40) as f64 / (1u64 << 24) as f64 * 100.0;
            let ticks = x % (1e9 / slope) as u64;
            let float = (ticks as f64 * slope) as i64;
            let fixed_point = scale(ticks, fixed(slope));
            assert!(
                (float - fixed_point).abs() <= 1,
                "{ticks} at {slope}: {float} vs {fixed_point}"
            );
        }
        assert_eq!(scale(1_000, fixed(-3.0)), 0);
        assert_eq!(scale(u64::MAX, fixed(1e9)), i64::MAX);
        assert_eq!(fixed(f64::NAN), 0);
    }

    #[test]
    fn values_between_and_after_anchors_on_exact_lines() {
        let span = Span {
            from: 1000,
            until: 9000,
            nanos: 5_000,
            slope: fixed(0.5),
        };
        assert_eq!(span.convert(1000), Some(5_000));
        assert_eq!(span.convert(2000), Some(5_500));
        assert_eq!(span.convert(5000), Some(7_000));
        assert_eq!(span.convert(1003), Some(5_001));
        assert_eq!(span.convert(999), None);
        assert_eq!(span.convert(9000), None);
        assert_eq!(Span::EMPTY.convert(0), None);
        assert_eq!(Span::EMPTY.convert(1), None);
    }
}

//! Timestamps: UTC instants formatted exactly like Python's aware `datetime`, and timestamps
//! read back from event files as pandas reads them ([`parse_timestamp`]).
//!
//! [`Timestamp`] is a count of microseconds since the Unix epoch (UTC), the resolution of
//! Python's `datetime`. It formats as `str(datetime)` (`2026-11-26 03:37:34.111507+00:00`, the
//! form Polyaxon writes in event rows) and as `datetime.isoformat()`
//! (`2026-11-26T03:37:34.111507+00:00`, used in logs and summaries). Like Python, both omit the
//! `.ffffff` part when the microsecond is 0. Dates use the proleptic Gregorian calendar (a
//! days-to-civil conversion, no external crates).
//!
//! Python's `datetime` only covers years 1 to 9999; instants outside that range (still
//! representable here) are printed with the year zero-padded to at least four digits and a `-`
//! sign for years before 1 (year 0 is 1 BC).
//!
//! For the hot path of writing many rows, [`TimeFormatCache`] caches the formatted
//! `YYYY-MM-DD HH:MM:` prefix of the current minute so that consecutive timestamps only format
//! seconds and microseconds.

mod parse;

pub(crate) use parse::{iso_format, parse_timestamp, ParsedTimestamp};

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// Microseconds per second.
const MICROS_PER_SEC: i64 = 1_000_000;
/// Seconds since the epoch below which microseconds fit an `i64` without a check.
const MAX_FAST_SECS: u64 = (i64::MAX / MICROS_PER_SEC) as u64;
/// Microseconds per minute.
const MICROS_PER_MINUTE: i64 = 60 * MICROS_PER_SEC;

/// An instant in UTC with microsecond resolution (microseconds since 1970-01-01T00:00:00Z).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    /// Microseconds since the Unix epoch; negative before 1970.
    micros: i64,
}

impl Timestamp {
    /// The current time, truncated (floored) to the microsecond as Python's
    /// `datetime.now(timezone.utc)` does.
    pub fn now() -> Self {
        Self::from_system_time(SystemTime::now())
    }

    /// Converts a `SystemTime`, flooring to the microsecond (also before 1970) and saturating
    /// at the `i64` range.
    #[inline]
    pub fn from_system_time(t: SystemTime) -> Self {
        match t.duration_since(UNIX_EPOCH) {
            // The common case, kept small: it runs on the caller's thread for every event.
            Ok(d) if d.as_secs() < MAX_FAST_SECS => Self {
                micros: d.as_secs() as i64 * MICROS_PER_SEC + i64::from(d.subsec_micros()),
            },
            _ => Self::from_system_time_slow(t),
        }
    }

    /// [`Timestamp::from_system_time`] before the epoch or near the `i64` limit.
    #[cold]
    fn from_system_time_slow(t: SystemTime) -> Self {
        let micros = match t.duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_micros()).unwrap_or(i64::MAX),
            Err(e) => {
                // Before the epoch: floor(-d) in microseconds = -ceil(d).
                let d = e.duration();
                let nanos = d.as_nanos();
                let ceil_micros = nanos / 1000 + u128::from(nanos % 1000 != 0);
                i64::try_from(ceil_micros).map_or(i64::MIN, |m| -m)
            }
        };
        Self { micros }
    }

    /// Creates a timestamp from microseconds since the Unix epoch.
    pub const fn from_micros(micros: i64) -> Self {
        Self { micros }
    }

    /// Microseconds since the Unix epoch.
    pub const fn as_micros(&self) -> i64 {
        self.micros
    }

    /// Appends Python's `str(datetime)` of this instant as an aware UTC datetime, e.g.
    /// `2026-11-26 03:37:34.111507+00:00` (or `2026-11-26 03:37:34+00:00` when the microsecond
    /// is 0).
    pub fn write_py_str(&self, out: &mut Vec<u8>) {
        self.write_with_sep(out, b' ');
    }

    /// Returns Python's `str(datetime)`; see [`Timestamp::write_py_str`].
    pub fn py_str(&self) -> String {
        let mut out = Vec::with_capacity(32);
        self.write_py_str(&mut out);
        ascii_to_string(out)
    }

    /// Appends Python's `datetime.isoformat()` of this instant as an aware UTC datetime, e.g.
    /// `2026-11-26T03:37:34.111507+00:00` (same microsecond rule as `str`).
    pub fn write_iso(&self, out: &mut Vec<u8>) {
        self.write_with_sep(out, b'T');
    }

    /// Returns Python's `datetime.isoformat()`; see [`Timestamp::write_iso`].
    pub fn to_iso(&self) -> String {
        let mut out = Vec::with_capacity(32);
        self.write_iso(&mut out);
        ascii_to_string(out)
    }

    /// Formats the full timestamp with `sep` between date and time.
    fn write_with_sep(&self, out: &mut Vec<u8>, sep: u8) {
        let mut prefix = [0u8; PREFIX_CAP];
        let len = format_minute_prefix(self.micros.div_euclid(MICROS_PER_MINUTE), sep, &mut prefix);
        out.extend_from_slice(&prefix[..len]);
        write_seconds_tail(self.micros.rem_euclid(MICROS_PER_MINUTE), false, out);
    }
}

impl fmt::Display for Timestamp {
    /// Formats as Python's `str(datetime)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = Vec::with_capacity(32);
        self.write_py_str(&mut out);
        f.write_str(&String::from_utf8_lossy(&out))
    }
}

impl From<SystemTime> for Timestamp {
    fn from(t: SystemTime) -> Self {
        Self::from_system_time(t)
    }
}

/// Caches the formatted `YYYY-MM-DD HH:MM:` prefix of the most recent minute, so that writing
/// many timestamps from the same minute only formats seconds and microseconds.
///
/// The cache is owned by the caller (e.g. one per writer thread); it holds no locks.
#[derive(Clone, Debug)]
pub struct TimeFormatCache {
    /// Minute (minutes since the epoch, floored) whose prefix is in `prefix`, if any.
    minute: Option<i64>,
    /// `YYYY-MM-DD HH:MM:` of `minute`.
    prefix: [u8; PREFIX_CAP],
    /// Valid bytes of `prefix`.
    len: usize,
}

impl Default for TimeFormatCache {
    fn default() -> Self {
        Self::new()
    }
}

impl TimeFormatCache {
    /// An empty cache.
    pub const fn new() -> Self {
        Self {
            minute: None,
            prefix: [0u8; PREFIX_CAP],
            len: 0,
        }
    }

    /// Appends Python's `str(datetime)` of `ts` (same output as [`Timestamp::write_py_str`]).
    #[cfg(test)]
    pub fn write_py_str(&mut self, ts: Timestamp, out: &mut Vec<u8>) {
        self.write(ts, false, out);
    }

    /// Appends the timestamp of an event-file row: Python's `str(datetime)`, except that the
    /// `.ffffff` part is always written, also when the microseconds are 0.
    ///
    /// Python drops `.000000`, and one such row among `.ffffff` rows makes pandas fail to
    /// parse the whole timestamp column, so Polyaxon's summaries silently lose their
    /// `timestamp` entry (about one event in a million). Polyaxon's readers parse the
    /// fixed-width form in every case.
    #[inline]
    pub fn write_event_str(&mut self, ts: Timestamp, out: &mut Vec<u8>) {
        self.write(ts, true, out);
    }

    /// `str(datetime)` from the cached minute prefix; `.000000` only when `always_micros`.
    #[inline]
    fn write(&mut self, ts: Timestamp, always_micros: bool, out: &mut Vec<u8>) {
        let minute = ts.micros.div_euclid(MICROS_PER_MINUTE);
        if self.minute != Some(minute) {
            self.len = format_minute_prefix(minute, b' ', &mut self.prefix);
            self.minute = Some(minute);
        }
        out.extend_from_slice(&self.prefix[..self.len]);
        write_seconds_tail(ts.micros.rem_euclid(MICROS_PER_MINUTE), always_micros, out);
    }

    /// Appends Python's `datetime.isoformat()` of `ts` (same output as
    /// [`Timestamp::write_iso`]), sharing the cached prefix.
    #[inline]
    #[cfg(test)]
    pub fn write_iso(&mut self, ts: Timestamp, out: &mut Vec<u8>) {
        let start = out.len();
        self.write_py_str(ts, out);
        // The separator is the first byte of the prefix's " HH:MM:" tail (7 bytes).
        let sep_at = start + self.len - 7;
        if let Some(b) = out.get_mut(sep_at) {
            *b = b'T';
        }
    }
}

/// Capacity of a formatted minute prefix: a year of at most 7 characters (sign plus six digits
/// for the `i64` range) followed by `-MM-DD HH:MM:` (13 bytes).
const PREFIX_CAP: usize = 24;

/// Pairs of decimal digits `00`..`99`.
const DIGIT_PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// The two ASCII digits of `v < 100`.
#[inline]
pub(crate) fn two_digits(v: u32) -> [u8; 2] {
    let i = (v as usize % 100) * 2;
    [DIGIT_PAIRS[i], DIGIT_PAIRS[i + 1]]
}

/// Writes `YYYY-MM-DD<sep>HH:MM:` for the given minute since the epoch into `buf`, returning the
/// number of bytes written.
fn format_minute_prefix(minute: i64, sep: u8, buf: &mut [u8; PREFIX_CAP]) -> usize {
    let days = minute.div_euclid(24 * 60);
    let minute_of_day = minute.rem_euclid(24 * 60) as u32;
    let (year, month, day) = civil_from_days(days);
    let mut len = write_year(year, buf);
    let tail = [
        b'-',
        two_digits(month)[0],
        two_digits(month)[1],
        b'-',
        two_digits(day)[0],
        two_digits(day)[1],
        sep,
        two_digits(minute_of_day / 60)[0],
        two_digits(minute_of_day / 60)[1],
        b':',
        two_digits(minute_of_day % 60)[0],
        two_digits(minute_of_day % 60)[1],
        b':',
    ];
    for &b in &tail {
        if let Some(slot) = buf.get_mut(len) {
            *slot = b;
            len += 1;
        }
    }
    len
}

/// Writes the year zero-padded to four digits (Python's `%04d`), with a `-` sign for years
/// before 1 and more digits past 9999. Returns the number of bytes written.
fn write_year(year: i64, buf: &mut [u8; PREFIX_CAP]) -> usize {
    let mut len = 0;
    if year < 0 {
        buf[0] = b'-';
        len = 1;
    }
    let y = year.unsigned_abs();
    let mut digits = [b'0'; 20];
    let mut pos = digits.len();
    let mut rest = y;
    loop {
        pos -= 1;
        digits[pos] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let start = pos.min(digits.len() - 4);
    for &b in &digits[start..] {
        if let Some(slot) = buf.get_mut(len) {
            *slot = b;
            len += 1;
        }
    }
    len
}

/// Appends `SS[.ffffff]+00:00` for the microsecond offset within a minute; `.000000` is
/// written only when `always_micros`.
#[inline]
fn write_seconds_tail(micros_in_minute: i64, always_micros: bool, out: &mut Vec<u8>) {
    let sub = micros_in_minute as u32; // 0 ..= 59_999_999
    let secs = sub / 1_000_000;
    let us = sub % 1_000_000;
    let s = two_digits(secs);
    if us == 0 && !always_micros {
        out.extend_from_slice(&[s[0], s[1], b'+', b'0', b'0', b':', b'0', b'0']);
    } else {
        let a = two_digits(us / 10_000);
        let b = two_digits(us / 100 % 100);
        let c = two_digits(us % 100);
        out.extend_from_slice(&[
            s[0], s[1], b'.', a[0], a[1], b[0], b[1], c[0], c[1], b'+', b'0', b'0', b':', b'0',
            b'0',
        ]);
    }
}

/// Converts days since 1970-01-01 to a proleptic Gregorian `(year, month, day)`
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097) as u64; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March-based
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe as i64 + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Converts a proleptic Gregorian date to days since 1970-01-01 (Howard Hinnant's
/// `days_from_civil`, the inverse of [`civil_from_days`]).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400; // [0, 399]
    let month = i64::from(month);
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Converts bytes known to be ASCII into a `String` without a fallible call.
fn ascii_to_string(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests;

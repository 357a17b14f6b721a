//! Timestamps read back from event files as pandas parses them, and re-printed as pandas'
//! `Timestamp.isoformat()` prints them.

use super::{days_from_civil, two_digits};

/// A timestamp string parsed the way pandas parses ISO-like datetimes (the subset Polyaxon
/// writes): `YYYY-MM-DD[ T]HH:MM[:SS[.f{1,9}]][Z|±HH:MM|±HHMM]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ParsedTimestamp {
    /// Calendar fields.
    year: u32,
    /// Month 1-12.
    month: u32,
    /// Day 1-31 (validated against the month).
    day: u32,
    /// Hour 0-23.
    hour: u32,
    /// Minute 0-59.
    minute: u32,
    /// Second 0-59.
    second: u32,
    /// Nanoseconds of the fraction.
    nanos: u32,
    /// UTC offset in minutes, `None` for a naive timestamp.
    pub(crate) offset_minutes: Option<i32>,
    /// The format shape pandas infers from this string.
    pub(crate) shape: Shape,
}

/// The parts of a timestamp's format that pandas' inferred format fixes for the whole column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Shape {
    /// Date/time separator (`b' '` or `b'T'`).
    sep: u8,
    /// Whether seconds are present.
    seconds: bool,
    /// Whether a fraction is present.
    fraction: bool,
    /// Whether an offset is present.
    offset: bool,
}

/// Parses `n` ASCII digits at `s[at..at + n]`.
fn digits(s: &[u8], at: usize, n: usize) -> Option<u32> {
    let part = s.get(at..at + n)?;
    let mut v = 0u32;
    for &c in part {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

/// Whether `year` is a Gregorian leap year.
fn is_leap(year: u32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

impl ParsedTimestamp {
    /// Microseconds since the Unix epoch (UTC; a naive timestamp counts as UTC).
    pub(crate) fn epoch_micros(&self) -> i64 {
        let days = days_from_civil(i64::from(self.year), self.month, self.day);
        let secs = days * 86_400
            + i64::from(self.hour) * 3_600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
            - i64::from(self.offset_minutes.unwrap_or(0)) * 60;
        secs * 1_000_000 + i64::from(self.nanos / 1_000)
    }
}

/// Parses a timestamp of the supported shape; `None` when it is not one.
pub(crate) fn parse_timestamp(text: &str) -> Option<ParsedTimestamp> {
    let s = text.as_bytes();
    let year = digits(s, 0, 4)?;
    let month = digits(s, 5, 2)?;
    let day = digits(s, 8, 2)?;
    if s.get(4) != Some(&b'-') || s.get(7) != Some(&b'-') {
        return None;
    }
    let sep = *s.get(10)?;
    if sep != b' ' && sep != b'T' {
        return None;
    }
    let hour = digits(s, 11, 2)?;
    let minute = digits(s, 14, 2)?;
    if s.get(13) != Some(&b':') {
        return None;
    }
    let mut at = 16;
    let mut second = 0;
    let mut seconds = false;
    if s.get(at) == Some(&b':') {
        second = digits(s, at + 1, 2)?;
        seconds = true;
        at += 3;
    }
    let mut nanos = 0u32;
    let mut fraction = false;
    if seconds && s.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        while at < s.len() && s[at].is_ascii_digit() {
            at += 1;
        }
        let n = at - start;
        if n == 0 || n > 9 {
            return None;
        }
        nanos = digits(s, start, n)? * 10u32.pow((9 - n) as u32);
        fraction = true;
    }
    let offset_minutes = match s.get(at) {
        None => None,
        Some(b'Z') if at + 1 == s.len() => Some(0),
        Some(&sign @ (b'+' | b'-')) => {
            let oh = digits(s, at + 1, 2)?;
            let om = match s.len() - at {
                6 if s[at + 3] == b':' => digits(s, at + 4, 2)?,
                5 => digits(s, at + 3, 2)?,
                _ => return None,
            };
            if oh > 23 || om > 59 {
                return None;
            }
            let total = (oh * 60 + om) as i32;
            Some(if sign == b'-' { -total } else { total })
        }
        Some(_) => return None,
    };
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => return None,
    };
    if year == 0 || day == 0 || day > days_in_month || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    Some(ParsedTimestamp {
        year,
        month,
        day,
        hour,
        minute,
        second,
        nanos,
        offset_minutes,
        shape: Shape {
            sep,
            seconds,
            fraction,
            offset: offset_minutes.is_some(),
        },
    })
}

/// pandas `Timestamp.isoformat()`: `YYYY-MM-DDTHH:MM:SS`, then `.fffffffff` when there are
/// nanoseconds, `.ffffff` when there are microseconds, then `±HH:MM` when aware.
pub(crate) fn iso_format(t: &ParsedTimestamp) -> String {
    let mut s = Vec::with_capacity(35);
    // The year has four digits: parsing accepts nothing else.
    s.extend_from_slice(&two_digits(t.year / 100));
    s.extend_from_slice(&two_digits(t.year % 100));
    for (sep, field) in [
        (b'-', t.month),
        (b'-', t.day),
        (b'T', t.hour),
        (b':', t.minute),
        (b':', t.second),
    ] {
        s.push(sep);
        s.extend_from_slice(&two_digits(field));
    }
    let (fraction, digits) = if t.nanos % 1000 != 0 {
        (t.nanos, 9)
    } else {
        (t.nanos / 1000, 6)
    };
    if fraction != 0 {
        s.push(b'.');
        let mut buf = [b'0'; 9];
        let mut rest = fraction;
        for slot in buf[..digits].iter_mut().rev() {
            *slot = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        s.extend_from_slice(&buf[..digits]);
    }
    if let Some(off) = t.offset_minutes {
        s.push(if off < 0 { b'-' } else { b'+' });
        let off = off.unsigned_abs();
        s.extend_from_slice(&two_digits(off / 60));
        s.push(b':');
        s.extend_from_slice(&two_digits(off % 60));
    }
    super::ascii_to_string(s)
}

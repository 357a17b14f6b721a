//! What a call may give before anything is written: names short enough to be file names and
//! Polyaxon names, and timestamps Polyaxon's readers parse. Checked at the call, so a bad
//! value is an error for the caller and nothing of it reaches a file.
//!
//! - A name (metric, input, output, artifact, event) is at most [`MAX_NAME_BYTES`] bytes once
//!   sanitized: a metric is the file `events/metric/<name>.plx`, and a file name holds 255
//!   bytes; Polyaxon's artifact names hold 256 characters. The margin leaves room for the
//!   `.plx` extension and a rank suffix (`_rank<N>`).
//! - An explicit timestamp lies in [`MIN_YEAR`]..=[`MAX_YEAR`]: traceml reads event files
//!   with pandas, whose timestamps (nanoseconds since 1970 in an `i64`) end in April 2262; a
//!   single row outside makes the whole file unreadable (a ms/s mix-up gives year 19958).
//!   The check is one comparison, made only for calls that carry a timestamp.

use crate::error::Error;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The longest name, in bytes, after sanitization.
pub(crate) const MAX_NAME_BYTES: usize = 200;
/// The first year of an accepted timestamp.
pub(crate) const MIN_YEAR: i32 = 1900;
/// The last year of an accepted timestamp.
pub(crate) const MAX_YEAR: i32 = 2261;

/// 1900-01-01T00:00:00Z, in seconds before the Unix epoch.
const MIN_SECONDS_BEFORE_EPOCH: u64 = 2_208_988_800;
/// 2262-01-01T00:00:00Z, in seconds after the Unix epoch.
const END_SECONDS_AFTER_EPOCH: u64 = 9_183_110_400;

/// A sanitized name that is too long is an error naming it (shortened).
pub(crate) fn check_name(original: &str, sanitized: &str) -> Result<(), Error> {
    if sanitized.len() <= MAX_NAME_BYTES {
        return Ok(());
    }
    let mut shown: String = original.chars().take(40).collect();
    if shown.len() < original.len() {
        shown.push_str("...");
    }
    Err(Error::NameTooLong {
        name: shown,
        bytes: sanitized.len(),
        max: MAX_NAME_BYTES,
    })
}

/// A timestamp outside the years Polyaxon's readers parse is an error.
#[cold]
pub(crate) fn check_timestamp(t: SystemTime) -> Result<(), Error> {
    let inside = match t.duration_since(UNIX_EPOCH) {
        Ok(after) => after < Duration::from_secs(END_SECONDS_AFTER_EPOCH),
        Err(before) => before.duration() <= Duration::from_secs(MIN_SECONDS_BEFORE_EPOCH),
    };
    if inside {
        Ok(())
    } else {
        Err(Error::TimestampOutOfRange {
            timestamp: t,
            min_year: MIN_YEAR,
            max_year: MAX_YEAR,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fit_a_file_name() {
        assert!(check_name("loss", "loss").is_ok());
        let long = "n".repeat(MAX_NAME_BYTES);
        assert!(check_name(&long, &long).is_ok());
        let longer = "n".repeat(10_000);
        let err = check_name(&longer, &longer).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("10000 bytes") && text.len() < 300, "{text}");
    }

    #[test]
    fn timestamps_in_the_window() {
        let at = |secs: i64| {
            if secs >= 0 {
                UNIX_EPOCH + Duration::from_secs(secs as u64)
            } else {
                UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
            }
        };
        assert!(check_timestamp(SystemTime::now()).is_ok());
        assert!(check_timestamp(at(0)).is_ok());
        assert!(check_timestamp(at(-(MIN_SECONDS_BEFORE_EPOCH as i64))).is_ok());
        assert!(check_timestamp(at(-(MIN_SECONDS_BEFORE_EPOCH as i64) - 1)).is_err());
        assert!(check_timestamp(at(END_SECONDS_AFTER_EPOCH as i64 - 1)).is_ok());
        assert!(check_timestamp(at(END_SECONDS_AFTER_EPOCH as i64)).is_err());
        // Milliseconds taken for seconds: year ~57,000.
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        let err = check_timestamp(UNIX_EPOCH + Duration::from_secs(ms)).unwrap_err();
        assert!(err.to_string().contains("1900") && err.to_string().contains("2261"));
    }
}

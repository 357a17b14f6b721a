//! Numbers written the way Python writes them in Polyaxon's event files.
//!
//! [`write_py_float`] reproduces CPython's `repr(float)` (identical to `str(float)`) byte for
//! byte: the shortest digit string that round-trips, nearest to the exact value with ties to
//! even (CPython's `dtoa` mode 0), in fixed notation when the decimal exponent is in `[-4, 16)`
//! and as `d.ddde±XX` otherwise, plus `nan`, `inf`, `-inf` and `-0.0`. The digits come from the
//! `zmij` crate (the shortest round-trip digits, as serde_json writes them); only the layout is
//! ours, because `zmij` lays numbers out as JSON does (`1e-7`, fixed down to `1e-5`).
//! [`write_i64`] writes integers with `itoa`.
//!
//! Both append to a caller's buffer and allocate nothing beyond growing it.

/// Smallest decimal exponent CPython prints in fixed notation (`0.0001`, but `1e-05`).
const MIN_FIXED_EXP: i32 = -4;
/// Exclusive upper bound of the decimal exponents printed in fixed notation (`1e+16`).
const MAX_FIXED_EXP: i32 = 16;

/// Appends the decimal form of `n` (with a leading `-` when negative) to `out`.
#[inline]
pub fn write_i64(out: &mut Vec<u8>, n: i64) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// Appends Python's `repr(v)` to `out`.
///
/// Examples: `0.5`, `1.0`, `-0.0`, `0.30000000000000004`, `1e-05`, `0.0001`, `1e+16`,
/// `1.5e+16`, `9999999999999998.0`, `5e-324`, `nan`, `inf`, `-inf`.
pub fn write_py_float(out: &mut Vec<u8>, v: f64) {
    if v.is_nan() {
        out.extend_from_slice(b"nan");
        return;
    }
    if v.is_sign_negative() {
        out.push(b'-');
    }
    let a = v.abs();
    if a.is_infinite() {
        out.extend_from_slice(b"inf");
    } else if a == 0.0 {
        out.extend_from_slice(b"0.0");
    } else if a < 1e16 && a.trunc() == a {
        // Every integer below 1e16 is its own shortest round-trip form, in fixed notation.
        out.extend_from_slice(itoa::Buffer::new().format(a as u64).as_bytes());
        out.extend_from_slice(b".0");
    } else {
        let mut buf = zmij::Buffer::new();
        let (digits, exp) = Digits::of(buf.format_finite(a).as_bytes());
        digits.write_python(exp, out);
    }
}

/// Returns Python's `repr(v)` as a new string; see [`write_py_float`].
#[cfg(test)]
pub fn py_float(v: f64) -> String {
    let mut out = Vec::with_capacity(24);
    write_py_float(&mut out, v);
    String::from_utf8_lossy(&out).into_owned()
}

/// The significant digits of a positive number (at most 17, no leading or trailing zero).
struct Digits {
    buf: [u8; 20],
    len: usize,
}

impl Digits {
    /// Reads the digits and the decimal exponent of the first digit from `zmij`'s text of a
    /// positive finite number (`123.45`, `0.00001`, `1.5e-7`, `1e+16`).
    fn of(text: &[u8]) -> (Digits, i32) {
        let (mantissa, exp) = match text.iter().position(|&b| b == b'e') {
            Some(at) => (&text[..at], parse_exp(&text[at + 1..])),
            None => (text, 0),
        };
        let point = mantissa
            .iter()
            .position(|&b| b == b'.')
            .unwrap_or(mantissa.len());
        let mut digits = Digits {
            buf: [0; 20],
            len: 0,
        };
        // The exponent of the first significant digit: the integer part's length, less the
        // zeros skipped before it.
        let mut first = point as i32 - 1 + exp;
        for &b in mantissa.iter().filter(|b| b.is_ascii_digit()) {
            if digits.len == 0 && b == b'0' {
                first -= 1;
            } else if let Some(slot) = digits.buf.get_mut(digits.len) {
                *slot = b;
                digits.len += 1;
            }
        }
        while digits.len > 1 && digits.buf[digits.len - 1] == b'0' {
            digits.len -= 1;
        }
        (digits, first)
    }

    /// Appends the digits laid out as CPython's `repr` does, `exp` being the decimal exponent
    /// of the first digit.
    fn write_python(&self, exp: i32, out: &mut Vec<u8>) {
        let d = &self.buf[..self.len];
        if (MIN_FIXED_EXP..MAX_FIXED_EXP).contains(&exp) {
            if exp < 0 {
                out.extend_from_slice(b"0.");
                out.extend(std::iter::repeat_n(b'0', (-exp - 1) as usize));
                out.extend_from_slice(d);
            } else {
                let point = exp as usize + 1;
                if point >= d.len() {
                    out.extend_from_slice(d);
                    out.extend(std::iter::repeat_n(b'0', point - d.len()));
                    out.extend_from_slice(b".0");
                } else {
                    out.extend_from_slice(&d[..point]);
                    out.push(b'.');
                    out.extend_from_slice(&d[point..]);
                }
            }
        } else {
            out.push(d[0]);
            if d.len() > 1 {
                out.push(b'.');
                out.extend_from_slice(&d[1..]);
            }
            out.extend_from_slice(if exp < 0 { b"e-" } else { b"e+" });
            let e = exp.unsigned_abs();
            if e >= 100 {
                out.push(b'0' + (e / 100) as u8);
            }
            out.extend_from_slice(&[b'0' + (e / 10 % 10) as u8, b'0' + (e % 10) as u8]);
        }
    }
}

/// Parses `zmij`'s exponent (`+16`, `-7`, `308`).
fn parse_exp(text: &[u8]) -> i32 {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, text),
    };
    let e = digits
        .iter()
        .fold(0i32, |e, &b| e * 10 + i32::from(b.wrapping_sub(b'0') % 10));
    if negative {
        -e
    } else {
        e
    }
}

#[cfg(test)]
mod tests;

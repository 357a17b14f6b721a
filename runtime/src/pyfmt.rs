//! Python-compatible float formatting.
//!
//! [`write_py_float`] reproduces CPython's `repr(float)` / `str(float)` byte for byte: the
//! shortest digit string that round-trips, fixed notation when the decimal exponent is in
//! `[-4, 16)` and scientific notation (`1e-05`, `1e+16`) otherwise, `nan`, `inf`, `-inf`,
//! `-0.0`. [`write_orjson_float`] reproduces what orjson (3.10+) writes for a float: the same
//! digits, fixed notation for exponents in `[-5, 16)`, exponents without zero padding (`1e-6`,
//! `1e+16`) and `null` for non-finite values.
//!
//! Both write into a caller-provided buffer and never allocate beyond growing it. The digits come
//! from a self-contained implementation of the Ryū algorithm (shortest round-trip digits, nearest
//! to the exact value, ties to even: the same digits as CPython's `dtoa` mode 0), with its
//! power-of-five tables computed at compile time; integral values below `1e16` take a faster
//! integer path.

/// Pairs of decimal digits `00`..`99`, for two-digits-at-a-time integer formatting.
const DIGIT_PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Writes the two digits of `v < 100` at `buf[pos..pos + 2]`.
#[inline]
fn put2(buf: &mut [u8; 20], pos: usize, v: u32) {
    let i = (v as usize) * 2;
    buf[pos] = DIGIT_PAIRS[i];
    buf[pos + 1] = DIGIT_PAIRS[i + 1];
}

/// Formats `n` into the tail of `buf` and returns the index of its first digit.
#[inline]
fn fmt_u64(mut n: u64, buf: &mut [u8; 20]) -> usize {
    let mut pos = buf.len();
    // Eight digits at a time in 32-bit arithmetic.
    while n >= 100_000_000 {
        let chunk = (n % 100_000_000) as u32;
        n /= 100_000_000;
        let (hi, lo) = (chunk / 10_000, chunk % 10_000);
        pos -= 8;
        put2(buf, pos, hi / 100);
        put2(buf, pos + 2, hi % 100);
        put2(buf, pos + 4, lo / 100);
        put2(buf, pos + 6, lo % 100);
    }
    let mut m = n as u32; // < 10^8
    while m >= 100 {
        pos -= 2;
        put2(buf, pos, m % 100);
        m /= 100;
    }
    if m >= 10 {
        pos -= 2;
        put2(buf, pos, m);
    } else {
        pos -= 1;
        buf[pos] = b'0' + m as u8;
    }
    pos
}

/// Appends the decimal digits of `n` (no sign, no padding) to `out`.
pub fn write_u64(out: &mut Vec<u8>, n: u64) {
    let mut buf = [0u8; 20];
    let start = fmt_u64(n, &mut buf);
    out.extend_from_slice(&buf[start..]);
}

/// Appends the decimal form of `n` (with a leading `-` when negative) to `out`.
pub fn write_i64(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    write_u64(out, n.unsigned_abs());
}

/// Layout rules that differ between CPython's `repr` and orjson.
#[derive(Clone, Copy)]
struct Style {
    /// Smallest decimal exponent printed in fixed notation (`-4` for Python, `-5` for orjson).
    min_fixed_exp: i32,
    /// Whether scientific exponents are zero-padded to two digits (Python: `1e-05`).
    pad_exp: bool,
}

/// CPython `repr(float)`.
const PYTHON: Style = Style {
    min_fixed_exp: -4,
    pad_exp: true,
};

/// orjson `dumps(float)` (a test oracle: polytrack's JSON is written by serde_json).
#[cfg(test)]
const ORJSON: Style = Style {
    min_fixed_exp: -5,
    pad_exp: false,
};

/// Exclusive upper bound of the decimal exponents printed in fixed notation (both styles).
const MAX_FIXED_EXP: i32 = 16;

/// Appends Python's `repr(v)` (identical to `str(v)`) to `out`.
///
/// Examples: `0.5`, `1.0`, `-0.0`, `0.30000000000000004`, `1e-05`, `0.0001`,
/// `1e+16`, `1.5e+16`, `9999999999999998.0`, `5e-324`, `nan`, `inf`, `-inf`.
pub fn write_py_float(out: &mut Vec<u8>, v: f64) {
    if v.is_nan() {
        out.extend_from_slice(b"nan");
    } else if v.is_infinite() {
        out.extend_from_slice(if v < 0.0 { b"-inf" } else { b"inf" });
    } else {
        write_finite(out, v, PYTHON);
    }
}

/// Returns Python's `repr(v)` as a new string; see [`write_py_float`].
#[cfg(test)]
pub fn py_float(v: f64) -> String {
    let mut out = Vec::with_capacity(24);
    write_py_float(&mut out, v);
    // Only ASCII bytes are ever written, so the lossy conversion never replaces anything.
    String::from_utf8_lossy(&out).into_owned()
}

/// Appends the JSON text orjson (3.10+) writes for the float `v` to `out`.
///
/// Non-finite values become `null`, as orjson does. Examples: `0.5`, `1.0`, `-0.0`,
/// `0.00001`, `1e-6`, `1e+16`, `5e-324`.
#[cfg(test)]
pub fn write_orjson_float(out: &mut Vec<u8>, v: f64) {
    if v.is_finite() {
        write_finite(out, v, ORJSON);
    } else {
        out.extend_from_slice(b"null");
    }
}

/// Writes a finite `v` using `style`.
fn write_finite(out: &mut Vec<u8>, v: f64, style: Style) {
    if v.is_sign_negative() {
        out.push(b'-');
    }
    let a = v.abs();
    if a == 0.0 {
        out.extend_from_slice(b"0.0");
        return;
    }
    // Integral values below 1e16 print as their exact integer followed by `.0`: every integer in
    // that range is its own shortest round-trip representation and its exponent is in [0, 16).
    if a < 1e16 && a.trunc() == a {
        write_u64(out, a as u64);
        out.extend_from_slice(b".0");
        return;
    }

    let (mut mantissa, mut exp10) = shortest_decimal(a.to_bits());
    // Defensive: the digit string never ends in 0 (a shorter candidate would exist).
    while mantissa % 10 == 0 && mantissa != 0 {
        mantissa /= 10;
        exp10 += 1;
    }
    let mut digit_buf = [0u8; 20];
    let start = fmt_u64(mantissa, &mut digit_buf);
    let digits = &digit_buf[start..];
    let n = digits.len();
    // Decimal exponent of the first digit (scientific notation exponent).
    let exp = exp10 + n as i32 - 1;

    // Compose in a stack buffer and append once. Bounds: at most 17 digits, at most 4 leading
    // zeros after "0.", at most 16 integer digits plus ".0", or "d.<16 digits>e-324": < 48 bytes.
    let mut text = [b'0'; 48];
    let len;
    if exp >= style.min_fixed_exp && exp < MAX_FIXED_EXP {
        // Fixed notation.
        if exp < 0 {
            // "0." then -exp-1 zeros (already '0' in the buffer) then the digits.
            text[1] = b'.';
            let at = 2 + (-exp - 1) as usize;
            text[at..at + n].copy_from_slice(digits);
            len = at + n;
        } else {
            let point = exp as usize + 1;
            if point >= n {
                // All digits are integral: pad with zeros (already '0'), then ".0".
                text[..n].copy_from_slice(digits);
                text[point] = b'.';
                len = point + 2;
            } else {
                text[..point].copy_from_slice(&digits[..point]);
                text[point] = b'.';
                text[point + 1..n + 1].copy_from_slice(&digits[point..]);
                len = n + 1;
            }
        }
    } else {
        // Scientific notation: d[.ddd]e±XX.
        text[0] = digits[0];
        let mut at = 1;
        if n > 1 {
            text[1] = b'.';
            text[2..n + 1].copy_from_slice(&digits[1..]);
            at = n + 1;
        }
        text[at] = b'e';
        text[at + 1] = if exp < 0 { b'-' } else { b'+' };
        at += 2;
        let e = exp.unsigned_abs();
        if e >= 100 {
            text[at] = b'0' + (e / 100) as u8;
            at += 1;
        }
        if e >= 10 || style.pad_exp {
            text[at] = b'0' + (e / 10 % 10) as u8;
            at += 1;
        }
        text[at] = b'0' + (e % 10) as u8;
        len = at + 1;
    }
    out.extend_from_slice(&text[..len]);
}

// ---------------------------------------------------------------------------------------------
// Shortest round-trip digits (the Ryū algorithm, Ulf Adams, PLDI 2018).
//
// For a positive finite double this finds the decimal `d * 10^e` with the fewest digits that
// parses back to the same double, choosing the one closest to the exact binary value and, on an
// exact tie, the one with an even last digit. That is precisely the digit string of CPython's
// `repr` (David Gay's `dtoa`, mode 0) and of orjson. The 128-bit power-of-five tables are
// computed at compile time by the `const fn`s below.
// ---------------------------------------------------------------------------------------------

/// Explicit mantissa bits of an IEEE-754 double.
const MANTISSA_BITS: u32 = 52;
/// Exponent bias of an IEEE-754 double.
const EXPONENT_BIAS: i32 = 1023;
/// Bits kept of each `5^i` in [`POW5_SPLIT`].
const POW5_BITCOUNT: i32 = 121;
/// Bits kept of each `2^k / 5^q` in [`POW5_INV_SPLIT`].
const POW5_INV_BITCOUNT: i32 = 122;
/// Entries of [`POW5_SPLIT`]: `5^i` for `i` up to the largest needed for subnormals.
const POW5_TABLE_LEN: usize = 326;
/// Entries of [`POW5_INV_SPLIT`]: `5^-q` for `q` up to the largest needed for huge values.
const POW5_INV_TABLE_LEN: usize = 292;
/// 64-bit limbs of the compile-time big integers (832 bits; `5^325` needs 755, and the inverse
/// table's numerator `2^797` needs 798).
const BIG_LIMBS: usize = 13;

/// `e == 0 ? 1 : ceil(log2(5^e))`, valid for `0 <= e <= 1500`.
const fn pow5bits(e: i32) -> i32 {
    (((e as u32) * 1_217_359) >> 19) as i32 + 1
}

/// `floor(log10(2^e))`, valid for `0 <= e <= 1500`.
const fn log10_pow2(e: i32) -> i32 {
    (((e as u32) * 78_913) >> 18) as i32
}

/// `floor(log10(5^e))`, valid for `0 <= e <= 1500`.
const fn log10_pow5(e: i32) -> i32 {
    (((e as u32) * 732_923) >> 20) as i32
}

/// Returns bits `[shift, shift + 128)` of the little-endian big integer `x` as `[low, high]`.
const fn big_bits_at(x: &[u64; BIG_LIMBS], shift: u32) -> [u64; 2] {
    let limb = (shift / 64) as usize;
    let bit = shift % 64;
    let mut words = [0u64; 3];
    let mut k = 0;
    while k < 3 {
        if limb + k < BIG_LIMBS {
            words[k] = x[limb + k];
        }
        k += 1;
    }
    if bit == 0 {
        [words[0], words[1]]
    } else {
        [
            (words[0] >> bit) | (words[1] << (64 - bit)),
            (words[1] >> bit) | (words[2] << (64 - bit)),
        ]
    }
}

/// `POW5_SPLIT[i]` = the top [`POW5_BITCOUNT`] bits of `5^i` (shifted left when shorter), as
/// `[low, high]` 64-bit words.
const fn compute_pow5_split() -> [[u64; 2]; POW5_TABLE_LEN] {
    let mut table = [[0u64; 2]; POW5_TABLE_LEN];
    let mut pow = [0u64; BIG_LIMBS];
    pow[0] = 1;
    let mut i = 0;
    while i < POW5_TABLE_LEN {
        let len = pow5bits(i as i32);
        if len >= POW5_BITCOUNT {
            table[i] = big_bits_at(&pow, (len - POW5_BITCOUNT) as u32);
        } else {
            // Powers below 2^121 fit in the two low limbs.
            let v = (((pow[1] as u128) << 64) | pow[0] as u128) << (POW5_BITCOUNT - len);
            table[i] = [v as u64, (v >> 64) as u64];
        }
        // pow *= 5
        let mut carry: u128 = 0;
        let mut k = 0;
        while k < BIG_LIMBS {
            let cur = (pow[k] as u128) * 5 + carry;
            pow[k] = cur as u64;
            carry = cur >> 64;
            k += 1;
        }
        i += 1;
    }
    table
}

/// `POW5_INV_SPLIT[q]` = `floor(2^(pow5bits(q) - 1 + POW5_INV_BITCOUNT) / 5^q) + 1`, as
/// `[low, high]` 64-bit words. Computed from `X_q = floor(2^K / 5^q)` for one large `K`, using
/// `floor(X_q / 2^s) = floor(2^(K - s) / 5^q)` and `X_(q+1) = floor(X_q / 5)`.
const fn compute_pow5_inv_split() -> [[u64; 2]; POW5_INV_TABLE_LEN] {
    const K: i32 = pow5bits(POW5_INV_TABLE_LEN as i32 - 1) - 1 + POW5_INV_BITCOUNT;
    let mut table = [[0u64; 2]; POW5_INV_TABLE_LEN];
    let mut x = [0u64; BIG_LIMBS];
    x[(K / 64) as usize] = 1u64 << (K % 64);
    let mut q = 0;
    while q < POW5_INV_TABLE_LEN {
        let target = pow5bits(q as i32) - 1 + POW5_INV_BITCOUNT;
        let [lo, hi] = big_bits_at(&x, (K - target) as u32);
        let v = (((hi as u128) << 64) | lo as u128) + 1;
        table[q] = [v as u64, (v >> 64) as u64];
        // x /= 5
        let mut rem: u128 = 0;
        let mut k = BIG_LIMBS;
        while k > 0 {
            k -= 1;
            let cur = (rem << 64) | x[k] as u128;
            x[k] = (cur / 5) as u64;
            rem = cur % 5;
        }
        q += 1;
    }
    table
}

/// Truncated `5^i`, see [`compute_pow5_split`].
static POW5_SPLIT: [[u64; 2]; POW5_TABLE_LEN] = compute_pow5_split();
/// Rounded-up `2^k / 5^q`, see [`compute_pow5_inv_split`].
static POW5_INV_SPLIT: [[u64; 2]; POW5_INV_TABLE_LEN] = compute_pow5_inv_split();

/// `floor(m * mul / 2^j)` for a 55-bit `m`, a 124-bit `mul` and `j >= 64`.
#[inline]
fn mul_shift(m: u64, mul: &[u64; 2], j: i32) -> u64 {
    let b0 = u128::from(m) * u128::from(mul[0]);
    let b2 = u128::from(m) * u128::from(mul[1]);
    (((b0 >> 64) + b2) >> (j - 64)) as u64
}

/// Number of times 5 divides `value` (0 for 0).
#[inline]
fn pow5_factor(mut value: u64) -> u32 {
    let mut count = 0;
    while value > 0 && value % 5 == 0 {
        value /= 5;
        count += 1;
    }
    count
}

/// Whether `5^p` divides `value`.
#[inline]
fn multiple_of_pow5(value: u64, p: i32) -> bool {
    p <= 0 || pow5_factor(value) >= p as u32
}

/// Whether `2^p` divides `value` (`p < 64`).
#[inline]
fn multiple_of_pow2(value: u64, p: i32) -> bool {
    p <= 0 || value.trailing_zeros() >= p as u32
}

/// Shortest round-trip decimal of the positive finite double with bit pattern `bits`:
/// returns `(d, e)` such that `d * 10^e` is the nearest shortest decimal (ties to even).
fn shortest_decimal(bits: u64) -> (u64, i32) {
    let ieee_mantissa = bits & ((1u64 << MANTISSA_BITS) - 1);
    let ieee_exponent = ((bits >> MANTISSA_BITS) & 0x7ff) as i32;
    // Two extra bits so that the interval bounds are integers.
    let (e2, m2) = if ieee_exponent == 0 {
        (1 - EXPONENT_BIAS - MANTISSA_BITS as i32 - 2, ieee_mantissa)
    } else {
        (
            ieee_exponent - EXPONENT_BIAS - MANTISSA_BITS as i32 - 2,
            (1u64 << MANTISSA_BITS) | ieee_mantissa,
        )
    };
    let accept_bounds = m2 & 1 == 0;

    // The interval of values that round to this double is [mm, mp] * 2^e2 (scaled by 4).
    let mv = 4 * m2;
    let mm_shift = u64::from(ieee_mantissa != 0 || ieee_exponent <= 1);

    let mut vr: u64;
    let mut vp: u64;
    let mut vm: u64;
    let e10: i32;
    let mut vm_trailing_zeros = false;
    let mut vr_trailing_zeros = false;
    if e2 >= 0 {
        let q = log10_pow2(e2) - i32::from(e2 > 3);
        e10 = q;
        let k = POW5_INV_BITCOUNT + pow5bits(q) - 1;
        let i = -e2 + q + k;
        let mul = &POW5_INV_SPLIT[q as usize];
        vr = mul_shift(mv, mul, i);
        vp = mul_shift(mv + 2, mul, i);
        vm = mul_shift(mv - 1 - mm_shift, mul, i);
        if q <= 21 {
            // At most one of mp, mv and mm is a multiple of 5.
            if mv % 5 == 0 {
                vr_trailing_zeros = multiple_of_pow5(mv, q);
            } else if accept_bounds {
                vm_trailing_zeros = multiple_of_pow5(mv - 1 - mm_shift, q);
            } else {
                vp -= u64::from(multiple_of_pow5(mv + 2, q));
            }
        }
    } else {
        let q = log10_pow5(-e2) - i32::from(-e2 > 1);
        e10 = q + e2;
        let i = -e2 - q;
        let k = pow5bits(i) - POW5_BITCOUNT;
        let j = q - k;
        let mul = &POW5_SPLIT[i as usize];
        vr = mul_shift(mv, mul, j);
        vp = mul_shift(mv + 2, mul, j);
        vm = mul_shift(mv - 1 - mm_shift, mul, j);
        if q <= 1 {
            // mv = 4 * m2 always has at least two trailing zero bits.
            vr_trailing_zeros = true;
            if accept_bounds {
                // mm = mv - 1 - mm_shift has a trailing zero bit iff mm_shift == 1.
                vm_trailing_zeros = mm_shift == 1;
            } else {
                // mp = mv + 2 always has at least one trailing zero bit.
                vp -= 1;
            }
        } else if q < 63 {
            vr_trailing_zeros = multiple_of_pow2(mv, q);
        }
    }

    // Remove digits while the interval still holds a shorter candidate.
    let mut removed: i32 = 0;
    let mut last_removed_digit: u64 = 0;
    let output = if vm_trailing_zeros || vr_trailing_zeros {
        // General case (rare).
        while vp / 10 > vm / 10 {
            vm_trailing_zeros &= vm % 10 == 0;
            vr_trailing_zeros &= last_removed_digit == 0;
            last_removed_digit = vr % 10;
            vr /= 10;
            vp /= 10;
            vm /= 10;
            removed += 1;
        }
        if vm_trailing_zeros {
            while vm % 10 == 0 && vm != 0 {
                vr_trailing_zeros &= last_removed_digit == 0;
                last_removed_digit = vr % 10;
                vr /= 10;
                vm /= 10;
                removed += 1;
            }
        }
        if vr_trailing_zeros && last_removed_digit == 5 && vr % 2 == 0 {
            // Exactly halfway: round half to even.
            last_removed_digit = 4;
        }
        vr + u64::from(
            (vr == vm && (!accept_bounds || !vm_trailing_zeros)) || last_removed_digit >= 5,
        )
    } else {
        // Common case: only whether the removed part is >= one half matters.
        let mut round_up = false;
        if vp / 100 > vm / 100 {
            round_up = vr % 100 >= 50;
            vr /= 100;
            vp /= 100;
            vm /= 100;
            removed += 2;
        }
        while vp / 10 > vm / 10 {
            round_up = vr % 10 >= 5;
            vr /= 10;
            vp /= 10;
            vm /= 10;
            removed += 1;
        }
        vr + u64::from(vr == vm || round_up)
    };
    (output, e10 + removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn py(v: f64) -> String {
        py_float(v)
    }

    fn oj(v: f64) -> String {
        let mut out = Vec::new();
        write_orjson_float(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn specials() {
        assert_eq!(py(f64::NAN), "nan");
        assert_eq!(py(-f64::NAN), "nan");
        assert_eq!(py(f64::INFINITY), "inf");
        assert_eq!(py(f64::NEG_INFINITY), "-inf");
        assert_eq!(py(0.0), "0.0");
        assert_eq!(py(-0.0), "-0.0");
        assert_eq!(oj(f64::NAN), "null");
        assert_eq!(oj(f64::INFINITY), "null");
        assert_eq!(oj(-0.0), "-0.0");
    }

    #[test]
    fn boundaries() {
        assert_eq!(py(1e-5), "1e-05");
        assert_eq!(py(1e-4), "0.0001");
        assert_eq!(py(1e15), "1000000000000000.0");
        assert_eq!(py(1e16), "1e+16");
        assert_eq!(py(1.5e16), "1.5e+16");
        assert_eq!(py(9999999999999998.0), "9999999999999998.0");
        assert_eq!(py(2.2250738585072014e-308), "2.2250738585072014e-308");
        assert_eq!(py(5e-324), "5e-324");
        assert_eq!(py(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(py(1.0), "1.0");
        assert_eq!(py(-2.5), "-2.5");
        assert_eq!(py(1e100), "1e+100");
        assert_eq!(oj(1e-5), "0.00001");
        assert_eq!(oj(1e-6), "1e-6");
        assert_eq!(oj(1e16), "1e+16");
        assert_eq!(oj(2.5e-6), "2.5e-6");
    }

    #[test]
    fn integers() {
        let mut out = Vec::new();
        for n in [0i64, 1, 9, 10, 99, 100, 12345, -7, i64::MAX, i64::MIN] {
            out.clear();
            write_i64(&mut out, n);
            assert_eq!(String::from_utf8(out.clone()).unwrap(), n.to_string());
        }
        out.clear();
        write_u64(&mut out, u64::MAX);
        assert_eq!(String::from_utf8(out).unwrap(), u64::MAX.to_string());
    }

    #[test]
    fn power_of_five_tables() {
        // Spot checks against the published Ryu tables (121/122-bit variants).
        assert_eq!(POW5_SPLIT[0], [0, 72_057_594_037_927_936]);
        assert_eq!(POW5_SPLIT[1], [0, 90_071_992_547_409_920]);
        assert_eq!(POW5_INV_SPLIT[0], [1, 288_230_376_151_711_744]);
        assert_eq!(
            POW5_INV_SPLIT[1],
            [3_689_348_814_741_910_324, 230_584_300_921_369_395]
        );
        assert_eq!(
            POW5_INV_SPLIT[291],
            [14_258_051_472_207_991_719, 179_769_313_486_231_590]
        );
        // 5^325 truncated to 121 bits, checked with Python.
        let p = POW5_SPLIT[325];
        assert_eq!(p[1] >> 56, 1);
    }

    #[test]
    fn round_trips_and_is_shortest_for_many_values() {
        // xorshift over raw bit patterns; every finite value must parse back exactly, and
        // dropping the last digit must not (shortest).
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut out = Vec::new();
        for i in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = if i % 2 == 0 {
                f64::from_bits(x)
            } else {
                (x >> 11) as f64 / (1u64 << 53) as f64
            };
            if !v.is_finite() {
                continue;
            }
            out.clear();
            write_py_float(&mut out, v);
            let text = std::str::from_utf8(&out).unwrap();
            assert_eq!(
                text.parse::<f64>().unwrap().to_bits(),
                v.to_bits(),
                "{text}"
            );
            out.clear();
            write_orjson_float(&mut out, v);
            let text = std::str::from_utf8(&out).unwrap();
            assert_eq!(
                text.parse::<f64>().unwrap().to_bits(),
                v.to_bits(),
                "{text}"
            );
        }
    }

    #[test]
    fn appends_without_clearing() {
        let mut out = b"x=".to_vec();
        write_py_float(&mut out, 0.25);
        assert_eq!(out, b"x=0.25");
    }

    #[test]
    fn matches_cpython_and_orjson_table() {
        for &(bits, want_py, want_oj) in PY_FLOATS {
            let v = f64::from_bits(bits);
            assert_eq!(py(v), want_py, "repr of {bits:#018x}");
            assert_eq!(oj(v), want_oj, "orjson of {bits:#018x}");
        }
    }

    /// `(bits, repr(float), orjson.dumps(float))` generated with CPython 3.11 and orjson 3.13.
    #[rustfmt::skip]
    const PY_FLOATS: &[(u64, &str, &str)] = &[
        (0x0000000000000000, "0.0", "0.0"),
        (0x0000000000000000, "0.0", "0.0"),
        (0x0000000000000001, "5e-324", "5e-324"),
        (0x0000000000000000, "0.0", "0.0"),
        (0x0000000000000000, "0.0", "0.0"),
        (0x0000000000000001, "5e-324", "5e-324"),
        (0x0000000000000002, "1e-323", "1e-323"),
        (0x0000000000000001, "5e-324", "5e-324"),
        (0x0000000000000003, "1.5e-323", "1.5e-323"),
        (0x000730d67819e8d2, "1e-308", "1e-308"),
        (0x000730d67819e8d1, "9.999999999999994e-309", "9.999999999999994e-309"),
        (0x000730d67819e8d3, "1.0000000000000004e-308", "1.0000000000000004e-308"),
        (0x0031fa182c40c60d, "1e-307", "1e-307"),
        (0x0031fa182c40c60c, "9.999999999999997e-308", "9.999999999999997e-308"),
        (0x0031fa182c40c60e, "1.0000000000000001e-307", "1.0000000000000001e-307"),
        (0x04f7cad23de82d7b, "1e-284", "1e-284"),
        (0x04f7cad23de82d7a, "9.999999999999999e-285", "9.999999999999999e-285"),
        (0x04f7cad23de82d7c, "1.0000000000000002e-284", "1.0000000000000002e-284"),
        (0x0d7b4feb7eb212cd, "1e-243", "1e-243"),
        (0x0d7b4feb7eb212cc, "9.999999999999999e-244", "9.999999999999999e-244"),
        (0x0d7b4feb7eb212ce, "1.0000000000000001e-243", "1.0000000000000001e-243"),
        (0x15ff5a549627a36c, "1e-202", "1e-202"),
        (0x15ff5a549627a36b, "9.999999999999999e-203", "9.999999999999999e-203"),
        (0x15ff5a549627a36d, "1.0000000000000001e-202", "1.0000000000000001e-202"),
        (0x1e81fee341fc585d, "1e-161", "1e-161"),
        (0x1e81fee341fc585c, "9.999999999999998e-162", "9.999999999999998e-162"),
        (0x1e81fee341fc585e, "1.0000000000000002e-161", "1.0000000000000002e-161"),
        (0x2704a8729fc3ddb7, "1e-120", "1e-120"),
        (0x2704a8729fc3ddb6, "9.999999999999998e-121", "9.999999999999998e-121"),
        (0x2704a8729fc3ddb8, "1.0000000000000002e-120", "1.0000000000000002e-120"),
        (0x2f87b6d71d20b96c, "1e-79", "1e-79"),
        (0x2f87b6d71d20b96b, "9.999999999999998e-80", "9.999999999999998e-80"),
        (0x2f87b6d71d20b96d, "1.0000000000000001e-79", "1.0000000000000001e-79"),
        (0x380b38fb9daa78e4, "1e-38", "1e-38"),
        (0x380b38fb9daa78e3, "9.999999999999998e-39", "9.999999999999998e-39"),
        (0x380b38fb9daa78e5, "1.0000000000000001e-38", "1.0000000000000001e-38"),
        (0x3e7ad7f29abcaf48, "1e-07", "1e-7"),
        (0x3e7ad7f29abcaf47, "9.999999999999998e-08", "9.999999999999998e-8"),
        (0x3e7ad7f29abcaf49, "1.0000000000000001e-07", "1.0000000000000001e-7"),
        (0x3eb0c6f7a0b5ed8d, "1e-06", "1e-6"),
        (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-07", "9.999999999999997e-7"),
        (0x3eb0c6f7a0b5ed8e, "1.0000000000000002e-06", "1.0000000000000002e-6"),
        (0x3ee4f8b588e368f1, "1e-05", "0.00001"),
        (0x3ee4f8b588e368f0, "9.999999999999999e-06", "9.999999999999999e-6"),
        (0x3ee4f8b588e368f2, "1.0000000000000003e-05", "0.000010000000000000003"),
        (0x3f1a36e2eb1c432d, "0.0001", "0.0001"),
        (0x3f1a36e2eb1c432c, "9.999999999999999e-05", "0.00009999999999999999"),
        (0x3f1a36e2eb1c432e, "0.00010000000000000002", "0.00010000000000000002"),
        (0x3f50624dd2f1a9fc, "0.001", "0.001"),
        (0x3f50624dd2f1a9fb, "0.0009999999999999998", "0.0009999999999999998"),
        (0x3f50624dd2f1a9fd, "0.0010000000000000002", "0.0010000000000000002"),
        (0x3f847ae147ae147b, "0.01", "0.01"),
        (0x3f847ae147ae147a, "0.009999999999999998", "0.009999999999999998"),
        (0x3f847ae147ae147c, "0.010000000000000002", "0.010000000000000002"),
        (0x3fb999999999999a, "0.1", "0.1"),
        (0x3fb9999999999999, "0.09999999999999999", "0.09999999999999999"),
        (0x3fb999999999999b, "0.10000000000000002", "0.10000000000000002"),
        (0x3ff0000000000000, "1.0", "1.0"),
        (0x3fefffffffffffff, "0.9999999999999999", "0.9999999999999999"),
        (0x3ff0000000000001, "1.0000000000000002", "1.0000000000000002"),
        (0x4024000000000000, "10.0", "10.0"),
        (0x4023ffffffffffff, "9.999999999999998", "9.999999999999998"),
        (0x4024000000000001, "10.000000000000002", "10.000000000000002"),
        (0x4059000000000000, "100.0", "100.0"),
        (0x4058ffffffffffff, "99.99999999999999", "99.99999999999999"),
        (0x4059000000000001, "100.00000000000001", "100.00000000000001"),
        (0x408f400000000000, "1000.0", "1000.0"),
        (0x408f3fffffffffff, "999.9999999999999", "999.9999999999999"),
        (0x408f400000000001, "1000.0000000000001", "1000.0000000000001"),
        (0x40c3880000000000, "10000.0", "10000.0"),
        (0x40c387ffffffffff, "9999.999999999998", "9999.999999999998"),
        (0x40c3880000000001, "10000.000000000002", "10000.000000000002"),
        (0x40f86a0000000000, "100000.0", "100000.0"),
        (0x40f869ffffffffff, "99999.99999999999", "99999.99999999999"),
        (0x40f86a0000000001, "100000.00000000001", "100000.00000000001"),
        (0x412e848000000000, "1000000.0", "1000000.0"),
        (0x412e847fffffffff, "999999.9999999999", "999999.9999999999"),
        (0x412e848000000001, "1000000.0000000001", "1000000.0000000001"),
        (0x416312d000000000, "10000000.0", "10000000.0"),
        (0x416312cfffffffff, "9999999.999999998", "9999999.999999998"),
        (0x416312d000000001, "10000000.000000002", "10000000.000000002"),
        (0x4197d78400000000, "100000000.0", "100000000.0"),
        (0x4197d783ffffffff, "99999999.99999999", "99999999.99999999"),
        (0x4197d78400000001, "100000000.00000001", "100000000.00000001"),
        (0x41cdcd6500000000, "1000000000.0", "1000000000.0"),
        (0x41cdcd64ffffffff, "999999999.9999999", "999999999.9999999"),
        (0x41cdcd6500000001, "1000000000.0000001", "1000000000.0000001"),
        (0x4202a05f20000000, "10000000000.0", "10000000000.0"),
        (0x4202a05f1fffffff, "9999999999.999998", "9999999999.999998"),
        (0x4202a05f20000001, "10000000000.000002", "10000000000.000002"),
        (0x42374876e8000000, "100000000000.0", "100000000000.0"),
        (0x42374876e7ffffff, "99999999999.99998", "99999999999.99998"),
        (0x42374876e8000001, "100000000000.00002", "100000000000.00002"),
        (0x426d1a94a2000000, "1000000000000.0", "1000000000000.0"),
        (0x426d1a94a1ffffff, "999999999999.9999", "999999999999.9999"),
        (0x426d1a94a2000001, "1000000000000.0001", "1000000000000.0001"),
        (0x42a2309ce5400000, "10000000000000.0", "10000000000000.0"),
        (0x42a2309ce53fffff, "9999999999999.998", "9999999999999.998"),
        (0x42a2309ce5400001, "10000000000000.002", "10000000000000.002"),
        (0x42d6bcc41e900000, "100000000000000.0", "100000000000000.0"),
        (0x42d6bcc41e8fffff, "99999999999999.98", "99999999999999.98"),
        (0x42d6bcc41e900001, "100000000000000.02", "100000000000000.02"),
        (0x430c6bf526340000, "1000000000000000.0", "1000000000000000.0"),
        (0x430c6bf52633ffff, "999999999999999.9", "999999999999999.9"),
        (0x430c6bf526340001, "1000000000000000.1", "1000000000000000.1"),
        (0x4341c37937e08000, "1e+16", "1e+16"),
        (0x4341c37937e07fff, "9999999999999998.0", "9999999999999998.0"),
        (0x4341c37937e08001, "1.0000000000000002e+16", "1.0000000000000002e+16"),
        (0x4376345785d8a000, "1e+17", "1e+17"),
        (0x4376345785d89fff, "9.999999999999998e+16", "9.999999999999998e+16"),
        (0x4376345785d8a001, "1.0000000000000002e+17", "1.0000000000000002e+17"),
        (0x43abc16d674ec800, "1e+18", "1e+18"),
        (0x43abc16d674ec7ff, "9.999999999999999e+17", "9.999999999999999e+17"),
        (0x43abc16d674ec801, "1.0000000000000001e+18", "1.0000000000000001e+18"),
        (0x4911efc659cf7d4c, "1e+44", "1e+44"),
        (0x4911efc659cf7d4b, "9.999999999999999e+43", "9.999999999999999e+43"),
        (0x4911efc659cf7d4d, "1.0000000000000003e+44", "1.0000000000000003e+44"),
        (0x5194971956342ac8, "1e+85", "1e+85"),
        (0x5194971956342ac7, "9.999999999999998e+84", "9.999999999999998e+84"),
        (0x5194971956342ac9, "1.0000000000000002e+85", "1.0000000000000002e+85"),
        (0x5a17a2ecc414a03f, "1e+126", "1e+126"),
        (0x5a17a2ecc414a03e, "9.999999999999998e+125", "9.999999999999998e+125"),
        (0x5a17a2ecc414a040, "1.0000000000000001e+126", "1.0000000000000001e+126"),
        (0x629b221effe500d4, "1e+167", "1e+167"),
        (0x629b221effe500d3, "9.999999999999999e+166", "9.999999999999999e+166"),
        (0x629b221effe500d5, "1.0000000000000002e+167", "1.0000000000000002e+167"),
        (0x6b1f25c186a6f04c, "1e+208", "1e+208"),
        (0x6b1f25c186a6f04b, "9.999999999999999e+207", "9.999999999999999e+207"),
        (0x6b1f25c186a6f04d, "1.0000000000000001e+208", "1.0000000000000001e+208"),
        (0x73a1e0b622c774d0, "1e+249", "1e+249"),
        (0x73a1e0b622c774cf, "9.999999999999997e+248", "9.999999999999997e+248"),
        (0x73a1e0b622c774d1, "1.0000000000000001e+249", "1.0000000000000001e+249"),
        (0x7c2485ce9e7a065f, "1e+290", "1e+290"),
        (0x7c2485ce9e7a065e, "9.999999999999999e+289", "9.999999999999999e+289"),
        (0x7c2485ce9e7a0660, "1.0000000000000002e+290", "1.0000000000000002e+290"),
        (0x7fac7b1f3cac7433, "1e+307", "1e+307"),
        (0x7fac7b1f3cac7432, "9.999999999999999e+306", "9.999999999999999e+306"),
        (0x7fac7b1f3cac7434, "1.0000000000000001e+307", "1.0000000000000001e+307"),
        (0x7fe1ccf385ebc8a0, "1e+308", "1e+308"),
        (0x7fe1ccf385ebc89f, "9.999999999999998e+307", "9.999999999999998e+307"),
        (0x7fe1ccf385ebc8a1, "1.0000000000000002e+308", "1.0000000000000002e+308"),
        (0x3eb0c6f7a0b5ed8d, "1e-06", "1e-6"),
        (0x3eb92a737110e454, "1.5e-06", "1.5e-6"),
        (0x3ee4f8b588e368ef, "9.999999999999997e-06", "9.999999999999997e-6"),
        (0x3ec4f8b588e368f0, "2.4999999999999998e-06", "2.4999999999999998e-6"),
        (0x405edd3c07ee0b0b, "123.456789", "123.456789"),
        (0x3ee4f8b588e368f1, "1e-05", "0.00001"),
        (0x3eef75104d551d6a, "1.5000000000000002e-05", "0.000015000000000000002"),
        (0x3f1a36e2eb1c432c, "9.999999999999999e-05", "0.00009999999999999999"),
        (0x3efa36e2eb1c432d, "2.5e-05", "0.000025"),
        (0x40934a4584f4c6e7, "1234.56789", "1234.56789"),
        (0x3f1a36e2eb1c432d, "0.0001", "0.0001"),
        (0x3f23a92a30553262, "0.00015000000000000001", "0.00015000000000000001"),
        (0x3f50624dd2f1a9fb, "0.0009999999999999998", "0.0009999999999999998"),
        (0x3f30624dd2f1a9fc, "0.00025", "0.00025"),
        (0x40c81cd6e631f8a1, "12345.6789", "12345.6789"),
        (0x3f50624dd2f1a9fc, "0.001", "0.001"),
        (0x3f589374bc6a7efa, "0.0015", "0.0015"),
        (0x3f847ae147ae147a, "0.009999999999999998", "0.009999999999999998"),
        (0x3f647ae147ae147b, "0.0025", "0.0025"),
        (0x40fe240c9fbe76c9, "123456.789", "123456.789"),
        (0x3f847ae147ae147b, "0.01", "0.01"),
        (0x3f8eb851eb851eb8, "0.015", "0.015"),
        (0x3fb9999999999998, "0.09999999999999998", "0.09999999999999998"),
        (0x3f9999999999999a, "0.025", "0.025"),
        (0x4132d687e3d70a3e, "1234567.8900000001", "1234567.8900000001"),
        (0x3fb999999999999a, "0.1", "0.1"),
        (0x3fc3333333333334, "0.15000000000000002", "0.15000000000000002"),
        (0x3fefffffffffffff, "0.9999999999999999", "0.9999999999999999"),
        (0x3fd0000000000000, "0.25", "0.25"),
        (0x41678c29dccccccd, "12345678.9", "12345678.9"),
        (0x3ff0000000000000, "1.0", "1.0"),
        (0x3ff8000000000000, "1.5", "1.5"),
        (0x4023ffffffffffff, "9.999999999999998", "9.999999999999998"),
        (0x4004000000000000, "2.5", "2.5"),
        (0x419d6f3454000000, "123456789.0", "123456789.0"),
        (0x4024000000000000, "10.0", "10.0"),
        (0x402e000000000000, "15.0", "15.0"),
        (0x4058ffffffffffff, "99.99999999999999", "99.99999999999999"),
        (0x4039000000000000, "25.0", "25.0"),
        (0x41d26580b4800000, "1234567890.0", "1234567890.0"),
        (0x4059000000000000, "100.0", "100.0"),
        (0x4062c00000000000, "150.0", "150.0"),
        (0x408f3ffffffffffe, "999.9999999999998", "999.9999999999998"),
        (0x406f400000000000, "250.0", "250.0"),
        (0x4206fee0e1a00000, "12345678900.0", "12345678900.0"),
        (0x408f400000000000, "1000.0", "1000.0"),
        (0x4097700000000000, "1500.0", "1500.0"),
        (0x40c387ffffffffff, "9999.999999999998", "9999.999999999998"),
        (0x40a3880000000000, "2500.0", "2500.0"),
        (0x423cbe991a080000, "123456789000.0", "123456789000.0"),
        (0x40c3880000000000, "10000.0", "10000.0"),
        (0x40cd4c0000000000, "15000.0", "15000.0"),
        (0x40f869ffffffffff, "99999.99999999999", "99999.99999999999"),
        (0x40d86a0000000000, "25000.0", "25000.0"),
        (0x4271f71fb0450000, "1234567890000.0", "1234567890000.0"),
        (0x40f86a0000000000, "100000.0", "100000.0"),
        (0x41024f8000000000, "150000.0", "150000.0"),
        (0x412e847ffffffffe, "999999.9999999998", "999999.9999999998"),
        (0x410e848000000000, "250000.0", "250000.0"),
        (0x42a674e79c564000, "12345678900000.0", "12345678900000.0"),
        (0x412e848000000000, "1000000.0", "1000000.0"),
        (0x4136e36000000000, "1500000.0", "1500000.0"),
        (0x416312cfffffffff, "9999999.999999998", "9999999.999999998"),
        (0x414312d000000000, "2500000.0", "2500000.0"),
        (0x42dc1221836bd000, "123456789000000.0", "123456789000000.0"),
        (0x416312d000000000, "10000000.0", "10000000.0"),
        (0x416c9c3800000000, "15000000.0", "15000000.0"),
        (0x4197d783ffffffff, "99999999.99999999", "99999999.99999999"),
        (0x4177d78400000000, "25000000.0", "25000000.0"),
        (0x43118b54f2236200, "1234567890000000.0", "1234567890000000.0"),
        (0x4197d78400000000, "100000000.0", "100000000.0"),
        (0x41a1e1a300000000, "150000000.0", "150000000.0"),
        (0x41cdcd64ffffffff, "999999999.9999999", "999999999.9999999"),
        (0x41adcd6500000000, "250000000.0", "250000000.0"),
        (0x4345ee2a2eac3a80, "1.23456789e+16", "1.23456789e+16"),
        (0x41cdcd6500000000, "1000000000.0", "1000000000.0"),
        (0x41d65a0bc0000000, "1500000000.0", "1500000000.0"),
        (0x4202a05f1fffffff, "9999999999.999998", "9999999999.999998"),
        (0x41e2a05f20000000, "2500000000.0", "2500000000.0"),
        (0x437b69b4ba574920, "1.23456789e+17", "1.23456789e+17"),
        (0x4202a05f20000000, "10000000000.0", "10000000000.0"),
        (0x420bf08eb0000000, "15000000000.0", "15000000000.0"),
        (0x42374876e7ffffff, "99999999999.99998", "99999999999.99998"),
        (0x42174876e8000000, "25000000000.0", "25000000000.0"),
        (0x43b12210f4768db4, "1.23456789e+18", "1.23456789e+18"),
        (0x42374876e8000000, "100000000000.0", "100000000000.0"),
        (0x424176592e000000, "150000000000.0", "150000000000.0"),
        (0x426d1a94a1ffffff, "999999999999.9999", "999999999999.9999"),
        (0x424d1a94a2000000, "250000000000.0", "250000000000.0"),
        (0x43e56a9531943121, "1.23456789e+19", "1.23456789e+19"),
        (0x426d1a94a2000000, "1000000000000.0", "1000000000000.0"),
        (0x4275d3ef79800000, "1500000000000.0", "1500000000000.0"),
        (0x42a2309ce53fffff, "9999999999999.998", "9999999999999.998"),
        (0x4282309ce5400000, "2500000000000.0", "2500000000000.0"),
        (0x441ac53a7df93d69, "1.23456789e+20", "1.23456789e+20"),
        (0x42a2309ce5400000, "10000000000000.0", "10000000000000.0"),
        (0x42ab48eb57e00000, "15000000000000.0", "15000000000000.0"),
        (0x42d6bcc41e8fffff, "99999999999999.98", "99999999999999.98"),
        (0x42b6bcc41e900000, "25000000000000.0", "25000000000000.0"),
        (0x4450bb448ebbc662, "1.23456789e+21", "1.23456789e+21"),
        (0x42d6bcc41e900000, "100000000000000.0", "100000000000000.0"),
        (0x42e10d9316ec0000, "150000000000000.0", "150000000000000.0"),
        (0x430c6bf52633ffff, "999999999999999.9", "999999999999999.9"),
        (0x42ec6bf526340000, "250000000000000.0", "250000000000000.0"),
        (0x4484ea15b26ab7fa, "1.23456789e+22", "1.23456789e+22"),
        (0x430c6bf526340000, "1000000000000000.0", "1000000000000000.0"),
        (0x431550f7dca70000, "1500000000000000.0", "1500000000000000.0"),
        (0x4341c37937e07fff, "9999999999999998.0", "9999999999999998.0"),
        (0x4321c37937e08000, "2500000000000000.0", "2500000000000000.0"),
        (0x44ba249b1f0565f9, "1.23456789e+23", "1.23456789e+23"),
        (0x4341c37937e08000, "1e+16", "1e+16"),
        (0x434aa535d3d0c000, "1.5e+16", "1.5e+16"),
        (0x4376345785d89fff, "9.999999999999998e+16", "9.999999999999998e+16"),
        (0x4356345785d8a000, "2.5e+16", "2.5e+16"),
        (0x44f056e0f3635fbb, "1.23456789e+24", "1.23456789e+24"),
        (0x4376345785d8a000, "1e+17", "1e+17"),
        (0x4380a741a4627800, "1.5e+17", "1.5e+17"),
        (0x43abc16d674ec7ff, "9.999999999999999e+17", "9.999999999999999e+17"),
        (0x438bc16d674ec800, "2.5e+17", "2.5e+17"),
        (0x45246c99303c37aa, "1.23456789e+25", "1.23456789e+25"),
        (0x3fd3333333333334, "0.30000000000000004", "0.30000000000000004"),
        (0x3fd5555555555555, "0.3333333333333333", "0.3333333333333333"),
        (0x3fe5555555555555, "0.6666666666666666", "0.6666666666666666"),
        (0x4340000000000000, "9007199254740992.0", "9007199254740992.0"),
        (0x4340000000000001, "9007199254740994.0", "9007199254740994.0"),
        (0x433fffffffffffff, "9007199254740991.0", "9007199254740991.0"),
        (0x43e0000000000000, "9.223372036854776e+18", "9.223372036854776e+18"),
        (0x43f0000000000000, "1.8446744073709552e+19", "1.8446744073709552e+19"),
        (0x4341c37937e07fff, "9999999999999998.0", "9999999999999998.0"),
        (0x4341c37937e07fff, "9999999999999998.0", "9999999999999998.0"),
        (0x437b69b4ba630f35, "1.2345678901234568e+17", "1.2345678901234568e+17"),
        (0x0000000000000001, "5e-324", "5e-324"),
        (0x0010000000000000, "2.2250738585072014e-308", "2.2250738585072014e-308"),
        (0x000fffffffffffff, "2.225073858507201e-308", "2.225073858507201e-308"),
        (0x7fefffffffffffff, "1.7976931348623157e+308", "1.7976931348623157e+308"),
        (0x3fe0000000000000, "0.5", "0.5"),
        (0x3fd0000000000000, "0.25", "0.25"),
        (0x4059000000000000, "100.0", "100.0"),
        (0x4480f0cf064dd592, "1e+22", "1e+22"),
        (0x44b52d02c7e14af6, "1e+23", "1e+23"),
        (0x71e273a87984a8ab, "3.844899952994701e+240", "3.844899952994701e+240"),
        (0x9fb93534081c5253, "-7.344083959492241e-156", "-7.344083959492241e-156"),
        (0xf93fe42eabd2d9f2, "-1.1041517734934132e+276", "-1.1041517734934132e+276"),
        (0xdb149e4714be09ab, "-5.716765822553976e+130", "-5.716765822553976e+130"),
        (0x5323451b4a95902a, "3.140286135367374e+92", "3.140286135367374e+92"),
        (0x3994693ea3ae6e68, "2.5158638014362304e-31", "2.5158638014362304e-31"),
        (0xa061ae14a1dbf721, "-1.0549078516472708e-152", "-1.0549078516472708e-152"),
        (0x1aa615a94b6a5551, "2.6611075574796747e-180", "2.6611075574796747e-180"),
        (0x5856c32a687b253b, "3.58753152054441e+117", "3.58753152054441e+117"),
        (0x8b3a15353f137b70, "-1.3896921882545672e-254", "-1.3896921882545672e-254"),
        (0x20dd5386c9cf0800, "2.2397476324494955e-150", "2.2397476324494955e-150"),
        (0xa7213dfe89328293, "-3.338593469659212e-120", "-3.338593469659212e-120"),
        (0x919e9bc7f4a02d92, "-8.269239359792111e-224", "-8.269239359792111e-224"),
        (0x67d1191fda80a0bd, "1.2188946702838646e+192", "1.2188946702838646e+192"),
        (0xb14cf51964cd1715, "-3.2778636368931506e-71", "-3.2778636368931506e-71"),
        (0xfd95588c5e4ef10b, "-8.725092638835179e+296", "-8.725092638835179e+296"),
        (0x344d04cb5f0f2c02, "9.245900233403122e-57", "9.245900233403122e-57"),
        (0xd561cab77e4d173d, "-1.992461511689391e+103", "-1.992461511689391e+103"),
        (0x929e04e213311e91, "-5.3149656958467083e-219", "-5.3149656958467083e-219"),
        (0x3c85b930b9f0920f, "3.768409153258753e-17", "3.768409153258753e-17"),
        (0xc5e1fb5bb643edf4, "-4.45209491619067e+28", "-4.45209491619067e+28"),
        (0x1b0b5a92ca9f1dae, "2.109455094220744e-178", "2.109455094220744e-178"),
        (0xf86c67b35a0ac810, "-1.2004998922408575e+272", "-1.2004998922408575e+272"),
        (0xfece6b989a323eae, "-6.519122073040805e+302", "-6.519122073040805e+302"),
        (0x419274d465ee28de, "77411609.48257777", "77411609.48257777"),
        (0x5da24106869b7c3d, "1.112976879387611e+143", "1.112976879387611e+143"),
        (0x0954549c429fdbf7, "1.0088162430056314e-263", "1.0088162430056314e-263"),
        (0x4bcee26a6a9df49c, "1.514568348519456e+57", "1.514568348519456e+57"),
        (0x2d53b107073391a5, "2.4166870049831393e-90", "2.4166870049831393e-90"),
        (0x56c8a7f9757f3125, "1.1581203730557962e+110", "1.1581203730557962e+110"),
        (0x220425dd2e67dbe9, "8.067556484625663e-145", "8.067556484625663e-145"),
        (0x3623ac6122ae0903, "6.730528610815169e-48", "6.730528610815169e-48"),
        (0x9f642b78f0088cfc, "-1.836344557259806e-157", "-1.836344557259806e-157"),
        (0xcae33afe57807cdb, "-5.755970475164948e+52", "-5.755970475164948e+52"),
        (0xd3655fc9e35d6c11, "-5.5731151425853505e+93", "-5.5731151425853505e+93"),
        (0x76e2507bc7b13aa8, "4.613586144006936e+264", "4.613586144006936e+264"),
        (0xc5c30e119edb8d92, "-1.179444671743279e+28", "-1.179444671743279e+28"),
        (0x671b5a9656936632, "4.760755380513305e+188", "4.760755380513305e+188"),
        (0xc08f532c9af26054, "-1002.3967799125335", "-1002.3967799125335"),
        (0x92d254d7fe03c0e4, "-5.193011379727723e-218", "-5.193011379727723e-218"),
        (0x73e45fcec83c2a8d, "1.8234254981023807e+250", "1.8234254981023807e+250"),
        (0x17d104f66e3312b0, "5.828632447282967e-194", "5.828632447282967e-194"),
        (0x6ffc4798d551e17d, "2.7440442703204298e+231", "2.7440442703204298e+231"),
        (0x86b22542b5810f0a, "-2.0472652043733242e-276", "-2.0472652043733242e-276"),
        (0x7e8804180025cd7f, "3.2166676627575377e+301", "3.2166676627575377e+301"),
        (0x98177d4622d2fa85, "-1.2871045022585144e-192", "-1.2871045022585144e-192"),
        (0x99ef1e6ea55cafd9, "-9.154540652571248e-184", "-9.154540652571248e-184"),
        (0x884f31660a43fe88, "-1.1808929080264003e-268", "-1.1808929080264003e-268"),
        (0x8adb2a053379959f, "-2.2614120022571837e-256", "-2.2614120022571837e-256"),
        (0x8e71e249e05046ee, "-4.291277996891568e-239", "-4.291277996891568e-239"),
        (0x6b87a4dc157a8060, "9.7164503873896e+209", "9.7164503873896e+209"),
        (0xc48f6f41a450dd59, "-1.8555709944445127e+22", "-1.8555709944445127e+22"),
        (0xb2f3d31d476345e5, "-3.011943270184541e-63", "-3.011943270184541e-63"),
        (0xb9f3dd48974b6a32, "-1.567023980984692e-29", "-1.567023980984692e-29"),
        (0x7fdc3b1dd2742ee7, "7.929771547518795e+307", "7.929771547518795e+307"),
        (0x79923b201db06de5, "4.03966665188147e+277", "4.03966665188147e+277"),
        (0x6daf31aca920a5ea, "2.202310169193723e+220", "2.202310169193723e+220"),
        (0x528efc2d91d170e4, "4.93107054731349e+89", "4.93107054731349e+89"),
        (0xf998756565e1a396, "-5.41959996935677e+277", "-5.41959996935677e+277"),
        (0xf3e9b455903c5f11, "-2.3004584939571002e+250", "-2.3004584939571002e+250"),
        (0xc6526e36bbad2786, "-5.840865778432129e+30", "-5.840865778432129e+30"),
        (0x440ead791a76e5e8, "7.0737796693749465e+19", "7.0737796693749465e+19"),
        (0x40fdc9144b239812, "122001.26834449198", "122001.26834449198"),
        (0x553138ea2d2b43d9, "2.4108504965538746e+102", "2.4108504965538746e+102"),
        (0xa98d9687c967d7e8, "-1.5748069493320058e-108", "-1.5748069493320058e-108"),
        (0x8289abc740a5c0d5, "-1.9626245198195776e-296", "-1.9626245198195776e-296"),
        (0xf7d37b2894ccd811, "-1.6080862867994986e+269", "-1.6080862867994986e+269"),
        (0x9b4eaf8cb5bc60c0, "-3.7862490296367002e-177", "-3.7862490296367002e-177"),
        (0x363ac2db2aa4da4c, "1.8310726469972104e-47", "1.8310726469972104e-47"),
        (0x586f4b39fe00eab9, "9.864324920501393e+117", "9.864324920501393e+117"),
        (0x8df3dd793635e2a7, "-1.8619795850244935e-241", "-1.8619795850244935e-241"),
        (0x8525e3629e2a70ca, "-7.359776278922685e-284", "-7.359776278922685e-284"),
        (0x36efaf6be99cc498, "4.4400478664974185e-44", "4.4400478664974185e-44"),
        (0x498b4ba06291c1ef, "1.947865977616244e+46", "1.947865977616244e+46"),
        (0x73eba9e4065930ef, "2.475800634091112e+250", "2.475800634091112e+250"),
        (0x72160fe4272460d9, "3.677755877477772e+241", "3.677755877477772e+241"),
        (0x6ec549275bee8c47, "3.939452478288655e+225", "3.939452478288655e+225"),
        (0xc34de07ecc8875cc, "-1.681921905321052e+16", "-1.681921905321052e+16"),
        (0xa0a9c4988d7090d2, "-2.459982997469348e-151", "-2.459982997469348e-151"),
        (0xfaefb6906e435492, "-1.4736867934460288e+284", "-1.4736867934460288e+284"),
        (0x3e280d43de9cc604, "2.8000000000000003e-09", "2.8000000000000003e-9"),
        (0x418312d000000000, "40000000.0", "40000000.0"),
        (0x3f00f5951bc7380e, "3.234731e-05", "0.00003234731"),
        (0x3eb02aa1678ef286, "9.636e-07", "9.636e-7"),
        (0x3fef020c49ba5e35, "0.969", "0.969"),
        (0x3e75798ee2308c3a, "8e-08", "8e-8"),
        (0x3e3afbf2c54dd7fe, "6.2827424e-09", "6.2827424e-9"),
        (0x3fe1fbe76c8b4396, "0.562", "0.562"),
        (0x417173c600000000, "18300000.0", "18300000.0"),
        (0x41033417851eb851, "157314.93999999997", "157314.93999999997"),
        (0x3e5c2bb25f4b7600, "2.6235999999999997e-08", "2.6235999999999997e-8"),
        (0x4146494600000000, "2921100.0", "2921100.0"),
        (0x3e40f09574a51e2b, "7.8882e-09", "7.8882e-9"),
        (0x40810157a786c226, "544.1677999999999", "544.1677999999999"),
        (0x3fe8f5c28f5c28f6, "0.78", "0.78"),
        (0x412d7ff800000001, "966652.0000000001", "966652.0000000001"),
        (0x3e854580cd78cedd, "1.5848499999999998e-07", "1.5848499999999998e-7"),
        (0x3e34c0d716642a21, "4.832000000000001e-09", "4.832000000000001e-9"),
        (0x0000000000000000, "0.0", "0.0"),
        (0x3ea515d6a479b1a7, "6.283911e-07", "6.283911e-7"),
        (0x410e26c000000000, "247000.0", "247000.0"),
        (0x3eff5a385aba60ba, "2.9900000000000002e-05", "0.000029900000000000002"),
        (0x41124fc800000000, "300018.0", "300018.0"),
        (0x3f325e4040fc8e4b, "0.00028027600000000004", "0.00028027600000000004"),
        (0x401847c84b5dcc64, "6.0701", "6.0701"),
        (0x4103aec000000000, "161240.0", "161240.0"),
        (0x4045599999999999, "42.699999999999996", "42.699999999999996"),
        (0x40ec3a3fffffffff, "57809.99999999999", "57809.99999999999"),
        (0x3e76eeb4742a901c, "8.542999999999999e-08", "8.542999999999999e-8"),
        (0x4040dd84901d1916, "33.730608000000004", "33.730608000000004"),
        (0x3e5209f2e6f59483, "1.68e-08", "1.68e-8"),
        (0x3e4182b142075a4d, "8.15397e-09", "8.15397e-9"),
        (0x415ab3f000000000, "7000000.0", "7000000.0"),
        (0x3edd3bfb02eb16e5, "6.97e-06", "6.97e-6"),
        (0x411bc85800000000, "455190.0", "455190.0"),
        (0x3f3ba7fc32ebe597, "0.000422", "0.000422"),
        (0x3f1083dbc23315d7, "6.3e-05", "0.000063"),
        (0x3f7c1b7f059b54c3, "0.0068621599", "0.0068621599"),
        (0x3e43a972e3755089, "9.15579e-09", "9.15579e-9"),
        (0x3f4a171a1fd4424b, "0.0007962110100000001", "0.0007962110100000001"),
        (0x4128d662cccccccd, "813873.4", "813873.4"),
        (0x41215e2acccccccd, "569109.4", "569109.4"),
        (0x415b3d5980000000, "7140710.0", "7140710.0"),
        (0x3f3adea897635e75, "0.00041000000000000005", "0.00041000000000000005"),
        (0x3e94600c7e50ed01, "3.0361399999999996e-07", "3.0361399999999996e-7"),
        (0x3e6efa3a44ffa150, "5.7699999999999994e-08", "5.7699999999999994e-8"),
        (0x41286a0000000000, "800000.0", "800000.0"),
        (0x3f79ed7c6fbd273e, "0.0063300000000000006", "0.0063300000000000006"),
        (0x40f1df8000000000, "73208.0", "73208.0"),
        (0x4008624dd2f1a9fc, "3.048", "3.048"),
        (0x3e6163f6bc6b5a4d, "3.23923e-08", "3.23923e-8"),
        (0x400c000000000000, "3.5", "3.5"),
        (0x415b6299f3333333, "7178855.8", "7178855.8"),
        (0x40c09a0000000000, "8500.0", "8500.0"),
        (0x0000000000000000, "0.0", "0.0"),
        (0x3fcab6ae7d566cf4, "0.2087", "0.2087"),
        (0x3ea01b2b29a4692b, "4.8e-07", "4.8e-7"),
        (0x3ee132576b20e04a, "8.2e-06", "8.2e-6"),
        (0x4059000000000000, "100.0", "100.0"),
        (0x403c1bfb15b573ea, "28.109299999999998", "28.109299999999998"),
        (0x3f4f808ae5b0ce30, "0.00096136839", "0.00096136839"),
        (0x40e80dc999999999, "49262.299999999996", "49262.299999999996"),
        (0x3e174655470fb3f8, "1.3547681e-09", "1.3547681e-9"),
        (0x4170366400000000, "17000000.0", "17000000.0"),
        (0x412e848000000000, "1000000.0", "1000000.0"),
        (0x4000fe5c91d14e3c, "2.1242", "2.1242"),
        (0x415aa51a80000000, "6984810.0", "6984810.0"),
        (0x400cce1a8fce3ebd, "3.6006366", "3.6006366"),
        (0x416312d000000000, "10000000.0", "10000000.0"),
        (0x4055d97f62b6ae7d, "87.3984", "87.3984"),
        (0x3e74ad76174bdd8c, "7.703e-08", "7.703e-8"),
        (0x3f9b34155b5bf144, "0.026565870000000005", "0.026565870000000005"),
        (0x40e805d126e978d5, "49198.536", "49198.536"),
        (0x3f82ff788a6f1e0a, "0.0092763345", "0.0092763345"),
        (0x3e45798ee2308c3a, "1e-08", "1e-8"),
        (0x4006666666666667, "2.8000000000000003", "2.8000000000000003"),
        (0x4115f90000000000, "360000.0", "360000.0"),
        (0x401b47ae147ae148, "6.82", "6.82"),
        (0x4033e226809d4952, "19.8834", "19.8834"),
        (0x41612a8800000000, "9000000.0", "9000000.0"),
        (0x000a7b27d7fd1bcb, "1.4575731132090897e-308", "1.4575731132090897e-308"),
        (0x00045e3a569d9c3a, "6.07455965057702e-309", "6.07455965057702e-309"),
        (0x0009d19873134c51, "1.3654628054354853e-308", "1.3654628054354853e-308"),
        (0x000d298b18ef252c, "1.8304401419544253e-308", "1.8304401419544253e-308"),
        (0x00064611270bedc7, "8.72465259101785e-309", "8.72465259101785e-309"),
        (0x000f3e1148d7a865, "2.119723737267267e-308", "2.119723737267267e-308"),
        (0x000036692520d946, "2.9557587130671e-310", "2.9557587130671e-310"),
        (0x0002ba2e7522f5fd, "3.792737666527775e-309", "3.792737666527775e-309"),
        (0x000a863a25f6ae35, "1.463587495618143e-308", "1.463587495618143e-308"),
        (0x00094aedc181ddf3, "1.2923076506676694e-308", "1.2923076506676694e-308"),
        (0x00078c5bdfd4ca0e, "1.049717099209267e-308", "1.049717099209267e-308"),
        (0x000484f80bc92c1c, "6.2850129904454e-309", "6.2850129904454e-309"),
        (0x00085d08d1511231, "1.1630761160468627e-308", "1.1630761160468627e-308"),
        (0x00021aae3733c281, "2.926279211391606e-309", "2.926279211391606e-309"),
        (0x0005f6576d99b48e, "8.291559098320007e-309", "8.291559098320007e-309"),
        (0x000bb25ec626f193, "1.6266344920228366e-308", "1.6266344920228366e-308"),
        (0x0001655a82d610da, "1.941255034563285e-309", "1.941255034563285e-309"),
        (0x0001297f6543dbf8, "1.616099168349967e-309", "1.616099168349967e-309"),
        (0x00099ae78cd711c3, "1.335752955931227e-308", "1.335752955931227e-308"),
        (0x000f00f18688f9a9, "2.0865192585034287e-308", "2.0865192585034287e-308"),
        (0x000840e79fa5293e, "1.1477952126265775e-308", "1.1477952126265775e-308"),
        (0x000ec4bb842ad5c6, "2.053810795755225e-308", "2.053810795755225e-308"),
        (0x0001b30159a171a2, "2.36308316230188e-309", "2.36308316230188e-309"),
        (0x000fe18600820cc3, "2.2085180515569856e-308", "2.2085180515569856e-308"),
        (0x0009e3738b38d109, "1.3751626483479056e-308", "1.3751626483479056e-308"),
        (0x000fd80261f3d0fb, "2.2033496775313166e-308", "2.2033496775313166e-308"),
        (0x00067232da963825, "8.96438933769284e-309", "8.96438933769284e-309"),
        (0x0009c9a3c899f621, "1.3611410089384796e-308", "1.3611410089384796e-308"),
        (0x00086b6387a8164a, "1.1708738400067505e-308", "1.1708738400067505e-308"),
        (0x000e77d80bc00692, "2.012042554457738e-308", "2.012042554457738e-308"),
        (0x0003202f094aa146, "4.34684548809728e-309", "4.34684548809728e-309"),
        (0x000ad26838f016a4, "1.504970814811978e-308", "1.504970814811978e-308"),
        (0x000ebcfd410266ab, "2.0496044434222295e-308", "2.0496044434222295e-308"),
        (0x00009eaa41fe21a8, "8.6191772053966e-310", "8.6191772053966e-310"),
        (0x0004d28bc52cd634, "6.706435501578834e-309", "6.706435501578834e-309"),
        (0x000e23e6770242cb, "1.966441753982459e-308", "1.966441753982459e-308"),
        (0x0007f5df59e2f6b7, "1.107035339241605e-308", "1.107035339241605e-308"),
        (0x000430e93aa9fd23, "5.828384601942304e-309", "5.828384601942304e-309"),
        (0x000ae752a4ff68ab, "1.5163328759898414e-308", "1.5163328759898414e-308"),
        (0x0000fb4882fc1117, "1.36504830978893e-309", "1.36504830978893e-309"),
        (0x3ff479900b32c7f0, "1.2796783864437167", "1.2796783864437167"),
        (0xbfd33faecc51a490, "-0.30076188996333375", "-0.30076188996333375"),
        (0xbfe78bfaec33d06a, "-0.7358374226883033", "-0.7358374226883033"),
        (0x3fd43fa420c7d09a, "0.31638434601996723", "0.31638434601996723"),
        (0x3fe5b9eab0ca77aa, "0.6789449170062103", "0.6789449170062103"),
        (0x3fd560fd43516471, "0.33404475759522884", "0.33404475759522884"),
        (0x3ff380747fe07135, "1.2188611025986351", "1.2188611025986351"),
        (0x40015f224a809272, "2.171452123688419", "2.171452123688419"),
        (0xbfd1f7f7db6eb39e, "-0.2807597773451621", "-0.2807597773451621"),
        (0x3ff1e07e74ebe6f4, "1.11730809853037", "1.11730809853037"),
        (0xbff082ccaa2559f9, "-1.0319334646534328", "-1.0319334646534328"),
        (0x3ff00a665195a1ee, "1.0025389849562276", "1.0025389849562276"),
        (0x3fea1fd5598cef5c, "0.8163859128030526", "0.8163859128030526"),
        (0x3ff6d3b83434ea39, "1.4266893424343279", "1.4266893424343279"),
        (0xbfc361389c155fae, "-0.1514044534803793", "-0.1514044534803793"),
        (0x3fe9d2aa2b7e1863, "0.8069659089530997", "0.8069659089530997"),
        (0x3fdd291ff6dce86f, "0.4556350622912139", "0.4556350622912139"),
        (0xbfe9e207384d7d91, "-0.8088413333570533", "-0.8088413333570533"),
        (0x3fd04648c33dfef7, "0.25428980890863734", "0.25428980890863734"),
        (0xbffc04af87e0afd6, "-1.7511439616891855", "-1.7511439616891855"),
        (0x3fde57255d6baa3a, "0.474068967085859", "0.474068967085859"),
        (0xbff5bdcb3c694e28, "-1.3588363990610421", "-1.3588363990610421"),
        (0x3fe00489f80fab50, "0.5005540699906792", "0.5005540699906792"),
        (0x3fe0a52d8c6a8965, "0.5201633207800965", "0.5201633207800965"),
        (0xbfaa3c90e798d037, "-0.05124333216772963", "-0.05124333216772963"),
        (0xbf9e528dc8197b4a, "-0.02961179288683561", "-0.02961179288683561"),
        (0x3ff3018ecd17aa3e, "1.187880326406812", "1.187880326406812"),
        (0x3ffc1d0d164645bd, "1.757092558870098", "1.757092558870098"),
        (0x3fd0bbf8ea881deb, "0.2614729204510399", "0.2614729204510399"),
        (0xbff125c075ff8f31, "-1.0717167481715928", "-1.0717167481715928"),
        (0x3ff61a03bb467248, "1.3813512149273652", "1.3813512149273652"),
        (0x3faed299dd8ea7a1, "0.060200508399545834", "0.060200508399545834"),
        (0xbf9a65e76e2851a3, "-0.02577935800407406", "-0.02577935800407406"),
        (0xbf91036f54cbe9fe, "-0.016614665556497592", "-0.016614665556497592"),
        (0x3fab5e6059c3df55, "0.05345440955892281", "0.05345440955892281"),
        (0x3ff7cd2c66e91bd8, "1.4875911731667113", "1.4875911731667113"),
        (0x3fe4d32fa6c14592, "0.6507795578892674", "0.6507795578892674"),
        (0x3ff1b81cf31812c7, "1.1074494834767152", "1.1074494834767152"),
        (0xbfe0f74cef6c382c, "-0.530188052771114", "-0.530188052771114"),
        (0x3fe409c745c3dabd, "0.6261936533545264", "0.6261936533545264"),
        (0x42d23598430fc5e8, "80085588393751.62", "80085588393751.62"),
        (0x43107f47b087f3b9, "1160886377118958.2", "1160886377118958.2"),
        (0x430ab3f155b2958a, "939524812591793.2", "939524812591793.2"),
        (0x42b94c319ff40510, "27815040775173.062", "27815040775173.062"),
        (0x4306a385f455f8da, "796530651610907.2", "796530651610907.2"),
        (0x8000000000000000, "-0.0", "-0.0"),
        (0x8d7b4feb7eb212ce, "-1.0000000000000001e-243", "-1.0000000000000001e-243"),
        (0xbeb0c6f7a0b5ed8c, "-9.999999999999997e-07", "-9.999999999999997e-7"),
        (0xc024000000000000, "-10.0", "-10.0"),
        (0xc16312d000000001, "-10000000.000000002", "-10000000.000000002"),
        (0xc2d6bcc41e8fffff, "-99999999999999.98", "-99999999999999.98"),
        (0xda17a2ecc414a03f, "-1e+126", "-1e+126"),
        (0xffe1ccf385ebc8a1, "-1.0000000000000002e+308", "-1.0000000000000002e+308"),
        (0xc0fe240c9fbe76c9, "-123456.789", "-123456.789"),
        (0xc1d26580b4800000, "-1234567890.0", "-1234567890.0"),
        (0xc2a674e79c564000, "-12345678900000.0", "-12345678900000.0"),
        (0xc37b69b4ba574920, "-1.23456789e+17", "-1.23456789e+17"),
        (0xc450bb448ebbc662, "-1.23456789e+21", "-1.23456789e+21"),
        (0xc5246c99303c37aa, "-1.23456789e+25", "-1.23456789e+25"),
        (0xc4b52d02c7e14af6, "-1e+23", "-1e+23"),
        (0xbc85b930b9f0920f, "-3.768409153258753e-17", "-3.768409153258753e-17"),
        (0x12d254d7fe03c0e4, "5.193011379727723e-218", "5.193011379727723e-218"),
        (0x73e9b455903c5f11, "2.3004584939571002e+250", "2.3004584939571002e+250"),
        (0x7aefb6906e435492, "1.4736867934460288e+284", "1.4736867934460288e+284"),
        (0xbea515d6a479b1a7, "-6.283911e-07", "-6.283911e-7"),
        (0xbf4a171a1fd4424b, "-0.0007962110100000001", "-0.0007962110100000001"),
        (0xc03c1bfb15b573ea, "-28.109299999999998", "-28.109299999999998"),
        (0xc1612a8800000000, "-9000000.0", "-9000000.0"),
        (0x800f00f18688f9a9, "-2.0865192585034287e-308", "-2.0865192585034287e-308"),
        (0x8000fb4882fc1117, "-1.36504830978893e-309", "-1.36504830978893e-309"),
        (0x3ffc04af87e0afd6, "1.7511439616891855", "1.7511439616891855"),
        (0xbfe409c745c3dabd, "-0.6261936533545264", "-0.6261936533545264"),
    ];
}

//! Regression tests of `repr(float)`: a table from CPython and orjson, and round trips.

use super::*;

fn py(v: f64) -> String {
    py_float(v)
}

#[test]
fn specials() {
    assert_eq!(py(f64::NAN), "nan");
    assert_eq!(py(-f64::NAN), "nan");
    assert_eq!(py(f64::INFINITY), "inf");
    assert_eq!(py(f64::NEG_INFINITY), "-inf");
    assert_eq!(py(0.0), "0.0");
    assert_eq!(py(-0.0), "-0.0");
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
    assert_eq!(py(1.7976931348623157e308), "1.7976931348623157e+308");
    assert_eq!(py(123456789012345680.0), "1.2345678901234568e+17");
}

#[test]
fn integers() {
    let mut out = Vec::new();
    for n in [0i64, 1, 9, 10, 99, 100, 12345, -7, i64::MAX, i64::MIN] {
        out.clear();
        write_i64(&mut out, n);
        assert_eq!(String::from_utf8(out.clone()).unwrap(), n.to_string());
    }
}

#[test]
fn round_trips_for_many_values() {
    // xorshift over raw bit patterns and over [0, 1): every finite value parses back exactly,
    // and the text is laid out as CPython lays it out.
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
        let exp = if v == 0.0 {
            0
        } else {
            v.abs().log10().floor() as i32
        };
        let scientific = text.contains('e');
        // log10 may be off by one right at a power of ten: only check clear cases.
        if (-3..15).contains(&exp) {
            assert!(!scientific, "{text}");
        } else if !(-5..=16).contains(&exp) {
            assert!(scientific, "{text}");
            let digits = text.rsplit(['+', '-']).next().unwrap();
            assert!(digits.len() >= 2, "{text}");
        }
    }
}

#[test]
fn appends_without_clearing() {
    let mut out = b"x=".to_vec();
    write_py_float(&mut out, 0.25);
    assert_eq!(out, b"x=0.25");
    write_i64(&mut out, -3);
    assert_eq!(out, b"x=0.25-3");
}

/// CPython's `repr` for every value of the table, and orjson's text for what serde_json (which
/// writes polytrack's JSON) writes for it. The table, `cpython_repr.txt`, says how it was
/// generated.
#[test]
fn matches_cpython_and_orjson_table() {
    let mut cases = 0;
    for line in PY_FLOATS
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let mut fields = line.split(' ');
        let (Some(bits), Some(want_py), Some(want_oj), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            panic!("not `bits repr orjson`: {line:?}");
        };
        let bits = u64::from_str_radix(bits.trim_start_matches("0x"), 16).unwrap();
        let v = f64::from_bits(bits);
        assert_eq!(py(v), want_py, "repr of {bits:#018x}");
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(json, want_oj, "orjson of {bits:#018x}");
        cases += 1;
    }
    assert_eq!(cases, 803);
}

/// `bits repr(float) orjson.dumps(float)`, a case a line.
const PY_FLOATS: &str = include_str!("cpython_repr.txt");

/// CPython's layout of `v` (positive, finite, not an integer below 1e16) built another way,
/// with strings: the significant digits and decimal exponent read out of `zmij`'s text, then
/// laid out with CPython's rule (fixed notation for decimal exponents in `[-4, 16)`, else
/// `d.ddde±XX`). (std's `{:e}` would do for the digits but for ties: it writes
/// 798400486266062.25 as ...062.3, CPython and `zmij` as ...062.2.)
fn layout_reference(v: f64) -> String {
    let text = zmij::Buffer::new().format_finite(v).to_owned();
    let (mantissa, exp) = match text.split_once('e') {
        Some((m, e)) => (m.to_owned(), e.parse::<i32>().unwrap()),
        None => (text.clone(), 0),
    };
    let point = mantissa.find('.').unwrap_or(mantissa.len()) as i32;
    let all: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let leading = (all.len() - all.trim_start_matches('0').len()) as i32;
    let digits = all.trim_start_matches('0').trim_end_matches('0').to_owned();
    let exp = point - 1 - leading + exp;
    if (-4..16).contains(&exp) {
        if exp < 0 {
            format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
        } else {
            let point = exp as usize + 1;
            if point >= digits.len() {
                format!("{digits}{}.0", "0".repeat(point - digits.len()))
            } else {
                format!("{}.{}", &digits[..point], &digits[point..])
            }
        }
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        match digits.split_at(1) {
            (first, "") => format!("{first}e{sign}{:02}", exp.abs()),
            (first, rest) => format!("{first}.{rest}e{sign}{:02}", exp.abs()),
        }
    }
}

/// The layout of `zmij`'s text matches CPython's rule on a million values: random bit
/// patterns, values in [0, 1), the benchmarks' `1 / (i + 1)`, values spread over 40 decades,
/// and every decimal exponent from the subnormals up, at its boundaries.
#[test]
fn layout_matches_an_independent_one() {
    let mut x: u64 = 0x1234_5678_9abc_def1;
    let mut values = Vec::new();
    for i in 0..1_000_000u64 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let unit = (x >> 11) as f64 / (1u64 << 53) as f64;
        values.push(match i % 4 {
            0 => f64::from_bits(x),
            1 => unit,
            2 => 1.0 / (i as f64 + 1.0),
            _ => unit * 10f64.powi((x % 40) as i32 - 20),
        });
    }
    for e in -324..=308 {
        for m in [
            "1",
            "1.5",
            "9.999999999999998",
            "2.2250738585072014",
            "4.9406564584124654",
        ] {
            values.push(format!("{m}e{e}").parse().unwrap());
        }
    }
    let mut compared = 0;
    let mut out = Vec::new();
    for v in values.into_iter().map(f64::abs) {
        if !v.is_finite() || v == 0.0 || (v < 1e16 && v.trunc() == v) {
            continue;
        }
        out.clear();
        write_py_float(&mut out, v);
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            layout_reference(v),
            "{v:e}"
        );
        compared += 1;
    }
    assert!(compared > 900_000, "{compared}");
}

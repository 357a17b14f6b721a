//! pandas `Series.describe()` on a float64 column, with numpy's summation and quantiles.

use super::MetricStats;

/// numpy's `pairwise_sum` for float64 `add.reduce` (blocks of up to 128 summed with 8
/// accumulators, recursive halving above), which `Series.sum()`/`mean()`/`std()` use.
fn pairwise_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut res = 0.0;
        for &x in a {
            res += x;
        }
        res
    } else if n <= 128 {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - (n % 8) {
            for (j, acc) in r.iter_mut().enumerate() {
                *acc += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        while i < n {
            res += a[i];
            i += 1;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&a[..n2]) + pairwise_sum(&a[n2..])
    }
}

/// `np.sum` of a float64 array: the reduction starts from the identity 0.0.
fn np_sum(a: &[f64]) -> f64 {
    0.0 + pairwise_sum(a)
}

/// numpy's `_lerp(a, b, t)` used by `np.quantile` (method "linear").
fn np_lerp(a: f64, b: f64, t: f64) -> f64 {
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

/// The largest value in numpy's sort order (`total_cmp`: `-0.0` before `0.0`).
fn sorted_max(values: &[f64]) -> Option<f64> {
    values.iter().copied().max_by(f64::total_cmp)
}

/// `np.quantile(values, q)` (method "linear") of NaN-free values, by selection instead of a
/// full sort (linear time; the values are reordered). NaN when `values` is empty.
fn np_quantile(values: &mut [f64], q: f64) -> f64 {
    let n = values.len();
    let Some(largest) = sorted_max(values) else {
        return f64::NAN;
    };
    let virtual_index = (n - 1) as f64 * q;
    if virtual_index >= (n - 1) as f64 {
        // numpy clamps both neighbours to the last element but keeps
        // gamma = virtual_index - (-1).
        return np_lerp(largest, largest, virtual_index + 1.0);
    }
    let previous = virtual_index.floor();
    let gamma = virtual_index - previous;
    let (_, &mut a, above) = values.select_nth_unstable_by(previous as usize, f64::total_cmp);
    // The next value in sorted order is the smallest of those above the selected one.
    match above.iter().copied().min_by(f64::total_cmp) {
        Some(b) => np_lerp(a, b, gamma),
        None => f64::NAN,
    }
}

/// pandas `describe()` of the value column plus the last value.
pub(super) fn metric_stats(values: Vec<f64>) -> MetricStats {
    let last = values.last().copied().unwrap_or(f64::NAN);
    let mut present: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    // NaN-masked values replaced by 0, as pandas' nanops do before summing.
    let mut filled = values;
    let masked: Vec<bool> = filled.iter().map(|v| v.is_nan()).collect();
    for v in &mut filled {
        if v.is_nan() {
            *v = 0.0;
        }
    }
    let count = present.len() as f64;
    if present.is_empty() {
        return MetricStats {
            count: 0.0,
            mean: f64::NAN,
            std: f64::NAN,
            min: f64::NAN,
            p25: f64::NAN,
            p50: f64::NAN,
            p75: f64::NAN,
            max: f64::NAN,
            last,
        };
    }
    let sum = np_sum(&filled);
    let mean = sum / count;
    let std = if present.len() > 1 {
        // nanvar: two passes over the NaN-filled column, squared deviations of masked
        // entries set to 0, divided by count - ddof.
        // In place: the filled values are not needed any more.
        for (x, &nan) in filled.iter_mut().zip(&masked) {
            *x = if nan {
                0.0
            } else {
                let d = mean - *x;
                d * d
            };
        }
        (np_sum(&filled) / (count - 1.0)).sqrt()
    } else {
        f64::NAN
    };
    let min = present
        .iter()
        .copied()
        .min_by(f64::total_cmp)
        .unwrap_or(f64::NAN);
    let max = sorted_max(&present).unwrap_or(f64::NAN);
    MetricStats {
        count,
        mean,
        std,
        min,
        p25: np_quantile(&mut present, 0.25),
        p50: np_quantile(&mut present, 0.5),
        p75: np_quantile(&mut present, 0.75),
        max,
        last,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_helpers() {
        assert_eq!(np_sum(&[-0.0]).to_bits(), 0.0f64.to_bits());
        assert_eq!(np_quantile(&mut [1.0, 2.0, 3.0, 4.0], 0.25), 1.75);
        assert!(np_quantile(&mut [1.0, 2.0, 3.0, 4.0, f64::INFINITY], 0.75).is_nan());
        assert!(np_quantile(&mut [f64::INFINITY], 0.5).is_nan());
        assert_eq!(np_quantile(&mut [7.0], 0.75), 7.0);
        // Selection gives what sorting gives, whatever the order.
        assert_eq!(np_quantile(&mut [4.0, 1.0, 3.0, 2.0], 0.25), 1.75);
        assert_eq!(np_quantile(&mut [3.0, -1.0, 10.0, 2.0, 5.0], 0.75), 5.0);
        assert!(np_quantile(&mut [], 0.5).is_nan());
    }
}

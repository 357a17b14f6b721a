//! pandas `Series.describe()` on a float64 column, with numpy's summation and quantiles.

use super::MetricStats;

/// numpy's `pairwise_sum` for float64 `add.reduce` (blocks of up to 128 summed with 8
/// accumulators, recursive halving above), which `Series.sum()`/`mean()`/`std()` use, over
/// `f(x)` for each `x` of `a` (the same additions in the same order as over a mapped copy).
fn pairwise_sum_by(a: &[f64], f: &impl Fn(f64) -> f64) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut res = 0.0;
        for &x in a {
            res += f(x);
        }
        res
    } else if n <= 128 {
        let mut r = [0.0f64; 8];
        for (acc, &x) in r.iter_mut().zip(&a[..8]) {
            *acc = f(x);
        }
        let mut i = 8;
        while i < n - (n % 8) {
            for (j, acc) in r.iter_mut().enumerate() {
                *acc += f(a[i + j]);
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        while i < n {
            res += f(a[i]);
            i += 1;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum_by(&a[..n2], f) + pairwise_sum_by(&a[n2..], f)
    }
}

/// `np.sum` of `f(x)` over a float64 array: the reduction starts from the identity 0.0.
fn np_sum_by(a: &[f64], f: impl Fn(f64) -> f64) -> f64 {
    0.0 + pairwise_sum_by(a, &f)
}

/// `np.sum` of a float64 array.
#[cfg(test)]
fn np_sum(a: &[f64]) -> f64 {
    np_sum_by(a, |x| x)
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

/// The key whose integer order is `f64::total_cmp`'s order of `x` (the transform `total_cmp`
/// itself applies): selecting and comparing these keys is plain integer work, several times
/// faster than calling a comparator. Applied twice, it gives `x`'s bits back.
#[inline(always)]
fn order_key(x: f64) -> i64 {
    let bits = x.to_bits() as i64;
    bits ^ (((bits >> 63) as u64) >> 1) as i64
}

/// The value of an [`order_key`].
#[inline(always)]
fn from_key(key: i64) -> f64 {
    f64::from_bits((key ^ (((key >> 63) as u64) >> 1) as i64) as u64)
}

/// `np.quantile(values, q)` (method "linear") for each `q` of `qs` (ascending) of NaN-free
/// values given as [`order_key`]s, whose smallest and largest are `smallest` and `largest`,
/// without a full sort (see [`order_statistics`]). The keys are reordered. NaN for each `q`
/// when there are none.
fn np_quantiles<const N: usize>(
    keys: &mut [i64],
    (smallest, largest): (i64, i64),
    qs: [f64; N],
) -> [f64; N] {
    let n = keys.len();
    let mut out = [f64::NAN; N];
    if n == 0 {
        return out;
    }
    // numpy's virtual index of each q: the order statistics on both sides of it, and the
    // weight of the upper one.
    let mut ranks = Vec::with_capacity(2 * N);
    let mut wanted = [None; N];
    for (want, q) in wanted.iter_mut().zip(qs) {
        let virtual_index = (n - 1) as f64 * q;
        if virtual_index < (n - 1) as f64 {
            let previous = virtual_index.floor() as usize;
            ranks.extend([previous, previous + 1]);
            *want = Some((previous, virtual_index - previous as f64));
        }
    }
    let stats = order_statistics(keys, (smallest, largest), &ranks);
    let at = |rank: usize| {
        ranks
            .iter()
            .position(|&r| r == rank)
            .and_then(|i| stats.get(i))
            .map_or(f64::NAN, |&k| from_key(k))
    };
    for (slot, (want, q)) in out.iter_mut().zip(wanted.iter().zip(qs)) {
        *slot = match want {
            Some((previous, gamma)) => np_lerp(at(*previous), at(previous + 1), *gamma),
            // numpy clamps both neighbours to the last element but keeps
            // gamma = virtual_index - (-1).
            None => {
                let largest = from_key(largest);
                np_lerp(largest, largest, (n - 1) as f64 * q + 1.0)
            }
        };
    }
    out
}

/// Bits of a key that choose its bucket in [`order_statistics`].
const BUCKET_BITS: u32 = 11;
/// Below this many keys, selection is as fast as counting.
const COUNTED_FROM: usize = 4096;

/// The keys of ascending `ranks` (order statistics, each below `keys.len()`), all keys lying
/// within `bounds` (inclusive). A large slice is counted once into 2,048 buckets of that
/// range, and only the buckets holding those ranks are looked at again: selected when small,
/// counted the same way over their own narrower range when not (float keys of one binade
/// share their top bits, so one bucket can hold most of a metric's values). About two
/// passes over the keys, and two over each large bucket. A small slice is selected instead,
/// each selection working on what lies above the previous one.
fn order_statistics(keys: &mut [i64], bounds: (i64, i64), ranks: &[usize]) -> Vec<i64> {
    let n = keys.len();
    if n < COUNTED_FROM {
        let mut done = 0;
        return ranks
            .iter()
            .map(|&rank| {
                let from = done.min(rank);
                let (_, &mut k, _) = keys[from..].select_nth_unstable(rank - from);
                done = rank + 1;
                k
            })
            .collect();
    }
    // In unsigned order, offsets from the smallest.
    let unsigned = |k: i64| (k as u64) ^ (1 << 63);
    let signed = |u: u64| (u ^ (1 << 63)) as i64;
    let lo = unsigned(bounds.0);
    let range = unsigned(bounds.1).wrapping_sub(lo);
    let shift = (u64::BITS - range.leading_zeros()).saturating_sub(BUCKET_BITS);
    let bucket = |k: i64| (unsigned(k).wrapping_sub(lo) >> shift) as usize;
    // Four tables, summed after: consecutive keys often share a bucket (a metric's values
    // drift), and one table would chain each increment to the last.
    let mut tables = vec![[0u32; 4]; 1 << BUCKET_BITS];
    let mut quads = keys.chunks_exact(4);
    for quad in &mut quads {
        for (lane, &k) in quad.iter().enumerate() {
            if let Some(c) = tables.get_mut(bucket(k)) {
                c[lane] += 1;
            }
        }
    }
    for &k in quads.remainder() {
        if let Some(c) = tables.get_mut(bucket(k)) {
            c[0] += 1;
        }
    }
    let counts: Vec<u32> = tables.iter().map(|c| c.iter().sum()).collect();
    // Each rank's bucket, and its rank within it.
    let mut places = Vec::with_capacity(ranks.len());
    let (mut b, mut below) = (0usize, 0usize);
    for &rank in ranks {
        while b + 1 < counts.len() && below + counts[b] as usize <= rank {
            below += counts[b] as usize;
            b += 1;
        }
        places.push((b, rank.saturating_sub(below)));
    }
    if shift == 0 {
        // A bucket is one key.
        return places
            .iter()
            .map(|&(b, _)| signed(lo.wrapping_add(b as u64)))
            .collect();
    }
    let mut needed: Vec<usize> = places.iter().map(|&(b, _)| b).collect();
    needed.dedup();
    let mut slot_of = vec![u8::MAX; counts.len()];
    let mut gathered: Vec<Vec<i64>> = Vec::with_capacity(needed.len());
    for (i, &b) in needed.iter().enumerate() {
        slot_of[b] = i as u8;
        gathered.push(Vec::with_capacity(counts[b] as usize));
    }
    for &k in keys.iter() {
        if let Some(v) = slot_of
            .get(bucket(k))
            .and_then(|&i| gathered.get_mut(usize::from(i)))
        {
            v.push(k);
        }
    }
    let mut out = Vec::with_capacity(ranks.len());
    for (&b, bucket_keys) in needed.iter().zip(&mut gathered) {
        let within: Vec<usize> = places
            .iter()
            .filter(|&&(pb, _)| pb == b)
            .map(|&(_, w)| w)
            .collect();
        let first = lo.wrapping_add((b as u64) << shift);
        let last = first
            .wrapping_add((1u64 << shift) - 1)
            .min(unsigned(bounds.1));
        out.extend(order_statistics(
            bucket_keys,
            (signed(first), signed(last)),
            &within,
        ));
    }
    out
}

/// pandas `describe()` of the value column (NaN for missing values) plus the last value,
/// computed in place: no copy of the values.
pub(super) fn metric_stats(values: Vec<f64>) -> MetricStats {
    metric_stats_reusing(values).0
}

/// [`metric_stats`], giving the values' allocation back, empty, for the next column: a
/// summary thread reuses one buffer for every file instead of freeing one per file.
pub(super) fn metric_stats_reusing(values: Vec<f64>) -> (MetricStats, Vec<f64>) {
    let last = values.last().copied().unwrap_or(f64::NAN);
    let present = values.iter().filter(|v| !v.is_nan()).count();
    if present == 0 {
        let mut values = values;
        values.clear();
        let stats = MetricStats {
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
        return (stats, values);
    }
    let count = present as f64;
    // NaN-masked values count as 0, as pandas' nanops fill them before summing.
    let sum = np_sum_by(&values, |x| if x.is_nan() { 0.0 } else { x });
    let mean = sum / count;
    let std = if present > 1 {
        // nanvar: a second pass over the column, the squared deviations of masked entries
        // being 0, divided by count - ddof.
        let squares = np_sum_by(&values, |x| {
            if x.is_nan() {
                0.0
            } else {
                let d = mean - x;
                d * d
            }
        });
        (squares / (count - 1.0)).sqrt()
    } else {
        f64::NAN
    };
    // The rest works on integer keys in `total_cmp`'s order, in the values' own allocation.
    // The smallest and largest keys are found in the same pass.
    let (mut lo, mut hi) = (i64::MAX, i64::MIN);
    let mut keys: Vec<i64> = values
        .into_iter()
        .filter(|v| !v.is_nan())
        .map(|v| {
            let k = order_key(v);
            lo = lo.min(k);
            hi = hi.max(k);
            k
        })
        .collect();
    let [p25, p50, p75] = np_quantiles(&mut keys, (lo, hi), [0.25, 0.5, 0.75]);
    let (min, max) = (from_key(lo), from_key(hi));
    // Back to a column of floats, in the same allocation (collected in place).
    keys.clear();
    let room: Vec<f64> = keys.into_iter().map(from_key).collect();
    let stats = MetricStats {
        count,
        mean,
        std,
        min,
        p25,
        p50,
        p75,
        max,
        last,
    };
    (stats, room)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One quantile, as `np.quantile` computes it.
    fn np_quantile(values: &mut [f64], q: f64) -> f64 {
        let largest = values
            .iter()
            .copied()
            .max_by(f64::total_cmp)
            .unwrap_or(f64::NAN);
        let _ = largest;
        let mut keys: Vec<i64> = values.iter().copied().map(order_key).collect();
        match (keys.iter().min(), keys.iter().max()) {
            (Some(&lo), Some(&hi)) => np_quantiles(&mut keys, (lo, hi), [q])[0],
            _ => f64::NAN,
        }
    }

    /// numpy's linear quantiles from a full sort, the definition.
    fn sorted_quantile(values: &[f64], q: f64) -> f64 {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let virtual_index = (n - 1) as f64 * q;
        if virtual_index >= (n - 1) as f64 {
            return np_lerp(sorted[n - 1], sorted[n - 1], virtual_index + 1.0);
        }
        let previous = virtual_index.floor() as usize;
        np_lerp(
            sorted[previous],
            sorted[previous + 1],
            virtual_index - previous as f64,
        )
    }

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

    /// The keys order values as `total_cmp` does, and give them back bit for bit.
    #[test]
    fn order_keys_follow_total_cmp() {
        let values = [
            f64::NEG_INFINITY,
            -1e300,
            -1.0,
            -f64::MIN_POSITIVE,
            -0.0,
            0.0,
            5e-324,
            1.0,
            1e300,
            f64::INFINITY,
        ];
        for (i, a) in values.iter().enumerate() {
            assert_eq!(from_key(order_key(*a)).to_bits(), a.to_bits());
            for b in &values[i + 1..] {
                assert!(order_key(*a) < order_key(*b), "{a} < {b}");
                assert_eq!(order_key(*a).cmp(&order_key(*b)), a.total_cmp(b));
            }
        }
    }

    #[test]
    fn successive_selections_give_the_sorted_quantiles() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for n in (1..40).chain([127, 128, 129, 1000, 4095, 4096, 4099, 20_000]) {
            let values: Vec<f64> = (0..n)
                .map(|i| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    // Ties and signed zeros too.
                    match i % 4 {
                        0 => (x % 7) as f64 - 3.0,
                        1 => -0.0,
                        _ => (x >> 11) as f64 / (1u64 << 53) as f64,
                    }
                })
                .collect();
            let qs = [0.0, 0.25, 0.5, 0.5, 0.75, 1.0];
            let largest = values.iter().copied().max_by(f64::total_cmp).unwrap();
            let _ = largest;
            let mut keys: Vec<i64> = values.iter().copied().map(order_key).collect();
            let bounds = (*keys.iter().min().unwrap(), *keys.iter().max().unwrap());
            let got = np_quantiles(&mut keys, bounds, qs);
            for (q, got) in qs.iter().zip(got) {
                let want = sorted_quantile(&values, *q);
                assert_eq!(got.to_bits(), want.to_bits(), "n={n} q={q}");
            }
        }
    }

    /// Counting into buckets finds the same order statistics as a full sort, on spread,
    /// log-spread, clustered (one outlier) and tied values.
    #[test]
    fn counted_order_statistics_are_the_sorted_ones() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for n in [4096, 5000, 65_537] {
            for shape in 0..4 {
                let values: Vec<f64> = (0..n)
                    .map(|i| {
                        let r = next();
                        let unit = (r >> 11) as f64 / (1u64 << 53) as f64;
                        match shape {
                            0 => unit * 2.0 - 1.0,
                            1 => 1.0 / (i as f64 + 1.0),
                            2 if i == 7 => 1e300,
                            2 => unit,
                            _ => (r % 50) as f64,
                        }
                    })
                    .collect();
                let mut sorted: Vec<i64> = values.iter().copied().map(order_key).collect();
                sorted.sort_unstable();
                let bounds = (sorted[0], sorted[n - 1]);
                let q = n / 4;
                let ranks = [0, q, q + 1, 2 * q, 2 * q + 1, n - 1];
                let mut keys: Vec<i64> = values.iter().copied().map(order_key).collect();
                let got = order_statistics(&mut keys, bounds, &ranks);
                let want: Vec<i64> = ranks.iter().map(|&r| sorted[r]).collect();
                assert_eq!(got, want, "n={n} shape={shape}");
            }
        }
    }
}

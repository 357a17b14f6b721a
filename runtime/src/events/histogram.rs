//! Histograms computed exactly as `numpy.histogram(values, bins=n)` computes them, and the
//! checks Polyaxon's `np_histogram` makes (`traceml/processors/events_processors`).

use std::fmt;

/// The most bins Polyaxon accepts in one histogram event (`np_histogram`'s `max_bins`).
pub const MAX_BINS: usize = 512;

/// Why a histogram cannot be logged; the messages are Python's.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum HistogramError {
    /// `log_histogram` of no values (`The input has no element.`).
    Empty,
    /// `bins` of zero.
    ZeroBins,
    /// More bins than [`MAX_BINS`].
    TooManyBins(usize),
    /// A NaN or an infinity among the values (numpy: the autodetected range is not finite).
    NotFinite { min: f64, max: f64 },
    /// The range is too small for that many distinct edges.
    RangeTooSmall(usize),
    /// `log_np_histogram` with `edges.len() != counts.len() + 1`.
    Lengths { counts: usize, edges: usize },
}

impl fmt::Display for HistogramError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HistogramError::Empty => f.write_str("the input has no element"),
            HistogramError::ZeroBins => f.write_str("`bins` must be positive"),
            HistogramError::TooManyBins(n) => {
                write!(
                    f,
                    "the maximum bins for a histogram is {MAX_BINS}, received {n}"
                )
            }
            HistogramError::NotFinite { min, max } => write!(
                f,
                "autodetected range of [{min}, {max}] is not finite (NaN or infinite values)"
            ),
            HistogramError::RangeTooSmall(n) => write!(
                f,
                "too many bins for data range: cannot create {n} finite-sized bins"
            ),
            HistogramError::Lengths { counts, edges } => write!(
                f,
                "a histogram needs one more edge than counts: got {counts} counts and {edges} \
                 edges"
            ),
        }
    }
}

/// A histogram: `counts[i]` values fell in `[edges[i], edges[i + 1])`, the last bin closed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Histogram {
    pub counts: Vec<f64>,
    pub edges: Vec<f64>,
}

impl Histogram {
    /// Checks counts and edges as Python's `np_histogram` does.
    pub(crate) fn from_parts(counts: Vec<f64>, edges: Vec<f64>) -> Result<Self, HistogramError> {
        if counts.len() > MAX_BINS {
            return Err(HistogramError::TooManyBins(counts.len()));
        }
        if counts.len() + 1 != edges.len() {
            return Err(HistogramError::Lengths {
                counts: counts.len(),
                edges: edges.len(),
            });
        }
        Ok(Histogram { counts, edges })
    }

    /// `numpy.histogram(values, bins)`: the range from the values' min and max (widened by 0.5
    /// on each side when they are equal), `bins + 1` edges from `numpy.linspace`, every value
    /// counted in its bin with numpy's index computation and its one-ulp corrections.
    pub(crate) fn compute(values: &[f64], bins: usize) -> Result<Self, HistogramError> {
        if values.is_empty() {
            return Err(HistogramError::Empty);
        }
        if bins == 0 {
            return Err(HistogramError::ZeroBins);
        }
        if bins > MAX_BINS {
            return Err(HistogramError::TooManyBins(bins));
        }
        let (mut first, mut last) = min_max(values);
        if !(first.is_finite() && last.is_finite()) {
            return Err(HistogramError::NotFinite {
                min: first,
                max: last,
            });
        }
        if first == last {
            first -= 0.5;
            last += 0.5;
        }
        let edges = linspace(first, last, bins + 1);
        if edges.windows(2).any(|w| w[0] >= w[1]) {
            return Err(HistogramError::RangeTooSmall(bins));
        }
        let mut counts = vec![0u64; bins];
        let denom = last - first;
        let n = bins as f64;
        for &v in values {
            // Every value lies in [first, last]: the range is the values' own.
            let mut i = (((v - first) / denom) * n) as usize;
            if i == bins {
                i -= 1;
            }
            if v < edges[i] {
                i = i.saturating_sub(1);
            }
            if i != bins - 1 && v >= edges[i + 1] {
                i += 1;
            }
            counts[i] += 1;
        }
        Ok(Histogram {
            counts: counts.into_iter().map(|c| c as f64).collect(),
            edges,
        })
    }
}

/// numpy's `min`/`max`: a NaN anywhere makes both NaN.
fn min_max(values: &[f64]) -> (f64, f64) {
    let mut min = f64::INFINITY;
    let mut max = f64::NEG_INFINITY;
    for &v in values {
        if v.is_nan() {
            return (f64::NAN, f64::NAN);
        }
        min = min.min(v);
        max = max.max(v);
    }
    (min, max)
}

/// `numpy.linspace(start, stop, num, endpoint=True)` for `num >= 2`: `arange(num) * step +
/// start` with the last point set to `stop` (and numpy's denormal-step branch).
fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    let div = (num - 1) as f64;
    let delta = stop - start;
    let step = delta / div;
    let mut out: Vec<f64> = (0..num)
        .map(|i| {
            let i = i as f64;
            if step == 0.0 {
                (i / div) * delta + start
            } else {
                i * step + start
            }
        })
        .collect();
    if let Some(end) = out.last_mut() {
        *end = stop;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_edges_of_a_small_input() {
        let h = Histogram::compute(&[1.0, 2.0, 2.0, 3.0, 4.0], 3).unwrap();
        assert_eq!(h.edges, vec![1.0, 2.0, 3.0, 4.0]);
        // The last bin is closed: 3.0 and 4.0 both land in it.
        assert_eq!(h.counts, vec![1.0, 2.0, 2.0]);
    }

    #[test]
    fn a_constant_input_is_widened_by_half_on_each_side() {
        let h = Histogram::compute(&[5.0; 4], 2).unwrap();
        assert_eq!(h.edges, vec![4.5, 5.0, 5.5]);
        assert_eq!(h.counts, vec![0.0, 4.0]);
    }

    #[test]
    fn python_checks_are_errors() {
        assert_eq!(Histogram::compute(&[], 3), Err(HistogramError::Empty));
        assert_eq!(Histogram::compute(&[1.0], 0), Err(HistogramError::ZeroBins));
        assert_eq!(
            Histogram::compute(&[1.0], 513),
            Err(HistogramError::TooManyBins(513))
        );
        assert!(matches!(
            Histogram::compute(&[1.0, f64::NAN], 3),
            Err(HistogramError::NotFinite { .. })
        ));
        assert!(matches!(
            Histogram::compute(&[1.0, f64::INFINITY], 3),
            Err(HistogramError::NotFinite { .. })
        ));
        assert!(matches!(
            Histogram::compute(&[1.0, 1.0 + f64::EPSILON], 512),
            Err(HistogramError::RangeTooSmall(512))
        ));
        assert_eq!(
            Histogram::from_parts(vec![1.0, 2.0], vec![0.0, 1.0]),
            Err(HistogramError::Lengths {
                counts: 2,
                edges: 2
            })
        );
        assert_eq!(
            Histogram::from_parts(vec![0.0; 513], vec![0.0; 514]),
            Err(HistogramError::TooManyBins(513))
        );
        assert!(Histogram::from_parts(vec![0.0; 512], vec![0.0; 513]).is_ok());
    }
}

//! ROC and precision-recall curves with their AUC and average precision, computed as
//! scikit-learn computes them (`sklearn.metrics.roc_curve` with `drop_intermediate=True`,
//! `precision_recall_curve`, `auc`, `average_precision_score`), which is what Polyaxon's
//! `log_sklearn_roc_auc_curve` and `log_sklearn_pr_curve` call.

use std::fmt;

/// Why a curve cannot be computed; the checks are scikit-learn's.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CurveError {
    /// Labels and scores differ in length (`check_consistent_length`).
    Lengths { labels: usize, scores: usize },
    /// No samples at all.
    Empty,
    /// A NaN or infinite score (`assert_all_finite`).
    NotFinite,
    /// `x` and `y` of a custom curve differ in length.
    XyLengths { x: usize, y: usize },
}

impl fmt::Display for CurveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CurveError::Lengths { labels, scores } => write!(
                f,
                "found labels and scores of inconsistent numbers of samples: [{labels}, {scores}]"
            ),
            CurveError::Empty => f.write_str("a curve needs at least one sample"),
            CurveError::NotFinite => f.write_str("scores contain NaN or infinity"),
            CurveError::XyLengths { x, y } => {
                write!(f, "x and y of a curve differ in length: {x} and {y}")
            }
        }
    }
}

/// The points of a curve, as Polyaxon stores them (`x`, `y`) and the number it is annotated with.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Points {
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    pub score: f64,
}

/// Cumulative false and true positives at each distinct score, in decreasing score order
/// (`confusion_matrix_at_thresholds` without weights).
fn counts_at_thresholds(
    labels: &[bool],
    scores: &[f64],
) -> Result<(Vec<f64>, Vec<f64>), CurveError> {
    if labels.len() != scores.len() {
        return Err(CurveError::Lengths {
            labels: labels.len(),
            scores: scores.len(),
        });
    }
    if labels.is_empty() {
        return Err(CurveError::Empty);
    }
    if scores.iter().any(|s| !s.is_finite()) {
        return Err(CurveError::NotFinite);
    }
    // A stable sort by decreasing score (`argsort(stable=True, descending=True)`).
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let mut fps = Vec::new();
    let mut tps = Vec::new();
    let mut tp = 0.0f64;
    for (k, &i) in order.iter().enumerate() {
        if labels[i] {
            tp += 1.0;
        }
        let last = k + 1 == order.len();
        // `diff(y_score) != 0`: -0.0 and 0.0 are one threshold, as in numpy.
        if last || scores[order[k + 1]] != scores[i] {
            tps.push(tp);
            fps.push(1.0 + k as f64 - tp);
        }
    }
    Ok((fps, tps))
}

/// `roc_curve(labels, scores)` (drop_intermediate=True) and `auc(fpr, tpr)`: x = false positive
/// rate, y = true positive rate, score = the AUC. With no positives (or no negatives) the rates
/// are NaN, as scikit-learn returns them.
pub(crate) fn roc(labels: &[bool], scores: &[f64]) -> Result<Points, CurveError> {
    let (mut fps, mut tps) = counts_at_thresholds(labels, scores)?;
    if fps.len() > 2 {
        let n = fps.len();
        let keep: Vec<usize> = (0..n)
            .filter(|&i| {
                i == 0
                    || i == n - 1
                    || second_diff(&fps, i - 1) != 0.0
                    || second_diff(&tps, i - 1) != 0.0
            })
            .collect();
        fps = keep.iter().map(|&i| fps[i]).collect();
        tps = keep.iter().map(|&i| tps[i]).collect();
    }
    fps.insert(0, 0.0);
    tps.insert(0, 0.0);
    let rate = |v: &[f64]| -> Vec<f64> {
        let last = v[v.len() - 1];
        if last <= 0.0 {
            vec![f64::NAN; v.len()]
        } else {
            v.iter().map(|x| x / last).collect()
        }
    };
    let fpr = rate(&fps);
    let tpr = rate(&tps);
    let area = auc(&fpr, &tpr);
    Ok(Points {
        x: fpr,
        y: tpr,
        score: area,
    })
}

/// `numpy.diff(v, 2)[i]`.
fn second_diff(v: &[f64], i: usize) -> f64 {
    (v[i + 2] - v[i + 1]) - (v[i + 1] - v[i])
}

/// `sklearn.metrics.auc(x, y)`: the trapezoid area, negated for a decreasing `x`; NaN where
/// scikit-learn would raise (fewer than 2 points, a non-monotonic `x`), which Polyaxon then
/// writes as the annotation `nan`.
fn auc(x: &[f64], y: &[f64]) -> f64 {
    if x.len() < 2 {
        return f64::NAN;
    }
    let dx: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
    let direction = if dx.iter().any(|d| *d < 0.0) {
        if dx.iter().all(|d| *d <= 0.0) {
            -1.0
        } else {
            return f64::NAN;
        }
    } else {
        1.0
    };
    let terms: Vec<f64> = dx
        .iter()
        .zip(y.windows(2))
        .map(|(d, w)| d * (w[1] + w[0]) / 2.0)
        .collect();
    direction * numpy_sum(&terms)
}

/// `precision_recall_curve(labels, scores)` and `average_precision_score(labels, scores)`:
/// x = precision, y = recall (decreasing, ending at precision 1, recall 0), score = AP.
pub(crate) fn pr(labels: &[bool], scores: &[f64]) -> Result<Points, CurveError> {
    let (fps, tps) = counts_at_thresholds(labels, scores)?;
    let total = tps[tps.len() - 1];
    let mut precision: Vec<f64> = tps
        .iter()
        .zip(&fps)
        .map(|(tp, fp)| {
            let ps = tp + fp;
            if ps != 0.0 {
                tp / ps
            } else {
                0.0
            }
        })
        .rev()
        .collect();
    let mut recall: Vec<f64> = tps
        .iter()
        .map(|tp| if total == 0.0 { 1.0 } else { tp / total })
        .rev()
        .collect();
    precision.push(1.0);
    recall.push(0.0);
    let terms: Vec<f64> = recall
        .windows(2)
        .zip(&precision)
        .map(|(w, p)| (w[1] - w[0]) * p)
        .collect();
    let ap = (-numpy_sum(&terms)).max(0.0);
    Ok(Points {
        x: precision,
        y: recall,
        score: ap,
    })
}

/// `numpy.sum` of a contiguous float64 array: numpy's pairwise summation (blocks of 128,
/// unrolled by 8), so the last bits match scikit-learn's results.
pub(crate) fn numpy_sum(v: &[f64]) -> f64 {
    if v.len() < 8 {
        // numpy starts from -0.0 so that a sum of negative zeros stays -0.0.
        let mut res = -0.0;
        for x in v {
            res += x;
        }
        res
    } else if v.len() <= 128 {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&v[..8]);
        let whole = v.len() - v.len() % 8;
        let mut i = 8;
        while i < whole {
            for j in 0..8 {
                r[j] += v[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for x in &v[whole..] {
            res += x;
        }
        res
    } else {
        let mut n2 = v.len() / 2;
        n2 -= n2 % 8;
        numpy_sum(&v[..n2]) + numpy_sum(&v[n2..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roc_of_scikit_learns_example() {
        // sklearn's docstring: y = [1, 1, 2, 2], scores = [0.1, 0.4, 0.35, 0.8], pos_label=2.
        let labels = [false, false, true, true];
        let p = roc(&labels, &[0.1, 0.4, 0.35, 0.8]).unwrap();
        assert_eq!(p.x, vec![0.0, 0.0, 0.5, 0.5, 1.0]);
        assert_eq!(p.y, vec![0.0, 0.5, 0.5, 1.0, 1.0]);
        assert_eq!(p.score, 0.75);
    }

    #[test]
    fn pr_of_scikit_learns_example() {
        let labels = [false, false, true, true];
        let p = pr(&labels, &[0.1, 0.4, 0.35, 0.8]).unwrap();
        assert_eq!(p.x, vec![0.5, 2.0 / 3.0, 0.5, 1.0, 1.0]);
        assert_eq!(p.y, vec![1.0, 1.0, 0.5, 0.5, 0.0]);
        // average_precision_score: 0.8333333333333333.
        assert_eq!(p.score, 0.8333333333333333);
    }

    #[test]
    fn ties_make_one_threshold() {
        let p = roc(&[true, false, true], &[0.5, 0.5, 0.5]).unwrap();
        assert_eq!(p.x, vec![0.0, 1.0]);
        assert_eq!(p.y, vec![0.0, 1.0]);
        assert_eq!(p.score, 0.5);
    }

    #[test]
    fn no_positive_gives_nan_rates_like_scikit_learn() {
        let p = roc(&[false, false], &[0.1, 0.2]).unwrap();
        assert!(p.y.iter().all(|v| v.is_nan()));
        let p = pr(&[false, false], &[0.1, 0.2]).unwrap();
        assert_eq!(p.y, vec![1.0, 1.0, 0.0]);
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert_eq!(
            roc(&[true], &[0.1, 0.2]),
            Err(CurveError::Lengths {
                labels: 1,
                scores: 2
            })
        );
        assert_eq!(pr(&[], &[]), Err(CurveError::Empty));
        assert_eq!(roc(&[true], &[f64::NAN]), Err(CurveError::NotFinite));
    }

    #[test]
    fn pairwise_sum_matches_numpy_on_a_cancelling_series() {
        // numpy.sum([1e16, 1.0, -1e16] + [1.0] * 10) is 9.0: the first eight go to eight
        // accumulators, where 1e16 + 1.0 rounds the 1.0 away; a left fold from 1e16 gives 10.0.
        let mut v = vec![1e16, 1.0, -1e16];
        v.extend([1.0; 10]);
        assert_eq!(numpy_sum(&v), 9.0);
        let long: Vec<f64> = (0..1000).map(|i| 0.1 * f64::from(i)).collect();
        assert_eq!(numpy_sum(&long), 49950.0);
    }
}

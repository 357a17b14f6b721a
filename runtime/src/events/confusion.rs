//! Confusion matrices as Polyaxon's `log_confusion_matrix` stores them: `{"x": labels,
//! "y": labels, "z": rows}`, square, checked as Python's `confusion_matrix` processor checks.

use std::collections::BTreeMap;
use std::fmt::Display;

use serde::Serialize;
use serde_json::Value;

use crate::Error;

/// A confusion matrix to log with [`log_confusion_matrix`](crate::log_confusion_matrix).
#[derive(Debug, Clone, PartialEq)]
pub struct ConfusionMatrix {
    pub(crate) labels: Vec<Value>,
    pub(crate) z: Vec<Vec<Value>>,
}

fn invalid(reason: String) -> Error {
    Error::InvalidEvent {
        kind: "confusion",
        reason,
    }
}

fn to_value(v: impl Serialize) -> Result<Value, Error> {
    serde_json::to_value(v).map_err(|e| Error::Serialize(e.to_string()))
}

impl ConfusionMatrix {
    /// `matrix[i][j]`: how many samples of label `i` were predicted as label `j` (or any
    /// number: a rate, a probability). Labels are strings or numbers.
    ///
    /// Errors, as Python does, unless there is one row per label and every row has one cell
    /// per label.
    pub fn new<L: Serialize, Z: Serialize>(
        labels: impl IntoIterator<Item = L>,
        matrix: impl IntoIterator<Item = impl IntoIterator<Item = Z>>,
    ) -> Result<ConfusionMatrix, Error> {
        let labels = labels
            .into_iter()
            .map(to_value)
            .collect::<Result<Vec<_>, _>>()?;
        let z = matrix
            .into_iter()
            .map(|row| row.into_iter().map(to_value).collect::<Result<Vec<_>, _>>())
            .collect::<Result<Vec<_>, _>>()?;
        if labels.is_empty() {
            return Err(invalid(
                "a confusion matrix needs at least one label".into(),
            ));
        }
        if z.len() != labels.len() {
            return Err(invalid(format!(
                "{} labels but {} rows: all arrays must have the same length",
                labels.len(),
                z.len()
            )));
        }
        if let Some((i, row)) = z.iter().enumerate().find(|(_, r)| r.len() != labels.len()) {
            return Err(invalid(format!(
                "row {i} has {} cells, the matrix is {n} x {n}",
                row.len(),
                n = labels.len()
            )));
        }
        if let Some(cell) = z.iter().flatten().find(|c| !c.is_number()) {
            return Err(invalid(format!("cell {cell} is not a number")));
        }
        Ok(ConfusionMatrix { labels, z })
    }

    /// Counts of (truth, predicted) pairs, as `sklearn.metrics.confusion_matrix(truth,
    /// predicted)` counts them: the labels are those seen in either, sorted, rows the truth.
    /// Labels are logged as their `Display` text.
    ///
    /// Errors when the two differ in length or are empty.
    pub fn from_predictions<L: Ord + Display>(
        truth: &[L],
        predicted: &[L],
    ) -> Result<ConfusionMatrix, Error> {
        if truth.len() != predicted.len() {
            return Err(invalid(format!(
                "{} true labels but {} predictions",
                truth.len(),
                predicted.len()
            )));
        }
        let mut index: BTreeMap<&L, usize> =
            truth.iter().chain(predicted).map(|l| (l, 0)).collect();
        for (i, slot) in index.values_mut().enumerate() {
            *slot = i;
        }
        let n = index.len();
        let mut z = vec![vec![0u64; n]; n];
        for (t, p) in truth.iter().zip(predicted) {
            z[index[t]][index[p]] += 1;
        }
        ConfusionMatrix::new(index.keys().map(|l| l.to_string()), z)
    }

    /// Bytes held in memory (an estimate).
    pub(crate) fn bytes(&self) -> usize {
        (self.labels.len() + 1) * self.labels.len() * 16
    }

    /// The row's value.
    pub(crate) fn to_value(&self) -> Value {
        serde_json::json!({"x": self.labels, "y": self.labels, "z": self.z})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_pairs_like_scikit_learn() {
        let m = ConfusionMatrix::from_predictions(
            &["cat", "dog", "cat", "bird"],
            &["cat", "cat", "cat", "bird"],
        )
        .unwrap();
        assert_eq!(
            m.to_value().to_string(),
            r#"{"x":["bird","cat","dog"],"y":["bird","cat","dog"],"z":[[1,0,0],[0,2,0],[0,1,0]]}"#
        );
    }

    #[test]
    fn python_checks() {
        assert!(ConfusionMatrix::new(["a", "b"], [vec![1, 0]]).is_err());
        assert!(ConfusionMatrix::new(["a", "b"], [vec![1, 0], vec![1]]).is_err());
        assert!(ConfusionMatrix::new(["a"], [vec!["x"]]).is_err());
        assert!(ConfusionMatrix::new(Vec::<&str>::new(), Vec::<Vec<f64>>::new()).is_err());
        assert!(ConfusionMatrix::from_predictions(&[1], &[1, 2]).is_err());
        let m = ConfusionMatrix::new([1, 2], [vec![0.5, 0.5], vec![0.1, 0.9]]).unwrap();
        assert_eq!(
            m.to_value().to_string(),
            r#"{"x":[1,2],"y":[1,2],"z":[[0.5,0.5],[0.1,0.9]]}"#
        );
    }
}

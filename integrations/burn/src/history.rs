//! What burn asks back: each metric's values per split and epoch, kept as the running sums
//! burn's aggregation needs, so `read_numeric` answers without keeping every value.

use burn_train::metric::{store::Split, NumericEntry};
use std::collections::HashMap;

/// One metric's values in one split and epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct EpochValues {
    /// The sum of the per-iteration values, each weighted by the items it averages.
    weighted_sum: f64,
    /// The items behind `weighted_sum`.
    count: usize,
    /// Whether any per-iteration value was logged (an all-zero-count epoch still has some).
    has_values: bool,
    /// The epoch's final value, when it was the latest one logged.
    last_final: Option<f64>,
}

/// Every metric's values, by burn name, split and epoch.
#[derive(Debug, Default)]
pub(crate) struct History {
    values: HashMap<(String, Split, usize), EpochValues>,
}

impl History {
    /// Records one value burn logged for metric `name`.
    pub(crate) fn record(&mut self, name: &str, split: &Split, epoch: usize, entry: &NumericEntry) {
        let key = (name.to_owned(), split.clone(), epoch);
        let values = self.values.entry(key).or_default();
        match *entry {
            NumericEntry::Final(v) => values.last_final = Some(v),
            NumericEntry::Value(v) => values.add(v, 1),
            NumericEntry::Aggregated {
                aggregated_value,
                count,
            } => values.add(aggregated_value * count as f64, count),
        }
    }

    /// The entries that aggregate as everything logged for `name` in `split` and `epoch` does:
    /// burn takes a final last entry as the epoch's value, and otherwise the mean weighted by
    /// counts. Empty when nothing was logged.
    pub(crate) fn entries(&self, name: &str, split: &Split, epoch: usize) -> Vec<NumericEntry> {
        let Some(values) = self.values.get(&(name.to_owned(), split.clone(), epoch)) else {
            return Vec::new();
        };
        if let Some(v) = values.last_final {
            return vec![NumericEntry::Final(v)];
        }
        if !values.has_values {
            return Vec::new();
        }
        let mean = if values.count == 0 {
            0.0
        } else {
            values.weighted_sum / values.count as f64
        };
        vec![NumericEntry::Aggregated {
            aggregated_value: mean,
            count: values.count,
        }]
    }

    /// The epoch's value of `name` in `split`, as burn's checkpointing and early stopping
    /// compute it from [`entries`](Self::entries).
    pub(crate) fn epoch_value(&self, name: &str, split: &Split, epoch: usize) -> Option<f64> {
        match self.entries(name, split, epoch).last()? {
            NumericEntry::Final(v) => Some(*v),
            NumericEntry::Value(v) => Some(*v),
            NumericEntry::Aggregated {
                aggregated_value,
                count,
            } => Some(if *count == 0 {
                f64::NAN
            } else {
                *aggregated_value
            }),
        }
    }
}

impl EpochValues {
    fn add(&mut self, weighted: f64, count: usize) {
        // A value after the final one starts a new aggregate, as burn reads it.
        self.last_final = None;
        self.weighted_sum += weighted;
        self.count += count;
        self.has_values = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// burn's own aggregation (`NumericMetricsAggregate::aggregate`, Mean) of entries.
    fn burn_mean(points: &[NumericEntry]) -> Option<f64> {
        if let NumericEntry::Final(v) = points.last()? {
            return Some(*v);
        }
        let (sum, n) = points.iter().fold((0.0, 0usize), |(s, n), e| match *e {
            NumericEntry::Value(v) => (s + v, n + 1),
            NumericEntry::Aggregated {
                aggregated_value,
                count,
            } => (s + aggregated_value * count as f64, n + count),
            NumericEntry::Final(_) => unreachable!("a final entry is only ever the last one"),
        });
        Some(sum / n as f64)
    }

    fn same(a: Option<f64>, b: Option<f64>) -> bool {
        match (a, b) {
            (Some(a), Some(b)) => (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-12 * a.abs(),
            (a, b) => a == b,
        }
    }

    #[test]
    fn answers_aggregate_as_every_logged_entry_does() {
        let cases: Vec<Vec<NumericEntry>> = vec![
            vec![],
            vec![NumericEntry::Value(2.0)],
            vec![NumericEntry::Value(1.0), NumericEntry::Value(4.0)],
            vec![
                NumericEntry::Aggregated {
                    aggregated_value: 0.5,
                    count: 32,
                },
                NumericEntry::Aggregated {
                    aggregated_value: 0.25,
                    count: 8,
                },
            ],
            vec![
                NumericEntry::Aggregated {
                    aggregated_value: 0.5,
                    count: 32,
                },
                NumericEntry::Value(3.0),
                NumericEntry::Aggregated {
                    aggregated_value: 0.1,
                    count: 0,
                },
            ],
            vec![
                NumericEntry::Aggregated {
                    aggregated_value: 0.5,
                    count: 32,
                },
                NumericEntry::Final(0.375),
            ],
            vec![NumericEntry::Aggregated {
                aggregated_value: 0.5,
                count: 0,
            }],
        ];
        for points in cases {
            let mut history = History::default();
            for p in &points {
                history.record("Loss", &Split::Valid, 3, p);
            }
            let answered = history.entries("Loss", &Split::Valid, 3);
            assert!(
                same(burn_mean(&answered), burn_mean(&points)),
                "{points:?}: answered {answered:?}"
            );
            assert!(same(
                history.epoch_value("Loss", &Split::Valid, 3),
                burn_mean(&points)
            ));
        }
    }

    #[test]
    fn keeps_metrics_splits_and_epochs_apart() {
        let mut history = History::default();
        history.record("Loss", &Split::Train, 1, &NumericEntry::Value(1.0));
        history.record("Loss", &Split::Train, 2, &NumericEntry::Value(2.0));
        history.record("Loss", &Split::Valid, 1, &NumericEntry::Value(3.0));
        history.record("Accuracy", &Split::Train, 1, &NumericEntry::Value(4.0));
        assert_eq!(history.epoch_value("Loss", &Split::Train, 1), Some(1.0));
        assert_eq!(history.epoch_value("Loss", &Split::Train, 2), Some(2.0));
        assert_eq!(history.epoch_value("Loss", &Split::Valid, 1), Some(3.0));
        assert_eq!(history.epoch_value("Accuracy", &Split::Train, 1), Some(4.0));
        assert_eq!(history.epoch_value("Loss", &Split::Train, 3), None);
        assert_eq!(history.epoch_value("Loss", &Split::Test(None), 1), None);
        assert!(history.entries("Unknown", &Split::Train, 1).is_empty());
    }

    #[test]
    fn a_value_after_the_final_one_is_aggregated_not_lost() {
        let mut history = History::default();
        history.record("Loss", &Split::Train, 1, &NumericEntry::Value(1.0));
        history.record("Loss", &Split::Train, 1, &NumericEntry::Final(9.0));
        history.record("Loss", &Split::Train, 1, &NumericEntry::Value(3.0));
        assert_eq!(history.epoch_value("Loss", &Split::Train, 1), Some(2.0));
    }
}

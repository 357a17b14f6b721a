//! burn-train's [`MetricLogger`] that logs every numeric metric to a Polyaxon run.

use crate::history::History;
use crate::naming::{metric_stem, split_names, SplitNames};
use burn_train::logger::MetricLogger;
use burn_train::metric::store::{EpochSummary, MetricsUpdate, Split};
use burn_train::metric::{MetricDefinition, MetricId, NumericEntry};
use polytrack::Run;
use std::collections::HashMap;

/// A burn metric logger that tracks every numeric metric in a Polyaxon run, and answers burn's
/// own questions (the epoch's loss for checkpointing and early stopping) from what it logged.
///
/// Per-iteration values go to `<split>__<metric>` at the split's iteration count (1, 2, ...
/// across epochs), each epoch's value to `epoch__<split>__<metric>` at the epoch; see the
/// crate's documentation for the naming scheme. Non-numeric (text) metrics are not tracked.
///
/// Registered with [`SupervisedTraining::with_metric_logger`], it replaces burn's default file
/// logger: burn then reads every metric back from it
/// ([`read_numeric`](MetricLogger::read_numeric)), so it keeps each metric's running sums per
/// split and epoch (a few bytes each, not every value).
///
/// Tracking never stops the training: a value the run refuses (it ended, or its writer is
/// stalled) is counted; the first refusal is logged at once and the count when the logger is
/// dropped, through the `log` facade (target `polytrack`).
///
/// [`SupervisedTraining::with_metric_logger`]: burn_train::SupervisedTraining::with_metric_logger
pub struct PolytrackMetricLogger {
    run: Option<Run>,
    metrics: Vec<Metric>,
    by_id: HashMap<MetricId, usize>,
    names: HashMap<(usize, Split), SplitNames>,
    history: History,
    iterations: HashMap<Split, i64>,
    /// The latest update of each split, held back until the next one: the update that
    /// precedes an epoch summary is the epoch's final values, not an iteration.
    pending: HashMap<Split, Pending>,
    refused: u64,
    unknown_metrics: u64,
}

/// A metric burn defined.
struct Metric {
    /// burn's name, which `read_numeric` is asked with.
    burn_name: String,
    /// The Polyaxon name stem, `None` when nothing of the name survives sanitization.
    stem: Option<String>,
}

/// One update's values, not logged yet.
struct Pending {
    epoch: usize,
    values: Vec<(usize, f64)>,
}

impl std::fmt::Debug for PolytrackMetricLogger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolytrackMetricLogger")
            .field("run", &self.run.as_ref().and_then(Run::uuid))
            .field("metrics", &self.metrics.len())
            .field("iterations", &self.iterations)
            .field("refused", &self.refused)
            .finish_non_exhaustive()
    }
}

impl PolytrackMetricLogger {
    /// A logger that tracks into `run`.
    pub fn new(run: &Run) -> Self {
        Self::with_run(Some(run.clone()))
    }

    /// A logger that tracks into the current run ([`polytrack::current`]). Without one it
    /// tracks nothing (after a warning) and still answers burn's questions, so checkpointing
    /// and early stopping keep working.
    pub fn current() -> Self {
        let run = polytrack::current();
        if run.is_none() {
            log::warn!(
                target: "polytrack",
                "polytrack-burn: no current run (call polytrack::init first); burn's metrics \
                 are not tracked"
            );
        }
        Self::with_run(run)
    }

    fn with_run(run: Option<Run>) -> Self {
        Self {
            run,
            metrics: Vec::new(),
            by_id: HashMap::new(),
            names: HashMap::new(),
            history: History::default(),
            iterations: HashMap::new(),
            pending: HashMap::new(),
            refused: 0,
            unknown_metrics: 0,
        }
    }

    /// The number of iterations of `split` tracked so far (the step of its latest values).
    pub fn iterations(&self, split: &Split) -> i64 {
        self.iterations.get(split).copied().unwrap_or(0)
    }

    /// The Polyaxon names of metric `index` in `split`, or `None` when it has no name.
    fn names(&mut self, index: usize, split: &Split) -> Option<&SplitNames> {
        let stem = self.metrics.get(index)?.stem.as_deref()?;
        Some(
            self.names
                .entry((index, split.clone()))
                .or_insert_with(|| split_names(stem, split)),
        )
    }

    /// `stem`, or `stem_2`, `stem_3`, ... when another metric has it already (`Loss` and
    /// `loss`): the later one gets a suffix rather than mixing its values into the other's.
    fn unique(&self, burn_name: &str, stem: String) -> String {
        let taken = |s: &str| self.metrics.iter().any(|m| m.stem.as_deref() == Some(s));
        if !taken(&stem) {
            return stem;
        }
        let unique = (2..)
            .map(|n| format!("{stem}_{n}"))
            .find(|candidate| !taken(candidate))
            .unwrap_or_else(|| stem.clone());
        log::warn!(
            target: "polytrack",
            "polytrack-burn: burn's metric {burn_name:?} is tracked as {unique:?}: another \
             metric already has the name {stem:?}"
        );
        unique
    }

    /// Logs one held-back update as the split's next iteration.
    fn log_iteration(&mut self, split: &Split, pending: Pending) {
        let step = {
            let count = self.iterations.entry(split.clone()).or_insert(0);
            *count += 1;
            *count
        };
        let mut values = Vec::with_capacity(pending.values.len());
        for (index, value) in pending.values {
            if let Some(names) = self.names(index, split) {
                values.push((names.iteration.clone(), value));
            }
        }
        self.send(&values, step);
    }

    fn send(&mut self, values: &[(String, f64)], step: i64) {
        let Some(run) = &self.run else {
            return;
        };
        if values.is_empty() {
            return;
        }
        if let Err(error) = run.log_metrics(values, Some(step), None) {
            self.refused += values.len() as u64;
            if self.refused == values.len() as u64 {
                log::warn!(
                    target: "polytrack",
                    "polytrack-burn: burn's metrics at step {step} were not tracked: {error}; \
                     later refusals are counted and reported when the training ends"
                );
            }
        }
    }

    /// The value to plot for one numeric update, and the entry burn reads back.
    fn values_of(
        numeric: Option<&NumericEntry>,
        serialized: &burn_train::metric::SerializedEntry,
    ) -> (Option<f64>, Option<NumericEntry>) {
        let logged = if serialized.is_not_available() {
            None
        } else {
            NumericEntry::deserialize(&serialized.serialized).ok()
        };
        let plotted = numeric.or(logged.as_ref()).map(NumericEntry::current);
        (plotted, logged)
    }
}

impl MetricLogger for PolytrackMetricLogger {
    fn log(&mut self, update: MetricsUpdate, epoch: usize, split: &Split) {
        let mut values = Vec::with_capacity(update.entries_numeric.len());
        for numeric in &update.entries_numeric {
            let Some(&index) = self.by_id.get(&numeric.entry.metric_id) else {
                self.unknown_metrics += 1;
                if self.unknown_metrics == 1 {
                    log::warn!(
                        target: "polytrack",
                        "polytrack-burn: burn logged a metric it never defined ({:?}); it is \
                         not tracked",
                        numeric.entry.metric_id
                    );
                }
                continue;
            };
            let serialized = &numeric.entry.serialized_entry;
            let (plotted, logged) = Self::values_of(numeric.numeric_entry.as_ref(), serialized);
            if let (Some(entry), Some(metric)) = (&logged, self.metrics.get(index)) {
                self.history.record(&metric.burn_name, split, epoch, entry);
            } else if logged.is_none() && !serialized.is_not_available() {
                log::debug!(
                    target: "polytrack",
                    "polytrack-burn: burn's value {:?} is not numeric; burn cannot read it back",
                    serialized.serialized
                );
            }
            if let Some(value) = plotted {
                values.push((index, value));
            }
        }
        let held = Pending { epoch, values };
        if let Some(previous) = self.pending.insert(split.clone(), held) {
            self.log_iteration(split, previous);
        }
    }

    fn read_numeric(
        &mut self,
        name: &str,
        epoch: usize,
        split: &Split,
    ) -> Result<Vec<NumericEntry>, String> {
        Ok(self.history.entries(name, split, epoch))
    }

    fn log_metric_definition(&mut self, definition: MetricDefinition) {
        if self.by_id.contains_key(&definition.metric_id) {
            return;
        }
        let burn_name = definition.name.to_string();
        let stem = metric_stem(&burn_name).map(|stem| self.unique(&burn_name, stem));
        if stem.is_none() {
            log::warn!(
                target: "polytrack",
                "polytrack-burn: burn's metric {burn_name:?} has no Polyaxon name (nothing of \
                 it survives Polyaxon's sanitization); it is not tracked"
            );
        }
        self.by_id.insert(definition.metric_id, self.metrics.len());
        self.metrics.push(Metric { burn_name, stem });
    }

    fn log_epoch_summary(&mut self, summary: EpochSummary) {
        let split = summary.split;
        let epoch = summary.epoch_number;
        // The update just before the summary holds the epoch's final values (burn's
        // `compute`): they are the epoch's value below, not one more iteration.
        if let Some(previous) = self.pending.remove(&split) {
            if previous.epoch != epoch {
                self.log_iteration(&split, previous);
            }
        }
        let mut values = Vec::new();
        for index in 0..self.metrics.len() {
            let Some(value) = self
                .metrics
                .get(index)
                .and_then(|m| self.history.epoch_value(&m.burn_name, &split, epoch))
            else {
                continue;
            };
            if let Some(names) = self.names(index, &split) {
                values.push((names.epoch.clone(), value));
            }
        }
        let step = i64::try_from(epoch).unwrap_or(i64::MAX);
        self.send(&values, step);
    }
}

impl Drop for PolytrackMetricLogger {
    fn drop(&mut self) {
        // A training that stopped mid-epoch never summarized it: its last update was an
        // iteration.
        let pending: Vec<_> = self.pending.drain().collect();
        for (split, held) in pending {
            self.log_iteration(&split, held);
        }
        if self.refused > 0 {
            log::warn!(
                target: "polytrack",
                "polytrack-burn: {} of burn's metric values were not tracked (see the first \
                 error above)",
                self.refused
            );
        }
    }
}

#[cfg(test)]
mod tests;

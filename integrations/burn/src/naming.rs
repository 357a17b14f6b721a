//! How burn's metrics are named in Polyaxon.
//!
//! | burn reports | Polyaxon metric | step |
//! | --- | --- | --- |
//! | `Loss` of a training iteration | `train__loss` | the training iteration (1, 2, ... across epochs) |
//! | `Accuracy` of a validation iteration | `valid__accuracy` | the validation iteration |
//! | the epoch's `Loss` (training) | `epoch__train__loss` | the epoch (1-based, as burn counts) |
//! | `Loss` of test set `holdout` | `test__holdout__loss` | the test iteration |
//!
//! A burn name is lowercased with its spaces as `_` (`Learning Rate` → `learning_rate`,
//! `Top-5 Accuracy` → `top-5_accuracy`), then sanitized the way Polyaxon sanitizes names.
//! `__` is the separator Polyaxon's UI groups by, and the epoch series all start with `epoch__`,
//! so the values compared between runs (one per epoch) sit together in the run's metric list,
//! apart from the per-iteration curves.

use burn_train::metric::store::Split;

/// The Polyaxon names of one burn metric in one split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SplitNames {
    /// The per-iteration series: `<split>__<metric>`.
    pub(crate) iteration: String,
    /// The per-epoch series: `epoch__<split>__<metric>`.
    pub(crate) epoch: String,
}

/// The part of a Polyaxon name that stands for a burn metric (`Learning Rate` →
/// `learning_rate`). `None` when nothing of the name survives Polyaxon's sanitization.
pub(crate) fn metric_stem(burn_name: &str) -> Option<String> {
    let spaced: String = burn_name
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("_")
        .to_lowercase();
    polytrack::sanitize_name(&spaced)
}

/// The prefix that stands for a split: `train`, `valid`, `test` or `test__<tag>`.
pub(crate) fn split_prefix(split: &Split) -> String {
    match split {
        Split::Train => "train".to_owned(),
        Split::Valid => "valid".to_owned(),
        Split::Test(None) => "test".to_owned(),
        Split::Test(Some(tag)) => match metric_stem(tag) {
            Some(tag) => format!("test__{tag}"),
            None => "test".to_owned(),
        },
    }
}

/// Both names of metric `stem` in `split`.
pub(crate) fn split_names(stem: &str, split: &Split) -> SplitNames {
    let prefix = split_prefix(split);
    SplitNames {
        iteration: format!("{prefix}__{stem}"),
        epoch: format!("epoch__{prefix}__{stem}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn burn_names_become_polyaxon_names() {
        assert_eq!(metric_stem("Loss").as_deref(), Some("loss"));
        assert_eq!(
            metric_stem("Learning Rate").as_deref(),
            Some("learning_rate")
        );
        assert_eq!(
            metric_stem(" Top-5  Accuracy ").as_deref(),
            Some("top-5_accuracy")
        );
        assert_eq!(metric_stem("CPU Memory").as_deref(), Some("cpu_memory"));
        assert_eq!(metric_stem("Accuracy@1").as_deref(), Some("accuracy1"));
        assert_eq!(metric_stem("val/acc.top").as_deref(), Some("val__acc-top"));
        assert_eq!(metric_stem("@@"), None);
        assert_eq!(metric_stem("   "), None);
    }

    #[test]
    fn splits_prefix_the_names() {
        assert_eq!(
            split_names("loss", &Split::Train),
            SplitNames {
                iteration: "train__loss".into(),
                epoch: "epoch__train__loss".into()
            }
        );
        assert_eq!(
            split_names("accuracy", &Split::Valid).iteration,
            "valid__accuracy"
        );
        assert_eq!(
            split_names("loss", &Split::Test(None)).epoch,
            "epoch__test__loss"
        );
        let tagged = Split::Test(Some(Arc::new("Hold Out".to_owned())));
        assert_eq!(
            split_names("loss", &tagged).iteration,
            "test__hold_out__loss"
        );
        let unnamable = Split::Test(Some(Arc::new("%%".to_owned())));
        assert_eq!(split_names("loss", &unnamable).iteration, "test__loss");
    }
}

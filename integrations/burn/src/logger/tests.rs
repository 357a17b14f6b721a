//! The logger fed burn's events directly (no training), recorded in memory.

use super::PolytrackMetricLogger;
use burn_train::logger::MetricLogger;
use burn_train::metric::store::{EpochSummary, MetricsUpdate, NumericMetricUpdate, Split};
use burn_train::metric::{
    MetricAttributes, MetricDefinition, MetricEntry, MetricId, NumericEntry, SerializedEntry,
};
use polytrack::testing::Recorder;
use polytrack::{RunGuard, Settings};
use std::sync::Arc;

fn recorded_run() -> (RunGuard, Recorder) {
    let recorder = Recorder::new();
    let root = std::env::temp_dir().join(format!("polytrack-burn-{}", polytrack::new_uuid()));
    let run = polytrack::init_with(
        Settings::new()
            .offline(true)
            .offline_root(root)
            .recorder(recorder.clone()),
    )
    .unwrap();
    (run, recorder)
}

fn id(name: &str) -> MetricId {
    MetricId::new(Arc::new(name.to_owned()))
}

fn define(logger: &mut PolytrackMetricLogger, name: &str) {
    logger.log_metric_definition(MetricDefinition {
        metric_id: id(name),
        name: Arc::new(name.to_owned()),
        description: None,
        attributes: MetricAttributes::None,
    });
}

/// What burn's `NumericMetricState` sends for a batch: the batch value over `count` items.
fn batch(name: &str, value: f64, count: usize) -> NumericMetricUpdate {
    let entry = NumericEntry::Aggregated {
        aggregated_value: value,
        count,
    };
    NumericMetricUpdate::new(
        MetricEntry::new(
            id(name),
            SerializedEntry::new(String::new(), entry.serialize()),
        ),
        Some(entry),
        None,
    )
}

/// What burn sends at the end of a split: the epoch's final value.
fn last(name: &str, value: f64) -> NumericMetricUpdate {
    let entry = NumericEntry::Final(value);
    NumericMetricUpdate::new(
        MetricEntry::new(
            id(name),
            SerializedEntry::new(String::new(), entry.serialize()),
        ),
        Some(entry),
        None,
    )
}

fn update(numeric: Vec<NumericMetricUpdate>) -> MetricsUpdate {
    MetricsUpdate::new(Vec::new(), numeric)
}

/// One epoch of `split`: a batch of `count` items per value, then burn's final values and the
/// summary.
fn epoch(logger: &mut PolytrackMetricLogger, split: &Split, n: usize, losses: &[(f64, usize)]) {
    for &(loss, count) in losses {
        logger.log(update(vec![batch("Loss", loss, count)]), n, split);
    }
    let total: usize = losses.iter().map(|(_, c)| c).sum();
    let mean = losses.iter().map(|(l, c)| l * *c as f64).sum::<f64>() / total as f64;
    logger.log(update(vec![last("Loss", mean)]), n, split);
    logger.log_epoch_summary(EpochSummary::new(n, split.clone()));
}

#[test]
fn iterations_and_epochs_are_logged_at_burns_steps() {
    let (run, recorder) = recorded_run();
    let mut logger = PolytrackMetricLogger::new(&run);
    define(&mut logger, "Loss");
    epoch(
        &mut logger,
        &Split::Train,
        1,
        &[(1.0, 32), (0.5, 32), (0.3, 16)],
    );
    epoch(&mut logger, &Split::Valid, 1, &[(0.6, 32), (0.4, 32)]);
    epoch(
        &mut logger,
        &Split::Train,
        2,
        &[(0.2, 32), (0.1, 32), (0.1, 16)],
    );
    epoch(&mut logger, &Split::Valid, 2, &[(0.3, 32), (0.3, 32)]);
    assert_eq!(logger.iterations(&Split::Train), 6);
    assert_eq!(logger.iterations(&Split::Valid), 4);
    drop(logger);
    run.end().unwrap();

    let at = |v: &[(i64, f64)]| v.iter().map(|&(s, x)| (Some(s), x)).collect::<Vec<_>>();
    assert_eq!(
        recorder.metric("train__loss"),
        at(&[(1, 1.0), (2, 0.5), (3, 0.3), (4, 0.2), (5, 0.1), (6, 0.1)])
    );
    assert_eq!(
        recorder.metric("valid__loss"),
        at(&[(1, 0.6), (2, 0.4), (3, 0.3), (4, 0.3)])
    );
    // The epoch's value is burn's final one: the mean weighted by batch size.
    assert_eq!(
        recorder.metric("epoch__train__loss"),
        at(&[
            (1, (32.0 + 16.0 + 4.8) / 80.0),
            (2, (6.4 + 3.2 + 1.6) / 80.0)
        ])
    );
    assert_eq!(
        recorder.metric("epoch__valid__loss"),
        at(&[(1, 0.5), (2, 0.3)])
    );
}

#[test]
fn burn_reads_back_what_was_logged() {
    let (run, _recorder) = recorded_run();
    let mut logger = PolytrackMetricLogger::new(&run);
    define(&mut logger, "Loss");
    epoch(&mut logger, &Split::Train, 1, &[(1.0, 32), (0.5, 32)]);
    // An epoch still running: burn asks for it too (its mean so far).
    logger.log(update(vec![batch("Loss", 0.2, 10)]), 2, &Split::Train);
    logger.log(update(vec![batch("Loss", 0.4, 30)]), 2, &Split::Train);

    let read = |logger: &mut PolytrackMetricLogger, epoch, split: &Split| {
        logger.read_numeric("Loss", epoch, split).unwrap()
    };
    match read(&mut logger, 1, &Split::Train)[..] {
        [NumericEntry::Final(v)] => assert_eq!(v, 0.75),
        ref other => panic!("{other:?}"),
    }
    match read(&mut logger, 2, &Split::Train)[..] {
        [NumericEntry::Aggregated {
            aggregated_value,
            count: 40,
        }] => assert!((aggregated_value - 0.35).abs() < 1e-12),
        ref other => panic!("{other:?}"),
    }
    assert!(read(&mut logger, 3, &Split::Train).is_empty());
    assert!(read(&mut logger, 1, &Split::Valid).is_empty());
    assert!(logger
        .read_numeric("Accuracy", 1, &Split::Train)
        .unwrap()
        .is_empty());
}

#[test]
fn placeholders_unknown_metrics_and_clashing_names_lose_nothing_else() {
    let (run, recorder) = recorded_run();
    let mut logger = PolytrackMetricLogger::new(&run);
    define(&mut logger, "Loss");
    define(&mut logger, "loss");
    define(&mut logger, "@@");
    define(&mut logger, "AUROC");
    define(&mut logger, "Loss"); // defined twice: one metric
    let placeholder = NumericMetricUpdate::new(
        MetricEntry::new(id("AUROC"), SerializedEntry::not_available(None)),
        None,
        None,
    );
    logger.log(
        update(vec![
            batch("Loss", 1.0, 4),
            batch("loss", 2.0, 4),
            batch("@@", 3.0, 4),
            batch("Never defined", 4.0, 4),
            placeholder,
        ]),
        1,
        &Split::Train,
    );
    // The epoch's end: a rank metric has a value only now (a plain value, not a final one).
    let auroc = NumericMetricUpdate::new(
        MetricEntry::new(
            id("AUROC"),
            SerializedEntry::new(String::new(), "0.9".into()),
        ),
        Some(NumericEntry::Value(0.9)),
        None,
    );
    logger.log(update(vec![last("Loss", 1.0), auroc]), 1, &Split::Train);
    logger.log_epoch_summary(EpochSummary::new(1, Split::Train));
    drop(logger);
    run.end().unwrap();

    assert_eq!(recorder.metric("train__loss"), [(Some(1), 1.0)]);
    assert_eq!(recorder.metric("train__loss_2"), [(Some(1), 2.0)]);
    assert_eq!(recorder.metric("epoch__train__loss"), [(Some(1), 1.0)]);
    assert_eq!(recorder.metric("epoch__train__loss_2"), [(Some(1), 2.0)]);
    assert_eq!(recorder.metric("epoch__train__auroc"), [(Some(1), 0.9)]);
    assert!(
        recorder.metric("train__auroc").is_empty(),
        "a placeholder is no value"
    );
    let names: Vec<String> = recorder
        .records()
        .into_iter()
        .filter_map(|r| match r {
            polytrack::testing::Record::Metric { name, .. } => Some(name),
            _ => None,
        })
        .collect();
    assert!(!names.iter().any(|n| n.contains("defined")), "{names:?}");
}

#[test]
fn a_training_stopped_mid_epoch_keeps_its_last_iteration() {
    let (run, recorder) = recorded_run();
    let mut logger = PolytrackMetricLogger::new(&run);
    define(&mut logger, "Loss");
    logger.log(update(vec![batch("Loss", 1.0, 8)]), 1, &Split::Train);
    logger.log(update(vec![batch("Loss", 0.5, 8)]), 1, &Split::Train);
    drop(logger);
    run.end().unwrap();
    assert_eq!(
        recorder.metric("train__loss"),
        [(Some(1), 1.0), (Some(2), 0.5)]
    );
    assert!(recorder.metric("epoch__train__loss").is_empty());
}

#[test]
fn a_run_that_ended_refuses_values_without_stopping_burn() {
    let (run, recorder) = recorded_run();
    let mut logger = PolytrackMetricLogger::new(&run);
    define(&mut logger, "Loss");
    run.end().unwrap();
    epoch(
        &mut logger,
        &Split::Train,
        1,
        &[(1.0, 8), (0.5, 8), (0.2, 8)],
    );
    assert_eq!(logger.refused, 4, "three iterations and the epoch's value");
    // burn still gets its answers.
    match logger.read_numeric("Loss", 1, &Split::Train).unwrap()[..] {
        [NumericEntry::Final(v)] => assert!((v - 1.7 / 3.0).abs() < 1e-12),
        ref other => panic!("{other:?}"),
    }
    drop(logger);
    assert!(recorder.metric("train__loss").is_empty());
}

#[test]
fn without_a_run_burn_still_gets_its_answers() {
    let mut logger = PolytrackMetricLogger::with_run(None);
    define(&mut logger, "Loss");
    epoch(&mut logger, &Split::Valid, 1, &[(2.0, 1), (4.0, 3)]);
    match logger.read_numeric("Loss", 1, &Split::Valid).unwrap()[..] {
        [NumericEntry::Final(v)] => assert_eq!(v, 3.5),
        ref other => panic!("{other:?}"),
    }
    assert_eq!(logger.iterations(&Split::Valid), 2);
    assert_eq!(logger.refused, 0);
}

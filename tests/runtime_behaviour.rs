//! Behaviour of the runtime seen through the in-memory recorder: lifecycle, no-op and rank
//! handling, bad input, and what happens when the writer stalls.

use polytrack::testing::{Record, Recorder};
use polytrack::{Error, Mode, RankPolicy, Settings, Status};
use std::sync::Mutex;
use std::time::Duration;

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

fn recorded(recorder: &Recorder) -> Settings {
    Settings::new()
        .recorder(recorder.clone())
        .env([("HOME", "/nonexistent")])
}

#[test]
fn calls_before_init_do_nothing() {
    let _s = serial();
    assert!(!polytrack::is_active());
    polytrack::log_metric("loss", 1.0).unwrap();
    polytrack::log_inputs!(a = 1).unwrap();
    assert!(matches!(
        polytrack::get_outputs_path("x"),
        Err(Error::Inactive)
    ));
    assert!(polytrack::end().unwrap().is_none());
}

#[test]
fn guard_drop_ends_succeeded_and_panic_ends_failed() {
    let _s = serial();
    let recorder = Recorder::new();
    {
        let _run = polytrack::init_with(recorded(&recorder)).unwrap();
        polytrack::log_metric("loss", 0.5).unwrap();
    }
    assert_eq!(
        recorder.statuses(),
        [Status::Created, Status::Running, Status::Succeeded]
    );
    assert!(!polytrack::is_active());

    let recorder = Recorder::new();
    let settings = recorded(&recorder);
    let result = std::panic::catch_unwind(move || {
        let _run = polytrack::init_with(settings).unwrap();
        panic!("diverged at step 7");
    });
    assert!(result.is_err());
    let failed = recorder
        .records()
        .into_iter()
        .find_map(|r| match r {
            Record::Status {
                status: Status::Failed,
                message,
                ..
            } => message,
            _ => None,
        })
        .expect("a failed status");
    assert!(failed.contains("diverged at step 7"), "{failed}");
}

#[test]
fn end_is_idempotent_and_later_calls_fail_clearly() {
    let _s = serial();
    let recorder = Recorder::new();
    let run = polytrack::init_with(recorded(&recorder)).unwrap();
    let handle = run.run();
    run.log_metric_at("x", 1, 1).unwrap();
    let first = handle.end().unwrap();
    let second = handle.end().unwrap();
    assert_eq!(first.metric_events, 1);
    assert_eq!(second.metric_events, 1);
    assert!(matches!(handle.log_metric("x", 2), Err(Error::Ended)));
    drop(run);
    assert_eq!(
        recorder
            .records()
            .iter()
            .filter(|r| matches!(r, Record::Ended { .. }))
            .count(),
        1
    );
}

#[test]
fn bad_input_is_refused_and_nothing_else_lost() {
    let _s = serial();
    let recorder = Recorder::new();
    let run = polytrack::init_with(recorded(&recorder)).unwrap();
    assert!(matches!(
        run.log_metric("@@@", 1.0),
        Err(Error::InvalidName { .. })
    ));
    assert!(matches!(
        run.log_input("lr", &f64::NAN),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(run.log_inputs(&3), Err(Error::NotAMap { .. })));
    assert!(matches!(
        run.get_outputs_path("../../etc/passwd"),
        Err(Error::PathEscapes { .. })
    ));
    run.log_metric("ok", f64::NAN).unwrap();
    run.log_input("lr", &0.1).unwrap();
    run.end().unwrap();
    assert!(recorder.metric("ok")[0].1.is_nan());
    assert_eq!(recorder.inputs()["lr"], 0.1);
}

#[test]
fn ranks_other_than_zero_do_not_track_unless_asked() {
    let _s = serial();
    let run = polytrack::init_with(
        Settings::new()
            .offline(true)
            .env([("RANK", "2"), ("HOME", "/nonexistent")]),
    )
    .unwrap();
    assert_eq!(run.mode(), Mode::NoOp);
    assert!(!polytrack::is_active());
    run.log_metric("loss", 1.0).unwrap();
    drop(run);

    let recorder = Recorder::new();
    let run = polytrack::init_with(
        recorded(&recorder)
            .rank_policy(RankPolicy::AllRanks)
            .env([("RANK", "2"), ("HOME", "/nonexistent")]),
    )
    .unwrap();
    run.log_metric("loss", 1.0).unwrap();
    run.end().unwrap();
    assert_eq!(recorder.metric("loss_rank2"), [(None, 1.0)]);
}

/// A stalled writer: calls wait at most the queue timeout, every refused event is an error
/// the caller sees and the report counts, and every accepted event is recorded.
#[test]
fn stalled_writer_refuses_visibly_and_loses_nothing_accepted() {
    let _s = serial();
    let recorder = Recorder::new();
    let run = polytrack::init_with(
        recorded(&recorder)
            .queue_capacity(4)
            .queue_timeout(Duration::from_millis(20)),
    )
    .unwrap();
    let stall = recorder.stall();
    let mut accepted = Vec::new();
    let mut refused = 0;
    for i in 0..12 {
        match run.log_metric_at("m", i, i) {
            Ok(()) => accepted.push(i),
            Err(Error::Backpressure { .. }) => refused += 1,
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert!(refused > 0, "a queue of 4 must refuse some of 12 events");
    drop(stall);
    let report = run.end().unwrap();
    assert_eq!(report.refused_events, refused);
    assert!(!report.is_complete());
    let logged: Vec<i64> = recorder
        .metric("m")
        .iter()
        .map(|(s, _)| s.unwrap())
        .collect();
    assert_eq!(logged, accepted);
}

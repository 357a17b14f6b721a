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

/// The CPU time this thread has spent so far, in nanoseconds (Linux's schedstat).
fn thread_cpu_ns() -> u64 {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").expect("schedstat");
    stat.split_whitespace()
        .next()
        .and_then(|ns| ns.parse().ok())
        .expect("schedstat's first field")
}

/// A caller that finds its ring full retries on its core for a millisecond at most, yielding
/// it between tries, then sleeps until the writer makes room or the queue timeout passes: a
/// stalled writer costs the caller its wait, not a core for the whole of it.
#[test]
fn a_caller_waiting_on_a_stalled_writer_sleeps() {
    let _s = serial();
    let recorder = Recorder::new();
    let timeout = Duration::from_millis(300);
    let run =
        polytrack::init_with(recorded(&recorder).queue_capacity(4).queue_timeout(timeout)).unwrap();
    let stall = recorder.stall();
    let mut refused = None;
    for i in 0..1_000 {
        let (cpu, at) = (thread_cpu_ns(), std::time::Instant::now());
        if let Err(e) = run.log_metric_at("m", i, i) {
            assert!(matches!(e, Error::Backpressure { .. }), "unexpected {e}");
            refused = Some((thread_cpu_ns() - cpu, at.elapsed()));
            break;
        }
    }
    let (cpu, waited) = refused.expect("a ring of 4 and a stalled writer refuse a value");
    assert!(
        waited >= timeout,
        "refused after {waited:?}, before the queue timeout"
    );
    assert!(
        cpu < 60_000_000,
        "the caller spent {:.1} ms of CPU in a {waited:?} wait",
        cpu as f64 / 1e6
    );
    drop(stall);
    let report = run.end().unwrap();
    assert_eq!(report.refused_events, 1);
}

/// Each thread's values reach the run, in the order the thread logged them, whether the thread
/// is still running when the run ends or exited long before, and whatever its names' order of
/// first use across threads (each new name is announced while other threads log).
#[test]
fn values_of_many_threads_live_and_exited_are_all_recorded_in_order() {
    let _s = serial();
    let recorder = Recorder::new();
    let run = polytrack::init_with(recorded(&recorder)).unwrap();
    const THREADS: usize = 8;
    const VALUES: i64 = 5_000;
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let release_rx = std::sync::Arc::new(Mutex::new(release_rx));
    let mut handles = Vec::new();
    for t in 0..THREADS {
        let run = run.clone();
        let (done_tx, release_rx) = (done_tx.clone(), release_rx.clone());
        handles.push(std::thread::spawn(move || {
            for step in 0..VALUES {
                run.log_metric_at(&format!("t{t}"), step as f64, step)
                    .unwrap();
                // A new name every 500 values, logged by every thread.
                run.log_metric_at(&format!("shared{}", step / 500), t as f64, step)
                    .unwrap();
            }
            done_tx.send(()).unwrap();
            // Half the threads stay alive, with their rings, until the run has ended.
            if t % 2 == 0 {
                let _ = release_rx.lock().unwrap().recv();
            }
        }));
    }
    for _ in 0..THREADS {
        done_rx.recv().unwrap();
    }
    let report = run.end().unwrap();
    drop(release_tx);
    for h in handles {
        h.join().unwrap();
    }
    assert!(report.is_complete(), "{report}");
    assert!(report.errors.is_empty(), "{report}");
    assert_eq!(report.metric_events, 2 * THREADS as u64 * VALUES as u64);
    for t in 0..THREADS {
        let rows = recorder.metric(&format!("t{t}"));
        let want: Vec<(Option<i64>, f64)> = (0..VALUES).map(|s| (Some(s), s as f64)).collect();
        assert_eq!(rows, want, "thread {t}'s values");
    }
    for n in 0..(VALUES / 500) {
        let rows = recorder.metric(&format!("shared{n}"));
        assert_eq!(rows.len(), THREADS * 500, "shared{n}");
        for t in 0..THREADS {
            let steps: Vec<i64> = rows
                .iter()
                .filter(|(_, v)| *v == t as f64)
                .map(|(s, _)| s.unwrap())
                .collect();
            let want: Vec<i64> = (n * 500..(n + 1) * 500).collect();
            assert_eq!(steps, want, "thread {t}'s values of shared{n}");
        }
    }
}

/// A flush returns once everything its thread logged before it is written, values of names
/// first used just before it included, while another thread keeps logging new names as fast
/// as it can (and may be refused while the test holds the recorder).
#[test]
fn a_flush_covers_the_values_its_thread_logged_before_it() {
    let _s = serial();
    let recorder = Recorder::new();
    let run = polytrack::init_with(recorded(&recorder)).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let other = {
        let (run, stop) = (run.clone(), stop.clone());
        std::thread::spawn(move || {
            let (mut i, mut accepted, mut refused) = (0i64, 0u64, 0u64);
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                match run.log_metric_at(&format!("other{}", i % 300), 1.0, i) {
                    Ok(()) => accepted += 1,
                    Err(Error::Backpressure { .. }) => refused += 1,
                    Err(e) => panic!("unexpected {e}"),
                }
                i += 1;
            }
            (accepted, refused)
        })
    };
    for round in 0..50i64 {
        for k in 0..20i64 {
            run.log_metric_at(&format!("mine{round}"), k as f64, k)
                .unwrap();
        }
        run.flush(Duration::from_secs(30)).unwrap();
        assert_eq!(
            recorder.metric(&format!("mine{round}")).len(),
            20,
            "round {round}: values logged before the flush are not all written"
        );
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (accepted, refused) = other.join().unwrap();
    let report = run.end().unwrap();
    assert!(report.errors.is_empty(), "{report}");
    assert_eq!(report.refused_events, refused, "{report}");
    assert_eq!(report.metric_events, 50 * 20 + accepted, "{report}");
}

/// One thread logging to more runs at once than it keeps rings to: each run gets exactly its
/// values, in order; runs started after others ended reuse the thread's room for rings.
#[test]
fn one_thread_logging_to_many_runs_records_each_its_own() {
    let _s = serial();
    for _round in 0..3 {
        let recorders: Vec<Recorder> = (0..7).map(|_| Recorder::new()).collect();
        let runs: Vec<polytrack::RunGuard> = recorders
            .iter()
            .map(|r| polytrack::init_with(recorded(r)).unwrap())
            .collect();
        for step in 0..2_000i64 {
            for (k, run) in runs.iter().enumerate() {
                run.log_metric_at("loss", (k as i64 * 10_000 + step) as f64, step)
                    .unwrap();
                if step % 2 == 0 {
                    run.log_metrics(&[("a", 1.0), ("b", k as f64)], Some(step), None)
                        .unwrap();
                }
            }
        }
        for (k, (run, recorder)) in runs.into_iter().zip(&recorders).enumerate() {
            let report = run.end().unwrap();
            assert!(report.is_complete(), "{report}");
            assert_eq!(report.metric_events, 2_000 + 2 * 1_000, "run {k}: {report}");
            let want: Vec<(Option<i64>, f64)> = (0..2_000i64)
                .map(|s| (Some(s), (k as i64 * 10_000 + s) as f64))
                .collect();
            assert_eq!(recorder.metric("loss"), want, "run {k}");
            assert!(recorder.metric("b").iter().all(|(_, v)| *v == k as f64));
            assert_eq!(recorder.metric("a").len(), 1_000);
        }
    }
}

/// Values logged from a thread-local's destructor (the thread's own rings are being torn
/// down) still reach the run, through its queue.
#[test]
fn values_logged_while_a_thread_exits_are_recorded() {
    let _s = serial();
    struct LogsOnDrop(polytrack::Run);
    impl Drop for LogsOnDrop {
        fn drop(&mut self) {
            for step in 0..100 {
                self.0.log_metric_at("at_exit", 1.0, step).unwrap();
            }
        }
    }
    thread_local! {
        static GUARD: std::cell::RefCell<Option<LogsOnDrop>> = const { std::cell::RefCell::new(None) };
    }
    let recorder = Recorder::new();
    let run = polytrack::init_with(recorded(&recorder)).unwrap();
    let worker = run.clone();
    std::thread::spawn(move || {
        worker.log_metric_at("before", 1.0, 0).unwrap();
        GUARD.with(|g| *g.borrow_mut() = Some(LogsOnDrop(worker)));
    })
    .join()
    .unwrap();
    let report = run.end().unwrap();
    assert!(report.is_complete(), "{report}");
    assert_eq!(recorder.metric("before").len(), 1);
    assert_eq!(recorder.metric("at_exit").len(), 100);
}

/// A run handed from thread to thread (as an async task resumes on another worker thread)
/// keeps its values in the order they were logged, across the first hand-over from the
/// thread that logged alone and every one after.
#[test]
fn a_run_handed_between_threads_keeps_the_order_of_its_values() {
    let _s = serial();
    let recorder = Recorder::new();
    let run = polytrack::init_with(recorded(&recorder)).unwrap();
    // The first thread logs alone, while the writer is held, so that its values are still on
    // its ring when the run goes back and forth between three threads, a few values at a time.
    let stall = recorder.stall();
    const ALONE: i64 = 5_000;
    for step in 0..ALONE {
        run.log_metric_at("loss", step as f64, step).unwrap();
    }
    let (to_a, from_main) = std::sync::mpsc::channel::<i64>();
    let (to_b, from_a) = std::sync::mpsc::channel::<i64>();
    let (to_main, from_b) = std::sync::mpsc::channel::<i64>();
    // Seven values a call: more than one queue message holds.
    fn pairs(s: i64) -> Vec<(String, f64)> {
        (0..7).map(|k| (format!("pair{k}"), s as f64)).collect()
    }
    let hop = |run: polytrack::Run,
               rx: std::sync::mpsc::Receiver<i64>,
               tx: std::sync::mpsc::Sender<i64>| {
        std::thread::spawn(move || {
            while let Ok(step) = rx.recv() {
                for s in step..step + 3 {
                    run.log_metric_at("loss", s as f64, s).unwrap();
                    run.log_metrics(&pairs(s), Some(s), None).unwrap();
                }
                if tx.send(step + 3).is_err() {
                    break;
                }
            }
        })
    };
    let a = hop(run.clone(), from_main, to_b);
    let b = hop(run.clone(), from_a, to_main);
    let mut step = ALONE;
    for _ in 0..300 {
        to_a.send(step).unwrap();
        step = from_b.recv().unwrap();
        for s in step..step + 3 {
            run.log_metric_at("loss", s as f64, s).unwrap();
            run.log_metrics(&pairs(s), Some(s), None).unwrap();
        }
        step += 3;
    }
    drop(to_a);
    a.join().unwrap();
    b.join().unwrap();
    drop(stall);
    let report = run.end().unwrap();
    assert!(report.is_complete() && report.errors.is_empty(), "{report}");
    let steps: Vec<i64> = recorder
        .metric("loss")
        .iter()
        .map(|(s, _)| s.unwrap())
        .collect();
    let want: Vec<i64> = (0..step).collect();
    assert_eq!(steps.len(), want.len());
    let first_wrong = steps.iter().zip(&want).position(|(a, b)| a != b);
    assert_eq!(first_wrong, None, "loss rows out of order");
    for k in 0..7 {
        let rows = recorder.metric(&format!("pair{k}"));
        let steps: Vec<i64> = rows.iter().map(|(s, _)| s.unwrap()).collect();
        assert_eq!(steps, (ALONE..step).collect::<Vec<_>>(), "pair{k}");
        assert!(rows.iter().all(|(s, v)| *v == s.unwrap() as f64), "pair{k}");
    }
}

/// `log_metrics` records every value under its own name whether the names at each position
/// are the same as last time (the fast path), change, are longer than 16 bytes, or stop at an
/// invalid name (the values before it are recorded, the error returned, nothing after it).
#[test]
fn log_metrics_records_each_value_under_its_name_whatever_the_positions_held() {
    let _s = serial();
    let recorder = Recorder::new();
    let run = polytrack::init_with(recorded(&recorder)).unwrap();
    let long = "a_metric_name_longer_than_sixteen_bytes";
    let orders: [&[&str]; 4] = [
        &["a", "b", "c", long, "e"],
        &["a", "b", "c", long, "e"],
        &["b", "a", long, "e", "c"],
        &["e", long, "a", "b", "c"],
    ];
    for step in 0..40i64 {
        let order = orders[step as usize % orders.len()];
        let values: Vec<(&str, f64)> = order
            .iter()
            .enumerate()
            .map(|(i, name)| (*name, step as f64 * 10.0 + i as f64))
            .collect();
        run.log_metrics(&values, Some(step), None).unwrap();
    }
    // An invalid name in the middle.
    let refused = run.log_metrics(&[("a", -1.0), ("", -2.0), ("b", -3.0)], Some(99), None);
    assert!(
        matches!(refused, Err(Error::InvalidName { .. })),
        "{refused:?}"
    );
    let report = run.end().unwrap();
    assert!(report.is_complete(), "{report}");
    for name in ["a", "b", "c", long, "e"] {
        let rows = recorder.metric(name);
        let mut want: Vec<(Option<i64>, f64)> = (0..40i64)
            .map(|step| {
                let order = orders[step as usize % orders.len()];
                let i = order.iter().position(|n| *n == name).unwrap();
                (Some(step), step as f64 * 10.0 + i as f64)
            })
            .collect();
        if name == "a" {
            want.push((Some(99), -1.0));
        }
        assert_eq!(rows, want, "{name}");
    }
    assert_eq!(report.metric_events, 40 * 5 + 1);
}

/// On a run whose values take the shared queue (another thread logged to it first),
/// `log_metrics` records the values before an invalid name, across its messages of four,
/// and returns the error.
#[test]
fn log_metrics_on_a_shared_run_stops_at_an_invalid_name() {
    let _s = serial();
    let recorder = Recorder::new();
    let run = polytrack::init_with(recorded(&recorder)).unwrap();
    let other = run.clone();
    std::thread::spawn(move || other.log_metric_at("other", 1.0, 0).unwrap())
        .join()
        .unwrap();
    let mut values: Vec<(String, f64)> = (0..6).map(|k| (format!("m{k}"), k as f64)).collect();
    values.push((String::new(), -1.0));
    values.push(("after".into(), -2.0));
    let refused = run.log_metrics(&values, Some(3), None);
    assert!(
        matches!(refused, Err(Error::InvalidName { .. })),
        "{refused:?}"
    );
    let report = run.end().unwrap();
    for k in 0..6 {
        assert_eq!(
            recorder.metric(&format!("m{k}")),
            [(Some(3), k as f64)],
            "m{k}"
        );
    }
    assert!(recorder.metric("after").is_empty());
    assert_eq!(report.metric_events, 1 + 6, "{report}");
}

/// One thread logging far more values than its ring holds, while the writer stalls now and
/// then: the ring fills, the caller waits for room and is woken once the writer has taken
/// three quarters of it, the writer copies values out across the ring's wrap-around. Every
/// value arrives, once, in order, and none is refused.
#[test]
fn a_ring_filled_and_wrapped_many_times_loses_nothing() {
    let _s = serial();
    let recorder = Recorder::new();
    let run =
        polytrack::init_with(recorded(&recorder).queue_timeout(Duration::from_secs(10))).unwrap();
    const NAMES: i64 = 37;
    const VALUES: i64 = 200_000;
    let stalls = {
        let recorder = recorder.clone();
        std::thread::spawn(move || {
            for _ in 0..5 {
                let stall = recorder.stall();
                std::thread::sleep(Duration::from_millis(20));
                drop(stall);
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    for i in 0..VALUES {
        run.log_metric_at(&format!("m{}", i % NAMES), i as f64, i / NAMES)
            .unwrap();
    }
    stalls.join().unwrap();
    let report = run.end().unwrap();
    assert!(report.is_complete(), "{report}");
    assert_eq!(report.refused_events, 0, "{report}");
    assert_eq!(report.metric_events, VALUES as u64, "{report}");
    for k in 0..NAMES {
        let want: Vec<(Option<i64>, f64)> = (0..VALUES)
            .filter(|i| i % NAMES == k)
            .map(|i| (Some(i / NAMES), i as f64))
            .collect();
        assert_eq!(recorder.metric(&format!("m{k}")), want, "m{k}");
    }
}

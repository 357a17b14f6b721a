//! Offline runs end to end: the files polytrack writes, read back by Polyaxon's own Python
//! packages, resumed, and uploaded with the official CLI to the real server.

use polytrack::{ArtifactKind, Settings, Status, Timestamp};
use polytrack_tests::{check_with_polyaxon, example, repo_root, run_ok, scratch, server, venv};
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;

/// Runs in one test binary share the process-wide current run.
static SERIAL: Mutex<()> = Mutex::new(());

fn offline(root: &Path) -> Settings {
    Settings::new()
        .offline(true)
        .offline_root(root)
        .env([("HOME", "/nonexistent")])
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

#[test]
fn offline_run_writes_polyaxon_files() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let root = scratch("offline");
    let run = polytrack::init_with(offline(&root).name("seed").tags(["t1"])).unwrap();
    let uuid = run.uuid().unwrap().to_owned();
    polytrack::log_inputs!(param1 = 42, lr = 0.01).unwrap();
    polytrack::log_tags(["foo", "bar", "foo"]).unwrap();
    for (step, v) in [0.5, 0.4, f64::NAN, 1e-05, f64::INFINITY, 0.25]
        .iter()
        .enumerate()
    {
        polytrack::log_metric_at("train/loss", *v, step as i64 + 1).unwrap();
    }
    polytrack::log_metric("acc", 0.75).unwrap();
    polytrack::log_metrics!(step = 2; metric2 = 0.1, metric3 = 3).unwrap();
    polytrack::log_outputs!(res1 = 7, res2 = "test value").unwrap();
    let path = polytrack::get_outputs_path("test.txt").unwrap();
    std::fs::write(&path, "hello").unwrap();
    polytrack::log_artifact_ref(&path, ArtifactKind::File, None).unwrap();
    let csv = polytrack::get_outputs_path("sub/file.csv").unwrap();
    std::fs::write(&csv, "a,b\n1,2\n").unwrap();
    polytrack::log_artifact_ref(&csv, ArtifactKind::Csv, Some("my-csv")).unwrap();
    let report = run.end().unwrap();
    assert!(report.is_complete(), "{report}");
    assert_eq!(report.status, Some(Status::Succeeded));
    assert_eq!(report.metric_events, 9);

    let dir = root.join("runs").join(&uuid);
    assert_eq!(report.run_dir.as_deref(), Some(dir.as_path()));
    let loss = std::fs::read_to_string(dir.join("events/metric/train__loss.plx")).unwrap();
    let lines: Vec<&str> = loss.split('\n').collect();
    assert_eq!(lines[0], "step|timestamp|metric");
    assert!(!loss.ends_with('\n'));
    let values: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.rsplit('|').next().unwrap())
        .collect();
    assert_eq!(values, ["0.5", "0.4", "nan", "1e-05", "inf", "0.25"]);
    assert!(lines[1].starts_with("1|20"), "{}", lines[1]);
    let acc = std::fs::read_to_string(dir.join("events/metric/acc.plx")).unwrap();
    assert!(acc.split('\n').nth(1).unwrap().starts_with("|20"), "{acc}");

    let run_json = read_json(&dir.join("run.plx.json"));
    assert_eq!(run_json["uuid"], uuid.as_str());
    assert_eq!(run_json["name"], "seed");
    assert_eq!(run_json["status"], "succeeded");
    assert_eq!(run_json["inputs"]["param1"], 42);
    assert_eq!(run_json["outputs"]["res2"], "test value");
    assert_eq!(run_json["outputs"]["train__loss"], 0.25);
    assert_eq!(run_json["outputs"]["metric3"], 3.0);
    assert_eq!(run_json["tags"], serde_json::json!(["t1", "foo", "bar"]));
    assert_eq!(run_json["meta_info"]["has_metrics"], true);
    let statuses: Vec<&str> = run_json["status_conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["created", "running", "succeeded"]);

    let lineage = read_json(&dir.join("lineages.plx.json"));
    let by_name = |n: &str| {
        lineage
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == n)
            .unwrap_or_else(|| panic!("no lineage {n}: {lineage}"))
            .clone()
    };
    let test = by_name("test");
    assert_eq!(test["kind"], "file");
    assert_eq!(test["path"], "outputs/test.txt");
    assert_eq!(test["summary"]["hash"], "5d41402abc4b");
    assert_eq!(by_name("my-csv")["path"], "outputs/sub/file.csv");
    let env = by_name("env");
    assert_eq!(env["kind"], "env");
    assert_eq!(env["path"], "outputs/env.json");
    assert_eq!(
        env["summary"]["path"],
        format!("runs/{uuid}/outputs/env.json")
    );
    assert!(dir.join("outputs/env.json").is_file());
    let loss_summary = by_name("train__loss");
    assert_eq!(loss_summary["kind"], "metric");
    assert_eq!(loss_summary["path"], "events/metric/train__loss.plx");
    assert_eq!(loss_summary["summary"]["is_event"], true);

    if let Some(venv) = venv() {
        let check = check_with_polyaxon(&venv, &dir);
        assert_eq!(check["ok"], true, "{check:#}");
        assert_eq!(
            check["metrics"]["train__loss"]["values"],
            serde_json::json!([0.5, 0.4, "nan", 1e-05, "inf", 0.25])
        );
    }
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn offline_run_resumes() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let root = scratch("resume");
    let run = polytrack::init_with(offline(&root)).unwrap();
    let uuid = run.uuid().unwrap().to_owned();
    run.log_metric_at("loss", 1.0, 1).unwrap();
    run.log_input("a", &1).unwrap();
    drop(run);

    let run = polytrack::init_with(offline(&root).run_uuid(&uuid)).unwrap();
    run.log_metric_at("loss", 0.5, 2).unwrap();
    run.log_input("b", &2).unwrap();
    run.end().unwrap();

    let dir = root.join("runs").join(&uuid);
    let run_json = read_json(&dir.join("run.plx.json"));
    assert_eq!(run_json["inputs"], serde_json::json!({"a": 1, "b": 2}));
    assert_eq!(run_json["outputs"]["loss"], 0.5);
    let loss = std::fs::read_to_string(dir.join("events/metric/loss.plx")).unwrap();
    assert_eq!(loss.matches('\n').count(), 2, "{loss}");
    let lineage = read_json(&dir.join("lineages.plx.json"));
    let loss_entry = lineage
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "loss")
        .unwrap();
    let summary = &loss_entry["summary"];
    assert_eq!(summary["metric"]["count"], 2.0);
    assert_eq!(summary["metric"]["last"], 0.5);
    std::fs::remove_dir_all(&root).unwrap();
}

/// `examples/in_cluster.rs` run offline purely from the environment, uploaded with
/// `polyaxon ops push` to the real server, whose streams API returns the same metrics.
#[test]
fn in_cluster_example_offline_then_pushed_with_polyaxon_cli() {
    let Some(server) = server() else { return };
    let root = scratch("push");
    let out = run_ok(
        example("in_cluster")
            .env("POLYAXON_IS_OFFLINE", "true")
            .env("POLYAXON_OFFLINE_ROOT", &root)
            .env_remove("POLYAXON_IS_MANAGED")
            .env_remove("POLYAXON_NO_OP"),
    );
    let uuid = out
        .split_whitespace()
        .nth(1)
        .unwrap_or_else(|| panic!("no uuid in {out}"))
        .to_owned();
    let dir = root.join("runs").join(&uuid);
    let check = check_with_polyaxon(&server.venv, &dir);
    assert_eq!(check["ok"], true, "{check:#}");

    let streams = run_ok(
        Command::new("bash")
            .arg(repo_root().join("tests/compat/push_and_read.sh"))
            .args([root.to_str().unwrap(), &uuid, "metric1,metric2,metric3"])
            .env("POLYAXON_HOST", &server.host)
            .env("POLYTRACK_TEST_VENV", &server.venv),
    );
    let streams: Value = serde_json::from_str(streams.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("streams answer is not JSON ({e}): {streams}"));
    for name in ["metric1", "metric2", "metric3"] {
        let served = streams["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == name)
            .unwrap_or_else(|| panic!("{name} not served: {streams}"));
        // Floats as parsed by the server and by the checker's pandas may differ in the last
        // digit (pandas 2's fast float parser); compare to a relative 1e-12.
        let served_values = served["data"]["metric"].as_array().unwrap();
        let file_values = check["metrics"][name]["values"].as_array().unwrap();
        assert_eq!(
            served_values.len(),
            file_values.len(),
            "{name}: {served} vs {check}"
        );
        for (a, b) in served_values.iter().zip(file_values) {
            let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
            assert!(
                (a - b).abs() <= 1e-12 * a.abs().max(b.abs()),
                "{name}: {a} vs {b}"
            );
        }
    }
    std::fs::remove_dir_all(&root).unwrap();
}

/// Thousands of metric names must not hold a file descriptor each: the training needs them.
#[test]
fn many_metric_names_do_not_exhaust_file_descriptors() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let root = scratch("fds");
    let run = polytrack::init_with(offline(&root)).unwrap();
    for i in 0..500 {
        run.log_metric_at(&format!("layer{i}/grad_norm"), i, 1)
            .unwrap();
    }
    run.flush(std::time::Duration::from_secs(30)).unwrap();
    let dir = root.join("runs").join(run.uuid().unwrap());
    let open_event_files = std::fs::read_dir("/proc/self/fd")
        .map(|fds| {
            fds.filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
                .filter(|target| target.starts_with(dir.join("events")))
                .count()
        })
        .unwrap_or(0);
    // The budget: a quarter of the soft descriptor limit, at most 256 (fewer than the names).
    let soft: usize = std::fs::read_to_string("/proc/self/limits")
        .unwrap()
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3)?.parse().ok())
        .unwrap_or(usize::MAX);
    let budget = (soft / 4).clamp(16, 256);
    assert!(
        open_event_files <= budget,
        "{open_event_files} event files open, over the budget of {budget}"
    );
    run.end().unwrap();
    let files = std::fs::read_dir(dir.join("events/metric"))
        .unwrap()
        .count();
    assert_eq!(files, 500);
    let text = std::fs::read_to_string(dir.join("events/metric/layer499__grad_norm.plx")).unwrap();
    assert!(text.ends_with("|499.0"), "{text}");
    std::fs::remove_dir_all(&root).unwrap();
}

const FD_CHILD: &str = "POLYTRACK_TEST_FD_CHILD";
const NAMES: usize = 10_000;
const ROUNDS: i64 = 5;

/// The event files of `dir` this process holds open now.
fn open_event_files(dir: &Path) -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|fds| {
            fds.filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
                .filter(|target| target.starts_with(dir))
                .count()
        })
        .unwrap_or(0)
}

/// The child of [`ten_thousand_names_under_ulimit_256_lose_nothing`], run under
/// `prlimit --nofile=256`: a training that holds 150 descriptors of its own and logs 10,000
/// metric names, 5 rows each.
fn descriptor_child(root: &Path) {
    let training = root.join("training");
    std::fs::create_dir_all(&training).unwrap();
    let held: Vec<std::fs::File> = (0..150)
        .map(|i| std::fs::File::create(training.join(format!("held{i}"))).unwrap())
        .collect();
    // Summarising 10,000 files on a loaded 2-core machine can take a while.
    let settings = offline(root).end_timeout(std::time::Duration::from_secs(600));
    let run = polytrack::init_with(settings).unwrap();
    let dir = run.get_artifacts_path(None).unwrap();
    let mut most_open = 0;
    for step in 0..ROUNDS {
        for i in 0..NAMES {
            run.log_metric_at(&format!("m{i:05}"), i as f64 + step as f64 / 10.0, step)
                .unwrap();
        }
        run.flush(std::time::Duration::from_secs(60)).unwrap();
        most_open = most_open.max(open_event_files(&dir.join("events")));
        // The training's own opens still succeed.
        let extra = std::fs::File::create(training.join(format!("extra{step}")))
            .unwrap_or_else(|e| panic!("the training's open() failed at step {step}: {e}"));
        drop(extra);
    }
    let report = run.end().unwrap();
    assert!(report.is_complete(), "{report}");
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(most_open <= 64, "{most_open} event files were open at once");
    drop(held);
    println!("descriptor child: at most {most_open} event files open");
}

/// Issue 9.1: 10,000 metric names under `ulimit -n 256`, in a child process with that limit:
/// every row of every file is written, `run.plx.json` too, at most 64 event files are open at
/// once, and the training's own `open()` calls keep working.
#[test]
fn ten_thousand_names_under_ulimit_256_lose_nothing() {
    if let Some(root) = std::env::var_os(FD_CHILD) {
        descriptor_child(Path::new(&root));
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let root = scratch("fd-limit");
    let exe = std::env::current_exe().unwrap();
    let out = run_ok(
        Command::new("prlimit")
            .arg("--nofile=256:256")
            .arg("--")
            .arg(exe)
            .args([
                "--exact",
                "ten_thousand_names_under_ulimit_256_lose_nothing",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(FD_CHILD, &root),
    );
    assert!(out.contains("descriptor child: at most"), "{out}");
    let runs: Vec<_> = std::fs::read_dir(root.join("runs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(runs.len(), 1, "{runs:?}");
    let dir = &runs[0];
    let run_json = read_json(&dir.join("run.plx.json"));
    assert_eq!(run_json["status"], "succeeded");
    let mut files = 0;
    for entry in std::fs::read_dir(dir.join("events/metric")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let rows: Vec<&str> = text.split('\n').collect();
        assert_eq!(rows[0], "step|timestamp|metric");
        let steps: Vec<&str> = rows[1..]
            .iter()
            .map(|r| r.split('|').next().unwrap())
            .collect();
        assert_eq!(steps, ["0", "1", "2", "3", "4"], "{}", path.display());
        files += 1;
    }
    assert_eq!(files, NAMES);
    assert_eq!(run_json["outputs"]["m09999"], 9999.4);
    std::fs::remove_dir_all(&root).unwrap();
}

/// The voluntary context switches (wake-ups after sleeping) of this process's writer thread.
fn writer_wakeups() -> Option<u64> {
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let dir = task.ok()?.path();
        let comm = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
        if comm.trim() == "polytrack-write" {
            let status = std::fs::read_to_string(dir.join("status")).ok()?;
            return status
                .lines()
                .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))?
                .trim()
                .parse()
                .ok();
        }
    }
    None
}

/// Issue 8: the writer of a run that logs nothing sleeps: at most 10 wake-ups a second (it
/// looks at its queue 5 times a second). `POLYTRACK_TEST_IDLE_SECS` sets how long it idles
/// (default 2).
#[test]
fn an_idle_run_lets_its_writer_sleep() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let root = scratch("idle");
    let secs: u64 = std::env::var("POLYTRACK_TEST_IDLE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    let run = polytrack::init_with(offline(&root).collect_resources(false)).unwrap();
    run.log_metric("loss", 0.5).unwrap();
    run.flush(std::time::Duration::from_secs(10)).unwrap();
    let before = writer_wakeups().expect("the writer thread in /proc/self/task");
    std::thread::sleep(std::time::Duration::from_secs(secs));
    let after = writer_wakeups().expect("the writer thread in /proc/self/task");
    let per_second = (after - before) as f64 / secs as f64;
    println!("idle writer: {} wake-ups in {secs} s", after - before);
    assert!(per_second <= 10.0, "{per_second} wake-ups/s");
    let report = run.end().unwrap();
    assert!(report.is_complete(), "{report}");
    assert!(writer_wakeups().is_none(), "the writer thread was joined");
    std::fs::remove_dir_all(&root).unwrap();
}

/// A row's timestamp in a form that sorts as the instants do: without the zone, and with the
/// microseconds Python leaves out when they are 0.
fn sortable(py_str: &str) -> String {
    let t = py_str.trim_end_matches("+00:00");
    if t.contains('.') {
        t.to_owned()
    } else {
        format!("{t}.000000")
    }
}

/// Metric values are stamped with the CPU's tick counter and dated by the writer
/// (runtime/src/clock.rs): each row's timestamp lies between wall-clock readings taken just
/// before and after its call, to the microsecond Polyaxon records (1 µs of slack for the
/// writer's anchors), for values logged from four threads, in bursts, and after pauses
/// longer than the writer's nap.
#[test]
fn metric_timestamps_are_the_wall_clock_of_the_call() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let root = scratch("timestamps");
    let run = polytrack::init_with(offline(&root)).unwrap();
    let uuid = run.uuid().unwrap().to_owned();
    let handle = polytrack::current().unwrap();
    let windows: Vec<Vec<(String, String)>> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let run = handle.clone();
                s.spawn(move || {
                    let _entered = run.enter();
                    let name = format!("clock_{t}");
                    (0..1500)
                        .map(|i| {
                            if i % 500 == 499 {
                                let pause = if t == 0 { 300 } else { 3 };
                                std::thread::sleep(std::time::Duration::from_millis(pause));
                            }
                            let before = Timestamp::now().as_micros() - 1;
                            polytrack::log_metric_at(&name, i as f64, i).unwrap();
                            let after = Timestamp::now().as_micros() + 1;
                            let text = |m| sortable(&Timestamp::from_micros(m).py_str());
                            (text(before), text(after))
                        })
                        .collect()
                })
            })
            .collect();
        threads.into_iter().map(|h| h.join().unwrap()).collect()
    });
    drop(handle);
    let report = run.end().unwrap();
    assert!(report.is_complete(), "{report}");
    let dir = root.join("runs").join(&uuid).join("events/metric");
    for (t, windows) in windows.iter().enumerate() {
        let text = std::fs::read_to_string(dir.join(format!("clock_{t}.plx"))).unwrap();
        let rows: Vec<&str> = text.split('\n').skip(1).collect();
        assert_eq!(rows.len(), windows.len());
        for row in rows {
            let mut fields = row.split('|');
            let step: usize = fields.next().unwrap().parse().unwrap();
            let at = sortable(fields.next().unwrap());
            let (before, after) = &windows[step];
            assert!(
                *before <= at && at <= *after,
                "clock_{t} step {step}: {before} <= {at} <= {after}"
            );
        }
    }
}

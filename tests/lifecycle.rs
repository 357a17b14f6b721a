//! The lifecycle calls (statuses, metadata, progress, lineage refs, code refs, typed inputs,
//! stop signals) against the real server and offline, each compared field by field with what
//! Polyaxon's Python client leaves for the same calls (`tests/compat/lifecycle_calls.py`, run
//! on the same inputs in the same git work tree).

#[path = "api_support.rs"]
mod support;

use polytrack::Settings;
use polytrack_tests::{
    complete_python_reference, repo_root, run_checked, run_ok, scratch, server, venv,
};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use support::{wait_until, Api, PROJECT};

/// A scratch folder that is a git work tree with one commit and an SSH `origin`, holding the
/// files the calls reference.
fn work_tree(label: &str) -> PathBuf {
    let root = scratch(label);
    std::fs::create_dir_all(root.join("data")).unwrap();
    std::fs::create_dir_all(root.join("ckpt")).unwrap();
    std::fs::write(root.join("data/train.csv"), "x,y\n1,2\n3,4\n").unwrap();
    std::fs::write(root.join("ckpt/model.bin"), [0u8, 1, 2, 3, 4, 5, 6, 7]).unwrap();
    for args in [
        &["init", "-q", "-b", "main"][..],
        &["add", "data"],
        &["commit", "-q", "-m", "data"],
        &[
            "remote",
            "add",
            "origin",
            "git@github.com:polytrack/lifecycle-demo.git",
        ],
    ] {
        run_ok(
            Command::new("git")
                .args(args)
                .current_dir(&root)
                .env("GIT_AUTHOR_NAME", "t")
                .env("GIT_AUTHOR_EMAIL", "t@example.com")
                .env("GIT_COMMITTER_NAME", "t")
                .env("GIT_COMMITTER_EMAIL", "t@example.com"),
        );
    }
    root
}

/// A command with none of the caller's Polyaxon or polytrack variables.
fn clean(mut cmd: Command, cwd: &Path, vars: &[(&str, String)]) -> Command {
    for (k, _) in std::env::vars() {
        if k.starts_with("POLYAXON_") || k.starts_with("POLYTRACK_") {
            cmd.env_remove(k);
        }
    }
    // No config files (and no POLYAXON_NO_CONFIG, which also turns Python's client deaf to
    // the environment).
    cmd.current_dir(cwd)
        .env("HOME", "/nonexistent")
        .env("POLYAXON_TRACKING_FLUSH_DELAY", "1");
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd
}

fn child(scenario: &str, root: &Path, vars: &[(&str, String)]) -> Command {
    let mut cmd = clean(
        Command::new(env!("CARGO_BIN_EXE_lifecycle-child")),
        root,
        vars,
    );
    cmd.env("POLYAXON_NO_CONFIG", "true")
        .arg(scenario)
        .arg(root);
    cmd
}

fn python(venv: &Path, root: &Path, vars: &[(&str, String)], project: Option<&str>) -> Command {
    let mut cmd = clean(Command::new(venv.join("bin/python")), root, vars);
    cmd.arg(repo_root().join("tests/compat/lifecycle_calls.py"))
        .arg(root);
    if let Some(p) = project {
        cmd.arg(p);
    }
    cmd
}

/// The uuid of the run `lifecycle_calls.py` made.
fn python_uuid(root: &Path) -> String {
    std::fs::read_to_string(root.join("python-uuid"))
        .expect("lifecycle_calls.py wrote its run's uuid")
        .trim()
        .to_owned()
}

/// `value` as text with `uuid` replaced, so two runs' paths compare.
fn without(value: &Value, uuid: &str) -> Value {
    let text = value.to_string().replace(uuid, "<uuid>");
    serde_json::from_str(&text).unwrap()
}

/// The lineage entries the calls made (not env, resources or event summaries), by name and
/// direction, with the run's uuid taken out.
fn call_lineage(items: &[Value], uuid: &str) -> Vec<Value> {
    let mut out: Vec<Value> = items
        .iter()
        .filter(|a| !matches!(a["kind"].as_str(), Some("env" | "system" | "metric")))
        .map(|a| {
            let mut a = without(a, uuid);
            if let Some(m) = a.as_object_mut() {
                // Server bookkeeping, not what the client sent.
                for k in [
                    "run",
                    "connection",
                    "state",
                    "created_at",
                    "updated_at",
                    "meta_info",
                ] {
                    m.remove(k);
                }
                // Nulls and absent keys mean the same.
                m.retain(|_, v| !v.is_null());
            }
            a
        })
        .collect();
    out.sort_by_key(|a| format!("{}|{}|{}", a["name"], a["kind"], a["is_input"]));
    out
}

/// Polytrack's lineage equals Python's, but for `is_dirty` in the code reference (polytrack
/// adds it).
fn assert_same_lineage(rust: Vec<Value>, python: Vec<Value>) {
    let rust: Vec<Value> = rust
        .into_iter()
        .map(|mut a| {
            if a["kind"] == "coderef" {
                let dirty = a["summary"]
                    .as_object_mut()
                    .and_then(|s| s.remove("is_dirty"));
                assert_eq!(dirty, Some(Value::Bool(false)), "{a}");
            }
            a
        })
        .collect();
    assert_eq!(
        rust,
        python,
        "rust:\n{}\npython:\n{}",
        serde_json::to_string_pretty(&rust).unwrap(),
        serde_json::to_string_pretty(&python).unwrap()
    );
}

fn conditions(list: &Value) -> Vec<(String, String, String)> {
    list.as_array()
        .map(|a| {
            a.iter()
                .map(|c| {
                    let s = |k: &str| c[k].as_str().unwrap_or("").to_owned();
                    (s("type"), s("reason"), s("message"))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn offline_calls_leave_what_the_python_client_leaves() {
    let Some(venv) = venv() else { return };
    let root = work_tree("lifecycle-offline");
    let offline = |who: &str| {
        vec![
            ("POLYAXON_IS_OFFLINE", "true".to_owned()),
            (
                "POLYAXON_OFFLINE_ROOT",
                root.join(format!("offline-{who}")).display().to_string(),
            ),
        ]
    };
    let rs_uuid = run_ok(&mut child("calls", &root, &offline("rust")))
        .trim()
        .to_owned();
    run_ok(&mut python(&venv, &root, &offline("python"), None));
    let py_uuid = python_uuid(&root);
    let read = |who: &str, uuid: &str, file: &str| -> Value {
        let path = root.join(format!("offline-{who}/runs/{uuid}/{file}"));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::from_str(&text).unwrap()
    };
    let rs = read("rust", &rs_uuid, "run.plx.json");
    let py = read("python", &py_uuid, "run.plx.json");
    for field in ["name", "description", "readme", "status", "meta_info"] {
        assert_eq!(rs[field], py[field], "run.plx.json {field}");
    }
    assert_eq!(rs["status"], "stopped");
    assert_eq!(rs["meta_info"]["progress"], 0.5);
    assert_eq!(
        conditions(&rs["status_conditions"]),
        conditions(&py["status_conditions"])
    );
    assert!(rs["finished_at"].is_string() && rs["duration"].is_number());

    let rs_lineage = read("rust", &rs_uuid, "lineages.plx.json");
    let py_lineage = read("python", &py_uuid, "lineages.plx.json");
    // The offline root differs (one per client): compare relative to it.
    let norm = |items: Vec<Value>, who: &str| -> Vec<Value> {
        let base = root.join(format!("offline-{who}")).display().to_string();
        items
            .into_iter()
            .map(|a| serde_json::from_str(&a.to_string().replace(&base, "<root>")).unwrap())
            .collect()
    };
    assert_same_lineage(
        norm(
            call_lineage(rs_lineage.as_array().unwrap(), &rs_uuid),
            "rust",
        ),
        norm(
            call_lineage(py_lineage.as_array().unwrap(), &py_uuid),
            "python",
        ),
    );
    std::fs::remove_dir_all(&root).ok();
}

/// The Python reference of the external test: `lifecycle_calls.py` against the server, once
/// the server shows every field, `meta_info` flag and lineage kind the script sets (see
/// `complete_python_reference`; its status list is compared more loosely below).
fn complete_reference(api: &Api, venv: &Path, root: &Path, vars: &[(&str, String)]) -> String {
    complete_python_reference(
        |_| {
            run_checked(&mut python(venv, root, vars, Some(PROJECT)))?;
            Ok(python_uuid(root))
        },
        |uuid| {
            let run = api.run(uuid);
            let items = api.get(&format!(
                "/api/v1/{PROJECT}/runs/{uuid}/lineage/artifacts?limit=1000"
            ))["results"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let mut kinds: Vec<String> = call_lineage(&items, uuid)
                .iter()
                .map(|a| a["kind"].as_str().unwrap_or("").to_owned())
                .collect();
            kinds.sort();
            let complete = run["name"] == "lifecycle"
                && run["description"] == "every lifecycle call once"
                && run["readme"] == "# Lifecycle\n\nA *markdown* readme."
                && run["status"] == "stopped"
                && run["meta_info"]["progress"] == 0.5
                && run["meta_info"]["concurrency"] == 5
                && run["meta_info"]["has_model"] == true
                && run["meta_info"]["has_tensorboard"] == true
                && kinds
                    == [
                        "coderef",
                        "data",
                        "data",
                        "dir",
                        "file",
                        "model",
                        "tensorboard",
                    ];
            (!complete).then(|| format!("lineage kinds {kinds:?}, run {run}"))
        },
    )
}

#[test]
fn external_calls_reach_the_server_as_the_python_clients_do() {
    let Some(server) = server() else { return };
    let api = Api::new(&server);
    let root = work_tree("lifecycle-external");
    let vars = vec![
        ("POLYAXON_HOST", server.host.clone()),
        ("POLYTRACK_PROJECT", PROJECT.to_owned()),
        (
            "POLYAXON_ARTIFACTS_ROOT",
            root.join("artifacts").display().to_string(),
        ),
        ("POLYAXON_TIMEOUT", "10".to_owned()),
    ];
    let rs_uuid = run_ok(&mut child("calls", &root, &vars)).trim().to_owned();
    let py_uuid = complete_reference(&api, &server.venv, &root, &vars);
    let rs = api.run(&rs_uuid);
    let py = api.run(&py_uuid);
    for field in ["name", "description", "readme", "status"] {
        assert_eq!(rs[field], py[field], "run {field}");
    }
    assert_eq!(rs["status"], "stopped");
    assert_eq!(rs["readme"], "# Lifecycle\n\nA *markdown* readme.");
    for key in ["progress", "concurrency", "has_model", "has_tensorboard"] {
        assert_eq!(
            rs["meta_info"][key], py["meta_info"][key],
            "meta_info.{key}"
        );
    }
    let statuses = |uuid: &str| {
        conditions(
            &api.get(&format!("/api/v1/{PROJECT}/runs/{uuid}/statuses"))["status_conditions"],
        )
    };
    let (rs_conditions, py_conditions) = (statuses(&rs_uuid), statuses(&py_uuid));
    // The `created` condition is the create request's (polytrack's `runs/sync` carries the
    // client's, Python's plain create gets the server's `ModelManager` one). After it, every
    // condition the calls made, in order. Python sends `log_status` with `async_req=True`, so
    // its `processing` can reach the server after `stopped` (which then refuses it) or race
    // another status write: its list may miss a condition, never hold one polytrack lacks.
    // polytrack's statuses go through the run's one ordered queue and must all be there.
    let made = |t: &str, r: &str, m: &str| (t.to_owned(), r.to_owned(), m.to_owned());
    assert_eq!(rs_conditions[0].0, "created");
    assert_eq!(
        rs_conditions[1..],
        [
            made("running", "PolyaxonClient", "Operation is running"),
            made("processing", "Loader", "loading data"),
            made("stopped", "PolyaxonClient", "Operation is stopped"),
        ]
    );
    let mut rest = rs_conditions[1..].iter();
    assert!(
        py_conditions[1..].iter().all(|c| rest.any(|r| r == c)),
        "Python's conditions {py_conditions:?} are not an ordered part of polytrack's {rs_conditions:?}"
    );

    let lineage = |uuid: &str| -> Vec<Value> {
        api.get(&format!(
            "/api/v1/{PROJECT}/runs/{uuid}/lineage/artifacts?limit=1000"
        ))["results"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    let (rs_lineage, py_lineage) = (
        call_lineage(&lineage(&rs_uuid), &rs_uuid),
        call_lineage(&lineage(&py_uuid), &py_uuid),
    );
    assert!(
        rs_lineage.iter().any(|a| a["kind"] == "coderef"
            && a["summary"]["url"] == "https://github.com/polytrack/lifecycle-demo"),
        "{rs_lineage:?}"
    );
    assert_same_lineage(rs_lineage, py_lineage);
    std::fs::remove_dir_all(&root).ok();
}

#[derive(Debug, serde::Deserialize, PartialEq)]
struct Config {
    lr: f64,
    layers: Vec<u32>,
    #[serde(default)]
    dropout: Option<f64>,
}

#[test]
fn a_managed_run_reads_the_inputs_the_server_set() {
    let Some(server) = server() else { return };
    let api = Api::new(&server);
    // As a Polyaxonfile matrix sets a trial's inputs: on the run, before the process starts.
    let uuid = api.create_run("sweep-trial");
    let patched = reqwest::blocking::Client::new()
        .patch(format!("{}/api/v1/{PROJECT}/runs/{uuid}", server.host))
        .json(&json!({"inputs": {"lr": 0.05, "layers": [128, 64], "optimizer": "adam"}}))
        .send()
        .expect("PATCH inputs");
    assert!(patched.status().is_success(), "{}", patched.status());
    assert_eq!(api.run(&uuid)["inputs"]["lr"], 0.05);
    let root = scratch("lifecycle-managed");
    let managed = |extra: &[(&str, &str)]| {
        let mut vars: Vec<(String, String)> = vec![
            ("HOME".into(), "/nonexistent".into()),
            ("POLYAXON_NO_CONFIG".into(), "true".into()),
            ("POLYAXON_HOST".into(), server.host.clone()),
            ("POLYAXON_IS_MANAGED".into(), "true".into()),
            (
                "POLYAXON_RUN_INSTANCE".into(),
                format!("default.demo.runs.{uuid}"),
            ),
            ("POLYAXON_CONTEXT_ROOT".into(), root.display().to_string()),
            ("POLYAXON_TIMEOUT".into(), "10".into()),
            ("POLYTRACK_HANDLE_SIGNALS".into(), "false".into()),
        ];
        vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Settings::new().env(vars)
    };
    let run = polytrack::init_with(managed(&[])).unwrap();
    let config: Config = polytrack::inputs().unwrap();
    assert_eq!(
        config,
        Config {
            lr: 0.05,
            layers: vec![128, 64],
            dropout: None
        }
    );
    // What this process logs is laid over the server's inputs.
    run.log_input("dropout", &0.1).unwrap();
    assert_eq!(run.inputs::<Config>().unwrap().dropout, Some(0.1));
    // A config that does not fit names its field.
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Wrong {
        optimizer: u32,
    }
    let err = run.inputs::<Wrong>().unwrap_err().to_string();
    assert!(
        err.contains("optimizer: invalid type: string \"adam\""),
        "{err}"
    );
    let raw = run.inputs_map().unwrap();
    assert_eq!(raw["optimizer"], "adam");

    // A managed run posts the statuses the program logs (as Python's client does), never its
    // own.
    run.log_status(
        polytrack::Status::Processing,
        Some("Trainer"),
        Some("epoch 1"),
    )
    .unwrap();
    run.set_description("trial of the sweep").unwrap();
    run.log_progress(0.4).unwrap();
    let report = run
        .log_failed(Some("Diverged"), Some("loss is nan"))
        .unwrap();
    assert!(report.is_complete(), "{report}");
    let read = api.run(&uuid);
    assert_eq!(read["description"], "trial of the sweep");
    assert_eq!(read["meta_info"]["progress"], 0.4);
    let statuses = api.statuses(&uuid);
    assert!(
        statuses.ends_with(&["processing".to_owned(), "failed".to_owned()]),
        "{statuses:?}"
    );

    // A second managed run of the same trial ends on its own: no status of polytrack's.
    let before = api.statuses(&uuid).len();
    let again = polytrack::init_with(managed(&[])).unwrap();
    again.end().unwrap();
    assert_eq!(api.statuses(&uuid).len(), before);
    std::fs::remove_dir_all(&root).ok();
}

// ---------------------------------------------------------------------------------------------
// Stop signals.

#[cfg(unix)]
mod signals {
    use super::*;
    use std::os::unix::process::ExitStatusExt;
    use std::process::{Child, ExitStatus};

    fn start(scenario: &str, root: &Path) -> Child {
        let vars = vec![
            ("POLYAXON_IS_OFFLINE", "true".to_owned()),
            (
                "POLYAXON_OFFLINE_ROOT",
                root.join("offline").display().to_string(),
            ),
            ("POLYAXON_COLLECT_RESOURCES", "false".to_owned()),
        ];
        child(scenario, root, &vars)
            .spawn()
            .expect("start lifecycle-child")
    }

    fn wait_ready(root: &Path) -> String {
        wait_until("the child is ready", || root.join("ready").exists());
        std::fs::read_to_string(root.join("ready")).unwrap()
    }

    fn kill(child: &Child, sig: &str) {
        run_ok(Command::new("kill").args(["-s", sig, &child.id().to_string()]));
    }

    fn wait(mut child: Child) -> ExitStatus {
        let mut status = None;
        wait_until("the child exits", || {
            status = child.try_wait().expect("wait");
            status.is_some()
        });
        status.unwrap()
    }

    /// Every row the child logged, its status, and its conditions' last reason.
    fn on_disk(root: &Path, uuid: &str) -> (usize, Value) {
        let run_dir = root.join("offline/runs").join(uuid);
        let rows = std::fs::read_to_string(run_dir.join("events/metric/loss.plx"))
            .unwrap()
            .lines()
            .skip(1)
            .filter(|l| !l.is_empty())
            .count();
        let run: Value =
            serde_json::from_str(&std::fs::read_to_string(run_dir.join("run.plx.json")).unwrap())
                .unwrap();
        (rows, run)
    }

    fn stopped_by_signal(sig: &str, signo: i32) {
        let root = scratch(&format!("lifecycle-{sig}"));
        let child = start("signal", &root);
        let uuid = wait_ready(&root);
        kill(&child, sig);
        let status = wait(child);
        assert_eq!(
            status.signal(),
            Some(signo),
            "{status:?}: dies of the signal"
        );
        let (rows, run) = on_disk(&root, &uuid);
        assert_eq!(rows, 2000, "every row logged before the signal is on disk");
        assert_eq!(run["status"], "stopped");
        let last = conditions(&run["status_conditions"]).pop().unwrap();
        assert_eq!(
            last,
            (
                "stopped".to_owned(),
                "StopSignal".to_owned(),
                format!("Operation is stopped ({sig})")
            )
        );
        assert_eq!(run["outputs"]["loss"], 1.0 / 2000.0);
        std::fs::remove_dir_all(&root).ok();
    }

    #[test]
    fn sigterm_mid_run_flushes_and_stops_the_run() {
        stopped_by_signal("SIGTERM", 15);
    }

    #[test]
    fn sigint_mid_run_flushes_and_stops_the_run() {
        stopped_by_signal("SIGINT", 2);
    }

    #[test]
    fn a_programs_own_sigint_handler_keeps_working() {
        let root = scratch("lifecycle-own-handler");
        let child = start("own-handler", &root);
        let uuid = wait_ready(&root);
        kill(&child, "SIGINT");
        let status = wait(child);
        assert!(
            status.success(),
            "{status:?}: the program's handler decided, not polytrack"
        );
        assert!(root.join("handled").exists(), "the program's handler ran");
        let (rows, run) = on_disk(&root, &uuid);
        assert_eq!(rows, 2000);
        assert_eq!(run["status"], "stopped");
        std::fs::remove_dir_all(&root).ok();
    }

    #[test]
    fn a_polling_program_checkpoints_before_the_run_stops() {
        let root = scratch("lifecycle-poll");
        let child = start("poll", &root);
        let uuid = wait_ready(&root);
        kill(&child, "SIGTERM");
        let status = wait(child);
        // It returned by itself (exit 0) unless polytrack re-raised the signal first.
        assert!(
            status.success() || status.signal() == Some(15),
            "{status:?}"
        );
        assert!(
            root.join("checkpoint").exists(),
            "the loop saw stop_requested()"
        );
        let (rows, run) = on_disk(&root, &uuid);
        assert_eq!(rows, 2000);
        assert_eq!(run["status"], "stopped");
        std::fs::remove_dir_all(&root).ok();
    }
}

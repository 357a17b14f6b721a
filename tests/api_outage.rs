//! Outages against the real Polyaxon server, through a fault-injecting proxy: the server
//! going away mid-run, a slow server, and a process killed with updates pending, whose
//! spool a later `init` of the same run, or `polytrack::push`, delivers.

use super::support;

use polytrack::ArtifactKind;
use polytrack_tests::{scratch, server};
use serde_json::json;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use support::{capture_logs, settings, wait_until, Api, Fault, Proxy};

fn spool_text(run_dir: &Path) -> String {
    std::fs::read_to_string(run_dir.join(".polytrack/spool.jsonl")).unwrap_or_default()
}

#[test]
fn outage_mid_run_loses_nothing() {
    let Some(server) = server() else { return };
    capture_logs();
    let api = Api::new(&server);
    let proxy = Proxy::start(&server);
    let root = scratch("api-outage");
    let run = polytrack::init_with(settings(&proxy.url(), &root).tags(["t0"])).unwrap();
    let uuid = run.uuid().unwrap().to_owned();
    let run_dir = root.join(&uuid);
    run.log_inputs(&json!({"a": 1})).unwrap();
    run.log_tags(["x"]).unwrap();
    run.log_metric_at("loss", 0.9, 1).unwrap();
    run.flush(Duration::from_secs(5)).unwrap();

    proxy.set(Fault::Down);
    run.log_inputs(&json!({"b": 2})).unwrap();
    run.log_tags(["x", "y"]).unwrap();
    run.log_outputs(&json!({"partial": true})).unwrap();
    let file = run.get_outputs_path("during-outage.txt").unwrap();
    std::fs::write(&file, "written while the server was down").unwrap();
    run.log_artifact_ref(&file, ArtifactKind::File, None)
        .unwrap();
    for step in 2..=4 {
        run.log_metric_at("loss", 1.0 / step as f64, step).unwrap();
    }
    run.flush(Duration::from_secs(5)).unwrap();
    // The updates wait in the spool while the server is away, and the client keeps trying
    // the head of its queue (coalesced with what arrived since), not the ones behind it.
    wait_until("the updates are spooled", || {
        spool_text(&run_dir).contains("during-outage")
    });
    wait_until("a retry while the server is away", || {
        proxy.seen().iter().filter(|s| !s.forwarded).count() >= 2
    });
    let refused: Vec<String> = proxy
        .seen()
        .into_iter()
        .filter(|s| !s.forwarded)
        .map(|s| format!("{} {}", s.method, s.path))
        .collect();
    assert!(
        refused.iter().all(|r| *r == refused[0]),
        "only the head of the queue is tried: {refused:?}"
    );

    proxy.set(Fault::Pass);
    let report = run.end().unwrap();
    assert!(report.is_complete(), "{report}");

    let got = api.run(&uuid);
    assert_eq!(got["inputs"], json!({"a": 1, "b": 2}));
    assert_eq!(got["tags"], json!(["t0", "x", "y"]));
    assert_eq!(got["outputs"]["partial"], true);
    assert_eq!(got["outputs"]["loss"], 0.25);
    assert_eq!(api.statuses(&uuid), ["created", "running", "succeeded"]);
    let lineage = api.lineage(&uuid);
    let outage_refs = lineage.iter().filter(|(n, _)| n == "during-outage").count();
    assert_eq!(outage_refs, 1, "{lineage:?}");
    assert!(
        lineage.contains(&("loss".into(), "metric".into())),
        "{lineage:?}"
    );
    assert_eq!(api.metric(&uuid, "loss"), [0.9, 0.5, 1.0 / 3.0, 0.25]);
    assert!(server
        .store
        .join(&uuid)
        .join("outputs/during-outage.txt")
        .exists());
    assert!(
        !run_dir.join(".polytrack").exists(),
        "the drained spool is gone"
    );
    let logs = support::logs().join("\n");
    assert!(
        logs.contains("retried with backoff") && logs.contains("answers again"),
        "{logs}"
    );
}

#[test]
fn slow_server_gets_everything() {
    let Some(server) = server() else { return };
    capture_logs();
    let api = Api::new(&server);
    let proxy = Proxy::start(&server);
    proxy.set(Fault::Delay(Duration::from_millis(300)));
    let root = scratch("api-slow");
    let run = polytrack::init_with(settings(&proxy.url(), &root)).unwrap();
    let uuid = run.uuid().unwrap().to_owned();
    for i in 0..200 {
        run.log_input(&format!("k{i}"), &i).unwrap();
        run.log_metric_at("loss", f64::from(i), i64::from(i))
            .unwrap();
    }
    let report = run.end().unwrap();
    assert!(report.is_complete(), "{report}");
    assert_eq!(
        api.run(&uuid)["inputs"].as_object().map(|m| m.len()),
        Some(200)
    );
    assert_eq!(api.metric(&uuid, "loss").len(), 200);
}

/// A 503 is retried, and nothing behind the refused update is sent until it gets through.
/// (The wait the server asks for with `Retry-After` is checked in `api::deliver`'s unit
/// tests, without a clock.)
#[test]
fn busy_server_is_retried_in_order() {
    let Some(server) = server() else { return };
    capture_logs();
    let api = Api::new(&server);
    let proxy = Proxy::start(&server);
    proxy.set(Fault::Unavailable {
        retry_after_secs: 1,
    });
    let root = scratch("api-busy");
    let run = polytrack::init_with(settings(&proxy.url(), &root)).unwrap();
    let uuid = run.uuid().unwrap().to_owned();
    run.log_inputs(&json!({"during": "503"})).unwrap();
    let creates = |seen: &[support::Seen]| -> Vec<usize> {
        (0..seen.len())
            .filter(|&i| seen[i].path.ends_with("/runs/sync"))
            .collect()
    };
    // The create is answered 503 and tried again; nothing behind it is sent meanwhile.
    wait_until("a retry of the create after a 503", || {
        creates(&proxy.seen()).len() >= 2
    });
    proxy.set(Fault::Pass);
    let report = run.end().unwrap();
    assert!(report.is_complete(), "{report}");
    assert_eq!(api.run(&uuid)["inputs"], json!({"during": "503"}));

    // In the proxy's order: 503s for the create, then the create forwarded, then the rest.
    let seen = proxy.seen();
    let tries = creates(&seen);
    let delivered = tries
        .iter()
        .position(|&i| seen[i].forwarded)
        .expect("the create was forwarded once the server was back");
    assert!(delivered >= 2, "{tries:?}");
    assert!(tries[..delivered].iter().all(|&i| !seen[i].forwarded));
    assert!(
        seen[..tries[delivered]]
            .iter()
            .all(|s| s.path.ends_with("/runs/sync")),
        "only the create was tried before it got through"
    );
    let inputs = seen
        .iter()
        .position(|s| s.method == "PATCH" && String::from_utf8_lossy(&s.body).contains("during"))
        .expect("the inputs were sent");
    assert!(inputs > tries[delivered], "the inputs follow the create");
}

/// Runs the child with the server away, kills it, and returns its run's uuid.
fn run_and_kill_child(proxy: &Proxy, root: &Path) -> String {
    proxy.set(Fault::Down);
    let mut child = Command::new(env!("CARGO_BIN_EXE_api-child"))
        .arg(proxy.url())
        .arg(root)
        .spawn()
        .unwrap();
    let marker = root.join("uuid");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !marker.exists() {
        if Instant::now() > deadline || child.try_wait().unwrap().is_some() {
            let _ = child.kill();
            panic!("the child did not get ready");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    proxy.set(Fault::Pass);
    let uuid = std::fs::read_to_string(marker).unwrap();
    let spool = spool_text(&root.join(&uuid));
    assert!(
        spool.contains("before-kill") && spool.contains("\"op\":\"create\""),
        "{spool}"
    );
    uuid
}

#[test]
fn killed_process_is_replayed_on_next_init() {
    let Some(server) = server() else { return };
    capture_logs();
    let api = Api::new(&server);
    let proxy = Proxy::start(&server);
    let root = scratch("api-kill-init");
    let uuid = run_and_kill_child(&proxy, &root);
    assert_eq!(
        api.status_of(&format!("/api/v1/{}/runs/{uuid}", support::PROJECT)),
        404
    );

    // Resuming the run replays what the killed process left, its create and `running`
    // included, then sends this process's updates; as Polyaxon's client resuming a run, it
    // creates nothing and posts no status of its own.
    let run = polytrack::init_with(settings(&proxy.url(), &root).run_uuid(&uuid)).unwrap();
    run.log_tags(["after-restart"]).unwrap();
    let report = run.end().unwrap();
    assert!(report.is_complete(), "{report}");

    let got = api.run(&uuid);
    assert_eq!(got["name"], "killed");
    assert_eq!(got["inputs"], json!({"lr": 0.1, "epochs": 3}));
    assert_eq!(got["tags"], json!(["before-kill", "after-restart"]));
    assert_eq!(got["outputs"]["best"], 0.5);
    assert_eq!(api.statuses(&uuid), ["created", "running"]);
    assert_eq!(proxy.count("POST", "/runs/sync"), 1, "the replayed create");
    assert_eq!(proxy.count("POST", "/statuses"), 1, "the replayed running");
    assert!(!root.join(&uuid).join(".polytrack").exists());
}

#[test]
fn killed_process_is_delivered_by_push() {
    let Some(server) = server() else { return };
    capture_logs();
    let api = Api::new(&server);
    let proxy = Proxy::start(&server);
    let root = scratch("api-kill-push");
    let uuid = run_and_kill_child(&proxy, &root);

    let env = support::env(&root);
    let settings = polytrack::Settings::new().host(proxy.url()).env(env);
    let report = polytrack::push_with(root.join(&uuid), None, settings).unwrap();
    assert_eq!(report.uuid, uuid);
    assert!(report.replayed >= 4, "{report:?}");
    let got = api.run(&uuid);
    assert_eq!(got["inputs"], json!({"lr": 0.1, "epochs": 3}));
    assert_eq!(got["tags"], json!(["before-kill"]));
    assert_eq!(got["outputs"]["best"], 0.5);
    assert_eq!(got["status"], "running", "killed: nobody said how it ended");
    assert!(
        !root.join(&uuid).join(".polytrack").exists(),
        "the spool is drained"
    );
}

//! A managed (in-cluster) run against the real Polyaxon server: the run is created first, as
//! Polyaxon's scheduler does, and `examples/in_cluster.rs` runs with the environment
//! Polyaxon's agent sets. The client reads the run, PATCHes its data, posts lineage, writes
//! event files into the store (standing in for the sidecar's copy), and never posts a status.
//! Also: a managed run of an executor without the Kubernetes sidecar (docker, local process),
//! which posts its statuses and uploads its folder itself, and a new run started from inside
//! a managed one (`is_new`), which polytrack creates.

use super::support;

use polytrack::{ArtifactKind, Mode, Settings, Status};
use polytrack_tests::{scratch, server};
use serde_json::json;
use std::path::Path;
use support::{capture_logs, Api, Proxy};

/// The environment Polyaxon's agent sets for run `uuid`, with `context_root` as the context.
fn managed_env(host: &str, uuid: &str, context_root: &Path) -> Vec<(String, String)> {
    [
        ("HOME", "/nonexistent".to_owned()),
        ("POLYAXON_NO_CONFIG", "true".to_owned()),
        ("POLYAXON_HOST", host.to_owned()),
        ("POLYAXON_IS_MANAGED", "true".to_owned()),
        ("POLYAXON_RUN_INSTANCE", format!("default.demo.runs.{uuid}")),
        ("POLYAXON_CONTEXT_ROOT", context_root.display().to_string()),
        ("POLYTRACK_END_TIMEOUT", "20".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

#[test]
fn in_cluster_example_flow() {
    let Some(server) = server() else { return };
    capture_logs();
    let api = Api::new(&server);
    let uuid = api.create_run("in-cluster");
    let mut env = managed_env(&server.host, &uuid, &server.context_root);
    for (k, v) in [
        ("POLYAXON_COLLECT_ARTIFACTS", "true"),
        ("POLYAXON_HEADER", "X-POLYAXON-SERVICE"),
        ("POLYAXON_HEADER_SERVICE", "runner"),
    ] {
        env.push((k.into(), v.into()));
    }

    // examples/in_cluster.rs, with fixed values instead of random ones.
    let run = polytrack::init_with(Settings::new().env(env)).unwrap();
    assert_eq!(run.mode(), polytrack::Mode::Managed);
    assert_eq!(run.uuid(), Some(uuid.as_str()));
    polytrack::log_inputs!(param1 = 42).unwrap();
    polytrack::log_tags(["foo", "bar"]).unwrap();
    polytrack::log_metric_with("metric1", 0.25, Some(1), None).unwrap();
    polytrack::log_metrics!(step = 1; metric2 = 0.5, metric3 = 0.75).unwrap();
    polytrack::log_outputs!(res1 = 7, res2 = "test value").unwrap();
    let asset_path = polytrack::get_outputs_path("test.txt").unwrap();
    std::fs::write(&asset_path, "Artifact content.").unwrap();
    polytrack::log_artifact_ref(&asset_path, ArtifactKind::File, None).unwrap();
    let asset_path = polytrack::get_outputs_path("file.csv").unwrap();
    std::fs::write(&asset_path, "Artifact content.").unwrap();
    polytrack::log_artifact_ref(&asset_path, ArtifactKind::Csv, Some("my-csv")).unwrap();
    let report = run.end().unwrap();
    assert!(report.is_complete(), "{report}");
    assert_eq!(
        report.status, None,
        "a managed run's status belongs to Polyaxon"
    );

    let got = api.run(&uuid);
    assert_eq!(got["inputs"], json!({"param1": 42}));
    assert_eq!(got["tags"], json!(["foo", "bar"]));
    assert_eq!(got["outputs"]["res1"], 7);
    assert_eq!(got["outputs"]["res2"], "test value");
    assert_eq!(
        got["outputs"]["metric1"], 0.25,
        "last metric values land in outputs"
    );
    assert_eq!(got["outputs"]["metric3"], 0.75);
    assert_eq!(got["meta_info"]["has_metrics"], true);
    assert_eq!(
        api.statuses(&uuid),
        ["created"],
        "no status posted by the client"
    );
    let lineage = api.lineage(&uuid);
    for (name, kind) in [
        ("test", "file"),
        ("my-csv", "csv"),
        ("metric1", "metric"),
        ("metric2", "metric"),
        ("metric3", "metric"),
    ] {
        assert!(
            lineage.contains(&(name.to_owned(), kind.to_owned())),
            "{name}/{kind} missing from {lineage:?}"
        );
    }
    // The event files went straight into the store: the streams API serves them.
    assert_eq!(api.metric(&uuid, "metric2"), [0.5]);
    assert!(server.store.join(&uuid).join("outputs/test.txt").exists());
    assert!(
        !server.store.join(&uuid).join(".polytrack").exists(),
        "no spool left behind"
    );
}

/// `POLYAXON_HAS_PROCESS_SIDECAR`: still a managed run (its uuid, read at init), but nothing
/// else reports its status or copies its files, so the process does both.
#[test]
fn process_sidecar_run_reports_its_status_and_uploads() {
    let Some(server) = server() else { return };
    capture_logs();
    let api = Api::new(&server);
    let proxy = Proxy::start(&server);
    let uuid = api.create_run("process-sidecar");
    // A context of its own: the files reach the store only through the upload.
    let ctx = scratch("api-process-sidecar");
    let mut env = managed_env(&proxy.url(), &uuid, &ctx);
    env.push(("POLYAXON_HAS_PROCESS_SIDECAR".into(), "true".into()));

    let run = polytrack::init_with(Settings::new().env(env)).unwrap();
    assert_eq!(run.mode(), Mode::Managed);
    assert_eq!(run.uuid(), Some(uuid.as_str()));
    run.log_inputs(&json!({"executor": "docker"})).unwrap();
    run.log_metric_at("loss", 0.5, 1).unwrap();
    let file = run.get_outputs_path("model.bin").unwrap();
    std::fs::write(&file, "weights").unwrap();
    let report = run.end().unwrap();
    assert!(report.is_complete(), "{report}");
    assert_eq!(report.status, Some(Status::Succeeded));

    assert_eq!(api.statuses(&uuid), ["created", "running", "succeeded"]);
    let got = api.run(&uuid);
    assert_eq!(got["inputs"], json!({"executor": "docker"}));
    assert_eq!(got["outputs"]["loss"], 0.5);
    assert_eq!(
        proxy.count("POST", "/runs/sync"),
        0,
        "the run is not created"
    );
    let upload = format!("/runs/{uuid}/artifacts");
    assert_eq!(proxy.count("POST", &upload), 1, "one upload");
    let stored = server.store.join(&uuid);
    assert_eq!(
        std::fs::read_to_string(stored.join("outputs/model.bin")).unwrap(),
        "weights"
    );
    assert_eq!(api.metric(&uuid, "loss"), [0.5]);
    assert!(
        !stored.join(".polytrack").exists(),
        "the spool is not uploaded"
    );
}

/// `is_new` inside a managed run: a run of its own in the same project, created with the
/// client's uuid, with its statuses; its folder is under `_related_runs`, which the
/// Kubernetes sidecar of the managed run copies, so it is not uploaded.
#[test]
fn new_run_inside_a_managed_one_is_created() {
    let Some(server) = server() else { return };
    capture_logs();
    let api = Api::new(&server);
    let proxy = Proxy::start(&server);
    let host_uuid = api.create_run("notebook");
    let ctx = scratch("api-related");
    let env = managed_env(&proxy.url(), &host_uuid, &ctx);

    let run = polytrack::init_with(Settings::new().env(env).is_new(true).name("related")).unwrap();
    assert_eq!(run.mode(), Mode::External);
    let uuid = run.uuid().unwrap().to_owned();
    assert_ne!(uuid, host_uuid);
    run.log_inputs(&json!({"from": "notebook"})).unwrap();
    run.log_metric_at("loss", 0.25, 1).unwrap();
    let report = run.end().unwrap();
    assert!(report.is_complete(), "{report}");
    assert_eq!(report.status, Some(Status::Succeeded));

    let got = api.run(&uuid);
    assert_eq!(got["name"], "related");
    assert_eq!(got["inputs"], json!({"from": "notebook"}));
    assert_eq!(api.statuses(&uuid), ["created", "running", "succeeded"]);
    assert_eq!(proxy.count("POST", "/runs/sync"), 1);
    let upload = format!("/runs/{uuid}/artifacts");
    assert_eq!(proxy.count("POST", &upload), 0, "no upload");
    assert!(ctx
        .join("artifacts/_related_runs")
        .join(&uuid)
        .join("events/metric/loss.plx")
        .exists());
    // The managed run is untouched.
    assert_eq!(api.statuses(&host_uuid), ["created"]);
    assert_eq!(api.run(&host_uuid)["inputs"], json!(null));
}

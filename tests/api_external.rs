//! External runs against the real Polyaxon server: polytrack creates the run with its own
//! uuid, posts its statuses, PATCHes its data (coalesced), posts lineage, and uploads its
//! folder at the end; a resumed run only sends its data. Every effect is read back from the
//! API.

use super::support;

use polytrack::{ArtifactKind, Status};
use polytrack_tests::{scratch, server};
use serde_json::json;
use support::{capture_logs, settings, Api, Proxy};

#[test]
fn external_run_is_created_updated_and_finished() {
    let Some(server) = server() else { return };
    capture_logs();
    let api = Api::new(&server);
    let proxy = Proxy::start(&server);
    let root = scratch("api-external");
    let run = polytrack::init_with(
        settings(&proxy.url(), &root)
            .name("external-seed")
            .description("from polytrack")
            .tags(["t0"]),
    )
    .unwrap();
    let uuid = run.uuid().unwrap().to_owned();

    // A thousand single inputs: a handful of merged PATCHes, not a thousand.
    for i in 0..1000 {
        run.log_input(&format!("p{i}"), &i).unwrap();
    }
    run.log_inputs(&json!({"lr": 0.01, "nested": {"a": 1}}))
        .unwrap();
    run.log_inputs(&json!({"nested": {"b": 2}})).unwrap();
    run.log_tags(["a", "b"]).unwrap();
    run.log_tags(["b", "c"]).unwrap();
    for step in 1..=5 {
        run.log_metric_at("loss", 1.0 / step as f64, step).unwrap();
    }
    run.log_metric_at("val.acc", 0.5, 1).unwrap();
    run.log_outputs(&json!({"res": "ok"})).unwrap();
    let file = run.get_outputs_path("model.bin").unwrap();
    std::fs::write(&file, "weights").unwrap();
    run.log_artifact_ref(&file, ArtifactKind::Model, None)
        .unwrap();

    let report = run.end().unwrap();
    assert!(report.is_complete(), "{report}");
    assert_eq!(report.status, Some(Status::Succeeded));

    let got = api.run(&uuid);
    assert_eq!(got["uuid"], uuid.as_str(), "the run has the client's uuid");
    assert_eq!(got["name"], "external-seed");
    assert_eq!(got["description"], "from polytrack");
    assert_eq!(got["managed_by"], "user");
    assert_eq!(got["status"], "succeeded");
    let inputs = got["inputs"].as_object().unwrap();
    assert_eq!(inputs.len(), 1002, "{inputs:?}");
    assert_eq!(inputs["p999"], 999);
    assert_eq!(inputs["lr"], 0.01);
    assert_eq!(
        inputs["nested"],
        json!({"b": 2}),
        "a shallow merge, as the server does"
    );
    assert_eq!(got["tags"], json!(["t0", "a", "b", "c"]));
    assert_eq!(got["outputs"]["res"], "ok");
    assert_eq!(got["outputs"]["loss"], 0.2, "the last value of each metric");
    assert_eq!(got["outputs"]["val-acc"], 0.5);
    assert_eq!(got["meta_info"]["has_metrics"], true);
    assert_eq!(got["meta_info"]["has_events"], true);

    assert_eq!(api.statuses(&uuid), ["created", "running", "succeeded"]);
    let lineage = api.lineage(&uuid);
    for (name, kind) in [
        ("model", "model"),
        ("loss", "metric"),
        ("val-acc", "metric"),
    ] {
        assert!(
            lineage.contains(&(name.to_owned(), kind.to_owned())),
            "{name}/{kind} missing from {lineage:?}"
        );
    }
    assert_eq!(api.metric(&uuid, "loss"), [1.0, 0.5, 1.0 / 3.0, 0.25, 0.2]);
    // The folder was uploaded into the store.
    let stored = server.store.join(&uuid);
    assert_eq!(
        std::fs::read_to_string(stored.join("outputs/model.bin")).unwrap(),
        "weights"
    );
    assert!(stored.join("events/metric/loss.plx").exists());
    assert!(
        !stored.join(".polytrack").exists(),
        "the spool is not uploaded"
    );
    assert!(
        !root.join(&uuid).join(".polytrack").exists(),
        "a drained spool is removed"
    );

    let patches = proxy.count("PATCH", &format!("/runs/{uuid}"));
    assert!(patches <= 12, "{patches} PATCH requests for ~1010 updates");
    assert_eq!(proxy.count("POST", "/runs/sync"), 1);
    assert_eq!(proxy.count("POST", "/statuses"), 2);
    let requests = proxy.seen().len();
    assert!(
        proxy.connections() <= 3,
        "{} connections for {requests} requests: connections are reused",
        proxy.connections()
    );
    for seen in proxy.seen() {
        assert!(
            seen.head.contains("user-agent: polytrack/"),
            "{}",
            seen.head
        );
        assert!(
            !seen.head.to_ascii_lowercase().contains("authorization:"),
            "no token, no header"
        );
    }
}

#[test]
fn failed_run_says_why() {
    let Some(server) = server() else { return };
    capture_logs();
    let api = Api::new(&server);
    let root = scratch("api-failed");
    let run = polytrack::init_with(settings(&server.host, &root)).unwrap();
    let uuid = run.uuid().unwrap().to_owned();
    run.log_metric("loss", 1.5).unwrap();
    let report = run.fail("boom: out of memory").unwrap();
    assert!(report.is_complete(), "{report}");
    assert_eq!(api.statuses(&uuid), ["created", "running", "failed"]);
    let conditions = api.get(&format!(
        "/api/v1/{}/runs/{uuid}/statuses",
        support::PROJECT
    ));
    let last = &conditions["status_conditions"][2];
    assert_eq!(last["message"], "boom: out of memory");
    assert_eq!(api.run(&uuid)["outputs"]["loss"], 1.5);
}

#[test]
fn works_from_inside_a_tokio_runtime() {
    let Some(server) = server() else { return };
    capture_logs();
    let api = Api::new(&server);
    let root = scratch("api-tokio");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let uuid = rt.block_on(async {
        let run = polytrack::init_with(settings(&server.host, &root)).unwrap();
        run.log_inputs(&json!({"inside": "tokio"})).unwrap();
        run.log_metric("m", 1.0).unwrap();
        let uuid = run.uuid().unwrap().to_owned();
        let report = run.end().unwrap();
        assert!(report.is_complete(), "{report}");
        uuid
    });
    assert_eq!(api.run(&uuid)["inputs"], json!({"inside": "tokio"}));
}

/// Resuming a run by its uuid (not new), as Polyaxon's client does: no create, no status,
/// and no upload unless it collects artifacts; only its own updates.
#[test]
fn resumed_run_sends_only_its_data() {
    let Some(server) = server() else { return };
    capture_logs();
    let api = Api::new(&server);
    let proxy = Proxy::start(&server);
    let uuid = api.create_run("resumed");
    let root = scratch("api-resumed");
    let run = polytrack::init_with(settings(&proxy.url(), &root).run_uuid(&uuid)).unwrap();
    assert_eq!(run.mode(), polytrack::Mode::External);
    run.log_inputs(&json!({"resumed": true})).unwrap();
    run.log_tags(["again"]).unwrap();
    run.log_metric_at("loss", 0.1, 1).unwrap();
    let report = run.end().unwrap();
    assert!(report.is_complete(), "{report}");

    let got = api.run(&uuid);
    assert_eq!(got["inputs"], json!({"resumed": true}));
    assert_eq!(got["tags"], json!(["again"]));
    assert_eq!(got["outputs"]["loss"], 0.1);
    assert_eq!(api.statuses(&uuid), ["created"], "no status posted");
    assert_eq!(proxy.count("POST", "/runs/sync"), 0, "not created again");
    assert_eq!(proxy.count("POST", "/statuses"), 0);
    let upload = format!("/runs/{uuid}/artifacts");
    assert_eq!(proxy.count("POST", &upload), 0, "no upload");
}

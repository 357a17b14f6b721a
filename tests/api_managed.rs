//! A managed (in-cluster) run against the real Polyaxon server: the run is created first, as
//! Polyaxon's scheduler does, and `examples/in_cluster.rs` runs with the environment
//! Polyaxon's agent sets. The client reads the run, PATCHes its data, posts lineage, writes
//! event files into the store (standing in for the sidecar's copy), and never posts a status.

#[path = "api_support.rs"]
mod support;

use polytrack::{ArtifactKind, Settings};
use polytrack_tests::server;
use serde_json::json;
use support::{capture_logs, Api};

#[test]
fn in_cluster_example_flow() {
    let Some(server) = server() else { return };
    capture_logs();
    let api = Api::new(&server);
    let uuid = api.create_run("in-cluster");
    let env = [
        ("HOME", "/nonexistent".to_owned()),
        ("POLYAXON_NO_CONFIG", "true".to_owned()),
        ("POLYAXON_HOST", server.host.clone()),
        ("POLYAXON_IS_MANAGED", "true".to_owned()),
        ("POLYAXON_RUN_INSTANCE", format!("default.demo.runs.{uuid}")),
        (
            "POLYAXON_CONTEXT_ROOT",
            server.context_root.display().to_string(),
        ),
        ("POLYAXON_COLLECT_ARTIFACTS", "true".to_owned()),
        ("POLYAXON_HEADER", "X-POLYAXON-SERVICE".to_owned()),
        ("POLYAXON_HEADER_SERVICE", "runner".to_owned()),
        ("POLYTRACK_END_TIMEOUT", "20".to_owned()),
    ];

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

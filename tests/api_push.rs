//! `polytrack::push` of an offline run to the real Polyaxon server, with the requests of
//! `polyaxon ops push`: the run, its lineage, a read of the run, the folder as a tar.gz.

use super::support;

use polytrack::{ArtifactKind, Settings};
use polytrack_tests::{scratch, server};
use serde_json::json;
use support::{capture_logs, Api, Proxy};

#[test]
fn offline_run_is_pushed_like_polyaxon_ops_push() {
    let Some(server) = server() else { return };
    capture_logs();
    let api = Api::new(&server);
    let proxy = Proxy::start(&server);
    let offline_root = scratch("api-push");
    let run = polytrack::init_with(
        Settings::new()
            .offline(true)
            .offline_root(&offline_root)
            .name("pushed")
            .tags(["offline"])
            .env([("HOME", "/nonexistent"), ("POLYAXON_NO_CONFIG", "true")]),
    )
    .unwrap();
    let uuid = run.uuid().unwrap().to_owned();
    run.log_inputs(&json!({"lr": 0.3})).unwrap();
    run.log_tags(["x"]).unwrap();
    for step in 1..=3 {
        run.log_metric_at("loss", f64::from(step) / 10.0, i64::from(step))
            .unwrap();
    }
    run.log_outputs(&json!({"best": "yes"})).unwrap();
    let file = run.get_outputs_path("weights.bin").unwrap();
    std::fs::write(&file, "w").unwrap();
    run.log_artifact_ref(&file, ArtifactKind::Model, Some("weights"))
        .unwrap();
    assert!(run.end().unwrap().is_complete());

    let dir = offline_root.join("runs").join(&uuid);
    let settings = || {
        Settings::new()
            .host(proxy.url())
            .env(support::env(&offline_root))
    };
    let report = polytrack::push_with(&dir, Some("default/demo"), settings()).unwrap();
    assert_eq!(
        (report.owner.as_str(), report.project.as_str()),
        ("default", "demo")
    );
    assert_eq!(report.uuid, uuid);
    assert!(report.created);
    assert!(report.lineage >= 2, "{report:?}");
    assert!(
        report.uploaded_files >= 2 && report.uploaded_bytes > 0,
        "{report:?}"
    );

    let requests: Vec<(String, String)> = proxy
        .seen()
        .into_iter()
        .map(|s| (s.method, s.path.replace(&uuid, "<uuid>")))
        .collect();
    let mut distinct = requests.clone();
    distinct.dedup();
    assert_eq!(
        distinct,
        [
            ("POST".into(), "/api/v1/default/demo/runs/sync".into()),
            (
                "POST".into(),
                "/api/v1/default/demo/runs/<uuid>/lineage/artifacts".into()
            ),
            ("GET".into(), "/api/v1/default/demo/runs/<uuid>".into()),
            (
                "POST".into(),
                "/streams/v1/polyaxon/default/demo/runs/<uuid>/artifacts".into()
            ),
        ],
        "{requests:?}"
    );

    let got = api.run(&uuid);
    assert_eq!(got["name"], "pushed");
    assert_eq!(got["status"], "succeeded");
    assert_eq!(got["inputs"], json!({"lr": 0.3}));
    assert_eq!(got["tags"], json!(["offline", "x"]));
    assert_eq!(got["outputs"]["best"], "yes");
    assert_eq!(got["outputs"]["loss"], 0.3);
    assert_eq!(api.statuses(&uuid), ["created", "running", "succeeded"]);
    let lineage = api.lineage(&uuid);
    assert!(
        lineage.contains(&("weights".into(), "model".into())),
        "{lineage:?}"
    );
    assert!(
        lineage.contains(&("loss".into(), "metric".into())),
        "{lineage:?}"
    );
    assert_eq!(api.metric(&uuid, "loss"), [0.1, 0.2, 0.3]);
    let stored = server.store.join(&uuid);
    assert_eq!(
        std::fs::read_to_string(stored.join("outputs/weights.bin")).unwrap(),
        "w"
    );
    assert!(
        !stored.join("run.plx.json").exists(),
        "push leaves out *.plx.json"
    );

    // Pushing again updates the run instead of failing.
    let again = polytrack::push_with(&dir, Some("default/demo"), settings()).unwrap();
    assert!(!again.created, "{again:?}");
    assert_eq!(api.statuses(&uuid), ["created", "running", "succeeded"]);
}

#[test]
fn push_needs_a_project() {
    let Some(server) = server() else { return };
    let offline_root = scratch("api-push-noproject");
    let run = polytrack::init_with(
        Settings::new()
            .offline(true)
            .offline_root(&offline_root)
            .env([("HOME", "/nonexistent"), ("POLYAXON_NO_CONFIG", "true")]),
    )
    .unwrap();
    let uuid = run.uuid().unwrap().to_owned();
    run.end().unwrap();
    let settings = Settings::new()
        .host(server.host.clone())
        .env(support::env(&offline_root));
    let err =
        polytrack::push_with(offline_root.join("runs").join(&uuid), None, settings).unwrap_err();
    assert!(err.to_string().contains("owner/project"), "{err}");
}

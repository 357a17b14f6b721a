//! Bad input against the real Polyaxon server: an unknown project, an unreachable host (no
//! server needed), the wrong scheme, a run that does not exist, a run file the server
//! refuses. Each gives a clear error (or a clear line in the end report), never a panic, and
//! loses nothing locally.

use super::support;

use polytrack::{Error, Settings};
use polytrack_tests::{scratch, server};
use serde_json::json;
use std::time::Duration;
use support::{capture_logs, closed_port, settings, Api};

#[test]
fn unknown_project_is_reported_and_kept() {
    let Some(server) = server() else { return };
    capture_logs();
    let root = scratch("api-noproject");
    let run =
        polytrack::init_with(settings(&server.host, &root).project("default/no-such-project"))
            .unwrap();
    let uuid = run.uuid().unwrap().to_owned();
    run.log_inputs(&json!({"lr": 0.1})).unwrap();
    run.log_metric("loss", 0.5).unwrap();
    let report = run.end().unwrap();
    assert!(!report.is_complete());
    let text = report.undelivered.join("\n");
    assert!(
        text.contains("HTTP 404") && text.contains("No Project matches"),
        "{text}"
    );
    assert!(
        text.contains("spool.jsonl") && text.contains("polytrack::push"),
        "{text}"
    );
    // Nothing is lost locally: the updates are spooled and the events written.
    let run_dir = root.join(&uuid);
    let spool = std::fs::read_to_string(run_dir.join(".polytrack/spool.jsonl")).unwrap();
    assert!(spool.contains("\"lr\":0.1"), "{spool}");
    assert!(run_dir.join("events/metric/loss.plx").exists());
}

#[test]
fn strict_init_fails_fast_on_an_unknown_project() {
    let Some(server) = server() else { return };
    capture_logs();
    let root = scratch("api-strict-noproject");
    let err = polytrack::init_with(
        settings(&server.host, &root)
            .project("default/no-such-project")
            .strict(true),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Api { status: 404, .. }), "{err:?}");
    assert!(
        text.contains("runs/sync") && text.contains("No Project matches"),
        "{text}"
    );
    assert!(!polytrack::is_active());
}

#[test]
fn unreachable_host_strict_fails_and_lenient_spools() {
    capture_logs();
    let host = format!("http://127.0.0.1:{}", closed_port());
    let root = scratch("api-unreachable");
    let err = polytrack::init_with(settings(&host, &root).strict(true)).unwrap_err();
    assert!(matches!(err, Error::Unreachable { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains(&host) && text.to_lowercase().contains("connect"),
        "{text}"
    );

    // Without strict, init works and training goes on; end says what is left and where.
    let run = polytrack::init_with(settings(&host, &root).end_timeout(Duration::from_millis(1500)))
        .unwrap();
    for step in 0..100 {
        run.log_metric_at("loss", 1.0 / f64::from(step + 1), i64::from(step))
            .unwrap();
    }
    run.log_inputs(&json!({"batch": 32})).unwrap();
    let uuid = run.uuid().unwrap().to_owned();
    let report = run.end().unwrap();
    let text = report.undelivered.join("\n");
    assert!(
        text.contains("updates left in")
            && text.contains(&format!("{uuid}/.polytrack/spool.jsonl")),
        "{text}"
    );
    assert!(
        text.contains("replayed on the next init of this run or by polytrack::push"),
        "{text}"
    );
    let spool = std::fs::read_to_string(root.join(&uuid).join(".polytrack/spool.jsonl")).unwrap();
    assert!(
        spool.contains("\"batch\":32") && spool.contains("\"op\":\"create\""),
        "{spool}"
    );
}

#[test]
fn wrong_scheme_is_a_clear_error() {
    let Some(server) = server() else { return };
    capture_logs();
    let host = server.host.replace("http://", "https://");
    let root = scratch("api-scheme");
    let err = polytrack::init_with(settings(&host, &root).strict(true)).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("TLS") && text.contains("scheme"), "{text}");

    let run = polytrack::init_with(settings(&host, &root)).unwrap();
    run.log_inputs(&json!({"a": 1})).unwrap();
    let report = run.end().unwrap();
    let text = report.undelivered.join("\n");
    assert!(
        text.contains("TLS") && text.contains("nothing more was sent"),
        "{text}"
    );
}

#[test]
fn missing_managed_run_quotes_the_server() {
    let Some(server) = server() else { return };
    capture_logs();
    let uuid = polytrack::new_uuid();
    let ctx = scratch("api-missing-run");
    let env = [
        ("HOME", "/nonexistent".to_owned()),
        ("POLYAXON_NO_CONFIG", "true".to_owned()),
        ("POLYAXON_HOST", server.host.clone()),
        ("POLYAXON_IS_MANAGED", "true".to_owned()),
        ("POLYAXON_RUN_INSTANCE", format!("default.demo.runs.{uuid}")),
        ("POLYAXON_CONTEXT_ROOT", ctx.display().to_string()),
        ("POLYTRACK_END_TIMEOUT", "10".to_owned()),
    ];
    let err = polytrack::init_with(Settings::new().env(env.clone()).strict(true)).unwrap_err();
    assert!(
        err.to_string()
            .contains(r#"{"detail":"No Run matches the given query."}"#),
        "{err}"
    );

    let run = polytrack::init_with(Settings::new().env(env)).unwrap();
    run.log_outputs(&json!({"acc": 0.9})).unwrap();
    let report = run.end().unwrap();
    let text = report.undelivered.join("\n");
    assert!(
        text.contains("HTTP 404") && text.contains("No Run matches the given query."),
        "{text}"
    );
}

#[test]
fn push_quotes_a_refusal() {
    let Some(server) = server() else { return };
    capture_logs();
    let api = Api::new(&server);
    let uuid = polytrack::new_uuid();
    let dir = scratch("api-push-refused").join(&uuid);
    std::fs::create_dir_all(&dir).unwrap();
    let run = json!({
        "uuid": uuid, "kind": "no-such-kind", "managed_by": "user", "is_managed": false,
        "created_at": "2026-01-01T00:00:00.000000+00:00", "status": "succeeded",
    });
    std::fs::write(dir.join("run.plx.json"), run.to_string()).unwrap();
    let settings = Settings::new()
        .host(server.host.clone())
        .env(support::env(&dir));
    let err = polytrack::push_with(&dir, Some("default/demo"), settings).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Api { status: 400, .. }), "{err:?}");
    assert!(
        text.contains("runs/sync")
            && text.contains(r#"{"kind":["\"no-such-kind\" is not a valid choice."]}"#),
        "{text}"
    );
    assert_eq!(
        api.status_of(&format!("/api/v1/default/demo/runs/{uuid}")),
        404
    );
}

#[test]
fn turning_tls_verification_off_is_warned() {
    let Some(server) = server() else { return };
    capture_logs();
    let root = scratch("api-noverify");
    let mut env = support::env(&root);
    env.push(("POLYAXON_VERIFY_SSL".into(), "false".into()));
    let run = polytrack::init_with(
        Settings::new()
            .project(support::PROJECT)
            .host(server.host.clone())
            .env(env),
    )
    .unwrap();
    assert!(run.end().unwrap().is_complete());
    let logs = support::logs().join("\n");
    assert!(
        logs.contains("TLS certificates of") && logs.contains("NOT verified"),
        "{logs}"
    );
}

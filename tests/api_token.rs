//! The API token is sent in the `Authorization` header and appears nowhere else: not in
//! logs (captured here), errors, `Debug` output, end reports or files.

use super::support;

use polytrack::Settings;
use polytrack_tests::{scratch, server};
use serde_json::json;
use support::{all_files, capture_logs, Api, Proxy};

const TOKEN: &str = "pt-secret-0123456789abcdef";

fn env_with_token(root: &std::path::Path) -> Vec<(String, String)> {
    let mut env = support::env(root);
    env.push(("POLYAXON_AUTH_TOKEN".into(), TOKEN.into()));
    env.push(("POLYAXON_HEADER".into(), "X-POLYAXON-SERVICE".into()));
    env.push(("POLYAXON_HEADER_SERVICE".into(), "runner".into()));
    env
}

#[test]
fn token_is_in_the_header_only() {
    let Some(server) = server() else { return };
    capture_logs();
    let api = Api::new(&server);
    let proxy = Proxy::start(&server);
    let root = scratch("api-token");
    let mut leaks: Vec<String> = Vec::new();

    // A run that goes through, and one that fails (unknown project): both log, report, spool.
    let settings = Settings::new()
        .project(support::PROJECT)
        .host(proxy.url())
        .env(env_with_token(&root));
    leaks.push(format!("{:?}", settings.resolve().unwrap()));
    let run = polytrack::init_with(settings).unwrap();
    leaks.push(format!("{run:?}"));
    run.log_inputs(&json!({"a": 1})).unwrap();
    run.log_metric("m", 1.0).unwrap();
    let uuid = run.uuid().unwrap().to_owned();
    let report = run.end().unwrap();
    assert!(report.is_complete(), "{report}");
    leaks.push(format!("{report:?} {report}"));
    assert_eq!(api.run(&uuid)["inputs"], json!({"a": 1}));

    let failing = Settings::new()
        .project("default/no-such-project")
        .host(proxy.url())
        .env(env_with_token(&root));
    let run = polytrack::init_with(failing.clone()).unwrap();
    run.log_inputs(&json!({"b": 2})).unwrap();
    let report = run.end().unwrap();
    assert!(!report.is_complete());
    leaks.push(format!("{report:?} {report}"));
    let err = polytrack::init_with(failing.strict(true)).unwrap_err();
    leaks.push(format!("{err:?} {err}"));

    // The header carries it on every request, uploads included.
    let seen = proxy.seen();
    assert!(
        seen.iter().any(|s| s.path.starts_with("/streams/")),
        "no upload seen"
    );
    for s in &seen {
        let head = s.head.to_ascii_lowercase();
        assert!(
            head.contains(&format!("authorization: token {TOKEN}")),
            "{} {}: no token header",
            s.method,
            s.path
        );
        assert!(head.contains("x-polyaxon-service: runner"), "{}", s.head);
        assert!(
            !String::from_utf8_lossy(&s.body).contains(TOKEN),
            "token in a body"
        );
    }

    for (path, text) in all_files(&root) {
        assert!(!text.contains(TOKEN), "token in {path}");
    }
    for (path, text) in all_files(&server.store.join(&uuid)) {
        assert!(!text.contains(TOKEN), "token in {path}");
    }
    let logs = support::logs();
    assert!(
        logs.iter().any(|l| l.contains("no-such-project")),
        "the failure was logged"
    );
    for line in logs.iter().chain(&leaks) {
        assert!(!line.contains(TOKEN), "token leaked: {line}");
    }
}

#[test]
fn a_malformed_token_is_refused_without_echoing_it() {
    // Refused while the client is built, before any request: no server needed.
    capture_logs();
    let root = scratch("api-badtoken");
    let secret = "bad\ntoken-with-newline-42";
    let err = polytrack::init_with(
        Settings::new()
            .project(support::PROJECT)
            .host(format!("http://127.0.0.1:{}", support::closed_port()))
            .token(secret)
            .env(support::env(&root)),
    )
    .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(text.contains("POLYAXON_AUTH_TOKEN"), "{text}");
    assert!(!text.contains("token-with-newline-42"), "{text}");
    let spooled: Vec<_> = all_files(&root)
        .into_iter()
        .filter(|(path, _)| path.contains("spool"))
        .collect();
    assert!(spooled.is_empty(), "no spool is left: {spooled:?}");
}

#[test]
fn settings_debug_hides_a_token_from_the_env() {
    let settings = Settings::new()
        .env([("POLYAXON_AUTH_TOKEN", TOKEN)])
        .token(TOKEN);
    let text = format!("{settings:?}");
    assert!(!text.contains(TOKEN), "{text}");
    assert!(
        text.contains("POLYAXON_AUTH_TOKEN") && text.contains("***"),
        "{text}"
    );
}

//! `examples/in_cluster.rs` and Polyaxon's own Python client run the same seed script under
//! the environment Polyaxon's agent sets for a managed run, each on its own run of the real
//! server. Afterwards the server must show the same inputs, tags, outputs, lineage and
//! statuses for both; polytrack may only add what Polyaxon's sidecar adds in a cluster
//! (event summaries as lineage, the last value of every metric as outputs).

use super::support;

use polytrack_tests::{
    complete_python_reference, example, repo_root, run_checked, run_ok, server, Server,
};
use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Command;
use support::Api;

fn managed_env(cmd: &mut Command, server: &Server, uuid: &str) {
    for (k, _) in std::env::vars() {
        if k.starts_with("POLYAXON_") || k.starts_with("POLYTRACK_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("HOME", "/nonexistent")
        .env("POLYAXON_HOST", &server.host)
        .env("POLYAXON_IS_MANAGED", "true")
        .env("POLYAXON_RUN_INSTANCE", format!("default.demo.runs.{uuid}"))
        .env("POLYAXON_CONTEXT_ROOT", &server.context_root)
        .env("POLYAXON_COLLECT_ARTIFACTS", "true")
        .env("POLYAXON_HEADER", "X-POLYAXON-SERVICE")
        .env("POLYAXON_HEADER_SERVICE", "runner")
        // Python's client sleeps this long at its end before it exits, finished or not (see
        // `complete_python_reference`). polytrack does not read this variable.
        .env("POLYAXON_TRACKING_FLUSH_DELAY", "5");
}

/// The Python reference: the seed script run by Polyaxon's client on a run of its own, once
/// the server shows everything the script sends: its input, tags, outputs (`res1`, `res2`
/// and the last `log_metric` value), `has_metrics` flag and both lineage refs (see
/// `complete_python_reference`; under load it has lost each of lineage, `has_metrics` and
/// tags once).
fn complete_reference(api: &Api, server: &Server) -> String {
    complete_python_reference(
        |attempt| {
            let run = api.create_run(&format!("seed-python-{attempt}"));
            let mut python = Command::new(server.venv.join("bin/python"));
            python.arg(repo_root().join("tests/compat/seed_in_cluster.py"));
            managed_env(&mut python, server, &run);
            run_checked(&mut python)?;
            Ok(run)
        },
        |run| {
            let names: BTreeSet<String> = api.lineage(run).into_iter().map(|(n, _)| n).collect();
            let py = api.run(run);
            let outputs = keys(&py["outputs"]);
            let complete = py["meta_info"]["has_metrics"] == Value::Bool(true)
                && keys(&py["inputs"]).contains("param1")
                && py["tags"] == serde_json::json!(["foo", "bar"])
                && ["res1", "res2", "metric1"]
                    .iter()
                    .all(|k| outputs.contains(*k))
                && names.contains("test")
                && names.contains("my-csv");
            (!complete).then(|| format!("lineage {names:?}, run {py}"))
        },
    )
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn in_cluster_example_leaves_what_the_python_client_leaves() {
    let Some(server) = server() else { return };
    let api = Api::new(&server);
    let python_run = complete_reference(&api, &server);
    let rust_run = api.create_run("seed-rust");

    let mut rust = example("in_cluster");
    managed_env(&mut rust, &server, &rust_run);
    run_ok(&mut rust);

    let py = api.run(&python_run);
    let rs = api.run(&rust_run);
    assert_eq!(keys(&rs["inputs"]), keys(&py["inputs"]), "inputs");
    assert_eq!(rs["tags"], py["tags"], "tags");
    assert_eq!(
        rs["status"], py["status"],
        "a managed run's status is Polyaxon's"
    );
    assert_eq!(
        api.statuses(&rust_run),
        api.statuses(&python_run),
        "no status posted"
    );
    assert_eq!(
        rs["meta_info"]["has_metrics"],
        py["meta_info"]["has_metrics"]
    );
    assert_eq!(rs["outputs"]["res2"], "test value");

    // Python PATCHes the last log_metric values only (metric1); polytrack all of them, as the
    // sidecar's summary sync does in a cluster.
    let (py_out, rs_out) = (keys(&py["outputs"]), keys(&rs["outputs"]));
    assert!(
        py_out.is_subset(&rs_out),
        "outputs {py_out:?} vs {rs_out:?}"
    );
    let extra: BTreeSet<String> = rs_out.difference(&py_out).cloned().collect();
    assert!(
        extra.iter().all(|k| k == "metric2" || k == "metric3"),
        "unexpected outputs {extra:?}"
    );

    // Lineage: the same file refs and env entry; polytrack adds the event summaries.
    let py_lineage: BTreeSet<_> = api.lineage(&python_run).into_iter().collect();
    let rs_lineage: BTreeSet<_> = api.lineage(&rust_run).into_iter().collect();
    assert!(
        py_lineage.is_subset(&rs_lineage),
        "python {py_lineage:?} vs rust {rs_lineage:?}"
    );
    for (name, kind) in rs_lineage.difference(&py_lineage) {
        assert_eq!(kind, "metric", "unexpected lineage {name} ({kind})");
    }

    // Both wrote the same event files into the store, readable through the streams API.
    for name in ["metric1", "metric2", "metric3"] {
        assert_eq!(api.metric(&python_run, name).len(), 1, "python {name}");
        assert_eq!(api.metric(&rust_run, name).len(), 1, "rust {name}");
    }
}

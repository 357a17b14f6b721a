//! The server's side of the events tests: a pushed offline run and a managed run, each served
//! back by the real server's streams API (a module of `tests/events.rs`).

use super::*;

#[path = "api_support.rs"]
mod support;

/// The rows of `events/<kind>/<name>.plx` as the server's streams API serves them to the UI.
fn served_rows(api: &support::Api, uuid: &str, kind: &str, name: &str) -> Value {
    let v = api.get(&format!(
        "/streams/v1/polyaxon/{}/runs/{uuid}/events/{kind}?names={name}&orient=dict",
        support::PROJECT
    ));
    let data = &v["data"];
    assert_eq!(data.as_array().map(Vec::len), Some(1), "{kind}/{name}: {v}");
    assert_eq!(
        (data[0]["name"].as_str(), data[0]["kind"].as_str()),
        (Some(name), Some(kind)),
        "{v}"
    );
    data[0]["data"].clone()
}

/// The value of the last row of `events/<kind>/<name>.plx` in the run folder `dir`.
fn last_row(dir: &Path, kind: &str, name: &str) -> Value {
    let path = dir.join(format!("events/{kind}/{name}.plx"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let last = text.lines().last().unwrap_or_default();
    serde_json::from_str(last.splitn(3, '|').nth(2).unwrap_or_default())
        .unwrap_or_else(|e| panic!("{path:?} {last}: {e}"))
}

/// A file of the run, downloaded from the server's artifacts store.
fn download(server: &polytrack_tests::Server, uuid: &str, path: &str) -> Vec<u8> {
    let url = format!(
        "{}/streams/v1/polyaxon/{}/runs/{uuid}/artifact?path={path}&stream=true",
        server.host,
        support::PROJECT
    );
    let resp = reqwest::blocking::get(&url).unwrap_or_else(|e| panic!("GET {url}: {e}"));
    assert!(resp.status().is_success(), "GET {url}: {}", resp.status());
    resp.bytes().unwrap().to_vec()
}

#[test]
fn a_pushed_run_serves_every_kind_and_its_assets() {
    let Some(server) = polytrack_tests::server() else {
        return;
    };
    let (run, root, dir) = offline_run("events-push");
    let uuid = run.uuid().unwrap().to_owned();
    let inputs = log_every_kind(&run, &root);
    assert!(run.end().unwrap().is_complete());
    let settings = Settings::new().host(&server.host).env(support::env(&root));
    let report = polytrack::push_with(&dir, Some(support::PROJECT), settings).unwrap();
    assert_eq!(report.uuid, uuid);
    let api = support::Api::new(&server);

    let text = served_rows(&api, &uuid, "text", "sample");
    assert_eq!(text["text"], json!([inputs["text"]["value"]]), "{text}");
    assert_eq!(text["step"], json!([1]));
    assert_eq!(
        served_rows(&api, &uuid, "html", "report")["html"],
        json!(["<b>bold</b>"])
    );

    // Pipe kinds come back as the row's JSON text, which traceml parses on the UI's side.
    let row = |kind: &str, name: &str| -> Value {
        let d = served_rows(&api, &uuid, kind, name);
        let cell = &d[kind][0];
        match cell.as_str() {
            Some(s) => serde_json::from_str(s).unwrap_or_else(|e| panic!("{kind}/{name} {s}: {e}")),
            None => cell.clone(),
        }
    };
    let local_row = |kind: &str, name: &str| last_row(&dir, kind, name);
    for (kind, name) in [
        ("histogram", "weights"),
        ("histogram", "prebinned"),
        ("curve", "roc"),
        ("curve", "pr"),
        ("curve", "custom"),
        ("confusion", "confusion"),
        ("image", "batch"),
        ("image", "photo"),
        ("audio", "clip"),
        ("audio", "voice"),
        ("video", "movie"),
        ("video", "spin"),
        ("dataframe", "table"),
        ("model", "net"),
        ("tensor", "acts"),
    ] {
        assert_eq!(row(kind, name), local_row(kind, name), "{kind}/{name}");
    }
    let hist = row("histogram", "prebinned");
    assert_eq!(
        hist,
        json!({"values": [1.0, 2.0], "counts": [0.0, 0.5, 1.0]})
    );

    let chart = served_rows(&api, &uuid, "chart", "loss_chart");
    let figure: Value = serde_json::from_str(chart["chart"][0].as_str().unwrap()).unwrap();
    assert_eq!(
        figure,
        json!({"kind": "vega", "figure": inputs["chart"]["figure"]})
    );

    // Every asset a row points at is served byte for byte.
    for (kind, name) in [
        ("image", "batch"),
        ("image", "boxed"),
        ("image", "photo"),
        ("audio", "clip"),
        ("audio", "voice"),
        ("video", "movie"),
        ("video", "spin"),
        ("dataframe", "table"),
        ("model", "net"),
        ("tensor", "acts"),
    ] {
        let path = local_row(kind, name)["path"].as_str().unwrap().to_owned();
        assert_eq!(
            download(&server, &uuid, &path),
            std::fs::read(dir.join(&path)).unwrap(),
            "{path}"
        );
    }
    assert_eq!(download(&server, &uuid, "outputs/ckpt/inner/a.txt"), b"a");

    // The lineage the server holds has every event file and both copies into outputs/.
    let lineage = api.lineage(&uuid);
    for entry in [
        ("final", "model"),
        ("notes", "file"),
        ("weights", "histogram"),
        ("movie", "video"),
        ("acts", "tensor"),
        ("loss_chart", "chart"),
    ] {
        assert!(
            lineage
                .iter()
                .any(|(n, k)| (n.as_str(), k.as_str()) == entry),
            "{entry:?} not in {lineage:?}"
        );
    }
    let meta = &api.run(&uuid)["meta_info"];
    assert_eq!(
        (meta["has_events"].clone(), meta["has_model"].clone()),
        (json!(true), json!(true)),
        "{meta}"
    );
}

/// The environment Polyaxon's agent sets for run `uuid` in the cluster, with the server's
/// context root: the event files go straight into the store the streams API reads, standing
/// in for the sidecar's copy.
fn managed_settings(server: &polytrack_tests::Server, uuid: &str) -> Settings {
    Settings::new().env([
        ("HOME", "/nonexistent".to_owned()),
        ("POLYAXON_NO_CONFIG", "true".to_owned()),
        ("POLYAXON_HOST", server.host.clone()),
        ("POLYAXON_IS_MANAGED", "true".to_owned()),
        // The agent sets it for a run whose artifacts are collected (without it, Python's
        // client and polytrack write no events).
        ("POLYAXON_COLLECT_ARTIFACTS", "true".to_owned()),
        ("POLYAXON_RUN_INSTANCE", format!("default.demo.runs.{uuid}")),
        (
            "POLYAXON_CONTEXT_ROOT",
            server.context_root.display().to_string(),
        ),
        ("POLYTRACK_HANDLE_SIGNALS", "false".to_owned()),
        ("POLYTRACK_END_TIMEOUT", "20".to_owned()),
    ])
}

/// Copies into `to` every file the server's artifacts API lists for the run under `path`
/// (`/artifacts/tree`), each downloaded through `/artifact`: the run's folder as the UI sees
/// it. Returns the relative paths.
fn mirror(
    server: &polytrack_tests::Server,
    api: &support::Api,
    uuid: &str,
    path: &str,
    to: &Path,
) -> Vec<String> {
    let tree = api.get(&format!(
        "/streams/v1/polyaxon/{}/runs/{uuid}/artifacts/tree?path={path}",
        support::PROJECT
    ));
    assert!(tree.get("error").is_none(), "{path}: {tree}");
    let join = |name: &str| match path {
        "" => name.to_owned(),
        _ => format!("{path}/{name}"),
    };
    let mut out = Vec::new();
    for name in tree["files"].as_object().into_iter().flat_map(|f| f.keys()) {
        let rel = join(name);
        let file = to.join(&rel);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, download(server, uuid, &rel)).unwrap();
        out.push(rel);
    }
    for dir in tree["dirs"].as_array().into_iter().flatten() {
        let rel = join(dir.as_str().unwrap());
        std::fs::create_dir_all(to.join(&rel)).unwrap();
        out.extend(mirror(server, api, uuid, &rel, to));
    }
    out
}

#[test]
fn a_managed_run_serves_every_kind_through_the_streams_api() {
    let Some(server) = polytrack_tests::server() else {
        return;
    };
    let api = support::Api::new(&server);
    // Created first, as Polyaxon's scheduler does; the process then runs in the cluster.
    let uuid = api.create_run("events-managed");
    let files = scratch("events-managed");
    let run = polytrack::init_with(managed_settings(&server, &uuid)).unwrap();
    assert_eq!(run.mode(), polytrack::Mode::Managed);
    assert_eq!(run.uuid(), Some(uuid.as_str()));
    let inputs = log_every_kind(&run, &files);
    let report = run.end().unwrap();
    assert!(report.is_complete(), "{report}");

    // The run's folder as the server serves it: every file through the artifacts API, the
    // lineage and `meta_info` as the server holds them. Then the same checks as the offline
    // run's, on what came back: traceml's readers, numpy, scikit-learn, PIL, Python's own
    // processors for the files.
    let served = files.join("served");
    let paths = mirror(&server, &api, &uuid, "", &served);
    assert!(
        paths.iter().all(|p| !p.starts_with(".polytrack")),
        "no spool: {paths:?}"
    );
    let lineage = api.get(&format!(
        "/api/v1/{}/runs/{uuid}/lineage/artifacts?limit=1000",
        support::PROJECT
    ));
    std::fs::write(
        served.join("lineages.plx.json"),
        serde_json::to_vec(&lineage["results"]).unwrap(),
    )
    .unwrap();
    std::fs::write(
        served.join("run.plx.json"),
        serde_json::to_vec(&api.run(&uuid)).unwrap(),
    )
    .unwrap();
    assert_every_check_passes(&server.venv, &served, &inputs);

    // The events API (what the dashboards plot) serves the rows of those files.
    let row = |kind: &str, name: &str| -> Value {
        let d = served_rows(&api, &uuid, kind, name);
        match d[kind][0].as_str() {
            Some(s) => serde_json::from_str(s).unwrap_or_else(|e| panic!("{kind}/{name} {s}: {e}")),
            None => d[kind][0].clone(),
        }
    };
    for (kind, name) in [
        ("histogram", "weights"),
        ("curve", "roc"),
        ("curve", "pr_dense"),
        ("confusion", "confusion"),
        ("image", "rgb"),
        ("audio", "clip"),
        ("audio", "voice"),
        ("video", "movie"),
        ("video", "spin"),
        ("dataframe", "table"),
        ("model", "net"),
        ("tensor", "acts"),
    ] {
        assert_eq!(
            row(kind, name),
            last_row(&served, kind, name),
            "{kind}/{name}"
        );
    }
    assert_eq!(
        row("curve", "custom"),
        json!({"kind": "custom", "x": [0.0, 0.5, 1.0], "y": [1.0, 0.25, 0.0], "annotation": "decay"})
    );
    assert_eq!(
        row("video", "spin"),
        json!({"path": "assets/video/spin.mp4", "content_type": "mp4"})
    );
    let text = served_rows(&api, &uuid, "text", "sample");
    assert_eq!(
        (text["text"].clone(), text["step"].clone()),
        (json!([inputs["text"]["value"]]), json!([1]))
    );
    let chart = served_rows(&api, &uuid, "chart", "loss_chart");
    let figure: Value = serde_json::from_str(chart["chart"][0].as_str().unwrap()).unwrap();
    assert_eq!(
        figure,
        json!({"kind": "vega", "figure": inputs["chart"]["figure"]})
    );
    // A managed run's status is Polyaxon's: polytrack posted none.
    assert_eq!(api.statuses(&uuid), ["created"]);
}

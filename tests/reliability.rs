//! Faults a cluster really has, against the real Polyaxon server: a host that answers 200
//! with a proxy's page or truncated JSON, another run, redirects, a lineage bigger than the
//! server takes in one request. A loopback stand-in gives only the answers the real server
//! cannot be made to give; everything that is delivered is read back from the real server.

#[path = "api_support.rs"]
mod support;

use polytrack::{Error, Settings};
use polytrack_tests::{scratch, server};
use serde_json::json;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{capture_logs, settings, Api, PROJECT};

/// A loopback HTTP server that gives every request the same answer, and counts them.
struct StandIn {
    port: u16,
    requests: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<String>>>,
}

impl StandIn {
    /// `answer(request line)` is the whole HTTP response, written raw.
    fn start(answer: impl Fn(&str) -> String + Send + Sync + 'static) -> StandIn {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        let requests = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (count, lines) = (Arc::clone(&requests), Arc::clone(&seen));
        let answer = Arc::new(answer);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (count, lines, answer) =
                    (Arc::clone(&count), Arc::clone(&lines), Arc::clone(&answer));
                std::thread::spawn(move || {
                    let _ = serve(stream, &count, &lines, &*answer);
                });
            }
        });
        StandIn {
            port,
            requests,
            seen,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

fn serve(
    stream: TcpStream,
    count: &AtomicUsize,
    seen: &Mutex<Vec<String>>,
    answer: &(dyn Fn(&str) -> String + Send + Sync),
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let request = line.trim().to_owned();
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            reader.read_line(&mut header)?;
            let header = header.trim();
            if header.is_empty() {
                break;
            }
            let lower = header.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
            seen.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(format!("{request} | {header}"));
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        count.fetch_add(1, Ordering::SeqCst);
        out.write_all(answer(&request).as_bytes())?;
        out.flush()?;
    }
}

fn response(status: &str, content_type: &str, body: &str, extra: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{extra}\r\n{body}",
        body.len()
    )
}

const LOGIN_PAGE: &str = "<!doctype html><html><body><h1>Sign in to the cluster</h1></body></html>";

#[test]
fn a_200_login_page_is_not_a_delivery_and_push_replays_it() {
    let Some(server) = server() else { return };
    capture_logs();
    let proxy = StandIn::start(|_| response("200 OK", "text/html", LOGIN_PAGE, ""));
    let root = scratch("rel-html");
    let run = polytrack::init_with(
        settings(&proxy.url(), &root).end_timeout(Duration::from_millis(1500)),
    )
    .unwrap();
    let uuid = run.uuid().unwrap().to_owned();
    run.log_inputs(&json!({"lr": 0.25})).unwrap();
    run.log_metric_at("loss", 0.5, 1).unwrap();
    let report = run.end().unwrap();
    assert!(!report.is_complete(), "{report:?}");
    let text = report.undelivered.join("\n");
    assert!(
        text.contains("updates left in") && text.contains("not the Polyaxon API"),
        "{text}"
    );
    assert!(text.contains("Sign in to the cluster"), "{text}");
    // Retried, not taken for a delivery.
    assert!(proxy.requests() >= 2, "{}", proxy.requests());
    let run_dir = root.join(&uuid);
    let spool = std::fs::read_to_string(run_dir.join(".polytrack/spool.jsonl")).unwrap();
    assert!(
        spool.contains("\"op\":\"create\"") && spool.contains("\"lr\":0.25"),
        "{spool}"
    );

    // Nothing was lost: a push to the real server delivers it all.
    let pushed = polytrack::push_with(
        &run_dir,
        Some(PROJECT),
        Settings::new().host(&server.host).env(support::env(&root)),
    )
    .unwrap();
    assert_eq!(pushed.uuid, uuid);
    let remote = Api::new(&server).run(&uuid);
    assert_eq!(remote["inputs"]["lr"], json!(0.25), "{remote}");
}

#[test]
fn truncated_json_fails_a_strict_init() {
    capture_logs();
    let proxy = StandIn::start(|_| {
        response(
            "200 OK",
            "application/json",
            r#"{"uuid":"0123456789abcdef0123456789abcdef","name":"x","inpu"#,
            "",
        )
    });
    let root = scratch("rel-truncated");
    let err = polytrack::init_with(settings(&proxy.url(), &root).strict(true)).unwrap_err();
    assert!(
        matches!(err, Error::NotPolyaxon { status: 200, .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("runs/sync") && text.contains("\"inpu"),
        "{text}"
    );
    // No run came of it. (`is_active()` is process-wide: another test's run may be live.)
    let current = polytrack::current();
    assert!(
        current
            .as_ref()
            .and_then(|run| run.uuid())
            .is_none_or(|uuid| uuid != "0123456789abcdef0123456789abcdef"),
        "a failed init left its run current"
    );
}

#[test]
fn a_managed_run_must_be_the_run_asked_for() {
    let Some(server) = server() else { return };
    capture_logs();
    let api = Api::new(&server);
    // A real run of the server, answered for another uuid by the stand-in.
    let real = api.post(
        &format!("/api/v1/{PROJECT}/runs"),
        &json!({"name": "someone-else", "managed_by": "user"}),
    );
    let real = serde_json::to_string(&real).unwrap();
    let proxy = StandIn::start(move |_| response("200 OK", "application/json", &real, ""));
    let asked = "0123456789abcdef0123456789abcdef";
    let root = scratch("rel-other-run");
    let managed = |strict: bool| {
        Settings::new()
            .strict(strict)
            .end_timeout(Duration::from_millis(1500))
            .env([
                ("HOME", "/nonexistent".to_owned()),
                ("POLYAXON_NO_CONFIG", "true".to_owned()),
                ("POLYAXON_HOST", proxy.url()),
                ("POLYAXON_IS_MANAGED", "true".to_owned()),
                (
                    "POLYAXON_RUN_INSTANCE",
                    format!("default.demo.runs.{asked}"),
                ),
                ("POLYAXON_CONTEXT_ROOT", root.display().to_string()),
                ("POLYAXON_COLLECT_ARTIFACTS", "true".to_owned()),
                ("POLYAXON_TIMEOUT", "5".to_owned()),
            ])
    };
    let err = polytrack::init_with(managed(true)).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::NotPolyaxon { .. }), "{err:?}");
    assert!(
        text.contains(asked) && text.contains("the answer is run"),
        "{text}"
    );

    // Lenient: training goes on, nothing more is sent to that host, the spool keeps it all.
    let run = polytrack::init_with(managed(false)).unwrap();
    run.log_inputs(&json!({"epochs": 3})).unwrap();
    let report = run.end().unwrap();
    let text = report.undelivered.join("\n");
    assert!(
        text.contains("nothing more was sent") && text.contains("the answer is run"),
        "{text}"
    );
    let spool = std::fs::read_to_string(
        root.join("artifacts")
            .join(asked)
            .join(".polytrack/spool.jsonl"),
    )
    .unwrap();
    assert!(spool.contains("\"epochs\":3"), "{spool}");
}

#[test]
fn redirects_are_never_followed() {
    let Some(server) = server() else { return };
    capture_logs();
    // Where the redirect points: it must never be reached (it would get the token).
    let target = StandIn::start(|_| response("200 OK", "application/json", "{}", ""));
    let to = target.url();
    let proxy = StandIn::start(move |request| {
        let path = request.split(' ').nth(1).unwrap_or("/");
        response(
            "307 Temporary Redirect",
            "text/html",
            "",
            &format!("Location: {to}{path}\r\n"),
        )
    });
    let root = scratch("rel-redirect");
    let err = polytrack::init_with(
        settings(&proxy.url(), &root)
            .token("never-leaves")
            .strict(true),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, Error::NotPolyaxon { status: 307, .. }),
        "{err:?}"
    );
    assert!(
        text.contains("redirect") && text.contains(&target.url()),
        "{text}"
    );
    assert_eq!(target.requests(), 0);

    // A redirect to the real server: still not followed, the run is not created there.
    let real = server.host.clone();
    let proxy = StandIn::start(move |request| {
        let path = request.split(' ').nth(1).unwrap_or("/");
        response(
            "302 Found",
            "text/html",
            "",
            &format!("Location: {real}{path}\r\n"),
        )
    });
    let run = polytrack::init_with(
        settings(&proxy.url(), &root)
            .token("never-leaves")
            .end_timeout(Duration::from_millis(1500)),
    )
    .unwrap();
    let uuid = run.uuid().unwrap().to_owned();
    run.log_inputs(&json!({"lr": 1})).unwrap();
    let report = run.end().unwrap();
    let text = report.undelivered.join("\n");
    assert!(
        text.contains("HTTP 302") && text.contains("nothing more was sent"),
        "{text}"
    );
    let api = Api::new(&server);
    assert_eq!(
        api.status_of(&format!("/api/v1/{PROJECT}/runs/{uuid}")),
        404
    );
    // The token went only to the configured host, in the header it is meant for.
    let seen = proxy.seen.lock().unwrap().clone();
    assert!(
        seen.iter()
            .any(|h| h.contains("authorization: Token never-leaves")
                || h.contains("Authorization: Token never-leaves")),
        "{seen:?}"
    );
}

#[test]
fn a_lineage_of_1000_metrics_reaches_the_server_whole() {
    let Some(server) = server() else { return };
    capture_logs();
    let root = scratch("rel-big-lineage");
    // The sandbox links ~100 lineage entries a second (SQLite): give the end time for 1,000.
    let run =
        polytrack::init_with(settings(&server.host, &root).end_timeout(Duration::from_secs(120)))
            .unwrap();
    let uuid = run.uuid().unwrap().to_owned();
    // One past what the server takes in one post (997).
    const NAMES: usize = 1000;
    for i in 0..NAMES {
        run.log_metric_at(&format!("layer_{i:04}_grad_norm"), i as f64, 0)
            .unwrap();
    }
    let report = run.end().unwrap();
    assert!(report.is_complete(), "{report:?}");
    let api = Api::new(&server);
    let metrics = api.get(&format!(
        "/api/v1/{PROJECT}/runs/{uuid}/lineage/artifacts?limit=1&query=kind:metric"
    ));
    assert_eq!(metrics["count"], json!(NAMES), "{metrics}");
    let last = api.get(&format!(
        "/api/v1/{PROJECT}/runs/{uuid}/lineage/artifacts?limit=5&query=name:layer_0999_grad_norm"
    ));
    assert_eq!(
        last["results"][0]["summary"]["metric"]["last"],
        json!(999.0),
        "{last}"
    );
}

#[cfg(unix)]
#[test]
fn outputs_never_follow_a_link_out_of_the_run() {
    let root = scratch("rel-paths");
    let outside = root.join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    let run = polytrack::init_with(
        Settings::new()
            .offline(true)
            .offline_root(root.join("offline"))
            .env([("HOME", "/nonexistent"), ("POLYAXON_NO_CONFIG", "true")]),
    )
    .unwrap();
    let outputs = run.get_artifacts_path(Some("outputs")).unwrap();
    std::os::unix::fs::symlink(&outside, outputs.join("link")).unwrap();
    let err = run.get_outputs_path("link/x/y.txt").unwrap_err();
    assert!(matches!(err, Error::PathEscapes { .. }), "{err:?}");
    assert!(err.to_string().contains("link/x/y.txt"), "{err}");
    assert!(matches!(
        run.get_artifacts_path(Some("outputs/link/y.txt")),
        Err(Error::PathEscapes { .. })
    ));
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
    // Inside, folders are made as before.
    let p = run.get_outputs_path("ckpt/epoch1/w.bin").unwrap();
    std::fs::write(&p, "w").unwrap();
    assert!(outputs.join("ckpt/epoch1/w.bin").is_file());
    assert!(run.end().unwrap().is_complete());
}

#[test]
fn names_and_timestamps_that_would_poison_files_are_refused_at_the_call() {
    use std::time::{SystemTime, UNIX_EPOCH};
    let root = scratch("rel-validate");
    let run = polytrack::init_with(
        Settings::new()
            .offline(true)
            .offline_root(&root)
            .env([("HOME", "/nonexistent"), ("POLYAXON_NO_CONFIG", "true")]),
    )
    .unwrap();
    let long = "x".repeat(10_000);
    let err = run.log_metric(&long, 1.0).unwrap_err();
    assert!(
        matches!(err, Error::NameTooLong { bytes: 10_000, .. }),
        "{err:?}"
    );
    assert!(run
        .log_artifact_ref("/etc/hostname", polytrack::ArtifactKind::File, Some(&long))
        .is_err());
    // Milliseconds taken for seconds: the year 19958 traceml cannot read.
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let bad = UNIX_EPOCH + Duration::from_secs(millis / 1000 * 300);
    let err = run
        .log_metric_with("loss", 0.5, Some(1), Some(bad))
        .unwrap_err();
    assert!(matches!(err, Error::TimestampOutOfRange { .. }), "{err:?}");
    assert!(run
        .log_metrics(&[("loss", 0.5)], Some(1), Some(bad))
        .is_err());
    run.log_metric_with("loss", 0.25, Some(2), Some(SystemTime::now()))
        .unwrap();
    let uuid = run.uuid().unwrap().to_owned();
    assert!(run.end().unwrap().is_complete());
    // Nothing of the refused calls was written: one metric file, with the one good row.
    let metrics = root.join("runs").join(&uuid).join("events/metric");
    let files: Vec<_> = std::fs::read_dir(&metrics).unwrap().flatten().collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let rows = std::fs::read_to_string(metrics.join("loss.plx")).unwrap();
    assert_eq!(rows.lines().count(), 2, "{rows}");
    assert!(rows.trim_end().ends_with("|0.25"), "{rows}");
}

/// The md5 of `len` zero bytes, by Python's `hashlib`, as 12 hex characters.
fn python_md5_of_zeros(venv: &std::path::Path, len: u64) -> String {
    let script = "import hashlib, sys\n\
                  n = int(sys.argv[1]); h = hashlib.md5(); chunk = bytes(1 << 20)\n\
                  while n > 0:\n    h.update(chunk[:min(n, len(chunk))]); n -= len(chunk)\n\
                  print(h.hexdigest()[:12])\n";
    let out = polytrack_tests::run_ok(
        std::process::Command::new(venv.join("bin/python"))
            .args(["-c", script])
            .arg(len.to_string()),
    );
    out.trim().to_owned()
}

#[test]
fn hashing_a_512_mib_file_never_holds_up_metric_calls() {
    use std::time::Instant;
    const SIZE: u64 = 512 << 20;
    let root = scratch("rel-hashing");
    // Sparse: 512 MiB of zeros that cost no disk, read at the speed of memory.
    let big = root.join("checkpoint.bin");
    std::fs::File::create(&big).unwrap().set_len(SIZE).unwrap();
    // A small queue: a writer stalled for as long as the hash takes would fill it at once,
    // and every call after that would wait its 100 ms and be refused.
    let run = polytrack::init_with(
        Settings::new()
            .offline(true)
            .offline_root(root.join("offline"))
            .queue_capacity(256)
            .queue_timeout(Duration::from_millis(100))
            .env([("HOME", "/nonexistent"), ("POLYAXON_NO_CONFIG", "true")]),
    )
    .unwrap();
    let uuid = run.uuid().unwrap().to_owned();
    let lineage_file = root
        .join("offline/runs")
        .join(&uuid)
        .join("lineages.plx.json");
    let started = Instant::now();
    run.log_artifact_ref(&big, polytrack::ArtifactKind::Model, None)
        .unwrap();
    // A flush returns once everything logged before it, the hashed entry included, is in
    // the files: metric calls go on until then.
    let flushed = {
        let run = run.clone();
        std::thread::spawn(move || run.flush(Duration::from_secs(300)))
    };
    let (mut calls, mut refused, mut slow) = (0u64, 0u64, 0u64);
    let mut longest = Duration::ZERO;
    while !flushed.is_finished() {
        let t = Instant::now();
        if run
            .log_metric_with("loss", 0.5, Some(calls as i64), None)
            .is_err()
        {
            refused += 1;
        }
        let took = t.elapsed();
        longest = longest.max(took);
        slow += u64::from(took > Duration::from_millis(1));
        calls += 1;
        std::thread::sleep(Duration::from_micros(50));
    }
    flushed.join().unwrap().unwrap();
    let hashed_in = started.elapsed();
    let lineage: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&lineage_file).unwrap()).unwrap();
    let report = run.end().unwrap();
    let _ = std::io::Write::write_fmt(
        &mut std::io::stderr(),
        format_args!(
            "hashing 512 MiB took {hashed_in:?}: {calls} metric calls meanwhile, {refused} \
             refused, {slow} over 1 ms, the longest {longest:?}\n"
        ),
    );
    assert_eq!(refused, 0, "{calls} calls, the longest {longest:?}");
    assert_eq!(report.refused_events, 0, "{report:?}");
    assert!(report.is_complete(), "{report:?}");
    assert!(
        calls > 256,
        "only {calls} calls while hashing: the test proved nothing"
    );
    let entry = lineage
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "checkpoint")
        .unwrap_or_else(|| panic!("no lineage entry after the flush: {lineage}"))
        .clone();
    assert_eq!(entry["kind"], "model");
    let Some(venv) = polytrack_tests::venv() else {
        return;
    };
    assert_eq!(entry["summary"]["hash"], python_md5_of_zeros(&venv, SIZE));
    let rows = std::fs::read_to_string(
        root.join("offline/runs")
            .join(&uuid)
            .join("events/metric/loss.plx"),
    )
    .unwrap();
    assert_eq!(rows.lines().count() as u64, calls + 1);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn a_hash_still_running_at_the_end_is_reported_not_lost() {
    let root = scratch("rel-hash-end");
    let big = root.join("huge.bin");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(64 << 30)
        .unwrap();
    let run = polytrack::init_with(
        Settings::new()
            .offline(true)
            .offline_root(root.join("offline"))
            .end_timeout(Duration::from_millis(200))
            .env([("HOME", "/nonexistent"), ("POLYAXON_NO_CONFIG", "true")]),
    )
    .unwrap();
    run.log_artifact_ref(&big, polytrack::ArtifactKind::Model, None)
        .unwrap();
    run.log_metric("loss", 0.5).unwrap();
    let started = std::time::Instant::now();
    let report = run.end().unwrap();
    // 64 GiB cannot be hashed in 200 ms: end() gives up on time and says what it lost.
    assert!(started.elapsed() < Duration::from_secs(20), "{report:?}");
    assert!(!report.is_complete(), "{report:?}");
    let lost: Vec<_> = report
        .undelivered
        .iter()
        .filter(|u| u.contains("\"huge\"") && u.contains("hash was not ready"))
        .collect();
    assert_eq!(lost.len(), 1, "{report:?}");
    // Everything else is in the files.
    let dir = report.run_dir.clone().unwrap();
    let rows = std::fs::read_to_string(dir.join("events/metric/loss.plx")).unwrap();
    assert_eq!(rows.lines().count(), 2, "{rows}");
    let _ = std::fs::remove_dir_all(&root);
}

//! Helpers of the API tests (`api.rs` and its `api_*.rs` modules; `events.rs`, `lifecycle.rs`,
//! `logs.rs` and `reliability.rs` include it too): reading the real server back, a
//! fault-injecting TCP proxy in front of it, and a log capture.

#![allow(dead_code)]

use polytrack::Settings;
use polytrack_tests::Server;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

pub const PROJECT: &str = "default/demo";

/// Waits until `done` holds, checking every 20 ms. Only a safety net against a hang: the
/// bound (a minute) is no claim about speed, and tests assert on what happened, not when.
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "never happened: {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A loopback port nothing listens on.
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("local address").port()
}

/// Settings for a run on `host` that read nothing from the process's environment, with
/// quick timeouts (CI has 2 cores and a local server).
pub fn settings(host: &str, artifacts_root: &Path) -> Settings {
    Settings::new()
        .project(PROJECT)
        .host(host)
        .env(env(artifacts_root))
}

/// A hermetic environment: no config files, artifacts under `root`, short timeouts.
pub fn env(root: &Path) -> Vec<(String, String)> {
    vec![
        ("HOME".into(), "/nonexistent".into()),
        ("POLYAXON_NO_CONFIG".into(), "true".into()),
        ("POLYAXON_ARTIFACTS_ROOT".into(), root.display().to_string()),
        ("POLYAXON_TIMEOUT".into(), "5".into()),
        ("POLYTRACK_END_TIMEOUT".into(), "20".into()),
    ]
}

/// Reads the server back.
pub struct Api {
    pub host: String,
    http: reqwest::blocking::Client,
}

impl Api {
    pub fn new(server: &Server) -> Self {
        Api {
            host: server.host.clone(),
            http: reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("http client"),
        }
    }

    pub fn get(&self, path: &str) -> Value {
        let resp = self
            .http
            .get(format!("{}{path}", self.host))
            .send()
            .expect("GET");
        let status = resp.status();
        let text = resp.text().expect("body");
        assert!(status.is_success(), "GET {path}: HTTP {status}: {text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {path}: {e}: {text}"))
    }

    pub fn status_of(&self, path: &str) -> u16 {
        self.http
            .get(format!("{}{path}", self.host))
            .send()
            .expect("GET")
            .status()
            .as_u16()
    }

    /// POSTs `body`, trying again on the sandbox's empty-bodied 405: its answer to "database
    /// is locked" under concurrent writes, which scripts/polyaxon-server.sh's SQLite options
    /// remove, kept for a server started otherwise.
    pub fn post(&self, path: &str, body: &Value) -> Value {
        let mut tries = 0;
        loop {
            tries += 1;
            let resp = self
                .http
                .post(format!("{}{path}", self.host))
                .json(body)
                .send()
                .expect("POST");
            let status = resp.status();
            let text = resp.text().expect("body");
            if status == 405 && text.trim().is_empty() && tries < 10 {
                std::thread::sleep(Duration::from_millis(100 * tries));
                continue;
            }
            assert!(status.is_success(), "POST {path}: HTTP {status}: {text}");
            return serde_json::from_str(&text).unwrap_or(Value::Null);
        }
    }

    pub fn run(&self, uuid: &str) -> Value {
        self.get(&format!("/api/v1/{PROJECT}/runs/{uuid}"))
    }

    /// The status types, oldest first.
    pub fn statuses(&self, uuid: &str) -> Vec<String> {
        let v = self.get(&format!("/api/v1/{PROJECT}/runs/{uuid}/statuses"));
        v["status_conditions"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|c| c["type"].as_str().unwrap_or("").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `(name, kind)` of every lineage entry, sorted.
    pub fn lineage(&self, uuid: &str) -> Vec<(String, String)> {
        let v = self.get(&format!(
            "/api/v1/{PROJECT}/runs/{uuid}/lineage/artifacts?limit=1000"
        ));
        let mut out: Vec<(String, String)> = v["results"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| {
                        (
                            x["name"].as_str().unwrap_or("").to_owned(),
                            x["kind"].as_str().unwrap_or("").to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.sort();
        out
    }

    /// The values of metric `name` through the streams API (what the UI shows).
    pub fn metric(&self, uuid: &str, name: &str) -> Vec<f64> {
        let v = self.get(&format!(
            "/streams/v1/polyaxon/{PROJECT}/runs/{uuid}/events/metric?names={name}&orient=dict"
        ));
        v["data"][0]["data"]["metric"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_f64).collect())
            .unwrap_or_default()
    }

    /// Creates a run the way Polyaxon's scheduler would have (for managed runs).
    pub fn create_run(&self, name: &str) -> String {
        let v = self.post(
            &format!("/api/v1/{PROJECT}/runs"),
            &serde_json::json!({"name": name, "managed_by": "user", "is_managed": false}),
        );
        v["uuid"].as_str().expect("uuid").to_owned()
    }
}

/// What the proxy does with traffic.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fault {
    /// Forwards everything.
    Pass,
    /// Reads each request (recorded, not forwarded) and closes the connection without an
    /// answer: to the client the server is gone.
    Down,
    /// Forwards each request after a delay.
    Delay(Duration),
    /// Answers every request itself: `503 Service Unavailable` with `Retry-After: <secs>`.
    Unavailable { retry_after_secs: u32 },
}

/// One request seen by the proxy.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    /// The request line and headers, as sent.
    pub head: String,
    pub body: Vec<u8>,
    pub forwarded: bool,
}

struct ProxyState {
    fault: Mutex<Fault>,
    seen: Mutex<Vec<Seen>>,
    connections: std::sync::atomic::AtomicUsize,
    stop: AtomicBool,
}

/// A TCP proxy on 127.0.0.1 in front of the real server, injecting faults.
pub struct Proxy {
    addr: SocketAddr,
    state: Arc<ProxyState>,
}

impl Proxy {
    pub fn start(server: &Server) -> Proxy {
        let upstream: SocketAddr = server
            .host
            .trim_start_matches("http://")
            .parse()
            .expect("POLYTRACK_TEST_HOST is http://127.0.0.1:<port>");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let state = Arc::new(ProxyState {
            fault: Mutex::new(Fault::Pass),
            seen: Mutex::new(Vec::new()),
            connections: std::sync::atomic::AtomicUsize::new(0),
            stop: AtomicBool::new(false),
        });
        let accept_state = Arc::clone(&state);
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if accept_state.stop.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(conn) = conn else { continue };
                accept_state.connections.fetch_add(1, Ordering::SeqCst);
                let state = Arc::clone(&accept_state);
                std::thread::spawn(move || {
                    let _ = serve(conn, upstream, &state);
                });
            }
        });
        Proxy { addr, state }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn set(&self, fault: Fault) {
        *self.state.fault.lock().unwrap() = fault;
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }

    /// Distinct requests (a retry sends the same body again) forwarded with this method to a
    /// path ending with `suffix`.
    pub fn count(&self, method: &str, suffix: &str) -> usize {
        let mut bodies: Vec<Vec<u8>> = self
            .seen()
            .into_iter()
            .filter(|s| {
                s.forwarded
                    && s.method == method
                    && s.path.split('?').next().unwrap_or("").ends_with(suffix)
            })
            .map(|s| s.body)
            .collect();
        bodies.sort();
        bodies.dedup();
        bodies.len()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

impl ProxyState {
    fn fault(&self) -> Fault {
        *self.fault.lock().unwrap()
    }
}

/// Relays one client connection, request by request (HTTP/1.1 with Content-Length bodies).
fn serve(client: TcpStream, upstream: SocketAddr, state: &ProxyState) -> std::io::Result<()> {
    let server = TcpStream::connect(upstream)?;
    let mut to_client = client.try_clone()?;
    let mut from_server = server.try_clone()?;
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut from_server, &mut to_client);
        let _ = to_client.shutdown(Shutdown::Both);
    });
    let mut reader = BufReader::new(client.try_clone()?);
    let mut to_server = server;
    loop {
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                let _ = to_server.shutdown(Shutdown::Both);
                return Ok(());
            }
            head.push_str(&line);
            if line == "\r\n" {
                break;
            }
        }
        let length = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse::<usize>().ok())?
            })
            .unwrap_or(0);
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body)?;
        let mut words = head.split_whitespace();
        let method = words.next().unwrap_or("").to_owned();
        let path = words.next().unwrap_or("").to_owned();
        let fault = state.fault();
        state.seen.lock().unwrap().push(Seen {
            method,
            path,
            head: head.clone(),
            body: body.clone(),
            forwarded: matches!(fault, Fault::Pass | Fault::Delay(_)),
        });
        match fault {
            Fault::Down => {
                let _ = client.shutdown(Shutdown::Both);
                let _ = to_server.shutdown(Shutdown::Both);
                return Ok(());
            }
            Fault::Unavailable { retry_after_secs } => {
                let mut answer = client.try_clone()?;
                write!(
                    answer,
                    "HTTP/1.1 503 Service Unavailable\r\nRetry-After: {retry_after_secs}\r\n\
                     Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}"
                )?;
                continue;
            }
            Fault::Delay(d) => std::thread::sleep(d),
            Fault::Pass => {}
        }
        to_server.write_all(head.as_bytes())?;
        to_server.write_all(&body)?;
    }
}

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Every log record of this test binary so far, as `LEVEL message`.
pub fn logs() -> Vec<String> {
    LINES.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

/// Installs the capturing logger (idempotent); warnings and errors are also printed.
pub fn capture_logs() {
    static LOGGER: Capture = Capture;
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let _ = log::set_logger(&LOGGER);
        log::set_max_level(log::LevelFilter::Trace);
    });
}

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let line = format!("{} {}", record.level(), record.args());
        if record.level() <= log::Level::Warn {
            eprintln!("[log] {line}");
        }
        LINES.lock().unwrap_or_else(|p| p.into_inner()).push(line);
    }

    fn flush(&self) {}
}

/// Every file under `dir`, with its contents (lossy), for leak checks.
pub fn all_files(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).unwrap_or_default();
                out.push((
                    p.display().to_string(),
                    String::from_utf8_lossy(&bytes).into_owned(),
                ));
            }
        }
    }
    out
}

//! What the benchmarks share: temporary folders, the settings of each mode, a server that
//! never answers, and whether this is a quick smoke run.

#![allow(dead_code)] // Each bench binary uses a part of this module.

use polytrack::Settings;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Whether the binary runs as a smoke test (`cargo test --benches`, or `cargo bench -- --test`):
/// each benchmark once, with small workloads. Divan decides the same way.
pub fn is_smoke() -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.iter().any(|a| a == "--test") || !args.iter().any(|a| a == "--bench")
}

/// A folder under the system's temporary folder, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(what: &str) -> TempDir {
        static N: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "polytrack-bench-{what}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("cannot create a temporary folder");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Offline mode into `root` (event files, `run.plx.json`), ignoring the process environment.
pub fn offline(root: &Path) -> Settings {
    Settings::new()
        .offline(true)
        .offline_root(root)
        .env([("HOME", "/nonexistent")])
}

/// A managed (in-cluster) run writing its event files under `context_root`, with a Polyaxon
/// API at `host` (the benchmarks give it a dead or silent loopback address).
pub fn managed(context_root: &Path, host: &str) -> Settings {
    Settings::new().env([
        ("HOME", "/nonexistent".to_owned()),
        ("POLYAXON_IS_MANAGED", "true".to_owned()),
        (
            "POLYAXON_RUN_INSTANCE",
            format!("bench.perf.runs.{}", polytrack::new_uuid()),
        ),
        ("POLYAXON_CONTEXT_ROOT", context_root.display().to_string()),
        ("POLYAXON_COLLECT_ARTIFACTS", "true".to_owned()),
        ("POLYAXON_HOST", host.to_owned()),
        ("POLYAXON_AUTH_TOKEN", "bench-token".to_owned()),
    ])
}

/// An external run (project and host, not managed) writing its event files into `dir`.
pub fn external(dir: &Path, host: &str) -> Settings {
    Settings::new()
        .project("bench/perf")
        .host(host)
        .artifacts_path(dir)
        .collect_artifacts(true)
        .env([
            ("HOME", "/nonexistent"),
            ("POLYAXON_AUTH_TOKEN", "bench-token"),
        ])
}

/// `http://127.0.0.1:<port>` where nothing listens: every connection is refused.
pub fn dead_host() -> String {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("cannot bind a loopback port");
    format!("http://127.0.0.1:{port}")
}

/// A loopback server that accepts connections and reads what it is sent, and either never
/// answers (the slowest server there is) or answers each request with `200 {}` after a delay.
/// It stops by itself after `lifetime`, or when dropped.
pub struct SilentServer {
    url: String,
    stop: Arc<AtomicBool>,
}

impl SilentServer {
    /// A server that never answers.
    pub fn start(lifetime: Duration) -> SilentServer {
        Self::serve(lifetime, None)
    }

    /// A server that answers every request, `delay` after it arrived.
    pub fn slow(lifetime: Duration, delay: Duration) -> SilentServer {
        Self::serve(lifetime, Some(delay))
    }

    fn serve(lifetime: Duration, answer_after: Option<Duration>) -> SilentServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("cannot bind a loopback port");
        listener
            .set_nonblocking(true)
            .expect("cannot make the listener non-blocking");
        let url = format!(
            "http://{}",
            listener.local_addr().expect("no local address")
        );
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        std::thread::spawn(move || {
            let until = Instant::now() + lifetime;
            // Each connection, and when its unanswered request arrived.
            let mut held: Vec<(TcpStream, Option<Instant>)> = Vec::new();
            let mut buf = [0u8; 4096];
            while Instant::now() < until && !flag.load(Ordering::Relaxed) {
                if let Ok((stream, _)) = listener.accept() {
                    let _ = stream.set_nonblocking(true);
                    held.push((stream, None));
                }
                held.retain_mut(|(s, pending)| {
                    match s.read(&mut buf) {
                        Ok(0) => return false,
                        Ok(_) => {
                            pending.get_or_insert_with(Instant::now);
                        }
                        Err(_) => {}
                    }
                    if let (Some(delay), Some(since)) = (answer_after, *pending) {
                        if since.elapsed() >= delay {
                            *pending = None;
                            let answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
                            return s.write_all(answer).is_ok();
                        }
                    }
                    true
                });
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        SilentServer { url, stop }
    }

    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for SilentServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// `count` metric names: `metric_000`, `metric_001`, ...
pub fn names(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("metric_{i:03}")).collect()
}

/// This process's peak resident memory (VmHWM), in bytes.
pub fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The thread draining a floor's channel, polling it as the run's writer polls its queue
/// (a `try_recv`, then 50 µs of sleep when it is empty) while active, and sleeping 2 ms at a
/// time while paused: on two cores a third busy thread would slow whichever round it overlaps.
pub struct Drain {
    stop: Arc<AtomicBool>,
    active: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl Drain {
    /// Polls (`true`) or stays out of the way (`false`).
    pub fn set_active(&self, active: bool) {
        self.active.store(active, Ordering::Relaxed);
    }

    /// Stops the thread and waits for it.
    pub fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.thread.join();
    }
}

/// A bounded channel of `capacity` messages (the run queue's is 65,536) and its [`Drain`],
/// active from the start.
pub fn drained<T: Send + 'static>(capacity: usize) -> (std::sync::mpsc::SyncSender<T>, Drain) {
    use std::sync::mpsc::TryRecvError;
    let (tx, rx) = std::sync::mpsc::sync_channel::<T>(capacity);
    let stop = Arc::new(AtomicBool::new(false));
    let active = Arc::new(AtomicBool::new(true));
    let (flag, polling) = (Arc::clone(&stop), Arc::clone(&active));
    let thread = std::thread::spawn(move || {
        while !flag.load(Ordering::Relaxed) {
            if !polling.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(2));
                continue;
            }
            match rx.try_recv() {
                Ok(m) => drop(std::hint::black_box(m)),
                Err(TryRecvError::Empty) => std::thread::sleep(Duration::from_micros(50)),
                Err(TryRecvError::Disconnected) => break,
            }
        }
    });
    (
        tx,
        Drain {
            stop,
            active,
            thread,
        },
    )
}

/// Nanoseconds the calling thread has spent on a CPU (the first field of
/// `/proc/thread-self/schedstat`): unlike a wall clock, it leaves out the time the thread
/// waited for a CPU.
pub fn thread_cpu_ns() -> Option<u64> {
    schedstat_ns(Path::new("/proc/thread-self/schedstat"))
}

/// Nanoseconds spent on a CPU by this process's thread called `name` (as Linux shows it:
/// at most 15 bytes), if it is running.
pub fn named_thread_cpu_ns(name: &str) -> Option<u64> {
    named_thread_schedstat(name).map(|(cpu, _)| cpu)
}

/// Nanoseconds the calling thread has waited, runnable, for a CPU (the second field of
/// `/proc/thread-self/schedstat`).
pub fn thread_wait_ns() -> Option<u64> {
    schedstat(Path::new("/proc/thread-self/schedstat")).map(|(_, wait)| wait)
}

/// The CPU time and the runnable wait for a CPU, in nanoseconds, of this process's thread
/// called `name`, if it is running.
pub fn named_thread_schedstat(name: &str) -> Option<(u64, u64)> {
    std::fs::read_dir("/proc/self/task")
        .ok()?
        .filter_map(Result::ok)
        .find(|task| {
            std::fs::read_to_string(task.path().join("comm")).is_ok_and(|comm| comm.trim() == name)
        })
        .and_then(|task| schedstat(&task.path().join("schedstat")))
}

fn schedstat_ns(path: &Path) -> Option<u64> {
    schedstat(path).map(|(cpu, _)| cpu)
}

/// The first two fields of a `schedstat` file: time on a CPU, time waiting for one.
fn schedstat(path: &Path) -> Option<(u64, u64)> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut fields = text.split_whitespace().map(|f| f.parse().ok());
    Some((fields.next()??, fields.next()??))
}

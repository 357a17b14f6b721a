//! Shared helpers of polytrack's workspace tests: the real Polyaxon server started by
//! `scripts/test.sh`, the pinned Python venv, and scratch folders.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The real Polyaxon server that `scripts/test.sh` started (`scripts/polyaxon-server.sh`).
#[derive(Clone, Debug)]
pub struct Server {
    /// `http://127.0.0.1:<port>`.
    pub host: String,
    /// The server's artifacts store folder.
    pub store: PathBuf,
    /// The folder above the store, for `POLYAXON_CONTEXT_ROOT` of managed runs.
    pub context_root: PathBuf,
    /// The pinned Python venv with `polyaxon`, `traceml` and `haupt`.
    pub venv: PathBuf,
}

fn required() -> bool {
    std::env::var("POLYTRACK_REQUIRE_SERVER").is_ok_and(|v| v == "1")
}

/// The server, or `None` (with a note on stderr) when the tests run without
/// `scripts/test.sh`. Under `scripts/test.sh` (`POLYTRACK_REQUIRE_SERVER=1`) a missing server
/// is a test failure, never a skip.
pub fn server() -> Option<Server> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match (
        var("POLYTRACK_TEST_HOST"),
        var("POLYTRACK_TEST_STORE"),
        var("POLYTRACK_TEST_CONTEXT_ROOT"),
        var("POLYTRACK_TEST_VENV"),
    ) {
        (Some(host), Some(store), Some(ctx), Some(venv)) => Some(Server {
            host,
            store: store.into(),
            context_root: ctx.into(),
            venv: venv.into(),
        }),
        _ => {
            assert!(
                !required(),
                "POLYTRACK_REQUIRE_SERVER=1 but the POLYTRACK_TEST_* variables are missing: \
                 run the suite with scripts/test.sh"
            );
            note("no Polyaxon server (POLYTRACK_TEST_HOST unset): this test did nothing");
            None
        }
    }
}

/// Says that a test did nothing, on the real stderr: libtest hides what `eprintln!` prints
/// for a passing test, and a skip must never pass unnoticed.
fn note(what: &str) {
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "NOTE: {what}. Run scripts/test.sh for the full suite."
    );
}

/// The pinned venv's Python, when the venv exists (`scripts/test-env.sh`); same rules as
/// [`server`] when it does not.
pub fn venv() -> Option<PathBuf> {
    if let Some(v) = std::env::var_os("POLYTRACK_TEST_VENV") {
        return Some(PathBuf::from(v));
    }
    let local = repo_root().join(".venv-test");
    if local.join("bin/python").exists() {
        return Some(local);
    }
    assert!(
        !required(),
        "POLYTRACK_REQUIRE_SERVER=1 but no Python venv: run scripts/test.sh"
    );
    note("no Python venv (.venv-test): this test did nothing");
    None
}

/// The repository's root folder.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// A new empty folder under the system's temp folder, unique to this call.
pub fn scratch(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "polytrack-test-{label}-{}-{}",
        std::process::id(),
        polytrack::new_uuid()
    ));
    std::fs::create_dir_all(&dir).expect("create scratch folder");
    dir
}

/// `cargo run` of one of the workspace's examples, from the repository's root.
pub fn example(name: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(repo_root()).args([
        "run",
        "--quiet",
        "-p",
        "polytrack-examples",
        "--example",
        name,
    ]);
    cmd
}

/// A reference run made by Polyaxon's Python client, once the server shows all of it.
///
/// The client sends many calls asynchronously, then sleeps a fixed delay and exits whether
/// they are done or not: under the whole suite's load a reference run can come out
/// incomplete (tests/api_parity.rs saw one lose a lineage entry, another its `has_metrics`
/// flag), and a comparison would blame polytrack for Python's loss. `make(attempt)` runs the
/// script and returns its run's uuid, or why the script failed (Python's client exits on a
/// server error it does not retry; see scripts/polyaxon-server.sh on the one CI met);
/// `missing(uuid)` says what the server does not show yet, `None` once it shows everything
/// the script did. Each run is read again for up to 5 s; up to three are made, each failed
/// or incomplete one printed, and a third one panics with what went wrong.
pub fn complete_python_reference(
    mut make: impl FnMut(u32) -> Result<String, String>,
    mut missing: impl FnMut(&str) -> Option<String>,
) -> String {
    for attempt in 1..=3 {
        let uuid = match make(attempt) {
            Ok(uuid) => uuid,
            Err(why) => {
                eprintln!("Python reference run {attempt} failed: {why}");
                if attempt == 3 {
                    panic!("three Python reference runs failed or came out incomplete");
                }
                continue;
            }
        };
        let mut lacking = String::new();
        for _ in 0..10 {
            match missing(&uuid) {
                None => return uuid,
                Some(what) => lacking = what,
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        eprintln!(
            "Python reference run {attempt} ({uuid}) came out incomplete (its client exits \
             after a fixed delay, sent or not): {lacking}"
        );
    }
    panic!("three Python reference runs failed or came out incomplete");
}

/// Runs a command, returning its stdout; panics with its output when it fails.
pub fn run_ok(cmd: &mut Command) -> String {
    run_checked(cmd).unwrap_or_else(|why| panic!("{why}"))
}

/// Runs a command, returning its stdout, or the command and its output when it fails.
pub fn run_checked(cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.success() {
        return Ok(stdout);
    }
    Err(format!(
        "{cmd:?} failed ({}):\nstdout:\n{stdout}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    ))
}

/// Checks an offline run folder with Polyaxon's own Python readers
/// (`tests/compat/check_offline_run.py`) and returns its JSON report.
pub fn check_with_polyaxon(venv: &Path, run_dir: &Path) -> serde_json::Value {
    let out = run_ok(
        Command::new(venv.join("bin/python"))
            .arg(repo_root().join("tests/compat/check_offline_run.py"))
            .arg(run_dir),
    );
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("checker printed no JSON ({e}): {out}"))
}

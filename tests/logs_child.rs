//! The process that `logs.rs` runs: a run whose logs come from `tracing`, `log`, `println!`,
//! `eprintln!` and a child process, with the console captured (a test harness cannot capture
//! its own file descriptors 1 and 2, so this runs as a process of its own).
//!
//! Usage: `logs-child <scenario> <root> [<host> | <n>]`, where `<scenario>` is
//!
//! - `sources`: an offline run under `<root>` (or an external one on `<host>`), with the
//!   `tracing` layer and the `log` bridge installed and console capture on; it writes the
//!   lines `source 1` ... `source 9`, one source after the other;
//! - `console`: an external run on `<host>` with nothing installed and no setting: console
//!   capture is on by default; it prints `console 1` ... `console 3`;
//! - `flood <n>`: an offline run printing `flood <i>` for i in 0..n on stdout, as fast as it can;
//! - `trials`: two `#[track_run]` trials at once on two threads (offline, as the environment
//!   says), each logging `trial <k> line <i>` through `tracing`, half of them from a thread it
//!   spawns and enters its run on; each writes its run folder to `<root>/trial-<k>.txt`.
//!
//! After the run has ended it writes `<uuid>\n<end report>` to `<root>/result.txt` (not to
//! stdout, which `flood` finds stalled).

use polytrack::Settings;
use std::path::Path;
use tracing_subscriber::prelude::*;

/// A logger standing in for the program's own (env_logger, say): prints to stderr.
struct Stderr;

impl log::Log for Stderr {
    fn enabled(&self, m: &log::Metadata<'_>) -> bool {
        m.level() <= log::Level::Warn
    }
    fn log(&self, r: &log::Record<'_>) {
        eprintln!("[{}] {}", r.level(), r.args());
    }
    fn flush(&self) {}
}

fn settings(root: &Path, host: Option<&str>) -> Settings {
    let env = [
        ("HOME", "/nonexistent".to_owned()),
        ("POLYAXON_NO_CONFIG", "true".to_owned()),
        ("POLYAXON_ARTIFACTS_ROOT", root.display().to_string()),
        ("POLYAXON_TIMEOUT", "5".to_owned()),
    ];
    let settings = Settings::new().project("default/demo").env(env);
    match host {
        Some(host) => settings.host(host),
        None => settings.offline(true).offline_root(root),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(scenario), Some(root)) = (args.first(), args.get(1)) else {
        return Err("usage: logs-child <sources|console|flood> <root> [<host> | <n>]".into());
    };
    let root = Path::new(root);
    let report = match scenario.as_str() {
        "sources" => {
            let host = args.get(2).map(String::as_str);
            // `set_global_default`, not `.init()`: with tracing-subscriber's `tracing-log`
            // feature (which other workspace members turn on) `.init()` also installs a `log`
            // logger, and this scenario installs polytrack's own `log` bridge.
            tracing::subscriber::set_global_default(
                tracing_subscriber::registry().with(polytrack::logs::layer()),
            )?;
            polytrack::logs::LogBridge::new().wrap(Stderr).install()?;
            let run = polytrack::init_with(
                settings(root, host)
                    .name("logs-sources")
                    .capture_console(true),
            )?;
            tracing::info!(target: "train", epoch = 1, "source 1 from tracing");
            log::info!(target: "train", "source 2 from log");
            println!("source 3 from println");
            eprintln!("source 4 from eprintln");
            let status = std::process::Command::new("sh")
                .args([
                    "-c",
                    "echo source 5 from a child; echo source 6 from its stderr >&2",
                ])
                .status()?;
            if !status.success() {
                return Err("the child process failed".into());
            }
            tracing::warn!(target: "train", "source 7 from tracing");
            // Records of polytrack's own targets never go into the run through the bridge.
            log::info!(target: "polytrack::test", "not a line of the run");
            run.log_metric("loss", 0.5)?;
            eprintln!("source 8 \u{e9}t\u{e9} \u{1F600}");
            print!("source 9 without a newline");
            run.end()?
        }
        "console" => {
            let host = args.get(2).ok_or("console needs a host")?;
            let run = polytrack::init_with(settings(root, Some(host)).name("logs-console"))?;
            println!("console 1 on stdout");
            eprintln!("console 2 on stderr");
            let status = std::process::Command::new("sh")
                .args(["-c", "echo console 3 from a child"])
                .status()?;
            if !status.success() {
                return Err("the child process failed".into());
            }
            run.end()?
        }
        "flood" => {
            let n: u64 = args.get(2).ok_or("flood needs a count")?.parse()?;
            let run = polytrack::init_with(settings(root, None).capture_console(true))?;
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            for i in 0..n {
                writeln!(out, "flood {i}")?;
            }
            drop(out);
            run.end()?
        }
        "trials" => {
            tracing::subscriber::set_global_default(
                tracing_subscriber::registry().with(polytrack::logs::layer()),
            )?;
            let both = std::sync::Barrier::new(2);
            std::thread::scope(|s| {
                let trials: Vec<_> = [1, 2]
                    .map(|k| {
                        let both = &both;
                        s.spawn(move || trial(root, k, both))
                    })
                    .into_iter()
                    .collect();
                trials
                    .into_iter()
                    .try_for_each(|t| t.join().map_err(|_| "a trial panicked")?)
            })?;
            return Ok(());
        }
        other => return Err(format!("unknown scenario {other}").into()),
    };
    let result = format!("{}\n{report}\n", report.uuid.clone().unwrap_or_default());
    std::fs::write(root.join("result.txt"), result)?;
    Ok(())
}

/// Lines a trial logs, half on its own thread, half on a thread it carries its run into.
const TRIAL_LINES: usize = 200;

/// One trial of `trials`: its lines interleave with the other trial's (both start together).
#[polytrack::track_run(skip(root, both))]
fn trial(root: &Path, k: u32, both: &std::sync::Barrier) -> Result<(), String> {
    let run = polytrack::current().ok_or("no current run in #[track_run]")?;
    both.wait();
    std::thread::scope(|s| {
        s.spawn(|| {
            let _entered = run.enter();
            for i in TRIAL_LINES / 2..TRIAL_LINES {
                tracing::info!(target: "trial", "trial {k} line {i}");
            }
        });
        for i in 0..TRIAL_LINES / 2 {
            tracing::info!(target: "trial", "trial {k} line {i}");
        }
    });
    let dir = run.get_artifacts_path(None).map_err(|e| e.to_string())?;
    std::fs::write(
        root.join(format!("trial-{k}.txt")),
        dir.display().to_string(),
    )
    .map_err(|e| e.to_string())
}

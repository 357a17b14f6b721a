//! `outputs/env.json` and its `env` lineage entry, as Polyaxon's `log_env` writes them at
//! `init`, with the Rust process's facts in place of the Python interpreter's.

use crate::error::Error;
use crate::kind::ArtifactKind;
use crate::record::Artifact;
use serde_json::{json, Map, Value};
use std::path::Path;

fn read_trimmed(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// The environment document: Polyaxon's keys where they apply, plus the Rust ones.
fn document() -> Value {
    let hostname = read_trimmed("/proc/sys/kernel/hostname")
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".to_owned());
    let system = match std::env::consts::OS {
        "linux" => "Linux",
        "macos" => "Darwin",
        "windows" => "Windows",
        other => other,
    };
    let release = read_trimmed("/proc/sys/kernel/osrelease").unwrap_or_default();
    let exe = std::env::current_exe().ok();
    json!({
        "pid": std::process::id(),
        "hostname": hostname,
        "os": format!("{system}-{release}-{}", std::env::consts::ARCH),
        "system": system,
        "user": std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_default(),
        "sys.argv": std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect::<Vec<_>>(),
        "is_notebook": false,
        "filename": exe.as_ref().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()),
        "module_path": std::env::current_dir().ok().map(|p| p.display().to_string()),
        "language": "rust",
        "polytrack_version": env!("CARGO_PKG_VERSION"),
    })
}

/// Writes `<run>/outputs/env.json` and returns its lineage entry. `context_root` is the
/// folder that lineage summary paths are relative to (the offline root, or
/// `<context root>/artifacts`).
pub(crate) fn log_env(run_dir: &Path, context_root: &Path) -> Result<Artifact, Error> {
    let bytes = serde_json::to_vec(&document()).map_err(|e| Error::Serialize(e.to_string()))?;
    let path = run_dir.join("outputs").join("env.json");
    std::fs::write(&path, &bytes)
        .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
    let rel = path
        .strip_prefix(context_root)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| path.display().to_string());
    let mut summary = Map::new();
    summary.insert("path".into(), Value::String(rel));
    summary.insert(
        "hash".into(),
        Value::String(crate::lifecycle::refs::content_hash(&bytes)),
    );
    Ok(Artifact {
        name: "env".into(),
        kind: ArtifactKind::Env,
        path: Some("outputs/env.json".into()),
        summary,
        connection: None,
        is_input: false,
    })
}

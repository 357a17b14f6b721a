//! Polyaxon's JSON config files: the client settings (`.client`), the token (`.auth`) and the
//! project the CLI cached (`.project`).
//!
//! A file is read only when it is a regular file (a FIFO or a device put in its place would
//! hang `init`) no bigger than [`MAX_CONFIG_BYTES`]; anything else is an error naming it.

use super::env::Env;
use super::Secret;
use crate::error::Error;
use serde_json::{Map, Value};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest config file read. Polyaxon's are a few hundred bytes.
pub(crate) const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// The system-wide auth file Polyaxon's client falls back to.
const SYSTEM_AUTH_FILE: &str = "/tmp/.polyaxon/.auth";

pub(crate) fn json_to_string(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// A JSON object from `path`; `None` when there is no such file.
pub(crate) fn read_json_object(path: &Path) -> Result<Option<Map<String, Value>>, Error> {
    let Some(text) = read_capped(path)? else {
        return Ok(None);
    };
    match serde_json::from_slice::<Value>(&text) {
        Ok(Value::Object(map)) => Ok(Some(map)),
        Ok(_) | Err(_) => Err(Error::config(
            &path.display().to_string(),
            "<unparsable>",
            "a JSON object",
        )),
    }
}

/// The bytes of a regular file of at most [`MAX_CONFIG_BYTES`]; `None` when it does not exist.
fn read_capped(path: &Path) -> Result<Option<Vec<u8>>, Error> {
    let cannot = |e| Error::io(format!("cannot read {}", path.display()), e);
    // Checked before opening: opening a FIFO blocks until a writer comes.
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(cannot(e)),
    };
    if !meta.is_file() {
        return Err(Error::config(
            &path.display().to_string(),
            "<not a regular file>",
            "a regular JSON file",
        ));
    }
    if meta.len() > MAX_CONFIG_BYTES {
        return Err(too_big(path));
    }
    let file = std::fs::File::open(path).map_err(cannot)?;
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(too_big(path));
    }
    Ok(Some(bytes))
}

fn too_big(path: &Path) -> Error {
    Error::config(
        &path.display().to_string(),
        "<larger than 1 MiB>",
        "a JSON config file of at most 1 MiB",
    )
}

/// The token, as Polyaxon's client looks for it: the context's `.auth`, then
/// `POLYAXON_AUTH_TOKEN`, then `~/.polyaxon/.auth`, then the system-wide `.auth`.
pub(crate) fn read_token(env: &Env, context_root: &Path) -> Result<Option<Secret>, Error> {
    fn from_file(path: &Path) -> Result<Option<Secret>, Error> {
        let Some(map) = read_json_object(path)? else {
            return Ok(None);
        };
        Ok(["POLYAXON_AUTH_TOKEN", "token"]
            .iter()
            .find_map(|k| map.get(*k).and_then(json_to_string))
            .filter(|t| !t.is_empty())
            .map(Secret))
    }
    if let Some(token) = from_file(&context_root.join(".configs/.auth"))? {
        return Ok(Some(token));
    }
    if let Some(token) = env.var("POLYAXON_AUTH_TOKEN")?.filter(|t| !t.is_empty()) {
        return Ok(Some(Secret(token.to_owned())));
    }
    if let Some(home) = env.home() {
        if let Some(token) = from_file(&home.join(".polyaxon/.auth"))? {
            return Ok(Some(token));
        }
    }
    from_file(Path::new(SYSTEM_AUTH_FILE))
}

/// The project cached by Polyaxon's CLI (`polyaxon init`): `.polyaxon/.project` in the working
/// directory, then in the home folder. A cache that cannot be read is skipped, with a warning.
pub(crate) fn cached_project(env: &Env) -> Option<(String, String)> {
    let mut candidates = vec![PathBuf::from(".polyaxon/.project")];
    if let Some(home) = env.home() {
        candidates.push(home.join(".polyaxon/.project"));
    }
    candidates.into_iter().find_map(|path| {
        let map = match read_json_object(&path) {
            Ok(map) => map?,
            Err(e) => {
                log::warn!(target: "polytrack", "ignoring the cached project: {e}");
                return None;
            }
        };
        let owner = map.get("owner").and_then(json_to_string)?;
        let name = map.get("name").and_then(json_to_string)?;
        Some((owner, name))
    })
}

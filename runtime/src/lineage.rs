//! Artifact references (`log_artifact_ref`): default names, relative paths and hashes, as
//! Polyaxon's `log_artifact_ref` computes them.

use crate::error::Error;
use crate::kind::ArtifactKind;
use crate::record::Artifact;
use serde_json::{Map, Value};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

mod resolver;

pub(crate) use resolver::{Places, Resolver, Settled};

/// A reference the caller logged; resolved off the writer when it must be hashed
/// ([`Resolver`]).
#[derive(Clone, Debug)]
pub(crate) struct ArtifactRef {
    pub path: PathBuf,
    pub kind: ArtifactKind,
    pub name: String,
    pub is_input: bool,
    pub summary: Map<String, Value>,
    /// Python's `skip_hash_calculation` (a TensorBoard folder is never hashed).
    pub skip_hash: bool,
}

/// Python's `get_base_filename`, as `log_artifact_ref` uses it for every kind: the file name
/// up to its first dot (`model.tar.gz` → `model`). A name that starts with a dot (`.env`),
/// which Python would turn into an empty name and refuse, keeps its whole file name.
pub(crate) fn default_name(path: &Path) -> String {
    let base = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match base.find('.') {
        Some(0) | None => base,
        Some(i) => base[..i].to_owned(),
    }
}

/// `path` made absolute against the working directory (as Python's `os.path.abspath`).
fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_owned()
    } else {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_owned())
    }
}

/// Python's `_sanitize_filepath`: the part after `<uuid>/`, else the path relative to the run
/// folder or the context root that contains it, else the absolute path.
pub(crate) fn relative_path(
    path: &Path,
    uuid: &str,
    run_dir: &Path,
    context_root: &Path,
) -> String {
    let abs = absolute(path);
    let text = abs.to_string_lossy();
    let marker = format!("{uuid}/");
    if let Some(i) = text.find(&marker) {
        return text[i + marker.len()..].to_owned();
    }
    for base in [
        run_dir.to_owned(),
        context_root.join(uuid),
        context_root.to_owned(),
    ] {
        if let Ok(rel) = abs.strip_prefix(&base) {
            return rel.to_string_lossy().into_owned();
        }
    }
    text.into_owned()
}

/// md5 of a file, or of every file of a folder in path order, as 12 hex characters; stops
/// with [`Error::Timeout`] when `stop` is set (the run ended before the hash was ready).
pub(crate) fn hash_path(path: &Path, stop: &AtomicBool) -> Result<Option<String>, Error> {
    use md5::Digest;
    let mut ctx = md5::Md5::new();
    let mut files = Vec::new();
    if path.is_dir() {
        collect_files(path, &mut files)?;
        files.sort();
    } else if path.is_file() {
        files.push(path.to_owned());
    } else {
        return Ok(None);
    }
    let mut buf = vec![0u8; 1 << 20];
    for file in files {
        let mut f = std::fs::File::open(&file)
            .map_err(|e| Error::io(format!("cannot read {}", file.display()), e))?;
        loop {
            let n = f
                .read(&mut buf)
                .map_err(|e| Error::io(format!("cannot read {}", file.display()), e))?;
            if n == 0 {
                break;
            }
            if stop.load(Ordering::Relaxed) {
                return Err(Error::Timeout {
                    what: format!("the run ended while {} was being hashed", file.display()),
                });
            }
            ctx.update(&buf[..n]);
        }
    }
    Ok(Some(format!("{:x}", ctx.finalize())[..12].to_owned()))
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::io(format!("cannot list {}", dir.display()), e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(format!("cannot list {}", dir.display()), e))?;
        let path = entry.path();
        // Like Python's os.walk: links to folders are not followed (no cycles).
        match entry.file_type() {
            Ok(t) if t.is_dir() => collect_files(&path, out)?,
            Ok(t) if t.is_file() || (t.is_symlink() && path.is_file()) => out.push(path),
            _ => {}
        }
    }
    Ok(())
}

/// Resolves a reference into the lineage entry Polyaxon's client would post.
/// The file is hashed here (unless a hash is given or `skip_hash`), until `stop` is set.
fn resolve(r: ArtifactRef, places: &Places, stop: &AtomicBool) -> Result<Artifact, Error> {
    let Places {
        uuid,
        run_dir,
        context_root,
    } = places;
    let mut summary = r.summary;
    let rel = relative_path(&r.path, uuid, run_dir, context_root);
    // The summary's path: relative to the context root when the file exists there, else as
    // given; replaced by the absolute path when polytrack hashes the file (Polyaxon's Q4).
    let abs = absolute(&r.path);
    let given = match abs.strip_prefix(context_root) {
        Ok(p) if abs.exists() => p.to_string_lossy().into_owned(),
        _ => r.path.to_string_lossy().into_owned(),
    };
    summary
        .entry("path")
        .or_insert_with(|| Value::String(given));
    if !r.skip_hash && !summary.contains_key("hash") {
        if let Some(hash) = hash_path(&r.path, stop)? {
            summary.insert(
                "path".into(),
                Value::String(abs.to_string_lossy().into_owned()),
            );
            summary.insert("hash".into(), Value::String(hash));
        }
    }
    Ok(Artifact {
        name: r.name,
        kind: r.kind,
        path: Some(rel),
        summary,
        connection: None,
        is_input: r.is_input,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_names_stop_at_first_dot() {
        assert_eq!(default_name(Path::new("/a/test.txt")), "test");
        assert_eq!(default_name(Path::new("model.tar.gz")), "model");
        assert_eq!(default_name(Path::new("/a/data.v2")), "data");
        assert_eq!(default_name(Path::new(".hidden")), ".hidden");
    }

    #[test]
    fn relative_paths() {
        let uuid = "0123456789abcdef0123456789abcdef";
        let run = PathBuf::from(format!("/ctx/artifacts/{uuid}"));
        assert_eq!(
            relative_path(
                &run.join("outputs/test.txt"),
                uuid,
                &run,
                Path::new("/ctx/artifacts")
            ),
            "outputs/test.txt"
        );
        assert_eq!(
            relative_path(
                Path::new("/data/x.csv"),
                uuid,
                &run,
                Path::new("/ctx/artifacts")
            ),
            "/data/x.csv"
        );
    }

    #[test]
    fn a_given_hash_keeps_a_relative_summary_path() {
        let root = std::env::temp_dir().join(format!("polytrack-ctx-{}", std::process::id()));
        let uuid = "0123456789abcdef0123456789abcdef";
        let run = root.join(uuid);
        std::fs::create_dir_all(run.join("outputs")).unwrap();
        std::fs::write(run.join("outputs/m.bin"), "x").unwrap();
        let mut summary = Map::new();
        summary.insert("hash".into(), Value::String("given".into()));
        let a = resolve(
            ArtifactRef {
                path: run.join("outputs/m.bin"),
                kind: ArtifactKind::Model,
                name: "m".into(),
                is_input: false,
                summary,
                skip_hash: false,
            },
            &Places {
                uuid: uuid.into(),
                run_dir: run.clone(),
                context_root: root.clone(),
            },
            &AtomicBool::new(false),
        )
        .unwrap();
        assert_eq!(a.path.as_deref(), Some("outputs/m.bin"));
        assert_eq!(a.summary["hash"], "given");
        assert_eq!(a.summary["path"], format!("{uuid}/outputs/m.bin"));
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn hashes_like_python() {
        let dir = std::env::temp_dir().join(format!("polytrack-hash-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("hello.txt");
        std::fs::write(&f, "hello").unwrap();
        let go = AtomicBool::new(false);
        assert_eq!(hash_path(&f, &go).unwrap().as_deref(), Some("5d41402abc4b"));
        assert_eq!(hash_path(&dir.join("missing"), &go).unwrap(), None);
        assert_eq!(
            hash_path(&dir, &go).unwrap().as_deref(),
            Some("5d41402abc4b")
        );
        // A link back to the folder is not followed (it would never end).
        #[cfg(unix)]
        std::os::unix::fs::symlink(&dir, dir.join("loop")).unwrap();
        assert_eq!(
            hash_path(&dir, &go).unwrap().as_deref(),
            Some("5d41402abc4b")
        );
        // Stopped: no hash, an error that says why.
        let stop = AtomicBool::new(true);
        assert!(matches!(hash_path(&f, &stop), Err(Error::Timeout { .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

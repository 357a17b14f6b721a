//! The artifacts upload: a tar.gz of a run's folder in a multipart form, as Polyaxon's
//! `upload_artifacts_dir` sends it to `POST /streams/v1/{ns}/{o}/{p}/runs/{u}/artifacts`.

use super::request::{Body, Request};
use super::spool::SPOOL_DIR;
use crate::error::Error;
use bytes::Bytes;
use reqwest::Method;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The most a run's folder may hold to be uploaded (Polyaxon's default upload limit).
const MAX_UPLOAD_BYTES: u64 = 500 * 1024 * 1024;

/// A run's folder, packed.
pub(crate) struct Archive {
    /// The tar.gz, shared by every try of the upload.
    pub bytes: Bytes,
    /// Files in it.
    pub files: usize,
}

/// Whether `polyaxon ops push` leaves this out: its own metadata (`*.plx.json`,
/// `*.plx.index`, `.polyaxon/`) and polytrack's spool folder.
fn ignored(rel: &Path) -> bool {
    let first = rel
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    if matches!(first.as_deref(), Some(".polyaxon") | Some(SPOOL_DIR)) {
        return true;
    }
    let name = rel
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.ends_with(".plx.json") || name.ends_with(".plx.index")
}

/// The files to upload, relative to `dir`, in path order. Symlinks are skipped (as Polyaxon's
/// default `symlink_mode="skip"` does).
fn files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let abs = dir.join(&rel);
        let entries = std::fs::read_dir(&abs)
            .map_err(|e| Error::io(format!("cannot list {}", abs.display()), e))?;
        for entry in entries {
            let entry =
                entry.map_err(|e| Error::io(format!("cannot list {}", abs.display()), e))?;
            let rel = rel.join(entry.file_name());
            if ignored(&rel) {
                continue;
            }
            let kind = entry
                .file_type()
                .map_err(|e| Error::io(format!("cannot stat {}", dir.join(&rel).display()), e))?;
            if kind.is_dir() {
                stack.push(rel);
            } else if kind.is_file() {
                out.push(rel);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Packs the run's folder; `None` when there is nothing to upload.
pub(crate) fn pack(dir: &Path) -> Result<Option<Archive>, Error> {
    let files = files(dir)?;
    if files.is_empty() {
        return Ok(None);
    }
    let mut total = 0u64;
    for rel in &files {
        total += std::fs::metadata(dir.join(rel))
            .map(|m| m.len())
            .unwrap_or(0);
    }
    if total > MAX_UPLOAD_BYTES {
        return Err(Error::Config {
            var: "run folder".to_owned(),
            value: format!("{} ({} MiB)", dir.display(), total / (1024 * 1024)),
            expected: format!(
                "at most {} MiB to upload, as Polyaxon's upload limit; keep large data out of \
                 the run's folder",
                MAX_UPLOAD_BYTES / (1024 * 1024)
            ),
        });
    }
    let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(encoder);
    tar.mode(tar::HeaderMode::Deterministic);
    for rel in &files {
        let abs = dir.join(rel);
        tar.append_path_with_name(&abs, rel)
            .map_err(|e| Error::io(format!("cannot pack {}", abs.display()), e))?;
    }
    let bytes = tar
        .into_inner()
        .and_then(|gz| gz.finish())
        .map_err(|e| Error::io(format!("cannot pack {}", dir.display()), e))?;
    Ok(Some(Archive {
        bytes: Bytes::from(bytes),
        files: files.len(),
    }))
}

/// The upload request for `archive`: a `upload_file` part and a `json` part saying to untar it
/// at the run's root, replacing what is there.
pub(crate) fn upload_request(path: String, archive: &Archive, connection: Option<&str>) -> Request {
    let mut json = serde_json::json!({"untar": true, "path": "/", "overwrite": true});
    if let (Some(connection), Value::Object(map)) = (connection, &mut json) {
        map.insert(
            "connection".to_owned(),
            Value::String(connection.to_owned()),
        );
    }
    let boundary = format!("polytrack-{}", crate::id::new_uuid());
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"upload_file\"; \
         filename=\"uploads.tar.gz\"\r\nContent-Type: application/gzip\r\n\r\n"
    );
    let tail = format!(
        "\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"json\"\r\n\r\n{json}\r\n--{boundary}--\r\n"
    );
    Request {
        method: Method::POST,
        path,
        body: Body::Multipart {
            content_type: format!("multipart/form-data; boundary={boundary}"),
            parts: vec![Bytes::from(head), archive.bytes.clone(), Bytes::from(tail)],
        },
        expect: super::answer::Expect::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn packs_what_push_uploads() {
        let dir = std::env::temp_dir().join(format!("polytrack-archive-{}", crate::id::new_uuid()));
        for sub in ["outputs", "events/metric", ".polytrack", ".polyaxon"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        std::fs::write(dir.join("outputs/a.txt"), "hello").unwrap();
        std::fs::write(dir.join("events/metric/loss.plx"), "step|timestamp|metric").unwrap();
        std::fs::write(dir.join("run.plx.json"), "{}").unwrap();
        std::fs::write(dir.join(".polytrack/spool.jsonl"), "").unwrap();
        std::fs::write(dir.join(".polyaxon/x"), "").unwrap();
        let archive = pack(&dir).unwrap().unwrap();
        assert_eq!(archive.files, 2);
        let mut names = Vec::new();
        let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(&archive.bytes[..]));
        for entry in tar.entries().unwrap() {
            let mut entry = entry.unwrap();
            let mut text = String::new();
            entry.read_to_string(&mut text).unwrap();
            names.push((entry.path().unwrap().display().to_string(), text));
        }
        assert_eq!(
            names,
            [
                (
                    "events/metric/loss.plx".to_owned(),
                    "step|timestamp|metric".to_owned()
                ),
                ("outputs/a.txt".to_owned(), "hello".to_owned())
            ]
        );
        let req = upload_request("/streams".into(), &archive, Some("store"));
        let Body::Multipart {
            content_type,
            parts,
        } = req.body
        else {
            panic!("not multipart")
        };
        assert!(
            parts.iter().any(|p| p.as_ptr() == archive.bytes.as_ptr()),
            "the archive is sent as is, not copied"
        );
        let text = String::from_utf8_lossy(&parts.concat()).into_owned();
        assert!(content_type.starts_with("multipart/form-data; boundary=polytrack-"));
        assert!(text.contains("name=\"upload_file\""));
        assert!(
            text.contains(r#"{"untar":true,"path":"/","overwrite":true,"connection":"store"}"#),
            "{text}"
        );

        std::fs::remove_dir_all(dir.join("outputs")).unwrap();
        std::fs::remove_dir_all(dir.join("events")).unwrap();
        assert!(pack(&dir).unwrap().is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

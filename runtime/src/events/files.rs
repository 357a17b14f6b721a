//! File and folder copies for `log_model`, `log_artifact` and image files: Python's
//! `get_path_extension` and `copy_file_or_dir_path`, run on the writer thread.

use std::path::Path;

use crate::Error;

/// Python's `get_path_extension`: everything after the file name's first dot, lowercased
/// (`model.tar.gz` gives `tar.gz`); `None` without a dot, or for a name starting with one.
pub(crate) fn extension(path: &Path) -> Option<String> {
    let base = path.file_name()?.to_string_lossy();
    match base.find('.') {
        Some(0) | None => None,
        Some(i) if i + 1 < base.len() => Some(base[i + 1..].to_lowercase()),
        Some(_) => None,
    }
}

/// Copies a file to `to`, or a folder and everything in it to the folder `to` (which must not
/// exist yet, as `shutil.copytree` requires; a file is overwritten, as `shutil.copy` does).
pub(crate) fn copy_file_or_dir(from: &Path, to: &Path) -> Result<u64, Error> {
    let meta = std::fs::metadata(from)
        .map_err(|e| Error::io(format!("cannot read {}", from.display()), e))?;
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::io(format!("cannot create {}", parent.display()), e))?;
    }
    if meta.is_dir() {
        if to.exists() {
            return Err(Error::io(
                format!("cannot copy {} to {}", from.display(), to.display()),
                std::io::Error::new(std::io::ErrorKind::AlreadyExists, "destination exists"),
            ));
        }
        copy_dir(from, to)
    } else {
        std::fs::copy(from, to).map_err(|e| {
            Error::io(
                format!("cannot copy {} to {}", from.display(), to.display()),
                e,
            )
        })
    }
}

fn copy_dir(from: &Path, to: &Path) -> Result<u64, Error> {
    std::fs::create_dir_all(to)
        .map_err(|e| Error::io(format!("cannot create {}", to.display()), e))?;
    let entries = std::fs::read_dir(from)
        .map_err(|e| Error::io(format!("cannot list {}", from.display()), e))?;
    let mut bytes = 0;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(format!("cannot list {}", from.display()), e))?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let kind = entry
            .file_type()
            .map_err(|e| Error::io(format!("cannot read {}", src.display()), e))?;
        bytes += if kind.is_dir() {
            copy_dir(&src, &dst)?
        } else {
            std::fs::copy(&src, &dst).map_err(|e| {
                Error::io(
                    format!("cannot copy {} to {}", src.display(), dst.display()),
                    e,
                )
            })?
        };
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_like_python() {
        assert_eq!(
            extension(Path::new("a/model.tar.GZ")).as_deref(),
            Some("tar.gz")
        );
        assert_eq!(extension(Path::new("img.png")).as_deref(), Some("png"));
        assert_eq!(extension(Path::new("weights")), None);
        assert_eq!(extension(Path::new(".env")), None);
        assert_eq!(extension(Path::new("x.")), None);
    }

    #[test]
    fn folders_are_copied_whole() {
        let root = std::env::temp_dir().join(format!("polytrack-copy-{}", crate::new_uuid()));
        let src = root.join("src");
        std::fs::create_dir_all(src.join("sub")).unwrap();
        std::fs::write(src.join("a.txt"), "a").unwrap();
        std::fs::write(src.join("sub/b.txt"), "bb").unwrap();
        assert_eq!(copy_file_or_dir(&src, &root.join("out/dst")).unwrap(), 3);
        assert_eq!(
            std::fs::read_to_string(root.join("out/dst/sub/b.txt")).unwrap(),
            "bb"
        );
        assert!(copy_file_or_dir(&src, &root.join("out/dst")).is_err());
        assert!(copy_file_or_dir(&root.join("missing"), &root.join("x")).is_err());
        let _ = std::fs::remove_dir_all(&root);
    }
}

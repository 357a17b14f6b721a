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
///
/// A source that already is the destination (a model saved with `get_outputs_path` and then
/// logged) is left as it is and counted, where `std::fs::copy` would truncate it to nothing
/// and Python's `shutil.copy` raises `SameFileError`. A folder is never copied into itself.
pub(crate) fn copy_file_or_dir(from: &Path, to: &Path) -> Result<u64, Error> {
    let meta = std::fs::metadata(from)
        .map_err(|e| Error::io(format!("cannot read {}", from.display()), e))?;
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::io(format!("cannot create {}", parent.display()), e))?;
    }
    if is_same_file(from, to) {
        return Ok(if meta.is_dir() { 0 } else { meta.len() });
    }
    if meta.is_dir() && lies_inside(to, from) {
        return Err(Error::io(
            format!(
                "cannot copy {} into itself ({})",
                from.display(),
                to.display()
            ),
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "destination inside source",
            ),
        ));
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

/// Whether both paths name one existing file or folder (same device and inode on Unix).
fn is_same_file(a: &Path, b: &Path) -> bool {
    same_file::is_same_file(a, b).unwrap_or(false)
}

/// Whether `to` (which may not exist yet; its parent does) lies inside the folder `from`.
fn lies_inside(to: &Path, from: &Path) -> bool {
    let (Some(parent), Some(name), Ok(from)) = (to.parent(), to.file_name(), from.canonicalize())
    else {
        return false;
    };
    parent
        .canonicalize()
        .map(|p| p.join(name).starts_with(from))
        .unwrap_or(false)
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

    #[test]
    fn a_file_already_in_place_is_kept_and_a_folder_never_copied_into_itself() {
        let root = std::env::temp_dir().join(format!("polytrack-copy-{}", crate::new_uuid()));
        let outputs = root.join("outputs");
        std::fs::create_dir_all(&outputs).unwrap();
        let model = outputs.join("model.bin");
        std::fs::write(&model, "weights").unwrap();
        // The same file, by the same path and through a symlink: left whole.
        assert_eq!(copy_file_or_dir(&model, &model).unwrap(), 7);
        std::os::unix::fs::symlink(&model, root.join("link.bin")).unwrap();
        assert_eq!(copy_file_or_dir(&root.join("link.bin"), &model).unwrap(), 7);
        assert_eq!(std::fs::read_to_string(&model).unwrap(), "weights");
        // A folder into a place inside itself: refused, nothing created.
        let err = copy_file_or_dir(&outputs, &outputs.join("copy")).unwrap_err();
        assert!(err.to_string().contains("into itself"), "{err}");
        assert!(!outputs.join("copy").exists());
        // The folder onto itself: nothing to copy.
        assert_eq!(copy_file_or_dir(&outputs, &outputs).unwrap(), 0);
        let _ = std::fs::remove_dir_all(&root);
    }
}

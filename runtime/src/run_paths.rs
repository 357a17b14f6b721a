//! Paths inside a run's folder (`get_outputs_path`, `get_artifacts_path`), resolved against
//! the real (canonical) folder so that nothing lands outside it.
//!
//! A relative path is first normalised without the file system (`..` may not climb out, an
//! absolute path is refused). Then every part of it that exists is resolved: a symlink that
//! leads out of the run's folder (or a dangling one, which cannot be checked) is refused with
//! [`Error::PathEscapes`], before any folder is created, so no folder appears outside either.
//! Folders are created one at a time below the canonical run folder, never through a link.

use crate::error::Error;
use std::io::ErrorKind;
use std::path::{Component, Path, PathBuf};

/// `rel` as plain names (no `.`, no `..`), or `PathEscapes` if it climbs out or is absolute.
fn normalise(rel: &str) -> Result<PathBuf, Error> {
    let escapes = || escapes(rel);
    let mut out = PathBuf::new();
    for component in Path::new(rel).components() {
        match component {
            Component::Normal(c) => out.push(c),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return Err(escapes());
                }
            }
            Component::RootDir | Component::Prefix(_) => return Err(escapes()),
        }
    }
    Ok(out)
}

fn escapes(rel: &str) -> Error {
    Error::PathEscapes {
        path: PathBuf::from(rel),
    }
}

/// `<run_dir>/<rel>`, checked against the file system: every existing part must resolve
/// inside the run's folder. Nothing is created.
pub(crate) fn artifacts_path(run_dir: &Path, rel: &str) -> Result<PathBuf, Error> {
    let names = normalise(rel)?;
    walk(run_dir, &names, rel, false)?;
    Ok(run_dir.join(names))
}

/// `<run_dir>/outputs/<rel>`, with its parent folders created inside the run's folder.
pub(crate) fn outputs_path(run_dir: &Path, rel: &str) -> Result<PathBuf, Error> {
    let names = Path::new("outputs").join(normalise(rel)?);
    walk(run_dir, &names, rel, true)?;
    Ok(run_dir.join(names))
}

/// Follows `names` from the canonical run folder. Existing parts must resolve inside it;
/// missing folders are created when `create` (all but the last part, the file the caller is
/// about to write).
fn walk(run_dir: &Path, names: &Path, rel: &str, create: bool) -> Result<(), Error> {
    let io = |what: &str, path: &Path, e| Error::io(format!("{what} {}", path.display()), e);
    if create {
        std::fs::create_dir_all(run_dir).map_err(|e| io("cannot create", run_dir, e))?;
    }
    let root = match run_dir.canonicalize() {
        Ok(root) => root,
        // Nothing of the run's folder exists yet, so nothing in it can lead out.
        Err(e) if !create && e.kind() == ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io("cannot resolve", run_dir, e)),
    };
    let parts: Vec<_> = names.components().collect();
    let mut here = root.clone();
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let next = here.join(part);
        match std::fs::symlink_metadata(&next) {
            Ok(_) => {
                // It exists: where does it really lead? A dangling link cannot be checked.
                let real = next.canonicalize().map_err(|_| escapes(rel))?;
                if !real.starts_with(&root) {
                    return Err(escapes(rel));
                }
                here = real;
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {
                if create && !last {
                    match std::fs::create_dir(&next) {
                        Ok(()) => {}
                        // Made meanwhile by another thread: check it as an existing part.
                        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                            let real = next.canonicalize().map_err(|_| escapes(rel))?;
                            if !real.starts_with(&root) {
                                return Err(escapes(rel));
                            }
                            here = real;
                            continue;
                        }
                        Err(e) => return Err(io("cannot create", &next, e)),
                    }
                } else if !create {
                    // Nothing below a missing part exists.
                    return Ok(());
                }
                here = next;
            }
            Err(e) => return Err(io("cannot read", &next, e)),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside() {
        assert_eq!(normalise("a/b.txt").unwrap(), Path::new("a/b.txt"));
        assert_eq!(normalise("a/../b.txt").unwrap(), Path::new("b.txt"));
        assert_eq!(normalise("./a/./b").unwrap(), Path::new("a/b"));
        for bad in ["../x", "a/../../x", "/etc/passwd"] {
            assert!(
                matches!(normalise(bad), Err(Error::PathEscapes { .. })),
                "{bad}"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn links_out_of_the_run_are_refused_and_nothing_is_created_outside() {
        let top = std::env::temp_dir().join(format!("polytrack-paths-{}", crate::id::new_uuid()));
        let run = top.join("run");
        let outside = top.join("outside");
        std::fs::create_dir_all(run.join("outputs/inner")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::os::unix::fs::symlink(&outside, run.join("outputs/link")).unwrap();
        std::os::unix::fs::symlink(run.join("outputs/inner"), run.join("outputs/ok")).unwrap();
        std::os::unix::fs::symlink(top.join("nowhere"), run.join("outputs/dangling")).unwrap();
        std::os::unix::fs::symlink(outside.join("f.txt"), run.join("outputs/file-link")).unwrap();

        for rel in ["link/x/y.txt", "link", "dangling/a.txt", "file-link"] {
            let err = outputs_path(&run, rel).unwrap_err();
            assert!(matches!(err, Error::PathEscapes { .. }), "{rel}: {err}");
        }
        assert!(matches!(
            artifacts_path(&run, "outputs/link/x"),
            Err(Error::PathEscapes { .. })
        ));
        assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
        assert!(!top.join("nowhere").exists());

        // A link that stays inside is fine; folders are made below the real one.
        let p = outputs_path(&run, "ok/deep/er/w.bin").unwrap();
        assert_eq!(p, run.join("outputs/ok/deep/er/w.bin"));
        assert!(run.join("outputs/inner/deep/er").is_dir());
        // `..` through a link is taken lexically: it never reaches the link's target.
        let p = outputs_path(&run, "link/../z.txt").unwrap();
        assert_eq!(p, run.join("outputs/z.txt"));
        assert_eq!(
            artifacts_path(&run, "outputs/missing/x").unwrap(),
            run.join("outputs/missing/x")
        );
        std::fs::remove_dir_all(&top).unwrap();
    }
}

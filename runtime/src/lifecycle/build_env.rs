//! The build-script side of [`code_ref!`](crate::code_ref): the commit a binary is built from.

use super::coderef::CodeRef;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// For a build script (`build.rs`): reads the git reference of the crate being built and
/// hands it to the compiler as `POLYTRACK_GIT_COMMIT`, `POLYTRACK_GIT_BRANCH`,
/// `POLYTRACK_GIT_URL` and `POLYTRACK_GIT_DIRTY`, which [`code_ref!`](crate::code_ref) reads.
/// Cargo rebuilds when `HEAD`, the branch or the index change. Outside a git work tree (a
/// crate built from crates.io, say) it sets nothing and `code_ref!()` is `None`.
///
/// In the training binary's `build.rs` (polytrack also in its `[build-dependencies]`):
///
/// ```no_run
/// polytrack::build::emit_git_env();
/// ```
pub fn emit_git_env() {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    for line in git_env_lines(&dir) {
        println!("{line}");
    }
}

/// The `cargo:` lines [`emit_git_env`] prints for the crate in `dir`.
pub(crate) fn git_env_lines(dir: &Path) -> Vec<String> {
    let mut lines = Vec::new();
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    if let Some(git_dir) = git(&["rev-parse", "--absolute-git-dir"]) {
        let git_dir = PathBuf::from(git_dir);
        lines.push(format!(
            "cargo:rerun-if-changed={}",
            git_dir.join("HEAD").display()
        ));
        lines.push(format!(
            "cargo:rerun-if-changed={}",
            git_dir.join("index").display()
        ));
        if let Some(head_ref) = git(&["symbolic-ref", "-q", "HEAD"]) {
            lines.push(format!(
                "cargo:rerun-if-changed={}",
                git_dir.join(head_ref).display()
            ));
        }
    }
    if let Some(code) = CodeRef::from_git(dir) {
        lines.push(format!(
            "cargo:rustc-env=POLYTRACK_GIT_COMMIT={}",
            code.commit
        ));
        lines.push(format!(
            "cargo:rustc-env=POLYTRACK_GIT_BRANCH={}",
            code.branch.unwrap_or_default()
        ));
        lines.push(format!(
            "cargo:rustc-env=POLYTRACK_GIT_URL={}",
            code.url.unwrap_or_default()
        ));
        if let Some(dirty) = code.is_dirty {
            lines.push(format!("cargo:rustc-env=POLYTRACK_GIT_DIRTY={dirty}"));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_work_tree_gives_its_commit_and_rebuild_triggers() {
        let dir = std::env::temp_dir().join(format!("polytrack-buildenv-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let git = |args: &[&str]| crate::lifecycle::coderef::tests::git_in(&dir, args);
        git(&["init", "-q", "-b", "main"]);
        std::fs::write(dir.join("f"), "x").unwrap();
        git(&["add", "f"]);
        git(&["commit", "-q", "-m", "c"]);
        let commit = CodeRef::from_git(&dir).unwrap().commit;
        let lines = git_env_lines(&dir);
        assert!(
            lines.contains(&format!("cargo:rustc-env=POLYTRACK_GIT_COMMIT={commit}")),
            "{lines:?}"
        );
        assert!(lines.contains(&"cargo:rustc-env=POLYTRACK_GIT_BRANCH=main".to_owned()));
        assert!(lines.contains(&"cargo:rustc-env=POLYTRACK_GIT_DIRTY=false".to_owned()));
        assert!(lines
            .iter()
            .any(|l| l.starts_with("cargo:rerun-if-changed=") && l.ends_with("refs/heads/main")));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

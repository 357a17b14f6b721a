//! Code references: Python's `log_code_ref`, the git commit a run's code came from.
//!
//! The reference is read with the git CLI, with the commands Python's client runs
//! (`clipped.utils.git.get_code_reference`): the commit of `git log -1`, the branch of
//! `git rev-parse --abbrev-ref HEAD`, the `origin` remote's URL (`git@host:org/repo.git`
//! becomes `https://host/org/repo`), and, as polytrack adds, whether the work tree has
//! changes (`git diff --stat`, Python's `is_dirty`). Credentials in a remote URL are never
//! recorded.
//!
//! A binary can also carry the commit it was built from, which is what ran even when the
//! working directory holds another checkout (or none): see [`code_ref!`](crate::code_ref)
//! and [`build::emit_git_env`](crate::build::emit_git_env).

use crate::error::Error;
use crate::kind::ArtifactKind;
use crate::record::Artifact;
use crate::run::{current, inactive, Run};
use crate::sink::Update;
use serde_json::{Map, Value};
use std::path::Path;
use std::process::{Command, Stdio};

/// A git code reference, as Polyaxon's lineage table shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CodeRef {
    /// The full commit hash.
    pub commit: String,
    /// The branch (`HEAD` when detached).
    pub branch: Option<String>,
    /// The `origin` remote's URL, `https://` for an SSH remote, without credentials.
    pub url: Option<String>,
    /// Whether tracked files had uncommitted changes.
    pub is_dirty: Option<bool>,
}

impl CodeRef {
    /// The reference of the git work tree containing `dir`; `None` outside one, without
    /// git, or in a repository without commits.
    pub fn from_git(dir: &Path) -> Option<CodeRef> {
        let inside = git(dir, &["rev-parse", "--is-inside-work-tree"])?;
        if inside.lines().next().unwrap_or("").is_empty() {
            return None;
        }
        let commit = git(dir, &["--no-pager", "log", "--pretty=oneline", "-1"])?
            .split(' ')
            .next()
            .unwrap_or("")
            .trim()
            .to_owned();
        if commit.is_empty() {
            return None;
        }
        let branch = git(dir, &["rev-parse", "--abbrev-ref", "HEAD"])
            .and_then(|b| b.lines().next().map(str::to_owned))
            .filter(|b| !b.is_empty());
        let url = git(dir, &["config", "--get", "remote.origin.url"])
            .map(|u| normalize_url(u.trim_end_matches('\n')))
            .filter(|u| !u.is_empty());
        let is_dirty = git(dir, &["diff", "--stat"]).map(|d| !d.is_empty());
        Some(CodeRef {
            commit,
            branch,
            url,
            is_dirty,
        })
    }

    /// A reference from values captured at build time (what [`code_ref!`](crate::code_ref)
    /// expands to); `None` without a commit.
    pub fn from_build(
        commit: Option<&str>,
        branch: Option<&str>,
        url: Option<&str>,
        is_dirty: Option<&str>,
    ) -> Option<CodeRef> {
        let commit = commit.map(str::trim).filter(|c| !c.is_empty())?;
        let text = |v: Option<&str>| {
            v.map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        Some(CodeRef {
            commit: commit.to_owned(),
            branch: text(branch),
            url: text(url).map(|u| normalize_url(&u)),
            is_dirty: is_dirty.map(|d| d.trim() == "true"),
        })
    }

    /// The lineage summary: `commit`, `branch`, `url` (Python's keys, `""` when git has no
    /// answer, as Python records it) and `is_dirty`.
    pub(crate) fn summary(&self) -> Map<String, Value> {
        let mut summary = Map::new();
        summary.insert("commit".into(), Value::String(self.commit.clone()));
        let text = |v: &Option<String>| Value::String(v.clone().unwrap_or_default());
        summary.insert("branch".into(), text(&self.branch));
        summary.insert("url".into(), text(&self.url));
        if let Some(dirty) = self.is_dirty {
            summary.insert("is_dirty".into(), Value::Bool(dirty));
        }
        summary
    }

    /// The lineage entry Python's `log_code_ref` posts: named after the commit, kind
    /// `coderef`, no path.
    pub(crate) fn artifact(&self, is_input: bool) -> Artifact {
        Artifact {
            name: self.commit.clone(),
            kind: ArtifactKind::Coderef,
            path: None,
            summary: self.summary(),
            connection: None,
            is_input,
        }
    }
}

/// Runs git in `dir`, its standard output when it ran (whatever its exit code, as Python's
/// `run_command` reads it); `None` when git is missing.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Python's rewrite of an SSH remote (`git@github.com:org/repo.git` →
/// `https://github.com/org/repo`), plus the removal of credentials from an `https://user:token@`
/// URL, which Python would record as is.
pub(crate) fn normalize_url(url: &str) -> String {
    if let Some((_, rest)) = url.split_once("git@") {
        let rest = rest.split(".git").next().unwrap_or(rest);
        return format!("https://{}", rest.replace(':', "/"));
    }
    if let Some((scheme, rest)) = url.split_once("://") {
        let (authority, path) = match rest.split_once('/') {
            Some((authority, path)) => (authority, Some(path)),
            None => (rest, None),
        };
        if let Some((_, host)) = authority.rsplit_once('@') {
            return match path {
                Some(path) => format!("{scheme}://{host}/{path}"),
                None => format!("{scheme}://{host}"),
            };
        }
    }
    url.to_owned()
}

impl Run {
    /// Records a code reference (Python's `log_code_ref(code_ref, is_input=True)`): with
    /// `None`, the git commit of the working directory (nothing outside a git work tree).
    /// `init` already does this for new runs and runs with a process sidecar, as Python does
    /// (see [`Settings::track_code`](crate::Settings::track_code)).
    pub fn log_code_ref(&self, code_ref: Option<&CodeRef>) -> Result<(), Error> {
        if !self.is_tracking() {
            return Ok(());
        }
        let found;
        let code_ref = match code_ref {
            Some(c) => c,
            None => {
                let dir = std::env::current_dir()
                    .map_err(|e| Error::io("cannot read the working directory", e))?;
                match CodeRef::from_git(&dir) {
                    Some(c) => {
                        found = c;
                        &found
                    }
                    None => return Ok(()),
                }
            }
        };
        if code_ref.commit.is_empty() {
            return Err(Error::InvalidName {
                name: String::new(),
            });
        }
        self.send_update(Update::Lineage(vec![code_ref.artifact(true)]))
    }
}

/// Records a code reference on the current run; see [`Run::log_code_ref`].
pub fn log_code_ref(code_ref: Option<&CodeRef>) -> Result<(), Error> {
    match current() {
        Some(run) => run.log_code_ref(code_ref),
        None => inactive(),
    }
}

/// The code reference captured when the calling crate was built, from the variables its
/// build script set with [`build::emit_git_env`](crate::build::emit_git_env)
/// (`POLYTRACK_GIT_COMMIT`, `_BRANCH`, `_URL`, `_DIRTY`); `None` when they were not set.
///
/// ```
/// // build.rs: fn main() { polytrack::build::emit_git_env(); }
/// if let Some(code) = polytrack::code_ref!() {
///     polytrack::log_code_ref(Some(&code)).ok();
/// }
/// ```
#[macro_export]
macro_rules! code_ref {
    () => {
        $crate::CodeRef::from_build(
            ::core::option_env!("POLYTRACK_GIT_COMMIT"),
            ::core::option_env!("POLYTRACK_GIT_BRANCH"),
            ::core::option_env!("POLYTRACK_GIT_URL"),
            ::core::option_env!("POLYTRACK_GIT_DIRTY"),
        )
    };
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    #[test]
    fn urls_normalise_like_python_without_credentials() {
        assert_eq!(
            normalize_url("git@github.com:polyaxon/polyaxon.git"),
            "https://github.com/polyaxon/polyaxon"
        );
        assert_eq!(
            normalize_url("ssh://git@gitlab.example.com/team/repo.git"),
            "https://gitlab.example.com/team/repo"
        );
        assert_eq!(
            normalize_url("https://github.com/org/repo.git"),
            "https://github.com/org/repo.git"
        );
        assert_eq!(
            normalize_url("https://user:s3cret@github.com/org/repo"),
            "https://github.com/org/repo"
        );
        assert_eq!(normalize_url("/srv/git/repo"), "/srv/git/repo");
    }

    /// Runs git in `dir` with a fixed identity, asserting it succeeds (the tests' own repos).
    pub(in crate::lifecycle) fn git_in(dir: &std::path::Path, args: &[&str]) {
        let ok = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .unwrap()
            .status
            .success();
        assert!(ok, "git {args:?}");
    }

    #[test]
    fn reads_a_repository_with_the_git_cli() {
        let dir = std::env::temp_dir().join(format!("polytrack-git-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(CodeRef::from_git(&dir), None, "not a repository yet");
        let run = |args: &[&str]| git_in(&dir, args);
        run(&["init", "-q", "-b", "trunk"]);
        assert_eq!(CodeRef::from_git(&dir), None, "no commit yet");
        std::fs::write(dir.join("a.txt"), "1").unwrap();
        run(&["add", "a.txt"]);
        run(&["commit", "-q", "-m", "one"]);
        run(&["remote", "add", "origin", "git@github.com:org/repo.git"]);
        let clean = CodeRef::from_git(&dir).unwrap();
        assert_eq!(clean.commit.len(), 40);
        assert_eq!(clean.branch.as_deref(), Some("trunk"));
        assert_eq!(clean.url.as_deref(), Some("https://github.com/org/repo"));
        assert_eq!(clean.is_dirty, Some(false));
        std::fs::write(dir.join("a.txt"), "2").unwrap();
        let dirty = CodeRef::from_git(&dir).unwrap();
        assert_eq!(dirty.is_dirty, Some(true));
        assert_eq!(dirty.commit, clean.commit);
        let a = clean.artifact(true);
        assert_eq!(a.name, clean.commit);
        assert_eq!(a.kind, ArtifactKind::Coderef);
        assert_eq!(a.path, None);
        assert_eq!(
            a.summary.keys().collect::<Vec<_>>(),
            ["commit", "branch", "url", "is_dirty"]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn build_time_values() {
        assert_eq!(CodeRef::from_build(None, Some("main"), None, None), None);
        assert_eq!(CodeRef::from_build(Some(" "), None, None, None), None);
        let c = CodeRef::from_build(
            Some("abc123"),
            Some("main"),
            Some("git@github.com:o/r.git"),
            Some("true"),
        )
        .unwrap();
        assert_eq!(c.url.as_deref(), Some("https://github.com/o/r"));
        assert_eq!(c.is_dirty, Some(true));
        // This crate's build sets nothing: the macro says so rather than guess.
        assert_eq!(crate::code_ref!(), None);
    }
}

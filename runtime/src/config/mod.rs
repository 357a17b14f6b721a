//! Where a run goes and how: explicit [`Settings`] over the environment over config files,
//! resolved the way Polyaxon's Python client resolves them.
//!
//! - [`settings`]: what a caller sets explicitly (the builder).
//! - [`env`]: the process environment (or a replacement map) and the config files behind it,
//!   as one lookup that never turns an unreadable value into a silent default.
//! - [`files`]: Polyaxon's JSON config files (`.client`, `.auth`, `.project`), read only when
//!   they are regular files of bounded size.
//! - [`resolve`]: settings over environment over files, in steps, into a [`Resolved`].

mod env;
mod files;
mod resolve;
mod settings;
#[cfg(test)]
mod tests;

pub(crate) use resolve::{resolve, split_project};
pub use resolve::{ApiConfig, Resolved};
pub use settings::Settings;

use std::fmt;

/// How a run is tracked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// In-cluster: the run was created and scheduled by Polyaxon (`POLYAXON_IS_MANAGED`).
    Managed,
    /// Outside a cluster: polytrack creates its own run on a Polyaxon API.
    External,
    /// No API at all: a local folder that `polyaxon ops push` can upload later.
    Offline,
    /// Nothing is tracked: every call returns at once.
    NoOp,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Managed => "managed",
            Mode::External => "external",
            Mode::Offline => "offline",
            Mode::NoOp => "no-op",
        })
    }
}

/// A secret (the API token). Its `Debug` and `Display` print `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that sends it (the `Authorization` header).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// `url` with any user name and password replaced by `***`, for messages and `Debug` output
/// (a token given as `https://user:token@host`). Text that is not a URL is returned as is.
pub(crate) fn redacted_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) if !parsed.username().is_empty() || parsed.password().is_some() => {
            let _ = parsed.set_username("***");
            let _ = parsed.set_password(None);
            parsed.as_str().trim_end_matches('/').to_owned()
        }
        _ => url.to_owned(),
    }
}

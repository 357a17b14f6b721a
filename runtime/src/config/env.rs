//! The environment (the process's, or a replacement map) and Polyaxon's config files behind
//! it, as one lookup.
//!
//! Nothing read here becomes a silent default: a variable polytrack reads whose value is not
//! UTF-8 is an error naming it (a non-UTF-8 `POLYAXON_HOST` must not become
//! `http://localhost:8000` with the token sent there), and so is a config file that exists
//! but cannot be read, once a value would come from it. Path variables may hold any bytes,
//! as paths do.

use super::files::{json_to_string, read_json_object};
use crate::error::Error;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Polyaxon's client config files, oldest first (a later one wins).
const SYSTEM_CLIENT_FILE: &str = "/tmp/.polyaxon/.client";
/// The client config file below the home folder.
const HOME_CLIENT_FILE: &str = ".polyaxon/.client";

/// The environment plus Polyaxon's config files, as one lookup.
pub(crate) struct Env {
    vars: BTreeMap<String, String>,
    /// Variables whose value is not UTF-8, kept as they are (only paths may use them).
    not_utf8: BTreeMap<String, OsString>,
    client_files: Vec<Map<String, Value>>,
    /// A config file that exists but could not be read or parsed, and why.
    broken_file: Option<(String, String)>,
    home: Option<PathBuf>,
}

/// Maps an env variable to its `ClientConfig` field name in Polyaxon's config files.
fn field_name(var: &str) -> Option<&'static str> {
    Some(match var {
        "POLYAXON_HOST" => "host",
        "POLYAXON_IS_OFFLINE" => "is_offline",
        "POLYAXON_NO_OP" => "no_op",
        "POLYAXON_VERIFY_SSL" => "verify_ssl",
        "POLYAXON_SSL_CA_CERT" => "ssl_ca_cert",
        "POLYAXON_TIMEOUT" => "timeout",
        "POLYAXON_AUTHENTICATION_TYPE" => "authentication_type",
        "POLYAXON_HEADER" => "header",
        "POLYAXON_HEADER_SERVICE" => "header_service",
        "POLYAXON_IS_MANAGED" => "is_managed",
        _ => return None,
    })
}

impl Env {
    /// The process environment, or `vars` instead of it, and the client config files.
    pub(crate) fn load(vars: Option<BTreeMap<String, String>>) -> Self {
        match vars {
            Some(vars) => Self::from_parts(vars, BTreeMap::new()),
            None => Self::from_os(std::env::vars_os()),
        }
    }

    /// An environment from raw variables, as the OS gives them. A name that is not UTF-8
    /// cannot be one polytrack reads, and is skipped.
    pub(crate) fn from_os(vars: impl IntoIterator<Item = (OsString, OsString)>) -> Self {
        let mut utf8 = BTreeMap::new();
        let mut not_utf8 = BTreeMap::new();
        for (name, value) in vars {
            let Ok(name) = name.into_string() else {
                continue;
            };
            match value.into_string() {
                Ok(value) => {
                    utf8.insert(name, value);
                }
                Err(raw) => {
                    not_utf8.insert(name, raw);
                }
            }
        }
        Self::from_parts(utf8, not_utf8)
    }

    fn from_parts(vars: BTreeMap<String, String>, not_utf8: BTreeMap<String, OsString>) -> Self {
        let mut env = Env {
            vars,
            not_utf8,
            client_files: Vec::new(),
            broken_file: None,
            home: None,
        };
        env.home = ["POLYAXON_HOME", "HOME"]
            .iter()
            .find_map(|var| env.raw_path(var))
            .filter(|home| !home.as_os_str().is_empty());
        // A malformed POLYAXON_NO_CONFIG is reported by `resolve`; here it reads as unset.
        let no_config = env
            .vars
            .get("POLYAXON_NO_CONFIG")
            .and_then(|v| parse_bool(v))
            .unwrap_or(false);
        if !no_config {
            let mut paths = vec![PathBuf::from(SYSTEM_CLIENT_FILE)];
            if let Some(home) = &env.home {
                paths.push(home.join(HOME_CLIENT_FILE));
            }
            for path in paths {
                match read_json_object(&path) {
                    Ok(Some(map)) => env.client_files.push(map),
                    Ok(None) => {}
                    Err(e) => {
                        if env.broken_file.is_none() {
                            env.broken_file = Some((path.display().to_string(), e.to_string()));
                        }
                    }
                }
            }
        }
        env
    }

    /// The value of an environment variable as it is (not trimmed, empty included), without
    /// the config files; an error when it is not UTF-8.
    pub(crate) fn var(&self, var: &str) -> Result<Option<&str>, Error> {
        if self.not_utf8.contains_key(var) {
            return Err(not_utf8(var));
        }
        Ok(self.vars.get(var).map(String::as_str))
    }

    /// Every environment variable of `names` must be UTF-8 if set.
    pub(crate) fn check_utf8(&self, names: &[&str]) -> Result<(), Error> {
        match names.iter().find(|n| self.not_utf8.contains_key(**n)) {
            Some(name) => Err(not_utf8(name)),
            None => Ok(()),
        }
    }

    /// The environment's UTF-8 variables.
    pub(crate) fn vars(&self) -> &BTreeMap<String, String> {
        &self.vars
    }

    /// The home folder (`POLYAXON_HOME`, else `HOME`), if any.
    pub(crate) fn home(&self) -> Option<&Path> {
        self.home.as_deref()
    }

    /// A variable from the environment (trimmed; empty counts as unset), else from the
    /// config files. An error when it is not UTF-8, or when it would come from a config file
    /// that exists but cannot be read.
    pub(crate) fn get(&self, var: &str) -> Result<Option<String>, Error> {
        if let Some(v) = self.var(var)?.filter(|v| !v.trim().is_empty()) {
            return Ok(Some(v.trim().to_owned()));
        }
        let Some(field) = field_name(var) else {
            return Ok(None);
        };
        if let Some((path, why)) = &self.broken_file {
            return Err(Error::config(
                var,
                &format!("<unreadable config file {path}: {why}>"),
                "a readable JSON object in Polyaxon's config file, the variable set, or \
                 POLYAXON_NO_CONFIG=true",
            ));
        }
        Ok(self.client_files.iter().rev().find_map(|file| {
            file.get(var)
                .or_else(|| file.get(field))
                .and_then(json_to_string)
        }))
    }

    pub(crate) fn bool(&self, var: &str) -> Result<Option<bool>, Error> {
        match self.get(var)? {
            None => Ok(None),
            Some(v) => parse_bool(&v).map(Some).ok_or_else(|| {
                Error::config(var, &v, "a boolean: true/false, 1/0, yes/no, on/off")
            }),
        }
    }

    pub(crate) fn number(&self, var: &str) -> Result<Option<f64>, Error> {
        match self.get(var)? {
            None => Ok(None),
            Some(v) => match v.parse::<f64>() {
                Ok(n) if n.is_finite() && n >= 0.0 => Ok(Some(n)),
                _ => Err(Error::config(var, &v, "a non-negative number")),
            },
        }
    }

    /// A folder from a variable (any bytes, as paths may hold), else `default`.
    pub(crate) fn path(&self, var: &str, default: &str) -> PathBuf {
        self.raw_path(var)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from(default))
    }

    fn raw_path(&self, var: &str) -> Option<PathBuf> {
        match self.vars.get(var) {
            Some(v) => Some(PathBuf::from(v.trim())),
            None => self.not_utf8.get(var).map(PathBuf::from),
        }
    }
}

fn not_utf8(var: &str) -> Error {
    Error::config(var, "<not UTF-8>", "a UTF-8 value")
}

/// Python's `strtobool`: y/yes/t/true/on/1 and n/no/f/false/off/0, any case.
pub(crate) fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" | "t" | "true" | "on" | "1" => Some(true),
        "n" | "no" | "f" | "false" | "off" | "0" => Some(false),
        _ => None,
    }
}

//! What a successful answer of each call must look like, and the answers that are refused:
//! a 2xx whose body is not what Polyaxon returns for that call (a proxy's login page, an
//! ingress's default backend, a truncated body, another run), and every redirect.
//!
//! Such an answer is a failure, never a delivery: the update stays in the spool and is tried
//! again (or, for a redirect or another run, sending stops for the run, keeping the spool),
//! and the report quotes what came back.

use crate::error::Error;
use serde_json::Value;

/// What the body of a 2xx answer must be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Expect {
    /// The run asked for: a JSON object whose `uuid` is this one (32 hex characters, as the
    /// server writes it). `GET`/`PATCH` of a run and the create (`runs/sync`) answer it.
    Run(String),
    /// A JSON object (`POST .../statuses` answers the run's new status fields).
    Object,
    /// No body, or JSON (the lineage post and the upload answer an empty body).
    Nothing,
}

impl Expect {
    fn describe(&self) -> String {
        match self {
            Expect::Run(uuid) => format!("the JSON of run {uuid}"),
            Expect::Object => "a JSON object".to_owned(),
            Expect::Nothing => "an empty body or JSON".to_owned(),
        }
    }
}

/// Why a 2xx answer is not the one expected; `None` when it is.
pub(crate) enum Mismatch {
    /// Not Polyaxon's answer (HTML, truncated JSON, the wrong shape): maybe a proxy or a
    /// server that is starting, worth trying again.
    Body(String),
    /// A well-formed run, but not the one asked for: nothing sent to this host can be trusted.
    OtherRun(String),
}

impl Mismatch {
    pub(crate) fn into_error(self, request: String, status: u16, body: &[u8]) -> Error {
        let (Mismatch::Body(expected) | Mismatch::OtherRun(expected)) = self;
        Error::NotPolyaxon {
            request,
            status,
            expected,
            body: super::failure::excerpt(body),
        }
    }
}

/// Checks the body of a 2xx answer against what the call expects.
pub(crate) fn check(expect: &Expect, body: &[u8]) -> Result<(), Mismatch> {
    let blank = body.iter().all(u8::is_ascii_whitespace);
    let parsed = || serde_json::from_slice::<Value>(body).ok();
    match expect {
        Expect::Nothing if blank => Ok(()),
        Expect::Nothing => parsed()
            .map(drop)
            .ok_or_else(|| Mismatch::Body(expect.describe())),
        Expect::Object => match parsed() {
            Some(Value::Object(_)) => Ok(()),
            _ => Err(Mismatch::Body(expect.describe())),
        },
        Expect::Run(uuid) => match parsed() {
            Some(Value::Object(run)) => match run.get("uuid").and_then(Value::as_str) {
                Some(found) if same_uuid(found, uuid) => Ok(()),
                Some(found) => Err(Mismatch::OtherRun(format!(
                    "{} (the answer is run {found})",
                    expect.describe()
                ))),
                None => Err(Mismatch::Body(expect.describe())),
            },
            _ => Err(Mismatch::Body(expect.describe())),
        },
    }
}

/// Uuids compare without dashes and case (the server may write either form).
fn same_uuid(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.replace('-', "").to_ascii_lowercase();
    norm(a) == norm(b)
}

/// The error of a redirect: polytrack follows none (a redirect could take the token to
/// another host or to plain HTTP, and the run's data with it).
pub(crate) fn redirect_error(request: String, status: u16, location: Option<&str>) -> Error {
    let to = location.map_or_else(|| "no Location".to_owned(), super::client::display_host);
    Error::NotPolyaxon {
        request,
        status,
        expected: "an answer, not a redirect (polytrack follows no redirects, so the token \
                   never leaves the configured host: set POLYAXON_HOST to the API's own URL)"
            .to_owned(),
        body: format!("redirected to {to}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UUID: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn runs_must_be_the_run_asked_for() {
        let run = Expect::Run(UUID.to_owned());
        assert!(check(
            &run,
            format!(r#"{{"uuid":"{UUID}","name":"x"}}"#).as_bytes()
        )
        .is_ok());
        assert!(check(&run, br#"{"uuid":"01234567-89AB-cdef-0123-456789abcdef"}"#).is_ok());
        assert!(matches!(
            check(&run, br#"{"uuid":"ffffffffffffffffffffffffffffffff"}"#),
            Err(Mismatch::OtherRun(_))
        ));
        for bad in [
            &b"<html><body>Sign in</body></html>"[..],
            br#"{"uuid":"0123"#,
            b"",
            b"[]",
            br#"{"name":"x"}"#,
        ] {
            assert!(
                matches!(check(&run, bad), Err(Mismatch::Body(_))),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn empty_answers_are_empty_or_json() {
        assert!(check(&Expect::Nothing, b"").is_ok());
        assert!(check(&Expect::Nothing, b" \n").is_ok());
        assert!(check(&Expect::Nothing, b"{}").is_ok());
        assert!(check(&Expect::Nothing, b"<!doctype html><title>Login</title>").is_err());
        assert!(check(&Expect::Object, br#"{"status":null}"#).is_ok());
        assert!(check(&Expect::Object, b"").is_err());
        assert!(check(&Expect::Object, b"<html>").is_err());
    }

    #[test]
    fn redirects_name_their_target_without_credentials() {
        let e = redirect_error(
            "GET https://h/api".into(),
            302,
            Some("http://user:secret@h/login"),
        );
        let text = e.to_string();
        assert!(
            text.contains("302") && text.contains("http://h/login") && !text.contains("secret"),
            "{text}"
        );
    }
}

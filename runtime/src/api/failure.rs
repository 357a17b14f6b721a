//! What a failed request comes to: the status and transport errors sorted into retry
//! later, refused, or blocked for the run, with the server's words quoted.

use crate::error::Error;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use std::time::Duration;

/// How much of a response body an error message quotes.
const BODY_EXCERPT: usize = 300;

/// Why a request failed, which decides what happens next.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Worth retrying later: connection errors, timeouts, HTTP 408, 429 and 5xx.
    Transient {
        error: Error,
        /// What the server asked for with `Retry-After`.
        retry_after: Option<Duration>,
        /// Retried only a few times: an answer that may or may not be transient (a 405
        /// with an empty body, which Polyaxon gives both for a body it refuses and, under
        /// concurrent writes to its SQLite database, for a sound request).
        ambiguous: bool,
    },
    /// This request is wrong and retrying it cannot help (a 4xx other than the ones below);
    /// other requests may still succeed.
    Rejected(Error),
    /// Nothing more can succeed for this run until someone acts: HTTP 401, 403 or 404 (the
    /// token, the project or the run), a TLS failure (certificate or scheme), a redirect, or
    /// another run than the one asked for.
    Blocked(Error),
}

impl Failure {
    pub(crate) fn error(&self) -> &Error {
        match self {
            Failure::Transient { error, .. }
            | Failure::Rejected(error)
            | Failure::Blocked(error) => error,
        }
    }
}

pub(super) fn classify_status(
    request: String,
    status: StatusCode,
    retry_after: Option<Duration>,
    body: Vec<u8>,
) -> Result<Vec<u8>, Failure> {
    if status.is_success() {
        return Ok(body);
    }
    let error = Error::Api {
        request,
        status: status.as_u16(),
        body: excerpt(&body),
    };
    Err(match status.as_u16() {
        408 | 429 | 500..=599 => Failure::Transient {
            error,
            retry_after,
            ambiguous: false,
        },
        405 if body.iter().all(u8::is_ascii_whitespace) => Failure::Transient {
            error,
            retry_after,
            ambiguous: true,
        },
        401 | 403 | 404 => Failure::Blocked(error),
        _ => Failure::Rejected(error),
    })
}

pub(super) fn classify_error(request: String, e: &reqwest::Error) -> Failure {
    let reason = error_chain(e);
    if e.is_builder() {
        return Failure::Blocked(Error::Unreachable { request, reason });
    }
    if !e.is_timeout() && is_tls_failure(e) {
        return Failure::Blocked(Error::Unreachable {
            request,
            reason: format!(
                "{reason} (TLS failed: check the scheme of POLYAXON_HOST (http:// or https://), \
                 and for a private CA set POLYAXON_SSL_CA_CERT)"
            ),
        });
    }
    Failure::Transient {
        error: Error::Unreachable { request, reason },
        retry_after: None,
        ambiguous: false,
    }
}

/// Whether the error comes from the TLS layer: rustls reports its errors as `InvalidData`
/// I/O errors (a bad certificate, or a server that does not speak TLS at all), which hyper
/// may wrap in another I/O error.
fn is_tls_failure(e: &reqwest::Error) -> bool {
    fn invalid_data(err: &(dyn std::error::Error + 'static)) -> bool {
        match err.downcast_ref::<std::io::Error>() {
            Some(io) if io.kind() == std::io::ErrorKind::InvalidData => true,
            Some(io) => io.get_ref().is_some_and(|inner| invalid_data(inner)),
            None => false,
        }
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if invalid_data(err) {
            return true;
        }
        source = err.source();
    }
    false
}

/// The error and its causes, without the URL (the request label names it, without credentials).
pub(super) fn error_chain(e: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text.replace(&format!(" for url ({url})"), "");
    }
    parts.push(text);
    let mut source = std::error::Error::source(e);
    while let Some(err) = source {
        let text = err.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = err.source();
    }
    parts.join(": ")
}

/// `Retry-After` in seconds (the HTTP-date form is not used by Polyaxon and is ignored).
pub(super) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    let secs = value.trim().parse::<f64>().ok()?;
    // Negative, NaN or out-of-range values are ignored; the wait is at most an hour.
    Duration::try_from_secs_f64(secs)
        .ok()
        .map(|d| d.min(Duration::from_secs(3600)))
}

pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "(empty body)".to_owned();
    }
    match text.char_indices().nth(BODY_EXCERPT) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn statuses_are_classified() {
        let f = |code: u16| {
            classify_status(
                "GET /x".into(),
                StatusCode::from_u16(code).unwrap(),
                None,
                Vec::new(),
            )
        };
        assert!(f(200).is_ok() && f(201).is_ok() && f(204).is_ok());
        for code in [408, 429, 500, 502, 503, 504] {
            assert!(matches!(f(code), Err(Failure::Transient { .. })), "{code}");
        }
        for code in [401, 403, 404] {
            assert!(matches!(f(code), Err(Failure::Blocked(_))), "{code}");
        }
        for code in [400, 409, 413, 422] {
            assert!(matches!(f(code), Err(Failure::Rejected(_))), "{code}");
        }
        assert!(matches!(
            f(405),
            Err(Failure::Transient {
                ambiguous: true,
                ..
            })
        ));
        let with_body = classify_status(
            "GET /x".into(),
            StatusCode::METHOD_NOT_ALLOWED,
            None,
            b"{}".to_vec(),
        );
        assert!(matches!(with_body, Err(Failure::Rejected(_))));
    }

    #[test]
    fn errors_quote_the_body() {
        let err = classify_status(
            "PATCH /api".into(),
            StatusCode::NOT_FOUND,
            None,
            br#"{"detail":"No Run matches the given query."}"#.to_vec(),
        )
        .unwrap_err();
        let text = err.error().to_string();
        assert!(
            text.contains("HTTP 404") && text.contains("No Run matches"),
            "{text}"
        );
        assert_eq!(excerpt(b"  "), "(empty body)");
        assert_eq!(
            excerpt("é".repeat(400).as_bytes()).chars().count(),
            BODY_EXCERPT + 3
        );
    }

    #[test]
    fn retry_after_in_seconds() {
        let mut h = HeaderMap::new();
        h.insert(reqwest::header::RETRY_AFTER, HeaderValue::from_static("2"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        h.insert(
            reqwest::header::RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), None);
        for (value, want) in [
            ("0.5", Some(Duration::from_millis(500))),
            ("99999", Some(Duration::from_secs(3600))),
            ("-1", None),
            ("NaN", None),
            ("inf", None),
            ("1e300", None),
        ] {
            h.insert(
                reqwest::header::RETRY_AFTER,
                HeaderValue::from_static(value),
            );
            assert_eq!(retry_after(&h), want, "{value}");
        }
    }
}

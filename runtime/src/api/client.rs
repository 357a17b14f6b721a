//! The HTTP client: `reqwest` on a single-threaded tokio runtime that belongs to the thread
//! that built it (the API thread, or a push's own thread), never to the user's thread.

use super::answer::{self, Expect, Mismatch};
use crate::config::ApiConfig;
use crate::error::Error;
use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// The `User-Agent` of every request.
pub(crate) const USER_AGENT: &str = concat!("polytrack/", env!("CARGO_PKG_VERSION"));
/// The timeout of uploads (Polyaxon's client uses an hour too).
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(3600);
/// The longest a connection attempt may take, within the request timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How much of a response body an error message quotes.
const BODY_EXCERPT: usize = 300;
/// The most of an answer's body that is read (decoded); the rest is dropped. Polyaxon's
/// answers are a few KiB: this only bounds the memory a broken server or proxy can take.
const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

/// A request body. Its buffers are shared, so sending it again (a retry) copies nothing.
pub(crate) enum Body {
    /// No body (GET).
    Empty,
    /// A JSON document.
    Json(Bytes),
    /// A `multipart/form-data` document with its content type.
    Multipart {
        /// `multipart/form-data; boundary=...`.
        content_type: String,
        /// The encoded document, in pieces sent one after the other (the headers of the file
        /// part, the file, the rest), so that the file is never copied into a new buffer.
        parts: Vec<Bytes>,
    },
}

/// A body made of shared buffers, sent with its exact length (`Content-Length`).
struct Pieces {
    pieces: VecDeque<Bytes>,
    remaining: u64,
}

impl Pieces {
    fn new(pieces: &[Bytes]) -> Self {
        Pieces {
            remaining: pieces.iter().map(|p| p.len() as u64).sum(),
            pieces: pieces.iter().filter(|p| !p.is_empty()).cloned().collect(),
        }
    }
}

impl http_body::Body for Pieces {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        let next = this.pieces.pop_front().map(|piece| {
            this.remaining = this.remaining.saturating_sub(piece.len() as u64);
            Ok(http_body::Frame::data(piece))
        });
        Poll::Ready(next)
    }

    fn is_end_stream(&self) -> bool {
        self.pieces.is_empty()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.remaining)
    }
}

/// One request: a method, a path below the host, a body, and what a 2xx answer must hold.
pub(crate) struct Request {
    pub method: Method,
    pub path: String,
    pub body: Body,
    pub expect: Expect,
}

impl Request {
    /// A `GET` whose answer must be `expect`.
    pub(crate) fn get(path: String, expect: Expect) -> Self {
        Request {
            method: Method::GET,
            path,
            body: Body::Empty,
            expect,
        }
    }

    pub(crate) fn json<T: serde::Serialize + ?Sized>(
        method: Method,
        path: String,
        body: &T,
        expect: Expect,
    ) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(body).map_err(|e| Error::Serialize(e.to_string()))?;
        Ok(Request {
            method,
            path,
            body: Body::Json(Bytes::from(bytes)),
            expect,
        })
    }
}

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

/// The Polyaxon API client of one thread.
pub(crate) struct Client {
    rt: tokio::runtime::Runtime,
    http: reqwest::Client,
    host: String,
}

impl Client {
    /// Builds the client: headers, TLS, timeouts, gzip. Only local work: no request is sent.
    pub(crate) fn new(cfg: &ApiConfig) -> Result<Client, Error> {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(token) = &cfg.token {
            let mut value =
                HeaderValue::from_str(&format!("{} {}", cfg.authentication_type, token.expose()))
                    .map_err(|_| {
                    Error::config(
                        "POLYAXON_AUTH_TOKEN",
                        "***",
                        "a token and POLYAXON_AUTHENTICATION_TYPE of visible ASCII characters",
                    )
                })?;
            // Hidden from reqwest's and http's Debug output.
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        if let Some((name, value)) = &cfg.service_header {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Error::config("POLYAXON_HEADER", name, "an HTTP header name"))?;
            let value = HeaderValue::from_str(value).map_err(|_| {
                Error::config("POLYAXON_HEADER_SERVICE", value, "an HTTP header value")
            })?;
            headers.insert(name, value);
        }
        let mut builder = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(USER_AGENT)
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout.min(CONNECT_TIMEOUT))
            // No redirect is followed: reqwest's default policy would follow one from https
            // to http on the same host and port with the token, and the run's data anywhere.
            .redirect(reqwest::redirect::Policy::none())
            .gzip(true);
        if cfg.host.starts_with("https://") {
            // Never plain HTTP for a host configured as https, whatever happens.
            builder = builder.https_only(true);
        }
        if !cfg.verify_ssl {
            log::warn!(
                "TLS certificates of {} are NOT verified (POLYAXON_VERIFY_SSL=false): \
                 anyone on the network path can read the token and the run's data",
                display_host(&cfg.host)
            );
            builder = builder.danger_accept_invalid_certs(true);
        }
        if let Some(path) = &cfg.ca_cert {
            let pem = std::fs::read(path).map_err(|e| {
                Error::io(
                    format!("cannot read POLYAXON_SSL_CA_CERT {}", path.display()),
                    e,
                )
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|_| {
                Error::config(
                    "POLYAXON_SSL_CA_CERT",
                    &path.display().to_string(),
                    "a PEM file of CA certificates",
                )
            })?;
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let http = builder.build().map_err(|e| Error::Unreachable {
            request: format!("building the HTTP client for {}", display_host(&cfg.host)),
            reason: error_chain(&e),
        })?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::io("cannot start the HTTP client's runtime", e))?;
        Ok(Client {
            rt,
            http,
            host: cfg.host.clone(),
        })
    }

    /// The host, without any credentials in it, for messages.
    pub(crate) fn host(&self) -> String {
        display_host(&self.host)
    }

    /// Sends one request and returns the body of a 2xx answer. `deadline` bounds the whole
    /// exchange (used while the run ends); the request timeout always applies.
    pub(crate) fn send(
        &self,
        req: &Request,
        deadline: Option<Instant>,
    ) -> Result<Vec<u8>, Failure> {
        let url = format!("{}{}", self.host, req.path);
        let mut builder = self.http.request(req.method.clone(), url);
        builder = match &req.body {
            Body::Empty => builder,
            Body::Json(bytes) => builder
                .header(CONTENT_TYPE, "application/json")
                .body(bytes.clone()),
            Body::Multipart {
                content_type,
                parts,
            } => builder
                .header(CONTENT_TYPE, content_type.as_str())
                .timeout(UPLOAD_TIMEOUT)
                .body(reqwest::Body::wrap(Pieces::new(parts))),
        };
        let exchange = async move {
            let mut response = builder.send().await?;
            let status = response.status();
            let retry_after = retry_after(response.headers());
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .map(str::to_owned);
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await? {
                let room = MAX_ANSWER_BYTES.saturating_sub(body.len());
                body.extend_from_slice(chunk.get(..room).unwrap_or(&chunk));
                if body.len() >= MAX_ANSWER_BYTES {
                    break;
                }
            }
            Ok::<_, reqwest::Error>((status, retry_after, location, body))
        };
        let outcome = match deadline {
            None => self.rt.block_on(exchange),
            Some(deadline) => {
                let deadline = tokio::time::Instant::from_std(deadline);
                match self
                    .rt
                    .block_on(async { tokio::time::timeout_at(deadline, exchange).await })
                {
                    Ok(outcome) => outcome,
                    Err(_) => {
                        return Err(Failure::Transient {
                            error: Error::Unreachable {
                                request: self.label(req),
                                reason: "no answer before the run's end deadline".to_owned(),
                            },
                            retry_after: None,
                            ambiguous: false,
                        })
                    }
                }
            }
        };
        match outcome {
            Ok((status, retry_after, location, body)) => {
                if status.is_redirection() {
                    return Err(Failure::Blocked(answer::redirect_error(
                        self.label(req),
                        status.as_u16(),
                        location.as_deref(),
                    )));
                }
                let body = classify_status(self.label(req), status, retry_after, body)?;
                match answer::check(&req.expect, &body) {
                    Ok(()) => Ok(body),
                    Err(mismatch) => {
                        let other_run = matches!(mismatch, Mismatch::OtherRun(_));
                        let error = mismatch.into_error(self.label(req), status.as_u16(), &body);
                        Err(if other_run {
                            Failure::Blocked(error)
                        } else {
                            // A proxy or a server that is starting may answer for it: the
                            // update stays in the spool and is tried again.
                            Failure::Transient {
                                error,
                                retry_after,
                                ambiguous: false,
                            }
                        })
                    }
                }
            }
            Err(e) => Err(classify_error(self.label(req), &e)),
        }
    }

    fn label(&self, req: &Request) -> String {
        format!("{} {}{}", req.method, display_host(&self.host), req.path)
    }
}

fn classify_status(
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

fn classify_error(request: String, e: &reqwest::Error) -> Failure {
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
fn error_chain(e: &reqwest::Error) -> String {
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
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
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

/// The host without user or password, should the URL carry any.
pub(crate) fn display_host(host: &str) -> String {
    match reqwest::Url::parse(host) {
        Ok(mut url) if !url.username().is_empty() || url.password().is_some() => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.as_str().trim_end_matches('/').to_owned()
        }
        _ => host.to_owned(),
    }
}

/// Percent-encodes a path segment (Polyaxon's client quotes with no safe characters).
pub(crate) fn quote(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn hosts_lose_credentials() {
        assert_eq!(
            display_host("http://u:p@example.com:8000"),
            "http://example.com:8000"
        );
        assert_eq!(
            display_host("http://localhost:8000"),
            "http://localhost:8000"
        );
        assert_eq!(quote("a b/c"), "a%20b%2Fc");
        assert_eq!(quote("polyaxon"), "polyaxon");
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

    #[test]
    fn pieces_are_sent_with_their_length() {
        use http_body::Body as _;
        let parts = [
            Bytes::from_static(b"head"),
            Bytes::new(),
            Bytes::from_static(b"file"),
        ];
        let mut body = Pieces::new(&parts);
        assert_eq!(body.size_hint().exact(), Some(8));
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut sent = Vec::new();
        while let Poll::Ready(Some(Ok(frame))) = Pin::new(&mut body).poll_frame(&mut cx) {
            sent.extend_from_slice(&frame.into_data().unwrap_or_default());
        }
        assert_eq!(sent, b"headfile");
        assert!(body.is_end_stream());
        assert_eq!(body.size_hint().exact(), Some(0));
    }
}

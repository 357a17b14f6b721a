//! The HTTP client: `reqwest` on a single-threaded tokio runtime that belongs to the thread
//! that built it (the API thread, or a push's own thread), never to the user's thread.

use super::answer::{self, Mismatch};
use super::failure::{classify_error, classify_status, error_chain, retry_after, Failure};
use super::request::{Body, Pieces, Request};
use crate::config::ApiConfig;
use crate::error::Error;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use std::time::{Duration, Instant};

/// The `User-Agent` of every request.
pub(crate) const USER_AGENT: &str = concat!("polytrack/", env!("CARGO_PKG_VERSION"));
/// The timeout of uploads (Polyaxon's client uses an hour too).
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(3600);
/// The longest a connection attempt may take, within the request timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The most of an answer's body that is read (decoded); the rest is dropped. Polyaxon's
/// answers are a few KiB: this only bounds the memory a broken server or proxy can take.
const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

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

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}

//! Requests as the API thread builds them: a method, a path, a body of shared buffers (sent
//! again on a retry without a copy), and what the answer must hold.

use super::answer::Expect;
use crate::error::Error;
use bytes::Bytes;
use reqwest::Method;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

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
pub(super) struct Pieces {
    pieces: VecDeque<Bytes>,
    remaining: u64,
}

impl Pieces {
    pub(super) fn new(pieces: &[Bytes]) -> Self {
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
    fn path_segments_are_quoted() {
        assert_eq!(quote("a b/c"), "a%20b%2Fc");
        assert_eq!(quote("polyaxon"), "polyaxon");
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

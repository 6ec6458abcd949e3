//! # support-http
//!
//! The one way the platform and its SDK send HTTP requests: a [`Transport`] trait, with
//! adapters for `reqwest` (feature `reqwest`, native) and the Workers `fetch` API
//! (feature `worker`). Every request carries its own timeout. Tests plug in anything
//! that implements the trait.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::time::Duration;

#[cfg(feature = "reqwest")]
mod reqwest_transport;
#[cfg(feature = "worker")]
mod worker_transport;

#[cfg(feature = "reqwest")]
pub use reqwest_transport::ReqwestTransport;
#[cfg(feature = "worker")]
pub use worker_transport::FetchTransport;

/// `Send + Sync` natively (so futures can run on multi-threaded servers), nothing on
/// wasm32 (Workers run one request per isolate thread and their bindings are not `Send`).
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSendSync: Send + Sync {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + Sync + ?Sized> MaybeSendSync for T {}
/// `Send + Sync` natively (so futures can run on multi-threaded servers), nothing on
/// wasm32 (Workers run one request per isolate thread and their bindings are not `Send`).
#[cfg(target_arch = "wasm32")]
pub trait MaybeSendSync {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSendSync for T {}

/// One outgoing request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// `POST`, `GET`, `PUT`...
    pub method: String,
    /// Full URL.
    pub url: String,
    /// Headers to send.
    pub headers: Vec<(String, String)>,
    /// Raw body (empty for none).
    pub body: Vec<u8>,
    /// Give up after this long.
    pub timeout: Duration,
}

impl HttpRequest {
    /// A POST of `body` with a JSON content type.
    pub fn post_json(url: impl Into<String>, body: Vec<u8>, timeout: Duration) -> Self {
        Self {
            method: "POST".into(),
            url: url.into(),
            headers: vec![("Content-Type".into(), "application/json".into())],
            body,
            timeout,
        }
    }

    /// Add a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// What came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Response headers, names lowercased.
    pub headers: Vec<(String, String)>,
    /// Raw body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// First header with this (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Why a request got no response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// The timeout elapsed.
    Timeout,
    /// Anything else, described.
    Other(String),
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransportError::Timeout => f.write_str("timed out"),
            TransportError::Other(detail) => f.write_str(detail),
        }
    }
}

impl std::error::Error for TransportError {}

/// Sends HTTP requests.
#[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
#[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
pub trait Transport: MaybeSendSync {
    /// Send the request and return the response, whatever its status.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError>;
}

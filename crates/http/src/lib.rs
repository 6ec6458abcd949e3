//! # support-http
//!
//! The one way the platform and its SDK send HTTP requests: a [`Transport`] trait, with
//! adapters for `reqwest` (feature `reqwest`, native) and the Workers `fetch` API
//! (feature `worker`, wasm32). Every request carries its own timeout. Tests plug in
//! anything that implements the trait.
//!
//! Also the small HTTP pieces every server side here shares: the one response type
//! [`HttpResponse`], request bodies read under a running cap ([`CappedBody`],
//! [`check_content_length`], and on Workers `read_request_body`), [`bearer_token`] and
//! [`encode_path_segment`].
//!
//! The `worker` feature only adds code on `wasm32`: natively it compiles to nothing, so
//! `cargo test --all-features` works on the host.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::time::Duration;

use serde::Serialize;

mod api_base;
mod auth;
mod body;
mod path;
#[cfg(feature = "reqwest")]
mod reqwest_transport;
mod secret;
#[cfg(all(feature = "worker", target_arch = "wasm32"))]
mod worker_body;
#[cfg(all(feature = "worker", target_arch = "wasm32"))]
mod worker_transport;

pub use api_base::{ApiBase, Credential};
pub use auth::bearer_token;
pub use body::{check_content_length, BodyError, CappedBody};
pub use path::encode_path_segment;
#[cfg(feature = "reqwest")]
pub use reqwest_transport::ReqwestTransport;
pub use secret::Secret;
#[cfg(all(feature = "worker", target_arch = "wasm32"))]
pub use worker_body::read_request_body;
#[cfg(all(feature = "worker", target_arch = "wasm32"))]
pub use worker_transport::FetchTransport;

/// The JSON media type, as sent in `Content-Type`.
pub const JSON_CONTENT_TYPE: &str = "application/json";

/// `Send` natively (so futures can run on multi-threaded servers), nothing on wasm32
/// (Workers futures are `!Send`).
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSend: Send {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + ?Sized> MaybeSend for T {}
/// `Send` natively (so futures can run on multi-threaded servers), nothing on wasm32
/// (Workers futures are `!Send`).
#[cfg(target_arch = "wasm32")]
pub trait MaybeSend {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSend for T {}

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

/// An HTTP response: what a [`Transport`] got back, and what the framework-neutral
/// handlers here (the Inngest serve handler, the SDK handler) answer.
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
    /// A response with this status, no headers and no body.
    pub fn new(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A JSON response: `value` serialised (`null` if it cannot be) with
    /// `content-type: application/json`.
    pub fn json(status: u16, value: &impl Serialize) -> Self {
        Self {
            status,
            headers: vec![("content-type".to_owned(), JSON_CONTENT_TYPE.to_owned())],
            body: serde_json::to_vec(value).unwrap_or_else(|_| b"null".to_vec()),
        }
    }

    /// Add a header; the name is lowercased.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers
            .push((name.into().to_ascii_lowercase(), value.into()));
        self
    }

    /// The body parsed as JSON (`Null` when it is not JSON; handy in tests and logs).
    pub fn json_body(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

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

/// A shared transport is a transport (clients hold `Arc<dyn Transport>`).
#[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
#[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
impl<T: Transport + ?Sized> Transport for std::sync::Arc<T> {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        (**self).send(request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_responses_carry_a_lowercase_json_content_type() {
        let response = HttpResponse::json(413, &serde_json::json!({"error": "too large"}));
        assert_eq!(response.status, 413);
        assert_eq!(
            response.headers,
            [("content-type".to_owned(), "application/json".to_owned())]
        );
        assert_eq!(response.header("Content-Type"), Some(JSON_CONTENT_TYPE));
        assert_eq!(response.body, br#"{"error":"too large"}"#);
        assert_eq!(
            response.json_body(),
            serde_json::json!({"error": "too large"})
        );
        assert!(!response.is_success());
    }

    #[test]
    fn headers_are_added_lowercase_and_read_in_any_case() {
        let response = HttpResponse::new(204).with_header("X-Inngest-SDK", "x:v1");
        assert_eq!(
            response.headers,
            [("x-inngest-sdk".to_owned(), "x:v1".to_owned())]
        );
        assert_eq!(response.header("X-INNGEST-SDK"), Some("x:v1"));
        assert_eq!(response.header("missing"), None);
        assert_eq!(response.json_body(), serde_json::Value::Null);
        assert!(response.is_success());
    }
}

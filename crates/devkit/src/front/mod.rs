//! Front Core API stand-in, served under `/front` (so the API root is
//! `http://127.0.0.1:8288/front`, where Front's is `https://api2.frontapp.com`).
//!
//! An in-memory company (inboxes, channels bound to inboxes, teammates, contacts, tags,
//! conversations, messages, comments, drafts) seeded from a JSON file
//! (`fixtures/devkit-front.json`), with Front's ids (`cnv_`, `msg_`, `com_`, `tag_`,
//! `cha_`, `inb_`, `tea_`, `crd_`), paths, bodies and status codes: resources carry
//! `_links.self`, lists are `{_results, _pagination: {next}, _links}`, errors are
//! `{"_error": {"status", "title", "message"}}` (404 unknown ids, 400 bad bodies, 401
//! without or with a wrong bearer token when a token is configured, any token otherwise).
//!
//! `POST /channels/{id}/incoming_messages` stores the message like Front's "receive
//! custom messages" (a new conversation, or the one an earlier `metadata.thread_ref`
//! started), answers `202 {status: "accepted", message_uid}` and then, in the
//! background, sends an `inbound_received` application webhook signed as Front signs
//! them, retrying a failed delivery a few times.
//!
//! Control API under `/_devkit/front/`: `GET state`, `POST reset` (back to the seed),
//! `POST failures` (`{method?, path_prefix?, status, retry_after?, times}`),
//! `DELETE failures`, `GET webhooks` (deliveries and their attempts), `GET requests`
//! (every API request: method, path, time, status).

mod api;
mod channel;
mod control;
mod render;
mod store;
mod writes;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::json;

pub use store::Seed;

use store::{Ids, Store};

/// Most API requests kept for `GET /_devkit/front/requests` (oldest dropped first).
const MAX_RECORDED_REQUESTS: usize = 10_000;

/// How the stand-in is set up.
#[derive(Clone)]
pub struct FrontConfig {
    /// The bearer token the API takes; any token (or none) when `None`.
    pub api_token: Option<String>,
    /// Where application webhooks go (e.g. `http://127.0.0.1:8787/webhooks/front`); none
    /// are sent when `None`.
    pub webhook_url: Option<String>,
    /// The app's signing secret for `X-Front-Signature`; deliveries go unsigned without.
    pub webhook_secret: Option<String>,
    /// The company it starts and resets to.
    pub seed: Seed,
    /// Attempts per webhook delivery.
    pub webhook_attempts: u32,
    /// Wait before the first retry; doubles after each.
    pub webhook_backoff: Duration,
}

impl Default for FrontConfig {
    fn default() -> Self {
        Self {
            api_token: None,
            webhook_url: None,
            webhook_secret: None,
            seed: Seed::default(),
            webhook_attempts: 4,
            webhook_backoff: Duration::from_millis(250),
        }
    }
}

impl std::fmt::Debug for FrontConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Whether the secrets are set, never their values.
        f.debug_struct("FrontConfig")
            .field("api_token", &self.api_token.as_ref().map(|_| "<redacted>"))
            .field("webhook_url", &self.webhook_url)
            .field(
                "webhook_secret",
                &self.webhook_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("webhook_attempts", &self.webhook_attempts)
            .field("webhook_backoff", &self.webhook_backoff)
            .finish_non_exhaustive()
    }
}

impl From<&crate::Config> for FrontConfig {
    fn from(config: &crate::Config) -> Self {
        Self {
            api_token: config.front_api_token.clone(),
            webhook_url: config.front_webhook_url.clone(),
            webhook_secret: config.front_webhook_secret.clone(),
            seed: config.front_seed.clone(),
            ..Self::default()
        }
    }
}

/// The stand-in's state; cheap to clone.
#[derive(Clone)]
pub struct FrontStandIn {
    config: Arc<FrontConfig>,
    inner: Arc<Mutex<Inner>>,
    http: reqwest::Client,
}

struct Inner {
    store: Store,
    ids: Ids,
    requests: Vec<control::RequestRecord>,
    request_seq: u64,
    webhooks: Vec<channel::Delivery>,
    failures: Vec<control::Failure>,
}

impl FrontStandIn {
    /// A stand-in holding `config.seed`.
    pub fn new(config: FrontConfig) -> Self {
        let inner = Inner {
            store: Store::new(&config.seed),
            ids: Ids::new(now_ms()),
            requests: Vec::new(),
            request_seq: 0,
            webhooks: Vec::new(),
            failures: Vec::new(),
        };
        Self {
            config: Arc::new(config),
            inner: Arc::new(Mutex::new(inner)),
            http: reqwest::Client::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panicked handler leaves data a test can still inspect.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The API under `/front` and the control API under `/_devkit/front`.
pub fn router(front: FrontStandIn) -> Router {
    let api = api::routes()
        .fallback(|| async { ApiError::not_found("Unknown route") })
        .layer(axum::middleware::from_fn_with_state(front.clone(), gate))
        .with_state(front.clone());
    Router::new()
        .nest("/front", api)
        .merge(control::routes().with_state(front))
}

/// Every API request: recorded, then authenticated, then failed on purpose when a
/// failure was injected for it.
async fn gate(State(front): State<FrontStandIn>, request: Request, next: Next) -> Response {
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let seq = front.record_request(&method, &path, request.uri().query());
    let response = match front.refusal(&method, &path, request.headers()) {
        Some(refusal) => refusal,
        None => next.run(request).await,
    };
    front.record_status(seq, response.status().as_u16());
    response
}

impl FrontStandIn {
    fn refusal(&self, method: &str, path: &str, headers: &HeaderMap) -> Option<Response> {
        if let Some(expected) = &self.config.api_token {
            let given = headers
                .get(axum::http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(support_http::bearer_token);
            match given {
                None => {
                    return Some(ApiError::unauthorized("Missing bearer token").into_response())
                }
                Some(token) if token != expected => {
                    return Some(ApiError::unauthorized("Invalid token").into_response())
                }
                Some(_) => {}
            }
        }
        let failure = self.take_failure(method, path)?;
        let status =
            StatusCode::from_u16(failure.status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        let mut response = ApiError::new(status, "Injected failure").into_response();
        if let Some(secs) = failure.retry_after {
            response
                .headers_mut()
                .insert("retry-after", HeaderValue::from(secs));
        }
        Some(response)
    }
}

/// An answer in Front's error shape.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let title = self.status.canonical_reason().unwrap_or("Error");
        let body = json!({"_error": {"status": self.status.as_u16(), "title": title, "message": self.message}});
        (self.status, Json(body)).into_response()
    }
}

type ApiResult = Result<Response, ApiError>;

/// A JSON request body, or Front's 400.
fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("Body did not satisfy requirements: {e}")))
}

/// The API root the request came to, for `_links` (`http://host:port/front`).
fn base(headers: &HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && !h.contains(['/', '\\', '@', ' ']))
        .unwrap_or("127.0.0.1");
    format!("http://{host}/front")
}

fn ok(status: StatusCode, body: &impl Serialize) -> ApiResult {
    Ok((status, Json(body)).into_response())
}

fn now_ms() -> i64 {
    crate::executor::now_ms()
}

fn now_secs() -> f64 {
    now_ms() as f64 / 1000.0
}

//! Anthropic Messages API stand-in, under `/anthropic` (`POST /anthropic/v1/messages`).
//!
//! Checks what Anthropic checks, in its order: the key, from `x-api-key` or `Authorization:
//! Bearer` (401 `authentication_error`;
//! it must equal the configured key when there is one), `anthropic-version` (400), then
//! the body (400 `invalid_request_error`: `model`, `max_tokens`, non-empty `messages`
//! alternating from `user`, every `tool_result` answering a `tool_use` of the turn before
//! and every `tool_use` answered in the turn after, tools and `tool_choice`). Bodies over
//! 32 MB get 413 `request_too_large`. Every answer has a `request-id` header; errors are
//! `{"type": "error", "error": {"type", "message"}, "request_id"}`. Messages have Anthropic's
//! shape (`msg_...`, `toolu_...`, `type: "message"`, `usage` with all four counters), and a
//! prompt prefix ending in `cache_control` is read from the cache when repeated within its
//! lifetime (five minutes, or an hour with `ttl: "1h"`).
//!
//! What it answers: the next scripted response when one applies, else the default
//! deterministic agent (see `agent.rs`).
//!
//! Control API:
//! - `POST /_devkit/anthropic/script`: `{"responses": [...], "model"?: "...", "match"?: "...",
//!   "conversation"?: "..."}` queues answers FIFO, for every request or only for one model,
//!   requests whose last user message contains `match`, and/or requests whose first user
//!   message contains `conversation` (any case: a whole agent run, turn after turn); the
//!   most specific queue answers first.
//!   Each response is one of `{"text": "..."}`, `{"tool_use": {"name", "input"}}` (or a
//!   list), `{"content": [blocks as sent]}` (each may add `"stop_reason"`),
//!   `{"error": {"status": 529, "type"?: "overloaded_error", "message"?, "retry_after"?}}`,
//!   or raw `{"status"?, "headers"?, "body"?}`. `GET` shows what is still queued.
//! - `GET /_devkit/anthropic/requests`: every request received, oldest first, with its
//!   body, the status answered and the answer's body.
//! - `POST /_devkit/anthropic/fail`: `{"status": 529, "count": 2, "delay_ms": 0,
//!   "retry_after": 1, "matching": "<text>"}`: the next `count` requests (only those whose
//!   body contains `matching`, when given) fail with Anthropic's error body for `status`, or
//!   are only delayed when `status` is 200; `"count": null` fails until
//!   `POST /_devkit/anthropic/recover`.
//! - `POST /_devkit/anthropic/reset`: forget scripts, requests, failures and the cache.

mod agent;
mod keywords;
mod script;
mod validate;
mod wire;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use wire::{PromptCache, Reply};

/// Anthropic's request size limit.
pub const MAX_REQUEST_BYTES: usize = 32 * 1024 * 1024;
/// Requests kept for `GET /_devkit/anthropic/requests` (the oldest go first).
const KEPT_REQUESTS: usize = 1000;

/// One request as received, and what it got.
#[derive(Debug, Clone, Serialize)]
pub struct ReceivedRequest {
    /// The `request-id` answered.
    pub request_id: String,
    /// Milliseconds since the epoch at receipt.
    pub received_at: u64,
    /// The `anthropic-version` header.
    pub anthropic_version: Option<String>,
    /// The body as JSON (a string when it was not JSON).
    pub body: Value,
    /// The status answered.
    pub status: u16,
    /// `script`, `default`, `failure` or `invalid`.
    pub answered_by: &'static str,
    /// The body answered.
    pub response: Value,
}

#[derive(Debug, Clone, Deserialize)]
struct FailurePlan {
    #[serde(default = "default_fail_status")]
    status: u16,
    /// How many requests to fail; `None` = until recovered.
    count: Option<u64>,
    #[serde(default)]
    delay_ms: u64,
    #[serde(default)]
    retry_after: Option<f64>,
    #[serde(default)]
    matching: Option<String>,
}

fn default_fail_status() -> u16 {
    529
}

#[derive(Default)]
struct Inner {
    queues: Vec<script::Queue>,
    requests: Vec<ReceivedRequest>,
    cache: PromptCache,
    ids: wire::Ids,
    failure: Option<FailurePlan>,
}

/// The stand-in's state.
#[derive(Clone)]
pub struct Anthropic {
    api_key: Option<Arc<str>>,
    inner: Arc<Mutex<Inner>>,
}

impl Anthropic {
    /// A stand-in requiring `api_key` (any non-empty key when `None`).
    pub fn new(api_key: Option<String>) -> Self {
        Anthropic {
            api_key: api_key.filter(|k| !k.is_empty()).map(Arc::from),
            inner: Arc::default(),
        }
    }

    /// Requests received so far, oldest first.
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        self.lock().requests.clone()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere must not take the stand-in down with it.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Routes of the Messages API and its control API.
pub fn router(state: Anthropic) -> Router {
    Router::new()
        .route("/anthropic/v1/messages", post(messages))
        .route("/_devkit/anthropic/script", post(add_script).get(pending))
        .route("/_devkit/anthropic/requests", get(requests))
        .route("/_devkit/anthropic/fail", post(fail))
        .route("/_devkit/anthropic/recover", post(recover))
        .route("/_devkit/anthropic/reset", post(reset))
        .with_state(state)
}

/// Takes the next injected failure, if one applies to this body.
fn take_failure(inner: &mut Inner, body: &[u8]) -> Option<FailurePlan> {
    let plan = inner.failure.clone()?;
    if let Some(needle) = plan.matching.as_deref() {
        if !body
            .windows(needle.len().max(1))
            .any(|w| w == needle.as_bytes())
        {
            return None;
        }
    }
    match plan.count {
        Some(0) => {
            inner.failure = None;
            None
        }
        Some(n) => {
            inner.failure = Some(FailurePlan {
                count: Some(n - 1),
                ..plan.clone()
            });
            Some(plan)
        }
        None => Some(plan),
    }
}

async fn messages(State(api): State<Anthropic>, headers: HeaderMap, body: Body) -> Response {
    let request_id = api.lock().ids.request();
    let version = headers
        .get("anthropic-version")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let record = |body: Value, status: u16, answered_by: &'static str, response: Value| {
        let mut inner = api.lock();
        if inner.requests.len() >= KEPT_REQUESTS {
            inner.requests.remove(0);
        }
        inner.requests.push(ReceivedRequest {
            request_id: request_id.clone(),
            received_at: crate::executor::now_ms().max(0) as u64,
            anthropic_version: version.clone(),
            body,
            status,
            answered_by,
            response,
        });
    };
    let error = |status: u16, kind: &str, message: &str, retry_after: Option<f64>| {
        wire::error_response(status, kind, message, &request_id, retry_after)
    };

    let Ok(bytes) = axum::body::to_bytes(body, MAX_REQUEST_BYTES).await else {
        let (response, answer) = error(
            413,
            "request_too_large",
            "Request exceeds the maximum allowed number of bytes.",
            None,
        );
        record(Value::Null, 413, "invalid", answer);
        return response;
    };
    let parsed = serde_json::from_slice::<Value>(&bytes);
    let logged = match &parsed {
        Ok(value) => value.clone(),
        Err(_) => Value::String(String::from_utf8_lossy(&bytes).into_owned()),
    };

    // Injected failures first: they model Anthropic being down, slow or rate limiting.
    let plan = take_failure(&mut api.lock(), &bytes);
    if let Some(plan) = plan {
        if plan.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(plan.delay_ms)).await;
        }
        if plan.status != 200 {
            let kind = wire::kind_for_status(plan.status);
            let (response, answer) = error(plan.status, kind, "injected failure", plan.retry_after);
            record(logged, plan.status, "failure", answer);
            return response;
        }
    }

    let checked =
        validate::headers(&headers, api.api_key.as_deref()).and_then(|()| match &parsed {
            Ok(request) => validate::body(request),
            Err(_) => validate::body(&Value::Null),
        });
    if let Err(invalid) = checked {
        let (response, answer) = error(invalid.status, invalid.kind, &invalid.message, None);
        record(logged, invalid.status, "invalid", answer);
        return response;
    }
    let request = logged.clone();

    let mut inner = api.lock();
    let (reply, answered_by) = match script::next(&mut inner.queues, &request) {
        Some(reply) => (reply, "script"),
        None => (
            Reply::Message {
                content: agent::respond(&request),
                stop_reason: None,
            },
            "default",
        ),
    };
    let (response, status, answer) = match reply {
        Reply::Message {
            content,
            stop_reason,
        } => {
            let Inner { ids, cache, .. } = &mut *inner;
            let body = wire::message_body(&content, stop_reason.as_deref(), &request, ids, cache);
            (wire::message_response(&body, &request_id), 200, body)
        }
        Reply::Error {
            status,
            kind,
            message,
            retry_after,
        } => {
            let (response, body) = error(status, &kind, &message, retry_after);
            (response, status, body)
        }
        Reply::Raw {
            status,
            headers,
            body,
        } => (
            wire::raw_response(status, &headers, body.as_ref(), &request_id),
            status,
            body.unwrap_or(Value::Null),
        ),
    };
    drop(inner);
    record(request, status, answered_by, answer);
    response
}

async fn add_script(State(api): State<Anthropic>, body: axum::body::Bytes) -> Response {
    let queue = serde_json::from_slice::<script::ScriptRequest>(&body)
        .map_err(|e| e.to_string())
        .and_then(script::ScriptRequest::into_queue);
    match queue {
        Ok(queue) => {
            let queued = queue.len();
            api.lock().queues.push(queue);
            Json(json!({"queued": queued})).into_response()
        }
        Err(error) => (StatusCode::BAD_REQUEST, Json(json!({"error": error}))).into_response(),
    }
}

async fn pending(State(api): State<Anthropic>) -> Json<Value> {
    Json(json!({"queues": api.lock().queues}))
}

async fn requests(State(api): State<Anthropic>) -> Json<Vec<ReceivedRequest>> {
    Json(api.requests())
}

async fn fail(State(api): State<Anthropic>, Json(plan): Json<FailurePlan>) -> StatusCode {
    api.lock().failure = Some(plan);
    StatusCode::NO_CONTENT
}

async fn recover(State(api): State<Anthropic>) -> StatusCode {
    api.lock().failure = None;
    StatusCode::NO_CONTENT
}

async fn reset(State(api): State<Anthropic>) -> StatusCode {
    let mut inner = api.lock();
    inner.queues.clear();
    inner.requests.clear();
    inner.cache.clear();
    inner.failure = None;
    StatusCode::NO_CONTENT
}

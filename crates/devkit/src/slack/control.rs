//! The control API under `/_devkit/slack/`: what arrived, the workspace, reset, and
//! injected failures.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::store::Store;
use super::{now_secs, Inner, SlackStandIn, MAX_RECORDED};

/// One Web API call as received.
#[derive(Debug, Clone, Serialize)]
pub struct CallRecord {
    /// Order of arrival, from 1.
    pub seq: u64,
    /// The Slack method, e.g. `chat.postMessage`.
    pub method: String,
    /// `GET` or `POST`.
    pub http_method: String,
    /// The arguments (query, form or JSON), without the token.
    pub args: Value,
    /// Whether a token was sent and is the configured one (any token when none is).
    pub token_ok: bool,
    /// Milliseconds since the epoch.
    pub at_ms: i64,
    /// HTTP status answered.
    pub status: Option<u16>,
    /// Whether the answer was `ok: true`.
    pub ok: Option<bool>,
    /// The `error` answered.
    pub error: Option<String>,
}

/// `POST /_devkit/slack/failures`: the next `times` calls (of `method`, or any) answer
/// `status` (with `Retry-After` for 429) or HTTP 200 `{"ok": false, "error"}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Failure {
    /// Only this method, e.g. `chat.postMessage`; any when absent.
    #[serde(default)]
    pub method: Option<String>,
    /// HTTP status to answer (429, 500, 503...).
    #[serde(default)]
    pub status: Option<u16>,
    /// Slack error code to answer, e.g. `channel_not_found`.
    #[serde(default)]
    pub error: Option<String>,
    /// How many calls fail (default 1).
    #[serde(default = "one")]
    pub times: u32,
    /// `Retry-After` seconds (429 sends 1 unless told).
    #[serde(default)]
    pub retry_after: Option<u64>,
}

fn one() -> u32 {
    1
}

impl Inner {
    /// Record a call; returns its `seq` for [`Inner::record_outcome`].
    pub(super) fn record_call(
        &mut self,
        method: &str,
        http_method: &str,
        args: &serde_json::Map<String, Value>,
        token_ok: bool,
    ) -> u64 {
        if self.requests.len() >= MAX_RECORDED {
            self.requests.remove(0);
        }
        self.request_seq += 1;
        let seq = self.request_seq;
        self.requests.push(CallRecord {
            seq,
            method: method.to_owned(),
            http_method: http_method.to_owned(),
            args: Value::Object(args.clone()),
            token_ok,
            at_ms: crate::executor::now_ms(),
            status: None,
            ok: None,
            error: None,
        });
        seq
    }

    pub(super) fn record_outcome(&mut self, seq: u64, status: u16, error: Option<&str>) {
        if let Some(record) = self.requests.iter_mut().rev().find(|r| r.seq == seq) {
            record.status = Some(status);
            record.ok = Some(error.is_none());
            record.error = error.map(str::to_owned);
        }
    }

    /// The first injected failure for `method`, used up by one.
    pub(super) fn take_failure(&mut self, method: &str) -> Option<Failure> {
        let index = self
            .failures
            .iter()
            .position(|f| f.method.as_deref().is_none_or(|m| m == method))?;
        let failure = self.failures[index].clone();
        if failure.times <= 1 {
            self.failures.remove(index);
        } else {
            self.failures[index].times -= 1;
        }
        Some(failure)
    }

    /// Remember a click or submission for `GET state`.
    pub(super) fn record_interaction(&mut self, record: Value) {
        if self.interactions.len() >= MAX_RECORDED {
            self.interactions.remove(0);
        }
        self.interactions.push(record);
    }
}

pub(super) fn routes() -> Router<SlackStandIn> {
    Router::new()
        .route("/_devkit/slack/state", get(state))
        .route(
            "/_devkit/slack/requests",
            get(requests).delete(forget_requests),
        )
        .route("/_devkit/slack/reset", post(reset))
        .route(
            "/_devkit/slack/failures",
            post(add_failure).get(failures).delete(clear_failures),
        )
}

impl SlackStandIn {
    /// Channels (messages with their threads), open and closed views, ephemerals,
    /// clicks and submissions, pending failures.
    pub fn state(&self) -> Value {
        let inner = self.lock();
        let store = &inner.store;
        json!({
            "team": store.seed.team,
            "bot": store.seed.bot,
            "users": store.seed.users,
            "channels": store.channels_state(),
            "views": store.views,
            "ephemerals": store.ephemerals,
            "interactions": inner.interactions,
            "failures": inner.failures,
        })
    }

    /// Every Web API call so far, oldest first.
    pub fn requests(&self) -> Vec<CallRecord> {
        self.lock().requests.clone()
    }
}

async fn state(State(slack): State<SlackStandIn>) -> Json<Value> {
    Json(slack.state())
}

async fn requests(State(slack): State<SlackStandIn>) -> Json<Value> {
    Json(json!(slack.requests()))
}

async fn forget_requests(State(slack): State<SlackStandIn>) -> StatusCode {
    slack.lock().requests.clear();
    StatusCode::NO_CONTENT
}

async fn reset(State(slack): State<SlackStandIn>) -> StatusCode {
    let mut inner = slack.lock();
    // `ts` values and ids keep counting, so nothing after a reset reuses an earlier one.
    inner.store = Store::new(&slack.config.seed, now_secs());
    inner.requests.clear();
    inner.failures.clear();
    inner.interactions.clear();
    StatusCode::NO_CONTENT
}

/// A control API refusal: `{"error": message}` with its status.
#[derive(Debug)]
pub(super) struct ControlError {
    status: StatusCode,
    message: String,
}

impl ControlError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ControlError {
        ControlError {
            status,
            message: message.into(),
        }
    }
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({"error": self.message}))).into_response()
    }
}

/// A JSON control request body, or a 400/415 saying why not. JSON only, so that a
/// cross-site form cannot drive the control API.
pub(super) fn control_body<T: serde::de::DeserializeOwned>(
    headers: &axum::http::HeaderMap,
    body: &Bytes,
) -> Result<T, ControlError> {
    let json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/json"));
    if !json {
        return Err(ControlError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send Content-Type: application/json",
        ));
    }
    serde_json::from_slice(body)
        .map_err(|e| ControlError::new(StatusCode::BAD_REQUEST, format!("bad body: {e}")))
}

async fn add_failure(
    State(slack): State<SlackStandIn>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    let failure: Failure = match control_body(&headers, &body) {
        Ok(failure) => failure,
        Err(error) => return error.into_response(),
    };
    let status_ok = failure.status.is_none_or(|s| (200..=599).contains(&s));
    if (failure.status.is_none() && failure.error.is_none()) || !status_ok || failure.times == 0 {
        return ControlError::new(
            StatusCode::BAD_REQUEST,
            "give a status (200-599) or an error, and times of at least 1",
        )
        .into_response();
    }
    slack.lock().failures.push(failure);
    StatusCode::NO_CONTENT.into_response()
}

async fn failures(State(slack): State<SlackStandIn>) -> Json<Value> {
    Json(json!(slack.lock().failures))
}

async fn clear_failures(State(slack): State<SlackStandIn>) -> StatusCode {
    slack.lock().failures.clear();
    StatusCode::NO_CONTENT
}

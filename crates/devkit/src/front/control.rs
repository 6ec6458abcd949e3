//! The control API under `/_devkit/front/`: what arrived, what was sent, reset, and
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
use super::{now_ms, parse, FrontStandIn, MAX_RECORDED_REQUESTS};

/// One API request as received.
#[derive(Debug, Clone, Serialize)]
pub struct RequestRecord {
    /// Order of arrival, from 1.
    pub seq: u64,
    /// `GET`, `POST`...
    pub method: String,
    /// Below `/front`, e.g. `/conversations/cnv_1`.
    pub path: String,
    /// The raw query string.
    pub query: Option<String>,
    /// Milliseconds since the epoch.
    pub at_ms: i64,
    /// What was answered (`None` while in flight).
    pub status: Option<u16>,
}

/// `POST /_devkit/front/failures`: the next `times` matching requests answer `status`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Failure {
    /// Only this method (any case); any when absent.
    #[serde(default)]
    pub method: Option<String>,
    /// Only paths below `/front` starting with this, e.g. `/conversations`.
    #[serde(default)]
    pub path_prefix: Option<String>,
    /// Status to answer, e.g. 429 or 503.
    pub status: u16,
    /// `Retry-After` seconds to send.
    #[serde(default)]
    pub retry_after: Option<u64>,
    /// How many requests fail.
    #[serde(default = "one")]
    pub times: u32,
}

fn one() -> u32 {
    1
}

impl Failure {
    fn matches(&self, method: &str, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self
                .path_prefix
                .as_deref()
                .is_none_or(|prefix| path.starts_with(prefix))
    }
}

impl FrontStandIn {
    /// Record a request; returns its `seq` for [`FrontStandIn::record_status`].
    pub(super) fn record_request(&self, method: &str, path: &str, query: Option<&str>) -> u64 {
        let mut inner = self.lock();
        if inner.requests.len() >= MAX_RECORDED_REQUESTS {
            inner.requests.remove(0);
        }
        inner.request_seq += 1;
        let seq = inner.request_seq;
        inner.requests.push(RequestRecord {
            seq,
            method: method.to_owned(),
            path: path.to_owned(),
            query: query.map(str::to_owned),
            at_ms: now_ms(),
            status: None,
        });
        seq
    }

    pub(super) fn record_status(&self, seq: u64, status: u16) {
        if let Some(record) = self.lock().requests.iter_mut().rev().find(|r| r.seq == seq) {
            record.status = Some(status);
        }
    }

    /// The first injected failure matching the request, used up by one.
    pub(super) fn take_failure(&self, method: &str, path: &str) -> Option<Failure> {
        let mut inner = self.lock();
        let index = inner
            .failures
            .iter()
            .position(|f| f.matches(method, path))?;
        let failure = inner.failures[index].clone();
        if failure.times <= 1 {
            inner.failures.remove(index);
        } else {
            inner.failures[index].times -= 1;
        }
        Some(failure)
    }
}

pub(super) fn routes() -> Router<FrontStandIn> {
    Router::new()
        .route("/_devkit/front/state", get(state))
        .route("/_devkit/front/reset", post(reset))
        .route(
            "/_devkit/front/failures",
            post(add_failure).delete(clear_failures).get(failures),
        )
        .route("/_devkit/front/webhooks", get(webhooks))
        .route(
            "/_devkit/front/drafts/{id}/send",
            post(super::channel::send_draft),
        )
        .route("/_devkit/front/requests", get(requests))
}

async fn state(State(front): State<FrontStandIn>) -> Json<Value> {
    let inner = front.lock();
    let mut state = serde_json::to_value(&inner.store).unwrap_or(Value::Null);
    state["requests"] = json!(inner.requests);
    state["webhooks"] = json!(inner.webhooks);
    state["failures"] = json!(inner.failures);
    Json(state)
}

async fn reset(State(front): State<FrontStandIn>) -> StatusCode {
    let mut inner = front.lock();
    // Ids keep counting, so nothing created after a reset reuses an earlier id.
    inner.store = Store::new(&front.config.seed);
    inner.requests.clear();
    inner.webhooks.clear();
    inner.failures.clear();
    StatusCode::NO_CONTENT
}

async fn add_failure(State(front): State<FrontStandIn>, body: Bytes) -> Response {
    let failure: Failure = match parse(&body) {
        Ok(failure) => failure,
        Err(e) => return e.into_response(),
    };
    if !(100..=599).contains(&failure.status) || failure.times == 0 {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "status must be 100-599 and times at least 1"})),
        )
            .into_response();
    }
    front.lock().failures.push(failure);
    StatusCode::NO_CONTENT.into_response()
}

async fn clear_failures(State(front): State<FrontStandIn>) -> StatusCode {
    front.lock().failures.clear();
    StatusCode::NO_CONTENT
}

async fn failures(State(front): State<FrontStandIn>) -> Json<Value> {
    Json(json!(front.lock().failures))
}

async fn webhooks(State(front): State<FrontStandIn>) -> Json<Value> {
    Json(json!(front.lock().webhooks))
}

async fn requests(State(front): State<FrontStandIn>) -> Json<Value> {
    Json(json!(front.lock().requests))
}

//! HTTP routes: `/fn/register` (Bearer-authenticated when a signing key is set) and the
//! runs API under `/_devkit/inngest/`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::{header, Executor};

impl Executor {
    /// Routes: `/fn/register` and the runs API.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/fn/register", post(register))
            .route(
                "/v1/checkpoint/{run_id}/async",
                post(super::checkpoint::report),
            )
            .route(
                "/_devkit/inngest/checkpoint-failures",
                post(super::checkpoint::fail_next),
            )
            .route(
                "/_devkit/inngest/checkpointing",
                post(super::checkpoint::set_offered),
            )
            .route(
                "/_devkit/inngest/latency",
                get(super::checkpoint::latency).post(super::checkpoint::set_latency),
            )
            .route("/_devkit/inngest/runs", get(runs))
            .route("/_devkit/inngest/runs/{id}", get(run))
            .route("/_devkit/inngest/functions", get(functions))
            .with_state(self.clone())
    }
}

impl Executor {
    /// Calls to Inngest's API carry the signing key (hashed, or as is) as a Bearer.
    pub(super) fn authorized(&self, headers: &HeaderMap) -> bool {
        let Some(key) = &self.config.signing_key else {
            return true;
        };
        let expected = support_signing::inngest::hashed_signing_key(key).unwrap_or_default();
        // The scheme in any case (RFC 7235), the token exactly.
        let given = header(headers, "authorization")
            .and_then(support_http::bearer_token)
            .unwrap_or_default();
        // An unhashable key gives an empty `expected`: no token must never match it.
        !given.is_empty() && (given == expected || given == key)
    }
}

/// Inngest's answer to a call without the right key.
pub(super) fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({"error": "Unauthorized", "status": 401})),
    )
        .into_response()
}

async fn register(
    State(executor): State<Executor>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if !executor.authorized(&headers) {
        return unauthorized();
    }
    match executor.register(&body) {
        Ok(_) => Json(json!({"ok": true, "modified": true})).into_response(),
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": e, "status": 400})),
        )
            .into_response(),
    }
}

async fn runs(State(executor): State<Executor>) -> Json<Value> {
    Json(serde_json::to_value(&executor.inner.lock().unwrap().runs).unwrap_or(Value::Null))
}

async fn run(State(executor): State<Executor>, Path(id): Path<String>) -> Response {
    let inner = executor.inner.lock().unwrap();
    match inner.runs.iter().find(|r| r.run_id == id) {
        Some(run) => Json(serde_json::to_value(run).unwrap_or(Value::Null)).into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({"error": "no such run"}))).into_response(),
    }
}

async fn functions(State(executor): State<Executor>) -> Json<Value> {
    Json(
        serde_json::to_value(
            executor
                .inner
                .lock()
                .unwrap()
                .functions
                .values()
                .collect::<Vec<_>>(),
        )
        .unwrap_or(Value::Null),
    )
}

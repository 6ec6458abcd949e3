//! Upstash Vector stand-in, served under `/upstash` with Upstash's REST paths below it,
//! so `UPSTASH_VECTOR_REST_URL=http://127.0.0.1:<port>/upstash` works with the
//! `@upstash/vector` client and with curl. One **hybrid** index (dense + sparse) with
//! Upstash-hosted embedding semantics: `data` text is embedded on both sides.
//!
//! Checked against Upstash's docs (`upstash.com/docs/vector/api/get-started`,
//! `.../api/endpoints/{upsert,upsert-data,update,query,query-data,delete,fetch,range,
//! info,reset,list-namespaces,delete-namespace}`, `.../features/{filtering,
//! hybridindexes,sparseindexes,similarityfunctions,namespaces}`) and the client's
//! source (`@upstash/vector` 1.2.3, `src/commands/**`, `src/http`):
//!
//! - Paths `/{command}[/{namespace}]`; the default namespace is `""`, others appear on
//!   first upsert. The JS client POSTs every command with a JSON body (`[]` for `info`,
//!   `reset`, `list-namespaces`, `delete-namespace`); the docs' curl examples use GET
//!   (fetch, range, info), DELETE (delete, reset, delete-namespace) and bodies without
//!   a JSON content type. All of these are accepted; other methods are 405.
//! - Answers are `{"result": …}`; errors `{"error": "…", "status": N}` (the client throws
//!   `UpstashError(error)` on any non-2xx). 401 `Unauthorized: Invalid auth token` for a
//!   missing or unknown bearer token; 422 `Invalid vector dimension: n, expected: 1024`;
//!   404 `Namespace ns for the index … does not exist`; 400 `Only and only one of the
//!   ids, prefix, or filter must be provided.` (delete) and `Only one of ids or prefix
//!   must be provided.` (fetch), as the client's tests show them.
//! - `upsert[-data]`: one object or an array → `"Success"`; for a hybrid index `/upsert`
//!   needs both `vector` and `sparseVector`; `upsert-data` stores `data` and embeds it.
//!   `update`: `{id, vector+sparseVector | data | metadata, metadataUpdateMode}` →
//!   `{"updated": 0|1}` (PATCH is RFC 7396).
//! - `query[-data]`: `topK` (default 10), `includeMetadata|Data|Vectors`, `filter`,
//!   `weightingStrategy` (`IDF`), `fusionAlgorithm` (`RRF` default, `DBSF`), `queryMode`
//!   (`HYBRID` default, `DENSE`, `SPARSE`; data queries). A raw query with only `vector`
//!   or only `sparseVector` searches that side alone. A batch (array) answers a list per
//!   query; a batch of one answers like a single query (as documented). Absent fields
//!   are left out of results, as Upstash does.
//! - `delete`: ids (array, or `{ids}`), `{prefix}` or `{filter}` → `{"deleted": n}`.
//!   `fetch`: ids (in order, `null` when missing) or `{prefix}` (≤ 1000). `range`:
//!   `{cursor, limit, prefix?, include…}` → `{nextCursor, vectors}`, `nextCursor` `""`
//!   at the end. `info`: counts, `indexSize`, `dimension`, `similarityFunction`,
//!   `indexType`, `denseIndex`, `sparseIndex`, `namespaces`. `reset[/ns]` empties one
//!   namespace, `reset?all` all of them. `delete-namespace/{ns}`.
//! - Scores: DENSE `(1 + cos) / 2`; SPARSE the inner product over matching dimensions;
//!   HYBRID fused (see `fusion.rs`). Filters: see `filter.rs`. BM25: see `bm25.rs`.
//!
//! Deliberate differences and guesses (Upstash does not document these):
//! - Dense vectors come from hashed character n-grams, not a trained model: typos and
//!   word forms match, synonyms and paraphrases do not (see `dense.rs`). `info` names
//!   the model [`DENSE_MODEL`]; the dimension is 1024, like BGE-M3.
//! - A read-only token running a write gets [`READONLY_STATUS`] with an `Unauthorized:`
//!   message; Upstash's exact answer is undocumented (its docs list only 400, 401 and
//!   405 as errors besides 422/404 examples).
//! - Injected 429s say `ERR max requests limit exceeded` (Upstash's REST gateway text for
//!   Redis) and carry no rate-limit headers, as none are documented for Vector;
//!   `retry_after` adds a `Retry-After`.
//! - `topK` over 1000 or under 1 is a 400; Upstash's limit text is not documented.
//! - Each side of a hybrid query contributes its best `topK` candidates (after the
//!   filter) to fusion; RRF ranks start at 1. Exact search, no pending vectors (writes
//!   are visible at once, `pendingVectorCount` is 0). Resumable queries are a 400.
//!
//! Control API:
//! - `POST /_devkit/upstash/fail` `{status?: 429, times?: 1, error?, path_prefix?,
//!   retry_after?}`: the next `times` authenticated API calls (with a path starting with
//!   `path_prefix`, e.g. `/query`) fail with that status before anything else happens.
//!   `GET` lists pending plans, `DELETE` drops them.
//! - `GET /_devkit/upstash/state`: each namespace's count and ids.
//! - `GET /_devkit/upstash/requests`: every call (method, path, command, namespace, body,
//!   token kind `readwrite|readonly|missing|invalid`, status, injected); `DELETE` forgets.
//! - `POST /_devkit/upstash/reset`: empty index, no requests, no failure plans.

mod api;
mod bm25;
mod dense;
mod filter;
mod fusion;
mod store;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

pub use api::{FailurePlan, RecordedRequest, TokenKind};

/// Largest body read (Upstash batches are up to 1000 vectors).
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// What a read-only token trying to write gets (see the module docs).
pub const READONLY_STATUS: u16 = 401;

/// The dense model `info` reports.
pub const DENSE_MODEL: &str = "DEVKIT_HASHED_NGRAMS";

/// How the stand-in starts.
#[derive(Clone, Default)]
pub struct UpstashConfig {
    /// The read-write token (`UPSTASH_VECTOR_REST_TOKEN`); any non-empty bearer token
    /// when `None`.
    pub token: Option<String>,
    /// The read-only token: queries, fetches, ranges, info and namespace lists only.
    pub readonly_token: Option<String>,
}

impl std::fmt::Debug for UpstashConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |t: &Option<String>| t.as_ref().map(|_| "[redacted]");
        f.debug_struct("UpstashConfig")
            .field("token", &redacted(&self.token))
            .field("readonly_token", &redacted(&self.readonly_token))
            .finish()
    }
}

/// The Upstash Vector stand-in's state.
#[derive(Clone)]
pub struct UpstashStandIn {
    config: Arc<UpstashConfig>,
    inner: Arc<Mutex<api::Inner>>,
}

impl UpstashStandIn {
    /// An empty index.
    pub fn new(config: UpstashConfig) -> Self {
        Self {
            config: Arc::new(config),
            inner: Arc::new(Mutex::new(api::Inner::default())),
        }
    }

    /// Every API call so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    /// Namespaces with their counts and ids.
    pub fn state(&self) -> Value {
        let inner = self.lock();
        let namespaces: Map<String, Value> = inner
            .namespaces
            .iter()
            .map(|(name, ns)| {
                let ids: Vec<&String> = ns.records.keys().collect();
                (name.clone(), json!({ "count": ids.len(), "ids": ids }))
            })
            .collect();
        json!({ "namespaces": namespaces, "failures": inner.failures })
    }

    /// Fail the next matching calls.
    pub fn inject(&self, plan: FailurePlan) {
        self.lock().failures.push(plan);
    }

    /// Back to an empty index.
    pub fn reset(&self) {
        *self.lock() = api::Inner::default();
    }

    // A panic elsewhere must not take the stand-in down with it: every change happens
    // under one lock without awaits, so the state stays consistent.
    fn lock(&self) -> MutexGuard<'_, api::Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The API under `/upstash` and its control API under `/_devkit/upstash`.
pub fn router(standin: UpstashStandIn) -> Router {
    Router::new()
        .route("/upstash", any(serve))
        .route("/upstash/", any(serve))
        .route("/upstash/{*path}", any(serve))
        .route("/_devkit/upstash/state", get(state))
        .route(
            "/_devkit/upstash/requests",
            get(requests).delete(clear_requests),
        )
        .route(
            "/_devkit/upstash/fail",
            get(failures).post(add_failure).delete(clear_failures),
        )
        .route("/_devkit/upstash/reset", post(reset))
        .with_state(standin)
}

async fn serve(State(standin): State<UpstashStandIn>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        let error = api::ApiError {
            status: 413,
            message: "Request body too large".into(),
        };
        return respond(error.reply());
    };
    let path = parts.uri.path();
    let reply = standin.lock().handle(
        &standin.config,
        api::Incoming {
            method: parts.method.as_str(),
            path: path.strip_prefix("/upstash").unwrap_or(path),
            query: parts.uri.query(),
            headers: &parts.headers,
            body: &body,
        },
    );
    respond(reply)
}

fn respond(reply: api::Reply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, Json(reply.body)).into_response();
    for (name, value) in reply.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

async fn state(State(standin): State<UpstashStandIn>) -> Json<Value> {
    Json(standin.state())
}

async fn requests(State(standin): State<UpstashStandIn>) -> Json<Vec<RecordedRequest>> {
    Json(standin.requests())
}

async fn clear_requests(State(standin): State<UpstashStandIn>) -> StatusCode {
    standin.lock().requests.clear();
    StatusCode::NO_CONTENT
}

async fn failures(State(standin): State<UpstashStandIn>) -> Json<Vec<FailurePlan>> {
    Json(standin.lock().failures.clone())
}

async fn add_failure(
    State(standin): State<UpstashStandIn>,
    Json(plan): Json<FailurePlan>,
) -> Response {
    if StatusCode::from_u16(plan.status).is_err() || plan.status < 400 || plan.times == 0 {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "status must be an HTTP error status (400 to 999) and times at least 1"})),
        )
            .into_response();
    }
    standin.inject(plan);
    StatusCode::NO_CONTENT.into_response()
}

async fn clear_failures(State(standin): State<UpstashStandIn>) -> StatusCode {
    standin.lock().failures.clear();
    StatusCode::NO_CONTENT
}

async fn reset(State(standin): State<UpstashStandIn>) -> StatusCode {
    standin.reset();
    StatusCode::NO_CONTENT
}

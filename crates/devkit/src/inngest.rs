//! Inngest Event API stand-in.
//!
//! Wire behaviour follows Inngest's: `POST /e/{key}` takes one event object or an array
//! of them, answers `200 {"ids": [...], "status": 200}` with one internal id per event in
//! order, `400 {"ids": [], "status": 400, "error": "..."}` for a bad payload and
//! `401 {"status": 401, "message": "", "error": "Event key not found"}` for an unknown key
//! (only when keys are configured). Events carrying an `id` seen in the last 24 hours are
//! recorded as duplicates, as Inngest dedupes them.
//!
//! Only `Content-Type: application/json` (parameters such as `; charset=utf-8` allowed)
//! is taken; anything else is `415 {"ids": [], "status": 415, "error": "..."}`, so a
//! browser form (which can only send `application/x-www-form-urlencoded`,
//! `multipart/form-data` or `text/plain` across origins) cannot post events (CSRF).
//!
//! Control API:
//! - `GET /_devkit/inngest/events[?name=...]`: events received, oldest first.
//! - `DELETE /_devkit/inngest/events`: forget them.
//! - `POST /_devkit/inngest/fail`: `{"status": 503, "count": 3, "delay_ms": 0, "retry_after": 1}`:
//!   the next `count` requests fail with `status` (or are delayed), then it recovers.
//!   `{"status": 503, "count": null}` fails until `POST /_devkit/inngest/recover`;
//!   `"matching": "<text>"` fails only requests whose body contains the text.
//! - `GET /_devkit/inngest/stats`: requests accepted, rejected and failed on purpose.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Largest request Inngest takes (paid plans; the dev server allows less).
pub const MAX_REQUEST_BYTES: usize = 3 * 1024 * 1024;
/// Inngest's per-request event limit.
pub const MAX_EVENTS: usize = 5000;

/// One event as received.
#[derive(Debug, Clone, Serialize)]
pub struct ReceivedEvent {
    /// Internal id we answered with.
    pub internal_id: String,
    /// Event key used.
    pub key: String,
    /// Milliseconds since the epoch at receipt.
    pub received_at: u64,
    /// Whether an event with the same `id` had been received before.
    pub duplicate: bool,
    /// The event exactly as sent.
    pub event: Value,
}

#[derive(Debug, Clone, Default, Serialize)]
struct Stats {
    accepted_requests: u64,
    accepted_events: u64,
    rejected_requests: u64,
    injected_failures: u64,
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
    retry_after: Option<u64>,
    /// Only requests whose body contains this text fail (and count); others pass, as
    /// Inngest refuses one bad event and takes the rest.
    #[serde(default)]
    matching: Option<String>,
}

fn default_fail_status() -> u16 {
    503
}

#[derive(Default)]
struct Inner {
    events: Vec<ReceivedEvent>,
    seen_ids: HashSet<String>,
    next_id: u64,
    stats: Stats,
    failure: Option<FailurePlan>,
}

/// The Event API stand-in's state.
#[derive(Clone)]
pub struct EventApi {
    keys: Arc<Vec<String>>,
    inner: Arc<Mutex<Inner>>,
    executor: Option<crate::executor::Executor>,
}

impl EventApi {
    /// A stand-in accepting `keys` (any key when empty).
    pub fn new(keys: Vec<String>) -> Self {
        Self {
            keys: Arc::new(keys),
            inner: Arc::default(),
            executor: None,
        }
    }

    /// Start functions for the events it accepts.
    pub fn with_executor(mut self, executor: crate::executor::Executor) -> Self {
        self.executor = Some(executor);
        self
    }

    /// Events received so far.
    pub fn events(&self) -> Vec<ReceivedEvent> {
        self.inner.lock().unwrap().events.clone()
    }
}

/// Routes of the Event API and its control API.
pub fn router(api: EventApi) -> Router {
    Router::new()
        // Inngest's own limit, not axum's 2 MB default: larger bodies get our JSON 413.
        .route(
            "/e/{key}",
            post(ingest).layer(axum::extract::DefaultBodyLimit::max(
                MAX_REQUEST_BYTES + 1024,
            )),
        )
        .route("/_devkit/inngest/events", get(list).delete(clear))
        .route("/_devkit/inngest/fail", post(fail))
        .route("/_devkit/inngest/recover", post(recover))
        .route("/_devkit/inngest/stats", get(stats))
        .with_state(api)
}

fn now_ms() -> u64 {
    crate::executor::now_ms().max(0) as u64
}

fn bad_request(error: impl Into<String>) -> Response {
    refusal(StatusCode::BAD_REQUEST, error)
}

/// `{"ids": [], "status": <status>, "error": ...}`, the shape of every refusal here.
fn refusal(status: StatusCode, error: impl Into<String>) -> Response {
    (
        status,
        Json(json!({"ids": [], "status": status.as_u16(), "error": error.into()})),
    )
        .into_response()
}

/// Whether a `Content-Type` value is `application/json`, in any case, with or without
/// parameters (`application/json; charset=utf-8`).
fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default();
    essence
        .trim_matches(|c| c == ' ' || c == '\t')
        .eq_ignore_ascii_case("application/json")
}

async fn ingest(
    State(api): State<EventApi>,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    // Injected failures first: they model Inngest being down, slow or rate limiting.
    let plan = {
        let mut inner = api.inner.lock().unwrap();
        let applies = |plan: &FailurePlan| {
            plan.matching.as_deref().is_none_or(|needle| {
                body.windows(needle.len().max(1))
                    .any(|w| w == needle.as_bytes())
            })
        };
        match inner.failure.clone().filter(applies) {
            Some(mut plan) => match plan.count {
                Some(0) => {
                    inner.failure = None;
                    None
                }
                Some(n) => {
                    plan.count = Some(n - 1);
                    inner.failure = Some(plan.clone());
                    inner.stats.injected_failures += 1;
                    Some(plan)
                }
                None => {
                    inner.stats.injected_failures += 1;
                    Some(plan)
                }
            },
            None => None,
        }
    };
    if let Some(plan) = plan {
        if plan.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(plan.delay_ms)).await;
        }
        if plan.status != 200 {
            let mut headers = HeaderMap::new();
            if let Some(secs) = plan.retry_after {
                headers.insert("retry-after", HeaderValue::from(secs));
            }
            let status =
                StatusCode::from_u16(plan.status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            return (
                status,
                headers,
                Json(json!({"status": plan.status, "error": "injected failure"})),
            )
                .into_response();
        }
    }

    // Before the key and the body are looked at: no cross-site form can send this type.
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or_default());
    if !content_type.is_some_and(is_json) {
        api.inner.lock().unwrap().stats.rejected_requests += 1;
        return refusal(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/json",
        );
    }
    if !api.keys.is_empty() && !api.keys.contains(&key) {
        api.inner.lock().unwrap().stats.rejected_requests += 1;
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"status": 401, "message": "", "error": "Event key not found"})),
        )
            .into_response();
    }
    if body.len() > MAX_REQUEST_BYTES {
        api.inner.lock().unwrap().stats.rejected_requests += 1;
        return refusal(StatusCode::PAYLOAD_TOO_LARGE, "request too large");
    }
    let events = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Array(events)) => events,
        Ok(event @ Value::Object(_)) => vec![event],
        Ok(_) | Err(_) => {
            api.inner.lock().unwrap().stats.rejected_requests += 1;
            return bad_request("body must be an event object or an array of events");
        }
    };
    if events.len() > MAX_EVENTS {
        api.inner.lock().unwrap().stats.rejected_requests += 1;
        return bad_request(format!("at most {MAX_EVENTS} events per request"));
    }
    for (i, event) in events.iter().enumerate() {
        if let Err(problem) = validate(event) {
            api.inner.lock().unwrap().stats.rejected_requests += 1;
            return bad_request(format!("event {i}: {problem}"));
        }
    }

    let mut inner = api.inner.lock().unwrap();
    let received_at = now_ms();
    let mut ids = Vec::with_capacity(events.len());
    for event in events {
        inner.next_id += 1;
        let internal_id = format!("01DEVKIT{:018}", inner.next_id);
        let duplicate = match event
            .get("id")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty())
        {
            Some(id) => !inner.seen_ids.insert(id.to_owned()),
            None => false,
        };
        ids.push(internal_id.clone());
        inner.events.push(ReceivedEvent {
            internal_id,
            key: key.clone(),
            received_at,
            duplicate,
            event,
        });
    }
    inner.stats.accepted_requests += 1;
    inner.stats.accepted_events += ids.len() as u64;
    // Like Inngest, a duplicate id does not start functions again.
    let fresh: Vec<Value> = inner.events[inner.events.len() - ids.len()..]
        .iter()
        .filter(|e| !e.duplicate)
        .map(|e| e.event.clone())
        .collect();
    drop(inner);
    if let Some(executor) = &api.executor {
        executor.on_events(&fresh);
    }
    Json(json!({"ids": ids, "status": 200})).into_response()
}

/// The checks Inngest makes on each event.
fn validate(event: &Value) -> Result<(), String> {
    let Value::Object(map) = event else {
        return Err("not an object".into());
    };
    match map.get("name") {
        Some(Value::String(name)) if !name.is_empty() && name.len() <= 512 => {}
        Some(Value::String(name)) if name.is_empty() => return Err("name is empty".into()),
        Some(Value::String(_)) => return Err("name is longer than 512 characters".into()),
        _ => return Err("name is required".into()),
    }
    if let Some(data) = map.get("data") {
        if !data.is_object() && !data.is_null() {
            return Err("data must be an object".into());
        }
    }
    if let Some(ts) = map.get("ts") {
        if !ts.is_i64() && !ts.is_u64() {
            return Err("ts must be an integer of milliseconds".into());
        }
    }
    if let Some(id) = map.get("id") {
        if !id.is_string() {
            return Err("id must be a string".into());
        }
    }
    Ok(())
}

#[derive(Deserialize)]
struct ListQuery {
    name: Option<String>,
}

async fn list(State(api): State<EventApi>, Query(q): Query<ListQuery>) -> Json<Vec<ReceivedEvent>> {
    let inner = api.inner.lock().unwrap();
    Json(
        inner
            .events
            .iter()
            .filter(|e| {
                q.name
                    .as_deref()
                    .is_none_or(|n| e.event.get("name").and_then(Value::as_str) == Some(n))
            })
            .cloned()
            .collect(),
    )
}

async fn clear(State(api): State<EventApi>) -> StatusCode {
    let mut inner = api.inner.lock().unwrap();
    inner.events.clear();
    inner.seen_ids.clear();
    StatusCode::NO_CONTENT
}

async fn fail(State(api): State<EventApi>, Json(plan): Json<FailurePlan>) -> StatusCode {
    api.inner.lock().unwrap().failure = Some(plan);
    StatusCode::NO_CONTENT
}

async fn recover(State(api): State<EventApi>) -> StatusCode {
    api.inner.lock().unwrap().failure = None;
    StatusCode::NO_CONTENT
}

async fn stats(State(api): State<EventApi>) -> Json<Stats> {
    Json(api.inner.lock().unwrap().stats.clone())
}

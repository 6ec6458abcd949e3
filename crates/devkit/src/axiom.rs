//! Axiom stand-in: Axiom's ingest API under `/axiom`, so an Axiom client pointed at
//! `http://127.0.0.1:<port>/axiom` (instead of `https://api.axiom.co`) sends its events
//! here, and tests read what arrived.
//!
//! Checked against Axiom's REST docs (axiom.co/docs/restapi, ingest) as summarised in
//! `reference/external-apis.md` 6c:
//!
//! - `POST /axiom/v1/datasets/{dataset}/ingest` with `Authorization: Bearer <token>`:
//!   the configured token (`--axiom-token` / `DEVKIT_AXIOM_TOKEN`), or any non-empty
//!   one when none is configured. Otherwise 401.
//! - Bodies: a JSON array of objects (`Content-Type: application/json`) or NDJSON, one
//!   object a line (`application/x-ndjson`). Anything else (no content type, CSV,
//!   a JSON object or scalar instead of an array, malformed JSON, a compressed body) is
//!   a 400.
//! - Events are stored per dataset in arrival order. `_time` is the event's time: kept
//!   when given (an RFC 3339 string or epoch milliseconds), set to the receipt time
//!   when absent; `_sysTime` is always the receipt time (RFC 3339, UTC, milliseconds).
//! - The answer is 200 `{"ingested", "failed", "failures": [{"error", "timestamp"}],
//!   "processedBytes", "blocksCreated", "walLength"}`. An element that is not an object,
//!   or whose `_time` does not parse, is refused alone: counted in `failed` with a
//!   failure entry, the rest is stored.
//!
//! Guesses, since the docs do not give them: error bodies are `{"code": N, "message":
//! "…"}` (401 `invalid token`, 400 with what was wrong); `walLength` is the number of
//! events the dataset holds after the request; `blocksCreated` is always 0;
//! `processedBytes` is the body's length. Not implemented: CSV, `Content-Encoding`,
//! `timestamp-field` / `timestamp-format`, `X-Axiom-Event-Labels`, the edge endpoint
//! and personal tokens' `X-Axiom-Org-Id`. Bodies over [`MAX_BODY_BYTES`] are a 413.
//!
//! Control API:
//! - `GET /_devkit/axiom/events?dataset=…`: every stored event of that dataset in
//!   order (every dataset's, in arrival order, without `dataset`).
//! - `POST /_devkit/axiom/fail` `{"status": 503, "times": 1}`: the next `times`
//!   authenticated ingests answer `status` (to test that telemetry failing is counted
//!   and never fails the work). `GET` lists pending plans, `DELETE` drops them.
//! - `POST /_devkit/axiom/reset`: no events, no failure plans.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use subtle::ConstantTimeEq;

/// Largest body read (the stand-in's own cap; Axiom's is far larger).
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// How the stand-in starts.
#[derive(Clone, Default)]
pub struct AxiomConfig {
    /// The API token ingests must carry; any non-empty bearer token when `None`.
    pub token: Option<String>,
}

impl std::fmt::Debug for AxiomConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AxiomConfig")
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// A failure to inject (`POST /_devkit/axiom/fail`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailurePlan {
    /// The status answered (503 by default).
    #[serde(default = "unavailable")]
    pub status: u16,
    /// How many ingests fail.
    #[serde(default = "one")]
    pub times: u32,
}

fn unavailable() -> u16 {
    503
}

fn one() -> u32 {
    1
}

#[derive(Default)]
struct Inner {
    /// `(dataset, event)` in arrival order.
    events: Vec<(String, Value)>,
    failures: Vec<FailurePlan>,
}

/// The Axiom stand-in's state.
#[derive(Clone)]
pub struct AxiomStandIn {
    config: Arc<AxiomConfig>,
    inner: Arc<Mutex<Inner>>,
}

impl AxiomStandIn {
    /// No events yet.
    pub fn new(config: AxiomConfig) -> Self {
        Self {
            config: Arc::new(config),
            inner: Arc::default(),
        }
    }

    /// The events stored in `dataset` (every dataset's when `None`), in order.
    pub fn events(&self, dataset: Option<&str>) -> Vec<Value> {
        self.lock()
            .events
            .iter()
            .filter(|(d, _)| dataset.is_none_or(|wanted| wanted == d))
            .map(|(_, e)| e.clone())
            .collect()
    }

    /// Fail the next ingests.
    pub fn inject(&self, plan: FailurePlan) {
        if plan.times > 0 {
            self.lock().failures.push(plan);
        }
    }

    /// Back to no events and no failure plans.
    pub fn reset(&self) {
        *self.lock() = Inner::default();
    }

    // A panic elsewhere must not take the stand-in down with it: every change happens
    // under one lock without awaits.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The API under `/axiom` and its control API under `/_devkit/axiom`.
pub fn router(standin: AxiomStandIn) -> Router {
    Router::new()
        .route("/axiom/v1/datasets/{dataset}/ingest", post(ingest))
        .route("/_devkit/axiom/events", get(events))
        .route(
            "/_devkit/axiom/fail",
            get(failures).post(add_failure).delete(clear_failures),
        )
        .route("/_devkit/axiom/reset", post(reset))
        .with_state(standin)
}

/// `{"code": N, "message": "…"}` (the shape is a guess: see the module docs).
fn error(status: u16, message: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (code, Json(json!({"code": status, "message": message}))).into_response()
}

fn authorised(config: &AxiomConfig, headers: &HeaderMap) -> bool {
    let Some(token) = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(support_http::bearer_token)
    else {
        return false;
    };
    match &config.token {
        Some(expected) => bool::from(token.as_bytes().ct_eq(expected.as_bytes())),
        None => !token.is_empty(),
    }
}

async fn ingest(
    State(standin): State<AxiomStandIn>,
    Path(dataset): Path<String>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    if !authorised(&standin.config, &parts.headers) {
        return error(401, "invalid token");
    }
    {
        let mut inner = standin.lock();
        if let Some(plan) = inner.failures.first_mut() {
            let status = plan.status;
            plan.times -= 1;
            if plan.times == 0 {
                inner.failures.remove(0);
            }
            return error(status, "injected failure (devkit)");
        }
    }
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return error(413, "request body too large");
    };
    if let Some(encoding) = parts
        .headers
        .get("content-encoding")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.eq_ignore_ascii_case("identity"))
    {
        return error(
            400,
            &format!("content encoding {encoding:?} is not supported by the devkit stand-in"),
        );
    }
    let media_type = parts
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let values: Vec<Value> = match media_type.as_str() {
        "application/json" => match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Array(items)) => items,
            Ok(_) => return error(400, "the body must be a JSON array of events"),
            Err(e) => return error(400, &format!("invalid JSON: {e}")),
        },
        "application/x-ndjson" => {
            let Ok(text) = std::str::from_utf8(&body) else {
                return error(400, "the body is not UTF-8");
            };
            let mut items = Vec::new();
            for (n, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<Value>(line) {
                    Ok(value) => items.push(value),
                    Err(e) => return error(400, &format!("invalid JSON on line {}: {e}", n + 1)),
                }
            }
            items
        }
        "" => return error(400, "missing content type"),
        other => {
            return error(
                400,
                &format!(
                    "unsupported content type {other:?}: the devkit stand-in takes application/json or application/x-ndjson"
                ),
            )
        }
    };
    let received = support_telemetry::iso_millis(crate::executor::now_ms());
    let mut failures = Vec::new();
    let mut accepted = Vec::new();
    for value in values {
        let Value::Object(mut event) = value else {
            failures.push(json!({"error": "event is not an object", "timestamp": received}));
            continue;
        };
        match event.get("_time") {
            None | Some(Value::Null) => {
                event.insert("_time".into(), Value::String(received.clone()));
            }
            Some(Value::String(s)) if parse_rfc3339_millis(s).is_some() => {}
            Some(Value::Number(n)) if n.is_i64() || n.is_u64() => {}
            Some(other) => {
                failures.push(json!({
                    "error": format!("invalid _time {other}: expected RFC 3339 or epoch milliseconds"),
                    "timestamp": received,
                }));
                continue;
            }
        }
        event.insert("_sysTime".into(), Value::String(received.clone()));
        accepted.push(Value::Object(event));
    }
    let ingested = accepted.len();
    let mut inner = standin.lock();
    inner
        .events
        .extend(accepted.into_iter().map(|e| (dataset.clone(), e)));
    let wal_length = inner.events.iter().filter(|(d, _)| *d == dataset).count();
    Json(json!({
        "ingested": ingested,
        "failed": failures.len(),
        "failures": failures,
        "processedBytes": body.len(),
        "blocksCreated": 0,
        "walLength": wal_length,
    }))
    .into_response()
}

#[derive(Deserialize)]
struct EventsQuery {
    dataset: Option<String>,
}

async fn events(
    State(standin): State<AxiomStandIn>,
    Query(query): Query<EventsQuery>,
) -> Json<Vec<Value>> {
    Json(standin.events(query.dataset.as_deref()))
}

async fn failures(State(standin): State<AxiomStandIn>) -> Json<Vec<FailurePlan>> {
    Json(standin.lock().failures.clone())
}

async fn add_failure(State(standin): State<AxiomStandIn>, body: axum::body::Bytes) -> Response {
    let plan: FailurePlan = if body.iter().all(u8::is_ascii_whitespace) {
        FailurePlan {
            status: unavailable(),
            times: one(),
        }
    } else {
        match serde_json::from_slice(&body) {
            Ok(plan) => plan,
            Err(e) => return error(400, &format!("invalid failure plan: {e}")),
        }
    };
    if !(400..=599).contains(&plan.status) {
        return error(400, "status must be an error status (400-599)");
    }
    standin.inject(plan.clone());
    Json(json!({"queued": plan})).into_response()
}

async fn clear_failures(State(standin): State<AxiomStandIn>) -> Json<Value> {
    standin.lock().failures.clear();
    Json(json!({"cleared": true}))
}

async fn reset(State(standin): State<AxiomStandIn>) -> Json<Value> {
    standin.reset();
    Json(json!({"reset": true}))
}

/// Milliseconds since the epoch of an RFC 3339 date-time:
/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` (`t`/`z` in either case).
pub(crate) fn parse_rfc3339_millis(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let digits = b.get(from..from + len)?;
        digits.iter().all(u8::is_ascii_digit).then(|| {
            digits
                .iter()
                .fold(0i64, |n, d| n * 10 + i64::from(d - b'0'))
        })
    };
    let at = |i: usize, c: u8| b.get(i).is_some_and(|x| x.eq_ignore_ascii_case(&c));
    if !(at(4, b'-') && at(7, b'-') && at(10, b'T') && at(13, b':') && at(16, b':')) {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = 19;
    let mut millis = 0;
    if at(i, b'.') {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
        let fraction = &text[start..i.min(start + 3)];
        millis = format!("{fraction:0<3}").parse::<i64>().ok()?;
    }
    let offset_minutes = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if i + 6 == b.len() && at(i + 3, b':') => {
            let minutes = num(i + 1, 2)? * 60 + num(i + 4, 2)?;
            if *sign == b'+' {
                minutes
            } else {
                -minutes
            }
        }
        _ => return None,
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds * 1000 + millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trips_and_refuses_other_shapes() {
        assert_eq!(support_telemetry::iso_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            support_telemetry::iso_millis(1_764_756_930_007),
            "2025-12-03T10:15:30.007Z"
        );
        for ms in [0, 1_764_756_930_007, 951_782_400_000, 4_102_444_799_999] {
            assert_eq!(
                parse_rfc3339_millis(&support_telemetry::iso_millis(ms)),
                Some(ms)
            );
        }
        assert_eq!(
            parse_rfc3339_millis("2025-12-03T11:15:30.007123+01:00"),
            Some(1_764_756_930_007)
        );
        assert_eq!(
            parse_rfc3339_millis("2025-12-03t10:15:30z"),
            Some(1_764_756_930_000)
        );
        for bad in [
            "",
            "yesterday",
            "2025-12-03",
            "2025-12-03 10:15:30Z",
            "2025-12-03T10:15:30",
            "2025-13-03T10:15:30Z",
            "2025-12-03T10:15:30.Z",
            "2025-12-03T10:15:30Z ",
            "2025-12-03T10:15:30+0100",
        ] {
            assert_eq!(parse_rfc3339_millis(bad), None, "{bad:?}");
        }
    }
}

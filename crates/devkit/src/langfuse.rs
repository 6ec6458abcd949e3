//! Langfuse stand-in: Langfuse's ingestion API under `/langfuse`, so a client pointed
//! at `http://127.0.0.1:<port>/langfuse` (instead of `https://cloud.langfuse.com`)
//! sends its traces here, and tests read them back as traces with their observations.
//!
//! Checked against Langfuse's API definition (`langfuse/langfuse` fern definition, the
//! ingestion endpoint) as summarised in `reference/external-apis.md` 6b:
//!
//! - `POST /langfuse/api/public/ingestion` with `Authorization: Basic
//!   base64(public key:secret key)`: the configured keys (`--langfuse-public-key`,
//!   `--langfuse-secret-key`, env `DEVKIT_LANGFUSE_PUBLIC_KEY` /
//!   `DEVKIT_LANGFUSE_SECRET_KEY`), each any non-empty value when not configured.
//!   Otherwise 401 `{"message": "…"}`.
//! - The body is `{"batch": [event…], "metadata"?}` of at most [`MAX_REQUEST_BYTES`]
//!   (3.5 MB; 413 over it).
//! - Each event is judged alone and the answer is **207** `{"successes": [{"id",
//!   "status": 201}], "errors": [{"id", "status": 400, "message", "error"}]}`: an
//!   invalid event never makes the request a 4xx. An event needs a non-empty `id`, a
//!   `timestamp` in ISO-8601 (RFC 3339), a `type` among `trace-create`, `span-create`,
//!   `span-update`, `generation-create`, `generation-update`, `event-create`,
//!   `score-create`, `sdk-log`, `observation-create`, `observation-update`, and a
//!   `body` object with a non-empty `id` (`sdk-log` needs a `log` instead). Span,
//!   generation and event bodies need a `traceId`; their `startTime`, `endTime` and
//!   `completionStartTime` must be date-times, `level` one of `DEBUG`, `DEFAULT`,
//!   `WARNING`, `ERROR`, `usageDetails` non-negative integers (or OpenAI-shaped nested
//!   objects of them), `costDetails` numbers. A score needs a `name`, a `value` and what
//!   it scores (`traceId`, `sessionId`, `observationId` or `datasetRunId`).
//! - Envelope ids are dedupe keys: an id already accepted answers 201 again and is not
//!   applied twice.
//! - `*-create` and `*-update` apply by `body.id`: a trace or an observation is created,
//!   or its fields replaced by the non-null fields given. An observation whose trace was
//!   never created makes an empty one (Langfuse shows such traces too).
//!
//! Deliberate differences and guesses: Langfuse processes events asynchronously and
//! accepts observations without a `traceId` (it makes a trace); the stand-in applies
//! them at once and refuses a span, generation or event without one, and an update of
//! an observation it does not know that names no trace, so our own client's mistakes
//! show up as 400 entries. The 401 message, and the 400 `{"message": "Invalid request
//! data", "error": …}` for a body that is not `{"batch": [...]}` at all, are guesses.
//!
//! Control API:
//! - `GET /_devkit/langfuse/traces`: each trace (its fields merged from every event),
//!   with `observations` (each with its `type`: `SPAN`, `GENERATION`, `EVENT`) and
//!   `scores`, in creation order.
//! - `GET /_devkit/langfuse/events`: every accepted envelope, raw, in order.
//! - `POST /_devkit/langfuse/fail` `{"status": 503, "times": 1}`: the next `times`
//!   authenticated requests answer `status`.
//! - `POST /_devkit/langfuse/reset`: nothing stored, no failure plans.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use serde_json::{json, Map, Value};
use subtle::ConstantTimeEq;

use crate::axiom::{parse_rfc3339_millis, FailurePlan};

/// Langfuse's request size limit (3.5 MB).
pub const MAX_REQUEST_BYTES: usize = 3_500_000;

/// The event types Langfuse's ingestion API documents.
pub const EVENT_TYPES: &[&str] = &[
    "trace-create",
    "span-create",
    "span-update",
    "generation-create",
    "generation-update",
    "event-create",
    "score-create",
    "sdk-log",
    "observation-create",
    "observation-update",
];

/// How the stand-in starts.
#[derive(Clone, Default)]
pub struct LangfuseConfig {
    /// The public key (`pk-lf-…`, the Basic username); any non-empty one when `None`.
    pub public_key: Option<String>,
    /// The secret key (`sk-lf-…`, the Basic password); any non-empty one when `None`.
    pub secret_key: Option<String>,
}

impl std::fmt::Debug for LangfuseConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |k: &Option<String>| k.as_ref().map(|_| "[redacted]");
        f.debug_struct("LangfuseConfig")
            .field("public_key", &redacted(&self.public_key))
            .field("secret_key", &redacted(&self.secret_key))
            .finish()
    }
}

#[derive(Default)]
struct Inner {
    /// Accepted envelope ids (the dedupe keys).
    seen: HashSet<String>,
    /// Accepted envelopes, raw, in order.
    events: Vec<Value>,
    /// Trace ids in creation order, and each trace's fields.
    trace_order: Vec<String>,
    traces: HashMap<String, Map<String, Value>>,
    /// Observation ids in creation order, and each one's fields (with `type`).
    observation_order: Vec<String>,
    observations: HashMap<String, Map<String, Value>>,
    /// Scores in order.
    scores: Vec<Value>,
    failures: Vec<FailurePlan>,
}

impl Inner {
    fn ensure_trace(&mut self, id: &str) -> &mut Map<String, Value> {
        if !self.traces.contains_key(id) {
            self.trace_order.push(id.to_owned());
            let mut trace = Map::new();
            trace.insert("id".into(), Value::String(id.to_owned()));
            self.traces.insert(id.to_owned(), trace);
        }
        self.traces.get_mut(id).expect("just inserted")
    }

    /// Apply one valid event.
    fn apply(&mut self, kind: &str, body: &Map<String, Value>) {
        match kind {
            "trace-create" => merge(self.ensure_trace(&string(body, "id")), body),
            "span-create" | "span-update" | "generation-create" | "generation-update"
            | "event-create" | "observation-create" | "observation-update" => {
                let id = string(body, "id");
                let observation_type = match kind {
                    "span-create" | "span-update" => "SPAN".to_owned(),
                    "generation-create" | "generation-update" => "GENERATION".to_owned(),
                    "event-create" => "EVENT".to_owned(),
                    _ => body
                        .get("type")
                        .and_then(Value::as_str)
                        .unwrap_or("SPAN")
                        .to_owned(),
                };
                if !self.observations.contains_key(&id) {
                    self.observation_order.push(id.clone());
                    let mut observation = Map::new();
                    observation.insert("id".into(), Value::String(id.clone()));
                    observation.insert("type".into(), Value::String(observation_type));
                    self.observations.insert(id.clone(), observation);
                }
                let observation = self.observations.get_mut(&id).expect("just inserted");
                merge(observation, body);
                if let Some(trace_id) = observation.get("traceId").and_then(Value::as_str) {
                    let trace_id = trace_id.to_owned();
                    self.ensure_trace(&trace_id);
                }
            }
            "score-create" => {
                if let Some(trace_id) = body.get("traceId").and_then(Value::as_str) {
                    self.ensure_trace(trace_id);
                }
                self.scores.push(Value::Object(body.clone()));
            }
            _ => {} // sdk-log: nothing to keep but the envelope
        }
    }

    /// Traces with their observations and scores.
    fn traces(&self) -> Vec<Value> {
        self.trace_order
            .iter()
            .map(|id| {
                let mut trace = self.traces[id].clone();
                let observations: Vec<Value> = self
                    .observation_order
                    .iter()
                    .map(|o| &self.observations[o])
                    .filter(|o| o.get("traceId").and_then(Value::as_str) == Some(id))
                    .map(|o| Value::Object(o.clone()))
                    .collect();
                let scores: Vec<Value> = self
                    .scores
                    .iter()
                    .filter(|s| s["traceId"].as_str() == Some(id))
                    .cloned()
                    .collect();
                trace.insert("observations".into(), Value::Array(observations));
                trace.insert("scores".into(), Value::Array(scores));
                Value::Object(trace)
            })
            .collect()
    }
}

/// Fields of `from` that are not null replace those of `into`.
fn merge(into: &mut Map<String, Value>, from: &Map<String, Value>) {
    for (key, value) in from {
        if !value.is_null() {
            into.insert(key.clone(), value.clone());
        }
    }
}

fn string(body: &Map<String, Value>, key: &str) -> String {
    body.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The Langfuse stand-in's state.
#[derive(Clone)]
pub struct LangfuseStandIn {
    config: Arc<LangfuseConfig>,
    inner: Arc<Mutex<Inner>>,
}

impl LangfuseStandIn {
    /// Nothing stored yet.
    pub fn new(config: LangfuseConfig) -> Self {
        Self {
            config: Arc::new(config),
            inner: Arc::default(),
        }
    }

    /// Each trace with its `observations` and `scores`, in creation order.
    pub fn traces(&self) -> Vec<Value> {
        self.lock().traces()
    }

    /// Every accepted envelope, raw, in order.
    pub fn events(&self) -> Vec<Value> {
        self.lock().events.clone()
    }

    /// Back to nothing stored and no failure plans.
    pub fn reset(&self) {
        *self.lock() = Inner::default();
    }

    // A panic elsewhere must not take the stand-in down with it: every change happens
    // under one lock without awaits.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The API under `/langfuse` and its control API under `/_devkit/langfuse`.
pub fn router(standin: LangfuseStandIn) -> Router {
    Router::new()
        .route("/langfuse/api/public/ingestion", post(ingestion))
        .route("/_devkit/langfuse/traces", get(traces))
        .route("/_devkit/langfuse/events", get(events))
        .route("/_devkit/langfuse/fail", post(add_failure))
        .route("/_devkit/langfuse/reset", post(reset))
        .with_state(standin)
}

fn message(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"message": message}))).into_response()
}

fn authorised(config: &LangfuseConfig, headers: &HeaderMap) -> bool {
    let Some(value) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let value = value.trim();
    let Some(encoded) = value
        .get(..6)
        .filter(|scheme| scheme.eq_ignore_ascii_case("basic "))
        .map(|_| value[6..].trim())
    else {
        return false;
    };
    let Some(decoded) = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
    else {
        return false;
    };
    let Some((public, secret)) = decoded.split_once(':') else {
        return false;
    };
    let matches = |given: &str, expected: &Option<String>| match expected {
        Some(expected) => bool::from(given.as_bytes().ct_eq(expected.as_bytes())),
        None => !given.is_empty(),
    };
    // Both compared, whatever the first gives.
    let public_ok = matches(public, &config.public_key);
    let secret_ok = matches(secret, &config.secret_key);
    public_ok && secret_ok
}

async fn ingestion(State(standin): State<LangfuseStandIn>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    if !authorised(&standin.config, &parts.headers) {
        return message(
            StatusCode::UNAUTHORIZED,
            "Invalid credentials: check the public key, the secret key and the host",
        );
    }
    {
        let mut inner = standin.lock();
        if let Some(plan) = inner.failures.first_mut() {
            let status = plan.status;
            plan.times -= 1;
            if plan.times == 0 {
                inner.failures.remove(0);
            }
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            return message(status, "injected failure (devkit)");
        }
    }
    let Ok(body) = axum::body::to_bytes(body, MAX_REQUEST_BYTES).await else {
        return message(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Request body exceeds the 3.5 MB limit",
        );
    };
    let batch = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(mut object)) => match object.remove("batch") {
            Some(Value::Array(batch)) => batch,
            _ => return invalid_request("batch: expected an array of events"),
        },
        Ok(_) => return invalid_request("expected an object {\"batch\": [...]}"),
        Err(e) => return invalid_request(&format!("the body is not JSON: {e}")),
    };
    let mut successes = Vec::new();
    let mut errors = Vec::new();
    let mut inner = standin.lock();
    for event in batch {
        let id = event
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        match validate(&event, &inner) {
            Ok(()) => {
                if inner.seen.insert(id.clone()) {
                    let kind = event["type"].as_str().unwrap_or_default().to_owned();
                    if let Some(body) = event["body"].as_object() {
                        inner.apply(&kind, body);
                    }
                    inner.events.push(event);
                }
                successes.push(json!({"id": id, "status": 201}));
            }
            Err(problem) => errors.push(json!({
                "id": id,
                "status": 400,
                "message": "Invalid request data",
                "error": problem,
            })),
        }
    }
    (
        StatusCode::MULTI_STATUS,
        Json(json!({"successes": successes, "errors": errors})),
    )
        .into_response()
}

fn invalid_request(problem: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"message": "Invalid request data", "error": problem})),
    )
        .into_response()
}

/// Why an event is refused, or `Ok`.
fn validate(event: &Value, inner: &Inner) -> Result<(), String> {
    let Some(event) = event.as_object() else {
        return Err("the event is not an object".into());
    };
    let non_empty = |object: &Map<String, Value>, key: &str| {
        object
            .get(key)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    };
    let datetime = |object: &Map<String, Value>, key: &str| -> Result<(), String> {
        match object.get(key) {
            None | Some(Value::Null) => Ok(()),
            Some(Value::String(s)) if parse_rfc3339_millis(s).is_some() => Ok(()),
            Some(other) => Err(format!("{key}: invalid datetime {other}")),
        }
    };
    if !non_empty(event, "id") {
        return Err("id: required (a non-empty string)".into());
    }
    if !event.get("timestamp").is_some_and(Value::is_string) {
        return Err("timestamp: required (an ISO-8601 datetime)".into());
    }
    datetime(event, "timestamp")?;
    let kind = event
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !EVENT_TYPES.contains(&kind) {
        return Err(format!(
            "type: invalid discriminator value {kind:?}; expected one of {}",
            EVENT_TYPES.join(", ")
        ));
    }
    let Some(body) = event.get("body").and_then(Value::as_object) else {
        return Err("body: required (an object)".into());
    };
    if kind == "sdk-log" {
        return if body.contains_key("log") {
            Ok(())
        } else {
            Err("body.log: required".into())
        };
    }
    if !non_empty(body, "id") {
        return Err("body.id: required (a non-empty string)".into());
    }
    match kind {
        "trace-create" => datetime(body, "timestamp"),
        "score-create" => {
            if !non_empty(body, "name") {
                return Err("body.name: required".into());
            }
            if !body
                .get("value")
                .is_some_and(|v| v.is_number() || v.is_string())
            {
                return Err("body.value: required (a number or a string)".into());
            }
            if !["traceId", "sessionId", "observationId", "datasetRunId"]
                .iter()
                .any(|k| non_empty(body, k))
            {
                return Err(
                    "body: a score needs a traceId, sessionId, observationId or datasetRunId"
                        .into(),
                );
            }
            Ok(())
        }
        _ => {
            // An update of an observation already stored may leave its trace out.
            let known_update =
                kind.ends_with("-update") && inner.observations.contains_key(&string(body, "id"));
            if !(non_empty(body, "traceId") || known_update) {
                return Err("body.traceId: required (a non-empty string)".into());
            }
            for key in ["startTime", "endTime", "completionStartTime"] {
                datetime(body, key)?;
            }
            if let Some(level) = body.get("level").filter(|v| !v.is_null()) {
                if !matches!(
                    level.as_str(),
                    Some("DEBUG" | "DEFAULT" | "WARNING" | "ERROR")
                ) {
                    return Err(format!(
                        "body.level: expected DEBUG, DEFAULT, WARNING or ERROR, got {level}"
                    ));
                }
            }
            if let Some(usage) = body.get("usageDetails").filter(|v| !v.is_null()) {
                if !token_counts(usage) {
                    return Err(format!(
                        "body.usageDetails: expected non-negative integer counts, got {usage}"
                    ));
                }
            }
            if let Some(cost) = body.get("costDetails").filter(|v| !v.is_null()) {
                if !cost
                    .as_object()
                    .is_some_and(|c| c.values().all(Value::is_number))
                {
                    return Err(format!("body.costDetails: expected numbers, got {cost}"));
                }
            }
            Ok(())
        }
    }
}

/// An object of non-negative integers (or, OpenAI-shaped, objects of them).
fn token_counts(value: &Value) -> bool {
    value.as_object().is_some_and(|counts| {
        counts.values().all(|v| match v {
            Value::Number(n) => n.is_u64(),
            Value::Null => true,
            Value::Object(_) => token_counts(v),
            _ => false,
        })
    })
}

async fn traces(State(standin): State<LangfuseStandIn>) -> Json<Vec<Value>> {
    Json(standin.traces())
}

async fn events(State(standin): State<LangfuseStandIn>) -> Json<Vec<Value>> {
    Json(standin.events())
}

async fn add_failure(State(standin): State<LangfuseStandIn>, body: axum::body::Bytes) -> Response {
    let plan: FailurePlan = if body.iter().all(u8::is_ascii_whitespace) {
        FailurePlan {
            status: 503,
            times: 1,
        }
    } else {
        match serde_json::from_slice(&body) {
            Ok(plan) => plan,
            Err(e) => {
                return message(
                    StatusCode::BAD_REQUEST,
                    &format!("invalid failure plan: {e}"),
                )
            }
        }
    };
    if !(400..=599).contains(&plan.status) {
        return message(
            StatusCode::BAD_REQUEST,
            "status must be an error status (400-599)",
        );
    }
    if plan.times > 0 {
        standin.lock().failures.push(plan.clone());
    }
    Json(json!({"queued": plan})).into_response()
}

async fn reset(State(standin): State<LangfuseStandIn>) -> Json<Value> {
    standin.reset();
    Json(json!({"reset": true}))
}

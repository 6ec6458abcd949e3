//! Inngest's side of checkpointing: `POST /v1/checkpoint/{run_id}/async` stores the
//! steps an app ran inside one call request, with the answers Inngest gives (200 with
//! an empty body, 400 for what cannot be checkpointed, 401, 409 for a stale call); and
//! the knobs: failures to inject, and the latency added.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::{Executor, Latency};

/// Inngest's error body: `{"error", "status", "data": {"run_id"}}`.
fn refuse(status: StatusCode, run_id: &str, error: impl Into<String>) -> Response {
    (
        status,
        Json(json!({"error": error.into(), "status": status.as_u16(), "data": {"run_id": run_id}})),
    )
        .into_response()
}

pub(super) async fn report(
    State(executor): State<Executor>,
    Path(run_id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if !executor.authorized(&headers) {
        return super::routes::unauthorized();
    }
    Executor::delay(executor.latency().checkpoint_ms).await;
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return refuse(StatusCode::BAD_REQUEST, &run_id, "Invalid request body");
    };
    let mut inner = executor.inner.lock().unwrap();
    if let Some((status, times)) = inner.checkpoint_failures {
        inner.checkpoint_failures = (times > 1).then(|| (status, times - 1));
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return refuse(status, &run_id, "checkpoint failure injected by the devkit");
    }
    let Some(run) = inner.runs.iter_mut().find(|r| r.run_id == run_id) else {
        return refuse(StatusCode::BAD_REQUEST, &run_id, "run not found");
    };
    if body.get("run_id").and_then(Value::as_str) != Some(run_id.as_str()) {
        return refuse(
            StatusCode::BAD_REQUEST,
            &run_id,
            "run_id does not match the path",
        );
    }
    if body.get("fn_id").and_then(Value::as_str) != Some(run.function_id.as_str()) {
        return refuse(
            StatusCode::BAD_REQUEST,
            &run_id,
            "fn_id is not the run's function",
        );
    }
    let Some(steps) = body.get("steps").and_then(Value::as_array) else {
        return refuse(StatusCode::BAD_REQUEST, &run_id, "steps must be an array");
    };
    // Check every op before storing any: a refused report stores nothing.
    for op in steps {
        let kind = op.get("op").and_then(Value::as_str).unwrap_or_default();
        let id = op.get("id").and_then(Value::as_str).unwrap_or_default();
        match kind {
            "StepRun" | "Step" | "StepPlanned" => {}
            "Sleep" | "WaitForEvent" | "InvokeFunction" | "StepError" | "AIGateway" | "Gateway"
            | "WaitForSignal" | "DiscoveryRequest" => {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    &run_id,
                    "cannot checkpoint async steps",
                );
            }
            other => {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    &run_id,
                    format!("cannot checkpoint opcode: {other}"),
                );
            }
        }
        if id.len() != 40 {
            return refuse(
                StatusCode::BAD_REQUEST,
                &run_id,
                format!("opcode without a sha1 id: {op}"),
            );
        }
        if run.steps.contains_key(id) && kind != "StepPlanned" {
            return refuse(
                StatusCode::BAD_REQUEST,
                &run_id,
                format!("step {id} is already stored"),
            );
        }
    }
    if run.status != super::RunStatus::Running {
        return refuse(StatusCode::BAD_REQUEST, &run_id, "the run has ended");
    }
    let qi_id = body.get("qi_id").and_then(Value::as_str);
    if qi_id.is_none() || qi_id != run.in_flight.as_deref() {
        return refuse(
            StatusCode::CONFLICT,
            &run_id,
            "stale dispatch: this call is not the run's current one",
        );
    }
    for op in steps {
        if op.get("op").and_then(Value::as_str) == Some("StepPlanned") {
            continue;
        }
        let id = op["id"].as_str().unwrap_or_default().to_owned();
        run.steps.insert(
            id.clone(),
            json!({"data": op.get("data").cloned().unwrap_or(Value::Null)}),
        );
        run.stack.push(id);
        run.checkpoints.push(op.clone());
    }
    StatusCode::OK.into_response()
}

/// `POST /_devkit/inngest/checkpoint-failures {"status": 500, "times": 5}`.
pub(super) async fn fail_next(
    State(executor): State<Executor>,
    Json(body): Json<Value>,
) -> Response {
    let status = body.get("status").and_then(Value::as_u64).unwrap_or(500) as u16;
    let times = body.get("times").and_then(Value::as_u64).unwrap_or(1) as u32;
    if !(400..600).contains(&status) {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "status must be 400-599"})),
        )
            .into_response();
    }
    executor.inner.lock().unwrap().checkpoint_failures = (times > 0).then_some((status, times));
    Json(json!({"ok": true, "status": status, "times": times})).into_response()
}

/// `GET /_devkit/inngest/latency`.
pub(super) async fn latency(State(executor): State<Executor>) -> Json<Latency> {
    Json(executor.latency())
}

/// `POST /_devkit/inngest/latency {"call_ms", "event_ms", "checkpoint_ms"}` (missing
/// fields are 0).
pub(super) async fn set_latency(
    State(executor): State<Executor>,
    Json(latency): Json<Latency>,
) -> Json<Latency> {
    executor.set_latency(latency);
    Json(latency)
}

/// `POST /_devkit/inngest/checkpointing {"offered": bool}`.
pub(super) async fn set_offered(
    State(executor): State<Executor>,
    Json(body): Json<Value>,
) -> Response {
    let Some(offered) = body.get("offered").and_then(Value::as_bool) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "offered must be true or false"})),
        )
            .into_response();
    };
    executor.offer_checkpointing(offered);
    Json(json!({"offered": offered})).into_response()
}

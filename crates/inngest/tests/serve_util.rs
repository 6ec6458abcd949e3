//! Shared helpers for the `serve_*` tests (included with `#[path]`; no tests of its own).
#![allow(dead_code)]

use serde_json::{json, Value};
use support_inngest::serve::{ServeConfig, ServeHandler, ServeResponse};
use support_signing::FixedClock;

/// The JS test vector's key.
pub const KEY: &str =
    "signkey-test-f00f3005a3666b359a79c2bc3380ce2715e62727ac461ae1a2618f8766029c9f";
/// The inngest-rs test vector's key (used as the fallback).
pub const FALLBACK: &str =
    "signkey-test-8ee2262a15e8d3c42d6a840db7af3de2aab08ef632b32a37a687f24b34dba3ff";
/// A key nobody signs with.
pub const OTHER: &str =
    "signkey-test-0000000000000000000000000000000000000000000000000000000000000000";
/// "Now" in every test.
pub const NOW: i64 = 1_700_000_000;
pub const APP: &str = "app";

pub fn config() -> ServeConfig {
    ServeConfig::cloud(APP, KEY).with_serve_url("https://example.test/api/inngest")
}

pub fn clock() -> FixedClock {
    FixedClock::from_secs(NOW)
}

/// A call request body.
pub fn call_body(steps: Value, stack: &[&str], attempt: u32) -> Value {
    call_body_with(event(), steps, stack, attempt, false)
}

pub fn call_body_with(
    event: Value,
    steps: Value,
    stack: &[&str],
    attempt: u32,
    disable: bool,
) -> Value {
    json!({
        "event": event,
        "events": [event],
        "steps": steps,
        "ctx": {
            "fn_id": "00000000-0000-0000-0000-000000000000",
            "run_id": "01HRUN",
            "env": "test",
            "step_id": "step",
            "attempt": attempt,
            "stack": {"stack": stack, "current": stack.len()},
            "disable_immediate_execution": disable,
            "use_api": false,
        },
        "version": 2,
        "use_api": false,
    })
}

pub fn event() -> Value {
    json!({"name": "test/run", "data": {"ticket_id": "t_1"}, "id": "", "ts": 1_700_000_000_000i64, "v": "1", "user": {}})
}

/// POSTs a call request signed with `key` at `NOW`.
pub async fn post(
    handler: &ServeHandler,
    fn_id: &str,
    step_id: &str,
    body: &Value,
) -> ServeResponse {
    post_signed_with(handler, fn_id, step_id, body, KEY).await
}

pub async fn post_signed_with(
    handler: &ServeHandler,
    fn_id: &str,
    step_id: &str,
    body: &Value,
    key: &str,
) -> ServeResponse {
    let raw = serde_json::to_vec(body).unwrap();
    let signature = support_signing::inngest::sign(key, NOW, &raw);
    let url = format!("https://example.test/api/inngest?fnId={fn_id}&stepId={step_id}");
    handler
        .handle(
            "POST",
            &url,
            [("X-Inngest-Signature", signature.as_str())],
            &raw,
        )
        .await
}

/// Asserts the headers every answer carries.
pub fn assert_protocol_headers(response: &ServeResponse, no_retry: bool) {
    assert_eq!(
        response.header("x-inngest-sdk"),
        Some("support-edge:v0.1.0")
    );
    assert_eq!(response.header("x-inngest-req-version"), Some("2"));
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(
        response.header("x-inngest-no-retry"),
        Some(if no_retry { "true" } else { "false" })
    );
}

/// Asserts the response is signed with `key`.
pub fn assert_signed_with(response: &ServeResponse, key: &str) {
    let signature = response.header("x-inngest-signature");
    assert!(signature.is_some(), "response is not signed");
    support_signing::inngest::verify(signature, &response.body, &[key], &clock())
        .expect("response signature verifies with the expected key");
}

/// The single opcode of a 206.
pub fn single_op(response: &ServeResponse) -> Value {
    assert_eq!(
        response.status,
        206,
        "body: {}",
        String::from_utf8_lossy(&response.body)
    );
    let ops = response.json_body();
    let ops = ops.as_array().expect("206 body is an array");
    assert_eq!(ops.len(), 1, "ops: {ops:?}");
    ops[0].clone()
}

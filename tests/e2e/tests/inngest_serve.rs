//! The platform's Inngest serve endpoint in workerd, driven by the devkit's local
//! executor: registration, signed call requests, and a run moving through run, sleep
//! and wait_for_event.
//!
//! Environment (set by scripts/test): PLATFORM_URL, DEVKIT_URL, INNGEST_SIGNING_KEY,
//! FRONT_WEBHOOK_SECRET, RESPONSE_TARGET_SECS, INNGEST_TIME_SCALE.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};

const FUNCTION: &str = "support-platform-conversation-watch";

async fn wait_run(conversation: &str, done: impl Fn(&Value) -> bool, within: Duration) -> Value {
    let mine = |r: &Value| {
        r["function_id"] == FUNCTION
            && r["event"]["data"]["conversationId"] == conversation
            && done(r)
    };
    wait_for_run(mine, within, conversation).await
}

fn waiting_for_reply(run: &Value) -> bool {
    run["calls"].as_array().is_some_and(|calls| {
        calls.iter().any(|c| {
            c["ops"]
                .as_array()
                .is_some_and(|ops| ops.iter().any(|o| o["op"] == "WaitForEvent"))
        })
    })
}

#[tokio::test]
async fn registration_lists_the_platform_functions() {
    inngest_sync().await;
    let functions: Vec<Value> = reqwest::get(format!("{}/_devkit/inngest/functions", devkit()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let watch = functions
        .iter()
        .find(|f| f["id"] == FUNCTION)
        .expect("registered");
    assert_eq!(
        watch["triggers"],
        json!([{"event": "support/inbound.received"}])
    );
    assert_eq!(watch["retries"], 3);
    assert!(watch["url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/api/inngest?fnId={FUNCTION}&stepId=step")));
}

#[tokio::test]
async fn unsigned_or_forged_call_requests_are_refused() {
    let url = format!("{}/api/inngest?fnId={FUNCTION}&stepId=step", platform());
    let body = json!({"event": {"name": "support/inbound.received", "data": {}}, "events": [], "steps": {},
                      "ctx": {"run_id": "r", "attempt": 0, "stack": {"stack": [], "current": 0}}, "version": 2}).to_string();
    let unsigned = reqwest::Client::new()
        .post(&url)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 401);
    assert!(unsigned.headers().contains_key("x-inngest-sdk"));
    let forged =
        support_signing::inngest::sign("signkey-test-00", now_ms() / 1000, body.as_bytes());
    let r = reqwest::Client::new()
        .post(&url)
        .header("x-inngest-signature", forged)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // A correctly signed request with no conversation fails for good (400, no retry).
    let good = support_signing::inngest::sign(
        &env("INNGEST_SIGNING_KEY"),
        now_ms() / 1000,
        body.as_bytes(),
    );
    let r = reqwest::Client::new()
        .post(&url)
        .header("x-inngest-signature", good)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["x-inngest-no-retry"], "true");
    assert_eq!(r.headers()["x-inngest-req-version"], "2");
    assert!(
        r.headers().contains_key("x-inngest-signature"),
        "responses are signed"
    );
}

#[tokio::test]
async fn introspection_reports_the_functions_and_keys() {
    let r: Value = reqwest::get(format!("{}/api/inngest", platform()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["schema_version"], "2024-05-24");
    // The conversation watch, the pipeline, the approvals (request, reminder, execute,
    // supersede, audit retention, escalation notice), the retention policy, plus the
    // conformance functions scripts/test enables (9 functions, one with an onFailure
    // handler).
    assert_eq!(r["function_count"], 19);
    assert_eq!(r["has_signing_key"], true);
    assert_eq!(r["has_event_key"], true);
    assert_eq!(r["mode"], "cloud");
}

#[tokio::test]
async fn a_conversation_run_moves_through_its_steps_until_a_reply() {
    inngest_sync().await;
    let cnv = unique("cnv");
    let (_, body) = inbound(&cnv, inbox());
    assert_eq!(post_signed(&body).await.status, 200);
    // The run loads the conversation, sleeps, then waits for the reply.
    wait_run(&cnv, waiting_for_reply, Duration::from_secs(20)).await;
    let (_, reply) = of_kind("outbound_sent", &cnv, inbox());
    assert_eq!(post_signed(&reply).await.status, 200);
    let run = wait_run(&cnv, |r| r["status"] != "running", Duration::from_secs(20)).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["output"]["outcome"]["answered"], true);
    assert_eq!(
        run["output"]["conversation"]["subject"],
        "Refund for my order"
    );
    assert_eq!(
        run["stack"].as_array().unwrap().len(),
        4,
        "load, settle, reply, record"
    );
}

#[tokio::test]
async fn no_reply_within_the_target_is_an_expiry_not_a_no() {
    inngest_sync().await;
    let cnv = unique("cnv");
    let (_, body) = inbound(&cnv, inbox());
    assert_eq!(post_signed(&body).await.status, 200);
    let target = env("RESPONSE_TARGET_SECS").parse::<f64>().unwrap()
        * env("INNGEST_TIME_SCALE").parse::<f64>().unwrap();
    let run = wait_run(
        &cnv,
        |r| r["status"] != "running",
        Duration::from_secs_f64(target + 20.0),
    )
    .await;
    assert_eq!(
        run["output"]["outcome"],
        json!({"answered": false, "expired": true})
    );
}

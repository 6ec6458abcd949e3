//! A platform started with no secrets at all (scripts/test runs a second instance for
//! this): everything a secret protects is closed, and says so.

mod common;

use common::*;
use serde_json::json;

fn closed() -> String {
    env("PLATFORM_CLOSED_URL")
}

#[tokio::test]
async fn inngest_calls_are_refused_without_a_signing_key() {
    // An unsigned call with a well-formed body: served in dev mode before the fix.
    let call = json!({
        "event": {"name": "support/inbound.received", "data": {"conversationId": "cnv_1"}},
        "events": [], "steps": {},
        "ctx": {"run_id": "r", "attempt": 0, "stack": {"stack": [], "current": 0}},
        "version": 2
    });
    let client = reqwest::Client::new();
    let url = format!("{}/api/inngest", closed());
    for request in [
        client
            .post(format!(
                "{url}?fnId=support-platform-conversation-watch&stepId=step"
            ))
            .json(&call),
        client.put(&url),
        client.get(&url),
    ] {
        let r = request.send().await.unwrap();
        let status = r.status().as_u16();
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(status, 503, "{body}");
        assert!(
            body["error"]
                .as_str()
                .unwrap()
                .contains("INNGEST_SIGNING_KEY"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn front_webhooks_are_refused_without_a_secret() {
    let (_, body) = inbound(&unique("cnv"), inbox());
    let bytes = serde_json::to_vec(&body).unwrap();
    let ts = now_ms();
    let r = reqwest::Client::new()
        .post(format!("{}/webhooks/front", closed()))
        .header(
            "x-front-signature",
            support_signing::front::sign_app(b"anything", ts, &bytes),
        )
        .header("x-front-request-timestamp", ts.to_string())
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn admin_routes_do_not_exist_without_a_token() {
    for path in [
        "/admin/intake/stats",
        "/admin/dead-letters",
        "/admin/conversations/cnv_1",
    ] {
        let r = reqwest::Client::new()
            .get(format!("{}{path}", closed()))
            .bearer_auth("")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
    let r = reqwest::Client::new()
        .delete(format!("{}/admin/intake/stats", closed()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "not even a 405 gives them away");
}

#[tokio::test]
async fn health_still_answers() {
    let r = reqwest::get(format!("{}/healthz", closed())).await.unwrap();
    assert_eq!(r.status(), 200);
}

//! `POST /webhooks/front` on the platform worker in workerd, with the devkit's Inngest
//! Event API stand-in receiving the events.
//!
//! Environment (set by scripts/test): PLATFORM_URL, DEVKIT_URL, FRONT_WEBHOOK_SECRET,
//! FRONT_WEBHOOK_SECRET_PREVIOUS, FRONT_RULE_WEBHOOK_SECRET, ADMIN_TOKEN.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn every_event_type_becomes_its_platform_event() {
    let cnv = unique("cnv");
    let cases = [
        ("inbound_received", "support/inbound.received"),
        ("new_comment_added", "support/comment.received"),
        ("conversation_snoozed", "support/conversation.snoozed"),
        ("conversation_snooze_expired", "support/snooze.expired"),
        ("outbound_sent", "support/outbound.message"),
        ("outbound", "support/outbound.message"),
    ];
    for (kind, name) in cases {
        let (event_id, body) = of_kind(kind, &cnv, inbox());
        let sent = post_signed(&body).await;
        assert_eq!(sent.status, 200, "{kind}: {}", sent.body);
        assert_eq!(sent.body["eventId"], event_id.as_str());
        let got = wait_for_event(&event_id, WAIT).await;
        assert_eq!(got.len(), 1, "{kind}: exactly one event");
        let event = &got[0]["event"];
        assert_eq!(event["name"], name, "{kind}");
        assert_eq!(
            event["id"],
            event_id.as_str(),
            "the Front event id is the Inngest event id"
        );
        assert_eq!(event["v"], "1");
        assert_eq!(event["data"]["version"], 1);
        assert_eq!(event["data"]["appId"], app_id(), "{kind}");
        assert_eq!(event["data"]["conversationId"], cnv.as_str());
        assert_eq!(event["data"]["traceId"].as_str().map(str::len), Some(32));
        assert_eq!(got[0]["key"], env("INNGEST_EVENT_KEY"));
    }
}

#[tokio::test]
async fn inbound_events_carry_the_message() {
    let (event_id, body) = inbound(&unique("cnv"), inbox());
    assert_eq!(post_signed(&body).await.status, 200);
    let got = wait_for_event(&event_id, WAIT).await;
    let data = &got[0]["event"]["data"];
    assert_eq!(data["senderEmail"], "dana@example.com");
    assert_eq!(data["subject"], "Refund for my order");
    assert!(data["body"].as_str().unwrap().contains("refund"));
    assert_eq!(data["inboxId"], inbox());
}

#[tokio::test]
async fn validation_challenge_and_sync() {
    let sync = json!({"type": "sync", "authorization": {"id": "cmp_1"}});
    let bytes = serde_json::to_vec(&sync).unwrap();
    let ts = now_ms();
    let sig = support_signing::front::sign_app(env("FRONT_WEBHOOK_SECRET").as_bytes(), ts, &bytes);
    let headers = [
        ("x-front-signature", sig.clone()),
        ("x-front-request-timestamp", ts.to_string()),
        ("x-front-challenge", "chal-123".to_string()),
    ];
    let sent = post_raw(bytes.clone(), &headers).await;
    assert_eq!(
        (sent.status, sent.body.clone()),
        (200, json!({"challenge": "chal-123"}))
    );

    // The challenge is answered only after a valid signature.
    let forged = [
        ("x-front-signature", "AAAA".to_string()),
        ("x-front-request-timestamp", ts.to_string()),
        ("x-front-challenge", "chal-123".to_string()),
    ];
    assert_eq!(post_raw(bytes.clone(), &forged).await.status, 401);

    let sent = post_signed(&sync).await;
    assert_eq!(
        (sent.status, sent.body["type"].clone()),
        (200, json!("sync"))
    );
}

#[tokio::test]
async fn bad_signatures_and_timestamps_are_401_with_a_json_reason() {
    let (_, body) = inbound(&unique("cnv"), inbox());
    let bytes = serde_json::to_vec(&body).unwrap();
    let secret = env("FRONT_WEBHOOK_SECRET");
    let ts = now_ms();
    let sign =
        |secret: &str, ts: i64| support_signing::front::sign_app(secret.as_bytes(), ts, &bytes);
    let cases: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("no headers", vec![]),
        (
            "no timestamp",
            vec![("x-front-signature", sign(&secret, ts))],
        ),
        (
            "no signature",
            vec![("x-front-request-timestamp", ts.to_string())],
        ),
        (
            "wrong secret",
            vec![
                ("x-front-signature", sign("wrong", ts)),
                ("x-front-request-timestamp", ts.to_string()),
            ],
        ),
        (
            "stale",
            vec![
                ("x-front-signature", sign(&secret, ts - 330_000)),
                ("x-front-request-timestamp", (ts - 330_000).to_string()),
            ],
        ),
        (
            "future",
            vec![
                ("x-front-signature", sign(&secret, ts + 330_000)),
                ("x-front-request-timestamp", (ts + 330_000).to_string()),
            ],
        ),
        (
            "seconds not ms",
            vec![
                ("x-front-signature", sign(&secret, ts / 1000)),
                ("x-front-request-timestamp", (ts / 1000).to_string()),
            ],
        ),
        (
            "non-numeric",
            vec![
                ("x-front-signature", sign(&secret, ts)),
                ("x-front-request-timestamp", "soon".into()),
            ],
        ),
        (
            "truncated",
            vec![
                ("x-front-signature", sign(&secret, ts)[..20].to_string()),
                ("x-front-request-timestamp", ts.to_string()),
            ],
        ),
    ];
    for (case, headers) in cases {
        let sent = post_raw(bytes.clone(), &headers).await;
        assert_eq!(sent.status, 401, "{case}: {}", sent.body);
        // Which check failed is for the log, not for the caller.
        assert_eq!(
            json_error(&sent),
            "invalid Front signature",
            "{case}: {}",
            sent.body
        );
    }

    // Tampered body, signed for the original bytes.
    let mut tampered = bytes.clone();
    tampered[10] ^= 1;
    let sent = post_raw(
        tampered,
        &[
            ("x-front-signature", sign(&secret, ts)),
            ("x-front-request-timestamp", ts.to_string()),
        ],
    )
    .await;
    assert_eq!(sent.status, 401);
}

#[tokio::test]
async fn rotation_accepts_the_previous_secret() {
    let (event_id, body) = inbound(&unique("cnv"), inbox());
    let sent = post_signed_at(&body, &env("FRONT_WEBHOOK_SECRET_PREVIOUS"), now_ms()).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert_eq!(wait_for_event(&event_id, WAIT).await.len(), 1);
}

#[tokio::test]
async fn legacy_rule_webhooks_verify_with_sha1() {
    let (event_id, body) = inbound(&unique("cnv"), inbox());
    let bytes = serde_json::to_vec(&body).unwrap();
    let good =
        support_signing::front::sign_rule(env("FRONT_RULE_WEBHOOK_SECRET").as_bytes(), &bytes);
    assert_eq!(
        post_raw(bytes.clone(), &[("x-front-signature", good)])
            .await
            .status,
        200
    );
    assert_eq!(wait_for_event(&event_id, WAIT).await.len(), 1);
    let bad = support_signing::front::sign_rule(b"wrong", &bytes);
    assert_eq!(
        post_raw(bytes, &[("x-front-signature", bad)]).await.status,
        401
    );
}

#[tokio::test]
async fn malformed_oversized_and_unknown_input() {
    let secret = env("FRONT_WEBHOOK_SECRET");
    let sign_raw = |bytes: &[u8]| {
        let ts = now_ms();
        vec![
            (
                "x-front-signature",
                support_signing::front::sign_app(secret.as_bytes(), ts, bytes),
            ),
            ("x-front-request-timestamp", ts.to_string()),
        ]
    };
    let broken = b"{\"type\": \"inbound_received\", ".to_vec();
    let sent = post_raw(broken.clone(), &sign_raw(&broken)).await;
    assert_eq!(sent.status, 400);
    assert!(json_error(&sent).starts_with("invalid JSON payload"));

    let big = vec![b' '; 600 * 1024];
    let sent = post_raw(big.clone(), &sign_raw(&big)).await;
    assert_eq!(sent.status, 413);
    json_error(&sent);

    let sent = post_signed(&json!({"type": "tag_added", "payload": {"id": unique("evt")}})).await;
    assert_eq!(sent.status, 200);
    assert!(sent.body["ignored"].as_str().unwrap().contains("tag_added"));

    let sent = post_signed(
        &json!({"type": "inbound_received", "payload": {"conversation": {"id": "cnv_1"}}}),
    )
    .await;
    assert_eq!(
        (sent.status, json_error(&sent)),
        (400, "payload.id is missing")
    );
}

#[tokio::test]
async fn a_storm_of_duplicate_deliveries_yields_one_event() {
    let (event_id, body) = inbound(&unique("cnv"), inbox());
    let sends = (0..100).map(|_| post_signed(&body));
    let results = futures::future::join_all(sends).await;
    assert!(
        results.iter().all(|r| r.status == 200),
        "every copy is acknowledged"
    );
    let accepted = results
        .iter()
        .filter(|r| r.body.get("duplicate").is_none())
        .count();
    assert_eq!(accepted, 1, "exactly one copy is accepted");
    let got = wait_for_event(&event_id, WAIT).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        received(&event_id).await.len(),
        1,
        "one Inngest event, got {got:?}"
    );
}

#[tokio::test]
async fn unknown_inboxes_are_acknowledged_and_counted() {
    let before = admin("/admin/intake/stats").await["counters"]["unknown_inbox"]
        .as_i64()
        .unwrap_or(0);
    let (event_id, body) = inbound(&unique("cnv"), "inb_nobody");
    let sent = post_signed(&body).await;
    assert_eq!(sent.status, 200);
    assert!(sent.body["ignored"].is_string(), "{}", sent.body);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(received(&event_id).await.is_empty());
    let after = admin("/admin/intake/stats").await["counters"]["unknown_inbox"]
        .as_i64()
        .unwrap_or(0);
    assert!(after > before, "counter went from {before} to {after}");
}

#[tokio::test]
async fn comments_without_an_inbox_use_the_app_the_conversation_already_has() {
    let cnv = unique("cnv");
    let (_, first) = inbound(&cnv, inbox());
    assert_eq!(post_signed(&first).await.status, 200);
    let (comment_id, mut comment) = of_kind("new_comment_added", &cnv, inbox());
    assert_eq!(comment["payload"]["source"]["_meta"]["type"], "teammate");
    comment["payload"]["source"] = Value::Null;
    assert_eq!(post_signed(&comment).await.status, 200);
    let got = wait_for_event(&comment_id, WAIT).await;
    assert_eq!(got[0]["event"]["data"]["appId"], app_id());
    assert_eq!(got[0]["event"]["data"]["inboxId"], inbox());

    // A fresh conversation with no inbox at all belongs to no app.
    let (orphan_id, mut orphan) = of_kind("new_comment_added", &unique("cnv"), inbox());
    orphan["payload"]["source"] = Value::Null;
    let sent = post_signed(&orphan).await;
    assert!(sent.body["ignored"].is_string(), "{}", sent.body);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(received(&orphan_id).await.is_empty());
}

#[tokio::test]
async fn the_conversation_object_caches_metadata_and_messages() {
    let cnv = unique("cnv");
    let (_, inbound_body) = inbound(&cnv, inbox());
    post_signed(&inbound_body).await;
    let (reply_id, reply) = of_kind("outbound_sent", &cnv, inbox());
    post_signed(&reply).await;
    wait_for_event(&reply_id, WAIT).await;
    let state = conversation(&cnv).await;
    assert_eq!(state["meta"]["appId"], app_id());
    assert_eq!(state["meta"]["customerEmail"], "dana@example.com");
    assert_eq!(state["meta"]["subject"], "Refund for my order");
    let kinds: Vec<&str> = state["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["inbound", "outbound"]);
    assert_eq!(state["seenEvents"], 2);
    // The delivery's answer lands a moment after Inngest has the event.
    let state = wait_for_state(&cnv, WAIT, "delivered events leave the outbox", |s| {
        s["outbox"] == json!([])
    })
    .await;
    let ttl_ms = env("CONVERSATION_TTL_SECS").parse::<i64>().unwrap() * 1000;
    let expires =
        state["expiresAtMs"].as_i64().unwrap() - state["lastActivityMs"].as_i64().unwrap();
    assert_eq!(expires, ttl_ms);
}

#[tokio::test]
async fn admin_routes_need_the_token() {
    let r = reqwest::get(format!("{}/admin/intake/stats", platform()))
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = reqwest::Client::new()
        .get(format!("{}/admin/intake/stats", platform()))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn admin_accepts_the_bearer_scheme_in_any_case() {
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let r = reqwest::Client::new()
            .get(format!("{}/admin/intake/stats", platform()))
            .header("authorization", format!("{scheme} {}", env("ADMIN_TOKEN")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{scheme}");
    }
}

#[tokio::test]
async fn rule_webhooks_emitted_long_ago_are_refused_as_replays() {
    let ttl_secs: f64 = env("CONVERSATION_TTL_SECS").parse().unwrap();
    let (event_id, mut body) = inbound(&unique("cnv"), inbox());
    // Older than the dedupe window: the object may have forgotten its id.
    body["payload"]["emitted_at"] = json!(now_ms() as f64 / 1000.0 - ttl_secs - 60.0);
    let bytes = serde_json::to_vec(&body).unwrap();
    let signature =
        support_signing::front::sign_rule(env("FRONT_RULE_WEBHOOK_SECRET").as_bytes(), &bytes);
    let sent = post_raw(bytes, &[("x-front-signature", signature)]).await;
    assert_eq!(sent.status, 400, "{}", sent.body);
    assert!(json_error(&sent).contains("replay window"), "{}", sent.body);

    // Undated rule webhooks cannot be checked at all.
    body["payload"]
        .as_object_mut()
        .unwrap()
        .remove("emitted_at");
    let bytes = serde_json::to_vec(&body).unwrap();
    let signature =
        support_signing::front::sign_rule(env("FRONT_RULE_WEBHOOK_SECRET").as_bytes(), &bytes);
    assert_eq!(
        post_raw(bytes, &[("x-front-signature", signature)])
            .await
            .status,
        400
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(received(&event_id).await.is_empty());
}

#[tokio::test]
async fn an_app_registered_a_moment_ago_is_found() {
    let inbox_id = unique("inb_new");
    let slug = unique("new-app").replace('_', "-");
    // The isolate caches the registry: make sure it holds a copy without the new app.
    let (_, body) = inbound(&unique("cnv"), &inbox_id);
    let sent = post_signed(&body).await;
    assert!(sent.body["ignored"].is_string(), "{}", sent.body);

    d1_execute(&format!(
        "INSERT INTO apps (id, slug, name, front_inbox_id, integration_url, created_at, updated_at) \
         VALUES ('app_{slug}', '{slug}', 'New app', '{inbox_id}', 'http://127.0.0.1:9/api/support', 0, 0)"
    ));

    let (event_id, body) = inbound(&unique("cnv"), &inbox_id);
    let sent = post_signed(&body).await;
    assert_eq!(sent.status, 200);
    assert_eq!(
        sent.body["appId"], slug,
        "accepted for the new app: {}",
        sent.body
    );
    let got = wait_for_event(&event_id, WAIT).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["event"]["data"]["appId"], slug);
}

/// What workerd's SQLite holds for an object that never wrote anything: its own
/// metadata, two 4 KiB pages. Creating the conversation's tables adds a page each.
const EMPTY_OBJECT_BYTES: u64 = 8192;

#[tokio::test]
async fn reads_and_unattributable_events_create_no_storage() {
    let no_storage = |state: &Value| {
        state["exists"] == false && state["storageBytes"].as_u64().unwrap() <= EMPTY_OBJECT_BYTES
    };
    // An admin (or workflow) read of a conversation nobody wrote to, twice.
    let cnv = unique("cnv");
    for _ in 0..2 {
        let state = conversation(&cnv).await;
        assert!(no_storage(&state), "{state}");
    }

    // An event of an inbox no app owns, for a conversation with no app.
    let cnv = unique("cnv");
    let (_, body) = inbound(&cnv, "inb_nobody");
    assert!(post_signed(&body).await.body["ignored"].is_string());
    let state = conversation(&cnv).await;
    assert!(no_storage(&state), "{state}");

    // The write path creates it.
    let (event_id, body) = inbound(&cnv, inbox());
    assert_eq!(post_signed(&body).await.status, 200);
    wait_for_event(&event_id, WAIT).await;
    let state = conversation(&cnv).await;
    assert_eq!(state["exists"], true, "{state}");
    assert!(
        state["storageBytes"].as_u64().unwrap() >= EMPTY_OBJECT_BYTES + 3 * 4096,
        "tables were created: {state}"
    );
    assert!(
        state["alarmAtMs"].is_i64(),
        "an object with storage always has an alarm: {state}"
    );
}

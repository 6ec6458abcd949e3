//! The slow ones, in their own binary so that injected Inngest failures do not touch
//! the other tests (cargo runs test binaries one after another).

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::json;

/// The two tests share the Inngest stand-in; the outage must not delay the other one.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test]
async fn inngest_outage_loses_nothing_and_duplicates_nothing() {
    let _serial = SERIAL.lock().await;
    // Inngest is down until told otherwise.
    devkit_control(
        "/_devkit/inngest/fail",
        json!({"status": 503, "count": null, "retry_after": 1}),
    )
    .await;
    let conversations: Vec<String> = (0..3).map(|_| unique("cnv")).collect();
    let mut ids = Vec::new();
    for i in 0..6 {
        let (event_id, body) = inbound(&conversations[i % 3], inbox());
        let sent = post_signed(&body).await;
        assert_eq!(
            sent.status, 200,
            "accepted while Inngest is down: {}",
            sent.body
        );
        ids.push(event_id);
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    for id in &ids {
        assert!(
            received(id).await.is_empty(),
            "nothing can arrive while Inngest is down"
        );
    }
    let waiting = conversation(&conversations[0]).await;
    let outbox = waiting["outbox"].as_array().unwrap();
    assert_eq!(outbox.len(), 2);
    assert!(outbox.iter().all(|e| e["attempts"].as_i64().unwrap() >= 1
        && e["lastError"].as_str().unwrap().contains("503")));

    devkit_control("/_devkit/inngest/recover", json!({})).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    for id in &ids {
        let got = wait_for_event(id, deadline.saturating_duration_since(Instant::now())).await;
        assert_eq!(got.len(), 1, "{id} delivered exactly once after recovery");
    }
    for cnv in &conversations {
        assert_eq!(conversation(cnv).await["outbox"], json!([]));
    }
}

#[tokio::test]
async fn a_hanging_inngest_is_cut_off_at_the_timeout_and_tried_again() {
    let _serial = SERIAL.lock().await;
    let cnv = unique("cnv");
    // The next request to Inngest about this conversation hangs for 8 s before it is
    // answered. Scoped to the conversation so that a late event of an earlier test
    // cannot take the injected hang in its place.
    devkit_control(
        "/_devkit/inngest/fail",
        json!({"status": 200, "count": 1, "delay_ms": 8000, "matching": cnv}),
    )
    .await;
    let (event_id, body) = inbound(&cnv, inbox());
    let started = Instant::now();
    let sent = post_signed(&body).await;
    let waited = started.elapsed();
    assert_eq!(sent.status, 200, "accepted: {}", sent.body);
    // The intake waits for one attempt of at most 3 s, not for the hanging Inngest.
    assert!(
        waited < Duration::from_secs(6),
        "the webhook waited {waited:?} for a hanging Inngest"
    );
    let state = conversation(&cnv).await;
    let outbox = state["outbox"].as_array().unwrap();
    assert_eq!(outbox.len(), 1, "the event waits for its retry: {state}");
    assert!(
        outbox[0]["lastError"]
            .as_str()
            .unwrap()
            .contains("did not answer within 3000 ms"),
        "the timeout is what the outbox says: {state}"
    );
    assert!(
        state["alarmAtMs"].as_i64().unwrap() <= outbox[0]["nextAttemptAt"].as_i64().unwrap(),
        "the alarm covers the retry: {state}"
    );
    let got = wait_for_event(&event_id, Duration::from_secs(30)).await;
    assert!(!got.is_empty(), "delivered by the retry");
    wait_for_state(&cnv, Duration::from_secs(10), "the outbox empties", |s| {
        s["outbox"] == json!([])
    })
    .await;
}

#[tokio::test]
async fn quiet_conversations_expire_after_the_ttl() {
    let _serial = SERIAL.lock().await;
    let ttl = Duration::from_secs(env("CONVERSATION_TTL_SECS").parse().unwrap());
    let cnv = unique("cnv");
    let (event_id, body) = inbound(&cnv, inbox());
    assert_eq!(post_signed(&body).await.status, 200);
    assert_eq!(
        wait_for_event(&event_id, Duration::from_secs(10))
            .await
            .len(),
        1
    );
    assert_eq!(conversation(&cnv).await["seenEvents"], 1);

    // Activity refreshes the TTL: halfway through, another event arrives.
    tokio::time::sleep(ttl / 2).await;
    let (second, body) = of_kind("outbound_sent", &cnv, inbox());
    post_signed(&body).await;
    wait_for_event(&second, Duration::from_secs(10)).await;
    tokio::time::sleep(ttl / 2 + Duration::from_millis(500)).await;
    assert_eq!(
        conversation(&cnv).await["seenEvents"],
        2,
        "still alive: the second event refreshed the TTL"
    );

    let deadline = Instant::now() + ttl + Duration::from_secs(10);
    loop {
        let state = conversation(&cnv).await;
        if state["seenEvents"] == 0 && state["meta"].is_null() && state["messages"] == json!([]) {
            break;
        }
        assert!(Instant::now() < deadline, "not expired: {state}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test]
async fn events_outlive_a_ttl_spent_waiting_for_inngest() {
    let _serial = SERIAL.lock().await;
    let ttl = Duration::from_secs(env("CONVERSATION_TTL_SECS").parse().unwrap());
    devkit_control(
        "/_devkit/inngest/fail",
        json!({"status": 503, "count": null, "retry_after": 1}),
    )
    .await;
    let cnv = unique("cnv");
    let (event_id, body) = inbound(&cnv, inbox());
    assert_eq!(post_signed(&body).await.status, 200);
    // Inngest stays down for longer than the TTL: the object must neither expire nor
    // stop trying.
    tokio::time::sleep(ttl + Duration::from_secs(3)).await;
    let state = conversation(&cnv).await;
    assert_eq!(state["outbox"].as_array().map(Vec::len), Some(1), "{state}");
    assert!(
        state["alarmAtMs"].as_i64().unwrap() >= now_ms() - 1_000,
        "the alarm follows the outbox: {state}"
    );
    devkit_control("/_devkit/inngest/recover", json!({})).await;
    let got = wait_for_event(&event_id, Duration::from_secs(40)).await;
    assert_eq!(got.len(), 1, "delivered once after the outage");
}

#[tokio::test]
async fn permanent_refusals_are_dead_lettered_and_replayable() {
    let _serial = SERIAL.lock().await;
    let cnv = unique("cnv");
    // Only this conversation's events: the pipeline's functions send events of their own.
    devkit_control(
        "/_devkit/inngest/fail",
        json!({"status": 400, "count": 1, "matching": cnv}),
    )
    .await;
    let (refused, body) = inbound(&cnv, inbox());
    assert_eq!(post_signed(&body).await.status, 200);
    let deadline = Instant::now() + Duration::from_secs(15);
    let letter = loop {
        if let Some(l) = dead_letters()
            .await
            .into_iter()
            .find(|l| l["eventId"] == refused.as_str())
        {
            break l;
        }
        assert!(Instant::now() < deadline, "{refused} was not dead-lettered");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(letter["conversationId"], cnv.as_str());
    assert_eq!(letter["name"], "support/inbound.received");
    assert!(
        letter["reason"].as_str().unwrap().contains("400"),
        "{letter}"
    );
    assert!(letter["replayedAt"].is_null());
    // Not retried: the outbox is free for the rest.
    wait_for_state(&cnv, Duration::from_secs(5), "the outbox lets go", |s| {
        s["outbox"] == json!([])
    })
    .await;
    let (next, body) = of_kind("outbound_sent", &cnv, inbox());
    assert_eq!(post_signed(&body).await.status, 200);
    assert_eq!(
        wait_for_event(&next, Duration::from_secs(10)).await.len(),
        1
    );
    assert!(received(&refused).await.is_empty());

    // An operator lists and replays it with `skill` once the cause is fixed.
    let skill = |args: &[&str]| skill_output(args, None);
    let listed = skill(&["outbox", "dead-letters", "--json"]);
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert!(listed["deadLetters"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["eventId"] == refused.as_str()));
    let unknown = skill(&["outbox", "replay", "evt_nobody"]);
    assert_eq!(unknown.status.code(), Some(2), "an unknown id is an error");
    let replayed = skill(&["outbox", "replay", &refused]);
    assert!(
        replayed.status.success(),
        "{}",
        String::from_utf8_lossy(&replayed.stderr)
    );
    assert!(String::from_utf8_lossy(&replayed.stdout).contains(&format!("replayed {refused}")));
    let got = wait_for_event(&refused, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["event"]["data"]["conversationId"], cnv.as_str());
    let letter = dead_letters()
        .await
        .into_iter()
        .find(|l| l["eventId"] == refused.as_str())
        .unwrap();
    assert!(letter["replayedAt"].is_i64(), "{letter}");
}

#[tokio::test]
async fn a_poisoned_batch_is_split_and_only_the_culprit_is_dead_lettered() {
    let _serial = SERIAL.lock().await;
    devkit_control(
        "/_devkit/inngest/fail",
        json!({"status": 503, "count": null, "retry_after": 1}),
    )
    .await;
    let cnv = unique("cnv");
    let poison = unique("POISON");
    let mut ids = Vec::new();
    for i in 0..3 {
        let event_id = unique("evt");
        let mut spec = support_testkit::front::WebhookSpec::inbound(
            &event_id,
            &cnv,
            inbox(),
            now_ms() as f64 / 1000.0,
        );
        spec.target_id = unique("msg");
        if i == 1 {
            spec.body = format!("this one is refused: {poison}");
        }
        assert_eq!(
            post_signed(&support_testkit::front::webhook(&spec))
                .await
                .status,
            200
        );
        ids.push(event_id);
    }
    wait_for_state(&cnv, Duration::from_secs(10), "three events wait", |s| {
        s["outbox"].as_array().is_some_and(|o| o.len() == 3)
    })
    .await;
    // Inngest comes back but refuses any request carrying the poisoned event.
    devkit_control(
        "/_devkit/inngest/fail",
        json!({"status": 400, "count": null, "matching": poison}),
    )
    .await;
    for (i, id) in ids.iter().enumerate() {
        if i == 1 {
            continue;
        }
        assert_eq!(
            wait_for_event(id, Duration::from_secs(30)).await.len(),
            1,
            "{id} flows"
        );
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    while !dead_letters()
        .await
        .iter()
        .any(|l| l["eventId"] == ids[1].as_str())
    {
        assert!(
            Instant::now() < deadline,
            "the culprit was not dead-lettered"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    devkit_control("/_devkit/inngest/recover", json!({})).await;
    assert!(received(&ids[1]).await.is_empty());
    let letters = dead_letters().await;
    assert!(!letters
        .iter()
        .any(|l| l["eventId"] == ids[0].as_str() || l["eventId"] == ids[2].as_str()));
}

#[tokio::test]
async fn event_ids_are_forgotten_after_the_dedupe_window() {
    let _serial = SERIAL.lock().await;
    let ttl = Duration::from_secs(env("CONVERSATION_TTL_SECS").parse().unwrap());
    let cnv = unique("cnv");
    // Activity every third of the TTL keeps the conversation alive for 1.6 TTLs.
    let steps = 5;
    for _ in 0..steps {
        let (event_id, body) = of_kind("outbound_sent", &cnv, inbox());
        assert_eq!(post_signed(&body).await.status, 200);
        wait_for_event(&event_id, Duration::from_secs(10)).await;
        tokio::time::sleep(ttl * 2 / 5).await;
    }
    let state = conversation(&cnv).await;
    assert_eq!(state["exists"], true, "still active: {state}");
    let seen = state["seenEvents"].as_u64().unwrap();
    assert!(
        (1..steps).contains(&seen),
        "ids older than the window are pruned: {state}"
    );
}

async fn injected_failures() -> u64 {
    let stats: serde_json::Value = reqwest::get(format!("{}/_devkit/inngest/stats", devkit()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    stats["injected_failures"].as_u64().unwrap()
}

#[tokio::test]
async fn a_rate_limited_inngest_is_not_hit_per_webhook() {
    let _serial = SERIAL.lock().await;
    let cnv = unique("cnv");
    // Only this conversation's events: the pipeline's functions send events of their own.
    devkit_control(
        "/_devkit/inngest/fail",
        json!({"status": 429, "count": null, "retry_after": 4, "matching": cnv}),
    )
    .await;
    let before = injected_failures().await;
    let mut ids = Vec::new();
    for _ in 0..4 {
        let (event_id, body) = inbound(&cnv, inbox());
        assert_eq!(post_signed(&body).await.status, 200);
        ids.push(event_id);
    }
    // One attempt, then the Retry-After holds the conversation's outbox: the webhooks
    // that arrive meanwhile wait with it instead of trying again each.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        injected_failures().await - before,
        1,
        "one attempt during the hold"
    );
    devkit_control("/_devkit/inngest/recover", json!({})).await;
    for id in &ids {
        assert_eq!(
            wait_for_event(id, Duration::from_secs(20)).await.len(),
            1,
            "{id}"
        );
    }
}

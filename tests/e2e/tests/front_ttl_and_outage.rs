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

//! Bodies over a route's cap are refused while they are read, declared or chunked.
//!
//! In a binary of their own, one request at a time. A chunked body past the cap is not
//! kept, but the rest of it is read and dropped (up to 8 MiB more): a worker that
//! answers before the body is consumed wedges `wrangler dev`'s proxy, which then stalls
//! or answers the next request with a 503 of its own.

mod common;

use std::time::{Duration, Instant};

use common::*;

async fn settle() {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let ok = reqwest::Client::new()
            .get(format!("{}/healthz", platform()))
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200);
        if ok {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the platform did not answer again"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn oversized_bodies_are_refused_while_reading() {
    // Front: 512 KiB. Unsigned and chunked: nothing is buffered past the cap.
    let headers = [
        ("x-front-signature", "AAAA".to_owned()),
        ("x-front-request-timestamp", now_ms().to_string()),
        ("content-type", "application/json".to_owned()),
    ];
    let (status, body) = post_chunked(
        &format!("{}/webhooks/front", platform()),
        2 * 1024 * 1024,
        &headers,
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert!(body["error"].as_str().unwrap().contains("524288"), "{body}");
    settle().await;

    // Inngest calls: 5 MiB, checked before the signature; nothing runs.
    let url = format!(
        "{}/api/inngest?fnId=support-platform-conversation-watch&stepId=step",
        platform()
    );
    let (status, body) = post_chunked(
        &url,
        8 * 1024 * 1024,
        &[("content-type", "application/json".to_owned())],
    )
    .await;
    assert_eq!(status, 413, "{body}");
    settle().await;

    // Declared too large: refused before a byte is read.
    let big = vec![b' '; 600 * 1024];
    let r = reqwest::Client::new()
        .post(format!("{}/webhooks/front", platform()))
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    settle().await;
}

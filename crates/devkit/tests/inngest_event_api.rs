//! The Inngest Event API stand-in answers like Inngest and records what arrived.

use serde_json::{json, Value};

async fn devkit(keys: &[&str]) -> support_devkit::Running {
    let config = support_devkit::Config {
        inngest_event_keys: keys.iter().map(|k| k.to_string()).collect(),
        ..Default::default()
    };
    support_devkit::start("127.0.0.1:0".parse().unwrap(), &config)
        .await
        .unwrap()
}

async fn send(base: &str, key: &str, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{base}/e/{key}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn events(base: &str) -> Vec<Value> {
    reqwest::get(format!("{base}/_devkit/inngest/events"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn accepts_arrays_and_single_events_with_one_id_each() {
    let d = devkit(&[]).await;
    let (status, body) = send(
        &d.url(),
        "any",
        json!([{"name": "a/x", "data": {}}, {"name": "a/y"}]),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], 200);
    assert_eq!(body["ids"].as_array().unwrap().len(), 2);
    let (status, _) = send(&d.url(), "any", json!({"name": "a/z", "data": {"n": 1}})).await;
    assert_eq!(status, 200);
    let got = events(&d.url()).await;
    let names: Vec<_> = got
        .iter()
        .map(|e| e["event"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a/x", "a/y", "a/z"]);
}

#[tokio::test]
async fn rejects_what_inngest_rejects() {
    let d = devkit(&["key-1"]).await;
    let (status, body) = send(&d.url(), "wrong", json!([{"name": "a/x"}])).await;
    assert_eq!(
        (status, body["error"].as_str().unwrap()),
        (401, "Event key not found")
    );
    for bad in [
        json!([{"data": {}}]),
        json!([{"name": ""}]),
        json!([{"name": "a", "data": 3}]),
        json!("text"),
    ] {
        let (status, body) = send(&d.url(), "key-1", bad.clone()).await;
        assert_eq!(status, 400, "{bad}");
        assert!(body["error"].is_string());
    }
    assert!(
        events(&d.url()).await.is_empty(),
        "nothing rejected is recorded"
    );
}

#[tokio::test]
async fn marks_repeated_event_ids_as_duplicates() {
    let d = devkit(&[]).await;
    send(&d.url(), "k", json!([{"name": "a/x", "id": "evt_1"}])).await;
    send(
        &d.url(),
        "k",
        json!([{"name": "a/x", "id": "evt_1"}, {"name": "a/x", "id": "evt_2"}]),
    )
    .await;
    let dup: Vec<bool> = events(&d.url())
        .await
        .iter()
        .map(|e| e["duplicate"].as_bool().unwrap())
        .collect();
    assert_eq!(dup, [false, true, false]);
}

#[tokio::test]
async fn injected_failures_then_recovery() {
    let d = devkit(&[]).await;
    let client = reqwest::Client::new();
    client
        .post(format!("{}/_devkit/inngest/fail", d.url()))
        .json(&json!({"status": 503, "count": 2, "retry_after": 1}))
        .send()
        .await
        .unwrap();
    let first = client
        .post(format!("{}/e/k", d.url()))
        .json(&json!([{"name": "a/x"}]))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 503);
    assert_eq!(first.headers()["retry-after"], "1");
    assert_eq!(send(&d.url(), "k", json!([{"name": "a/x"}])).await.0, 503);
    assert_eq!(send(&d.url(), "k", json!([{"name": "a/x"}])).await.0, 200);
    assert_eq!(events(&d.url()).await.len(), 1);

    client
        .post(format!("{}/_devkit/inngest/fail", d.url()))
        .json(&json!({"status": 500, "count": null}))
        .send()
        .await
        .unwrap();
    for _ in 0..3 {
        assert_eq!(send(&d.url(), "k", json!([{"name": "a/x"}])).await.0, 500);
    }
    client
        .post(format!("{}/_devkit/inngest/recover", d.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(send(&d.url(), "k", json!([{"name": "a/x"}])).await.0, 200);
    let stats: Value = reqwest::get(format!("{}/_devkit/inngest/stats", d.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            stats["injected_failures"].as_u64(),
            stats["accepted_events"].as_u64()
        ),
        (Some(5), Some(2))
    );
}

#[tokio::test]
async fn only_json_bodies_are_taken_so_forms_cannot_post_events() {
    let d = devkit(&[]).await;
    let client = reqwest::Client::new();
    let event = r#"[{"name": "a/x"}]"#;
    let post = |content_type: Option<&str>| {
        let mut request = client.post(format!("{}/e/k", d.url())).body(event);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        request.send()
    };
    for refused in [
        None,
        Some("text/plain"),
        Some("text/plain;charset=UTF-8"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        Some("application/jsonp"),
        Some("application/json-seq"),
        Some(""),
    ] {
        let r = post(refused).await.unwrap();
        assert_eq!(r.status(), 415, "{refused:?}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(
            body,
            json!({"ids": [], "status": 415, "error": "Content-Type must be application/json"}),
            "{refused:?}"
        );
    }
    assert!(events(&d.url()).await.is_empty());
    for accepted in [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON;charset=UTF-8",
        "application/json ; charset=utf-8",
    ] {
        let r = post(Some(accepted)).await.unwrap();
        assert_eq!(r.status(), 200, "{accepted:?}");
    }
    assert_eq!(events(&d.url()).await.len(), 4);
}

#[tokio::test]
async fn a_failure_can_target_the_requests_carrying_one_event() {
    let d = devkit(&[]).await;
    reqwest::Client::new()
        .post(format!("{}/_devkit/inngest/fail", d.url()))
        .json(&json!({"status": 400, "count": null, "matching": "POISON-1"}))
        .send()
        .await
        .unwrap();
    let poisoned = json!([{"name": "a/x", "data": {"body": "POISON-1"}}, {"name": "a/y"}]);
    assert_eq!(send(&d.url(), "k", poisoned).await.0, 400);
    assert_eq!(send(&d.url(), "k", json!([{"name": "a/y"}])).await.0, 200);
    assert_eq!(
        send(
            &d.url(),
            "k",
            json!([{"name": "a/x", "data": {"body": "POISON-1"}}])
        )
        .await
        .0,
        400
    );
    assert_eq!(
        events(&d.url()).await.len(),
        1,
        "only the clean request was taken"
    );
}

#[tokio::test]
async fn bodies_up_to_inngests_limit_are_read_and_larger_ones_get_a_json_413() {
    let d = devkit(&[]).await;
    let big = "x".repeat(2_500_000);
    let (status, _) = send(
        &d.url(),
        "k",
        json!([{"name": "a/x", "data": {"big": big}}]),
    )
    .await;
    assert_eq!(status, 200, "2.5 MB is under Inngest's 3 MiB");
    let huge = "x".repeat(3 * 1024 * 1024 + 10);
    let (status, body) = send(
        &d.url(),
        "k",
        json!([{"name": "a/x", "data": {"big": huge}}]),
    )
    .await;
    assert_eq!((status, body["status"].as_u64()), (413, Some(413)));
}

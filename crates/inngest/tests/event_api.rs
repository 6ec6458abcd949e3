//! The Event API client against the devkit's Inngest stand-in.

use std::time::Duration;

use serde_json::{json, Value};
use support_http::ReqwestTransport;
use support_inngest::{EventApi, SendError};

async fn devkit(keys: &[&str]) -> support_devkit::Running {
    let config = support_devkit::Config {
        inngest_event_keys: keys.iter().map(|k| k.to_string()).collect(),
        ..Default::default()
    };
    support_devkit::start("127.0.0.1:0".parse().unwrap(), &config)
        .await
        .unwrap()
}

/// Every event the stand-in received, oldest first.
async fn received(d: &support_devkit::Running) -> Vec<Value> {
    reqwest::get(format!("{}/_devkit/inngest/events", d.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn sends_a_batch_and_gets_one_id_per_event() {
    let d = devkit(&["key"]).await;
    let api = EventApi::new(&d.url(), "key", ReqwestTransport::new());
    let ids = api
        .send(&[
            json!({"name": "a/x", "id": "evt_1", "data": {}}),
            json!({"name": "a/y", "data": {}}),
        ])
        .await
        .unwrap();
    assert_eq!(ids.len(), 2);
    let got = received(&d).await;
    assert_eq!(got[0]["event"]["id"], "evt_1");
}

#[tokio::test]
async fn classifies_failures() {
    let d = devkit(&["key"]).await;
    let wrong = EventApi::new(&d.url(), "nope", ReqwestTransport::new());
    let err = wrong.send(&[json!({"name": "a/x"})]).await.unwrap_err();
    assert_eq!(
        err,
        SendError::Rejected {
            status: 401,
            message: "Event key not found".into(),
            retry_after_secs: None
        }
    );
    assert!(!err.is_transient());

    let api = EventApi::new(&d.url(), "key", ReqwestTransport::new());
    let bad = api.send(&[json!({"data": {}})]).await.unwrap_err();
    assert!(matches!(bad, SendError::Rejected { status: 400, .. }));

    reqwest::Client::new()
        .post(format!("{}/_devkit/inngest/fail", d.url()))
        .json(&json!({"status": 429, "count": 1, "retry_after": 7}))
        .send()
        .await
        .unwrap();
    let limited = api.send(&[json!({"name": "a/x"})]).await.unwrap_err();
    assert!(limited.is_transient());
    assert_eq!(limited.retry_after_secs(), Some(7));

    reqwest::Client::new()
        .post(format!("{}/_devkit/inngest/fail", d.url()))
        .json(&json!({"status": 200, "count": 1, "delay_ms": 1500}))
        .send()
        .await
        .unwrap();
    let slow = api.with_timeout(Duration::from_millis(300));
    assert_eq!(
        slow.send(&[json!({"name": "a/x"})]).await.unwrap_err(),
        SendError::Timeout(300)
    );

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let down = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let unreachable = EventApi::new(&down, "key", ReqwestTransport::new())
        .send(&[json!({"name": "a/x"})])
        .await
        .unwrap_err();
    assert!(matches!(unreachable, SendError::Unreachable(_)) && unreachable.is_transient());
}

#[tokio::test]
async fn sends_events_stored_as_text_verbatim() {
    let d = devkit(&["key"]).await;
    let api = EventApi::new(&d.url(), "key", ReqwestTransport::new());
    let stored = [
        r#"{"name":"a/x","id":"evt_text_1","data":{"n":1}}"#.to_owned(),
        r#"{"name":"a/y","id":"evt_text_2","data":{"n":2}}"#.to_owned(),
    ];
    assert_eq!(api.send_serialized(&stored).await.unwrap().len(), 2);
    assert_eq!(api.send_serialized::<String>(&[]).await.unwrap().len(), 0);
    let got = received(&d).await;
    let ids: Vec<&str> = got
        .iter()
        .filter_map(|e| e["event"]["id"].as_str())
        .collect();
    assert_eq!(ids, ["evt_text_1", "evt_text_2"]);
    assert_eq!(got[1]["event"]["data"], json!({"n": 2}));
}

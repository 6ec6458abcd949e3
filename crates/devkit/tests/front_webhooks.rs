//! The Front stand-in's application webhooks: signed as Front signs them, shaped so the
//! platform's own intake accepts them, retried when the platform fails.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use serde_json::{json, Value};
use support_core::events::EventDetail;
use support_core::intake::{decide, Decision, Signed};
use support_devkit::front::{FrontConfig, FrontStandIn, Seed};
use support_signing::{front, Clock, SystemClock};

const SECRET: &str = "front-app-secret";
const DAY_MS: i64 = 24 * 3600 * 1000;

/// A platform stand-in: records each webhook, answers the scripted statuses in order
/// (then 200).
type Received = Vec<(HeaderMap, Vec<u8>)>;

#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Received>>,
    answers: Arc<Mutex<Vec<u16>>>,
}

impl Receiver {
    async fn serve(&self) -> String {
        let me = self.clone();
        let app = axum::Router::new().route(
            "/webhooks/front",
            axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
                let me = me.clone();
                async move {
                    me.got.lock().unwrap().push((headers, body.to_vec()));
                    let mut answers = me.answers.lock().unwrap();
                    let status = if answers.is_empty() {
                        200
                    } else {
                        answers.remove(0)
                    };
                    StatusCode::from_u16(status).unwrap()
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}/webhooks/front")
    }

    fn received(&self) -> Received {
        self.got.lock().unwrap().clone()
    }
}

/// A Front stand-in alone, with a short retry backoff.
async fn stand_in(url: Option<String>, attempts: u32) -> String {
    let config = FrontConfig {
        webhook_url: url,
        webhook_secret: Some(SECRET.into()),
        seed: Seed::dev(),
        webhook_attempts: attempts,
        webhook_backoff: Duration::from_millis(20),
        ..Default::default()
    };
    let app = support_devkit::front::router(FrontStandIn::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

async fn write(base: &str, body: Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{base}/front/channels/cha_dev/incoming_messages"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    response.json().await.unwrap()
}

fn dana(subject: &str, thread_ref: Option<&str>) -> Value {
    let mut body = json!({"sender": {"handle": "dana@example.com", "name": "Dana Lee"},
                          "subject": subject, "body": "I would like a refund."});
    if let Some(r) = thread_ref {
        body["metadata"] = json!({"thread_ref": r});
    }
    body
}

async fn deliveries(base: &str, until: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    for _ in 0..200 {
        let list: Vec<Value> = reqwest::get(format!("{base}/_devkit/front/webhooks"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if until(&list) {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("deliveries never settled");
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// What the platform's intake makes of a delivery: the signature checked with the
/// platform's verifier over the raw bytes, then its decision.
fn platform_intake(headers: &HeaderMap, body: &[u8]) -> support_core::front::Intake {
    let verified = front::verify_app(
        header(headers, "x-front-signature"),
        header(headers, "x-front-request-timestamp"),
        body,
        &[SECRET],
        &SystemClock,
    );
    assert!(verified.is_ok(), "{verified:?}");
    let wrong = front::verify_app(
        header(headers, "x-front-signature"),
        header(headers, "x-front-request-timestamp"),
        body,
        &["another-secret"],
        &SystemClock,
    );
    assert!(wrong.is_err());
    match decide(
        body,
        None,
        Signed::App,
        SystemClock.now_unix_millis(),
        DAY_MS,
    )
    .unwrap()
    {
        Decision::Forward(intake) => *intake,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_incoming_message_sends_a_signed_inbound_received_the_platform_accepts() {
    let receiver = Receiver::default();
    let base = stand_in(Some(receiver.serve().await), 3).await;
    let accepted = write(&base, dana("Refund", None)).await;
    assert_eq!(accepted["status"], "accepted");
    let list = deliveries(&base, |d| {
        d.first().is_some_and(|d| d["status"] == "delivered")
    })
    .await;
    let got = receiver.received();
    assert_eq!(got.len(), 1);
    let (headers, body) = &got[0];
    assert_eq!(header(headers, "content-type"), Some("application/json"));
    let timestamp = header(headers, "x-front-request-timestamp").unwrap();
    assert_eq!(timestamp.len(), 13, "milliseconds: {timestamp}");

    let intake = platform_intake(headers, body);
    assert!(intake.event_id.starts_with("evt_"), "{}", intake.event_id);
    assert_eq!(intake.event_id, list[0]["event_id"]);
    assert_eq!(intake.inbox_ids, ["inb_dev"]);
    assert!(intake.conversation_id.starts_with("cnv_"));
    let emitted = intake.emitted_at_ms.unwrap();
    assert!((SystemClock.now_unix_millis() - emitted).abs() < 60_000);
    let record = intake.record(None, "trace-1", emitted);
    let EventDetail::Inbound(inbound) = record.detail else {
        panic!("{:?}", record.detail)
    };
    assert_eq!(inbound.sender_email, "dana@example.com");
    assert_eq!(inbound.sender_name.as_deref(), Some("Dana Lee"));
    assert_eq!(inbound.subject, "Refund");
    assert_eq!(inbound.body, "I would like a refund.");
    assert!(inbound.message_id.starts_with("msg_"));
    assert_eq!(
        record.meta.customer_email.as_deref(),
        Some("dana@example.com")
    );

    // The message it names is the one the API serves.
    let payload: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(payload["type"], "inbound_received");
    assert_eq!(payload["authorization"]["id"], "cmp_dev");
    let message: Value = reqwest::get(format!("{base}/front/messages/{}", inbound.message_id))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(message["message_uid"], accepted["message_uid"]);
    assert_eq!(payload["payload"]["target"]["data"], message);
}

#[tokio::test]
async fn a_thread_ref_names_the_same_conversation_in_each_webhook() {
    let receiver = Receiver::default();
    let base = stand_in(Some(receiver.serve().await), 3).await;
    write(&base, dana("Login", Some("t-1"))).await;
    write(&base, dana("Login", Some("t-1"))).await;
    write(&base, dana("Other", Some("t-2"))).await;
    deliveries(&base, |d| {
        d.len() == 3 && d.iter().all(|d| d["status"] == "delivered")
    })
    .await;
    // Deliveries run concurrently: tell the messages apart by subject.
    let mut seen: Vec<(String, String, String)> = receiver
        .received()
        .iter()
        .map(|(h, b)| {
            let intake = platform_intake(h, b);
            let EventDetail::Inbound(inbound) = intake.record(None, "t", 0).detail else {
                panic!("not inbound")
            };
            (inbound.subject, intake.conversation_id, intake.event_id)
        })
        .collect();
    seen.sort();
    assert_eq!(
        (seen[0].0.as_str(), seen[1].0.as_str(), seen[2].0.as_str()),
        ("Login", "Login", "Other")
    );
    assert_eq!(seen[0].1, seen[1].1, "same thread, same conversation");
    assert_ne!(seen[0].1, seen[2].1);
    let events: std::collections::HashSet<&str> = seen.iter().map(|s| s.2.as_str()).collect();
    assert_eq!(events.len(), 3, "one event id per message");
}

#[tokio::test]
async fn failed_deliveries_are_retried_and_recorded() {
    let receiver = Receiver::default();
    receiver.answers.lock().unwrap().extend([500, 503]);
    let base = stand_in(Some(receiver.serve().await), 4).await;
    write(&base, dana("Refund", None)).await;
    let list = deliveries(&base, |d| {
        d.first().is_some_and(|d| d["status"] != "pending")
    })
    .await;
    assert_eq!(list[0]["status"], "delivered");
    let statuses: Vec<Value> = list[0]["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].clone())
        .collect();
    assert_eq!(statuses, [json!(500), json!(503), json!(200)]);
    let got = receiver.received();
    assert_eq!(got.len(), 3);
    let ids: Vec<String> = got
        .iter()
        .map(|(h, b)| platform_intake(h, b).event_id)
        .collect();
    assert!(
        ids.iter().all(|id| id == &ids[0]),
        "the same event on every attempt: {ids:?}"
    );
}

#[tokio::test]
async fn deliveries_give_up_after_the_last_attempt() {
    let receiver = Receiver::default();
    receiver.answers.lock().unwrap().extend([401, 401, 401]);
    let base = stand_in(Some(receiver.serve().await), 3).await;
    write(&base, dana("Refund", None)).await;
    let list = deliveries(&base, |d| {
        d.first().is_some_and(|d| d["status"] != "pending")
    })
    .await;
    assert_eq!(list[0]["status"], "failed");
    assert_eq!(list[0]["attempts"].as_array().unwrap().len(), 3);
    assert_eq!(receiver.received().len(), 3);

    let nobody = stand_in(Some("http://127.0.0.1:9/webhooks/front".into()), 2).await;
    write(&nobody, dana("Refund", None)).await;
    let list = deliveries(&nobody, |d| {
        d.first().is_some_and(|d| d["status"] != "pending")
    })
    .await;
    assert_eq!(list[0]["status"], "failed");
    let attempts = list[0]["attempts"].as_array().unwrap();
    assert!(attempts
        .iter()
        .all(|a| a["status"].is_null() && a["error"].is_string()));
}

#[tokio::test]
async fn without_a_url_messages_are_only_stored() {
    let base = stand_in(None, 3).await;
    let accepted = write(&base, dana("Refund", None)).await;
    let list = deliveries(&base, |d| !d.is_empty()).await;
    assert_eq!(list[0]["status"], "not_sent");
    assert!(list[0]["attempts"].as_array().unwrap().is_empty());
    let state: Value = reqwest::get(format!("{base}/_devkit/front/state"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state["messages"][0]["message_uid"], accepted["message_uid"]);
    assert_eq!(state["conversations"].as_array().unwrap().len(), 1);
}

//! The Axiom stand-in over real HTTP: our own client (support-telemetry over reqwest)
//! and raw requests for what the client never sends (NDJSON, wrong tokens, bad bodies).

use std::sync::Arc;

use serde_json::{json, Value};
use support_devkit::axiom::AxiomConfig;
use support_http::ReqwestTransport;
use support_telemetry::{AxiomClient, TelemetryError};

const TOKEN: &str = "xaat-test-0123456789";

struct Stand {
    devkit: support_devkit::Running,
    http: reqwest::Client,
}

impl Stand {
    async fn start(token: Option<&str>) -> Self {
        let config = support_devkit::Config {
            axiom: AxiomConfig {
                token: token.map(str::to_owned),
            },
            ..Default::default()
        };
        let devkit = support_devkit::start("127.0.0.1:0".parse().unwrap(), &config)
            .await
            .unwrap();
        Self {
            devkit,
            http: reqwest::Client::new(),
        }
    }

    fn client(&self, token: &str, dataset: &str) -> AxiomClient {
        AxiomClient::new(
            format!("{}/axiom", self.devkit.url()),
            token,
            dataset,
            Arc::new(ReqwestTransport::new()),
        )
    }

    /// A raw ingest: (status, body).
    async fn raw(
        &self,
        dataset: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: &str,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .post(format!(
                "{}/axiom/v1/datasets/{dataset}/ingest",
                self.devkit.url()
            ))
            .body(body.to_owned());
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn events(&self, dataset: Option<&str>) -> Vec<Value> {
        let url = match dataset {
            Some(d) => format!("{}/_devkit/axiom/events?dataset={d}", self.devkit.url()),
            None => format!("{}/_devkit/axiom/events", self.devkit.url()),
        };
        self.http
            .get(url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn control(&self, path: &str, body: Value) -> u16 {
        self.http
            .post(format!("{}/_devkit/axiom/{path}", self.devkit.url()))
            .json(&body)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}

#[tokio::test]
async fn our_client_ingests_and_the_events_are_stored_with_their_times() {
    let stand = Stand::start(Some(TOKEN)).await;
    let client = stand.client(TOKEN, "support-edge");
    let status = client
        .ingest(&[
            json!({"_time": "2025-12-03T10:15:30.007Z", "event": "intake.accepted", "conversationId": "cnv_1"}),
            json!({"event": "pipeline.respond", "outcome": "draft", "durationMs": 2300}),
        ])
        .await
        .unwrap();
    assert_eq!((status.ingested, status.failed), (2, 0));
    assert!(status.is_complete());
    assert_eq!(status.wal_length, 2);
    assert!(status.processed_bytes > 0);

    let events = stand.events(Some("support-edge")).await;
    assert_eq!(events.len(), 2);
    assert_eq!(
        events[0]["_time"], "2025-12-03T10:15:30.007Z",
        "kept as sent"
    );
    assert_eq!(events[0]["conversationId"], "cnv_1");
    assert_eq!(events[1]["outcome"], "draft");
    for event in &events {
        for field in ["_time", "_sysTime"] {
            let time = event[field].as_str().unwrap();
            assert!(time.len() == 24 && time.ends_with('Z'), "{field}: {time}");
        }
    }
    // A second dataset is its own; without a filter every event is listed in order.
    stand
        .client(TOKEN, "other")
        .ingest(&[json!({"n": 3})])
        .await
        .unwrap();
    assert_eq!(stand.events(Some("other")).await.len(), 1);
    assert_eq!(stand.events(None).await.len(), 3);
    assert_eq!(stand.events(None).await[2]["n"], 3);

    assert_eq!(stand.control("reset", json!({})).await, 200);
    assert!(stand.events(None).await.is_empty());
}

#[tokio::test]
async fn a_wrong_or_missing_token_is_a_401() {
    let stand = Stand::start(Some(TOKEN)).await;
    let error = stand
        .client("xaat-wrong", "d")
        .ingest(&[json!({"a": 1})])
        .await
        .unwrap_err();
    assert!(
        matches!(&error, TelemetryError::Unauthorized { status: 401, message, .. } if message == "invalid token"),
        "{error:?}"
    );
    let (status, body) = stand.raw("d", None, Some("application/json"), "[{}]").await;
    assert_eq!(
        (status, body),
        (401, json!({"code": 401, "message": "invalid token"}))
    );
    assert!(stand.events(None).await.is_empty());

    // Without a configured token any non-empty one goes.
    let open = Stand::start(None).await;
    let status = open
        .client("anything", "d")
        .ingest(&[json!({})])
        .await
        .unwrap();
    assert_eq!(status.ingested, 1);
    assert_eq!(
        open.raw("d", None, Some("application/json"), "[{}]")
            .await
            .0,
        401
    );
}

#[tokio::test]
async fn ndjson_is_accepted_and_other_bodies_are_refused() {
    let stand = Stand::start(Some(TOKEN)).await;
    let (status, body) = stand
        .raw(
            "logs",
            Some(TOKEN),
            Some("application/x-ndjson"),
            "{\"level\":\"info\",\"n\":1}\n\n{\"level\":\"warn\",\"n\":2}\n",
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["ingested"], 2);
    assert_eq!(body["failed"], 0);
    assert_eq!(body["blocksCreated"], 0);
    let events = stand.events(Some("logs")).await;
    assert_eq!(
        events.iter().map(|e| e["n"].clone()).collect::<Vec<_>>(),
        [1, 2]
    );

    for (content_type, body) in [
        (Some("application/json"), r#"{"not": "an array"}"#),
        (Some("application/json"), "[{"),
        (Some("application/x-ndjson"), "{\"a\":1}\nnot json\n"),
        (Some("text/csv"), "a,b\n1,2\n"),
        (None, "[{}]"),
    ] {
        let (status, answer) = stand.raw("logs", Some(TOKEN), content_type, body).await;
        assert_eq!(status, 400, "{content_type:?} {body:?}: {answer}");
        assert_eq!(answer["code"], 400);
        assert!(answer["message"].is_string(), "{answer}");
    }
    assert_eq!(
        stand.events(Some("logs")).await.len(),
        2,
        "nothing more stored"
    );
}

#[tokio::test]
async fn events_refused_one_by_one_are_counted_in_a_200() {
    let stand = Stand::start(Some(TOKEN)).await;
    let status = stand
        .client(TOKEN, "d")
        .ingest(&[
            json!({"ok": 1}),
            json!("a string"),
            json!({"_time": "yesterday"}),
            json!({"_time": 1_764_756_930_007u64, "ok": 2}),
        ])
        .await
        .unwrap();
    assert_eq!((status.ingested, status.failed), (2, 2));
    assert_eq!(status.failures.len(), 2);
    assert!(
        status.failures[1].error.contains("_time"),
        "{:?}",
        status.failures
    );
    assert!(!status.is_complete());
    assert_eq!(stand.events(Some("d")).await.len(), 2);
}

#[tokio::test]
async fn injected_failures_answer_the_next_ingests_then_stop() {
    let stand = Stand::start(Some(TOKEN)).await;
    assert_eq!(
        stand
            .control("fail", json!({"status": 503, "times": 2}))
            .await,
        200
    );
    let client = stand.client(TOKEN, "d");
    for _ in 0..2 {
        let error = client.ingest(&[json!({"a": 1})]).await.unwrap_err();
        assert_eq!(error.status(), Some(503));
        assert!(error.is_retryable());
    }
    assert_eq!(client.ingest(&[json!({"a": 2})]).await.unwrap().ingested, 1);
    let events = stand.events(Some("d")).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["a"], 2);

    // A wrong token is refused before any injected failure.
    assert_eq!(stand.control("fail", json!({"status": 500})).await, 200);
    assert_eq!(
        stand
            .raw("d", Some("nope"), Some("application/json"), "[]")
            .await
            .0,
        401
    );
    assert_eq!(
        stand
            .raw("d", Some(TOKEN), Some("application/json"), "[]")
            .await
            .0,
        500
    );
    assert_eq!(stand.control("fail", json!({"status": 200})).await, 400);
}

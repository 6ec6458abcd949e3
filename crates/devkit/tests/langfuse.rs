//! The Langfuse stand-in over real HTTP: our own client (support-telemetry over
//! reqwest) for traces, spans and generations, and raw requests for the error paths
//! (wrong keys, invalid events answered in a 207, bodies that are not a batch, 3.5 MB).

use std::sync::Arc;

use serde_json::{json, Value};
use support_devkit::langfuse::LangfuseConfig;
use support_http::ReqwestTransport;
use support_telemetry::{
    CostDetails, EventBody, GenerationBody, IngestionEvent, LangfuseClient, Level, Redactor,
    SpanBody, TelemetryError, TraceBody, UsageDetails,
};

const PUBLIC_KEY: &str = "pk-lf-test-public";
const SECRET_KEY: &str = "sk-lf-test-secret";
const T0: i64 = 1_764_756_930_007; // 2025-12-03T10:15:30.007Z

struct Stand {
    devkit: support_devkit::Running,
    http: reqwest::Client,
}

impl Stand {
    async fn start(keys: Option<(&str, &str)>) -> Self {
        let config = support_devkit::Config {
            langfuse: LangfuseConfig {
                public_key: keys.map(|k| k.0.to_owned()),
                secret_key: keys.map(|k| k.1.to_owned()),
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

    fn client(&self, public: &str, secret: &str) -> LangfuseClient {
        LangfuseClient::new(
            format!("{}/langfuse", self.devkit.url()),
            public,
            secret,
            Arc::new(ReqwestTransport::new()),
        )
    }

    /// A raw ingestion request with Basic credentials: (status, body).
    async fn raw(&self, credentials: Option<(&str, &str)>, body: Vec<u8>) -> (u16, Value) {
        let mut request = self
            .http
            .post(format!(
                "{}/langfuse/api/public/ingestion",
                self.devkit.url()
            ))
            .header("content-type", "application/json")
            .body(body);
        if let Some((user, password)) = credentials {
            request = request.basic_auth(user, Some(password));
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> Vec<Value> {
        self.http
            .get(format!("{}/_devkit/langfuse/{path}", self.devkit.url()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn post(&self, path: &str, body: Value) -> u16 {
        self.http
            .post(format!("{}/_devkit/langfuse/{path}", self.devkit.url()))
            .json(&body)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}

/// A pipeline run as the platform would report it: the trace, a span, a generation
/// nested in it, then the span's update.
fn run_events() -> Vec<IngestionEvent> {
    let redactor = Redactor::new(&["Dana Lee", "dana@example.com"]);
    vec![
        IngestionEvent::new(
            "env-1",
            T0,
            EventBody::TraceCreate(
                TraceBody::new("trace-run_01")
                    .timestamp(T0)
                    .name("support-respond")
                    .session_id("cnv_123")
                    .input(redactor.value(
                        &json!({"message": "Dana Lee here, dana@example.com, refund please"}),
                    ))
                    .tag("refund"),
            ),
        ),
        IngestionEvent::new(
            "env-2",
            T0 + 1,
            EventBody::SpanCreate(
                SpanBody::new("obs-draft", "trace-run_01")
                    .name("draft")
                    .start_time(T0),
            ),
        ),
        IngestionEvent::new(
            "env-3",
            T0 + 2,
            EventBody::GenerationCreate(
                GenerationBody::new("obs-model-1", "trace-run_01")
                    .name("messages")
                    .parent_observation_id("obs-draft")
                    .start_time(T0 + 10)
                    .end_time(T0 + 1500)
                    .model("claude-sonnet-4-5")
                    .usage(UsageDetails::new(1200, 80).with_cache(5000, 0))
                    .cost(CostDetails::new(0.005, 0.001)),
            ),
        ),
        IngestionEvent::new(
            "env-4",
            T0 + 3,
            EventBody::SpanUpdate(
                SpanBody::new("obs-draft", "trace-run_01")
                    .end_time(T0 + 1600)
                    .level(Level::Warning)
                    .status_message("validation rewrote the draft"),
            ),
        ),
    ]
}

#[tokio::test]
async fn our_client_records_a_trace_with_its_observations() {
    let stand = Stand::start(Some((PUBLIC_KEY, SECRET_KEY))).await;
    let client = stand.client(PUBLIC_KEY, SECRET_KEY);
    let status = client.ingest(&run_events()).await.unwrap();
    assert!(status.is_complete(), "{status:?}");
    let ids: Vec<&str> = status.successes.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["env-1", "env-2", "env-3", "env-4"]);
    assert!(status.successes.iter().all(|s| s.status == 201));

    let traces = stand.get("traces").await;
    assert_eq!(traces.len(), 1);
    let trace = &traces[0];
    assert_eq!(trace["id"], "trace-run_01");
    assert_eq!(trace["name"], "support-respond");
    assert_eq!(trace["sessionId"], "cnv_123");
    assert_eq!(
        trace["input"],
        json!({"message": "[redacted] here, [email], refund please"})
    );
    assert_eq!(trace["tags"], json!(["refund"]));
    let observations = trace["observations"].as_array().unwrap();
    assert_eq!(observations.len(), 2);
    let span = &observations[0];
    assert_eq!(span["type"], "SPAN");
    assert_eq!(span["name"], "draft", "kept through the update");
    assert_eq!(span["level"], "WARNING", "from the update");
    assert_eq!(span["endTime"], "2025-12-03T10:15:31.607Z");
    let generation = &observations[1];
    assert_eq!(generation["type"], "GENERATION");
    assert_eq!(generation["parentObservationId"], "obs-draft");
    assert_eq!(generation["model"], "claude-sonnet-4-5");
    assert_eq!(
        generation["usageDetails"],
        json!({"input": 1200, "output": 80, "cache_read_input_tokens": 5000,
               "cache_creation_input_tokens": 0, "total": 6280})
    );
    assert_eq!(generation["costDetails"]["total"], json!(0.005 + 0.001));

    let events = stand.get("events").await;
    assert_eq!(events.len(), 4);
    assert_eq!(events[3]["type"], "span-update");
}

#[tokio::test]
async fn envelope_ids_are_deduplicated() {
    let stand = Stand::start(None).await;
    let client = stand.client("pk-any", "sk-any");
    let events = run_events();
    client.ingest(&events[..2]).await.unwrap();
    // The same envelopes again (a retried send): accepted, not applied twice.
    let status = client.ingest(&events[..2]).await.unwrap();
    assert_eq!(status.successes.len(), 2);
    assert!(status.is_complete());
    assert_eq!(stand.get("events").await.len(), 2);
    let traces = stand.get("traces").await;
    assert_eq!(traces.len(), 1);
    assert_eq!(traces[0]["observations"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn wrong_keys_are_a_401() {
    let stand = Stand::start(Some((PUBLIC_KEY, SECRET_KEY))).await;
    for (public, secret) in [(PUBLIC_KEY, "sk-lf-wrong"), ("pk-lf-wrong", SECRET_KEY)] {
        let error = stand
            .client(public, secret)
            .ingest(&run_events()[..1])
            .await
            .unwrap_err();
        assert!(
            matches!(
                error,
                TelemetryError::Unauthorized {
                    service: "Langfuse",
                    status: 401,
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(!error.to_string().contains(secret));
    }
    let batch = br#"{"batch":[]}"#.to_vec();
    let (status, body) = stand.raw(None, batch.clone()).await;
    assert_eq!(status, 401);
    assert!(body["message"].is_string(), "{body}");
    assert_eq!(
        stand.raw(Some((PUBLIC_KEY, "")), batch.clone()).await.0,
        401
    );
    assert_eq!(
        stand.raw(Some((PUBLIC_KEY, SECRET_KEY)), batch).await.0,
        207
    );
    assert!(stand.get("events").await.is_empty());

    // Without configured keys any non-empty pair goes, an empty one does not.
    let open = Stand::start(None).await;
    assert_eq!(
        open.raw(Some(("pk", "sk")), br#"{"batch":[]}"#.to_vec())
            .await
            .0,
        207
    );
    assert_eq!(
        open.raw(Some(("", "sk")), br#"{"batch":[]}"#.to_vec())
            .await
            .0,
        401
    );
}

#[tokio::test]
async fn invalid_events_are_refused_one_by_one_in_a_207() {
    let stand = Stand::start(None).await;
    let at = "2025-12-03T10:15:30.007Z";
    let batch = json!({"batch": [
        {"id": "ok-trace", "timestamp": at, "type": "trace-create", "body": {"id": "t1", "name": "run"}},
        {"id": "no-trace-id", "timestamp": at, "type": "span-create", "body": {"id": "s1"}},
        {"id": "bad-type", "timestamp": at, "type": "span-delete", "body": {"id": "s2", "traceId": "t1"}},
        {"id": "bad-time", "timestamp": "yesterday", "type": "trace-create", "body": {"id": "t2"}},
        {"id": "no-body-id", "timestamp": at, "type": "trace-create", "body": {}},
        {"timestamp": at, "type": "trace-create", "body": {"id": "t3"}},
        {"id": "bad-usage", "timestamp": at, "type": "generation-create",
         "body": {"id": "g1", "traceId": "t1", "usageDetails": {"input": -1}}},
        {"id": "bad-level", "timestamp": at, "type": "span-create",
         "body": {"id": "s3", "traceId": "t1", "level": "LOUD"}},
        {"id": "unknown-update", "timestamp": at, "type": "span-update", "body": {"id": "s9"}},
        {"id": "ok-span", "timestamp": at, "type": "span-create", "body": {"id": "s4", "traceId": "t1"}},
        {"id": "ok-update", "timestamp": at, "type": "span-update", "body": {"id": "s4", "output": "done"}},
        {"id": "ok-score", "timestamp": at, "type": "score-create",
         "body": {"id": "sc1", "traceId": "t1", "name": "approved", "value": 1}},
        {"id": "ok-log", "timestamp": at, "type": "sdk-log", "body": {"log": "hello"}},
    ]});
    let (status, body) = stand
        .raw(Some(("pk", "sk")), serde_json::to_vec(&batch).unwrap())
        .await;
    assert_eq!(status, 207, "{body}");
    let ids = |list: &str| -> Vec<String> {
        body[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        ids("successes"),
        ["ok-trace", "ok-span", "ok-update", "ok-score", "ok-log"]
    );
    assert_eq!(
        ids("errors"),
        [
            "no-trace-id",
            "bad-type",
            "bad-time",
            "no-body-id",
            "",
            "bad-usage",
            "bad-level",
            "unknown-update"
        ]
    );
    for error in body["errors"].as_array().unwrap() {
        assert_eq!(error["status"], 400, "{error}");
        assert!(
            error["message"].is_string() && error["error"].is_string(),
            "{error}"
        );
    }
    assert!(body["errors"][0]["error"]
        .as_str()
        .unwrap()
        .contains("traceId"));

    // Only the valid events were applied.
    let traces = stand.get("traces").await;
    assert_eq!(traces.len(), 1);
    let observations = traces[0]["observations"].as_array().unwrap();
    assert_eq!(observations.len(), 1);
    assert_eq!(observations[0]["id"], "s4");
    assert_eq!(observations[0]["output"], "done");
    assert_eq!(traces[0]["scores"][0]["name"], "approved");
    assert_eq!(stand.get("events").await.len(), 5);

    // Our client reads the same answer.
    let client = stand.client("pk", "sk");
    let status = client
        .ingest(&[IngestionEvent::new(
            "client-bad",
            T0,
            EventBody::GenerationUpdate(GenerationBody::new("g-unknown", "")),
        )])
        .await
        .unwrap();
    assert!(!status.is_complete());
    assert_eq!(status.errors[0].id, "client-bad");
    assert_eq!(status.errors[0].status, 400);
}

#[tokio::test]
async fn bodies_that_are_not_a_batch_are_a_400_and_over_3_5_mb_a_413() {
    let stand = Stand::start(None).await;
    for body in [
        &b"not json"[..],
        br#"[]"#,
        br#"{"events": []}"#,
        br#"{"batch": {}}"#,
    ] {
        let (status, answer) = stand.raw(Some(("pk", "sk")), body.to_vec()).await;
        assert_eq!(status, 400, "{}: {answer}", String::from_utf8_lossy(body));
        assert!(answer["message"].is_string());
    }

    let at = "2025-12-03T10:15:30.007Z";
    let big = |id: usize, bytes: usize| {
        json!({"id": format!("e{id}"), "timestamp": at, "type": "trace-create",
               "body": {"id": format!("t{id}"), "input": "x".repeat(bytes)}})
    };
    let over =
        serde_json::to_vec(&json!({"batch": [big(0, 1_800_000), big(1, 1_800_000)]})).unwrap();
    assert!(over.len() > 3_500_000);
    let (status, answer) = stand.raw(Some(("pk", "sk")), over).await;
    assert_eq!(status, 413, "{answer}");
    let under =
        serde_json::to_vec(&json!({"batch": [big(0, 1_700_000), big(1, 1_700_000)]})).unwrap();
    assert!(under.len() < 3_500_000);
    assert_eq!(stand.raw(Some(("pk", "sk")), under).await.0, 207);
    assert_eq!(stand.get("traces").await.len(), 2);

    // Our client splits what would be over the limit: every request is accepted.
    assert_eq!(stand.post("reset", json!({})).await, 200);
    let events: Vec<IngestionEvent> = (0..4)
        .map(|i| {
            IngestionEvent::new(
                format!("big-{i}"),
                T0,
                EventBody::TraceCreate(
                    TraceBody::new(format!("t{i}")).input(json!("y".repeat(1_500_000))),
                ),
            )
        })
        .collect();
    let status = stand.client("pk", "sk").ingest(&events).await.unwrap();
    assert_eq!(status.successes.len(), 4);
    assert!(status.is_complete(), "{:?}", status.errors);
    assert_eq!(stand.get("traces").await.len(), 4);
}

#[tokio::test]
async fn injected_failures_and_reset() {
    let stand = Stand::start(None).await;
    assert_eq!(
        stand.post("fail", json!({"status": 503, "times": 1})).await,
        200
    );
    let client = stand.client("pk", "sk");
    let error = client.ingest(&run_events()[..1]).await.unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert!(error.is_retryable());
    client.ingest(&run_events()[..1]).await.unwrap();
    assert_eq!(stand.get("traces").await.len(), 1);
    assert_eq!(stand.post("reset", json!({})).await, 200);
    assert!(stand.get("traces").await.is_empty());
    assert!(stand.get("events").await.is_empty());
}

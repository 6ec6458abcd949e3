//! Both clients against a fake transport: the exact requests they send (method, URL,
//! headers with credentials, body shape) and how they read the documented answers
//! (`reference/external-apis.md` 6b and 6c), failures included.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use serde_json::{json, Value};
use support_http::{HttpRequest, HttpResponse, Transport, TransportError};
use support_telemetry::*;

const AXIOM_TOKEN: &str = "xaat-01234567-89ab-cdef-0123-456789abcdef";
const PUBLIC_KEY: &str = "pk-lf-1234567890abcdef";
const SECRET_KEY: &str = "sk-lf-fedcba0987654321";

/// Answers in order and keeps the requests it got.
#[derive(Default)]
struct Fake {
    answers: Mutex<VecDeque<Result<HttpResponse, TransportError>>>,
    sent: Mutex<Vec<HttpRequest>>,
}

#[async_trait::async_trait]
impl Transport for Fake {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.sent.lock().unwrap().push(request);
        self.answers
            .lock()
            .unwrap()
            .pop_front()
            .expect("an answer is queued")
    }
}

impl Fake {
    fn answer(&self, status: u16, body: Value) {
        self.answers
            .lock()
            .unwrap()
            .push_back(Ok(HttpResponse::json(status, &body)));
    }

    fn fail(&self, error: TransportError) {
        self.answers.lock().unwrap().push_back(Err(error));
    }

    fn sent(&self) -> Vec<HttpRequest> {
        self.sent.lock().unwrap().clone()
    }
}

fn header<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
    request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn body(request: &HttpRequest) -> Value {
    serde_json::from_slice(&request.body).unwrap()
}

// ---------------------------------------------------------------------------------------
// Axiom

fn axiom() -> (Arc<Fake>, AxiomClient) {
    let fake = Arc::new(Fake::default());
    let client = AxiomClient::new(
        "https://api.axiom.co/",
        AXIOM_TOKEN,
        "support-edge",
        fake.clone(),
    );
    (fake, client)
}

#[tokio::test]
async fn axiom_posts_a_json_array_with_the_bearer_token() {
    let (fake, client) = axiom();
    fake.answer(
        200,
        json!({"ingested": 2, "failed": 0, "failures": [], "processedBytes": 630,
               "blocksCreated": 0, "walLength": 2}),
    );
    let events = [
        json!({"_time": "2026-12-03T10:15:30.007Z", "event": "intake.accepted", "conversationId": "cnv_1"}),
        json!({"event": "intake.duplicate", "count": 3}),
    ];
    let status = client.ingest(&events).await.unwrap();
    assert_eq!(
        status,
        IngestStatus {
            ingested: 2,
            failed: 0,
            failures: vec![],
            processed_bytes: 630,
            blocks_created: 0,
            wal_length: 2,
        }
    );
    assert!(status.is_complete());
    let sent = fake.sent();
    assert_eq!(sent.len(), 1);
    let request = &sent[0];
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.url,
        "https://api.axiom.co/v1/datasets/support-edge/ingest"
    );
    assert_eq!(
        request.headers,
        [
            ("Authorization".to_owned(), format!("Bearer {AXIOM_TOKEN}")),
            ("Content-Type".to_owned(), "application/json".to_owned()),
        ]
    );
    assert_eq!(request.timeout, Duration::from_secs(5));
    assert_eq!(body(request), json!(events));
}

#[tokio::test]
async fn axiom_reports_events_refused_inside_a_200() {
    let (fake, client) = axiom();
    fake.answer(
        200,
        json!({"ingested": 1, "failed": 1,
               "failures": [{"error": "invalid _time", "timestamp": "2026-12-03T10:15:30Z"}],
               "processedBytes": 80, "blocksCreated": 0, "walLength": 1}),
    );
    let status = client
        .ingest(&[json!({"a": 1}), json!({"_time": "yesterday"})])
        .await
        .unwrap();
    assert_eq!(status.failed, 1);
    assert_eq!(
        status.failures,
        [IngestFailure {
            error: "invalid _time".into(),
            timestamp: "2026-12-03T10:15:30Z".into()
        }]
    );
    assert!(!status.is_complete());
}

#[tokio::test]
async fn axiom_errors_carry_the_status_and_message_and_never_the_token() {
    let (fake, client) = axiom();
    fake.answer(
        401,
        json!({"code": 401, "message": format!("invalid token {AXIOM_TOKEN}")}),
    );
    let error = client.ingest(&[json!({"a": 1})]).await.unwrap_err();
    assert_eq!(
        error,
        TelemetryError::Unauthorized {
            service: "Axiom",
            status: 401,
            message: "invalid token [redacted]".into()
        }
    );
    assert!(!error.is_retryable());

    fake.answer(404, json!({"code": 404, "message": "dataset not found"}));
    let error = client.ingest(&[json!({"a": 1})]).await.unwrap_err();
    assert_eq!(error.to_string(), "Axiom answered 404: dataset not found");
    assert_eq!(error.status(), Some(404));

    fake.answers
        .lock()
        .unwrap()
        .push_back(Ok(HttpResponse::json(
            429,
            &json!({"message": "rate limited"}),
        )
        .with_header("retry-after", "10")));
    let error = client.ingest(&[json!({"a": 1})]).await.unwrap_err();
    assert!(
        matches!(
            error,
            TelemetryError::Api {
                status: 429,
                retry_after_secs: Some(10),
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.is_retryable());

    fake.answer(503, json!("<html>upstream down</html>"));
    let error = client.ingest(&[json!({"a": 1})]).await.unwrap_err();
    assert!(error.is_retryable());

    fake.fail(TransportError::Timeout);
    let error = client.ingest(&[json!({"a": 1})]).await.unwrap_err();
    assert_eq!(error.to_string(), "could not reach Axiom: timed out");
    assert!(error.is_retryable());

    fake.answer(200, json!(["not", "a", "status"]));
    let error = client.ingest(&[json!({"a": 1})]).await.unwrap_err();
    assert!(
        matches!(
            error,
            TelemetryError::Decode {
                service: "Axiom",
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn axiom_sends_nothing_for_no_events_and_encodes_the_dataset() {
    let (fake, client) = axiom();
    assert_eq!(client.ingest(&[]).await.unwrap(), IngestStatus::default());
    assert!(fake.sent().is_empty());

    let fake = Arc::new(Fake::default());
    let client = AxiomClient::new(
        "http://127.0.0.1:8288/axiom",
        AXIOM_TOKEN,
        "a b/c",
        fake.clone(),
    );
    fake.answer(200, json!({"ingested": 1}));
    client.ingest(&[json!({})]).await.unwrap();
    assert_eq!(
        fake.sent()[0].url,
        "http://127.0.0.1:8288/axiom/v1/datasets/a%20b%2Fc/ingest"
    );

    let client = AxiomClient::new("http://x", AXIOM_TOKEN, "..", fake.clone());
    assert!(matches!(
        client.ingest(&[json!({})]).await,
        Err(TelemetryError::InvalidInput(_))
    ));
}

#[test]
fn axiom_debug_hides_the_token() {
    let (_, client) = axiom();
    let debug = format!("{client:?}");
    assert!(!debug.contains(AXIOM_TOKEN), "{debug}");
    assert!(debug.contains("support-edge"), "{debug}");
}

// ---------------------------------------------------------------------------------------
// Langfuse

fn langfuse() -> (Arc<Fake>, LangfuseClient) {
    let fake = Arc::new(Fake::default());
    let client = LangfuseClient::new(
        "https://cloud.langfuse.com/",
        PUBLIC_KEY,
        SECRET_KEY,
        fake.clone(),
    );
    (fake, client)
}

const T0: i64 = 1_764_756_930_007; // 2025-12-03T10:15:30.007Z

fn next_id() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!("evt-{}", N.fetch_add(1, Ordering::Relaxed))
}

fn pipeline_events() -> Vec<IngestionEvent> {
    let redactor = Redactor::new(&["Dana Lee", "dana@example.com"]);
    vec![
        IngestionEvent::new(
            "env-1",
            T0,
            EventBody::TraceCreate(
                TraceBody::new("trace-run_01")
                    .timestamp(T0)
                    .name("support-respond")
                    .user_id("usr_42")
                    .session_id("cnv_123")
                    .input(
                        redactor.value(&json!({"message": "Hi, Dana Lee here, dana@example.com"})),
                    )
                    .metadata(json!({"app": "total-typescript"}))
                    .tag("refund")
                    .environment("development"),
            ),
        ),
        IngestionEvent::new(
            "env-2",
            T0 + 1,
            EventBody::SpanCreate(
                SpanBody::new("obs-gather", "trace-run_01")
                    .name("gather")
                    .start_time(T0)
                    .end_time(T0 + 250)
                    .output(json!({"purchases": 2}))
                    .level(Level::Warning)
                    .status_message("lookupUser timed out"),
            ),
        ),
        IngestionEvent::new(
            "env-3",
            T0 + 2,
            EventBody::GenerationCreate(
                GenerationBody::new("obs-draft-1", "trace-run_01")
                    .name("draft")
                    .parent_observation_id("obs-gather")
                    .start_time(T0 + 300)
                    .completion_start_time(T0 + 900)
                    .end_time(T0 + 2300)
                    .model("claude-sonnet-4-5")
                    .model_parameters(json!({"max_tokens": 1024}))
                    .usage(UsageDetails::new(1200, 80).with_cache(5000, 0))
                    .cost(CostDetails::new(0.0051, 0.0012)),
            ),
        ),
        IngestionEvent::with_id_source(
            next_id,
            T0 + 3,
            EventBody::SpanUpdate(
                SpanBody::new("obs-gather", "trace-run_01").level(Level::Default),
            ),
        ),
    ]
}

#[tokio::test]
async fn langfuse_posts_a_batch_with_basic_credentials() {
    let (fake, client) = langfuse();
    fake.answer(
        207,
        json!({"successes": [{"id": "env-1", "status": 201}, {"id": "env-2", "status": 201},
                             {"id": "env-3", "status": 201}, {"id": "evt-0", "status": 201}],
               "errors": []}),
    );
    let events = pipeline_events();
    let status = client.ingest(&events).await.unwrap();
    assert_eq!(status.successes.len(), 4);
    assert!(status.is_complete());

    let sent = fake.sent();
    assert_eq!(sent.len(), 1);
    let request = &sent[0];
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.url,
        "https://cloud.langfuse.com/api/public/ingestion"
    );
    assert_eq!(header(request, "content-type"), Some("application/json"));
    let credentials =
        base64::engine::general_purpose::STANDARD.encode(format!("{PUBLIC_KEY}:{SECRET_KEY}"));
    assert_eq!(
        header(request, "authorization"),
        Some(format!("Basic {credentials}").as_str())
    );
    assert_eq!(request.timeout, Duration::from_secs(10));

    let sent = body(request);
    assert_eq!(sent.as_object().unwrap().len(), 1, "only the batch: {sent}");
    let batch = sent["batch"].as_array().unwrap();
    assert_eq!(
        batch[0],
        json!({
            "id": "env-1",
            "timestamp": "2025-12-03T10:15:30.007Z",
            "type": "trace-create",
            "body": {
                "id": "trace-run_01",
                "timestamp": "2025-12-03T10:15:30.007Z",
                "name": "support-respond",
                "userId": "usr_42",
                "sessionId": "cnv_123",
                "input": {"message": "Hi, [redacted] here, [email]"},
                "metadata": {"app": "total-typescript"},
                "tags": ["refund"],
                "environment": "development",
            }
        })
    );
    assert_eq!(
        batch[1],
        json!({
            "id": "env-2",
            "timestamp": "2025-12-03T10:15:30.008Z",
            "type": "span-create",
            "body": {
                "id": "obs-gather",
                "traceId": "trace-run_01",
                "name": "gather",
                "startTime": "2025-12-03T10:15:30.007Z",
                "endTime": "2025-12-03T10:15:30.257Z",
                "output": {"purchases": 2},
                "level": "WARNING",
                "statusMessage": "lookupUser timed out",
            }
        })
    );
    assert_eq!(
        batch[2],
        json!({
            "id": "env-3",
            "timestamp": "2025-12-03T10:15:30.009Z",
            "type": "generation-create",
            "body": {
                "id": "obs-draft-1",
                "traceId": "trace-run_01",
                "name": "draft",
                "parentObservationId": "obs-gather",
                "startTime": "2025-12-03T10:15:30.307Z",
                "completionStartTime": "2025-12-03T10:15:30.907Z",
                "endTime": "2025-12-03T10:15:32.307Z",
                "model": "claude-sonnet-4-5",
                "modelParameters": {"max_tokens": 1024},
                "usageDetails": {"input": 1200, "output": 80, "cache_read_input_tokens": 5000,
                                 "cache_creation_input_tokens": 0, "total": 6280},
                "costDetails": {"input": 0.0051, "output": 0.0012, "total": 0.0051 + 0.0012},
            }
        })
    );
    assert!(
        batch[3]["id"].as_str().unwrap().starts_with("evt-"),
        "from the id source"
    );
    assert_eq!(batch[3]["type"], "span-update");
    assert_eq!(
        batch[3]["body"],
        json!({"id": "obs-gather", "traceId": "trace-run_01", "level": "DEFAULT"})
    );
}

#[tokio::test]
async fn langfuse_reads_per_event_errors_from_a_207_and_accepts_200() {
    let (fake, client) = langfuse();
    fake.answer(
        207,
        json!({"successes": [{"id": "env-1", "status": 201}],
               "errors": [{"id": "env-2", "status": 400, "message": "Invalid request data",
                           "error": [{"path": ["body", "traceId"], "message": "Required"}]}]}),
    );
    let status = client.ingest(&pipeline_events()[..2]).await.unwrap();
    assert!(!status.is_complete());
    assert_eq!(
        status.successes,
        [IngestionSuccess {
            id: "env-1".into(),
            status: 201
        }]
    );
    assert_eq!(status.errors.len(), 1);
    assert_eq!(status.errors[0].id, "env-2");
    assert_eq!(status.errors[0].status, 400);
    assert_eq!(
        status.errors[0].message.as_deref(),
        Some("Invalid request data")
    );
    assert!(status.errors[0].error.is_some());

    fake.answer(
        200,
        json!({"successes": [{"id": "env-1", "status": 201}], "errors": []}),
    );
    let status = client.ingest(&pipeline_events()[..1]).await.unwrap();
    assert!(status.is_complete());
}

#[tokio::test]
async fn langfuse_401_is_an_auth_error_without_the_keys() {
    let (fake, client) = langfuse();
    fake.answer(
        401,
        json!({"message": format!("Invalid credentials. Confirm that you've configured the correct host. ({SECRET_KEY})")}),
    );
    let error = client.ingest(&pipeline_events()[..1]).await.unwrap_err();
    match &error {
        TelemetryError::Unauthorized {
            service,
            status,
            message,
        } => {
            assert_eq!((*service, *status), ("Langfuse", 401));
            assert!(message.starts_with("Invalid credentials."), "{message}");
            assert!(!message.contains(SECRET_KEY), "{message}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(!error.is_retryable());

    fake.answer(500, json!({"error": "Internal Server Error"}));
    let error = client.ingest(&pipeline_events()[..1]).await.unwrap_err();
    assert!(error.is_retryable(), "{error:?}");
    fake.fail(TransportError::Other("connection refused".into()));
    assert!(client
        .ingest(&pipeline_events()[..1])
        .await
        .unwrap_err()
        .is_retryable());
}

/// An event carrying `bytes` of (already redacted) input.
fn sized(id: &str, bytes: usize) -> IngestionEvent {
    IngestionEvent::new(
        id,
        T0,
        EventBody::SpanCreate(
            SpanBody::new(format!("obs-{id}"), "trace-1").input(json!("x".repeat(bytes))),
        ),
    )
}

#[tokio::test]
async fn langfuse_splits_batches_over_the_size_limit_and_keeps_order() {
    let (fake, client) = langfuse();
    // Five events of ~1.2 MB: three requests of at most 3.5 MB (2 + 2 + 1).
    let events: Vec<IngestionEvent> = (0..5)
        .map(|i| sized(&format!("big-{i}"), 1_200_000))
        .collect();
    for chunk in [[0, 1].as_slice(), &[2, 3], &[4]] {
        let successes: Vec<Value> = chunk
            .iter()
            .map(|i| json!({"id": format!("big-{i}"), "status": 201}))
            .collect();
        fake.answer(207, json!({"successes": successes, "errors": []}));
    }
    let status = client.ingest(&events).await.unwrap();
    assert_eq!(status.successes.len(), 5);
    let sent = fake.sent();
    assert_eq!(sent.len(), 3);
    let mut ids = Vec::new();
    for request in &sent {
        assert!(request.body.len() <= 3_500_000, "{}", request.body.len());
        for event in body(request)["batch"].as_array().unwrap() {
            ids.push(event["id"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(ids, ["big-0", "big-1", "big-2", "big-3", "big-4"]);
}

#[tokio::test]
async fn langfuse_keeps_an_event_too_large_to_send_out_and_says_so() {
    let (fake, client) = langfuse();
    let client = client.with_max_request_bytes(10_000);
    fake.answer(
        207,
        json!({"successes": [{"id": "small", "status": 201}], "errors": []}),
    );
    let status = client
        .ingest(&[sized("huge", 20_000), sized("small", 10)])
        .await
        .unwrap();
    assert_eq!(
        status.successes,
        [IngestionSuccess {
            id: "small".into(),
            status: 201
        }]
    );
    assert_eq!(status.errors.len(), 1);
    assert_eq!(
        (status.errors[0].id.as_str(), status.errors[0].status),
        ("huge", 413)
    );
    let sent = fake.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(body(&sent[0])["batch"].as_array().unwrap().len(), 1);

    // Nothing to send: no request.
    let (fake, client) = langfuse();
    assert_eq!(
        client.ingest(&[]).await.unwrap(),
        IngestionStatus::default()
    );
    assert!(fake.sent().is_empty());
}

#[test]
fn langfuse_debug_hides_the_secret_key() {
    let (_, client) = langfuse();
    let debug = format!("{client:?}");
    // The public key is the project's identifier (it appears in Langfuse's UI); the
    // secret key, and the Basic credential made of both, never show.
    assert!(!debug.contains(SECRET_KEY), "{debug}");
    let credentials =
        base64::engine::general_purpose::STANDARD.encode(format!("{PUBLIC_KEY}:{SECRET_KEY}"));
    assert!(!debug.contains(&credentials), "{debug}");
}

//! The client against a fake transport: the exact request it sends, and how it reads
//! every kind of answer.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use support_anthropic::*;
use support_http::{HttpRequest, HttpResponse, Transport, TransportError};

/// Answers with a fixed outcome and keeps the requests it got.
struct Fake {
    answer: Result<HttpResponse, TransportError>,
    sent: Mutex<Vec<HttpRequest>>,
}

#[async_trait::async_trait]
impl Transport for Fake {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.sent.lock().unwrap().push(request);
        self.answer.clone()
    }
}

fn fake(answer: Result<HttpResponse, TransportError>) -> (Arc<Fake>, AnthropicClient) {
    let fake = Arc::new(Fake {
        answer,
        sent: Mutex::default(),
    });
    let client = AnthropicClient::new(
        "http://127.0.0.1:8288/anthropic/",
        "sk-ant-secret",
        fake.clone(),
    );
    (fake, client)
}

fn answer(status: u16, body: Value) -> HttpResponse {
    HttpResponse::json(status, &body).with_header("request-id", "req_011CTest")
}

fn end_turn() -> Value {
    json!({
        "id": "msg_01A", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
        "content": [{"type": "text", "text": "Done."}],
        "stop_reason": "end_turn", "stop_sequence": null,
        "usage": {"input_tokens": 10, "output_tokens": 2, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}
    })
}

fn classifier_request() -> MessagesRequest {
    let mut request = MessagesRequest::new("claude-sonnet-4-5", 512);
    request.system = vec![
        SystemBlock::cached("You classify support email."),
        SystemBlock::text("App: tt"),
    ];
    request.messages = vec![Message::user_text("I want a refund")];
    request.tools = vec![Tool::new(
        "classify",
        "Record the category",
        json!({"type": "object", "properties": {"category": {"type": "string", "enum": ["support_refund", "unknown"]}}, "required": ["category"]}),
    )];
    request.tool_choice = Some(ToolChoice::tool("classify"));
    request.temperature = Some(0.0);
    request.metadata = Some(Metadata {
        user_id: Some("u-hash".into()),
    });
    request
}

#[tokio::test]
async fn sends_the_exact_request_anthropic_expects() {
    let (fake, client) = fake(Ok(answer(200, end_turn())));
    let client = client.with_timeout(Duration::from_secs(7));
    client.messages(&classifier_request()).await.unwrap();

    let sent = fake.sent.lock().unwrap();
    let request = &sent[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.url, "http://127.0.0.1:8288/anthropic/v1/messages");
    assert_eq!(request.timeout, Duration::from_secs(7));
    let header = |name: &str| {
        request
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(header("x-api-key"), Some("sk-ant-secret"));
    assert_eq!(header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(header("content-type"), Some("application/json"));
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(
        body,
        json!({
            "model": "claude-sonnet-4-5",
            "max_tokens": 512,
            "system": [
                {"type": "text", "text": "You classify support email.", "cache_control": {"type": "ephemeral"}},
                {"type": "text", "text": "App: tt"}
            ],
            "messages": [{"role": "user", "content": [{"type": "text", "text": "I want a refund"}]}],
            "tools": [{
                "name": "classify",
                "description": "Record the category",
                "input_schema": {"type": "object", "properties": {"category": {"type": "string", "enum": ["support_refund", "unknown"]}}, "required": ["category"]}
            }],
            "tool_choice": {"type": "tool", "name": "classify", "disable_parallel_tool_use": true},
            "temperature": 0.0,
            "metadata": {"user_id": "u-hash"}
        })
    );
}

#[tokio::test]
async fn optional_parts_are_left_out_and_tool_choices_have_their_wire_names() {
    let (fake, client) = fake(Ok(answer(200, end_turn())));
    let mut request = MessagesRequest::new("m", 1);
    request.messages = vec![Message::user_text("hi")];
    client.messages(&request).await.unwrap();
    let body: Value = serde_json::from_slice(&fake.sent.lock().unwrap()[0].body).unwrap();
    assert_eq!(
        body,
        json!({"model": "m", "max_tokens": 1, "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]})
    );

    let wire = |choice: ToolChoice| serde_json::to_value(choice).unwrap();
    assert_eq!(
        wire(ToolChoice::Auto {
            disable_parallel_tool_use: false
        }),
        json!({"type": "auto"})
    );
    assert_eq!(
        wire(ToolChoice::Any {
            disable_parallel_tool_use: true
        }),
        json!({"type": "any", "disable_parallel_tool_use": true})
    );
    assert_eq!(wire(ToolChoice::None), json!({"type": "none"}));
}

#[tokio::test]
async fn tool_results_go_back_as_one_user_turn() {
    let message = Message::tool_results([
        ("toolu_1", Ok(r#"{"found":true}"#.to_owned())),
        ("toolu_2", Err("lookup failed".to_owned())),
    ]);
    assert_eq!(
        serde_json::to_value(&message).unwrap(),
        json!({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_1", "content": "{\"found\":true}"},
            {"type": "tool_result", "tool_use_id": "toolu_2", "content": "lookup failed", "is_error": true}
        ]})
    );
}

#[tokio::test]
async fn a_response_carries_its_request_id() {
    let (_, client) = fake(Ok(answer(200, end_turn())));
    let response = client.messages(&classifier_request()).await.unwrap();
    assert_eq!(response.request_id.as_deref(), Some("req_011CTest"));
    assert_eq!(response.text(), "Done.");
    assert_eq!(response.stop_reason, StopReason::EndTurn);
}

#[tokio::test]
async fn overload_is_retryable_with_the_servers_retry_after() {
    let response = answer(529, json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}, "request_id": "req_body"}))
        .with_header("retry-after", "12");
    let (_, client) = fake(Ok(response));
    let error = client.messages(&classifier_request()).await.unwrap_err();
    assert_eq!(
        error,
        AnthropicError::Api {
            status: 529,
            kind: ErrorKind::Overloaded,
            message: "Overloaded".into(),
            retry_after: Some(Duration::from_secs(12)),
            request_id: Some("req_011CTest".into()),
        }
    );
    assert!(error.is_retryable());
    assert_eq!(error.retry_after(), Some(Duration::from_secs(12)));
    assert_eq!(
        error.to_string(),
        "Anthropic answered 529 overloaded_error: Overloaded (request req_011CTest)"
    );
}

#[tokio::test]
async fn statuses_decide_what_is_retryable() {
    let cases = [
        (429, "rate_limit_error", ErrorKind::RateLimit, true),
        (500, "api_error", ErrorKind::Api, true),
        (
            408,
            "timeout_error",
            ErrorKind::Other("timeout_error".into()),
            true,
        ),
        (
            400,
            "invalid_request_error",
            ErrorKind::InvalidRequest,
            false,
        ),
        (
            401,
            "authentication_error",
            ErrorKind::Authentication,
            false,
        ),
        (403, "permission_error", ErrorKind::Permission, false),
        (404, "not_found_error", ErrorKind::NotFound, false),
        (413, "request_too_large", ErrorKind::RequestTooLarge, false),
    ];
    for (status, wire, kind, retryable) in cases {
        let body = json!({"type": "error", "error": {"type": wire, "message": "m"}});
        let (_, client) = fake(Ok(HttpResponse::json(status, &body)));
        let error = client.messages(&classifier_request()).await.unwrap_err();
        assert_eq!(error.status(), Some(status));
        assert_eq!(error.is_retryable(), retryable, "{status}");
        assert!(
            matches!(&error, AnthropicError::Api { kind: k, retry_after: None, request_id: None, .. } if *k == kind),
            "{error:?}"
        );
    }
}

#[tokio::test]
async fn a_gateway_page_is_read_by_its_status() {
    let page = HttpResponse {
        status: 502,
        headers: vec![("content-type".into(), "text/html".into())],
        body: b"<html>Bad gateway</html>".to_vec(),
    };
    let (_, client) = fake(Ok(page));
    let error = client.messages(&classifier_request()).await.unwrap_err();
    assert!(
        matches!(&error, AnthropicError::Api { status: 502, kind: ErrorKind::Api, message, .. } if message == "<html>Bad gateway</html>")
    );
    assert!(error.is_retryable());
}

#[tokio::test]
async fn transport_failures_are_retryable_and_bad_bodies_are_not() {
    let (_, client) = fake(Err(TransportError::Timeout));
    let error = client.messages(&classifier_request()).await.unwrap_err();
    assert_eq!(error, AnthropicError::Transport(TransportError::Timeout));
    assert!(error.is_retryable());
    assert_eq!(error.retry_after(), None);

    let (_, client) = fake(Ok(answer(200, json!({"id": "msg_1"}))));
    let error = client.messages(&classifier_request()).await.unwrap_err();
    assert!(
        matches!(&error, AnthropicError::Decode { request_id: Some(id), .. } if id == "req_011CTest"),
        "{error:?}"
    );
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn the_api_key_never_shows() {
    let (_, client) = fake(Ok(answer(
        401,
        json!({"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}),
    )));
    assert!(!format!("{client:?}").contains("sk-ant-secret"));
    let error = client.messages(&classifier_request()).await.unwrap_err();
    assert!(!format!("{error:?} {error}").contains("sk-ant-secret"));
    assert!(!error.is_retryable());
}

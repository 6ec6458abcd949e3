//! The Anthropic stand-in, driven by the real `support-anthropic` client over HTTP.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use support_anthropic::*;
use support_http::ReqwestTransport;

async fn devkit(key: Option<&str>) -> support_devkit::Running {
    let config = support_devkit::Config {
        anthropic_api_key: key.map(str::to_owned),
        ..Default::default()
    };
    support_devkit::start("127.0.0.1:0".parse().unwrap(), &config)
        .await
        .unwrap()
}

fn client(d: &support_devkit::Running, key: &str) -> AnthropicClient {
    AnthropicClient::new(
        format!("{}/anthropic", d.url()),
        key,
        Arc::new(ReqwestTransport::new()),
    )
}

async fn script(d: &support_devkit::Running, spec: Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/_devkit/anthropic/script", d.url()))
        .json(&spec)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

async fn received(d: &support_devkit::Running) -> Vec<Value> {
    reqwest::get(format!("{}/_devkit/anthropic/requests", d.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn ask(text: &str) -> MessagesRequest {
    let mut request = MessagesRequest::new("claude-sonnet-4-5", 1024);
    request.messages = vec![Message::user_text(text)];
    request
}

fn support_tools() -> Vec<Tool> {
    let object = |props: Value, required: Value| json!({"type": "object", "properties": props, "required": required});
    vec![
        Tool::new(
            "lookupUser",
            "Find the customer and their purchases",
            object(
                json!({"email": {"type": "string"}, "appId": {"type": "string"}}),
                json!(["email", "appId"]),
            ),
        ),
        Tool::new(
            "processRefund",
            "Refund a purchase (needs approval)",
            object(
                json!({"purchaseId": {"type": "string"}, "appId": {"type": "string"}, "reason": {"type": "string"}}),
                json!(["purchaseId", "appId", "reason"]),
            ),
        ),
        Tool::new(
            "generateMagicLink",
            "Send a login link",
            object(
                json!({"email": {"type": "string"}, "appId": {"type": "string"}}),
                json!(["email", "appId"]),
            ),
        ),
    ]
}

/// Runs the tool loop against the stand-in; returns the tool calls made and the last response.
async fn run_agent(
    client: &AnthropicClient,
    customer: &str,
    tools: Vec<Tool>,
) -> (Vec<(String, Value)>, MessagesResponse) {
    let mut request = ask(customer);
    request.system = vec![
        SystemBlock::cached("You are a support agent for Total TypeScript."),
        SystemBlock::text("App: total-typescript"),
    ];
    request.tools = tools;
    let mut calls = Vec::new();
    for _ in 0..6 {
        let response = client.messages(&request).await.unwrap();
        if response.stop_reason != StopReason::ToolUse {
            return (calls, response);
        }
        let mut results = Vec::new();
        for call in response.tool_uses() {
            calls.push((call.name.to_owned(), call.input.clone()));
            let output = match call.name {
                "lookupUser" => {
                    json!({"found": true, "user": {"id": "usr_1", "name": "Ana Lopez", "email": "ana@example.com"},
                                       "purchases": [{"id": "pur_123", "productName": "Total TypeScript"}, {"id": "pur_456"}]})
                }
                "processRefund" => json!({"status": "pending_approval"}),
                _ => json!({"sent": true}),
            };
            results.push((call.id.to_owned(), Ok(output.to_string())));
        }
        request.messages.push(response.to_message());
        request.messages.push(Message::tool_results(results));
    }
    panic!("the agent never finished");
}

#[tokio::test]
async fn a_scripted_overload_then_success() {
    let d = devkit(None).await;
    script(&d, json!({"responses": [{"error": {"status": 529, "type": "overloaded_error", "retry_after": 3}}, {"text": "Hello there."}]})).await;
    let client = client(&d, "sk-dev");

    let error = client.messages(&ask("hi")).await.unwrap_err();
    assert!(
        matches!(
            &error,
            AnthropicError::Api {
                status: 529,
                kind: ErrorKind::Overloaded,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.is_retryable());
    assert_eq!(error.retry_after(), Some(Duration::from_secs(3)));
    assert!(error.request_id().is_some_and(|id| id.starts_with("req_")));

    let response = client.messages(&ask("hi")).await.unwrap();
    assert_eq!(response.text(), "Hello there.");
    assert_eq!(response.stop_reason, StopReason::EndTurn);
    assert!(response.id.starts_with("msg_01"));
    assert!(response
        .request_id
        .as_deref()
        .is_some_and(|id| id.starts_with("req_")));
    assert!(response.usage.input_tokens > 0 && response.usage.output_tokens > 0);

    let got = received(&d).await;
    let statuses: Vec<u64> = got.iter().map(|r| r["status"].as_u64().unwrap()).collect();
    assert_eq!(statuses, [529, 200]);
    assert_eq!(got[0]["body"]["messages"][0]["content"][0]["text"], "hi");
    assert_eq!(got[1]["answered_by"], "script");
}

#[tokio::test]
async fn scripts_can_target_a_model_or_a_message() {
    let d = devkit(None).await;
    script(&d, json!({"responses": [{"tool_use": {"name": "lookupUser", "input": {"email": "x@y.co"}}}], "match": "REFUND"})).await;
    script(
        &d,
        json!({"responses": [{"text": "haiku says hi"}], "model": "claude-haiku-4-5"}),
    )
    .await;
    let client = client(&d, "sk-dev");
    let mut tools = ask("hello");
    tools.tools = support_tools();

    let other = client.messages(&tools).await.unwrap();
    assert_eq!(
        received(&d).await[0]["answered_by"],
        "default",
        "neither queue applies: {other:?}"
    );
    let mut haiku = ask("hello");
    haiku.model = "claude-haiku-4-5".into();
    assert_eq!(
        client.messages(&haiku).await.unwrap().text(),
        "haiku says hi"
    );
    tools.messages = vec![Message::user_text("I want a refund")];
    let scripted = client.messages(&tools).await.unwrap();
    assert_eq!(scripted.stop_reason, StopReason::ToolUse);
    let call = scripted.tool_uses()[0];
    assert!(call.id.starts_with("toolu_01"));
    assert_eq!(
        (call.name, call.input),
        ("lookupUser", &json!({"email": "x@y.co"}))
    );
}

#[tokio::test]
async fn refused_like_anthropic_refuses() {
    let d = devkit(Some("sk-right")).await;
    let wrong = client(&d, "sk-wrong")
        .messages(&ask("hi"))
        .await
        .unwrap_err();
    assert!(
        matches!(&wrong, AnthropicError::Api { status: 401, kind: ErrorKind::Authentication, message, .. } if message == "invalid x-api-key"),
        "{wrong:?}"
    );
    let none = client(&d, "").messages(&ask("hi")).await.unwrap_err();
    assert!(matches!(
        &none,
        AnthropicError::Api {
            status: 401,
            kind: ErrorKind::Authentication,
            ..
        }
    ));

    let raw = |body: Value, version: Option<&str>| {
        let mut r = reqwest::Client::new()
            .post(format!("{}/anthropic/v1/messages", d.url()))
            .header("x-api-key", "sk-right")
            .json(&body);
        if let Some(version) = version {
            r = r.header("anthropic-version", version);
        }
        r.send()
    };
    let r = raw(
        json!({"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}),
        None,
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("request-id").is_some());
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["type"], "error");
    assert_eq!(
        body["error"],
        json!({"type": "invalid_request_error", "message": "anthropic-version: header is required"})
    );
    let r = raw(
        json!({"max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}),
        Some("2023-06-01"),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["message"],
        "model: Field required"
    );

    let client = client(&d, "sk-right");
    let invalid = |request: MessagesRequest| {
        let client = client.clone();
        async move {
            match client.messages(&request).await {
                Err(AnthropicError::Api {
                    status: 400,
                    kind: ErrorKind::InvalidRequest,
                    message,
                    ..
                }) => message,
                other => panic!("{other:?}"),
            }
        }
    };
    let mut empty = ask("x");
    empty.messages.clear();
    assert_eq!(
        invalid(empty).await,
        "messages: at least one message is required"
    );
    let mut assistant_first = ask("x");
    assistant_first.messages = vec![
        Message::assistant(vec![ContentBlock::text("hello")]),
        Message::user_text("hi"),
    ];
    assert!(invalid(assistant_first).await.contains("first message"));
    let mut twice = ask("a");
    twice.messages.push(Message::user_text("b"));
    assert!(invalid(twice).await.contains("alternate"));
    let mut stray = ask("a");
    stray.tools = support_tools();
    stray
        .messages
        .push(Message::assistant(vec![ContentBlock::ToolUse {
            id: "toolu_a".into(),
            name: "lookupUser".into(),
            input: json!({}),
            cache_control: None,
        }]));
    stray
        .messages
        .push(Message::tool_results([("toolu_b", Ok("{}".to_owned()))]));
    assert!(invalid(stray)
        .await
        .contains("unexpected `tool_use_id` found in `tool_result` blocks: toolu_b"));

    let statuses: Vec<u64> = received(&d)
        .await
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [401, 401, 400, 400, 400, 400, 400, 400]);
}

#[tokio::test]
async fn the_default_agent_runs_a_refund() {
    let d = devkit(None).await;
    let client = client(&d, "sk-dev");
    let (calls, last) = run_agent(&client, "Hi, I bought Total TypeScript last week (ana@example.com). It's not for me, can I get a refund?", support_tools()).await;

    let names: Vec<&str> = calls.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["lookupUser", "processRefund"]);
    assert_eq!(
        calls[0].1,
        json!({"email": "ana@example.com", "appId": "total-typescript"})
    );
    assert_eq!(calls[1].1["purchaseId"], "pur_123");
    assert_eq!(calls[1].1["appId"], "total-typescript");
    assert!(!calls[1].1["reason"].as_str().unwrap().is_empty());

    assert_eq!(last.stop_reason, StopReason::EndTurn);
    let text = last.text();
    assert!(text.starts_with("Hi Ana,"), "{text}");
    assert!(text.contains("refund"), "{text}");
    assert!(
        !text.contains('\u{2014}') && !text.to_lowercase().contains("i hope this helps"),
        "{text}"
    );
    let sentences = text.matches(". ").count() + 1;
    assert!((2..=4).contains(&sentences), "{text}");

    // The cached system prefix is written once, then read on every later turn.
    let got = received(&d).await;
    let usage = |i: usize| &got[i]["response"]["usage"];
    assert!(usage(0)["cache_creation_input_tokens"].as_u64().unwrap() > 0);
    assert_eq!(usage(0)["cache_read_input_tokens"], 0);
    assert!(usage(2)["cache_read_input_tokens"].as_u64().unwrap() > 0);
    assert_eq!(
        last.usage.cache_read_input_tokens,
        usage(2)["cache_read_input_tokens"].as_u64().unwrap()
    );
}

#[tokio::test]
async fn the_default_agent_sends_a_login_link_and_never_calls_what_is_not_offered() {
    let d = devkit(None).await;
    let client = client(&d, "sk-dev");
    let (calls, last) = run_agent(
        &client,
        "I can't log in to my account, my email is sam@example.org",
        support_tools(),
    )
    .await;
    let names: Vec<&str> = calls.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["lookupUser", "generateMagicLink"]);
    assert_eq!(calls[1].1["email"], "sam@example.org");
    assert!(last.text().contains("sam@example.org"), "{}", last.text());

    let only_refunds: Vec<Tool> = support_tools()
        .into_iter()
        .filter(|t| t.name == "processRefund")
        .collect();
    let (calls, last) = run_agent(&client, "refund please, ana@example.com", only_refunds).await;
    assert!(
        calls.is_empty(),
        "no purchase is known without lookupUser: {calls:?}"
    );
    assert_eq!(last.stop_reason, StopReason::EndTurn);
    assert!(
        last.text().contains("email you used at checkout"),
        "{}",
        last.text()
    );
}

#[tokio::test]
async fn a_forced_classifier_tool_gets_a_keyword_category() {
    let d = devkit(None).await;
    let client = client(&d, "sk-dev");
    let classify = Tool::new(
        "classify",
        "Record the category",
        json!({
            "type": "object",
            "properties": {
                "category": {"type": "string", "enum": ["support_access", "support_refund", "fan_mail", "spam", "unknown"]},
                "confidence": {"type": "number"},
                "reasoning": {"type": "string"}
            },
            "required": ["category", "confidence", "reasoning"]
        }),
    );
    for (message, category) in [
        ("Please refund my order", "support_refund"),
        ("I can't log in anymore", "support_access"),
        ("Big fan of the course, thank you!", "fan_mail"),
        ("We'd love a partnership to boost your SEO", "spam"),
        ("What's the weather like?", "unknown"),
    ] {
        let mut request = ask(message);
        request.tools = vec![classify.clone()];
        request.tool_choice = Some(ToolChoice::tool("classify"));
        let response = client.messages(&request).await.unwrap();
        assert_eq!(response.stop_reason, StopReason::ToolUse);
        let call = response.tool_uses()[0];
        assert_eq!(call.name, "classify");
        assert_eq!(call.input["category"], category, "{message}");
        assert!(call.input["confidence"]
            .as_f64()
            .is_some_and(|c| (0.0..=1.0).contains(&c)));
        assert!(call.input["reasoning"]
            .as_str()
            .is_some_and(|r| !r.is_empty()));
    }
}

#[tokio::test]
async fn unknown_blocks_come_back_as_they_were_sent() {
    let d = devkit(None).await;
    let content = json!([
        {"type": "thinking", "thinking": "Look the customer up first.", "signature": "EqQBCkYIARgCIkDn4xg=="},
        {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix"},
        {"type": "text", "text": "Let me check."},
        {"type": "tool_use", "id": "toolu_01Scripted", "name": "lookupUser", "input": {"email": "ana@example.com", "appId": "tt"}}
    ]);
    script(
        &d,
        json!({"responses": [{"content": content.clone()}, {"text": "Found you."}]}),
    )
    .await;
    let client = client(&d, "sk-dev");
    let mut request = ask("ana@example.com needs help");
    request.tools = support_tools();
    let first = client.messages(&request).await.unwrap();
    assert_eq!(first.stop_reason, StopReason::ToolUse);
    assert!(matches!(&first.content[0], ContentBlock::Unknown(_)));

    request.messages.push(first.to_message());
    request.messages.push(Message::tool_results([(
        "toolu_01Scripted",
        Ok(r#"{"found":true}"#.to_owned()),
    )]));
    assert_eq!(
        client.messages(&request).await.unwrap().text(),
        "Found you."
    );
    let got = received(&d).await;
    assert_eq!(
        got[1]["body"]["messages"][1],
        json!({"role": "assistant", "content": content})
    );
}

#[tokio::test]
async fn injected_failures_then_recovery() {
    let d = devkit(None).await;
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{}/_devkit/anthropic/fail", d.url()))
        .json(&json!({"status": 429, "count": 1, "retry_after": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let client = client(&d, "sk-dev");
    let error = client.messages(&ask("hi")).await.unwrap_err();
    assert!(
        matches!(
            &error,
            AnthropicError::Api {
                status: 429,
                kind: ErrorKind::RateLimit,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.retry_after(), Some(Duration::from_secs(2)));
    assert!(client.messages(&ask("hi")).await.is_ok());

    let slow = client.clone().with_timeout(Duration::from_millis(100));
    http.post(format!("{}/_devkit/anthropic/fail", d.url()))
        .json(&json!({"status": 200, "count": 1, "delay_ms": 1000}))
        .send()
        .await
        .unwrap();
    let timeout = slow.messages(&ask("hi")).await.unwrap_err();
    assert!(
        matches!(
            timeout,
            AnthropicError::Transport(support_http::TransportError::Timeout)
        ),
        "{timeout:?}"
    );
    assert!(timeout.is_retryable());

    let r = http
        .post(format!("{}/_devkit/anthropic/reset", d.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert!(received(&d).await.is_empty());
}

#[tokio::test]
async fn the_default_agent_reads_the_intent_from_the_customers_own_words() {
    let d = devkit(None).await;
    let client = client(&d, "sk-dev");
    // Account data above the marked message mentions a refund; the customer does not.
    let context = "## Customer\nEmail: sam@example.org\n\n## Purchases\n- {\"id\":\"pur_old\",\"status\":\"refunded\"}\n\n\
                   ## The customer's message\nSubject: Login\n\nI can't log in to my course.";
    let (calls, _) = run_agent(&client, context, support_tools()).await;
    let names: Vec<&str> = calls.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["lookupUser", "generateMagicLink"], "{calls:?}");
}

#[tokio::test]
async fn the_default_agents_replies_pass_the_platforms_draft_validation() {
    let d = devkit(None).await;
    let client = client(&d, "sk-dev");
    for message in [
        "refund please, ana@example.com",
        "I can't log in, ana@example.com",
        "Please move my purchase to my work email",
        "Where can I get an invoice?",
        "I'm a big fan, thank you!",
        "We sell SEO backlinks and sponsorship packages",
        "Something else entirely",
    ] {
        let (_, last) = run_agent(&client, message, support_tools()).await;
        let validation = support_core::validate::validate(
            &last.text(),
            &support_core::validate::ValidationContext::default(),
        );
        assert!(
            validation.valid,
            "{message:?} → {:?}: {:?}",
            last.text(),
            validation.issues
        );
    }
}

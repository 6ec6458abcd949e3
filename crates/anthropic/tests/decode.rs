//! Decoding Anthropic's responses as they come, and sending assistant turns back intact.

use serde_json::{json, Value};
use support_anthropic::*;

fn decode(body: Value) -> MessagesResponse {
    serde_json::from_value(body).unwrap()
}

#[test]
fn a_tool_use_turn() {
    let response = decode(json!({
        "id": "msg_01Aq9w938a90dw8q", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
        "content": [
            {"type": "text", "text": "Let me look up your account."},
            {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "lookupUser", "input": {"email": "ana@example.com", "appId": "tt"}}
        ],
        "stop_reason": "tool_use", "stop_sequence": null,
        "usage": {"input_tokens": 2095, "output_tokens": 503, "cache_creation_input_tokens": 1800, "cache_read_input_tokens": 0, "service_tier": "standard"}
    }));
    assert_eq!(response.stop_reason, StopReason::ToolUse);
    assert_eq!(response.text(), "Let me look up your account.");
    let calls = response.tool_uses();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].id, "toolu_01A09q90qw90lq917835lq9");
    assert_eq!(calls[0].name, "lookupUser");
    assert_eq!(calls[0].input["email"], "ana@example.com");
    assert_eq!(
        response.usage,
        Usage {
            input_tokens: 2095,
            output_tokens: 503,
            cache_creation_input_tokens: 1800,
            cache_read_input_tokens: 0
        }
    );
    assert_eq!(response.role, Role::Assistant);
}

#[test]
fn an_end_turn_with_several_text_blocks_and_null_counters() {
    let response = decode(json!({
        "id": "msg_2", "type": "message", "role": "assistant", "model": "claude-haiku-4-5",
        "content": [{"type": "text", "text": "Your refund is on its way. "}, {"type": "text", "text": "It takes 5 to 10 days."}],
        "stop_reason": "end_turn", "stop_sequence": null,
        "usage": {"input_tokens": 12, "output_tokens": 20, "cache_creation_input_tokens": null}
    }));
    assert_eq!(
        response.text(),
        "Your refund is on its way. It takes 5 to 10 days."
    );
    assert!(response.tool_uses().is_empty());
    assert_eq!(response.usage.cache_creation_input_tokens, 0);
    assert_eq!(response.usage.cache_read_input_tokens, 0);
}

#[test]
fn stop_reasons_known_new_and_null() {
    for (wire, reason) in [
        (json!("max_tokens"), StopReason::MaxTokens),
        (json!("stop_sequence"), StopReason::StopSequence),
        (json!("pause_turn"), StopReason::PauseTurn),
        (json!("refusal"), StopReason::Refusal),
        (
            json!("model_context_window_exceeded"),
            StopReason::Other("model_context_window_exceeded".into()),
        ),
        (Value::Null, StopReason::Other(String::new())),
    ] {
        let response = decode(json!({
            "id": "m", "type": "message", "role": "assistant", "model": "x", "content": [],
            "stop_reason": wire, "usage": {"input_tokens": 1, "output_tokens": 1}
        }));
        assert_eq!(response.stop_reason, reason);
    }
}

/// Blocks this crate does not model, as Anthropic sends them.
fn unknown_blocks() -> Vec<Value> {
    vec![
        json!({"type": "thinking", "thinking": "The customer wants a refund; check the purchase first.", "signature": "EqQBCkYIARgCIkDn4xg=="}),
        json!({"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP"}),
        json!({"type": "server_tool_use", "id": "srvtoolu_014hJH82Qum7Td6UV8gDXThB", "name": "web_search", "input": {"query": "refund policy"}}),
        json!({"type": "web_search_tool_result", "tool_use_id": "srvtoolu_014hJH82Qum7Td6UV8gDXThB", "content": [{"type": "web_search_result", "url": "https://example.com", "title": "Policy", "encrypted_content": "EqgfCioIARgBIiQ3", "page_age": null}]}),
    ]
}

#[test]
fn unknown_blocks_survive_the_round_trip_unchanged() {
    let mut content = unknown_blocks();
    content.push(json!({"type": "text", "text": "Checking.", "citations": [{"type": "web_search_result_location", "url": "https://example.com", "cited_text": "30 days"}]}));
    content.push(json!({"type": "tool_use", "id": "toolu_9", "name": "lookupUser", "input": {"email": "a@b.co", "n": 1.5, "nested": {"x": [1, null, true]}}}));
    let response = decode(json!({
        "id": "msg_3", "type": "message", "role": "assistant", "model": "claude-opus-4-5",
        "content": content, "stop_reason": "tool_use", "stop_sequence": null,
        "usage": {"input_tokens": 1, "output_tokens": 1}
    }));
    let kinds: Vec<&str> = response.content.iter().map(ContentBlock::kind).collect();
    assert_eq!(
        kinds,
        [
            "thinking",
            "redacted_thinking",
            "server_tool_use",
            "web_search_tool_result",
            "text",
            "tool_use"
        ]
    );
    assert!(matches!(&response.content[0], ContentBlock::Unknown(_)));
    assert_eq!(
        response.tool_uses().len(),
        1,
        "a server tool use is not ours to answer"
    );
    assert_eq!(response.text(), "Checking.");

    let mut request = MessagesRequest::new("claude-opus-4-5", 100);
    request.messages = vec![
        Message::user_text("refund please"),
        response.to_message(),
        Message::tool_results([("toolu_9", Ok("{}".to_owned()))]),
    ];
    let sent: Value = serde_json::from_slice(&serde_json::to_vec(&request).unwrap()).unwrap();
    assert_eq!(
        sent["messages"][1],
        json!({"role": "assistant", "content": content})
    );
}

#[test]
fn a_response_memoized_as_json_reads_back_the_same() {
    let mut response = decode(json!({
        "id": "msg_4", "type": "message", "role": "assistant", "model": "m",
        "content": unknown_blocks(), "stop_reason": "end_turn", "stop_sequence": null,
        "usage": {"input_tokens": 3, "output_tokens": 4, "cache_creation_input_tokens": 5, "cache_read_input_tokens": 6}
    }));
    response.request_id = Some("req_1".into());
    let stored = serde_json::to_string(&response).unwrap();
    let back: MessagesResponse = serde_json::from_str(&stored).unwrap();
    assert_eq!(back, response);
    assert_eq!(
        serde_json::from_str::<Value>(&stored).unwrap()["stop_reason"],
        "end_turn"
    );
}

#[test]
fn message_content_may_be_a_plain_string() {
    let message: Message =
        serde_json::from_value(json!({"role": "user", "content": "hello"})).unwrap();
    assert_eq!(message, Message::user_text("hello"));
    let result: ContentBlock = serde_json::from_value(json!({"type": "tool_result", "tool_use_id": "t", "content": [{"type": "text", "text": "ok"}]})).unwrap();
    assert_eq!(
        result,
        ContentBlock::ToolResult {
            tool_use_id: "t".into(),
            content: ToolResultContent::Blocks(vec![ContentBlock::text("ok")]),
            is_error: false,
            cache_control: None
        }
    );
}

#[test]
fn usage_adds_up() {
    let a = Usage {
        input_tokens: 1,
        output_tokens: 2,
        cache_creation_input_tokens: 3,
        cache_read_input_tokens: 4,
    };
    let b = Usage {
        input_tokens: 10,
        output_tokens: 20,
        cache_creation_input_tokens: 30,
        cache_read_input_tokens: 40,
    };
    let total = a + b;
    assert_eq!(
        total,
        Usage {
            input_tokens: 11,
            output_tokens: 22,
            cache_creation_input_tokens: 33,
            cache_read_input_tokens: 44
        }
    );
    assert_eq!(total.total_input_tokens(), 88);
    let mut sum = a;
    sum += b;
    assert_eq!(sum, total);
    assert_eq!([a, b].into_iter().sum::<Usage>(), total);
}

#[test]
fn cache_breakpoints_serialise_on_every_block_kind() {
    let tool = Tool {
        cache_control: Some(CacheControl::Ephemeral {
            ttl: Some("1h".into()),
        }),
        ..Tool::new("t", "d", json!({"type": "object"}))
    };
    assert_eq!(
        serde_json::to_value(&tool).unwrap()["cache_control"],
        json!({"type": "ephemeral", "ttl": "1h"})
    );
    let block = ContentBlock::text("context").with_cache_control(CacheControl::ephemeral());
    assert_eq!(
        serde_json::to_value(&block).unwrap(),
        json!({"type": "text", "text": "context", "cache_control": {"type": "ephemeral"}})
    );
}

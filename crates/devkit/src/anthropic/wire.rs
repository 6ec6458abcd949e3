//! Anthropic's shapes: ids, error bodies, messages with usage, the prompt cache.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

/// One block of a reply before ids are given out.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Block {
    /// A text block.
    Text(String),
    /// A tool use; its `toolu_...` id is assigned when rendered.
    ToolUse { name: String, input: Value },
    /// A block sent as given (thinking, server tool use, ...).
    Raw(Value),
}

/// What the stand-in answers to one request.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Reply {
    /// A `type: "message"`; the stop reason is inferred from the content unless given.
    Message {
        content: Vec<Block>,
        stop_reason: Option<String>,
    },
    /// An Anthropic error body.
    Error {
        status: u16,
        kind: String,
        message: String,
        retry_after: Option<f64>,
    },
    /// Exactly this status, headers and body.
    Raw {
        status: u16,
        headers: Vec<(String, String)>,
        body: Option<Value>,
    },
}

/// The `error.type` Anthropic uses for a status.
pub(super) fn kind_for_status(status: u16) -> &'static str {
    match status {
        400 => "invalid_request_error",
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        529 => "overloaded_error",
        _ => "api_error",
    }
}

/// Deterministic ids shaped like Anthropic's (`msg_01` + 22 base62 characters...).
#[derive(Debug, Default)]
pub(super) struct Ids {
    next: u64,
}

impl Ids {
    fn base62(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        self.next += 1;
        let mut state = self.next;
        (0..len)
            .map(|_| {
                // splitmix64: every character looks random, and ids never repeat.
                state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = state;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                ALPHABET[((z ^ (z >> 31)) % 62) as usize] as char
            })
            .collect()
    }

    pub(super) fn request(&mut self) -> String {
        format!("req_011C{}", self.base62(20))
    }

    fn message(&mut self) -> String {
        format!("msg_01{}", self.base62(22))
    }

    fn tool_use(&mut self) -> String {
        format!("toolu_01{}", self.base62(22))
    }
}

/// `{"type": "error", "error": {...}, "request_id": ...}` with the `request-id` header.
pub(super) fn error_response(
    status: u16,
    kind: &str,
    message: &str,
    request_id: &str,
    retry_after: Option<f64>,
) -> (Response, Value) {
    let body = json!({
        "type": "error",
        "error": {"type": kind, "message": message},
        "request_id": request_id,
    });
    let mut headers = base_headers(request_id);
    if let Some(secs) = retry_after {
        if let Ok(value) = HeaderValue::from_str(&format_secs(secs)) {
            headers.insert("retry-after", value);
        }
    }
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        (status, headers, axum::Json(body.clone())).into_response(),
        body,
    )
}

fn format_secs(secs: f64) -> String {
    if secs.fract() == 0.0 {
        format!("{}", secs as u64)
    } else {
        format!("{secs}")
    }
}

fn base_headers(request_id: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert("request-id", value);
    }
    headers
}

/// A raw scripted answer; `request-id` is added unless the script sets it.
pub(super) fn raw_response(
    status: u16,
    extra: &[(String, String)],
    body: Option<&Value>,
    request_id: &str,
) -> Response {
    let mut headers = base_headers(request_id);
    for (name, value) in extra {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.insert(name, value);
        }
    }
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    match body {
        Some(body) => (status, headers, axum::Json(body.clone())).into_response(),
        None => (status, headers).into_response(),
    }
}

/// Rough token count: four bytes of JSON per token.
fn tokens(value: &Value) -> u64 {
    (value.to_string().len() as u64).div_ceil(4)
}

/// Which prompt prefixes were cached, and until when (Anthropic's cache is per
/// organisation, here per devkit).
#[derive(Debug, Default)]
pub(super) struct PromptCache {
    entries: HashMap<u64, Instant>,
}

/// Input counters of one request.
struct InputUsage {
    input: u64,
    creation: u64,
    read: u64,
}

impl PromptCache {
    /// Count the input tokens of `request` the way Anthropic bills them. The prompt is
    /// read in Anthropic's order (tools, system, messages); each `cache_control` marks a
    /// breakpoint. The longest cached prefix is read, the rest up to the last breakpoint
    /// is written (no minimum length here, so short dev prompts show caching too).
    fn account(&mut self, request: &Value, now: Instant) -> InputUsage {
        let segments = segments(request);
        let total: u64 = segments.iter().map(|s| s.tokens).sum();
        let model = request.get("model").and_then(Value::as_str).unwrap_or("");
        let mut hasher = DefaultHasher::new();
        model.hash(&mut hasher);
        let mut prefix_tokens = 0;
        let mut breakpoints = Vec::new();
        for segment in &segments {
            segment.key.hash(&mut hasher);
            prefix_tokens += segment.tokens;
            if let Some(ttl) = segment.ttl {
                breakpoints.push((hasher.finish(), prefix_tokens, ttl));
            }
        }
        self.entries.retain(|_, expires| *expires > now);
        let read = breakpoints
            .iter()
            .rev()
            .find(|(key, ..)| self.entries.contains_key(key))
            .map_or(0, |(_, tokens, _)| *tokens);
        let cached = breakpoints.last().map_or(0, |(_, tokens, _)| *tokens);
        for (key, _, ttl) in &breakpoints {
            // A hit refreshes the entry's lifetime, as Anthropic's does.
            self.entries.insert(*key, now + *ttl);
        }
        InputUsage {
            input: total - cached,
            creation: cached - read,
            read,
        }
    }

    pub(super) fn clear(&mut self) {
        self.entries.clear();
    }
}

struct Segment {
    key: String,
    tokens: u64,
    ttl: Option<Duration>,
}

fn segments(request: &Value) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut push = |value: &Value| {
        let mut stripped = value.clone();
        let ttl = stripped
            .as_object_mut()
            .and_then(|o| o.remove("cache_control"))
            .map(|control| match control.get("ttl").and_then(Value::as_str) {
                Some("1h") => Duration::from_secs(3600),
                _ => Duration::from_secs(300),
            });
        out.push(Segment {
            key: stripped.to_string(),
            tokens: tokens(&stripped),
            ttl,
        });
    };
    let list = |v: Option<&Value>| -> Vec<Value> {
        match v {
            Some(Value::Array(items)) => items.clone(),
            Some(other @ Value::String(_)) => vec![other.clone()],
            _ => Vec::new(),
        }
    };
    for tool in list(request.get("tools")) {
        push(&tool);
    }
    for block in list(request.get("system")) {
        push(&block);
    }
    for message in list(request.get("messages")) {
        push(&json!(message.get("role")));
        for block in list(message.get("content")) {
            push(&block);
        }
    }
    out
}

/// Render a message reply: ids, stop reason, usage, cut at `max_tokens`.
pub(super) fn message_body(
    content: &[Block],
    stop_reason: Option<&str>,
    request: &Value,
    ids: &mut Ids,
    cache: &mut PromptCache,
) -> Value {
    let max_tokens = request
        .get("max_tokens")
        .and_then(Value::as_u64)
        .unwrap_or(u64::MAX);
    let calls_tool = |b: &Block| match b {
        Block::ToolUse { .. } => true,
        Block::Raw(raw) => raw.get("type").and_then(Value::as_str) == Some("tool_use"),
        Block::Text(_) => false,
    };
    let mut inferred = if content.iter().any(calls_tool) {
        "tool_use"
    } else {
        "end_turn"
    };
    let mut budget = max_tokens.saturating_mul(4);
    let mut blocks = Vec::with_capacity(content.len());
    for block in content {
        blocks.push(match block {
            Block::Text(text) => {
                let kept: String = text.chars().take(budget as usize).collect();
                if kept.len() < text.len() {
                    inferred = "max_tokens";
                }
                budget = budget.saturating_sub(kept.len() as u64);
                json!({"type": "text", "text": kept})
            }
            Block::ToolUse { name, input } => {
                json!({"type": "tool_use", "id": ids.tool_use(), "name": name, "input": input})
            }
            Block::Raw(value) => value.clone(),
        });
    }
    let input = cache.account(request, Instant::now());
    let output = tokens(&Value::Array(blocks.clone())).max(1);
    let mut body = Map::new();
    body.insert("id".into(), json!(ids.message()));
    body.insert("type".into(), json!("message"));
    body.insert("role".into(), json!("assistant"));
    body.insert(
        "model".into(),
        request.get("model").cloned().unwrap_or(Value::Null),
    );
    body.insert("content".into(), Value::Array(blocks));
    body.insert("stop_reason".into(), json!(stop_reason.unwrap_or(inferred)));
    body.insert("stop_sequence".into(), Value::Null);
    body.insert(
        "usage".into(),
        json!({
            "input_tokens": input.input,
            "cache_creation_input_tokens": input.creation,
            "cache_read_input_tokens": input.read,
            "output_tokens": output,
        }),
    );
    Value::Object(body)
}

/// A rendered message as an HTTP 200.
pub(super) fn message_response(body: &Value, request_id: &str) -> Response {
    (
        StatusCode::OK,
        base_headers(request_id),
        axum::Json(body.clone()),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(system: Value, question: &str) -> Value {
        json!({"model": "m", "max_tokens": 100, "system": system,
               "messages": [{"role": "user", "content": question}]})
    }

    #[test]
    fn a_repeated_cached_prefix_is_read_and_a_changed_one_written() {
        let mut cache = PromptCache::default();
        let now = Instant::now();
        let system = json!([{"type": "text", "text": "policy ".repeat(50), "cache_control": {"type": "ephemeral"}}]);
        let first = cache.account(&request(system.clone(), "one"), now);
        assert!(first.creation > 40 && first.read == 0 && first.input > 0);
        let second = cache.account(&request(system.clone(), "two, longer"), now);
        assert_eq!((second.creation, second.read), (0, first.creation));
        let later = cache.account(
            &request(system, "three"),
            now + Duration::from_secs(301 + 300),
        );
        assert_eq!(later.read, 0, "entries expire after five minutes unused");
        let uncached = cache.account(&request(json!("plain"), "x"), now);
        assert_eq!((uncached.creation, uncached.read), (0, 0));
    }

    #[test]
    fn ids_look_like_anthropics_and_never_repeat() {
        let mut ids = Ids::default();
        let (a, b) = (ids.tool_use(), ids.tool_use());
        assert!(a.starts_with("toolu_01") && a.len() == 30 && a != b);
        assert!(ids.message().starts_with("msg_01"));
    }
}

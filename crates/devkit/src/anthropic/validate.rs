//! The checks Anthropic makes before it runs a model, with its messages.

use std::collections::HashSet;

use axum::http::HeaderMap;
use serde_json::Value;

/// The `anthropic-version` values Anthropic accepts (`2026-10-21` is what
/// `@anthropic-ai/sdk` 1.17 sends).
const VERSIONS: [&str; 3] = ["2023-06-01", "2023-01-01", "2026-10-21"];

/// A refusal: status, `error.type`, message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Invalid {
    pub status: u16,
    pub kind: &'static str,
    pub message: String,
}

fn invalid(message: impl Into<String>) -> Invalid {
    Invalid {
        status: 400,
        kind: "invalid_request_error",
        message: message.into(),
    }
}

/// The API key, from `x-api-key` or `Authorization: Bearer` (what `@anthropic-ai/sdk` 1.17
/// sends), matching `key` when one is configured; then `anthropic-version`.
pub(super) fn headers(headers: &HeaderMap, key: Option<&str>) -> Result<(), Invalid> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let unauthorized = |message: &str| Invalid {
        status: 401,
        kind: "authentication_error",
        message: message.to_owned(),
    };
    let bearer = header("authorization").and_then(|v| {
        v.split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
    });
    match header("x-api-key").filter(|k| !k.is_empty()).or(bearer) {
        None | Some("") => return Err(unauthorized("x-api-key header is required")),
        Some(given) if key.is_some_and(|key| key != given) => {
            return Err(unauthorized("invalid x-api-key"))
        }
        Some(_) => {}
    }
    match header("anthropic-version") {
        None | Some("") => Err(invalid("anthropic-version: header is required")),
        Some(version) if !VERSIONS.contains(&version) => Err(invalid(format!(
            "anthropic-version: invalid version {version:?}"
        ))),
        Some(_) => Ok(()),
    }
}

/// The body of `POST /v1/messages`.
pub(super) fn body(body: &Value) -> Result<(), Invalid> {
    let Value::Object(map) = body else {
        return Err(invalid("The request body is not valid JSON."));
    };
    match map.get("model") {
        None => return Err(invalid("model: Field required")),
        Some(Value::String(model)) if !model.is_empty() => {}
        Some(_) => return Err(invalid("model: Input should be a valid string")),
    }
    match map.get("max_tokens") {
        None => return Err(invalid("max_tokens: Field required")),
        Some(n) if n.as_u64().is_some_and(|n| n >= 1) => {}
        Some(n) if n.is_i64() => {
            return Err(invalid(
                "max_tokens: Input should be greater than or equal to 1",
            ))
        }
        Some(_) => return Err(invalid("max_tokens: Input should be a valid integer")),
    }
    if map.get("stream").and_then(Value::as_bool) == Some(true) {
        return Err(invalid(
            "stream: the devkit stand-in answers non-streaming requests only",
        ));
    }
    if let Some(t) = map.get("temperature") {
        if !t.as_f64().is_some_and(|t| (0.0..=1.0).contains(&t)) {
            return Err(invalid(
                "temperature: Input should be a number between 0 and 1",
            ));
        }
    }
    system(map.get("system"))?;
    let tools = tools(map.get("tools"))?;
    tool_choice(map.get("tool_choice"), &tools)?;
    messages(map.get("messages"), !tools.is_empty())
}

fn system(system: Option<&Value>) -> Result<(), Invalid> {
    match system {
        None | Some(Value::String(_)) => Ok(()),
        Some(Value::Array(blocks)) => {
            for (i, block) in blocks.iter().enumerate() {
                if block.get("type").and_then(Value::as_str) != Some("text") {
                    return Err(invalid(format!("system.{i}.type: Input should be 'text'")));
                }
                if !block.get("text").is_some_and(Value::is_string) {
                    return Err(invalid(format!("system.{i}.text: Field required")));
                }
            }
            Ok(())
        }
        Some(_) => Err(invalid("system: Input should be a valid string or list")),
    }
}

fn valid_tool_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The tool names offered.
fn tools(tools: Option<&Value>) -> Result<HashSet<String>, Invalid> {
    let mut names = HashSet::new();
    let Some(tools) = tools else {
        return Ok(names);
    };
    let Value::Array(tools) = tools else {
        return Err(invalid("tools: Input should be a valid list"));
    };
    for (i, tool) in tools.iter().enumerate() {
        // Server tools (web search...) carry a `type` and no schema.
        if tool
            .get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| t != "custom")
        {
            continue;
        }
        let name = tool.get("name").and_then(Value::as_str).unwrap_or_default();
        if !valid_tool_name(name) {
            return Err(invalid(format!(
                "tools.{i}.name: String should match pattern '^[a-zA-Z0-9_-]{{1,64}}$'"
            )));
        }
        match tool.get("input_schema") {
            Some(Value::Object(schema)) if schema.get("type") == Some(&Value::from("object")) => {}
            Some(_) => {
                return Err(invalid(format!(
                    "tools.{i}.input_schema.type: Input should be 'object'"
                )))
            }
            None => return Err(invalid(format!("tools.{i}.input_schema: Field required"))),
        }
        if !names.insert(name.to_owned()) {
            return Err(invalid("tools: Tool names must be unique."));
        }
    }
    Ok(names)
}

fn tool_choice(choice: Option<&Value>, tools: &HashSet<String>) -> Result<(), Invalid> {
    let Some(choice) = choice else {
        return Ok(());
    };
    match choice.get("type").and_then(Value::as_str) {
        Some("auto" | "none") => Ok(()),
        Some("any") if tools.is_empty() => Err(invalid(
            "tool_choice: `any` requires at least one tool in `tools`",
        )),
        Some("any") => Ok(()),
        Some("tool") => match choice.get("name").and_then(Value::as_str) {
            None => Err(invalid("tool_choice.tool.name: Field required")),
            Some(name) if !tools.contains(name) => Err(invalid(format!(
                "tool_choice: tool {name:?} is not one of the tools provided"
            ))),
            Some(_) => Ok(()),
        },
        _ => Err(invalid(
            "tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'",
        )),
    }
}

/// Blocks of a message's content (a string is one text block).
fn blocks(message: &Value) -> Vec<&Value> {
    match message.get("content") {
        Some(Value::Array(blocks)) => blocks.iter().collect(),
        _ => Vec::new(),
    }
}

fn ids_of<'a>(message: &'a Value, kind: &str, field: &str) -> Vec<&'a str> {
    blocks(message)
        .into_iter()
        .filter(|b| b.get("type").and_then(Value::as_str) == Some(kind))
        .filter_map(|b| b.get(field).and_then(Value::as_str))
        .collect()
}

fn messages(messages: Option<&Value>, has_tools: bool) -> Result<(), Invalid> {
    let messages = match messages {
        None => return Err(invalid("messages: Field required")),
        Some(Value::Array(messages)) => messages,
        Some(_) => return Err(invalid("messages: Input should be a valid list")),
    };
    if messages.is_empty() {
        return Err(invalid("messages: at least one message is required"));
    }
    let mut previous: Option<&str> = None;
    for (i, message) in messages.iter().enumerate() {
        let role = match message.get("role").and_then(Value::as_str) {
            Some(role @ ("user" | "assistant")) => role,
            _ => {
                return Err(invalid(format!(
                    "messages.{i}.role: Input should be 'user' or 'assistant'"
                )))
            }
        };
        if i == 0 && role != "user" {
            return Err(invalid(
                r#"messages: first message must use the "user" role"#,
            ));
        }
        if previous == Some(role) {
            return Err(invalid(format!(
                r#"messages: roles must alternate between "user" and "assistant", but found multiple "{role}" roles in a row"#
            )));
        }
        previous = Some(role);
        let last = i + 1 == messages.len();
        match message.get("content") {
            Some(Value::String(text)) if !text.is_empty() || (last && role == "assistant") => {}
            Some(Value::Array(blocks)) if !blocks.is_empty() || (last && role == "assistant") => {
                for (j, block) in blocks.iter().enumerate() {
                    if !block.get("type").is_some_and(Value::is_string) {
                        return Err(invalid(format!(
                            "messages.{i}.content.{j}.type: Field required"
                        )));
                    }
                }
            }
            Some(Value::String(_) | Value::Array(_)) => {
                return Err(invalid(format!(
                    "messages.{i}: all messages must have non-empty content except for the optional final assistant message"
                )))
            }
            _ => {
                return Err(invalid(format!(
                    "messages.{i}.content: Input should be a valid string or list"
                )))
            }
        }
    }
    tool_pairs(messages, has_tools)
}

/// Every `tool_result` answers a `tool_use` of the turn just before, and every
/// `tool_use` is answered in the turn just after.
fn tool_pairs(messages: &[Value], has_tools: bool) -> Result<(), Invalid> {
    for (i, message) in messages.iter().enumerate() {
        let uses = ids_of(message, "tool_use", "id");
        let results = ids_of(message, "tool_result", "tool_use_id");
        if (!uses.is_empty() || !results.is_empty()) && !has_tools {
            return Err(invalid(
                "Requests which include `tool_use` or `tool_result` blocks must define tools.",
            ));
        }
        let asked = match i.checked_sub(1) {
            Some(p) => ids_of(&messages[p], "tool_use", "id"),
            None => Vec::new(),
        };
        if let Some(id) = results.iter().find(|id| !asked.contains(id)) {
            return Err(invalid(format!(
                "messages.{i}.content: unexpected `tool_use_id` found in `tool_result` blocks: {id}. Each `tool_result` block must have a corresponding `tool_use` block in the previous message."
            )));
        }
        let missing: Vec<&str> = asked
            .iter()
            .copied()
            .filter(|id| !results.contains(id))
            .collect();
        if !missing.is_empty() {
            return Err(invalid(format!(
                "messages.{}: `tool_use` ids were found without `tool_result` blocks immediately after: {}. Each `tool_use` block must have a corresponding `tool_result` block in the next message.",
                i - 1,
                missing.join(", ")
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_key_comes_from_x_api_key_or_a_bearer_header_and_the_sdks_version_is_known() {
        let with = |pairs: &[(&'static str, &str)]| {
            let mut h = HeaderMap::new();
            for (k, v) in pairs {
                h.insert(*k, v.parse().unwrap());
            }
            headers(&h, Some("k"))
        };
        assert!(with(&[("x-api-key", "k"), ("anthropic-version", "2023-06-01")]).is_ok());
        assert!(with(&[
            ("authorization", "Bearer k"),
            ("anthropic-version", "2026-10-21")
        ])
        .is_ok());
        assert_eq!(
            with(&[
                ("authorization", "Bearer nope"),
                ("anthropic-version", "2026-10-21")
            ])
            .unwrap_err()
            .status,
            401
        );
        assert_eq!(
            with(&[
                ("authorization", "Basic k"),
                ("anthropic-version", "2023-06-01")
            ])
            .unwrap_err()
            .status,
            401
        );
        assert_eq!(
            with(&[("x-api-key", "k"), ("anthropic-version", "2099-01-01")])
                .unwrap_err()
                .status,
            400
        );
    }

    fn request(messages: Value) -> Value {
        json!({"model": "m", "max_tokens": 10, "messages": messages,
               "tools": [{"name": "lookupUser", "input_schema": {"type": "object"}}]})
    }

    fn message_of(body: Value) -> String {
        super::body(&body).unwrap_err().message
    }

    #[test]
    fn a_valid_tool_exchange_passes() {
        let ok = request(json!([
            {"role": "user", "content": "refund"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "lookupUser", "input": {}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "{}"}]}
        ]));
        assert_eq!(body(&ok), Ok(()));
    }

    #[test]
    fn each_rule_has_its_message() {
        assert_eq!(
            message_of(json!({"max_tokens": 1, "messages": []})),
            "model: Field required"
        );
        assert_eq!(
            message_of(json!({"model": "m", "messages": []})),
            "max_tokens: Field required"
        );
        assert_eq!(
            message_of(json!({"model": "m", "max_tokens": 0, "messages": []})),
            "max_tokens: Input should be greater than or equal to 1"
        );
        assert_eq!(
            message_of(request(json!([]))),
            "messages: at least one message is required"
        );
        assert!(
            message_of(request(json!([{"role": "assistant", "content": "x"}])))
                .contains("first message")
        );
        assert!(message_of(request(json!([
            {"role": "user", "content": "a"}, {"role": "user", "content": "b"}
        ])))
        .contains(r#"multiple "user" roles"#));
        assert!(message_of(request(json!([
            {"role": "user", "content": "a"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "lookupUser", "input": {}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t2", "content": "{}"}]}
        ])))
        .contains("unexpected `tool_use_id` found in `tool_result` blocks: t2"));
        assert!(message_of(request(json!([
            {"role": "user", "content": "a"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "lookupUser", "input": {}}]},
            {"role": "user", "content": "no results"}
        ])))
        .contains("without `tool_result` blocks immediately after: t1"));
        let mut forced = request(json!([{"role": "user", "content": "a"}]));
        forced["tool_choice"] = json!({"type": "tool", "name": "classify"});
        assert!(message_of(forced).contains("not one of the tools"));
    }
}

//! Scripted answers: queued FIFO by tests and people, optionally only for one model or for
//! requests whose last user message contains some text.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::wire::{kind_for_status, Block, Reply};

/// `POST /_devkit/anthropic/script`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ScriptRequest {
    responses: Vec<Entry>,
    #[serde(default)]
    model: Option<String>,
    /// Case-insensitive substring of the last user message.
    #[serde(default, rename = "match")]
    matching: Option<String>,
    /// Case-insensitive substring of the first user message: the queue then follows
    /// one conversation through all its turns (a platform's context turn carries the
    /// customer's message first).
    #[serde(default)]
    conversation: Option<String>,
}

/// One scripted answer, in any of its shorthands.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    headers: Option<Map<String, Value>>,
    #[serde(default)]
    body: Option<Value>,
    #[serde(default)]
    tool_use: Option<OneOrMany<ToolUse>>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    content: Option<Vec<Value>>,
    #[serde(default)]
    error: Option<ErrorEntry>,
    #[serde(default)]
    stop_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ToolUse {
    name: String,
    #[serde(default)]
    input: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ErrorEntry {
    status: u16,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    retry_after: Option<f64>,
}

impl Entry {
    fn into_reply(self) -> Result<Reply, String> {
        if let Some(error) = self.error {
            let kind = error
                .kind
                .unwrap_or_else(|| kind_for_status(error.status).to_owned());
            return Ok(Reply::Error {
                status: error.status,
                message: error.message.unwrap_or_else(|| default_message(&kind)),
                kind,
                retry_after: error.retry_after,
            });
        }
        let mut content = Vec::new();
        if let Some(raw) = self.content {
            content.extend(raw.into_iter().map(Block::Raw));
        }
        if let Some(text) = self.text {
            content.push(Block::Text(text));
        }
        if let Some(uses) = self.tool_use {
            let uses = match uses {
                OneOrMany::One(one) => vec![one],
                OneOrMany::Many(many) => many,
            };
            content.extend(uses.into_iter().map(|u| Block::ToolUse {
                name: u.name,
                input: u.input.unwrap_or_else(|| Value::Object(Map::new())),
            }));
        }
        if !content.is_empty() {
            return Ok(Reply::Message {
                content,
                stop_reason: self.stop_reason,
            });
        }
        if self.status.is_none() && self.body.is_none() && self.headers.is_none() {
            return Err(
                "a response needs one of text, tool_use, content, error, or status/headers/body"
                    .into(),
            );
        }
        Ok(Reply::Raw {
            status: self.status.unwrap_or(200),
            headers: self
                .headers
                .unwrap_or_default()
                .into_iter()
                .map(|(name, value)| {
                    let value = match value {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (name, value)
                })
                .collect(),
            body: self.body,
        })
    }
}

fn default_message(kind: &str) -> String {
    match kind {
        "overloaded_error" => "Overloaded",
        "rate_limit_error" => "Number of request tokens has exceeded your per-minute rate limit",
        "api_error" => "Internal server error",
        "authentication_error" => "invalid x-api-key",
        "permission_error" => {
            "Your API key does not have permission to use the specified resource."
        }
        "not_found_error" => "Not found",
        "request_too_large" => "Request exceeds the maximum allowed number of bytes.",
        _ => "Invalid request",
    }
    .to_owned()
}

/// Queued answers with their filters.
#[derive(Debug, Serialize)]
pub(super) struct Queue {
    model: Option<String>,
    #[serde(rename = "match")]
    matching: Option<String>,
    conversation: Option<String>,
    #[serde(skip)]
    replies: VecDeque<Reply>,
    /// Answers still queued (for `GET /_devkit/anthropic/script`).
    pending: usize,
}

impl ScriptRequest {
    /// The queue, or why an entry is not understood.
    pub(super) fn into_queue(self) -> Result<Queue, String> {
        let replies = self
            .responses
            .into_iter()
            .enumerate()
            .map(|(i, entry)| {
                entry
                    .into_reply()
                    .map_err(|e| format!("responses[{i}]: {e}"))
            })
            .collect::<Result<VecDeque<_>, _>>()?;
        Ok(Queue {
            model: self.model,
            matching: self.matching.map(|m| m.to_lowercase()),
            conversation: self.conversation.map(|m| m.to_lowercase()),
            pending: replies.len(),
            replies,
        })
    }
}

impl Queue {
    /// How many answers were queued.
    pub(super) fn len(&self) -> usize {
        self.replies.len()
    }
}

/// The next scripted answer for this request, if any: the most specific queue that
/// applies (model and match, then one of them, then none), oldest first among equals.
pub(super) fn next(queues: &mut Vec<Queue>, request: &Value) -> Option<Reply> {
    let model = request.get("model").and_then(Value::as_str);
    let last_user = last_user_text(request).to_lowercase();
    let first_user = first_user_text(request).to_lowercase();
    let applies = |q: &Queue| {
        q.model.as_deref().is_none_or(|m| Some(m) == model)
            && q.matching.as_deref().is_none_or(|m| last_user.contains(m))
            && q.conversation
                .as_deref()
                .is_none_or(|m| first_user.contains(m))
    };
    let specificity = |q: &Queue| {
        q.model.is_some() as u8 + q.matching.is_some() as u8 + q.conversation.is_some() as u8
    };
    let index = queues
        .iter()
        .enumerate()
        .filter(|(_, q)| applies(q))
        .max_by_key(|(i, q)| (specificity(q), std::cmp::Reverse(*i)))
        .map(|(i, _)| i)?;
    let queue = &mut queues[index];
    let reply = queue.replies.pop_front();
    queue.pending = queue.replies.len();
    if queue.replies.is_empty() {
        queues.remove(index);
    }
    reply
}

/// The text of the last user message: its text blocks and tool results' text.
pub(super) fn last_user_text(request: &Value) -> String {
    user_text(request, true)
}

/// The text of the first user message.
fn first_user_text(request: &Value) -> String {
    user_text(request, false)
}

fn user_text(request: &Value, last: bool) -> String {
    let Some(messages) = request.get("messages").and_then(Value::as_array) else {
        return String::new();
    };
    let is_user = |m: &&Value| m.get("role").and_then(Value::as_str) == Some("user");
    let found = if last {
        messages.iter().rev().find(is_user)
    } else {
        messages.iter().find(is_user)
    };
    let Some(message) = found else {
        return String::new();
    };
    let mut out = String::new();
    collect_text(message.get("content").unwrap_or(&Value::Null), &mut out);
    out
}

fn collect_text(content: &Value, out: &mut String) {
    match content {
        Value::String(text) => {
            out.push_str(text);
            out.push('\n');
        }
        Value::Array(blocks) => blocks.iter().for_each(|b| collect_text(b, out)),
        Value::Object(block) => {
            if let Some(text) = block.get("text") {
                collect_text(text, out);
            }
            if let Some(content) = block.get("content") {
                collect_text(content, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn queue(spec: Value) -> Queue {
        serde_json::from_value::<ScriptRequest>(spec)
            .unwrap()
            .into_queue()
            .unwrap()
    }

    #[test]
    fn specific_queues_win_and_empty_ones_go() {
        let mut queues = vec![
            queue(json!({"responses": [{"text": "general"}]})),
            queue(json!({"responses": [{"text": "refunds"}], "match": "REFUND"})),
        ];
        let request =
            json!({"model": "m", "messages": [{"role": "user", "content": "A refund please"}]});
        let text = |r: Option<Reply>| match r {
            Some(Reply::Message { content, .. }) => content,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            text(next(&mut queues, &request)),
            [Block::Text("refunds".into())]
        );
        assert_eq!(
            text(next(&mut queues, &request)),
            [Block::Text("general".into())]
        );
        assert!(next(&mut queues, &request).is_none());
        assert!(queues.is_empty());
    }

    #[test]
    fn a_conversation_queue_follows_its_conversation_through_every_turn() {
        let mut queues = vec![queue(
            json!({"responses": [{"text": "one"}, {"text": "two"}], "conversation": "ticket-42"}),
        )];
        let first = json!({"messages": [{"role": "user", "content": "## The customer's message\nticket-42 please"}]});
        let later = json!({"messages": [
            {"role": "user", "content": "ticket-42 please"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "x", "input": {}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "{}"}]}
        ]});
        let other = json!({"messages": [{"role": "user", "content": "ticket-43"}]});
        assert!(next(&mut queues, &other).is_none());
        assert!(next(&mut queues, &first).is_some());
        assert!(
            next(&mut queues, &later).is_some(),
            "the match is on the first user turn"
        );
        assert!(queues.is_empty());
    }

    #[test]
    fn shorthands_become_replies() {
        let mut q = queue(json!({"responses": [
            {"error": {"status": 529, "retry_after": 2}},
            {"tool_use": {"name": "lookupUser", "input": {"email": "a@b.co"}}},
            {"status": 503, "body": {"oops": true}}
        ]}));
        assert_eq!(
            q.replies.pop_front(),
            Some(Reply::Error {
                status: 529,
                kind: "overloaded_error".into(),
                message: "Overloaded".into(),
                retry_after: Some(2.0)
            })
        );
        assert!(
            matches!(q.replies.pop_front(), Some(Reply::Message { content, .. }) if content.len() == 1)
        );
        assert!(matches!(
            q.replies.pop_front(),
            Some(Reply::Raw { status: 503, .. })
        ));
        let typo = serde_json::from_value::<ScriptRequest>(json!({"responses": [{"txt": "x"}]}));
        assert!(typo.is_err(), "unknown fields are refused");
    }
}

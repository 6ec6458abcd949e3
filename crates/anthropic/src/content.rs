//! Content blocks: what a message is made of, in both directions.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// Prompt-caching breakpoint: everything up to and including the block that carries it
/// is cached (`{"type": "ephemeral"}`, optionally with a `ttl` of `"5m"` or `"1h"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CacheControl {
    /// The only cache type Anthropic has.
    Ephemeral {
        /// `"5m"` (Anthropic's default when absent) or `"1h"`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ttl: Option<String>,
    },
}

impl CacheControl {
    /// `{"type": "ephemeral"}` with the default five-minute lifetime.
    pub fn ephemeral() -> Self {
        CacheControl::Ephemeral { ttl: None }
    }
}

/// One block of a message's content.
///
/// Block types this crate does not model (`thinking`, `redacted_thinking`,
/// `server_tool_use`, `web_search_tool_result`, ...) are kept as [`ContentBlock::Unknown`]
/// with their JSON untouched, so an assistant turn sent back to Anthropic carries them as
/// received (thinking blocks must come back with their signatures).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentBlock {
    /// Plain text.
    Text {
        /// The text.
        text: String,
        /// Citations Anthropic attached to this text, kept for the round trip.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        citations: Option<Vec<Value>>,
        /// A prompt-caching breakpoint after this block.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cache_control: Option<CacheControl>,
    },
    /// The model calls a tool.
    ToolUse {
        /// `toolu_...`, echoed by the matching [`ContentBlock::ToolResult`].
        id: String,
        /// The tool's name.
        name: String,
        /// Arguments, shaped by the tool's `input_schema`.
        input: Value,
        /// A prompt-caching breakpoint after this block.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cache_control: Option<CacheControl>,
    },
    /// What a tool returned, sent in a user turn right after the assistant's tool use.
    ToolResult {
        /// The `id` of the tool use this answers.
        tool_use_id: String,
        /// The result, as text or blocks.
        #[serde(default)]
        content: ToolResultContent,
        /// Whether the tool failed (the model then sees `content` as the error).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        is_error: bool,
        /// A prompt-caching breakpoint after this block.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cache_control: Option<CacheControl>,
    },
    /// Any other block, as received.
    #[serde(untagged)]
    Unknown(Value),
}

impl ContentBlock {
    /// A text block.
    pub fn text(text: impl Into<String>) -> Self {
        ContentBlock::Text {
            text: text.into(),
            citations: None,
            cache_control: None,
        }
    }

    /// A successful tool result with text content.
    pub fn tool_result(tool_use_id: impl Into<String>, content: impl Into<String>) -> Self {
        ContentBlock::ToolResult {
            tool_use_id: tool_use_id.into(),
            content: ToolResultContent::Text(content.into()),
            is_error: false,
            cache_control: None,
        }
    }

    /// A failed tool result: `message` tells the model what went wrong.
    pub fn tool_error(tool_use_id: impl Into<String>, message: impl Into<String>) -> Self {
        ContentBlock::ToolResult {
            tool_use_id: tool_use_id.into(),
            content: ToolResultContent::Text(message.into()),
            is_error: true,
            cache_control: None,
        }
    }

    /// The same block with a prompt-caching breakpoint (unknown blocks are unchanged).
    pub fn with_cache_control(mut self, control: CacheControl) -> Self {
        match &mut self {
            ContentBlock::Text { cache_control, .. }
            | ContentBlock::ToolUse { cache_control, .. }
            | ContentBlock::ToolResult { cache_control, .. } => *cache_control = Some(control),
            ContentBlock::Unknown(_) => {}
        }
        self
    }

    /// The block's `type`, known or not.
    pub fn kind(&self) -> &str {
        match self {
            ContentBlock::Text { .. } => "text",
            ContentBlock::ToolUse { .. } => "tool_use",
            ContentBlock::ToolResult { .. } => "tool_result",
            ContentBlock::Unknown(value) => value.get("type").and_then(Value::as_str).unwrap_or(""),
        }
    }
}

/// The content of a tool result: a string or a list of blocks (text, images...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ToolResultContent {
    /// A string.
    Text(String),
    /// Blocks.
    Blocks(Vec<ContentBlock>),
}

impl Default for ToolResultContent {
    fn default() -> Self {
        ToolResultContent::Text(String::new())
    }
}

/// Who speaks a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The customer side: prompts and tool results.
    User,
    /// The model.
    Assistant,
}

/// One turn of the conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Who speaks.
    pub role: Role,
    /// What is said; a plain string is read as one text block.
    #[serde(deserialize_with = "string_or_blocks")]
    pub content: Vec<ContentBlock>,
}

impl Message {
    /// A user turn of one text block.
    pub fn user_text(text: impl Into<String>) -> Self {
        Message {
            role: Role::User,
            content: vec![ContentBlock::text(text)],
        }
    }

    /// An assistant turn, e.g. a response's content sent back verbatim.
    pub fn assistant(content: Vec<ContentBlock>) -> Self {
        Message {
            role: Role::Assistant,
            content,
        }
    }

    /// The user turn answering tool uses: one `tool_result` per `(tool_use_id, outcome)`,
    /// in order; an `Err` is sent with `is_error: true`.
    pub fn tool_results<I, S>(results: I) -> Self
    where
        I: IntoIterator<Item = (S, Result<String, String>)>,
        S: Into<String>,
    {
        Message {
            role: Role::User,
            content: results
                .into_iter()
                .map(|(id, outcome)| match outcome {
                    Ok(content) => ContentBlock::tool_result(id, content),
                    Err(message) => ContentBlock::tool_error(id, message),
                })
                .collect(),
        }
    }
}

fn string_or_blocks<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ContentBlock>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Text(String),
        Blocks(Vec<ContentBlock>),
    }
    Ok(match Either::deserialize(d)? {
        Either::Text(text) => vec![ContentBlock::text(text)],
        Either::Blocks(blocks) => blocks,
    })
}

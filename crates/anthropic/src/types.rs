//! The request and response of `POST /v1/messages`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::content::{CacheControl, ContentBlock, Message, Role};

/// A block of the system prompt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "text")]
pub struct SystemBlock {
    /// The text.
    pub text: String,
    /// A prompt-caching breakpoint after this block: put it after the stable part of the
    /// prompt so that later calls read it from the cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<CacheControl>,
}

impl SystemBlock {
    /// A system text block without caching.
    pub fn text(text: impl Into<String>) -> Self {
        SystemBlock {
            text: text.into(),
            cache_control: None,
        }
    }

    /// A system text block ending a cached prefix (`cache_control: {type: "ephemeral"}`).
    pub fn cached(text: impl Into<String>) -> Self {
        SystemBlock {
            text: text.into(),
            cache_control: Some(CacheControl::ephemeral()),
        }
    }
}

/// A tool the model may call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    /// `^[a-zA-Z0-9_-]{1,64}$`.
    pub name: String,
    /// What the tool does and when to use it: the model reads this.
    pub description: String,
    /// JSON Schema of the input (`{"type": "object", ...}`).
    pub input_schema: Value,
    /// A prompt-caching breakpoint after this tool (on the last tool, caches all tools).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<CacheControl>,
}

impl Tool {
    /// A tool without caching.
    pub fn new(
        name: impl Into<String>,
        description: impl Into<String>,
        input_schema: Value,
    ) -> Self {
        Tool {
            name: name.into(),
            description: description.into(),
            input_schema,
            cache_control: None,
        }
    }
}

/// How the model may use the tools.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToolChoice {
    /// The model decides (Anthropic's default when tools are given).
    Auto {
        /// At most one tool use per response.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        disable_parallel_tool_use: bool,
    },
    /// The model must use some tool.
    Any {
        /// Exactly one tool use per response.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        disable_parallel_tool_use: bool,
    },
    /// The model must use this tool: structured output.
    Tool {
        /// The tool's name.
        name: String,
        /// Exactly one tool use per response.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        disable_parallel_tool_use: bool,
    },
    /// No tool use, even though tools are given.
    None,
}

impl ToolChoice {
    /// Force one tool (structured output), one use only.
    pub fn tool(name: impl Into<String>) -> Self {
        ToolChoice::Tool {
            name: name.into(),
            disable_parallel_tool_use: true,
        }
    }
}

/// Request metadata.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Metadata {
    /// An opaque id of the end user (a hash or uuid, never an email), for abuse detection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

/// The body of `POST /v1/messages` (non-streaming).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessagesRequest {
    /// e.g. `claude-sonnet-4-5`.
    pub model: String,
    /// Upper bound of output tokens.
    pub max_tokens: u32,
    /// System prompt blocks (omitted when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub system: Vec<SystemBlock>,
    /// The conversation, starting with a user turn.
    pub messages: Vec<Message>,
    /// Tools offered (omitted when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<Tool>,
    /// How tools may be used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
    /// Sampling temperature, 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Custom strings that stop generation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stop_sequences: Vec<String>,
    /// Request metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

impl MessagesRequest {
    /// A request with no system prompt, messages or tools yet.
    pub fn new(model: impl Into<String>, max_tokens: u32) -> Self {
        MessagesRequest {
            model: model.into(),
            max_tokens,
            system: Vec::new(),
            messages: Vec::new(),
            tools: Vec::new(),
            tool_choice: None,
            temperature: None,
            stop_sequences: Vec::new(),
            metadata: None,
        }
    }
}

/// Why the model stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// It finished its turn.
    EndTurn,
    /// It wants tool results.
    ToolUse,
    /// `max_tokens` was reached: the output is cut.
    MaxTokens,
    /// One of `stop_sequences` was produced.
    StopSequence,
    /// A long server-tool turn was paused; send the content back to continue.
    PauseTurn,
    /// The model declined.
    Refusal,
    /// A reason this crate does not know yet (empty when the field was `null`).
    Other(String),
}

impl StopReason {
    /// The wire name.
    pub fn as_str(&self) -> &str {
        match self {
            StopReason::EndTurn => "end_turn",
            StopReason::ToolUse => "tool_use",
            StopReason::MaxTokens => "max_tokens",
            StopReason::StopSequence => "stop_sequence",
            StopReason::PauseTurn => "pause_turn",
            StopReason::Refusal => "refusal",
            StopReason::Other(other) => other,
        }
    }
}

impl From<&str> for StopReason {
    fn from(value: &str) -> Self {
        match value {
            "end_turn" => StopReason::EndTurn,
            "tool_use" => StopReason::ToolUse,
            "max_tokens" => StopReason::MaxTokens,
            "stop_sequence" => StopReason::StopSequence,
            "pause_turn" => StopReason::PauseTurn,
            "refusal" => StopReason::Refusal,
            other => StopReason::Other(other.to_owned()),
        }
    }
}

impl Serialize for StopReason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for StopReason {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Option::<String>::deserialize(d)?
            .map(|s| StopReason::from(s.as_str()))
            .unwrap_or(StopReason::Other(String::new())))
    }
}

/// Token counts of one response (or, added up, of a run).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Usage {
    /// Input tokens read neither from nor into the cache.
    #[serde(default, deserialize_with = "null_as_zero")]
    pub input_tokens: u64,
    /// Output tokens.
    #[serde(default, deserialize_with = "null_as_zero")]
    pub output_tokens: u64,
    /// Input tokens written to the cache (billed at a premium).
    #[serde(default, deserialize_with = "null_as_zero")]
    pub cache_creation_input_tokens: u64,
    /// Input tokens read from the cache (billed at a tenth).
    #[serde(default, deserialize_with = "null_as_zero")]
    pub cache_read_input_tokens: u64,
}

impl Usage {
    /// Every input token, cached or not.
    pub fn total_input_tokens(&self) -> u64 {
        self.input_tokens + self.cache_creation_input_tokens + self.cache_read_input_tokens
    }
}

impl std::ops::Add for Usage {
    type Output = Usage;
    fn add(mut self, other: Usage) -> Usage {
        self += other;
        self
    }
}

impl std::ops::AddAssign for Usage {
    fn add_assign(&mut self, other: Usage) {
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
        self.cache_creation_input_tokens += other.cache_creation_input_tokens;
        self.cache_read_input_tokens += other.cache_read_input_tokens;
    }
}

impl std::iter::Sum for Usage {
    fn sum<I: Iterator<Item = Usage>>(iter: I) -> Usage {
        iter.fold(Usage::default(), |a, b| a + b)
    }
}

fn null_as_zero<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    Ok(Option::<u64>::deserialize(d)?.unwrap_or(0))
}

/// A tool use of a response, borrowed from its content.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ToolCall<'a> {
    /// `toolu_...`: answer with a tool result carrying this id.
    pub id: &'a str,
    /// The tool's name.
    pub name: &'a str,
    /// The arguments.
    pub input: &'a Value,
}

/// The answer of `POST /v1/messages`.
///
/// Serialises back to the same shape (plus `request_id`), so an Inngest step can memoize it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessagesResponse {
    /// `msg_...`.
    pub id: String,
    /// The model that answered.
    pub model: String,
    /// Always [`Role::Assistant`].
    pub role: Role,
    /// What the model said, in order.
    pub content: Vec<ContentBlock>,
    /// Why it stopped.
    pub stop_reason: StopReason,
    /// The stop sequence produced, when that is why it stopped.
    #[serde(default)]
    pub stop_sequence: Option<String>,
    /// Token counts.
    pub usage: Usage,
    /// The `request-id` header, to quote to Anthropic and in logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl MessagesResponse {
    /// The text blocks, concatenated in order (empty when there are none).
    pub fn text(&self) -> String {
        self.content
            .iter()
            .filter_map(|block| match block {
                ContentBlock::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The tool uses, in order.
    pub fn tool_uses(&self) -> Vec<ToolCall<'_>> {
        self.content
            .iter()
            .filter_map(|block| match block {
                ContentBlock::ToolUse {
                    id, name, input, ..
                } => Some(ToolCall { id, name, input }),
                _ => None,
            })
            .collect()
    }

    /// The assistant turn to append to the conversation: the content verbatim, unknown
    /// blocks included.
    pub fn to_message(&self) -> Message {
        Message::assistant(self.content.clone())
    }
}

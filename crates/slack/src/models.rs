//! What the Web API methods take and answer.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::blocks::Block;

/// `chat.postMessage` arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PostMessage {
    /// Channel id (`C…`).
    pub channel: String,
    /// Notification and fallback text (Slack wants it even with blocks).
    pub text: String,
    /// The message's blocks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blocks: Vec<Block>,
    /// Reply in the thread of this message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread_ts: Option<String>,
    /// Machine-readable metadata carried with the message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<MessageMetadata>,
}

impl PostMessage {
    /// A message of `text` and `blocks` in `channel`.
    pub fn new(channel: impl Into<String>, text: impl Into<String>, blocks: Vec<Block>) -> Self {
        Self {
            channel: channel.into(),
            text: text.into(),
            blocks,
            thread_ts: None,
            metadata: None,
        }
    }

    /// The same message as a reply in the thread of `ts`.
    pub fn in_thread(mut self, ts: impl Into<String>) -> Self {
        self.thread_ts = Some(ts.into());
        self
    }
}

/// Message metadata: `{"event_type": "approval_requested", "event_payload": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageMetadata {
    /// A name of your own, e.g. `approval_requested`.
    pub event_type: String,
    /// Any JSON object.
    pub event_payload: Value,
}

/// `chat.update` arguments. The blocks replace the message's (an empty list clears them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Update {
    /// Channel id the message is in.
    pub channel: String,
    /// The message's `ts`.
    pub ts: String,
    /// New fallback text.
    pub text: String,
    /// New blocks.
    pub blocks: Vec<Block>,
}

/// Where a posted or updated message is.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Posted {
    /// Channel id.
    pub channel: String,
    /// The message's `ts` (its id within the channel).
    pub ts: String,
}

/// Who a token is (`auth.test`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AuthIdentity {
    /// The workspace's URL (`https://acme.slack.com/`).
    #[serde(default)]
    pub url: Option<String>,
    /// The workspace's name.
    #[serde(default)]
    pub team: Option<String>,
    /// The bot user's name.
    #[serde(default)]
    pub user: Option<String>,
    /// `T…`.
    #[serde(default)]
    pub team_id: Option<String>,
    /// `U…` of the bot user.
    #[serde(default)]
    pub user_id: Option<String>,
    /// `B…` when the token is a bot token.
    #[serde(default)]
    pub bot_id: Option<String>,
}

/// A modal opened with `views.open`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OpenedView {
    /// `V…`.
    pub id: String,
    /// Changes with every update; `views.update` can be given it to refuse stale writes.
    #[serde(default)]
    pub hash: Option<String>,
    /// The `callback_id` it was opened with.
    #[serde(default)]
    pub callback_id: Option<String>,
}

/// A channel from `conversations.list`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Channel {
    /// `C…`.
    pub id: String,
    /// Name without `#`.
    #[serde(default)]
    pub name: Option<String>,
    /// Whether it is private.
    #[serde(default)]
    pub is_private: bool,
    /// Whether it is archived.
    #[serde(default)]
    pub is_archived: bool,
    /// Whether the bot is a member (it can only post where it is).
    #[serde(default)]
    pub is_member: bool,
}

/// A message from `conversations.history` or `conversations.replies`.
///
/// `blocks` stay raw JSON: people's messages carry `rich_text` blocks and others the
/// platform never builds, which must not fail the whole read.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Message {
    /// The message's `ts`.
    pub ts: String,
    /// Fallback text.
    #[serde(default)]
    pub text: String,
    /// `U…` of the author (bots have one too).
    #[serde(default)]
    pub user: Option<String>,
    /// `B…` when a bot posted it.
    #[serde(default)]
    pub bot_id: Option<String>,
    /// The parent's `ts` for thread replies and for the parent itself.
    #[serde(default)]
    pub thread_ts: Option<String>,
    /// Replies in its thread (parents only).
    #[serde(default)]
    pub reply_count: Option<u32>,
    /// Blocks as Slack sent them.
    #[serde(default)]
    pub blocks: Vec<Value>,
    /// Message metadata, when it was posted with some.
    #[serde(default)]
    pub metadata: Option<MessageMetadata>,
}

/// `{"response_metadata": {"next_cursor": ...}}` of paged answers.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ResponseMetadata {
    #[serde(default)]
    pub next_cursor: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct ChannelsPage {
    #[serde(default)]
    pub channels: Vec<Channel>,
    #[serde(default)]
    pub response_metadata: Option<ResponseMetadata>,
}

#[derive(Deserialize)]
pub(crate) struct MessagesPage {
    #[serde(default)]
    pub messages: Vec<Message>,
    #[serde(default)]
    pub response_metadata: Option<ResponseMetadata>,
}

#[derive(Deserialize)]
pub(crate) struct ViewAnswer {
    pub view: OpenedView,
}

#[derive(Deserialize)]
pub(crate) struct EphemeralAnswer {
    pub message_ts: String,
}

/// The next cursor of a page, when there is one.
pub(crate) fn next_cursor(metadata: Option<ResponseMetadata>) -> Option<String> {
    metadata
        .and_then(|m| m.next_cursor)
        .filter(|cursor| !cursor.is_empty())
}

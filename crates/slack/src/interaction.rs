//! Interactivity payloads: what Slack POSTs to the Interactivity Request URL when
//! someone clicks a button (`block_actions`) or submits a modal (`view_submission`).
//!
//! The body is a form, `payload=<url-encoded JSON>`. Verify its `X-Slack-Signature`
//! over the raw bytes (`support_signing::slack::verify`) before parsing it here.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::SlackError;

/// One interaction.
#[derive(Debug, Clone, PartialEq)]
pub enum Interaction {
    /// A click on a button (or another interactive element) in a message or a modal.
    BlockActions(BlockActions),
    /// A modal's submit button.
    ViewSubmission(ViewSubmission),
    /// Any other type (`view_closed`, `shortcut`, `message_action`...): acknowledge it.
    Other {
        /// The payload's `type`.
        kind: String,
    },
}

/// Who interacted.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct User {
    /// `U…`: check it against the approvers.
    pub id: String,
    /// Display handle.
    #[serde(default)]
    pub username: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// `T…`.
    #[serde(default)]
    pub team_id: Option<String>,
}

/// A `block_actions` payload.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BlockActions {
    /// Who clicked.
    pub user: User,
    /// Opens a modal with `views.open` (about three seconds, once).
    #[serde(default)]
    pub trigger_id: Option<String>,
    /// What was clicked (one entry for a button).
    #[serde(default)]
    pub actions: Vec<Action>,
    /// The channel of the message (absent for clicks inside a modal).
    #[serde(default)]
    pub channel: Option<ChannelRef>,
    /// The message clicked in (absent for clicks inside a modal).
    #[serde(default)]
    pub message: Option<MessageRef>,
    /// Where to post a reply or replace the original message, without a token.
    #[serde(default)]
    pub response_url: Option<String>,
    /// Where the click happened: `{type: "message", message_ts, channel_id, ...}`.
    #[serde(default)]
    pub container: Option<Value>,
    /// The app the payload is for.
    #[serde(default)]
    pub api_app_id: Option<String>,
}

impl BlockActions {
    /// The first action, which is the click for a button.
    pub fn action(&self) -> Option<&Action> {
        self.actions.first()
    }
}

/// One element's action.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Action {
    /// The element's `action_id`.
    pub action_id: String,
    /// The element's `value` (a button's).
    #[serde(default)]
    pub value: Option<String>,
    /// The block holding the element.
    #[serde(default)]
    pub block_id: String,
    /// `button`, `static_select`...
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// When it happened (`"1732690533.123456"`).
    #[serde(default)]
    pub action_ts: Option<String>,
}

/// `{"id": "C…", "name": ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ChannelRef {
    /// `C…`.
    pub id: String,
    /// Name without `#`.
    #[serde(default)]
    pub name: Option<String>,
}

/// The message an interaction came from.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MessageRef {
    /// Its `ts`: with the channel, what `chat.update` needs.
    pub ts: String,
    /// Its fallback text.
    #[serde(default)]
    pub text: Option<String>,
    /// Its thread's parent, for replies.
    #[serde(default)]
    pub thread_ts: Option<String>,
    /// Its blocks as Slack sent them.
    #[serde(default)]
    pub blocks: Vec<Value>,
}

/// A `view_submission` payload.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ViewSubmission {
    /// Who submitted.
    pub user: User,
    /// The submitted modal.
    pub view: SubmittedView,
    /// For opening another modal.
    #[serde(default)]
    pub trigger_id: Option<String>,
}

/// The modal as submitted.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SubmittedView {
    /// `V…`.
    #[serde(default)]
    pub id: String,
    /// The `callback_id` it was opened with.
    #[serde(default)]
    pub callback_id: String,
    /// The `private_metadata` it was opened with.
    #[serde(default)]
    pub private_metadata: String,
    /// What was entered.
    #[serde(default)]
    pub state: ViewState,
}

impl SubmittedView {
    /// The text entered in the input `action_id` of block `block_id`.
    pub fn value(&self, block_id: &str, action_id: &str) -> Option<&str> {
        self.state
            .values
            .get(block_id)?
            .get(action_id)?
            .value
            .as_deref()
    }
}

/// `{"values": {block_id: {action_id: {type, value}}}}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ViewState {
    /// Inputs by block, then action.
    #[serde(default)]
    pub values: BTreeMap<String, BTreeMap<String, StateValue>>,
}

/// One input's state.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StateValue {
    /// `plain_text_input`...
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Text inputs' value (`null` when left empty).
    #[serde(default)]
    pub value: Option<String>,
}

/// Parses an Interactivity Request URL body (`payload=<url-encoded JSON>`).
pub fn parse_interaction(form_body: &[u8]) -> Result<Interaction, SlackError> {
    let payload = form_urlencoded::parse(form_body)
        .find(|(name, _)| name == "payload")
        .map(|(_, value)| value)
        .ok_or_else(|| SlackError::Decode("the form has no payload field".into()))?;
    let value: Value =
        serde_json::from_str(&payload).map_err(|e| SlackError::decode("payload", &e))?;
    let kind = value
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| SlackError::Decode("the payload has no type".into()))?
        .to_owned();
    match kind.as_str() {
        "block_actions" => serde_json::from_value(value)
            .map(Interaction::BlockActions)
            .map_err(|e| SlackError::decode("block_actions payload", &e)),
        "view_submission" => serde_json::from_value(value)
            .map(Interaction::ViewSubmission)
            .map_err(|e| SlackError::decode("view_submission payload", &e)),
        _ => Ok(Interaction::Other { kind }),
    }
}

/// An answer to a `view_submission` (the HTTP 200 body); an empty body closes the modal.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "response_action", rename_all = "snake_case")]
pub enum ViewResponse {
    /// Keep the modal open and show these messages under the inputs (by `block_id`).
    Errors {
        /// `block_id` → message.
        errors: BTreeMap<String, String>,
    },
    /// Replace the modal.
    Update {
        /// The new modal.
        view: crate::View,
    },
    /// Open another modal on top.
    Push {
        /// The modal to push.
        view: crate::View,
    },
    /// Close every modal of the stack.
    Clear,
}

/// A message sent to an interaction's `response_url` (no token needed).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ResponseMessage {
    /// Replace the message the interaction came from (rather than post a new one).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub replace_original: bool,
    /// Delete it. Sent only when set: some servers treat a present `false` oddly.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub delete_original: bool,
    /// Fallback text.
    pub text: String,
    /// Blocks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blocks: Vec<crate::Block>,
}

impl ResponseMessage {
    /// Replace the original message with `text` and `blocks`.
    pub fn replace(text: impl Into<String>, blocks: Vec<crate::Block>) -> Self {
        Self {
            replace_original: true,
            delete_original: false,
            text: text.into(),
            blocks,
        }
    }
}

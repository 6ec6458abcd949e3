//! Front's resources as the API returns them (unknown fields ignored, optional fields
//! `Option`), and the bodies the client sends.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A resource's `_links`: `self` and the `related` resources.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Links {
    /// The resource's own URL.
    #[serde(rename = "self", default)]
    pub self_url: Option<String>,
    /// Related resources, by name (URLs, or `null`).
    #[serde(default)]
    pub related: Option<Value>,
}

/// One page of a list: `_results`, and `_pagination.next` when there is more.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items of this page.
    pub results: Vec<T>,
    /// URL of the next page, if any (follow it with [`crate::FrontClient::next_page`]).
    pub next: Option<String>,
}

/// `{"_results": [...], "_pagination": {"next": ...}}`.
#[derive(Deserialize)]
pub(crate) struct ListBody<T> {
    #[serde(rename = "_results", default = "Vec::new")]
    pub results: Vec<T>,
    #[serde(rename = "_pagination", default)]
    pub pagination: Option<Pagination>,
}

#[derive(Deserialize)]
pub(crate) struct Pagination {
    #[serde(default)]
    pub next: Option<String>,
}

/// A conversation.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Conversation {
    /// Links (`self`, `related.messages`...).
    #[serde(rename = "_links", default)]
    pub links: Links,
    /// `cnv_…`.
    pub id: String,
    /// `conversation`, `discussion` or `task`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Subject line.
    #[serde(default)]
    pub subject: Option<String>,
    /// `unassigned`, `assigned`, `archived`, `deleted`.
    #[serde(default)]
    pub status: Option<String>,
    /// The assigned teammate.
    #[serde(default)]
    pub assignee: Option<Teammate>,
    /// The main contact.
    #[serde(default)]
    pub recipient: Option<Recipient>,
    /// Tags on the conversation.
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// Seconds since the epoch.
    #[serde(default)]
    pub created_at: Option<f64>,
    /// Seconds since the epoch.
    #[serde(default)]
    pub updated_at: Option<f64>,
    /// Whether it is private to a teammate.
    #[serde(default)]
    pub is_private: Option<bool>,
    /// Free-form metadata.
    #[serde(default)]
    pub metadata: Option<Value>,
}

/// A message (received, sent, or a draft).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Message {
    /// Links (`self`, `related.conversation`...).
    #[serde(rename = "_links", default)]
    pub links: Links,
    /// `msg_…`.
    pub id: String,
    /// The uid an asynchronous creation answered with ([`Accepted::message_uid`]).
    #[serde(default)]
    pub message_uid: Option<String>,
    /// `email`, `custom`, `front_chat`, `sms`...
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Received (`true`) or sent.
    #[serde(default)]
    pub is_inbound: bool,
    /// `shared` or `private` for drafts, `None` otherwise.
    #[serde(default)]
    pub draft_mode: Option<String>,
    /// A draft's version, needed to edit or delete it.
    #[serde(default)]
    pub version: Option<String>,
    /// Seconds since the epoch.
    #[serde(default)]
    pub created_at: Option<f64>,
    /// Subject line.
    #[serde(default)]
    pub subject: Option<String>,
    /// A short preview.
    #[serde(default)]
    pub blurb: Option<String>,
    /// HTML body.
    #[serde(default)]
    pub body: Option<String>,
    /// Plain-text body.
    #[serde(default)]
    pub text: Option<String>,
    /// The teammate who wrote it (`None` for inbound messages).
    #[serde(default)]
    pub author: Option<Teammate>,
    /// Who it is from and to.
    #[serde(default)]
    pub recipients: Vec<Recipient>,
    /// Free-form metadata.
    #[serde(default)]
    pub metadata: Option<Value>,
}

impl Message {
    /// The customer who wrote an inbound message: the `reply-to` recipient, else `from`.
    pub fn sender(&self) -> Option<&Recipient> {
        let by_role = |role: &str| self.recipients.iter().find(|r| r.role == role);
        by_role("reply-to").or_else(|| by_role("from"))
    }
}

/// A message's or conversation's contact handle.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Recipient {
    /// Email address or other handle.
    #[serde(default)]
    pub handle: String,
    /// `from`, `to`, `cc`, `bcc`, `reply-to`.
    #[serde(default)]
    pub role: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
}

/// A teammate.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Teammate {
    /// `tea_…`.
    pub id: String,
    /// Email address.
    #[serde(default)]
    pub email: Option<String>,
    /// Username.
    #[serde(default)]
    pub username: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Whether they are an admin.
    #[serde(default)]
    pub is_admin: Option<bool>,
    /// Whether they are available.
    #[serde(default)]
    pub is_available: Option<bool>,
    /// Whether they are blocked.
    #[serde(default)]
    pub is_blocked: Option<bool>,
}

/// Who an API token is (`GET /me`): the company for an API token, the teammate for an
/// OAuth token.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TokenIdentity {
    /// `cmp_…` (or `tea_…`).
    pub id: String,
    /// The company's (or teammate's) name.
    #[serde(default)]
    pub name: Option<String>,
}

/// A tag.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Tag {
    /// `tag_…`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Colour, e.g. `red`.
    #[serde(default)]
    pub highlight: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Whether it is a teammate's private tag.
    #[serde(default)]
    pub is_private: Option<bool>,
}

/// A comment (internal note) on a conversation.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Comment {
    /// Links (`self`, `related.conversation`).
    #[serde(rename = "_links", default)]
    pub links: Links,
    /// `com_…`.
    pub id: String,
    /// The teammate who wrote it.
    #[serde(default)]
    pub author: Option<Teammate>,
    /// Markdown body.
    #[serde(default)]
    pub body: String,
    /// Seconds since the epoch.
    #[serde(default)]
    pub posted_at: Option<f64>,
    /// Whether it is pinned.
    #[serde(default)]
    pub is_pinned: Option<bool>,
}

/// A channel (an address an inbox sends and receives through).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Channel {
    /// Links (`self`, `related.inbox`).
    #[serde(rename = "_links", default)]
    pub links: Links,
    /// `cha_…`.
    pub id: String,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Address (email address, phone number, custom handle).
    #[serde(default)]
    pub address: Option<String>,
    /// `smtp`, `custom`, `front_chat`...
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Address it sends as.
    #[serde(default)]
    pub send_as: Option<String>,
    /// Whether it is private.
    #[serde(default)]
    pub is_private: Option<bool>,
    /// Whether it is configured and working.
    #[serde(default)]
    pub is_valid: Option<bool>,
}

/// An inbox.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Inbox {
    /// Links (`self`, `related.channels`...).
    #[serde(rename = "_links", default)]
    pub links: Links,
    /// `inb_…`.
    pub id: String,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Whether it is private.
    #[serde(default)]
    pub is_private: Option<bool>,
    /// Whether it is public.
    #[serde(default)]
    pub is_public: Option<bool>,
}

/// The `202` answer of an asynchronous message creation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Accepted {
    /// `accepted`.
    pub status: String,
    /// Identifies the message to come (`GET /messages/alt:uid:<uid>`).
    pub message_uid: String,
}

/// Tag colours Front offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[allow(missing_docs)]
pub enum Highlight {
    Grey,
    Pink,
    Red,
    Orange,
    Yellow,
    Green,
    LightBlue,
    Blue,
    Purple,
}

/// A status to move a conversation to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ConversationStatus {
    /// Archive it.
    Archived,
    /// Reopen it.
    Open,
    /// Move it to the trash.
    Deleted,
    /// Mark it as spam.
    Spam,
}

/// `PATCH /conversations/{id}`: only the fields set are changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ConversationUpdate {
    /// New status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<ConversationStatus>,
    /// `Some(Some(tea_…))` assigns, `Some(None)` unassigns, `None` leaves it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee_id: Option<Option<String>>,
}

impl ConversationUpdate {
    /// Archive the conversation.
    pub fn archive() -> Self {
        Self {
            status: Some(ConversationStatus::Archived),
            assignee_id: None,
        }
    }
}

/// Who sees a draft.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DraftMode {
    /// Only its author (Front's default).
    #[default]
    Private,
    /// Every teammate with access to the conversation.
    Shared,
}

/// `POST /conversations/{id}/drafts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewDraft {
    /// HTML or markdown body.
    pub body: String,
    /// `cha_…` the reply will be sent from.
    pub channel_id: String,
    /// Who sees it.
    pub mode: DraftMode,
    /// `tea_…` to write it as.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author_id: Option<String>,
}

impl NewDraft {
    /// A draft every teammate sees, as the platform creates them for approval.
    pub fn shared(body: impl Into<String>, channel_id: impl Into<String>) -> Self {
        Self {
            body: body.into(),
            channel_id: channel_id.into(),
            mode: DraftMode::Shared,
            author_id: None,
        }
    }
}

/// `POST /conversations/{id}/messages`: a reply sent right away.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NewReply {
    /// HTML or markdown body.
    pub body: String,
    /// `cha_…` to send from (the conversation's channel when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// `tea_…` to send as.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author_id: Option<String>,
}

/// Format of a custom message's body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyFormat {
    /// Markdown (Front's default).
    Markdown,
    /// HTML.
    Html,
}

/// Who wrote a custom message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomSender {
    /// The contact's handle, e.g. an email address.
    pub handle: String,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A custom message's metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CustomMetadata {
    /// Messages with the same reference land in the same conversation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread_ref: Option<String>,
    /// Extra headers kept with the message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headers: Option<BTreeMap<String, String>>,
}

/// `POST /channels/{id}/incoming_messages`: a message as a customer would write it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomMessage {
    /// The customer.
    pub sender: CustomSender,
    /// Subject line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The body.
    pub body: String,
    /// How to read the body (markdown when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_format: Option<BodyFormat>,
    /// Threading and headers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<CustomMetadata>,
}

/// `GET /conversations` parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConversationQuery {
    /// Only conversations in these statuses (`q[statuses][]`), e.g. `unassigned`.
    pub statuses: Vec<String>,
    /// Page size (Front allows at most 100).
    pub limit: Option<u32>,
    /// A page token from an earlier page's `next`.
    pub page_token: Option<String>,
}

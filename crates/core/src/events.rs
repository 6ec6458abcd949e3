//! Platform events as sent to Inngest.
//!
//! Every event the platform emits has the same envelope:
//!
//! ```json
//! { "id": "<idempotency key: the Front event id for intake events>",
//!   "name": "support/inbound.received",
//!   "v": "1",
//!   "ts": 1732690412512,
//!   "data": { "version": 1, "appId": "...", "traceId": "...", ...event fields } }
//! ```
//!
//! `id` makes Inngest drop duplicates for 24 hours; `v` and `data.version` let consumers
//! evolve the payload without guessing. The intake events' payload is typed
//! ([`IntakeData`]): one struct per event kind, never a map patched by key.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Version of the `data` payload layout.
pub const ENVELOPE_VERSION: u32 = 1;

/// Inngest refuses events over 256 KiB on its smallest plan: an event is never bigger.
pub const MAX_EVENT_BYTES: usize = 256 * 1024;
/// Longest message or comment body carried in an event (bytes, cut on a character
/// boundary). Front stays the source of truth for the rest; `bodyTruncated` says so.
pub const MAX_EVENT_BODY_BYTES: usize = 64 * 1024;
/// Longest subject, name or email carried in an event (bytes).
pub const MAX_EVENT_FIELD_BYTES: usize = 2 * 1024;

/// Event names.
pub mod names {
    /// A customer message arrived.
    pub const INBOUND_RECEIVED: &str = "support/inbound.received";
    /// A teammate commented on a conversation.
    pub const COMMENT_RECEIVED: &str = "support/comment.received";
    /// A conversation was snoozed.
    pub const CONVERSATION_SNOOZED: &str = "support/conversation.snoozed";
    /// A snooze ran out.
    pub const SNOOZE_EXPIRED: &str = "support/snooze.expired";
    /// A reply went out.
    pub const OUTBOUND_MESSAGE: &str = "support/outbound.message";
    /// Classified ([`super::Classified`]).
    pub const CLASSIFIED: &str = "support/inbound.classified";
    /// Routed to a reply ([`super::Routed`]).
    pub const ROUTED: &str = "support/inbound.routed";
    /// Handed to a human, the instructor or urgent handling ([`super::Escalated`]).
    pub const ESCALATED: &str = "support/inbound.escalated";
    /// A proposed reply or action waits for approval ([`super::ApprovalRequested`]).
    pub const APPROVAL_REQUESTED: &str = "support/approval.requested";
    /// A human decided, or the approval was superseded; the record is written
    /// ([`super::ApprovalDecided`]).
    pub const APPROVAL_DECIDED: &str = "support/approval.decided";
    /// An approved action is to be executed ([`super::ActionApproved`]).
    pub const ACTION_APPROVED: &str = "support/action.approved";
}

/// One event for the Inngest Event API. `D` is the payload: [`IntakeData`] for the
/// intake's events, a JSON map for anything untyped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InngestEvent<D = Map<String, Value>> {
    /// Idempotency key.
    pub id: String,
    /// Event name.
    pub name: String,
    /// Payload; always an object with `version`, `appId` and `traceId`.
    pub data: D,
    /// Milliseconds since the epoch.
    pub ts: i64,
    /// Envelope version.
    pub v: String,
}

impl<D> InngestEvent<D> {
    /// An event in the current envelope version.
    pub fn new(id: impl Into<String>, name: &str, ts: i64, data: D) -> Self {
        Self {
            id: id.into(),
            name: name.to_owned(),
            data,
            ts,
            v: ENVELOPE_VERSION.to_string(),
        }
    }
}

/// The payload of every intake event (`support/inbound.received`, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntakeData {
    /// Payload layout version ([`ENVELOPE_VERSION`]).
    pub version: u32,
    /// The product app the conversation belongs to.
    pub app_id: String,
    /// Correlates everything that happens because of this event.
    pub trace_id: String,
    /// `cnv_…`.
    pub conversation_id: String,
    /// The Front inbox the app was found by, when known.
    pub inbox_id: Option<String>,
    /// `evt_…`, also the event's `id`.
    pub front_event_id: String,
    /// When Front emitted it (ms), when Front said.
    pub emitted_at: Option<i64>,
    /// What happened: the fields of each kind of event.
    #[serde(flatten)]
    pub detail: EventDetail,
}

/// The fields that differ per kind of intake event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EventDetail {
    /// `support/inbound.received`.
    Inbound(InboundMessage),
    /// `support/comment.received`.
    Comment(Comment),
    /// `support/outbound.message`.
    Outbound(OutboundMessage),
    /// `support/conversation.snoozed`.
    Snoozed(Snoozed),
    /// `support/snooze.expired`.
    SnoozeExpired(SnoozeExpired),
}

/// Links back to Front's API.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Links {
    /// The conversation's API URL.
    pub conversation: Option<String>,
    /// The message's API URL (messages only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The comment's API URL (comments only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A teammate as events carry them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Teammate {
    /// `tea_…`.
    pub id: String,
    /// Email.
    pub email: String,
    /// First and last name.
    pub name: String,
}

/// A customer's message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InboundMessage {
    /// `msg_…`.
    pub message_id: String,
    /// Subject (the conversation's when the message has none).
    pub subject: String,
    /// Plain-text body, at most [`MAX_EVENT_BODY_BYTES`].
    pub body: String,
    /// Set when the body was cut to [`MAX_EVENT_BODY_BYTES`].
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub body_truncated: bool,
    /// The customer's address (`reply-to`, else `from`).
    pub sender_email: String,
    /// The customer's name.
    pub sender_name: Option<String>,
    /// Front API links.
    #[serde(rename = "_links")]
    pub links: Links,
}

/// A teammate's comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    /// `com_…`.
    pub comment_id: String,
    /// Body, at most [`MAX_EVENT_BODY_BYTES`].
    pub body: String,
    /// Set when the body was cut.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub body_truncated: bool,
    /// Who wrote it.
    pub author: Option<Teammate>,
    /// When (ms).
    pub posted_at: Option<i64>,
    /// Front API links.
    #[serde(rename = "_links")]
    pub links: Links,
}

/// A reply that went out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboundMessage {
    /// `msg_…`.
    pub message_id: String,
    /// Subject.
    pub subject: String,
    /// Plain-text body, at most [`MAX_EVENT_BODY_BYTES`].
    pub body: String,
    /// Set when the body was cut.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub body_truncated: bool,
    /// The teammate who sent it.
    pub author: Option<Teammate>,
    /// When (ms).
    pub sent_at: Option<i64>,
    /// Front API links.
    #[serde(rename = "_links")]
    pub links: Links,
}

/// A conversation was snoozed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Snoozed {
    /// When (ms).
    pub snoozed_at: i64,
    /// Until when (ms), when Front said.
    pub snoozed_until: Option<i64>,
}

/// A snooze ran out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnoozeExpired {
    /// When (ms).
    pub expired_at: i64,
}

/// Cut `text` to at most `max` bytes on a character boundary; `true` when it was cut.
pub fn cap_text(text: &mut String, max: usize) -> bool {
    if text.len() <= max {
        return false;
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    text.truncate(cut);
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cap_text_cuts_on_character_boundaries() {
        let mut s = "é".repeat(10); // 20 bytes
        assert!(cap_text(&mut s, 5));
        assert_eq!(s, "éé");
        let mut short = "abc".to_owned();
        assert!(!cap_text(&mut short, 3));
        assert_eq!(short, "abc");
    }

    #[test]
    fn intake_data_serialises_flat_in_the_published_shape() {
        let data = IntakeData {
            version: ENVELOPE_VERSION,
            app_id: "tt".into(),
            trace_id: "t".into(),
            conversation_id: "cnv_1".into(),
            inbox_id: None,
            front_event_id: "evt_1".into(),
            emitted_at: Some(5),
            detail: EventDetail::Snoozed(Snoozed {
                snoozed_at: 5,
                snoozed_until: None,
            }),
        };
        let event = InngestEvent::new("evt_1", names::CONVERSATION_SNOOZED, 5, data);
        assert_eq!(
            serde_json::to_value(&event).unwrap(),
            json!({"id": "evt_1", "name": "support/conversation.snoozed", "ts": 5, "v": "1",
                   "data": {"version": 1, "appId": "tt", "traceId": "t", "conversationId": "cnv_1",
                            "inboxId": null, "frontEventId": "evt_1", "emittedAt": 5,
                            "snoozedAt": 5, "snoozedUntil": null}})
        );
    }
}

/// What every stage event of the pipeline carries: the message it is about.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StageMessage {
    /// App slug.
    pub app_id: String,
    /// Correlation id.
    pub trace_id: String,
    /// `cnv_…`.
    pub conversation_id: String,
    /// `msg_…`.
    pub message_id: String,
    /// Front's event id: what makes ids of later records deterministic.
    pub front_event_id: String,
    /// The inbox the app was found by.
    pub inbox_id: Option<String>,
    /// Subject (may be empty).
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// Set when the body in the event was cut.
    pub body_truncated: bool,
    /// The sender's address as Front reports it: whose records the agent acts on.
    pub sender_email: String,
    /// The sender's name.
    pub sender_name: Option<String>,
    /// When the platform received the webhook (Unix ms; the intake event's `ts`): the
    /// live figures time drafts and replies from it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub received_at: Option<i64>,
}

/// A stage event's payload: the envelope version, the message, then the stage's own
/// fields, typed once and used by the sender and the receiver alike.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stage<T> {
    /// Payload layout version ([`ENVELOPE_VERSION`]).
    #[serde(default = "version_one")]
    pub version: u32,
    /// The message.
    #[serde(flatten)]
    pub message: StageMessage,
    /// What this stage adds.
    #[serde(flatten)]
    pub data: T,
}

fn version_one() -> u32 {
    ENVELOPE_VERSION
}

impl<T: Serialize> Stage<T> {
    /// The stage event `name` with idempotency key `id`.
    pub fn event(name: &str, id: impl Into<String>, message: &StageMessage, data: T) -> Value {
        let payload = Stage {
            version: ENVELOPE_VERSION,
            message: message.clone(),
            data,
        };
        serde_json::json!({"id": id.into(), "name": name, "data": payload, "v": ENVELOPE_VERSION.to_string()})
    }
}

/// `support/inbound.received` as the pipeline reads it: the message alone.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Received {}

/// `support/inbound.classified`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classified {
    /// What classify decided.
    pub classification: crate::classify::Classification,
}

/// `support/inbound.routed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Routed {
    /// What classify decided.
    pub classification: crate::classify::Classification,
    /// Where the routing rules sent it.
    pub route: crate::routing::Route,
}

/// `support/inbound.escalated`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Escalated {
    /// `normal`, `instructor` or `urgent`.
    pub priority: String,
    /// Why (may hold the model's words: escape it wherever it is shown).
    pub reason: String,
    /// What classify decided.
    pub classification: crate::classify::Classification,
}

/// `support/approval.requested`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalRequested {
    /// The action.
    pub action_id: String,
    /// The hash of its proposals.
    pub args_hash: String,
    /// Its Front draft.
    pub draft_id: Option<String>,
    /// What classify decided.
    pub category: crate::classify::Category,
    /// How many effects it proposes.
    pub proposals: usize,
}

/// `support/approval.decided` (not a stage event: a decision carries no message).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalDecided {
    /// Payload layout version.
    #[serde(default = "version_one")]
    pub version: u32,
    /// The action.
    pub action_id: String,
    /// App slug.
    pub app_id: String,
    /// The conversation.
    pub conversation_id: String,
    /// What it became.
    pub status: crate::records::ActionStatus,
    /// Who (a Slack user id, or `system`).
    pub by: String,
}

/// `support/action.approved`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionApproved {
    /// Payload layout version.
    #[serde(default = "version_one")]
    pub version: u32,
    /// The action.
    pub action_id: String,
    /// App slug.
    pub app_id: String,
    /// The conversation.
    pub conversation_id: String,
}

/// An event for the Event API from a typed payload.
pub fn event(name: &str, id: impl Into<String>, data: &impl Serialize) -> Value {
    serde_json::json!({"id": id.into(), "name": name, "data": data, "v": ENVELOPE_VERSION.to_string()})
}

#[cfg(test)]
mod stage_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_stage_event_reads_back_as_its_own_type() {
        let message = StageMessage {
            app_id: "tt".into(),
            conversation_id: "cnv_1".into(),
            sender_email: "dana@example.com".into(),
            ..StageMessage::default()
        };
        let requested = ApprovalRequested {
            action_id: "act_1".into(),
            args_hash: "h".into(),
            draft_id: None,
            category: crate::classify::Category::SupportRefund,
            proposals: 1,
        };
        let stage = Stage::event(
            names::APPROVAL_REQUESTED,
            "approval-act_1",
            &message,
            requested.clone(),
        );
        assert_eq!(stage["data"]["version"], 1);
        assert_eq!(stage["data"]["actionId"], "act_1");
        assert_eq!(stage["data"]["conversationId"], "cnv_1");
        let back: Stage<ApprovalRequested> = serde_json::from_value(stage["data"].clone()).unwrap();
        assert_eq!(back.data, requested);
        assert_eq!(back.message, message);
        let decided = ApprovalDecided {
            version: 1,
            action_id: "act_1".into(),
            app_id: "tt".into(),
            conversation_id: "cnv_1".into(),
            status: crate::records::ActionStatus::Approved,
            by: "U1".into(),
        };
        let sent = event(names::APPROVAL_DECIDED, "decided-act_1", &decided);
        assert_eq!(
            sent["data"],
            json!({"version": 1, "actionId": "act_1", "appId": "tt", "conversationId": "cnv_1", "status": "approved", "by": "U1"})
        );
    }
}

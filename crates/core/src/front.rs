//! Front application webhooks: the envelope, and what the platform makes of each event.
//!
//! Front sends `{"type": "<webhook event>", "authorization": {"id": "cmp_…"},
//! "payload": <Event>}`; the Event carries the conversation, a `target` (the message or
//! comment) and a `source` (usually the inboxes). Parsing is lenient: fields Front may
//! leave out are optional, and unknown fields are ignored.

use serde::Deserialize;
use serde_json::Value;

use crate::apps::AppRef;
use crate::conversation::{CachedMessage, ConversationMeta, MessageKind};
use crate::events::{
    cap_text, names, Comment, EventDetail, InboundMessage, Links, OutboundMessage, SnoozeExpired,
    Snoozed, Teammate, MAX_EVENT_BODY_BYTES, MAX_EVENT_FIELD_BYTES,
};
use crate::intake::{IntakeError, IntakeRecord};

/// Webhook envelope.
#[derive(Debug, Clone, Deserialize)]
pub struct Webhook {
    /// Webhook event name (`inbound_received`, `sync`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// The Front company.
    #[serde(default)]
    pub authorization: Option<Authorization>,
    /// The event itself; absent on `sync`.
    #[serde(default)]
    pub payload: Option<Event>,
}

/// Company the webhook is for.
#[derive(Debug, Clone, Deserialize)]
pub struct Authorization {
    /// `cmp_…`.
    pub id: String,
}

/// A Front event.
#[derive(Debug, Clone, Deserialize)]
pub struct Event {
    /// `evt_…`: the deduplication key.
    #[serde(default)]
    pub id: Option<String>,
    /// REST event type (`inbound`, `comment`, ...).
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Seconds since the epoch, with fractional milliseconds.
    #[serde(default)]
    pub emitted_at: Option<f64>,
    /// The conversation.
    #[serde(default)]
    pub conversation: Option<Conversation>,
    /// What the event is about.
    #[serde(default)]
    pub target: Option<Resource>,
    /// Who or what caused it.
    #[serde(default)]
    pub source: Option<Resource>,
    /// Snooze end, for `conversation_snoozed` (seconds).
    #[serde(default)]
    pub snooze_until: Option<f64>,
}

/// A conversation as embedded in events.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Conversation {
    /// `cnv_…`.
    pub id: String,
    /// Subject line.
    #[serde(default)]
    pub subject: Option<String>,
    /// `unassigned`, `assigned`, `archived`, ...
    #[serde(default)]
    pub status: Option<String>,
    /// Main contact.
    #[serde(default)]
    pub recipient: Option<Recipient>,
    /// Links.
    #[serde(default, rename = "_links")]
    pub links: Option<Value>,
}

/// A contact handle.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Recipient {
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Email address or other handle.
    #[serde(default)]
    pub handle: Option<String>,
    /// `from`, `to`, `cc`, `bcc`, `reply-to`.
    #[serde(default)]
    pub role: Option<String>,
}

/// `{"_meta": {"type": ...}, "data": ...}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Resource {
    /// Kind of data.
    #[serde(rename = "_meta", default)]
    pub meta: Option<Meta>,
    /// The object (or, for inboxes, an array).
    #[serde(default)]
    pub data: Value,
}

/// Resource metadata.
#[derive(Debug, Clone, Deserialize)]
pub struct Meta {
    /// `message`, `comment`, `inboxes`, `teammate`, ...
    #[serde(rename = "type")]
    pub kind: String,
}

/// The webhook event types the platform acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `inbound_received`.
    Inbound,
    /// `new_comment_added`.
    Comment,
    /// `conversation_snoozed`.
    Snoozed,
    /// `conversation_snooze_expired`.
    SnoozeExpired,
    /// `outbound` / `outbound_sent`.
    Outbound,
}

impl Kind {
    /// Recognise a webhook `type`; `None` for the ones the platform ignores.
    pub fn from_webhook_type(kind: &str) -> Option<Kind> {
        Some(match kind {
            "inbound_received" => Kind::Inbound,
            "new_comment_added" => Kind::Comment,
            "conversation_snoozed" => Kind::Snoozed,
            "conversation_snooze_expired" => Kind::SnoozeExpired,
            "outbound" | "outbound_sent" => Kind::Outbound,
            _ => return None,
        })
    }

    /// The platform event it becomes.
    pub fn event_name(self) -> &'static str {
        match self {
            Kind::Inbound => names::INBOUND_RECEIVED,
            Kind::Comment => names::COMMENT_RECEIVED,
            Kind::Snoozed => names::CONVERSATION_SNOOZED,
            Kind::SnoozeExpired => names::SNOOZE_EXPIRED,
            Kind::Outbound => names::OUTBOUND_MESSAGE,
        }
    }
}

/// A webhook the platform acts on, reduced to what it needs.
#[derive(Debug, Clone)]
pub struct Intake {
    /// Which kind.
    pub kind: Kind,
    /// Front event id (`evt_…`): dedupe and idempotency key.
    pub event_id: String,
    /// `cnv_…`.
    pub conversation_id: String,
    /// Inbox ids from the event's source, in order.
    pub inbox_ids: Vec<String>,
    /// Milliseconds since the epoch when Front emitted it.
    pub emitted_at_ms: Option<i64>,
    event: Event,
}

impl Intake {
    /// Pick the interesting parts of a webhook of a known kind.
    pub fn from_webhook(kind: Kind, webhook: Webhook) -> Result<Intake, IntakeError> {
        let event = webhook.payload.ok_or(IntakeError::Missing("payload"))?;
        let event_id = event
            .id
            .clone()
            .filter(|id| !id.is_empty())
            .ok_or(IntakeError::Missing("payload.id"))?;
        let conversation_id = event
            .conversation
            .as_ref()
            .map(|c| c.id.clone())
            .filter(|id| !id.is_empty())
            .ok_or(IntakeError::Missing("payload.conversation.id"))?;
        let inbox_ids = match &event.source {
            Some(Resource {
                meta: Some(Meta { kind }),
                data: Value::Array(items),
            }) if kind == "inboxes" => items
                .iter()
                .filter_map(|i| i.get("id").and_then(Value::as_str))
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        };
        let emitted_at_ms = event.emitted_at.map(secs_to_ms);
        Ok(Intake {
            kind,
            event_id,
            conversation_id,
            inbox_ids,
            emitted_at_ms,
            event,
        })
    }

    fn target(&self) -> &Value {
        self.event
            .target
            .as_ref()
            .map(|t| &t.data)
            .unwrap_or(&Value::Null)
    }

    fn conversation(&self) -> &Conversation {
        self.event
            .conversation
            .as_ref()
            .expect("checked in from_webhook")
    }

    /// The conversation metadata this event reveals (free text capped like events).
    pub fn conversation_meta(&self, app: Option<&AppRef>) -> ConversationMeta {
        let c = self.conversation();
        let customer = c
            .recipient
            .as_ref()
            .filter(|r| r.role.as_deref() != Some("to"));
        ConversationMeta {
            conversation_id: c.id.clone(),
            app_id: app.map(|a| a.app_id.clone()),
            inbox_id: app.and_then(|a| a.inbox_id.clone()),
            subject: c.subject.clone().map(capped),
            status: c.status.clone(),
            customer_name: customer.and_then(|r| r.name.clone()).map(capped),
            customer_email: customer.and_then(|r| r.handle.clone()).map(capped),
        }
    }

    /// The message or comment to remember in the conversation cache, if any.
    pub fn cached_message(&self) -> Option<CachedMessage> {
        let target = self.target();
        let id = target.get("id").and_then(Value::as_str)?.to_owned();
        let text = |k: &str| target.get(k).and_then(Value::as_str).map(str::to_owned);
        let (kind, author, body, at) = match self.kind {
            Kind::Inbound => (
                MessageKind::Inbound,
                sender(target).map(|s| s.0),
                text("text").or_else(|| text("body")),
                target.get("created_at"),
            ),
            Kind::Outbound => (
                MessageKind::Outbound,
                teammate(target.get("author")).map(|t| t.email),
                text("text").or_else(|| text("body")),
                target.get("created_at"),
            ),
            Kind::Comment => (
                MessageKind::Comment,
                teammate(target.get("author")).map(|t| t.email),
                text("body"),
                target.get("posted_at"),
            ),
            Kind::Snoozed | Kind::SnoozeExpired => return None,
        };
        Some(
            CachedMessage {
                id,
                kind,
                author: author.map(capped),
                subject: text("subject").map(capped),
                body: body.unwrap_or_default(),
                created_at_ms: seconds_to_ms(at).or(self.emitted_at_ms),
            }
            .truncated(),
        )
    }

    /// Everything the conversation's object needs to accept this event: the event's
    /// fields, the app found from its inboxes (if any), the metadata and the message.
    pub fn record(&self, app: Option<AppRef>, trace_id: &str, now_ms: i64) -> IntakeRecord {
        IntakeRecord {
            event_id: self.event_id.clone(),
            name: self.kind.event_name().to_owned(),
            ts: self.emitted_at_ms.unwrap_or(now_ms),
            trace_id: trace_id.to_owned(),
            conversation_id: self.conversation().id.clone(),
            first_inbox_id: self.inbox_ids.first().cloned(),
            emitted_at: self.emitted_at_ms,
            detail: self.detail(now_ms),
            meta: self.conversation_meta(app.as_ref()),
            message: self.cached_message(),
            app,
        }
    }

    /// The per-kind fields of the event, free text capped to what an event may carry.
    fn detail(&self, now_ms: i64) -> EventDetail {
        let c = self.conversation();
        let target = self.target();
        let link = |v: &Value| {
            v.get("_links")
                .and_then(|l| l.get("self"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let conversation_link = c
            .links
            .as_ref()
            .and_then(|l| l.get("self"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let str_of = |k: &str| {
            target
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let subject = || {
            capped(
                target
                    .get("subject")
                    .and_then(Value::as_str)
                    .or(c.subject.as_deref())
                    .unwrap_or_default()
                    .to_owned(),
            )
        };
        let text = || {
            let mut body = target
                .get("text")
                .or(target.get("body"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let truncated = cap_text(&mut body, MAX_EVENT_BODY_BYTES);
            (body, truncated)
        };
        let author = || teammate(target.get("author")).map(Teammate::capped);
        match self.kind {
            Kind::Inbound => {
                let (email, name) = sender(target).unwrap_or_default();
                let (body, body_truncated) = text();
                EventDetail::Inbound(InboundMessage {
                    message_id: str_of("id"),
                    subject: subject(),
                    body,
                    body_truncated,
                    sender_email: capped(email),
                    sender_name: name.map(capped),
                    links: Links {
                        conversation: conversation_link,
                        message: link(target),
                        comment: None,
                    },
                })
            }
            Kind::Comment => {
                let mut body = str_of("body");
                let body_truncated = cap_text(&mut body, MAX_EVENT_BODY_BYTES);
                EventDetail::Comment(Comment {
                    comment_id: str_of("id"),
                    body,
                    body_truncated,
                    author: author(),
                    posted_at: seconds_to_ms(target.get("posted_at")).or(self.emitted_at_ms),
                    links: Links {
                        conversation: conversation_link,
                        message: None,
                        comment: link(target),
                    },
                })
            }
            Kind::Snoozed => {
                let until = self
                    .event
                    .snooze_until
                    .or_else(|| target.get("snooze_until").and_then(Value::as_f64));
                EventDetail::Snoozed(Snoozed {
                    snoozed_at: self.emitted_at_ms.unwrap_or(now_ms),
                    snoozed_until: until.map(secs_to_ms),
                })
            }
            Kind::SnoozeExpired => EventDetail::SnoozeExpired(SnoozeExpired {
                expired_at: self.emitted_at_ms.unwrap_or(now_ms),
            }),
            Kind::Outbound => {
                let (body, body_truncated) = text();
                EventDetail::Outbound(OutboundMessage {
                    message_id: str_of("id"),
                    subject: subject(),
                    body,
                    body_truncated,
                    author: author(),
                    sent_at: seconds_to_ms(target.get("created_at")).or(self.emitted_at_ms),
                    links: Links {
                        conversation: conversation_link,
                        message: link(target),
                        comment: None,
                    },
                })
            }
        }
    }
}

/// Free text (subjects, names, addresses) capped to what an event may carry.
fn capped(mut text: String) -> String {
    cap_text(&mut text, MAX_EVENT_FIELD_BYTES);
    text
}

/// Front's timestamps are seconds with fractional milliseconds.
fn secs_to_ms(secs: f64) -> i64 {
    (secs * 1000.0).round() as i64
}

fn seconds_to_ms(v: Option<&Value>) -> Option<i64> {
    v.and_then(Value::as_f64).map(secs_to_ms)
}

/// The customer who wrote an inbound message: the `reply-to` recipient, else `from`.
fn sender(message: &Value) -> Option<(String, Option<String>)> {
    let recipients = message.get("recipients")?.as_array()?;
    let by_role = |role: &str| {
        recipients
            .iter()
            .find(|r| r.get("role").and_then(Value::as_str) == Some(role))
    };
    let r = by_role("reply-to").or_else(|| by_role("from"))?;
    let handle = r.get("handle").and_then(Value::as_str)?.to_owned();
    Some((
        handle,
        r.get("name").and_then(Value::as_str).map(str::to_owned),
    ))
}

impl Teammate {
    fn capped(self) -> Self {
        Teammate {
            id: capped(self.id),
            email: capped(self.email),
            name: capped(self.name),
        }
    }
}

fn teammate(v: Option<&Value>) -> Option<Teammate> {
    let v = v.filter(|v| v.is_object())?;
    let s = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let name = format!("{} {}", s("first_name"), s("last_name"))
        .trim()
        .to_owned();
    Some(Teammate {
        id: s("id"),
        email: s("email"),
        name,
    })
}

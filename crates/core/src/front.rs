//! Front application webhooks: the envelope, and what the platform makes of each event.
//!
//! Front sends `{"type": "<webhook event>", "authorization": {"id": "cmp_…"},
//! "payload": <Event>}`; the Event carries the conversation, a `target` (the message or
//! comment) and a `source` (usually the inboxes). Parsing is lenient: fields Front may
//! leave out are optional, and unknown fields are ignored.

use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::conversation::{CachedMessage, ConversationMeta, MessageKind};
use crate::events::{names, InngestEvent};

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

/// Why a verified webhook cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntakeError {
    /// A field the platform needs is absent.
    #[error("{0} is missing")]
    Missing(&'static str),
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

    /// The conversation metadata this event reveals.
    pub fn conversation_meta(&self, app_id: &str, inbox_id: Option<&str>) -> ConversationMeta {
        let c = self.conversation();
        let customer = c
            .recipient
            .as_ref()
            .filter(|r| r.role.as_deref() != Some("to"));
        ConversationMeta {
            conversation_id: c.id.clone(),
            app_id: app_id.to_owned(),
            inbox_id: inbox_id.map(str::to_owned),
            subject: c.subject.clone(),
            status: c.status.clone(),
            customer_name: customer.and_then(|r| r.name.clone()),
            customer_email: customer.and_then(|r| r.handle.clone()),
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
        Some(CachedMessage {
            id,
            kind,
            author,
            subject: text("subject"),
            body: body.unwrap_or_default(),
            created_at_ms: seconds_to_ms(at).or(self.emitted_at_ms),
        })
    }

    /// The platform event, in the versioned envelope, with the Front event id as its id.
    pub fn to_event(
        &self,
        app_id: &str,
        inbox_id: Option<&str>,
        trace_id: &str,
        now_ms: i64,
    ) -> InngestEvent {
        let c = self.conversation();
        let target = self.target();
        let link = |v: &Value| {
            v.get("_links")
                .and_then(|l| l.get("self"))
                .cloned()
                .unwrap_or(Value::Null)
        };
        let conversation_link = c
            .links
            .as_ref()
            .and_then(|l| l.get("self"))
            .cloned()
            .unwrap_or(Value::Null);
        let str_of = |k: &str| {
            target
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let mut data = Map::new();
        data.insert("conversationId".into(), c.id.clone().into());
        data.insert(
            "inboxId".into(),
            inbox_id.map(Value::from).unwrap_or(Value::Null),
        );
        data.insert("frontEventId".into(), self.event_id.clone().into());
        data.insert(
            "emittedAt".into(),
            self.emitted_at_ms.map(Value::from).unwrap_or(Value::Null),
        );
        let subject = target
            .get("subject")
            .and_then(Value::as_str)
            .or(c.subject.as_deref())
            .unwrap_or_default();
        let text = target
            .get("text")
            .or(target.get("body"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        let author = teammate(target.get("author"))
            .map(|t| t.to_json())
            .unwrap_or(Value::Null);
        match self.kind {
            Kind::Inbound => {
                let (email, name) = sender(target).unwrap_or_default();
                data.insert("messageId".into(), str_of("id").into());
                data.insert("subject".into(), subject.into());
                data.insert("body".into(), text.into());
                data.insert("senderEmail".into(), email.into());
                data.insert(
                    "senderName".into(),
                    name.map(Value::from).unwrap_or(Value::Null),
                );
                data.insert(
                    "_links".into(),
                    json!({"conversation": conversation_link, "message": link(target)}),
                );
            }
            Kind::Comment => {
                data.insert("commentId".into(), str_of("id").into());
                data.insert("body".into(), str_of("body").into());
                data.insert("author".into(), author.clone());
                data.insert(
                    "postedAt".into(),
                    seconds_to_ms(target.get("posted_at"))
                        .or(self.emitted_at_ms)
                        .into(),
                );
                data.insert(
                    "_links".into(),
                    json!({"conversation": conversation_link, "comment": link(target)}),
                );
            }
            Kind::Snoozed => {
                data.insert(
                    "snoozedAt".into(),
                    self.emitted_at_ms.unwrap_or(now_ms).into(),
                );
                let until = self
                    .event
                    .snooze_until
                    .or_else(|| target.get("snooze_until").and_then(Value::as_f64));
                data.insert(
                    "snoozedUntil".into(),
                    until
                        .map(|s| Value::from(secs_to_ms(s)))
                        .unwrap_or(Value::Null),
                );
            }
            Kind::SnoozeExpired => {
                data.insert(
                    "expiredAt".into(),
                    self.emitted_at_ms.unwrap_or(now_ms).into(),
                );
            }
            Kind::Outbound => {
                data.insert("messageId".into(), str_of("id").into());
                data.insert("subject".into(), subject.into());
                data.insert("body".into(), text.into());
                data.insert("author".into(), author.clone());
                data.insert(
                    "sentAt".into(),
                    seconds_to_ms(target.get("created_at"))
                        .or(self.emitted_at_ms)
                        .into(),
                );
                data.insert(
                    "_links".into(),
                    json!({"conversation": conversation_link, "message": link(target)}),
                );
            }
        }
        InngestEvent::new(
            self.event_id.clone(),
            self.kind.event_name(),
            self.emitted_at_ms.unwrap_or(now_ms),
            app_id,
            trace_id,
            data,
        )
    }
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

struct Teammate {
    id: String,
    email: String,
    name: String,
}

impl Teammate {
    fn to_json(&self) -> Value {
        json!({"id": self.id, "email": self.email, "name": self.name})
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

/// Build realistic Front application-webhook bodies: for `skill webhook front`, tests
/// and benchmarks.
pub mod fixture {
    use serde_json::{json, Value};

    /// What to put in a webhook.
    #[derive(Debug, Clone)]
    pub struct WebhookSpec {
        /// Webhook type, e.g. `inbound_received`.
        pub kind: String,
        /// `evt_…`.
        pub event_id: String,
        /// `cnv_…`.
        pub conversation_id: String,
        /// `inb_…`.
        pub inbox_id: String,
        /// Message or comment id.
        pub target_id: String,
        /// Subject.
        pub subject: String,
        /// Body text.
        pub body: String,
        /// Customer (inbound) or teammate (others) email.
        pub from: String,
        /// Seconds since the epoch.
        pub emitted_at: f64,
    }

    impl WebhookSpec {
        /// An inbound message with sensible defaults.
        pub fn inbound(
            event_id: &str,
            conversation_id: &str,
            inbox_id: &str,
            emitted_at: f64,
        ) -> Self {
            Self {
                kind: "inbound_received".into(),
                event_id: event_id.into(),
                conversation_id: conversation_id.into(),
                inbox_id: inbox_id.into(),
                target_id: format!("msg_{}", event_id.trim_start_matches("evt_")),
                subject: "Refund for my order".into(),
                body: "Hi, I bought the course last week and would like a refund.".into(),
                from: "dana@example.com".into(),
                emitted_at,
            }
        }
    }

    /// The webhook body as Front sends it.
    pub fn webhook(spec: &WebhookSpec) -> Value {
        let base = "https://acme.api.frontapp.com";
        let cnv = &spec.conversation_id;
        let teammate =
            json!({"id": "tea_1", "email": spec.from, "first_name": "Sam", "last_name": "Support"});
        let inboxes = json!({"_meta": {"type": "inboxes"}, "data": [{"id": spec.inbox_id, "name": "Support"}]});
        let (payload_type, target, source) = match spec.kind.as_str() {
            "new_comment_added" => (
                "comment",
                json!({"_meta": {"type": "comment"}, "data": {
                    "_links": {"self": format!("{base}/comments/{}", spec.target_id)},
                    "id": spec.target_id, "body": spec.body, "posted_at": spec.emitted_at, "author": teammate}}),
                json!({"_meta": {"type": "teammate"}, "data": teammate}),
            ),
            "outbound" | "outbound_sent" => (
                "outbound",
                json!({"_meta": {"type": "message"}, "data": {
                    "_links": {"self": format!("{base}/messages/{}", spec.target_id)},
                    "id": spec.target_id, "type": "email", "is_inbound": false, "created_at": spec.emitted_at,
                    "subject": spec.subject, "body": format!("<p>{}</p>", spec.body), "text": spec.body,
                    "author": teammate, "recipients": [{"handle": "customer@example.com", "role": "to"}]}}),
                inboxes,
            ),
            "conversation_snoozed" | "conversation_snooze_expired" => {
                let kind = if spec.kind == "conversation_snoozed" {
                    "snooze"
                } else {
                    "reminder"
                };
                (kind, Value::Null, inboxes)
            }
            _ => (
                "inbound",
                json!({"_meta": {"type": "message"}, "data": {
                    "_links": {"self": format!("{base}/messages/{}", spec.target_id)},
                    "id": spec.target_id, "type": "email", "is_inbound": true, "created_at": spec.emitted_at,
                    "subject": spec.subject, "blurb": spec.body.chars().take(80).collect::<String>(),
                    "body": format!("<p>{}</p>", spec.body), "text": spec.body, "author": null,
                    "recipients": [{"name": "Dana Lee", "handle": spec.from, "role": "from"},
                                   {"name": null, "handle": "support@acme.com", "role": "to"}]}}),
                inboxes,
            ),
        };
        let mut payload = json!({
            "_links": {"self": format!("{base}/events/{}", spec.event_id)},
            "id": spec.event_id,
            "type": payload_type,
            "emitted_at": spec.emitted_at,
            "conversation": {
                "_links": {"self": format!("{base}/conversations/{cnv}")},
                "id": cnv, "subject": spec.subject, "status": "unassigned",
                "recipient": {"name": "Dana Lee", "handle": "dana@example.com", "role": "from"}
            },
            "source": source,
        });
        if !target.is_null() {
            payload["target"] = target;
        }
        if spec.kind == "conversation_snoozed" {
            payload["snooze_until"] = json!(spec.emitted_at + 3600.0);
        }
        json!({"type": spec.kind, "authorization": {"id": "cmp_dev"}, "payload": payload})
    }
}

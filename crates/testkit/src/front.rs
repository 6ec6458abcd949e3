//! Realistic Front application-webhook bodies: for `skill webhook front`, tests and
//! benchmarks.

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
    pub fn inbound(event_id: &str, conversation_id: &str, inbox_id: &str, emitted_at: f64) -> Self {
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
    let inboxes =
        json!({"_meta": {"type": "inboxes"}, "data": [{"id": spec.inbox_id, "name": "Support"}]});
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

//! Custom channels: `POST /channels/{id}/incoming_messages` stores the message as Front
//! does, then sends the app the signed `inbound_received` webhook in the background.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use support_signing::front::{sign_app, SIGNATURE_HEADER, TIMESTAMP_HEADER};

use super::render::View;
use super::store::{Contact, Conversation, Handle, Message, Recipient};
use super::{base, now_ms, now_secs, ok, parse, ApiError, ApiResult, FrontStandIn};

/// How long one delivery attempt may take.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Deserialize)]
struct Incoming {
    sender: Option<Sender>,
    subject: Option<String>,
    body: Option<String>,
    body_format: Option<String>,
    metadata: Option<Metadata>,
}

#[derive(Deserialize)]
struct Sender {
    handle: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize, Serialize)]
struct Metadata {
    #[serde(skip_serializing_if = "Option::is_none")]
    thread_ref: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    headers: Option<Map<String, Value>>,
}

/// One webhook the stand-in sent (or would have sent without a URL).
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    /// `evt_…`, the same on every attempt.
    pub event_id: String,
    /// The webhook type (`inbound_received`).
    #[serde(rename = "type")]
    pub kind: String,
    /// `cnv_…`.
    pub conversation_id: String,
    /// `msg_…`.
    pub message_id: String,
    /// Where it goes; `None` when no webhook URL is configured.
    pub url: Option<String>,
    /// `pending`, `delivered`, `failed` (every attempt failed) or `not_sent` (no URL).
    pub status: &'static str,
    /// Each attempt, oldest first.
    pub attempts: Vec<Attempt>,
    /// The body, exactly as sent.
    pub payload: Value,
}

/// One delivery attempt.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    /// Milliseconds since the epoch (also the signed `X-Front-Request-Timestamp`).
    pub at_ms: i64,
    /// The app's answer, if it answered.
    pub status: Option<u16>,
    /// Why there was no answer.
    pub error: Option<String>,
}

fn required(text: Option<String>, field: &str) -> Result<String, ApiError> {
    text.filter(|t| !t.trim().is_empty()).ok_or_else(|| {
        ApiError::bad_request(format!(
            "Body did not satisfy requirements: {field} is required"
        ))
    })
}

pub(super) async fn incoming_message(
    State(front): State<FrontStandIn>,
    headers: HeaderMap,
    Path(channel_id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let request: Incoming = parse(&body)?;
    let sender = request.sender.ok_or_else(|| {
        ApiError::bad_request("Body did not satisfy requirements: sender is required")
    })?;
    let handle = required(sender.handle, "sender.handle")?;
    let text = required(request.body, "body")?;
    let (html, plain) = match request.body_format.as_deref() {
        None | Some("markdown") => (markdown_to_html(&text), text),
        Some("html") => (text.clone(), strip_tags(&text)),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "Unknown body_format {other}"
            )))
        }
    };
    let base = base(&headers);

    let (uid, event_id, payload) = {
        let mut guard = front.lock();
        let inner = &mut *guard;
        let channel = inner
            .store
            .channel(&channel_id)
            .cloned()
            .ok_or_else(|| ApiError::not_found(format!("Unknown channel {channel_id}")))?;
        if channel.kind != "custom" {
            return Err(ApiError::bad_request(
                "Only custom channels receive incoming messages",
            ));
        }
        let now = now_secs();
        let contact_id = match inner.store.contacts.iter().find(|c| {
            c.handles
                .iter()
                .any(|h| h.handle.eq_ignore_ascii_case(&handle))
        }) {
            Some(c) => c.id.clone(),
            None => {
                let id = inner.ids.next("crd");
                let source = if handle.contains('@') {
                    "email"
                } else {
                    "custom"
                };
                inner.store.contacts.push(Contact {
                    id: id.clone(),
                    name: sender.name.clone(),
                    handles: vec![Handle {
                        handle: handle.clone(),
                        source: source.into(),
                    }],
                });
                id
            }
        };
        let thread_ref = request.metadata.as_ref().and_then(|m| m.thread_ref.clone());
        let thread = thread_ref.clone().map(|r| (channel.id.clone(), r));
        let existing = thread
            .as_ref()
            .and_then(|key| inner.store.threads.get(key).cloned())
            .filter(|id| inner.store.conversation(id).is_some());
        let conversation_id = match existing {
            Some(id) => {
                if let Some(c) = inner.store.conversation_mut(&id) {
                    // A customer writing again reopens an archived conversation.
                    if c.status == "archived" {
                        c.reopen();
                    }
                    c.updated_at = now;
                }
                id
            }
            None => {
                let id = inner.ids.next("cnv");
                inner.store.conversations.push(Conversation {
                    id: id.clone(),
                    subject: request.subject.clone(),
                    status: "unassigned".into(),
                    assignee_id: None,
                    recipient: Recipient {
                        handle: handle.clone(),
                        role: "from".into(),
                        name: sender.name.clone(),
                    },
                    contact_id: Some(contact_id),
                    inbox_ids: vec![channel.inbox_id.clone()],
                    channel_id: channel.id.clone(),
                    tag_ids: Vec::new(),
                    thread_ref,
                    created_at: now,
                    updated_at: now,
                });
                if let Some(key) = thread {
                    inner.store.threads.insert(key, id.clone());
                }
                id
            }
        };
        let to = channel
            .address
            .clone()
            .unwrap_or_else(|| channel.id.clone());
        let message = Message {
            id: inner.ids.next("msg"),
            message_uid: inner.ids.token(),
            conversation_id: conversation_id.clone(),
            kind: "custom".into(),
            is_inbound: true,
            draft_mode: None,
            version: None,
            created_at: now,
            subject: request.subject.clone(),
            body: html,
            text: plain,
            author_id: None,
            recipients: vec![
                Recipient {
                    handle: handle.clone(),
                    role: "from".into(),
                    name: sender.name,
                },
                Recipient {
                    handle: to,
                    role: "to".into(),
                    name: None,
                },
            ],
            metadata: request.metadata.map_or_else(|| json!({}), |m| json!(m)),
        };
        let (message_id, uid) = (message.id.clone(), message.message_uid.clone());
        // Stored first, so the conversation's `last_message` is this one.
        inner.store.messages.push(message);
        let (event_id, payload) = queue_message_webhook(
            &front,
            inner,
            &base,
            ("inbound_received", "inbound"),
            &message_id,
            std::slice::from_ref(&channel.inbox_id),
            now,
        );
        (uid, event_id, payload)
    };

    front.send_webhook(event_id, &payload);
    ok(
        StatusCode::ACCEPTED,
        &json!({"status": "accepted", "message_uid": uid}),
    )
}

impl FrontStandIn {
    /// Send one webhook, signed afresh on each attempt as Front does, retrying failures
    /// (no answer or a non-2xx) with a doubling backoff.
    async fn deliver(self, event_id: String, url: String, body: Vec<u8>) {
        let attempts = self.config.webhook_attempts.max(1);
        let mut wait = self.config.webhook_backoff;
        for attempt in 1..=attempts {
            let at_ms = now_ms();
            let mut request = self
                .http
                .post(&url)
                .timeout(DELIVERY_TIMEOUT)
                .header("content-type", "application/json")
                .header(TIMESTAMP_HEADER, at_ms.to_string())
                .body(body.clone());
            if let Some(secret) = &self.config.webhook_secret {
                request =
                    request.header(SIGNATURE_HEADER, sign_app(secret.as_bytes(), at_ms, &body));
            }
            let (status, error) = match request.send().await {
                Ok(response) => (Some(response.status().as_u16()), None),
                Err(e) => (None, Some(e.to_string())),
            };
            let delivered = status.is_some_and(|s| (200..300).contains(&s));
            let outcome = match (delivered, attempt == attempts) {
                (true, _) => "delivered",
                (false, true) => "failed",
                (false, false) => "pending",
            };
            if let Some(delivery) = self
                .lock()
                .webhooks
                .iter_mut()
                .find(|d| d.event_id == event_id)
            {
                delivery.attempts.push(Attempt {
                    at_ms,
                    status,
                    error,
                });
                delivery.status = outcome;
            }
            if outcome != "pending" {
                return;
            }
            tokio::time::sleep(wait).await;
            wait = wait.saturating_mul(2);
        }
    }
}

/// Just enough markdown for a message: escaped text, blank lines between paragraphs,
/// line breaks kept.
fn markdown_to_html(text: &str) -> String {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    escaped
        .replace("\r\n", "\n")
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| format!("<p>{}</p>", p.trim().replace('\n', "<br>")))
        .collect()
}

/// The text of an HTML body (tags dropped, the common entities decoded).
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

/// `POST /_devkit/front/drafts/{id}/send` `{"body"?, "author_id"?}`: a teammate sends a
/// draft from Front's app (Front's API has no such call; its app does it). The draft
/// becomes a sent message (with `body`, plain text, when the teammate edited it) and an
/// `outbound_sent` application webhook goes out, signed and retried like the others.
pub(super) async fn send_draft(
    State(front): State<FrontStandIn>,
    Path(draft_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    #[derive(Deserialize, Default)]
    struct Send {
        body: Option<String>,
        author_id: Option<String>,
    }
    let request: Send = if body.is_empty() {
        Send::default()
    } else {
        parse(&body)?
    };
    let base = base(&headers);
    let (event_id, payload) = {
        let mut guard = front.lock();
        let inner = &mut *guard;
        let now = now_secs();
        let author = request
            .author_id
            .or_else(|| inner.store.teammates.first().map(|t| t.id.clone()));
        let message = inner
            .store
            .messages
            .iter_mut()
            .find(|m| m.id == draft_id && m.draft_mode.is_some())
            .ok_or_else(|| ApiError::not_found(format!("Unknown draft {draft_id}")))?;
        message.draft_mode = None;
        message.version = None;
        message.created_at = now;
        message.author_id = author;
        if let Some(text) = request.body {
            message.body = markdown_to_html(&text);
            message.text = text;
        }
        let conversation_id = message.conversation_id.clone();
        let inbox_ids = inner
            .store
            .conversation(&conversation_id)
            .map(|c| c.inbox_ids.clone())
            .unwrap_or_default();
        queue_message_webhook(
            &front,
            inner,
            &base,
            ("outbound_sent", "outbound"),
            &draft_id,
            &inbox_ids,
            now,
        )
    };
    front.send_webhook(event_id.clone(), &payload);
    ok(
        StatusCode::OK,
        &json!({"message_id": draft_id, "event_id": event_id}),
    )
}

/// Record the application webhook `kind` (`inbound_received` with event type
/// `inbound`, `outbound_sent` with `outbound`) about `message_id`, as Front shapes it,
/// in the delivery log: its event id and payload, for [`FrontStandIn::send_webhook`].
fn queue_message_webhook(
    front: &FrontStandIn,
    inner: &mut super::Inner,
    base: &str,
    (kind, event_type): (&str, &str),
    message_id: &str,
    inbox_ids: &[String],
    now: f64,
) -> (String, Value) {
    let event_id = inner.ids.next("evt");
    let view = View {
        store: &inner.store,
        base,
    };
    let found = inner.store.message(message_id);
    let conversation_id = found.map(|m| m.conversation_id.clone()).unwrap_or_default();
    let message = found.map_or(Value::Null, |m| view.message(m));
    let conversation = inner
        .store
        .conversation(&conversation_id)
        .map_or(Value::Null, |c| view.conversation(c));
    let inboxes: Vec<Value> = inbox_ids
        .iter()
        .filter_map(|id| inner.store.inbox(id))
        .map(|i| view.inbox(i))
        .collect();
    let payload = json!({
        "type": kind,
        "authorization": {"id": inner.store.company_id},
        "payload": {
            "_links": {"self": format!("{base}/events/{event_id}")},
            "id": event_id,
            "type": event_type,
            "emitted_at": now,
            "conversation": conversation,
            "source": {"_meta": {"type": "inboxes"}, "data": inboxes},
            "target": {"_meta": {"type": "message"}, "data": message},
        }
    });
    inner.webhooks.push(Delivery {
        event_id: event_id.clone(),
        kind: kind.into(),
        conversation_id,
        message_id: message_id.to_owned(),
        url: front.config.webhook_url.clone(),
        status: if front.config.webhook_url.is_some() {
            "pending"
        } else {
            "not_sent"
        },
        attempts: Vec::new(),
        payload: payload.clone(),
    });
    (event_id, payload)
}

impl FrontStandIn {
    /// Deliver a queued webhook in the background, when a URL is configured.
    fn send_webhook(&self, event_id: String, payload: &Value) {
        if let Some(url) = self.config.webhook_url.clone() {
            let body = serde_json::to_vec(payload).unwrap_or_default();
            tokio::spawn(self.clone().deliver(event_id, url, body));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_escaped_paragraphs() {
        assert_eq!(
            markdown_to_html("Hi <team>,\nline two\n\nThanks & bye"),
            "<p>Hi &lt;team&gt;,<br>line two</p><p>Thanks &amp; bye</p>"
        );
    }

    #[test]
    fn html_bodies_keep_their_text() {
        assert_eq!(strip_tags("<p>Hi &amp; <b>bye</b></p>"), "Hi & bye");
    }
}

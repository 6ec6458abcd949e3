//! What the per-conversation cache keeps, and how events update it.
//!
//! The pipeline reads this instead of calling Front again. It is small on purpose: the
//! conversation's metadata and its last messages. [`Snapshot`] is what
//! the conversation's Durable Object shows of itself (to workflows and operators).

use serde::{Deserialize, Serialize};

/// How many messages the cache keeps.
pub const MAX_MESSAGES: usize = 20;
/// Longest body kept per message; Front stays the source of truth for the rest.
pub const MAX_BODY_CHARS: usize = 8_000;
/// Default time to live after the last activity: 7 days.
pub const DEFAULT_TTL_SECS: i64 = 7 * 24 * 3600;

/// Conversation metadata.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationMeta {
    /// `cnv_…`.
    pub conversation_id: String,
    /// The product app it belongs to, once known.
    pub app_id: Option<String>,
    /// The Front inbox.
    pub inbox_id: Option<String>,
    /// Subject.
    pub subject: Option<String>,
    /// Front status.
    pub status: Option<String>,
    /// Customer name.
    pub customer_name: Option<String>,
    /// Customer email.
    pub customer_email: Option<String>,
}

impl ConversationMeta {
    /// Fold newer metadata in, keeping known values the newer event leaves out.
    pub fn merge(&mut self, newer: ConversationMeta) {
        fn keep(old: &mut Option<String>, new: Option<String>) {
            if new.is_some() {
                *old = new;
            }
        }
        keep(&mut self.app_id, newer.app_id);
        if self.conversation_id.is_empty() {
            self.conversation_id = newer.conversation_id;
        }
        keep(&mut self.inbox_id, newer.inbox_id);
        keep(&mut self.subject, newer.subject);
        keep(&mut self.status, newer.status);
        keep(&mut self.customer_name, newer.customer_name);
        keep(&mut self.customer_email, newer.customer_email);
    }
}

/// Who wrote a cached message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageKind {
    /// From the customer.
    Inbound,
    /// A reply to the customer.
    Outbound,
    /// An internal comment.
    Comment,
}

/// One message in the cache.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CachedMessage {
    /// `msg_…` or `com_…`.
    pub id: String,
    /// Direction.
    pub kind: MessageKind,
    /// Author email, when known.
    pub author: Option<String>,
    /// Subject.
    pub subject: Option<String>,
    /// Body (plain text where Front gave it), truncated to [`MAX_BODY_CHARS`].
    pub body: String,
    /// Milliseconds since the epoch.
    pub created_at_ms: Option<i64>,
}

impl CachedMessage {
    /// Truncate the body to the cache's limit, on a character boundary.
    pub fn truncated(mut self) -> Self {
        if let Some((cut, _)) = self.body.char_indices().nth(MAX_BODY_CHARS) {
            self.body.truncate(cut);
        }
        self
    }
}

/// Keep the newest [`MAX_MESSAGES`] messages, oldest first, without duplicates.
pub fn push_message(messages: &mut Vec<CachedMessage>, message: CachedMessage) {
    let message = message.truncated();
    messages.retain(|m| m.id != message.id);
    messages.push(message);
    messages.sort_by_key(|m| m.created_at_ms.unwrap_or(i64::MAX));
    let excess = messages.len().saturating_sub(MAX_MESSAGES);
    messages.drain(..excess);
}

/// An event still waiting in the conversation's outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxEntry {
    /// The Front event id (the Inngest event id).
    pub event_id: String,
    /// Failed attempts so far.
    pub attempts: u32,
    /// When the next attempt is due (ms).
    pub next_attempt_at: i64,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
}

/// What a conversation's Durable Object holds, as workflows and operators see it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    /// Whether the object has any storage. Reading an unknown conversation creates none.
    pub exists: bool,
    /// Metadata, once an event was accepted.
    pub meta: Option<ConversationMeta>,
    /// The newest messages, oldest first.
    pub messages: Vec<CachedMessage>,
    /// The last accepted event or draft (ms).
    pub last_activity_ms: Option<i64>,
    /// When the cache is deleted if nothing else happens (ms).
    pub expires_at_ms: Option<i64>,
    /// Event ids remembered for deduplication.
    pub seen_events: u64,
    /// Events waiting for Inngest.
    pub outbox: Vec<OutboxEntry>,
    /// When the object's alarm fires next (ms).
    pub alarm_at_ms: Option<i64>,
    /// Size of the object's SQLite database (bytes).
    pub storage_bytes: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(id: &str, at: i64) -> CachedMessage {
        CachedMessage {
            id: id.into(),
            kind: MessageKind::Inbound,
            author: None,
            subject: None,
            body: "x".into(),
            created_at_ms: Some(at),
        }
    }

    #[test]
    fn keeps_the_newest_messages_in_order_without_duplicates() {
        let mut messages = Vec::new();
        for i in 0..30 {
            push_message(&mut messages, msg(&format!("m{i}"), 1000 + i));
        }
        push_message(&mut messages, msg("m29", 1029));
        push_message(&mut messages, msg("late", 1015)); // arrives late, sorts into place
        assert_eq!(messages.len(), MAX_MESSAGES);
        assert_eq!(messages.first().unwrap().id, "m11");
        assert_eq!(messages.last().unwrap().id, "m29");
        assert_eq!(messages.iter().filter(|m| m.id == "m29").count(), 1);
        assert!(messages
            .windows(2)
            .all(|w| w[0].created_at_ms <= w[1].created_at_ms));
    }

    #[test]
    fn truncates_long_bodies_on_char_boundaries() {
        let m = CachedMessage {
            body: "é".repeat(MAX_BODY_CHARS + 5),
            ..msg("a", 1)
        }
        .truncated();
        assert_eq!(m.body.chars().count(), MAX_BODY_CHARS);
    }

    #[test]
    fn merge_keeps_known_values() {
        let mut meta = ConversationMeta {
            conversation_id: "cnv_1".into(),
            app_id: Some("app".into()),
            subject: Some("Refund".into()),
            ..Default::default()
        };
        meta.merge(ConversationMeta {
            conversation_id: "cnv_1".into(),
            status: Some("archived".into()),
            ..Default::default()
        });
        assert_eq!(
            (
                meta.app_id.as_deref(),
                meta.subject.as_deref(),
                meta.status.as_deref()
            ),
            (Some("app"), Some("Refund"), Some("archived"))
        );
    }
}

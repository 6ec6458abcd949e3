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
//! evolve the payload without guessing.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Version of the `data` payload layout.
pub const ENVELOPE_VERSION: u32 = 1;

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
}

/// One event for the Inngest Event API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InngestEvent {
    /// Idempotency key.
    pub id: String,
    /// Event name.
    pub name: String,
    /// Payload; always an object with `version`, `appId` and `traceId`.
    pub data: Map<String, Value>,
    /// Milliseconds since the epoch.
    pub ts: i64,
    /// Envelope version.
    pub v: String,
}

impl InngestEvent {
    /// Build an event with the common envelope fields filled in.
    pub fn new(
        id: impl Into<String>,
        name: &str,
        ts: i64,
        app_id: &str,
        trace_id: &str,
        fields: Map<String, Value>,
    ) -> Self {
        let mut data = Map::new();
        data.insert("version".into(), ENVELOPE_VERSION.into());
        data.insert("appId".into(), app_id.into());
        data.insert("traceId".into(), trace_id.into());
        data.extend(fields);
        Self {
            id: id.into(),
            name: name.to_owned(),
            data,
            ts,
            v: ENVELOPE_VERSION.to_string(),
        }
    }
}

//! The Events API: the JSON envelopes Slack POSTs to the Request URL.
//!
//! Verify the signature first. Answer `url_verification` with its `challenge`; answer
//! every `event_callback` with a 2xx within three seconds, or Slack retries it (with
//! [`RETRY_NUM_HEADER`] and [`RETRY_REASON_HEADER`]) — dedupe on `event_id`.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::SlackError;

/// Which retry this delivery is (`1`, `2`, `3`); absent on the first.
pub const RETRY_NUM_HEADER: &str = "x-slack-retry-num";
/// Why Slack retried (`http_timeout`, `http_error`...).
pub const RETRY_REASON_HEADER: &str = "x-slack-retry-reason";
/// Answer with this header set to `1` to stop Slack retrying.
pub const NO_RETRY_HEADER: &str = "x-slack-no-retry";

/// One Events API request.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventEnvelope {
    /// The Request URL check: answer `200` with the challenge.
    UrlVerification {
        /// Echo this back.
        challenge: String,
    },
    /// An event the app subscribed to.
    EventCallback {
        /// `Ev…`: unique per event, the same on retries.
        event_id: String,
        /// Unix seconds.
        #[serde(default)]
        event_time: Option<i64>,
        /// `T…`.
        #[serde(default)]
        team_id: Option<String>,
        /// `A…`.
        #[serde(default)]
        api_app_id: Option<String>,
        /// The event (boxed: it is far larger than the other variants).
        event: Box<Event>,
    },
    /// Any other envelope type (`app_rate_limited`...).
    #[serde(other)]
    Other,
}

/// An event: its `type` and the fields most events share; the rest is in `extra`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Event {
    /// `message`, `app_mention`, `reaction_added`...
    #[serde(rename = "type")]
    pub kind: String,
    /// `bot_message`, `message_changed`... for messages.
    #[serde(default)]
    pub subtype: Option<String>,
    /// `U…` who caused it.
    #[serde(default)]
    pub user: Option<String>,
    /// `C…` where.
    #[serde(default)]
    pub channel: Option<String>,
    /// The message's `ts`.
    #[serde(default)]
    pub ts: Option<String>,
    /// The thread's parent `ts`.
    #[serde(default)]
    pub thread_ts: Option<String>,
    /// Message text.
    #[serde(default)]
    pub text: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Parses an Events API request body.
pub fn parse_event(body: &[u8]) -> Result<EventEnvelope, SlackError> {
    serde_json::from_slice(body).map_err(|e| SlackError::decode("Events API body", &e))
}

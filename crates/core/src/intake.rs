//! The intake decision: what to do with a Front webhook whose signature checked out.
//!
//! [`decide`] is the whole decision, pure: a validation challenge is answered, `sync`
//! is acknowledged, event types the platform does not act on are ignored, and the rest
//! is forwarded to the conversation's Durable Object as an [`IntakeRecord`]. Legacy
//! rule webhooks carry no signed timestamp, so their replay protection is the event's
//! own `emitted_at`: one older than the dedupe window is refused, because the object
//! may no longer remember its id.

use serde::{Deserialize, Serialize};

use crate::apps::AppRef;
use crate::conversation::{CachedMessage, ConversationMeta};
use crate::events::{EventDetail, InngestEvent, IntakeData, ENVELOPE_VERSION};
use crate::front::{Intake, Kind, Webhook};

/// How the webhook was authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signed {
    /// An application webhook: the signature covers a fresh timestamp.
    App,
    /// A legacy rule webhook: the signature covers the body only, no timestamp.
    Rule,
}

/// What the intake does with a verified webhook.
#[derive(Debug)]
pub enum Decision {
    /// Front's validation request: echo the challenge.
    Challenge(String),
    /// `sync`: nothing to do but acknowledge.
    Sync,
    /// A type the platform does not act on; acknowledged.
    Ignore {
        /// Why, for the answer.
        reason: String,
    },
    /// An event for the conversation's object.
    Forward(Box<Intake>),
}

/// Why a verified webhook is refused (a 400: sending it again will not help).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntakeError {
    /// Not the JSON Front sends.
    #[error("invalid JSON payload: {0}")]
    Malformed(String),
    /// A field the platform needs is absent.
    #[error("{0} is missing")]
    Missing(&'static str),
    /// A rule webhook without `emitted_at` cannot be checked for replay.
    #[error("a rule webhook must carry payload.emitted_at")]
    Undated,
    /// A rule webhook older than the dedupe window: possibly a replay.
    #[error(
        "the event was emitted {age_secs} s ago, longer than the {window_secs} s replay window"
    )]
    TooOld {
        /// How old it is.
        age_secs: i64,
        /// The window.
        window_secs: i64,
    },
}

/// How far ahead of our clock a rule webhook's `emitted_at` may be (clock skew).
pub const MAX_FUTURE_SKEW_MS: i64 = 5 * 60 * 1000;

/// Decide what to do with a verified webhook `body`. `challenge` is the
/// `X-Front-Challenge` header; `window_ms` is the dedupe window
/// ([`crate::outbox::dedupe_window_ms`]).
pub fn decide(
    body: &[u8],
    challenge: Option<&str>,
    signed: Signed,
    now_ms: i64,
    window_ms: i64,
) -> Result<Decision, IntakeError> {
    if let Some(challenge) = challenge {
        return Ok(Decision::Challenge(challenge.to_owned()));
    }
    let webhook: Webhook =
        serde_json::from_slice(body).map_err(|e| IntakeError::Malformed(e.to_string()))?;
    if webhook.kind == "sync" {
        return Ok(Decision::Sync);
    }
    let Some(kind) = Kind::from_webhook_type(&webhook.kind) else {
        return Ok(Decision::Ignore {
            reason: format!("event type {} is not handled", webhook.kind),
        });
    };
    let intake = Intake::from_webhook(kind, webhook)?;
    if signed == Signed::Rule {
        check_replay_window(intake.emitted_at_ms, now_ms, window_ms)?;
    }
    Ok(Decision::Forward(Box::new(intake)))
}

/// A rule webhook is only as fresh as its `emitted_at`.
fn check_replay_window(
    emitted_at_ms: Option<i64>,
    now_ms: i64,
    window_ms: i64,
) -> Result<(), IntakeError> {
    let emitted = emitted_at_ms.ok_or(IntakeError::Undated)?;
    let age = now_ms.saturating_sub(emitted);
    if age > window_ms || -age > MAX_FUTURE_SKEW_MS {
        return Err(IntakeError::TooOld {
            age_secs: age / 1000,
            window_secs: window_ms / 1000,
        });
    }
    Ok(())
}

/// What the worker hands the conversation's object for one Front event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntakeRecord {
    /// `evt_…`: dedupe key and Inngest event id.
    pub event_id: String,
    /// Platform event name.
    pub name: String,
    /// Event time (ms).
    pub ts: i64,
    /// Correlation id.
    pub trace_id: String,
    /// `cnv_…`.
    pub conversation_id: String,
    /// The app found from the event's inboxes; `None` when none of them belongs to an
    /// app (the object then uses the app the conversation already has).
    pub app: Option<AppRef>,
    /// The event's first inbox, for events whose app comes from the conversation.
    pub first_inbox_id: Option<String>,
    /// When Front emitted it (ms).
    pub emitted_at: Option<i64>,
    /// The per-kind fields.
    pub detail: EventDetail,
    /// Conversation metadata the event reveals.
    pub meta: ConversationMeta,
    /// The message or comment to cache.
    pub message: Option<CachedMessage>,
}

impl IntakeRecord {
    /// The event for Inngest, attributed to `app`.
    pub fn to_event(&self, app: &AppRef) -> InngestEvent<IntakeData> {
        InngestEvent::new(
            self.event_id.clone(),
            &self.name,
            self.ts,
            IntakeData {
                version: ENVELOPE_VERSION,
                app_id: app.app_id.clone(),
                trace_id: self.trace_id.clone(),
                conversation_id: self.conversation_id.clone(),
                inbox_id: app.inbox_id.clone().or_else(|| self.first_inbox_id.clone()),
                front_event_id: self.event_id.clone(),
                emitted_at: self.emitted_at,
                detail: self.detail.clone(),
            },
        )
    }
}

/// The conversation object's answer to an [`IntakeRecord`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum IntakeOutcome {
    /// Stored and queued for Inngest.
    Accepted {
        /// The app the event was attributed to.
        app_id: String,
    },
    /// Seen before; nothing done.
    Duplicate,
    /// Neither the event nor the conversation names a known app; nothing stored.
    UnknownApp,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_700_000_000_000;
    const DAY: i64 = 24 * 3600 * 1000;

    fn body(kind: &str, emitted_at: Option<f64>) -> Vec<u8> {
        let mut payload = json!({"id": "evt_1", "conversation": {"id": "cnv_1"}});
        if let Some(at) = emitted_at {
            payload["emitted_at"] = json!(at);
        }
        serde_json::to_vec(&json!({"type": kind, "payload": payload})).unwrap()
    }

    fn decide_app(body: &[u8]) -> Result<Decision, IntakeError> {
        decide(body, None, Signed::App, NOW, DAY)
    }

    #[test]
    fn a_challenge_is_answered_before_the_body_is_parsed() {
        let d = decide(b"not json", Some("abc"), Signed::App, NOW, DAY).unwrap();
        assert!(matches!(d, Decision::Challenge(c) if c == "abc"));
    }

    #[test]
    fn sync_ignored_types_and_events() {
        assert!(matches!(
            decide_app(br#"{"type":"sync"}"#).unwrap(),
            Decision::Sync
        ));
        match decide_app(&body("tag_added", None)).unwrap() {
            Decision::Ignore { reason } => assert!(reason.contains("tag_added"), "{reason}"),
            other => panic!("{other:?}"),
        }
        match decide_app(&body("inbound_received", None)).unwrap() {
            Decision::Forward(intake) => assert_eq!(intake.event_id, "evt_1"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn malformed_and_incomplete_bodies_are_errors() {
        assert!(matches!(decide_app(b"{"), Err(IntakeError::Malformed(_))));
        let no_conversation = br#"{"type":"inbound_received","payload":{"id":"evt_1"}}"#;
        assert_eq!(
            decide_app(no_conversation).unwrap_err(),
            IntakeError::Missing("payload.conversation.id")
        );
    }

    #[test]
    fn rule_webhooks_must_be_fresh_and_dated() {
        let now_secs = NOW as f64 / 1000.0;
        let rule =
            |at: Option<f64>| decide(&body("inbound_received", at), None, Signed::Rule, NOW, DAY);
        assert!(matches!(
            rule(Some(now_secs - 60.0)),
            Ok(Decision::Forward(_))
        ));
        assert_eq!(rule(None).unwrap_err(), IntakeError::Undated);
        assert!(matches!(
            rule(Some(now_secs - 2.0 * 86_400.0)),
            Err(IntakeError::TooOld { .. })
        ));
        assert!(matches!(
            rule(Some(now_secs + 3600.0)),
            Err(IntakeError::TooOld { .. })
        ));
        // Application webhooks are protected by their signed timestamp instead: Front
        // may retry an old event with a fresh signature.
        assert!(matches!(
            decide(
                &body("inbound_received", Some(now_secs - 2.0 * 86_400.0)),
                None,
                Signed::App,
                NOW,
                DAY
            ),
            Ok(Decision::Forward(_))
        ));
    }
}

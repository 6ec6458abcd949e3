//! The outbox policy of a conversation's Durable Object: what an answer from Inngest
//! means for the events it carried, when the object's one alarm fires, how long event
//! ids are remembered, and when a quiet conversation is forgotten.
//!
//! The rules, each a pure function here with its tests:
//! - A 2xx delivers. 408, 429, 5xx, timeouts and network errors are transient: retry
//!   with backoff ([`crate::retry`]), forever, because nothing is lost by waiting.
//!   Any other 4xx is a permanent refusal: retrying cannot help, so the event goes to
//!   a dead-letter record (replayable by an operator) and the rest flows.
//! - A permanent refusal of a batch of several events may be caused by one of them
//!   (400, 413, 422): the batch is resent one event at a time so that only the culprit
//!   is dead-lettered. A refusal of the key (401, 403, 404) applies to all of them.
//! - While the outbox is not empty, the alarm follows the next attempt only; once it is
//!   empty, the alarm follows the expiry. An accepted event never moves an alarm that
//!   is already due sooner.
//! - Event ids are remembered for the dedupe window: the TTL, at most 24 hours.

use crate::retry::next_delay_ms;

/// The longest the object remembers an event id.
pub const MAX_DEDUPE_WINDOW_MS: i64 = 24 * 3600 * 1000;
/// Events sent to Inngest in one request.
pub const MAX_BATCH: usize = 50;
/// How long after an accepted event the safety-net alarm fires, should the delivery
/// right after the write not complete (the object evicted mid-flight).
pub const DELIVERY_GRACE_MS: i64 = 60_000;
/// Longest TTL accepted (a year), so that timestamps never overflow.
pub const MAX_TTL_SECS: i64 = 366 * 24 * 3600;

/// How an attempt to hand events to Inngest ended, as far as the policy cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Inngest took them.
    Accepted,
    /// Inngest answered with this status (`retry_after_secs` from `Retry-After`).
    Rejected {
        /// HTTP status.
        status: u16,
        /// `Retry-After`, in seconds.
        retry_after_secs: Option<u64>,
    },
    /// No answer: timeout, network error, or the platform cannot send (no event key).
    NoAnswer,
}

/// What to do with the events of one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Delivered: remove them from the outbox.
    Delivered,
    /// Try again after `delay_ms`.
    Retry {
        /// Backoff before the next attempt.
        delay_ms: i64,
    },
    /// Refused for good: dead-letter every event of the attempt.
    DeadLetter,
    /// Refused for good, maybe because of one event: resend them one by one.
    Isolate,
}

/// Whether a status means "try again later".
pub fn is_transient(status: u16) -> bool {
    status == 408 || status == 429 || status >= 500
}

/// The verdict for an attempt that carried `batch_len` events, the `attempts`-th
/// failure for the oldest of them, with a jitter source in `[0, 1)`.
pub fn verdict(attempt: Attempt, batch_len: usize, attempts: u32, jitter: f64) -> Verdict {
    match attempt {
        Attempt::Accepted => Verdict::Delivered,
        Attempt::NoAnswer => Verdict::Retry {
            delay_ms: next_delay_ms(attempts, None, jitter),
        },
        Attempt::Rejected {
            status,
            retry_after_secs,
        } if is_transient(status) || (200..300).contains(&status) => Verdict::Retry {
            delay_ms: next_delay_ms(attempts, retry_after_secs, jitter),
        },
        Attempt::Rejected { status, .. } => {
            let about_the_events = matches!(status, 400 | 413 | 422);
            if about_the_events && batch_len > 1 {
                Verdict::Isolate
            } else {
                Verdict::DeadLetter
            }
        }
    }
}

/// When the object's alarm should fire: the next outbox attempt while one is pending
/// (never in the past), else the expiry.
pub fn next_alarm(next_attempt_at: Option<i64>, expires_at: i64, now_ms: i64) -> i64 {
    match next_attempt_at {
        Some(at) => at.max(now_ms),
        None => expires_at,
    }
}

/// Whether an accepted event needs the alarm (re)armed: only when no alarm is due
/// within the delivery grace. Returns the time to arm it for.
pub fn arm_for_pending(current_alarm: Option<i64>, now_ms: i64) -> Option<i64> {
    let wanted = now_ms + DELIVERY_GRACE_MS;
    match current_alarm {
        Some(at) if at <= wanted => None,
        _ => Some(wanted),
    }
}

/// How long event ids are remembered: the TTL, at most [`MAX_DEDUPE_WINDOW_MS`].
pub fn dedupe_window_ms(ttl_secs: i64) -> i64 {
    ttl_secs
        .clamp(1, MAX_TTL_SECS)
        .saturating_mul(1000)
        .min(MAX_DEDUPE_WINDOW_MS)
}

/// When a conversation last active at `last_activity_ms` expires.
pub fn expires_at(last_activity_ms: i64, ttl_secs: i64) -> i64 {
    last_activity_ms.saturating_add(ttl_secs.clamp(1, MAX_TTL_SECS).saturating_mul(1000))
}

/// Whether the object may forget everything now: quiet for the whole TTL and nothing
/// waiting for Inngest.
pub fn should_expire(pending: usize, expires_at: i64, now_ms: i64) -> bool {
    pending == 0 && expires_at <= now_ms
}

/// An event Inngest refused for good, kept for an operator to look at and replay.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetter {
    /// The Front event id (the Inngest event id).
    pub event_id: String,
    /// `cnv_…`.
    pub conversation_id: String,
    /// The event's name.
    pub name: String,
    /// Why Inngest refused it (its status and message, or the size).
    pub reason: String,
    /// Attempts before it was refused for good.
    pub attempts: u32,
    /// When (ms).
    pub failed_at: i64,
    /// When an operator last replayed it (ms).
    pub replayed_at: Option<i64>,
}

/// An event handed back to a conversation's outbox by an operator.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Replay {
    /// The Front event id.
    pub event_id: String,
    /// The event, serialised as it was refused.
    pub body: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(status: u16) -> Attempt {
        Attempt::Rejected {
            status,
            retry_after_secs: None,
        }
    }

    #[test]
    fn transient_answers_are_retried_with_backoff() {
        for status in [408, 429, 500, 502, 503, 504] {
            assert_eq!(
                verdict(rejected(status), 3, 1, 0.0),
                Verdict::Retry { delay_ms: 1_000 },
                "{status}"
            );
        }
        assert_eq!(
            verdict(Attempt::NoAnswer, 1, 3, 0.0),
            Verdict::Retry { delay_ms: 4_000 }
        );
        assert_eq!(
            verdict(
                Attempt::Rejected {
                    status: 429,
                    retry_after_secs: Some(30)
                },
                1,
                1,
                0.0
            ),
            Verdict::Retry { delay_ms: 30_000 }
        );
    }

    #[test]
    fn permanent_refusals_are_dead_lettered_not_retried() {
        for status in [400, 401, 403, 404, 413, 422] {
            assert_eq!(
                verdict(rejected(status), 1, 1, 0.0),
                Verdict::DeadLetter,
                "{status}"
            );
        }
        assert_eq!(verdict(Attempt::Accepted, 5, 0, 0.0), Verdict::Delivered);
    }

    #[test]
    fn a_poisoned_batch_is_split_but_a_refused_key_is_not() {
        assert_eq!(verdict(rejected(400), 5, 1, 0.0), Verdict::Isolate);
        assert_eq!(verdict(rejected(413), 2, 1, 0.0), Verdict::Isolate);
        assert_eq!(verdict(rejected(401), 5, 1, 0.0), Verdict::DeadLetter);
        assert_eq!(verdict(rejected(403), 5, 1, 0.0), Verdict::DeadLetter);
    }

    #[test]
    fn the_alarm_follows_the_outbox_while_it_is_not_empty() {
        let now = 1_000_000;
        // Pending past the expiry (Inngest down longer than the TTL): the alarm keeps
        // following the attempts, never the expiry it is handling.
        assert_eq!(next_alarm(Some(now + 5_000), now - 10, now), now + 5_000);
        assert_eq!(next_alarm(Some(now - 5_000), now + 99, now), now);
        assert_eq!(next_alarm(None, now + 99, now), now + 99);
    }

    #[test]
    fn an_accepted_event_arms_the_alarm_once() {
        let now = 1_000_000;
        assert_eq!(arm_for_pending(None, now), Some(now + DELIVERY_GRACE_MS));
        // Armed for the expiry days away: bring it forward.
        assert_eq!(
            arm_for_pending(Some(now + 86_400_000), now),
            Some(now + DELIVERY_GRACE_MS)
        );
        // Already due soon (an earlier event armed it): leave it.
        assert_eq!(arm_for_pending(Some(now + 3_000), now), None);
        assert_eq!(arm_for_pending(Some(now - 1), now), None);
    }

    #[test]
    fn windows_and_expiry_never_overflow() {
        assert_eq!(dedupe_window_ms(8), 8_000);
        assert_eq!(dedupe_window_ms(7 * 86_400), MAX_DEDUPE_WINDOW_MS);
        assert_eq!(dedupe_window_ms(i64::MAX), MAX_DEDUPE_WINDOW_MS);
        assert_eq!(expires_at(i64::MAX - 5, i64::MAX), i64::MAX);
        assert_eq!(expires_at(1_000, 8), 9_000);
        assert!(should_expire(0, 9_000, 9_000));
        assert!(!should_expire(1, 9_000, 10_000));
        assert!(!should_expire(0, 9_001, 9_000));
    }
}

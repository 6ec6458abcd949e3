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

/// An event waiting for Inngest in a conversation's outbox (the object mirrors each in
/// a row of its own storage).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    /// The Front event id (the Inngest event id).
    pub event_id: String,
    /// The event, serialised.
    pub body: std::sync::Arc<str>,
    /// Failed attempts so far.
    pub attempts: u32,
    /// No attempt before this (ms).
    pub next_attempt_at: i64,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// Sent alone: a batch it was in was refused, maybe because of one event.
    pub solo: bool,
}

/// A conversation's outbox, in arrival order: which events are due, which go together,
/// and the backoff after a failure, which events that arrive meanwhile respect too (so
/// a rate-limited Inngest is not hit per webhook). Storage is the object's business;
/// every change here is one the object writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Queue {
    events: std::collections::VecDeque<Queued>,
    /// No attempt before this (ms): the backoff of the last failure.
    hold_until: i64,
}

impl Queue {
    /// The events as stored, oldest first.
    pub fn from_stored(events: impl IntoIterator<Item = Queued>) -> Self {
        Self {
            events: events.into_iter().collect(),
            hold_until: 0,
        }
    }

    /// Events waiting.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Nothing waiting.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Whether `event_id` is waiting.
    pub fn contains(&self, event_id: &str) -> bool {
        self.events.iter().any(|e| e.event_id == event_id)
    }

    /// The events waiting, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &Queued> {
        self.events.iter()
    }

    /// A new event, due now unless a backoff holds (then when it ends); `solo` for one
    /// that must go alone (an operator's replay of a refused event).
    pub fn push(&mut self, event_id: String, body: std::sync::Arc<str>, now_ms: i64, solo: bool) {
        self.events.push_back(Queued {
            event_id,
            body,
            attempts: 0,
            next_attempt_at: now_ms.max(self.hold_until),
            last_error: None,
            solo,
        });
    }

    /// Whether an attempt may run now: no backoff hold, and an event is due.
    pub fn anything_due(&self, now_ms: i64) -> bool {
        self.hold_until <= now_ms && self.events.iter().any(|e| e.next_attempt_at <= now_ms)
    }

    /// When the next attempt is due, while events wait.
    pub fn next_attempt_at(&self) -> Option<i64> {
        self.events.iter().map(|e| e.next_attempt_at).min()
    }

    /// The events to send once one is due: everything waiting goes with it (up to
    /// [`MAX_BATCH`], in arrival order), since Inngest answering for one answers for
    /// all, so a recovery is one request, not one per event. A `solo` event goes alone.
    pub fn due_batch(&self) -> Vec<Queued> {
        let mut batch = Vec::new();
        for e in &self.events {
            if e.solo {
                if batch.is_empty() {
                    batch.push(e.clone());
                }
                break;
            }
            batch.push(e.clone());
            if batch.len() == MAX_BATCH {
                break;
            }
        }
        batch
    }

    /// A failed attempt of `batch`: each of its events is tried again after its own
    /// backoff (`jitter` in `[0, 1)`), and nothing is tried before the soonest of them.
    /// The events changed, to write.
    pub fn retry_later(
        &mut self,
        batch: &[Queued],
        retry_after_secs: Option<u64>,
        detail: &str,
        now_ms: i64,
        jitter: f64,
    ) -> Vec<Queued> {
        let mut changed = Vec::new();
        for e in self.events.iter_mut() {
            if !batch.iter().any(|b| b.event_id == e.event_id) {
                continue;
            }
            e.attempts += 1;
            e.next_attempt_at = now_ms + next_delay_ms(e.attempts, retry_after_secs, jitter);
            e.last_error = Some(detail.to_owned());
            changed.push(e.clone());
        }
        if let Some(hold) = changed.iter().map(|e| e.next_attempt_at).min() {
            self.hold_until = hold;
        }
        changed
    }

    /// Send the events of `batch` one at a time from now on.
    pub fn isolate(&mut self, batch: &[Queued]) {
        for e in self.events.iter_mut() {
            if batch.iter().any(|b| b.event_id == e.event_id) {
                e.solo = true;
            }
        }
    }

    /// Take the events of `batch` out (delivered, or dead-lettered).
    pub fn forget(&mut self, batch: &[Queued]) {
        self.events
            .retain(|e| !batch.iter().any(|b| b.event_id == e.event_id));
    }
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

    fn queue_of(ids: &[&str]) -> Queue {
        let mut q = Queue::default();
        for id in ids {
            q.push((*id).to_owned(), std::sync::Arc::from("{}"), 1_000, false);
        }
        q
    }

    fn ids(batch: &[Queued]) -> Vec<&str> {
        batch.iter().map(|e| e.event_id.as_str()).collect()
    }

    #[test]
    fn everything_waiting_goes_in_one_batch_up_to_the_limit() {
        let q = queue_of(&["a", "b", "c"]);
        assert!(q.anything_due(1_000));
        assert!(!q.anything_due(999));
        assert_eq!(ids(&q.due_batch()), ["a", "b", "c"]);
        let many: Vec<String> = (0..MAX_BATCH + 7).map(|i| format!("e{i}")).collect();
        let q = queue_of(&many.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(q.due_batch().len(), MAX_BATCH);
        assert_eq!(q.due_batch()[0].event_id, "e0");
    }

    #[test]
    fn an_isolated_event_goes_alone_and_stops_the_batch() {
        let mut q = queue_of(&["a", "b", "c"]);
        let batch = q.due_batch();
        q.isolate(&batch);
        assert_eq!(ids(&q.due_batch()), ["a"]);
        q.forget(&q.due_batch());
        assert_eq!(ids(&q.due_batch()), ["b"]);
        // A fresh event behind an isolated one waits for it.
        let mut q = queue_of(&["a"]);
        q.push("r".into(), std::sync::Arc::from("{}"), 1_000, true);
        q.push("z".into(), std::sync::Arc::from("{}"), 1_000, false);
        assert_eq!(ids(&q.due_batch()), ["a"]);
        q.forget(&q.due_batch());
        assert_eq!(ids(&q.due_batch()), ["r"]);
    }

    #[test]
    fn a_failure_backs_off_and_holds_events_that_arrive_meanwhile() {
        let mut q = queue_of(&["a", "b"]);
        let batch = q.due_batch();
        let changed = q.retry_later(&batch, Some(30), "429 slow down", 1_000, 0.0);
        assert_eq!(ids(&changed), ["a", "b"]);
        assert!(changed
            .iter()
            .all(|e| e.attempts == 1 && e.last_error.as_deref() == Some("429 slow down")));
        // Retry-After: 30 s.
        assert_eq!(q.next_attempt_at(), Some(31_000));
        assert!(!q.anything_due(30_999));
        // A webhook in the meantime waits for the hold too.
        q.push("c".into(), std::sync::Arc::from("{}"), 2_000, false);
        assert_eq!(q.iter().last().unwrap().next_attempt_at, 31_000);
        assert!(!q.anything_due(2_000));
        assert!(q.anything_due(31_000));
        // Each failure of the same events waits longer.
        let first = q.iter().next().unwrap().next_attempt_at - 1_000;
        let batch = q.due_batch();
        q.retry_later(&batch, None, "timeout", 31_000, 0.0);
        let second = q.iter().next().unwrap().next_attempt_at - 31_000;
        assert!(q.iter().next().unwrap().attempts == 2);
        assert!(second > 0 && first > 0);
    }

    #[test]
    fn delivered_events_leave_and_the_rest_stay_in_order() {
        let mut q = queue_of(&["a", "b", "c"]);
        assert!(q.contains("b"));
        q.forget(&q.due_batch()[..2]);
        assert_eq!(q.len(), 1);
        assert!(!q.contains("a") && q.contains("c"));
        q.forget(&q.due_batch());
        assert!(q.is_empty());
        assert_eq!(q.next_attempt_at(), None);
        assert!(!q.anything_due(i64::MAX));
    }
}

//! The outbox: every accepted event waits here until Inngest has it. One attempt right
//! after the intake's write, the rest (a backlog, a retry) from the alarm; a refusal for
//! good goes to a dead-letter record an operator can replay. The policy is
//! [`support_core::outbox`]; this applies it to the object's storage and sends through
//! the platform's Event API port.

use std::rc::Rc;
use std::time::Duration;

use serde::Deserialize;
use support_core::events::MAX_EVENT_BYTES;
use support_core::outbox::{verdict, Attempt, DeadLetter, Queued, Replay, Verdict};
use support_core::settings::Settings;
use support_inngest::SendError;
use worker::{Result, SqlStorageValue};

use super::{Inner, Mem, BACKGROUND_TIMEOUT, INLINE_TIMEOUT};
use crate::env::now_ms;
use crate::ports::{dead_letters, outbox_events};

impl Inner {
    pub(super) fn replay(&self, replays: Vec<Replay>) -> Result<usize> {
        if replays.is_empty() {
            return Ok(0);
        }
        self.create()?;
        let sql = self.sql();
        let now = now_ms();
        let mut mem = self.mem.borrow_mut();
        let Mem::Loaded(loaded) = &mut *mem else {
            unreachable!("created above")
        };
        let mut queued = 0;
        for replay in replays {
            if loaded.queue.contains(&replay.event_id) {
                continue; // already waiting
            }
            sql.exec(
                "INSERT INTO events (event_id, received_at, body, next_attempt_at) VALUES (?, ?, ?, ?) \
                 ON CONFLICT(event_id) DO UPDATE SET body = excluded.body, attempts = 0, \
                 next_attempt_at = excluded.next_attempt_at, last_error = NULL",
                vec![
                    replay.event_id.as_str().into(),
                    now.into(),
                    replay.body.as_str().into(),
                    now.into(),
                ],
            )?;
            // A refused event goes alone, so it cannot take a batch down with it.
            loaded
                .queue
                .push(replay.event_id, replay.body.into(), now, true);
            queued += 1;
        }
        loaded.last_activity = Some(now);
        Ok(queued)
    }

    /// One attempt now, with a short timeout, and the rest (a backlog after an outage)
    /// in the background. One delivery at a time per object: a second caller returns at
    /// once, and the running delivery picks its events up.
    ///
    /// When it returns, every waiting event is either delivered or covered by an alarm:
    /// the caller's 200 may go out before a background delivery has finished, so the
    /// safety net is armed for those (and only those) cases. An event delivered right
    /// away writes no alarm and leaves none to fire.
    pub(super) async fn deliver_first(this: &Rc<Self>, settings: &Rc<Settings>) {
        if this.delivering.replace(true) {
            this.arm_or_log().await;
            return;
        }
        let more = this
            .deliver_once(settings, INLINE_TIMEOUT)
            .await
            .unwrap_or_else(|err| {
                worker::console_error!("outbox delivery failed: {err}");
                false
            });
        if more && this.has_due(now_ms()) {
            this.arm_or_log().await;
            let task = this.clone();
            let settings = settings.clone();
            this.state
                .wait_until(async move { task.deliver_loop(&settings).await });
        } else {
            this.finish_delivery(settings).await;
        }
    }

    /// Whether an event waits with its attempt due by `now`.
    pub(super) fn has_due(&self, now: i64) -> bool {
        matches!(&*self.mem.borrow(), Mem::Loaded(l) if l.queue.anything_due(now))
    }

    pub(super) async fn arm_or_log(&self) {
        if let Err(err) = self.arm_for_pending().await {
            worker::console_error!("could not arm the conversation's alarm: {err}");
        }
    }

    /// Hand due events to Inngest until none is due or an attempt fails.
    pub(super) async fn deliver(&self, settings: &Settings) {
        if self.delivering.replace(true) {
            return;
        }
        self.deliver_loop(settings).await;
    }

    /// The body of a delivery that holds the `delivering` flag.
    pub(super) async fn deliver_loop(&self, settings: &Settings) {
        loop {
            match self.deliver_once(settings, BACKGROUND_TIMEOUT).await {
                Ok(true) => continue,
                Ok(false) => break,
                Err(err) => {
                    worker::console_error!("outbox delivery failed: {err}");
                    break;
                }
            }
        }
        self.finish_delivery(settings).await;
    }

    pub(super) async fn finish_delivery(&self, settings: &Settings) {
        self.delivering.set(false);
        if let Err(err) = self.reschedule(settings).await {
            worker::console_error!("could not set the conversation's alarm: {err}");
        }
    }

    /// One attempt. `Ok(true)`: more may be due right away.
    pub(super) async fn deliver_once(
        &self,
        settings: &Settings,
        timeout: Duration,
    ) -> Result<bool> {
        let now = now_ms();
        let batch: Vec<Queued> = match &*self.mem.borrow() {
            Mem::Loaded(l) if l.queue.anything_due(now) => l.queue.due_batch(),
            _ => return Ok(false),
        };
        if batch.is_empty() {
            return Ok(false);
        }
        let (too_big, batch): (Vec<Queued>, Vec<Queued>) = batch
            .into_iter()
            .partition(|p| p.body.len() > MAX_EVENT_BYTES);
        if !too_big.is_empty() {
            let reason = format!("the event is over Inngest's {MAX_EVENT_BYTES}-byte limit");
            self.dead_letter(&too_big, &reason).await?;
        }
        if batch.is_empty() {
            return Ok(true);
        }
        let (attempt, detail) = self.send(settings, &batch, timeout).await;
        let attempts = batch.iter().map(|p| p.attempts).max().unwrap_or(0) + 1;
        match verdict(
            attempt,
            batch.len(),
            attempts,
            worker::js_sys::Math::random(),
        ) {
            Verdict::Delivered => {
                self.delivered(&batch)?;
                Ok(true)
            }
            Verdict::Retry { .. } => {
                worker::console_warn!(
                    "inngest delivery failed for {} event(s), will retry: {detail}",
                    batch.len()
                );
                let retry_after = match attempt {
                    Attempt::Rejected {
                        retry_after_secs, ..
                    } => retry_after_secs,
                    _ => None,
                };
                self.retry_later(&batch, retry_after, &detail)?;
                Ok(false)
            }
            Verdict::Isolate => {
                worker::console_warn!(
                    "inngest refused a batch of {}: resending one by one ({detail})",
                    batch.len()
                );
                if let Mem::Loaded(l) = &mut *self.mem.borrow_mut() {
                    l.queue.isolate(&batch);
                }
                Ok(true)
            }
            Verdict::DeadLetter => {
                worker::console_error!(
                    "inngest refused {} event(s) for good, dead-lettered: {detail}",
                    batch.len()
                );
                self.dead_letter(&batch, &detail).await?;
                Ok(true)
            }
        }
    }

    pub(super) async fn send(
        &self,
        settings: &Settings,
        batch: &[Queued],
        timeout: Duration,
    ) -> (Attempt, String) {
        let port = self
            .events
            .get_or_init(|| outbox_events::from_settings(settings));
        let Some(port) = port else {
            return (
                Attempt::NoAnswer,
                "INNGEST_EVENT_KEY is not configured: events wait in the outbox".into(),
            );
        };
        let events: Vec<&str> = batch.iter().map(|p| &*p.body).collect();
        match port.send(&events, timeout).await {
            Ok(_) => (Attempt::Accepted, String::new()),
            Err(err) => {
                let attempt = match &err {
                    SendError::Rejected {
                        status,
                        retry_after_secs,
                        ..
                    } => Attempt::Rejected {
                        status: *status,
                        retry_after_secs: *retry_after_secs,
                    },
                    SendError::Timeout(_) | SendError::Unreachable(_) => Attempt::NoAnswer,
                };
                (attempt, err.to_string())
            }
        }
    }

    pub(super) fn delivered(&self, batch: &[Queued]) -> Result<()> {
        let placeholders = vec!["?"; batch.len()].join(", ");
        let ids: Vec<SqlStorageValue> = batch.iter().map(|p| p.event_id.as_str().into()).collect();
        self.sql().exec(
            &format!(
                "UPDATE events SET body = NULL, next_attempt_at = NULL, last_error = NULL \
                 WHERE event_id IN ({placeholders})"
            ),
            ids,
        )?;
        self.forget_pending(batch);
        Ok(())
    }

    pub(super) fn retry_later(
        &self,
        batch: &[Queued],
        retry_after: Option<u64>,
        detail: &str,
    ) -> Result<()> {
        let sql = self.sql();
        let mut mem = self.mem.borrow_mut();
        let Mem::Loaded(l) = &mut *mem else {
            return Ok(());
        };
        let changed = l.queue.retry_later(
            batch,
            retry_after,
            detail,
            now_ms(),
            worker::js_sys::Math::random(),
        );
        for e in changed {
            sql.exec(
                "UPDATE events SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE event_id = ?",
                vec![
                    i64::from(e.attempts).into(),
                    e.next_attempt_at.into(),
                    detail.into(),
                    e.event_id.as_str().into(),
                ],
            )?;
        }
        Ok(())
    }

    /// Record refused events for operators (D1), then take them out of the outbox. If
    /// the record cannot be written they stay in the outbox and are tried again later:
    /// an event is never dropped.
    pub(super) async fn dead_letter(&self, batch: &[Queued], reason: &str) -> Result<()> {
        let conversation_id = match &*self.mem.borrow() {
            Mem::Loaded(l) => l
                .meta
                .as_ref()
                .map(|m| m.conversation_id.clone())
                .unwrap_or_default(),
            _ => String::new(),
        };
        let now = now_ms();
        let letters: Vec<(DeadLetter, std::sync::Arc<str>)> = batch
            .iter()
            .map(|p| {
                (
                    DeadLetter {
                        event_id: p.event_id.clone(),
                        conversation_id: conversation_id.clone(),
                        name: event_name(&p.body),
                        reason: reason.chars().take(500).collect(),
                        attempts: p.attempts + 1,
                        failed_at: now,
                        replayed_at: None,
                    },
                    p.body.clone(),
                )
            })
            .collect();
        if let Err(err) = dead_letters::record(&self.env, &letters).await {
            worker::console_error!(
                "could not record dead letters, keeping them in the outbox: {err}"
            );
            let long = outbox_retry_cap();
            return self.retry_later(
                batch,
                Some(long),
                &format!("{reason} (dead letter not recorded)"),
            );
        }
        let placeholders = vec!["?"; batch.len()].join(", ");
        let mut bindings: Vec<SqlStorageValue> = vec![format!("dead-lettered: {reason}").into()];
        bindings.extend(
            batch
                .iter()
                .map(|p| SqlStorageValue::from(p.event_id.as_str())),
        );
        self.sql().exec(
            &format!(
                "UPDATE events SET body = NULL, next_attempt_at = NULL, last_error = ? \
                 WHERE event_id IN ({placeholders})"
            ),
            bindings,
        )?;
        self.forget_pending(batch);
        Ok(())
    }

    pub(super) fn forget_pending(&self, batch: &[Queued]) {
        if let Mem::Loaded(l) = &mut *self.mem.borrow_mut() {
            l.queue.forget(batch);
        }
    }
}

/// How long to wait before trying again when even the dead-letter record failed.
pub(super) fn outbox_retry_cap() -> u64 {
    (support_core::retry::MAX_DELAY_MS / 1000) as u64
}

pub(super) fn event_name(body: &str) -> String {
    #[derive(Deserialize)]
    struct Named {
        #[serde(default)]
        name: String,
    }
    serde_json::from_str::<Named>(body)
        .map(|n| n.name)
        .unwrap_or_default()
}

//! `support-request-approval`: the durable approval record, its Slack view, and the
//! wait for a decision. The record decides, never the event: it is read before the
//! first wait and again after every slice of waiting, so a decision made before the
//! wait registered (or whose event got lost) is seen within a slice. A timeout is its
//! own outcome (`expired`), never a rejection; a supersession is its own too. Once
//! approved, a watch reports an action that was not executed within minutes.
//!
//! `support-approval-reminder`: a reminder in the Slack thread after 4 hours while the
//! approval is still pending; snoozing the conversation cancels it.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use support_core::approval::{settle, Settled};
use support_core::classify::{Classification, Signals, Source};
use support_core::events::{self, ActionApproved, ApprovalRequested, Stage};
use support_core::routing::RouteAction;
use support_inngest::serve::{
    Cancel, FnError, FunctionConfig, Input, ServeFunction, Step, Trigger, WaitOpts,
};
use support_store::{ActionStatus, ApprovalRecord, AuditKind, Store};
use web_time::Instant;

use super::{blocks, names, notify_thread, redraw};
use crate::pipeline::{load_app, store_error, Audit, AuditRow, FrontOps, Services};

/// The function's id.
pub const ID: &str = "support-request-approval";
/// The reminder's id.
pub const REMINDER_ID: &str = "support-approval-reminder";
/// When the reminder goes out.
pub const REMINDER_AFTER: Duration = Duration::from_secs(4 * 3600);
/// How long an approval waits by default (24 h).
pub const DEFAULT_TTL_MINUTES: u32 = 24 * 60;
/// Waits at most this many slices (a guard; the TTL and the slice decide).
const MAX_SLICES: usize = 400;

/// The function.
pub fn function(store: Arc<dyn Store>, services: Arc<Services>) -> ServeFunction {
    let config = FunctionConfig::new(ID)
        .name("Request a human's approval")
        .trigger(Trigger::event(names::APPROVAL_REQUESTED))
        .retries(3);
    ServeFunction::new(config, move |input: Input, step: Step| {
        let (store, services) = (store.clone(), services.clone());
        async move { run(store, services, input, step).await }
    })
}

/// Opens the approval: its durable record, then its Slack card. Both steps are safe to
/// repeat, and run twice for each approval: in the pipeline's run, so the card shows
/// without waiting for another run to start, and again at the start of this function's
/// run, which finds them done (the record exists, the card is posted) and goes on to
/// wait.
pub(crate) async fn open(
    step: &Step,
    store: &Arc<dyn Store>,
    services: &Arc<Services>,
    audit: &Audit<'_>,
    action_id: &str,
    app_id: &str,
) -> Result<(ApprovalRecord, Value), FnError> {
    let approval: ApprovalRecord = step
        .run("create approval", || async {
            let started = Instant::now();
            // Opened already (by the pipeline's run): as it is, with no second audit row.
            if let Some(existing) = store.approval(action_id).await.map_err(store_error)? {
                return Ok(existing);
            }
            let action = store
                .action(action_id)
                .await
                .map_err(store_error)?
                .ok_or_else(|| FnError::non_retriable(format!("no action {action_id}")))?;
            let app = load_app(store.as_ref(), app_id).await?;
            let ttl_ms = i64::from(
                app.settings
                    .approval_ttl_minutes
                    .unwrap_or(DEFAULT_TTL_MINUTES)
                    .max(1),
            ) * 60_000;
            let now = services.now_ms();
            let record = store
                .create_approval(&ApprovalRecord::pending(&action, now, now + ttl_ms))
                .await
                .map_err(store_error)?;
            let mut row = AuditRow::new(
                AuditKind::Decision,
                "approval requested",
                json!({"expiresAt": record.expires_at}),
                started,
            );
            row.action_id = Some(action.id.clone());
            audit.write("create approval", row).await?;
            Ok(record)
        })
        .await?;

    let slack: Value = step
        .run("post to slack", || async {
            if let Some(view) = &approval.slack {
                return Ok(view.clone());
            }
            let (Some(slack), Some(action)) = (
                &services.slack,
                store.action(action_id).await.map_err(store_error)?,
            ) else {
                return Ok(Value::Null);
            };
            let app = load_app(store.as_ref(), app_id).await?;
            let Some(channel) = app.settings.approval_channel.clone() else {
                return Ok(json!({"skipped": "the app has no approval channel"}));
            };
            let (text, blocks) = match blocks::approval(&action, &app.name, &approval) {
                Ok(card) => card,
                Err(too_large) => return Ok(json!({"notPosted": too_large.to_string()})),
            };
            // Slack is a view: when it refuses for good (a bad channel, say) the approval
            // still waits, and the HTTP API can decide it.
            let posted = match slack
                .post_message(&support_slack::PostMessage::new(channel, text, blocks))
                .await
            {
                Ok(posted) => posted,
                Err(e) if e.is_retryable() => return Err(super::slack_error(e)),
                Err(e) => return Ok(json!({"error": e.to_string()})),
            };
            let view = json!({"channel": posted.channel, "ts": posted.ts});
            store
                .set_approval_slack(action_id, &view)
                .await
                .map_err(store_error)?;
            Ok(view)
        })
        .await?;
    Ok((approval, slack))
}

async fn run(
    store: Arc<dyn Store>,
    services: Arc<Services>,
    input: Input,
    step: Step,
) -> Result<Value, FnError> {
    let Stage {
        message,
        data:
            ApprovalRequested {
                action_id,
                category,
                ..
            },
        ..
    } = crate::pipeline::event_data(&input)?;
    let (app_id, conversation_id) = (message.app_id.clone(), message.conversation_id.clone());
    let audit = Audit {
        store: store.as_ref(),
        services: &services,
        run_id: &input.run_id,
        app_id: &app_id,
        conversation_id: &conversation_id,
    };

    let (approval, slack) = open(&step, &store, &services, &audit, &action_id, &app_id).await?;

    if let Some(why) = slack.get("notPosted").and_then(Value::as_str) {
        // A card that cannot show everything is not posted: the approval is
        // superseded (nothing will run) and a person takes the conversation.
        let reason = format!("{why}; a teammate should handle this conversation in Front");
        step.run("withdraw", || async {
            let started = Instant::now();
            withdraw(
                store.as_ref(),
                &services,
                &action_id,
                &reason,
                support_core::outcome::Outcome::Superseded,
            )
            .await?;
            let mut row = AuditRow::new(
                AuditKind::Decision,
                "superseded",
                json!({"by": "system", "reason": reason}),
                started,
            );
            row.action_id = Some(action_id.clone());
            audit.write("withdraw", row).await?;
            Ok(true)
        })
        .await?;
        let classification = Classification {
            category,
            confidence: 1.0,
            reasoning: String::new(),
            signals: Signals::default(),
            source: Source::FastPath,
        };
        crate::pipeline::route::escalate(
            &step,
            &store,
            &services,
            &audit,
            &message,
            &classification,
            &reason,
            RouteAction::EscalateHuman,
            "escalate",
        )
        .await?;
        close(
            &step,
            &store,
            &services,
            &action_id,
            &conversation_id,
            "superseded",
            None,
        )
        .await?;
        return Ok(
            json!({"actionId": action_id, "outcome": {"status": "superseded", "reason": why}}),
        );
    }

    // Wait in slices, reading the record before each: the record decides. Time is
    // counted in the waits themselves (as Inngest counts them), so the approval expires
    // when its TTL of waiting has passed whatever the clocks on either side say.
    let slice = services.approval_slice.max(Duration::from_secs(1));
    let ttl = Duration::from_millis((approval.expires_at - approval.created_at).max(1_000) as u64);
    let mut waited = Duration::ZERO;
    let mut slices = 0;
    let mut draft_was_gone = false;
    for n in 0..MAX_SLICES {
        slices = n + 1;
        let timed_out = waited >= ttl;
        let settled: Settled = step
            .run(&format!("check decision {n}"), || async {
                let record = store
                    .approval(&action_id)
                    .await
                    .map_err(store_error)?
                    .ok_or_else(|| FnError::non_retriable("the approval vanished"))?;
                Ok(settle(&record, services.now_ms(), timed_out))
            })
            .await?;
        if settled != Settled::Waiting {
            break;
        }
        // Front has no webhook for a deleted draft: a draft missing at two checks a
        // slice apart, with no reply sent for it (that supersedes it first), was deleted.
        if n >= 1 {
            let gone: bool = step
                .run(&format!("draft in front {n}"), || {
                    draft_gone(store.as_ref(), &services, &action_id, &conversation_id)
                })
                .await?;
            if gone && draft_was_gone {
                step.run("draft deleted", || async {
                    let started = Instant::now();
                    let reason = "the draft was deleted in Front";
                    if withdraw(
                        store.as_ref(),
                        &services,
                        &action_id,
                        reason,
                        support_core::outcome::Outcome::Deleted,
                    )
                    .await?
                    {
                        let mut row = AuditRow::new(
                            AuditKind::Decision,
                            "superseded",
                            json!({"by": "system", "reason": reason}),
                            started,
                        );
                        row.action_id = Some(action_id.clone());
                        audit.write("draft deleted", row).await?;
                    }
                    Ok(true)
                })
                .await?;
                break;
            }
            draft_was_gone = gone;
        }
        let next = ttl
            .saturating_sub(waited)
            .min(slice)
            .max(Duration::from_secs(1));
        step.wait_for_event(
            &format!("decision {n}"),
            WaitOpts {
                event: names::APPROVAL_DECIDED.into(),
                timeout: next,
                if_expr: Some("event.data.actionId == async.data.actionId".into()),
            },
        )
        .await?;
        waited += next;
    }
    let timed_out = waited >= ttl;

    let outcome: Value = step
        .run("settle", || async {
            let started = Instant::now();
            let now = services.now_ms();
            let record = store.approval(&action_id).await.map_err(store_error)?
                .ok_or_else(|| FnError::non_retriable("the approval vanished"))?;
            let status = match settle(&record, now, timed_out) {
                Settled::Expire => {
                    if store.expire_approval(&action_id, now).await.map_err(store_error)? {
                        store.transition_action(&action_id, &[ActionStatus::Pending], ActionStatus::Expired, None, None, now)
                            .await.map_err(store_error)?;
                        crate::outcomes::record_by_id(store.as_ref(), &services, &action_id, support_core::outcome::Outcome::Expired, now).await;
                        "expired"
                    } else {
                        // Decided at the last moment: read it again on retry.
                        return Err(FnError::new("the approval was decided while expiring"));
                    }
                }
                Settled::Approved => {
                    store.transition_action(&action_id, &[ActionStatus::Pending], ActionStatus::Approved, None, None, now)
                        .await.map_err(store_error)?;
                    "approved"
                }
                Settled::Rejected => {
                    store.transition_action(&action_id, &[ActionStatus::Pending], ActionStatus::Rejected, None, None, now)
                        .await.map_err(store_error)?;
                    "rejected"
                }
                Settled::Expired => "expired",
                Settled::Superseded => "superseded",
                Settled::Waiting => return Err(FnError::new(format!("the approval is still pending after {slices} slices"))),
            };
            let mut row = AuditRow::new(AuditKind::Decision, status, json!({"by": record.decided_by}), started);
            row.action_id = Some(action_id.clone());
            audit.write("settle", row).await?;
            Ok(json!({"status": status, "by": record.decided_by, "reason": (status == "superseded").then_some(record.reason)}))
        })
        .await?;

    match outcome["status"].as_str() {
        Some("approved") => {
            let approved = ActionApproved {
                version: events::ENVELOPE_VERSION,
                action_id: action_id.clone(),
                app_id: app_id.clone(),
                conversation_id: conversation_id.clone(),
            };
            step.send_event(
                "emit approved",
                vec![events::event(
                    names::ACTION_APPROVED,
                    format!("approved-{action_id}"),
                    &approved,
                )],
            )
            .await?;
            // An approved action nobody executes is reported, not forgotten.
            step.sleep("watch the execution", services.execution_watch)
                .await?;
            let stuck: bool = step
                .run("check the execution", || async {
                    let action = store.action(&action_id).await.map_err(store_error)?;
                    let stuck = action.as_ref().is_some_and(|a| {
                        matches!(a.status, ActionStatus::Approved | ActionStatus::Executing)
                    });
                    if stuck {
                        let minutes = services.execution_watch.as_secs() / 60;
                        (services.warn)(&format!(
                            "support-request-approval: action {action_id} was approved {minutes} minutes ago and is not executed"
                        ));
                        notify_thread(
                            store.as_ref(),
                            &services,
                            &action_id,
                            &format!(":warning: Approved {minutes} minutes ago and not executed yet (status {}). Check the support-execute run of this action; nothing runs twice.",
                                action.map(|a| a.status.as_str()).unwrap_or("unknown")),
                        )
                        .await?;
                    }
                    Ok(stuck)
                })
                .await?;
            return Ok(
                json!({"actionId": action_id, "outcome": outcome, "slack": slack, "executionLate": stuck}),
            );
        }
        Some(status) => {
            let reason = outcome["reason"].as_str().map(str::to_owned);
            close(
                &step,
                &store,
                &services,
                &action_id,
                &conversation_id,
                status,
                reason.as_deref(),
            )
            .await?;
        }
        None => {}
    }
    Ok(json!({"actionId": action_id, "outcome": outcome, "slack": slack}))
}

/// Supersede the pending approval for `reason` and record `outcome` as its draft's;
/// false when it was decided first (nothing changes then).
async fn withdraw(
    store: &dyn Store,
    services: &Services,
    action_id: &str,
    reason: &str,
    outcome: support_core::outcome::Outcome,
) -> Result<bool, FnError> {
    let now = services.now_ms();
    let superseded = store
        .supersede(action_id, reason, now)
        .await
        .map_err(store_error)?;
    if superseded {
        crate::outcomes::record_by_id(store, services, action_id, outcome, now).await;
    }
    Ok(superseded)
}

/// Whether the pending action's Front draft is no longer among the conversation's
/// drafts. Unknown (no Front, no draft, Front failing) is "not gone": a deletion is
/// never guessed.
async fn draft_gone(
    store: &dyn Store,
    services: &Services,
    action_id: &str,
    conversation_id: &str,
) -> Result<bool, FnError> {
    let Some(front) = &services.front else {
        return Ok(false);
    };
    let Some(action) = store.action(action_id).await.map_err(store_error)? else {
        return Ok(false);
    };
    let (ActionStatus::Pending, Some(draft)) = (action.status, action.draft_id.as_deref()) else {
        return Ok(false);
    };
    match front.list_conversation_drafts(conversation_id).await {
        Ok(drafts) => Ok(!drafts.iter().any(|d| d.id == draft)),
        Err(e) => {
            (services.warn)(&format!(
                "could not list the drafts of {conversation_id} to see whether {draft} is still there: {e}"
            ));
            Ok(false)
        }
    }
}

/// Rejected, expired or superseded: nothing is sent, the draft goes, the views say so.
async fn close(
    step: &Step,
    store: &Arc<dyn Store>,
    services: &Arc<Services>,
    action_id: &str,
    conversation_id: &str,
    status: &str,
    reason: Option<&str>,
) -> Result<(), FnError> {
    step.run("close", || async {
        let action = store.action(action_id).await.map_err(store_error)?;
        let approval = store.approval(action_id).await.map_err(store_error)?;
        if let (Some(front), Some(action)) = (&services.front, &action) {
            if let Some(draft) = &action.draft_id {
                super::execute::remove_draft(front, conversation_id, draft).await?;
            }
            let ops = FrontOps {
                front,
                store: store.as_ref(),
                services,
            };
            let note = match status {
                "expired" => {
                    "The proposed reply expired: nobody decided in time. Nothing was sent."
                        .to_owned()
                }
                "superseded" => format!(
                    "The proposed reply was superseded ({}). Nothing was sent.",
                    support_core::escape::markdown(reason.unwrap_or("overtaken"))
                ),
                _ => format!(
                    "The proposed reply was rejected{}. Nothing was sent.",
                    approval
                        .as_ref()
                        .and_then(|a| a.decided_by.as_deref())
                        .map(|b| format!(" by {}", support_core::escape::markdown(b)))
                        .unwrap_or_default()
                ),
            };
            ops.comment(conversation_id, &note).await?;
        }
        let line = match status {
            "expired" => Some("Expired: nobody decided in time".to_owned()),
            "superseded" => Some(format!("Superseded: {}", reason.unwrap_or("overtaken"))),
            _ => None,
        };
        if let Some(line) = line {
            if let Err(e) = redraw(store.as_ref(), services, action_id, &line).await {
                if e.is_retriable() {
                    return Err(e);
                }
            }
        }
        Ok(true)
    })
    .await?;
    Ok(())
}

/// The reminder.
pub fn reminder(store: Arc<dyn Store>, services: Arc<Services>) -> ServeFunction {
    let config = FunctionConfig::new(REMINDER_ID)
        .name("Remind the approvers of a pending approval")
        .trigger(Trigger::event(names::APPROVAL_REQUESTED))
        .retries(2)
        .cancel_on(Cancel::on(names::CONVERSATION_SNOOZED).matching("data.conversationId"));
    ServeFunction::new(config, move |input: Input, step: Step| {
        let (store, services) = (store.clone(), services.clone());
        async move {
            let Stage {
                data: ApprovalRequested { action_id, .. },
                ..
            } = crate::pipeline::event_data(&input)?;
            step.sleep("wait 4h", REMINDER_AFTER).await?;
            let reminded: bool = step
                .run("remind", || async {
                    let pending = store
                        .approval(&action_id)
                        .await
                        .map_err(store_error)?
                        .is_some_and(|a| a.status == ActionStatus::Pending);
                    if pending {
                        notify_thread(
                            store.as_ref(),
                            &services,
                            &action_id,
                            ":hourglass: Reminder: this still waits for a decision.",
                        )
                        .await?;
                    }
                    Ok(pending)
                })
                .await?;
            Ok(json!({"reminded": reminded}))
        }
    })
}

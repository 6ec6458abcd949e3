//! `support-request-approval`: the durable approval record, its Slack view, and the
//! wait for a decision. A timeout is its own outcome (`expired`), never a rejection.
//! `support-approval-reminder`: a reminder in the Slack thread after 4 hours while the
//! approval is still pending; snoozing the conversation in Front cancels it.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Value};
use support_core::events::names as intake;
use support_inngest::serve::{
    Cancel, FnError, FunctionConfig, Input, ServeFunction, Step, Trigger, WaitOpts,
};
use support_store::{ActionStatus, ApprovalRecord, AuditKind, Store};
use web_time::Instant;

use super::{blocks, names, notify_thread, redraw};
use crate::pipeline::{load_app, Audit, AuditRow, FrontOps, Services};

/// The function's id.
pub const ID: &str = "support-request-approval";
/// The reminder's id.
pub const REMINDER_ID: &str = "support-approval-reminder";
/// When the reminder goes out.
pub const REMINDER_AFTER: Duration = Duration::from_secs(4 * 3600);
/// How long an approval waits by default (24 h).
pub const DEFAULT_TTL_MINUTES: u32 = 24 * 60;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Requested {
    action_id: String,
    app_id: String,
    conversation_id: String,
}

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

async fn run(
    store: Arc<dyn Store>,
    services: Arc<Services>,
    input: Input,
    step: Step,
) -> Result<Value, FnError> {
    let Requested {
        action_id,
        app_id,
        conversation_id,
    } = crate::pipeline::event_data(&input)?;
    let audit = Audit {
        store: store.as_ref(),
        services: &services,
        run_id: &input.run_id,
        app_id: &app_id,
        conversation_id: &conversation_id,
    };

    let approval: ApprovalRecord = step
        .run("create approval", || async {
            let started = Instant::now();
            let action = store
                .action(&action_id)
                .await
                .map_err(|e| FnError::new(e.to_string()))?
                .ok_or_else(|| FnError::non_retriable(format!("no action {action_id}")))?;
            let app = load_app(store.as_ref(), &app_id).await?;
            let ttl_ms = i64::from(
                app.settings
                    .approval_ttl_minutes
                    .unwrap_or(DEFAULT_TTL_MINUTES)
                    .max(1),
            ) * 60_000;
            let now = services.now_ms();
            let record = store
                .create_approval(&ApprovalRecord {
                    action_id: action.id.clone(),
                    app_id: app_id.clone(),
                    args_hash: action.args_hash.clone(),
                    status: ActionStatus::Pending,
                    expires_at: now + ttl_ms,
                    decided_by: None,
                    decided_at: None,
                    reason: None,
                    edited_reply: None,
                    slack: None,
                    created_at: now,
                })
                .await
                .map_err(|e| FnError::new(e.to_string()))?;
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
            let (Some(slack), Some(action)) = (
                &services.slack,
                store
                    .action(&action_id)
                    .await
                    .map_err(|e| FnError::new(e.to_string()))?,
            ) else {
                return Ok(Value::Null);
            };
            let app = load_app(store.as_ref(), &app_id).await?;
            let Some(channel) = app.settings.approval_channel.clone() else {
                return Ok(json!({"skipped": "the app has no approval channel"}));
            };
            let (text, blocks) = blocks::approval(&action, &app, &approval);
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
                .set_approval_slack(&action_id, &view)
                .await
                .map_err(|e| FnError::new(e.to_string()))?;
            Ok(view)
        })
        .await?;

    let ttl = Duration::from_millis((approval.expires_at - approval.created_at).max(1_000) as u64);
    let decided = step
        .wait_for_event(
            "decision",
            WaitOpts {
                event: names::APPROVAL_DECIDED.into(),
                timeout: ttl,
                if_expr: Some("event.data.actionId == async.data.actionId".into()),
            },
        )
        .await?;

    // The record decides, not the event: a decision made before the wait began (or an
    // event that got lost) is still the decision.
    let outcome: Value = step
        .run("settle", || async {
            let started = Instant::now();
            let now = services.now_ms();
            if decided.is_none() && store.expire_approval(&action_id, now).await.map_err(|e| FnError::new(e.to_string()))? {
                store.transition_action(&action_id, &[ActionStatus::Pending], ActionStatus::Expired, None, None, now)
                    .await.map_err(|e| FnError::new(e.to_string()))?;
            }
            let record = store.approval(&action_id).await.map_err(|e| FnError::new(e.to_string()))?
                .ok_or_else(|| FnError::non_retriable("the approval vanished"))?;
            let status = match record.status {
                ActionStatus::Approved => {
                    store.transition_action(&action_id, &[ActionStatus::Pending], ActionStatus::Approved, None, None, now)
                        .await.map_err(|e| FnError::new(e.to_string()))?;
                    "approved"
                }
                ActionStatus::Rejected => {
                    store.transition_action(&action_id, &[ActionStatus::Pending], ActionStatus::Rejected, None, record.reason.as_deref(), now)
                        .await.map_err(|e| FnError::new(e.to_string()))?;
                    "rejected"
                }
                ActionStatus::Expired => "expired",
                _ => return Err(FnError::new("the approval is still pending after the wait")),
            };
            let mut row = AuditRow::new(AuditKind::Decision, status, json!({"by": record.decided_by, "reason": record.reason, "edited": record.edited_reply.is_some()}), started);
            row.action_id = Some(action_id.clone());
            audit.write("settle", row).await?;
            Ok(json!({"status": status, "by": record.decided_by}))
        })
        .await?;

    match outcome["status"].as_str() {
        Some("approved") => {
            let event = json!({"id": format!("approved-{action_id}"), "name": names::ACTION_APPROVED,
                               "data": {"version": 1, "actionId": action_id, "appId": app_id, "conversationId": conversation_id}});
            step.send_event("emit approved", vec![event]).await?;
        }
        Some(status) => {
            // Rejected or expired: nothing is sent, the draft goes, the views say so.
            let status = status.to_owned();
            step.run("close", || async {
                let action = store
                    .action(&action_id)
                    .await
                    .map_err(|e| FnError::new(e.to_string()))?;
                if let (Some(front), Some(action)) = (&services.front, &action) {
                    if let Some(draft) = &action.draft_id {
                        super::execute::remove_draft(front, &conversation_id, draft).await?;
                    }
                    let ops = FrontOps {
                        front,
                        store: store.as_ref(),
                        services: &services,
                    };
                    let note = if status == "expired" {
                        "The proposed reply expired: nobody decided in time. Nothing was sent."
                            .to_owned()
                    } else {
                        format!(
                            "The proposed reply was rejected{}. Nothing was sent.",
                            outcome["by"]
                                .as_str()
                                .map(|b| format!(" by {b}"))
                                .unwrap_or_default()
                        )
                    };
                    ops.comment(&conversation_id, &note).await?;
                }
                if status == "expired" {
                    if let Err(e) = redraw(
                        store.as_ref(),
                        &services,
                        &action_id,
                        "Expired: nobody decided in time",
                    )
                    .await
                    {
                        if e.is_retriable() {
                            return Err(e);
                        }
                    }
                }
                Ok(true)
            })
            .await?;
        }
        None => {}
    }
    Ok(json!({"actionId": action_id, "outcome": outcome, "slack": slack}))
}

/// The reminder.
pub fn reminder(store: Arc<dyn Store>, services: Arc<Services>) -> ServeFunction {
    let config = FunctionConfig::new(REMINDER_ID)
        .name("Remind the approvers of a pending approval")
        .trigger(Trigger::event(names::APPROVAL_REQUESTED))
        .retries(2)
        .cancel_on(Cancel::on(intake::CONVERSATION_SNOOZED).matching("data.conversationId"));
    ServeFunction::new(config, move |input: Input, step: Step| {
        let (store, services) = (store.clone(), services.clone());
        async move {
            let Requested { action_id, .. } = crate::pipeline::event_data(&input)?;
            step.sleep("wait 4h", REMINDER_AFTER).await?;
            let reminded: bool = step
                .run("remind", || async {
                    let pending = store
                        .approval(&action_id)
                        .await
                        .map_err(|e| FnError::new(e.to_string()))?
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

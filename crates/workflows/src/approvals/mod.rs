//! The human half: approvals (a durable record; Slack is a view of it), decisions
//! recorded once, escalation notices, and actions executed exactly once.
//!
//! - [`request`]: `support/approval.requested` → approval record, Slack message, wait
//!   for `support/approval.decided` (or expiry), then `support/action.approved`; and the
//!   4-hour reminder.
//! - [`decide`]: what a Slack click, a modal or the HTTP API calls to decide.
//! - [`execute`]: `support/action.approved` → each tool call under the ledger, the reply
//!   through Front (the draft replaced), the outcome.
//! - [`escalation`]: `support/inbound.escalated` → a notice in the app's channel.
//! - [`supersede`]: a new customer message or a teammate's reply supersedes the
//!   conversation's pending approvals.
//! - [`retention`]: what people wrote leaves the audit log after its window.

pub mod blocks;
pub mod decide;
pub mod escalation;
pub mod execute;
mod learn;
pub mod request;
pub mod retention;
pub mod supersede;

use serde_json::Value;
use support_inngest::serve::FnError;
use support_store::Store;

use crate::pipeline::{retryable, store_error, Services};

/// Event names of the approval flow (the catalogue is `support_core::events`).
pub mod names {
    pub use support_core::events::names::{
        ACTION_APPROVED, APPROVAL_DECIDED, APPROVAL_REQUESTED, CONVERSATION_SNOOZED,
        INBOUND_RECEIVED, OUTBOUND_MESSAGE,
    };
}

/// A Slack error as a step error (rate limits retried when Slack says).
pub(crate) fn slack_error(e: support_slack::SlackError) -> FnError {
    if e.is_retryable() {
        retryable("Slack", &e, e.retry_after())
    } else {
        FnError::non_retriable(format!("Slack: {e}"))
    }
}

fn slack_ref(view: &Option<Value>) -> Option<(String, String)> {
    let view = view.as_ref()?;
    Some((
        view.get("channel")?.as_str()?.to_owned(),
        view.get("ts")?.as_str()?.to_owned(),
    ))
}

/// A message in the approval's Slack thread (nothing when it has no Slack view), shown
/// as plain text.
pub(crate) async fn notify_thread(
    store: &dyn Store,
    services: &Services,
    action_id: &str,
    text: &str,
) -> Result<(), FnError> {
    let Some(slack) = &services.slack else {
        return Ok(());
    };
    let approval = store.approval(action_id).await.map_err(store_error)?;
    let Some((channel, ts)) = approval.and_then(|a| slack_ref(&a.slack)) else {
        return Ok(());
    };
    slack
        .post_message(&blocks::thread_reply(&channel, &ts, text))
        .await
        .map_err(slack_error)?;
    Ok(())
}

/// Redraw the approval's Slack message with its current state and `status_line`.
pub async fn redraw(
    store: &dyn Store,
    services: &Services,
    action_id: &str,
    status_line: &str,
) -> Result<(), FnError> {
    let Some(slack) = &services.slack else {
        return Ok(());
    };
    let approval = store.approval(action_id).await.map_err(store_error)?;
    let Some(approval) = approval else {
        return Ok(());
    };
    let Some((channel, ts)) = slack_ref(&approval.slack) else {
        return Ok(());
    };
    let Some(action) = store.action(action_id).await.map_err(store_error)? else {
        return Ok(());
    };
    let app_name = match store.app(&action.app_id).await {
        Ok(Some(app)) => app.name,
        _ => action.app_id.clone(),
    };
    let (text, blocks) = blocks::decided(&action, &approval, &app_name, status_line);
    slack
        .update(&support_slack::Update {
            channel,
            ts,
            text,
            blocks,
        })
        .await
        .map_err(slack_error)?;
    Ok(())
}

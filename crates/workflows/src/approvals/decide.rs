//! Recording a human's decision, wherever it comes from (a Slack button or modal, the
//! HTTP API): only an allowed approver decides, a decision is recorded once (the store's
//! conditional update), and the approval's wait is woken with
//! `support/approval.decided`. Framework-neutral: the worker's routes parse and verify,
//! then call these.

use serde::Serialize;
use serde_json::{json, Value};
use support_inngest::serve::EventSender;
use support_store::{ActionStatus, AuditEntry, AuditKind, DecideOutcome, Decision, Store};

use super::names;
use crate::pipeline::{load_app, Services};

/// What the human chose.
#[derive(Debug, Clone, PartialEq)]
pub enum Choice {
    /// Send as proposed.
    Approve,
    /// Send this text instead (and run the proposed tool calls).
    Edit(String),
    /// Send nothing.
    Reject(Option<String>),
}

/// What recording it did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "result")]
pub enum Recorded {
    /// This decision is the one.
    Decided {
        /// `approved` or `rejected`.
        status: ActionStatus,
    },
    /// Someone decided first, or it expired.
    AlreadyDecided {
        /// What it is.
        status: ActionStatus,
        /// By whom.
        by: Option<String>,
    },
    /// The decider is not an approver of the app.
    NotAllowed,
    /// The arguments changed since the request: the approval is void.
    ArgumentsChanged,
    /// No such action.
    NotFound,
}

/// Record `choice` on `action_id` by `user`, who saw the arguments hashed `seen_hash`
/// (the Slack button carries it; `None` when the caller did not show one).
pub async fn record(
    store: &dyn Store,
    services: &Services,
    events: &dyn EventSender,
    action_id: &str,
    user: &str,
    choice: Choice,
    seen_hash: Option<&str>,
) -> Result<Recorded, String> {
    let Some(action) = store.action(action_id).await.map_err(|e| e.to_string())? else {
        return Ok(Recorded::NotFound);
    };
    let app = load_app(store, &action.app_id)
        .await
        .map_err(|e| e.to_string())?;
    if !app.settings.approvers.iter().any(|a| a == user) {
        return Ok(Recorded::NotAllowed);
    }
    let now = services.now_ms();
    let (status, reason, edited) = match choice {
        Choice::Approve => (ActionStatus::Approved, None, None),
        Choice::Edit(text) => (ActionStatus::Approved, None, Some(text)),
        Choice::Reject(reason) => (ActionStatus::Rejected, reason, None),
    };
    // The hash of the arguments as they are now: if they changed since the request,
    // it differs from the one the approval was requested for, and nothing is decided.
    let current = support_store::canonical_hash(
        &serde_json::to_value(&action.proposals).unwrap_or(Value::Null),
    );
    if seen_hash.is_some_and(|seen| seen != current) {
        return Ok(Recorded::ArgumentsChanged);
    }
    let decision = Decision {
        status,
        by: user.to_owned(),
        at: now,
        reason: reason.clone(),
        edited_reply: edited.clone(),
        args_hash: current,
    };
    let outcome = store
        .decide(action_id, &decision)
        .await
        .map_err(|e| e.to_string())?;
    match outcome {
        DecideOutcome::Decided(record) => {
            let audit = AuditEntry {
                id: format!("decision:{action_id}"),
                at_ms: now,
                app_id: Some(action.app_id.clone()),
                conversation_id: Some(action.conversation_id.clone()),
                run_id: None,
                action_id: Some(action_id.to_owned()),
                kind: AuditKind::Decision,
                name: record.status.as_str().to_owned(),
                input: json!({"by": user, "reason": reason, "edited": edited.is_some()}),
                output: edited.as_ref().map(|e| json!({"editedReply": e})),
                error: None,
                duration_ms: None,
                usage: None,
            };
            store.audit(&[audit]).await.map_err(|e| e.to_string())?;
            // Wake the approval's wait. If this send is lost, the wait's timeout still
            // reads the recorded decision.
            let event = json!({"id": format!("decided-{action_id}"), "name": names::APPROVAL_DECIDED,
                               "data": {"version": 1, "actionId": action_id, "appId": action.app_id,
                                        "conversationId": action.conversation_id, "status": record.status, "by": user}});
            let _ = events.send(&[event]).await;
            Ok(Recorded::Decided {
                status: record.status,
            })
        }
        DecideOutcome::AlreadyDecided(record) => Ok(Recorded::AlreadyDecided {
            status: record.status,
            by: record.decided_by,
        }),
        DecideOutcome::ArgumentsChanged => Ok(Recorded::ArgumentsChanged),
        DecideOutcome::NotFound => Ok(Recorded::NotFound),
    }
}

/// The pending actions an app's dashboard shows, with what an approver needs.
pub async fn pending(store: &dyn Store, app_id: Option<&str>, limit: u32) -> Result<Value, String> {
    let actions = store
        .pending_actions(app_id, limit)
        .await
        .map_err(|e| e.to_string())?;
    Ok(json!({"approvals": actions.iter().map(|a| json!({
        "actionId": a.id, "appId": a.app_id, "conversationId": a.conversation_id, "reply": a.reply,
        "proposals": a.proposals, "argsHash": a.args_hash, "context": a.context, "createdAt": a.created_at,
    })).collect::<Vec<_>>()}))
}

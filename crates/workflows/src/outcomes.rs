//! Recording what became of a message and its draft ([`support_core::outcome`]) as it
//! happens: `pending` when the draft is proposed, then a decision, a send from Front, an
//! expiry, a supersession; or `no_draft` when the message went to a person. One row per
//! message, keyed by its action id; the first outcome after `pending` wins, so a retried
//! step or a late second path never rewrites it. A failure to record is reported to the
//! operators (`Services::warn`) and never undoes the decision it describes.

use support_core::classify::Category;
use support_core::outcome::{classify_edit, Outcome};
use support_core::records::{ActionRecord, ActionStatus};
use support_store::{OutcomeRecord, Store};

use crate::pipeline::respond::{action_id, DRAFT_LINK_NOTE};
use crate::pipeline::{Message, Services};

/// How a reply a teammate sent from Front differs from the draft they were shown
/// (where the login link will go, the draft showed a note).
pub fn of_send(action: &ActionRecord, sent: &str) -> Outcome {
    let shown = action.reply.replace(
        support_core::effect::LOGIN_LINK_PLACEHOLDER,
        DRAFT_LINK_NOTE,
    );
    Outcome::Sent {
        edit: classify_edit(&shown, sent),
    }
}

/// Record that `message` needed an answer and got no draft (it went to a person, or
/// the agent stayed silent).
pub async fn record_no_draft(
    store: &dyn Store,
    services: &Services,
    message: &Message,
    category: Category,
    now_ms: i64,
) {
    let row = OutcomeRecord {
        action_id: action_id(&message.front_event_id),
        app_id: message.app_id.clone(),
        category: category.as_str().to_owned(),
        conversation_id: message.conversation_id.clone(),
        outcome: Outcome::NoDraft,
        received_at_ms: message.received_at,
        drafted_at_ms: None,
        at_ms: now_ms,
    };
    if let Err(e) = store.record_outcome(&row).await {
        (services.warn)(&format!(
            "could not record that {} got no draft: {e}",
            row.action_id
        ));
    }
}

/// The outcome a decision means: approved as written, edited then approved (with the
/// edit's size), or rejected.
pub fn of_decision(
    action: &ActionRecord,
    status: ActionStatus,
    edited_reply: Option<&str>,
) -> Option<Outcome> {
    match (status, edited_reply) {
        (ActionStatus::Approved, Some(edited)) => Some(Outcome::EditedApproved {
            edit: classify_edit(&action.reply, edited),
        }),
        (ActionStatus::Approved, None) => Some(Outcome::Approved),
        (ActionStatus::Rejected, _) => Some(Outcome::Rejected),
        (ActionStatus::Expired, _) => Some(Outcome::Expired),
        (ActionStatus::Superseded, _) => Some(Outcome::Superseded),
        _ => None,
    }
}

/// Record `outcome` for `action`'s draft at `now_ms`.
pub async fn record(
    store: &dyn Store,
    services: &Services,
    action: &ActionRecord,
    outcome: Outcome,
    now_ms: i64,
) {
    let category = action
        .context
        .get("category")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("unknown")
        .to_owned();
    let row = OutcomeRecord {
        action_id: action.id.clone(),
        app_id: action.app_id.clone(),
        category,
        conversation_id: action.conversation_id.clone(),
        outcome,
        received_at_ms: action
            .context
            .get("receivedAt")
            .and_then(serde_json::Value::as_i64),
        drafted_at_ms: Some(action.created_at),
        at_ms: now_ms,
    };
    match store.record_outcome(&row).await {
        // A verdict can lower trust: auto-send may have to go off.
        Ok(true) if row.outcome.value().is_some() => {
            crate::autosend::recheck(store, services, &row.app_id, &row.category).await;
        }
        Ok(_) => {}
        Err(e) => (services.warn)(&format!(
            "could not record the outcome of {}: {e}",
            action.id
        )),
    }
}

/// Record the outcome of `action_id`'s draft, reading the action first.
pub async fn record_by_id(
    store: &dyn Store,
    services: &Services,
    action_id: &str,
    outcome: Outcome,
    now_ms: i64,
) {
    match store.action(action_id).await {
        Ok(Some(action)) => record(store, services, &action, outcome, now_ms).await,
        Ok(None) => {}
        Err(e) => (services.warn)(&format!(
            "could not read {action_id} to record its outcome: {e}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use support_core::outcome::Edit;

    #[test]
    fn a_decision_is_approved_edited_by_its_size_or_rejected() {
        let action = ActionRecord {
            id: "act_1".into(),
            app_id: "a".into(),
            conversation_id: "cnv_1".into(),
            run_id: "run_1".into(),
            reply:
                "Hi Dana, I've refunded your purchase. You'll see the money in 5 to 10 days. Sam"
                    .into(),
            proposals: vec![],
            args_hash: String::new(),
            draft_id: None,
            context: json!({"category": "support_refund"}),
            status: ActionStatus::Pending,
            executor: None,
            created_at: 1,
            updated_at: 1,
            result: None,
            error: None,
        };
        assert_eq!(
            of_decision(&action, ActionStatus::Approved, None),
            Some(Outcome::Approved)
        );
        assert_eq!(
            of_decision(
                &action,
                ActionStatus::Approved,
                Some("Hi Dana, I've refunded your purchase. You'll see the money within 5 to 10 business days. Sam"),
            ),
            Some(Outcome::EditedApproved { edit: Edit::MinorEdit })
        );
        assert_eq!(
            of_decision(
                &action,
                ActionStatus::Approved,
                Some("Hi Dana, this one is outside the refund window, sorry. Sam")
            ),
            Some(Outcome::EditedApproved {
                edit: Edit::MajorRewrite
            })
        );
        assert_eq!(
            of_decision(&action, ActionStatus::Rejected, None),
            Some(Outcome::Rejected)
        );
        assert_eq!(of_decision(&action, ActionStatus::Executed, None), None);
    }
}

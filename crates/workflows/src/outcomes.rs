//! Recording what became of a draft ([`support_core::outcome`]) as it happens: a
//! decision, an expiry, a supersession. One row per action; the first wins, so a retried
//! step or a late second path never rewrites it. A failure to record is reported to the
//! operators (`Services::warn`) and never undoes the decision it describes.

use support_core::outcome::{classify_edit, Outcome};
use support_core::records::{ActionRecord, ActionStatus};
use support_store::{OutcomeRecord, Store};

use crate::pipeline::Services;

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
        drafted_at_ms: action.created_at,
        at_ms: now_ms,
    };
    if let Err(e) = store.record_outcome(&row).await {
        (services.warn)(&format!(
            "could not record the outcome of {}: {e}",
            action.id
        ));
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

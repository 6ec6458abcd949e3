//! Corrections as they happen ([`support_core::correction`]): an edited draft (in an
//! approval, or sent from Front changed) or a rejection with its reason is written with
//! the customer's question, every text scrubbed of the customer's names, emails, ids and
//! links first. Read back per app for the agent's prompt and the validator.

use support_core::correction::{clip, Correction, CorrectionKind};
use support_core::outcome::{Edit, Outcome};
use support_core::records::ActionRecord;
use support_core::scrub::scrub;
use support_store::Store;

use crate::pipeline::Services;

/// How far back corrections are read for a new message (days).
pub const WINDOW_DAYS: i64 = 180;
/// How many of the newest are compared with a new message.
pub const READ: u32 = 200;

/// The correction `outcome` makes of `action`'s draft, if any: an edit that changed
/// words (`sent` is what went out), or a rejection.
pub fn of_outcome(
    action: &ActionRecord,
    outcome: &Outcome,
    sent: Option<&str>,
    reason: Option<&str>,
    now_ms: i64,
) -> Option<Correction> {
    let (kind, corrected) = match outcome {
        Outcome::Sent { edit } | Outcome::EditedApproved { edit } if *edit != Edit::Unchanged => {
            (CorrectionKind::Edit, Some(sent?))
        }
        Outcome::Rejected => (CorrectionKind::Rejection, None),
        _ => return None,
    };
    let text = |key: &str| {
        action
            .context
            .pointer(key)
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    };
    let names: Vec<String> = [text("/customerName"), text("/account/name")]
        .into_iter()
        .flatten()
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let clean = |t: &str| clip(&scrub(t, &names));
    Some(Correction {
        id: action.id.clone(),
        app_id: action.app_id.clone(),
        category: text("/category").unwrap_or_else(|| "unknown".into()),
        kind,
        question: clean(&text("/request").unwrap_or_default()),
        draft: clean(&action.reply),
        corrected: corrected.map(clean),
        reason: reason.filter(|r| !r.trim().is_empty()).map(clean),
        at_ms: now_ms,
    })
}

/// Record the correction `outcome` makes, if any. A failure is reported, never raised.
pub async fn record(
    store: &dyn Store,
    services: &Services,
    action: &ActionRecord,
    outcome: &Outcome,
    sent: Option<&str>,
    reason: Option<&str>,
    now_ms: i64,
) {
    let Some(correction) = of_outcome(action, outcome, sent, reason, now_ms) else {
        return;
    };
    if let Err(e) = store.record_correction(&correction).await {
        (services.warn)(&format!(
            "could not record the correction of {}: {e}",
            action.id
        ));
    }
}

/// An app's corrections recent enough to be shown, newest first.
pub async fn recent(
    store: &dyn Store,
    app_id: &str,
    now_ms: i64,
) -> Result<Vec<Correction>, support_store::StoreError> {
    store
        .corrections(app_id, now_ms - WINDOW_DAYS * 86_400_000, READ)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use support_core::records::ActionStatus;

    fn action() -> ActionRecord {
        ActionRecord {
            id: "act_1".into(),
            app_id: "tt".into(),
            conversation_id: "cnv_1".into(),
            run_id: "run_1".into(),
            reply: "Hi Dana Lee, download it at https://tt.example/invoices?token=abc from your account dana@example.com.".into(),
            proposals: vec![],
            args_hash: String::new(),
            draft_id: None,
            context: json!({"category": "support_billing", "customerName": "Dana Lee",
                "request": "Where is my invoice? I'm Dana, ch_3Acme0001 was the charge."}),
            status: ActionStatus::Pending,
            executor: None,
            created_at: 1,
            updated_at: 1,
            result: None,
            error: None,
        }
    }

    #[test]
    fn an_edit_or_a_rejection_is_kept_scrubbed_and_nothing_else_is() {
        let edit = Outcome::EditedApproved {
            edit: Edit::MajorRewrite,
        };
        let c = of_outcome(
            &action(),
            &edit,
            Some("Hi Dana, billing emails it."),
            None,
            5,
        )
        .unwrap();
        assert_eq!(c.kind, CorrectionKind::Edit);
        assert_eq!(c.category, "support_billing");
        assert_eq!(
            c.question,
            "Where is my invoice? I'm [name], [id] was the charge."
        );
        assert!(
            !c.draft.contains("Dana") && !c.draft.contains("dana@") && !c.draft.contains("token="),
            "{}",
            c.draft
        );
        assert_eq!(
            c.corrected.as_deref(),
            Some("Hi [name], billing emails it.")
        );
        let rejected = of_outcome(
            &action(),
            &Outcome::Rejected,
            None,
            Some("Dana gets invoices by post"),
            5,
        )
        .unwrap();
        assert_eq!(
            rejected.reason.as_deref(),
            Some("[name] gets invoices by post")
        );
        for nothing in [
            Outcome::Approved,
            Outcome::Sent {
                edit: Edit::Unchanged,
            },
            Outcome::Expired,
            Outcome::AutoSent,
        ] {
            assert_eq!(
                of_outcome(&action(), &nothing, Some("x"), None, 5),
                None,
                "{nothing:?}"
            );
        }
    }
}

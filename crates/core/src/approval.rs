//! The approval's decisions as pure functions, used by Slack, the HTTP API and the
//! workflows alike: who may decide and what ([`decide`]), whether an effect may run
//! now ([`may_execute`]), and what a waiting approval has become ([`settle`]).

use serde::Serialize;

use crate::effect::{Effect, LOGIN_LINK_PLACEHOLDER};
use crate::records::{ActionRecord, ActionStatus, ApprovalRecord, Decision};

/// What the human chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// Send as proposed.
    Approve,
    /// Send this text instead (and run the proposed effects).
    Edit(String),
    /// Send nothing.
    Reject(Option<String>),
}

/// Why nothing was recorded, as the decider is told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "result")]
pub enum Refused {
    /// The decider is not an approver of the app.
    NotAllowed,
    /// Someone decided first, or it was superseded.
    AlreadyDecided {
        /// What it is.
        status: ActionStatus,
        /// By whom.
        by: Option<String>,
    },
    /// Nobody decided in time.
    Expired,
    /// The arguments changed since the request: the approval is void.
    ArgumentsChanged,
    /// The edited reply cannot be sent as it is.
    InvalidEdit {
        /// Why, for the decider.
        reason: String,
    },
}

/// Longest reply an approver may write (Front takes far more; this keeps a record sane).
pub const MAX_REPLY_CHARS: usize = 20_000;

/// Check an edited reply: not empty, not absurdly long, and the login link's placeholder
/// only where the agent proposed a login link (else it would go out as text).
pub fn check_edit(action: &ActionRecord, text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err("The reply cannot be empty".into());
    }
    if text.chars().count() > MAX_REPLY_CHARS {
        return Err(format!(
            "The reply is longer than {MAX_REPLY_CHARS} characters"
        ));
    }
    let has_link = action
        .proposals
        .iter()
        .any(|p| matches!(p, Effect::LoginLink(_)));
    if text.contains(LOGIN_LINK_PLACEHOLDER) && !has_link {
        return Err(format!(
            "{LOGIN_LINK_PLACEHOLDER} is only replaced by a login link when the agent proposed one; remove it"
        ));
    }
    Ok(())
}

/// What to record for `choice` by `by`, who saw the arguments hashed `seen_hash`, or why
/// nothing is. The store then records it with one conditional write (which settles
/// races between deciders).
pub fn decide(
    action: &ActionRecord,
    approval: &ApprovalRecord,
    approvers: &[String],
    by: &str,
    choice: Choice,
    seen_hash: Option<&str>,
    now_ms: i64,
) -> Result<Decision, Refused> {
    if by.trim().is_empty() || !approvers.iter().any(|a| a == by) {
        return Err(Refused::NotAllowed);
    }
    match approval.status {
        ActionStatus::Pending if approval.expires_at <= now_ms => return Err(Refused::Expired),
        ActionStatus::Pending => {}
        ActionStatus::Expired => return Err(Refused::Expired),
        status => {
            return Err(Refused::AlreadyDecided {
                status,
                by: approval.decided_by.clone(),
            })
        }
    }
    let current = action.current_hash();
    if current != approval.args_hash || seen_hash.is_some_and(|seen| seen != current) {
        return Err(Refused::ArgumentsChanged);
    }
    let (status, reason, edited_reply) = match choice {
        Choice::Approve => (ActionStatus::Approved, None, None),
        Choice::Edit(text) => {
            check_edit(action, &text).map_err(|reason| Refused::InvalidEdit { reason })?;
            (ActionStatus::Approved, None, Some(text))
        }
        Choice::Reject(reason) => (
            ActionStatus::Rejected,
            reason.filter(|r| !r.trim().is_empty()),
            None,
        ),
    };
    Ok(Decision {
        status,
        by: by.to_owned(),
        at: now_ms,
        reason,
        edited_reply,
        args_hash: current,
    })
}

/// Whether an effect of `action` may run now, for the execution `run_id`: the approval
/// says approved, for exactly these arguments, and this execution holds the claim.
/// Read both records again right before each effect.
pub fn may_execute(
    action: &ActionRecord,
    approval: &ApprovalRecord,
    run_id: &str,
) -> Result<(), String> {
    if approval.action_id != action.id {
        return Err("the approval is for another action".into());
    }
    if approval.status != ActionStatus::Approved {
        return Err(format!("the approval is {}", approval.status.as_str()));
    }
    if approval.args_hash != action.current_hash() || action.args_hash != approval.args_hash {
        return Err("the action's arguments changed after approval".into());
    }
    match (&action.status, action.executor.as_deref()) {
        (ActionStatus::Executing, Some(executor)) if executor == run_id => Ok(()),
        (ActionStatus::Executing, _) => Err("another execution holds this action".into()),
        (status, _) => Err(format!("the action is {}, not executing", status.as_str())),
    }
}

/// The reply that goes out: the approver's edit, else the proposal.
pub fn reply_to_send<'a>(action: &'a ActionRecord, approval: &'a ApprovalRecord) -> &'a str {
    approval
        .edited_reply
        .as_deref()
        .filter(|e| !e.trim().is_empty())
        .unwrap_or(&action.reply)
}

/// What a waiting approval has become.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Settled {
    /// Still waiting.
    Waiting,
    /// Its time is up and nobody decided: record the expiry.
    Expire,
    /// Approved.
    Approved,
    /// Rejected.
    Rejected,
    /// Expired.
    Expired,
    /// Superseded.
    Superseded,
}

/// What `approval` has become at `now_ms`, `waited_out` saying whether its wait has
/// already lasted its whole time to live (the waits count time as Inngest does, which
/// need not be the platform's clock).
pub fn settle(approval: &ApprovalRecord, now_ms: i64, waited_out: bool) -> Settled {
    match approval.status {
        ActionStatus::Pending if waited_out || approval.expires_at <= now_ms => Settled::Expire,
        ActionStatus::Pending => Settled::Waiting,
        ActionStatus::Approved
        | ActionStatus::Executing
        | ActionStatus::Executed
        | ActionStatus::Failed => Settled::Approved,
        ActionStatus::Rejected => Settled::Rejected,
        ActionStatus::Expired => Settled::Expired,
        ActionStatus::Superseded => Settled::Superseded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::effect::{Account, LoginLink};
    use serde_json::json;

    fn action(proposals: Vec<Effect>) -> ActionRecord {
        let mut action = ActionRecord {
            id: "act_1".into(),
            app_id: "tt".into(),
            conversation_id: "cnv_1".into(),
            run_id: "run".into(),
            reply: "Hi".into(),
            proposals,
            args_hash: String::new(),
            draft_id: None,
            context: json!({}),
            status: ActionStatus::Pending,
            executor: None,
            created_at: 0,
            updated_at: 0,
            result: None,
            error: None,
        };
        action.args_hash = action.current_hash();
        action
    }

    fn approval(action: &ActionRecord) -> ApprovalRecord {
        ApprovalRecord {
            action_id: action.id.clone(),
            app_id: "tt".into(),
            args_hash: action.args_hash.clone(),
            status: ActionStatus::Pending,
            expires_at: 1_000,
            decided_by: None,
            decided_at: None,
            reason: None,
            edited_reply: None,
            slack: None,
            created_at: 0,
        }
    }

    fn link() -> Effect {
        Effect::LoginLink(LoginLink {
            account: Account {
                user_id: "u".into(),
                email: "d@e.co".into(),
                name: None,
            },
            expires_in_secs: 300,
        })
    }

    const APPROVERS: &[&str] = &["U1"];

    fn approvers() -> Vec<String> {
        APPROVERS.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn an_approver_decides_a_pending_approval_once() {
        let a = action(vec![]);
        let decision = decide(
            &a,
            &approval(&a),
            &approvers(),
            "U1",
            Choice::Approve,
            Some(&a.args_hash),
            10,
        )
        .unwrap();
        assert_eq!(decision.status, ActionStatus::Approved);
        assert_eq!(decision.args_hash, a.args_hash);
        let rejected = decide(
            &a,
            &approval(&a),
            &approvers(),
            "U1",
            Choice::Reject(Some("  ".into())),
            None,
            10,
        )
        .unwrap();
        assert_eq!(
            (rejected.status, rejected.reason),
            (ActionStatus::Rejected, None)
        );
    }

    #[test]
    fn every_refusal_says_what_happened() {
        let a = action(vec![]);
        let d = |approval: &ApprovalRecord, by: &str, seen: Option<&str>, now| {
            decide(&a, approval, &approvers(), by, Choice::Approve, seen, now)
        };
        assert_eq!(d(&approval(&a), "U2", None, 10), Err(Refused::NotAllowed));
        assert_eq!(d(&approval(&a), "", None, 10), Err(Refused::NotAllowed));
        assert_eq!(
            d(&approval(&a), "U1", None, 1_000),
            Err(Refused::Expired),
            "a click after the expiry says expired"
        );
        assert_eq!(
            d(&approval(&a), "U1", Some("other"), 10),
            Err(Refused::ArgumentsChanged)
        );
        let mut decided = approval(&a);
        decided.status = ActionStatus::Approved;
        decided.decided_by = Some("U9".into());
        assert_eq!(
            d(&decided, "U1", None, 10),
            Err(Refused::AlreadyDecided {
                status: ActionStatus::Approved,
                by: Some("U9".into())
            })
        );
        let mut superseded = approval(&a);
        superseded.status = ActionStatus::Superseded;
        assert!(matches!(
            d(&superseded, "U1", None, 10),
            Err(Refused::AlreadyDecided {
                status: ActionStatus::Superseded,
                ..
            })
        ));
        let mut changed = a.clone();
        changed.proposals.push(link());
        assert_eq!(
            decide(
                &changed,
                &approval(&a),
                &approvers(),
                "U1",
                Choice::Approve,
                None,
                10
            ),
            Err(Refused::ArgumentsChanged)
        );
    }

    #[test]
    fn an_edit_keeps_the_link_placeholder_only_with_a_proposed_link() {
        let plain = action(vec![]);
        let edit = |a: &ActionRecord, text: &str| {
            decide(
                a,
                &approval(a),
                &approvers(),
                "U1",
                Choice::Edit(text.into()),
                None,
                10,
            )
        };
        assert!(matches!(
            edit(&plain, "Log in: {{login_link}}"),
            Err(Refused::InvalidEdit { .. })
        ));
        assert!(matches!(
            edit(&plain, "   "),
            Err(Refused::InvalidEdit { .. })
        ));
        assert_eq!(
            edit(&plain, "Hello").unwrap().edited_reply.as_deref(),
            Some("Hello")
        );
        let with_link = action(vec![link()]);
        assert!(edit(&with_link, "Log in: {{login_link}}").is_ok());
    }

    #[test]
    fn only_the_claiming_execution_of_the_approved_arguments_runs_effects() {
        let mut a = action(vec![link()]);
        let mut ap = approval(&a);
        ap.status = ActionStatus::Approved;
        a.status = ActionStatus::Executing;
        a.executor = Some("run_1".into());
        assert_eq!(may_execute(&a, &ap, "run_1"), Ok(()));
        assert!(may_execute(&a, &ap, "run_2").is_err());
        let mut pending = ap.clone();
        pending.status = ActionStatus::Pending;
        assert!(may_execute(&a, &pending, "run_1").is_err());
        let mut changed = a.clone();
        changed.proposals.clear();
        assert!(may_execute(&changed, &ap, "run_1")
            .unwrap_err()
            .contains("changed"));
        let mut approved = a.clone();
        approved.status = ActionStatus::Approved;
        assert!(may_execute(&approved, &ap, "run_1").is_err(), "claim first");
    }

    #[test]
    fn settling_reads_the_record_and_the_clock() {
        let a = action(vec![]);
        let mut ap = approval(&a);
        assert_eq!(settle(&ap, 10, false), Settled::Waiting);
        assert_eq!(settle(&ap, 1_000, false), Settled::Expire);
        assert_eq!(settle(&ap, 10, true), Settled::Expire, "the wait is over");
        for (status, settled) in [
            (ActionStatus::Approved, Settled::Approved),
            (ActionStatus::Rejected, Settled::Rejected),
            (ActionStatus::Expired, Settled::Expired),
            (ActionStatus::Superseded, Settled::Superseded),
        ] {
            ap.status = status;
            assert_eq!(
                settle(&ap, 2_000, true),
                settled,
                "a decision beats a timeout"
            );
        }
    }

    #[test]
    fn the_edit_is_what_goes_out() {
        let a = action(vec![]);
        let mut ap = approval(&a);
        assert_eq!(reply_to_send(&a, &ap), "Hi");
        ap.edited_reply = Some("Edited".into());
        assert_eq!(reply_to_send(&a, &ap), "Edited");
    }
}

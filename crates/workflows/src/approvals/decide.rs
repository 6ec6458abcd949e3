//! Recording a human's decision, wherever it comes from (a Slack button or modal, the
//! HTTP API): [`support_core::approval::decide`] says what may be recorded (only an
//! app's approvers, only while pending and unexpired, only for the arguments they saw),
//! the store records it once (one conditional update, with its audit row in the same
//! atomic batch); the decider is answered then. Waking the approval's wait (`support/approval.decided`),
//! the draft's outcome and the correction follow ([`AfterDecision`], run after the
//! answer by the worker). Framework-neutral: the worker's routes parse and verify, then
//! call these.

use serde::Serialize;
use serde_json::{json, Value};
use support_core::approval::{self, Choice, Refused};
use support_core::events::{self, names as event_names, ApprovalDecided};
use support_inngest::serve::EventSender;
use support_store::{ActionRecord, ActionStatus, AuditEntry, AuditKind, DecideOutcome, Store};

use crate::pipeline::{load_app, Services};

/// What recording did, as the decider is told. As JSON: `{"result": "decided",
/// "status"}`, a [`Refused`] as itself (`{"result": "already_decided", ...}`), or
/// `{"result": "not_found"}`.
#[derive(Debug, Clone, PartialEq)]
pub enum Recorded {
    /// This decision is the one.
    Decided {
        /// `approved` or `rejected`.
        status: ActionStatus,
    },
    /// Nothing was recorded, and why.
    Refused(Refused),
    /// No such action.
    NotFound,
}

impl Serialize for Recorded {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Recorded::Decided { status } => {
                json!({"result": "decided", "status": status}).serialize(serializer)
            }
            Recorded::Refused(refused) => refused.serialize(serializer),
            Recorded::NotFound => json!({"result": "not_found"}).serialize(serializer),
        }
    }
}

impl Recorded {
    /// The HTTP status the API answers with.
    pub fn http_status(&self) -> u16 {
        match self {
            Recorded::Decided { .. } => 200,
            Recorded::Refused(Refused::NotAllowed) => 403,
            Recorded::Refused(Refused::InvalidEdit { .. }) => 400,
            Recorded::Refused(_) => 409,
            Recorded::NotFound => 404,
        }
    }

    /// What the decider reads (Slack's ephemeral message or modal error).
    pub fn message(&self) -> String {
        match self {
            Recorded::Decided { status } => format!("Recorded: {}.", status.as_str()),
            Recorded::Refused(Refused::NotAllowed) => {
                "You are not an approver for this app, so nothing changed.".into()
            }
            Recorded::Refused(Refused::AlreadyDecided { status, by }) => {
                let by = match by.as_deref() {
                    Some("system") | None => String::new(),
                    Some(by) => format!(" by <@{by}>"),
                };
                match status {
                    ActionStatus::Superseded => format!(
                        "This approval was superseded{by} (the customer wrote again or a teammate replied); nothing changed and nothing will run."
                    ),
                    status => format!("This was already {}{by}; your decision was not applied.", status.as_str()),
                }
            }
            Recorded::Refused(Refused::Expired) => {
                "This approval expired: nobody decided in time, so nothing changed and nothing will run.".into()
            }
            Recorded::Refused(Refused::ArgumentsChanged) => {
                "The proposed actions changed since this request; this approval no longer applies.".into()
            }
            Recorded::Refused(Refused::InvalidEdit { reason }) => reason.clone(),
            Recorded::NotFound => "This approval no longer exists.".into(),
        }
    }
}

/// Where a decision was made: the audit log says so beside who made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    /// A Slack button or modal.
    Slack,
    /// The dashboard.
    Dashboard,
    /// The approvals HTTP API.
    Api,
}

/// Record `choice` on `action_id` by `user` (a Slack user id, from Slack's verified
/// payload, the API token's person or the dashboard's signed-in person), who saw the
/// arguments hashed `seen_hash` (the Slack button and the dashboard's form carry it;
/// `None` when the caller did not show one), made `via` one of the surfaces; and what
/// follows a decision ([`AfterDecision`]) before returning.
#[allow(clippy::too_many_arguments)]
pub async fn record(
    store: &dyn Store,
    services: &Services,
    events: &dyn EventSender,
    action_id: &str,
    user: &str,
    choice: Choice,
    seen_hash: Option<&str>,
    via: Via,
) -> Result<Recorded, String> {
    let mut after = None;
    let recorded = record_then(
        store,
        services,
        Decider {
            action_id,
            user,
            choice,
            seen_hash,
            via,
        },
        None,
        &mut |next| after = Some(next),
    )
    .await;
    if let Some(after) = after {
        after.run(store, services, events).await;
    }
    recorded
}

/// Who decided what, and where.
#[derive(Debug, Clone)]
pub struct Decider<'a> {
    /// The action decided.
    pub action_id: &'a str,
    /// The person (a Slack user id).
    pub user: &'a str,
    /// Approve, edit or reject.
    pub choice: Choice,
    /// The arguments' hash the person saw, when the surface showed one.
    pub seen_hash: Option<&'a str>,
    /// The surface.
    pub via: Via,
}

/// Record a decision and answer as soon as it and its audit row are stored (one atomic
/// batch: both or neither); what follows ([`AfterDecision`]: waking the approval's wait,
/// the draft's outcome, the correction) is handed to `then`, for the caller to run after
/// answering (the worker's `wait_until`). `action` is the action when the caller has
/// already read it; the approval and the app are read together.
pub async fn record_then(
    store: &dyn Store,
    services: &Services,
    decider: Decider<'_>,
    action: Option<ActionRecord>,
    then: &mut dyn FnMut(AfterDecision),
) -> Result<Recorded, String> {
    let Decider {
        action_id,
        user,
        choice,
        seen_hash,
        via,
    } = decider;
    let action = match action.filter(|a| a.id == action_id) {
        Some(action) => action,
        None => match store.action(action_id).await.map_err(|e| e.to_string())? {
            Some(action) => action,
            None => return Ok(Recorded::NotFound),
        },
    };
    // The approval and the app's approvers, read together.
    let (pending, app) = futures::join!(store.approval(action_id), load_app(store, &action.app_id));
    let Some(pending) = pending.map_err(|e| e.to_string())? else {
        return Ok(Recorded::NotFound);
    };
    let app = app.map_err(|e| e.to_string())?;
    let now = services.now_ms();
    let decision = match approval::decide(
        &action,
        &pending,
        &app.settings.approvers,
        user,
        choice,
        seen_hash,
        now,
    ) {
        Ok(decision) => decision,
        Err(refused) => return Ok(Recorded::Refused(refused)),
    };
    let sensitive = json!({"reason": decision.reason, "editedReply": decision.edited_reply});
    let audit = AuditEntry {
        id: format!("decision:{action_id}"),
        at_ms: now,
        app_id: Some(action.app_id.clone()),
        conversation_id: Some(action.conversation_id.clone()),
        run_id: None,
        action_id: Some(action_id.to_owned()),
        kind: AuditKind::Decision,
        name: decision.status.as_str().to_owned(),
        input: json!({"by": user, "via": via, "hasReason": decision.reason.is_some(), "edited": decision.edited_reply.is_some(), "argsHash": decision.args_hash}),
        output: None,
        error: None,
        duration_ms: None,
        usage: None,
        sensitive: (decision.reason.is_some() || decision.edited_reply.is_some())
            .then_some(sensitive),
        sensitive_until: Some(now + services.audit_retention.as_millis() as i64),
    };
    // The decision and its audit row in one atomic batch: both or neither.
    let record = match store
        .decide_with_audit(&pending, &decision, &audit)
        .await
        .map_err(|e| e.to_string())?
    {
        DecideOutcome::Decided(record) => record,
        DecideOutcome::AlreadyDecided(record) => {
            return Ok(Recorded::Refused(Refused::AlreadyDecided {
                status: record.status,
                by: record.decided_by,
            }))
        }
        DecideOutcome::Expired(_) => return Ok(Recorded::Refused(Refused::Expired)),
        DecideOutcome::ArgumentsChanged => return Ok(Recorded::Refused(Refused::ArgumentsChanged)),
        DecideOutcome::NotFound => return Ok(Recorded::NotFound),
    };
    if let Some(telemetry) = &services.telemetry {
        telemetry.set_context(crate::telemetry::RunContext::from_action(
            &action.app_id,
            &action.conversation_id,
            &action.context,
        ));
        telemetry.audit(&audit);
    }
    let status = record.status;
    then(AfterDecision {
        action,
        status,
        user: user.to_owned(),
        edited_reply: decision.edited_reply,
        reason: decision.reason,
        now,
    });
    Ok(Recorded::Decided { status })
}

/// What follows a recorded decision, off the decider's critical path: wake the
/// approval's wait (`support/approval.decided`; if this send is lost, the wait's slices
/// still read the recorded decision), then record the draft's outcome and the
/// correction the decision makes.
#[derive(Debug, Clone)]
pub struct AfterDecision {
    action: ActionRecord,
    status: ActionStatus,
    user: String,
    edited_reply: Option<String>,
    reason: Option<String>,
    now: i64,
}

impl AfterDecision {
    /// Run it.
    pub async fn run(self, store: &dyn Store, services: &Services, events: &dyn EventSender) {
        let action = &self.action;
        let decided = ApprovalDecided {
            version: events::ENVELOPE_VERSION,
            action_id: action.id.clone(),
            app_id: action.app_id.clone(),
            conversation_id: action.conversation_id.clone(),
            status: self.status,
            by: self.user.clone(),
        };
        let _ = events
            .send(&[events::event(
                event_names::APPROVAL_DECIDED,
                format!("decided-{}", action.id),
                &decided,
            )])
            .await;
        if let Some(outcome) =
            crate::outcomes::of_decision(action, self.status, self.edited_reply.as_deref())
        {
            crate::corrections::record(
                store,
                services,
                action,
                &outcome,
                self.edited_reply.as_deref(),
                self.reason.as_deref(),
                self.now,
            )
            .await;
            crate::outcomes::record(store, services, action, outcome, self.now).await;
        }
    }
}

/// The pending actions the caller may see (of `apps`, all when `None`), with what an
/// approver needs.
pub async fn pending(
    store: &dyn Store,
    apps: Option<&[String]>,
    limit: u32,
) -> Result<Value, String> {
    let actions = store
        .pending_actions(apps, limit)
        .await
        .map_err(|e| e.to_string())?;
    Ok(json!({"approvals": actions.iter().map(|a| json!({
        "actionId": a.id, "appId": a.app_id, "conversationId": a.conversation_id, "reply": a.reply,
        "proposals": a.proposals, "argsHash": a.args_hash, "context": a.context, "createdAt": a.created_at,
    })).collect::<Vec<_>>()}))
}

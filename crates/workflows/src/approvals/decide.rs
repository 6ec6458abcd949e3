//! Recording a human's decision, wherever it comes from (a Slack button or modal, the
//! HTTP API): [`support_core::approval::decide`] says what may be recorded (only an
//! app's approvers, only while pending and unexpired, only for the arguments they saw),
//! the store records it once (one conditional update), then the approval's wait is
//! woken with `support/approval.decided` before the audit row is written, so a failing
//! audit write never loses the wake-up. Framework-neutral: the worker's routes parse
//! and verify, then call these.

use serde::Serialize;
use serde_json::{json, Value};
use support_core::approval::{self, Choice, Refused};
use support_core::events::{self, names as event_names, ApprovalDecided};
use support_inngest::serve::EventSender;
use support_store::{ActionStatus, AuditEntry, AuditKind, DecideOutcome, Store};

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
/// `None` when the caller did not show one), made `via` one of the surfaces.
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
    let Some(action) = store.action(action_id).await.map_err(|e| e.to_string())? else {
        return Ok(Recorded::NotFound);
    };
    let Some(pending) = store.approval(action_id).await.map_err(|e| e.to_string())? else {
        return Ok(Recorded::NotFound);
    };
    let app = load_app(store, &action.app_id)
        .await
        .map_err(|e| e.to_string())?;
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
    let record = match store
        .decide(action_id, &decision)
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
    // Wake the approval's wait first. If this send is lost, the wait's slices still
    // read the recorded decision.
    let decided = ApprovalDecided {
        version: events::ENVELOPE_VERSION,
        action_id: action_id.to_owned(),
        app_id: action.app_id.clone(),
        conversation_id: action.conversation_id.clone(),
        status: record.status,
        by: user.to_owned(),
    };
    let _ = events
        .send(&[events::event(
            event_names::APPROVAL_DECIDED,
            format!("decided-{action_id}"),
            &decided,
        )])
        .await;
    let sensitive = json!({"reason": decision.reason, "editedReply": decision.edited_reply});
    let audit = AuditEntry {
        id: format!("decision:{action_id}"),
        at_ms: now,
        app_id: Some(action.app_id.clone()),
        conversation_id: Some(action.conversation_id.clone()),
        run_id: None,
        action_id: Some(action_id.to_owned()),
        kind: AuditKind::Decision,
        name: record.status.as_str().to_owned(),
        input: json!({"by": user, "via": via, "hasReason": decision.reason.is_some(), "edited": decision.edited_reply.is_some(), "argsHash": decision.args_hash}),
        output: None,
        error: None,
        duration_ms: None,
        usage: None,
        sensitive: (decision.reason.is_some() || decision.edited_reply.is_some())
            .then_some(sensitive),
        sensitive_until: Some(now + services.audit_retention.as_millis() as i64),
    };
    if let Some(telemetry) = &services.telemetry {
        telemetry.set_context(crate::telemetry::RunContext::from_action(
            &action.app_id,
            &action.conversation_id,
            &action.context,
        ));
        telemetry.audit(&audit);
    }
    store.audit(&[audit]).await.map_err(|e| e.to_string())?;
    if let Some(outcome) =
        crate::outcomes::of_decision(&action, record.status, decision.edited_reply.as_deref())
    {
        crate::corrections::record(
            store,
            services,
            &action,
            &outcome,
            decision.edited_reply.as_deref(),
            decision.reason.as_deref(),
            now,
        )
        .await;
        crate::outcomes::record(store, services, &action, outcome, now).await;
    }
    Ok(Recorded::Decided {
        status: record.status,
    })
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

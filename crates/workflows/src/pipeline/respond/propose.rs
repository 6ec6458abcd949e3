//! Propose: the action (the reply and the bound effects, hashed), its Front draft
//! (created exactly once; a login link shows as a note, never as a link), and
//! `support/approval.requested` for the pipeline to send once the approval is open.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use support_agent::knowledge::used_by;
use support_agent::AgentRun;
use support_core::classify::Classification;
use support_core::effect::{Effect, LOGIN_LINK_PLACEHOLDER};
use support_core::events::ApprovalRequested;
use support_core::records::{proposals_hash, ActionRecord, ActionStatus};
use support_core::routing::Route;
use support_core::validate::Validation;
use support_inngest::serve::{FnError, Step};
use support_store::{AuditKind, Store};
use web_time::Instant;

use super::gather::{errors_for_card, Gathered};
use crate::pipeline::{names, redact, stage_event, Audit, AuditRow, FrontOps, Message, Services};

/// What the Front draft shows where the login link will go.
pub const DRAFT_LINK_NOTE: &str =
    "[login link: created for the customer when the approved reply is sent]";

/// Longest part of the customer's message the approver's card carries.
const REQUEST_CHARS: usize = 1_500;

pub(crate) struct Proposed<'a> {
    pub run_id: &'a str,
    pub message: &'a Message,
    pub classification: &'a Classification,
    pub route: &'a Route,
    pub agent: &'a AgentRun,
    pub proposals: Vec<Effect>,
    pub validation: Option<&'a Validation>,
    pub gathered: &'a Gathered,
}

fn hex_sha256(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The action id of the proposal made for one Front event (a retried run finds it).
pub fn action_id(front_event_id: &str) -> String {
    format!("act_{}", &hex_sha256(front_event_id)[..24])
}

pub(crate) async fn propose(
    step: &Step,
    store: &dyn Store,
    services: &Services,
    audit: &Audit<'_>,
    p: Proposed<'_>,
    emit: &mut Vec<Value>,
) -> Result<Value, FnError> {
    let message = p.message;
    let action_id = action_id(&message.front_event_id);
    let request: String = message.body.chars().take(REQUEST_CHARS).collect();
    let request_cut = message.body.chars().count() > REQUEST_CHARS || message.body_truncated;
    // Each source with whether the reply stands on it, those first (stable: retrieval
    // order within each group).
    let mut sources: Vec<(support_agent::Source, bool)> =
        support_agent::knowledge::sources_of(&p.gathered.context, p.agent)
            .into_iter()
            .map(|s| {
                let used = used_by(&p.agent.reply, &s);
                (s, used)
            })
            .collect();
    sources.sort_by_key(|(_, used)| !used);
    let action: ActionRecord = step
        .run("record action", || async {
            let started = Instant::now();
            let now = services.now_ms();
            let record = ActionRecord {
                id: action_id.clone(),
                app_id: message.app_id.clone(),
                conversation_id: message.conversation_id.clone(),
                run_id: p.run_id.to_owned(),
                reply: p.agent.reply.clone(),
                args_hash: proposals_hash(&p.proposals),
                proposals: p.proposals.clone(),
                draft_id: None,
                // What the approver reads beside the proposals; nothing here executes.
                context: json!({
                    // Joins the decision and the execution to the intake in telemetry.
                    "traceId": message.trace_id,
                    // Times the draft and the reply in the live figures.
                    "receivedAt": message.received_at,
                    "category": p.classification.category,
                    "confidence": p.classification.confidence,
                    "reasoning": p.classification.reasoning,
                    "route": p.route.reason,
                    "subject": message.subject,
                    "customer": message.sender_email,
                    "customerName": message.sender_name,
                    "request": request,
                    "requestCut": request_cut,
                    "account": p.gathered.context.sender.account,
                    "validation": p.validation,
                    "gatherErrors": errors_for_card(&p.gathered.errors),
                    "toolCalls": p.agent.tool_calls.iter().map(|c| json!({"name": c.name, "outcome": c.outcome.name()})).collect::<Vec<_>>(),
                    "refused": p.agent.refusals().iter().map(|(c, r)| json!({"tool": c.name, "reason": r.reason})).collect::<Vec<_>>(),
                    // What the reply stands on, as the approver reads it.
                    // Used first: the ones the reply stands on, then the ones only retrieved.
                    "sources": sources.iter().map(|(s, used)| json!({"id": s.id, "citation": s.citation, "source": s.source, "url": s.url, "origin": s.origin, "score": s.score, "used": used})).collect::<Vec<_>>(),
                }),
                status: ActionStatus::Pending,
                executor: None,
                created_at: now,
                updated_at: now,
                result: None,
                error: None,
            };
            let stored = store.insert_action(&record).await.map_err(|e| FnError::new(format!("record the action: {e}")))?;
            for (i, effect) in stored.proposals.iter().enumerate() {
                let mut row = AuditRow::new(AuditKind::ToolCall, effect.tool().name(), redact(&serde_json::to_value(effect).unwrap_or(Value::Null)), started);
                row.output = Some(json!({"status": "pending_approval", "index": i}));
                row.action_id = Some(stored.id.clone());
                audit.write(&format!("proposal {i}"), row).await?;
            }
            let mut row = AuditRow::new(AuditKind::Step, "propose", json!({"proposals": stored.proposals.len()}), started);
            row.action_id = Some(stored.id.clone());
            row.output = Some(json!({
                "argsHash": stored.args_hash,
                "sources": stored.context["sources"].as_array().into_iter().flatten().map(|s| s["citation"].clone()).collect::<Vec<_>>(),
            }));
            audit.write("record action", row).await?;
            crate::outcomes::record(store, services, &stored, support_core::outcome::Outcome::Pending, stored.created_at).await;
            Ok(stored)
        })
        .await?;

    // Where an owner switched auto-send on and this draft passes every check, the agent
    // sends it: approved by the agent, executed like any approved reply.
    let autosent: Option<String> = step
        .run("auto-send", || {
            autosend(store, services, audit, &p, &action)
        })
        .await?;
    if let Some(why) = autosent {
        let approved = support_core::events::ActionApproved {
            version: support_core::events::ENVELOPE_VERSION,
            action_id: action.id.clone(),
            app_id: action.app_id.clone(),
            conversation_id: action.conversation_id.clone(),
        };
        emit.push(support_core::events::event(
            support_core::events::names::ACTION_APPROVED,
            format!("approved-{}", action.id),
            &approved,
        ));
        return Ok(json!({"outcome": "auto-sent", "actionId": action.id, "why": why}));
    }

    let draft_id: Option<String> = step
        .run("front draft", || async {
            if action.reply.is_empty() {
                return Ok(None);
            }
            let Some(front) = &services.front else {
                return Ok(None);
            };
            let started = Instant::now();
            let ops = FrontOps {
                front,
                store,
                services,
            };
            let channel = ops
                .reply_channel(&message.conversation_id, message.inbox_id.as_deref())
                .await?;
            let shown = action
                .reply
                .replace(LOGIN_LINK_PLACEHOLDER, DRAFT_LINK_NOTE);
            let draft = ops
                .draft_once(&action.id, &message.conversation_id, &channel, &shown)
                .await?;
            store
                .set_action_draft(&action.id, Some(&draft), services.now_ms())
                .await
                .map_err(|e| FnError::new(format!("remember the draft: {e}")))?;
            let mut row = AuditRow::new(
                AuditKind::Step,
                "front draft",
                json!({"channel": channel}),
                started,
            );
            row.output = Some(json!({"draftId": draft}));
            row.action_id = Some(action.id.clone());
            audit.write("front draft", row).await?;
            Ok(Some(draft))
        })
        .await?;

    let requested = ApprovalRequested {
        action_id: action.id.clone(),
        args_hash: action.args_hash.clone(),
        draft_id: draft_id.clone(),
        category: p.classification.category,
        proposals: action.proposals.len(),
    };
    let outgoing = stage_event(
        names::APPROVAL_REQUESTED,
        format!("approval-{}", action.id),
        message,
        &requested,
    );
    emit.push(outgoing);
    Ok(
        json!({"outcome": "proposed", "actionId": action.id, "draftId": draft_id, "proposals": action.proposals.len()}),
    )
}

/// Who approves what the agent sends alone.
pub const AUTOSEND_BY: &str = "agent (auto-send)";

/// Send `action` with no human when auto-send allows it: `Some(why)` when it went to
/// execution, `None` when it waits for an approval like any other draft.
async fn autosend(
    store: &dyn Store,
    services: &Services,
    audit: &Audit<'_>,
    p: &Proposed<'_>,
    action: &ActionRecord,
) -> Result<Option<String>, FnError> {
    use crate::autosend::{eligibility, is_on, Candidate};
    use support_core::trust::Refusal;
    let check = |e: crate::autosend::AutosendError| FnError::new(format!("check auto-send: {e}"));
    if action.reply.is_empty()
        || !is_on(store, &action.app_id, p.classification.category.as_str())
            .await
            .map_err(check)?
    {
        return Ok(None);
    }
    let started = Instant::now();
    let app = crate::pipeline::load_app(store, &action.app_id).await?;
    let now = services.now_ms();
    let candidate = Candidate {
        category: p.classification.category,
        signals: &p.classification.signals,
        proposes_action: !action.proposals.is_empty(),
        validation: p.validation,
    };
    let refusals = eligibility(store, services, &app, &candidate, now)
        .await
        .map_err(check)?;
    if !refusals.is_empty() {
        // Switched on, and this draft still waits: the log says why.
        let mut row = AuditRow::new(
            AuditKind::Step,
            "auto-send refused",
            json!({"category": p.classification.category}),
            started,
        );
        row.output =
            Some(json!({"reasons": refusals.iter().map(Refusal::reason).collect::<Vec<_>>()}));
        row.action_id = Some(action.id.clone());
        audit.write("auto-send refused", row).await?;
        return Ok(None);
    }
    // The same records a human approval makes, decided by the agent, so the execution
    // (exactly once, audit-logged) runs as for any approved reply.
    store
        .create_approval(&support_core::records::ApprovalRecord::pending(
            action,
            now,
            now + 3_600_000,
        ))
        .await
        .map_err(crate::pipeline::store_error)?;
    store
        .decide(
            &action.id,
            &support_core::records::Decision {
                status: ActionStatus::Approved,
                by: AUTOSEND_BY.into(),
                at: now,
                reason: None,
                edited_reply: None,
                args_hash: action.args_hash.clone(),
            },
        )
        .await
        .map_err(crate::pipeline::store_error)?;
    store
        .transition_action(
            &action.id,
            &[ActionStatus::Pending],
            ActionStatus::Approved,
            None,
            None,
            now,
        )
        .await
        .map_err(crate::pipeline::store_error)?;
    crate::outcomes::record(
        store,
        services,
        action,
        support_core::outcome::Outcome::AutoSent,
        now,
    )
    .await;
    let why = format!(
        "auto-send is on for {} and this draft passed every check",
        p.classification.category.as_str()
    );
    if let Some(front) = &services.front {
        let ops = FrontOps {
            front,
            store,
            services,
        };
        ops.comment(
            &action.conversation_id,
            &format!(
                "Sent by the agent without an approval: auto-send is on for {} in {}. Every auto-sent reply is in the audit log.",
                p.classification.category.as_str(),
                support_core::escape::markdown(&app.name)
            ),
        )
        .await?;
    }
    let mut row = AuditRow::new(
        AuditKind::Decision,
        "auto-sent",
        json!({"by": AUTOSEND_BY, "category": p.classification.category}),
        started,
    );
    row.output = Some(json!({"status": "approved", "why": why}));
    row.action_id = Some(action.id.clone());
    audit.write("auto-sent", row).await?;
    Ok(Some(why))
}

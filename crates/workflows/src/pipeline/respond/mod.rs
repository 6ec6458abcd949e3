//! Respond: the last stage of `support-pipeline` for a message routed to a reply:
//! [`gather`] → [`draft`] → validate → [`propose`].
//!
//! The model proposes, the records decide: every tool call is bound to the verified
//! sender's records before anything reads or is proposed; effects that move money or
//! change accounts are recorded as bound proposals and wait for a human. When the agent
//! wanted an effect the records refused and found no allowed one instead, the
//! conversation goes to a human.

mod draft;
mod gather;
mod propose;

pub use propose::{action_id, AUTOSEND_BY, DRAFT_LINK_NOTE};

use std::sync::Arc;

use serde_json::{json, Value};
use support_agent::AgentRun;
use support_core::classify::Classification;
use support_core::effect::{Effect, LOGIN_LINK_PLACEHOLDER};
use support_core::routing::{Route, RouteAction};
use support_core::tool::Urgency;
use support_core::validate::{self, Validation, ValidationContext};
use support_inngest::serve::{FnError, Step};
use support_store::{AuditKind, Store};
use web_time::Instant;

use super::route::escalate;
use super::{usage, Audit, AuditRow, Message, Services};
use crate::ports::ConversationStore;

/// The proposals that will run: a login link only where the reply has its
/// placeholder (else nothing would carry it).
fn proposals_for(agent: &AgentRun) -> Vec<Effect> {
    let has_placeholder = agent.reply.contains(LOGIN_LINK_PLACEHOLDER);
    let mut seen_link = false;
    agent
        .proposals()
        .into_iter()
        .filter(|p| match p {
            Effect::LoginLink(_) if has_placeholder && !seen_link => {
                seen_link = true;
                true
            }
            Effect::LoginLink(_) => false,
            _ => true,
        })
        .collect()
}

/// Answers a message routed to a reply: gather, draft, validate, then propose (or
/// hand over, or stay silent). What to announce afterwards goes in `emit`; the outcome
/// is returned.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn respond(
    conversations: &Arc<dyn ConversationStore>,
    store: &Arc<dyn Store>,
    services: &Arc<Services>,
    audit: &Audit<'_>,
    message: &Message,
    classification: &Classification,
    route: &Route,
    step: &Step,
    emit: &mut Vec<Value>,
) -> Result<Value, FnError> {
    let hand_over = |reason: String, action: RouteAction| {
        let (step, store, services, audit, message, classification) =
            (step, store, services, audit, message, classification);
        async move {
            escalate(
                step,
                store,
                services,
                audit,
                message,
                classification,
                &reason,
                action,
                "escalate",
            )
            .await
        }
    };

    let gathered: gather::Gathered = step
        .run("gather", || {
            gather::gather(
                message,
                classification,
                conversations.as_ref(),
                store.as_ref(),
                services,
                audit,
            )
        })
        .await?;
    if let Some(telemetry) = &services.telemetry {
        // The account as the app knows it: its name is redacted wherever it appears
        // ("Account: …, name Dana Lee" in the prompt, "Hi Dana" in the reply).
        let sender = &gathered.context.sender;
        let mut known = vec![sender.email.as_str()];
        if let Some(account) = &sender.account {
            known.push(&account.email);
            known.extend(account.name.as_deref());
        }
        known.extend(gathered.context.customer_name.as_deref());
        telemetry.know(&known);
    }

    if services.anthropic.is_none() {
        hand_over(
            "no language model is configured, so a teammate should answer".into(),
            RouteAction::EscalateHuman,
        )
        .await?;
        return Ok(json!({"outcome": "escalated", "reason": "no model"}));
    }

    let agent = draft::draft(step, store.as_ref(), services, audit, message, &gathered).await?;

    // Validate: a deliberately silent agent is a valid outcome.
    let company_names = gathered.company_names.clone();
    let reply = agent.reply.clone();
    let links = agent
        .proposals()
        .iter()
        .filter(|p| matches!(p, Effect::LoginLink(_)))
        .count();
    let evidence =
        support_agent::knowledge::evidence(&gathered.context, &agent, &agent.proposals());
    let validation: Option<Validation> = step
        .run("validate", || async {
            let started = Instant::now();
            let result = (!reply.is_empty()).then(|| {
                let mut v = validate::validate(&reply, &ValidationContext { has_knowledge: !gathered.context.knowledge.is_empty(), company_names });
                validate::check_login_link(&mut v, &reply, links > 0);
                validate::check_grounding(&mut v, &reply, &evidence);
                validate::check_corrections(&mut v, &reply, &gathered.context.corrections);
                v
            });
            let mut row = AuditRow::new(AuditKind::AgentRun, "agent", json!({"turns": agent.turns, "ending": agent.ending}), started);
            row.output = Some(json!({
                "replyChars": reply.len(),
                "toolCalls": agent.tool_calls.iter().map(|c| json!({"name": c.name, "outcome": c.outcome.name()})).collect::<Vec<_>>(),
                "validation": result,
            }));
            row.usage = Some(usage(&agent.usage));
            audit.write("validate", row).await?;
            Ok(result)
        })
        .await?;

    if let Some((reason, urgency)) = agent.handed_off() {
        let action = match urgency {
            Urgency::High => RouteAction::EscalateUrgent,
            _ => RouteAction::EscalateHuman,
        };
        hand_over(reason.to_owned(), action).await?;
        return Ok(json!({"outcome": "escalated", "by": "agent"}));
    }
    let unmet = agent.unmet_effects();
    if !unmet.is_empty() {
        let what: Vec<String> = unmet
            .iter()
            .map(|(call, refusal)| format!("{} ({})", call.name, refusal.reason.as_str()))
            .collect();
        let reason = format!(
            "the agent wanted {} and the sender's records do not allow it; a teammate should look",
            what.join(", ")
        );
        hand_over(reason, RouteAction::EscalateHuman).await?;
        return Ok(json!({"outcome": "escalated", "reason": "refused", "refused": what}));
    }
    if let Some(validation) = &validation {
        if !validation.valid {
            let errors: Vec<&validate::Issue> = validation
                .issues
                .iter()
                .filter(|i| matches!(i.severity, validate::Severity::Error))
                .collect();
            let kinds: Vec<String> = errors.iter().map(|i| format!("{:?}", i.kind)).collect();
            // The reason names what failed, so the teammate taking over knows what to
            // check ("states \"90 days\" and no retrieved source says so").
            let details: Vec<String> = errors.iter().map(|i| i.message.clone()).collect();
            let reason = format!(
                "the drafted reply failed validation ({}): {}",
                kinds.join(", "),
                details.join("; ")
            );
            hand_over(reason, RouteAction::EscalateHuman).await?;
            return Ok(json!({"outcome": "escalated", "reason": "validation", "issues": kinds}));
        }
    }
    let proposals = proposals_for(&agent);
    if agent.reply.is_empty() && proposals.is_empty() {
        step.run("silent", || async {
            audit
                .write(
                    "silent",
                    AuditRow::new(
                        AuditKind::Step,
                        "silent",
                        json!({"turns": agent.turns}),
                        Instant::now(),
                    ),
                )
                .await?;
            crate::outcomes::record_no_draft(
                store.as_ref(),
                services,
                message,
                classification.category,
                services.now_ms(),
            )
            .await;
            Ok(true)
        })
        .await?;
        return Ok(json!({"outcome": "silent"}));
    }

    propose::propose(
        step,
        store.as_ref(),
        services,
        audit,
        propose::Proposed {
            run_id: audit.run_id,
            message,
            classification,
            route,
            agent: &agent,
            proposals,
            validation: validation.as_ref(),
            gathered: &gathered,
        },
        emit,
    )
    .await
}

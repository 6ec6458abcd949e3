//! `support-respond`: `support/inbound.routed` (respond) → gather → draft → validate →
//! propose.
//!
//! The agent loop runs one durable step per model call and one per tool call, so a
//! retry (a 529 from the model, a timeout) repeats only the step that failed. Tools
//! that move money or change accounts are never run here: the loop records them as
//! proposals, and the action waits for a human.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use support_agent::{
    ledger_key, offered_tools, system_blocks, user_message, AgentContext, AgentRun, HistoryItem,
    Next, Toolbox,
};
use support_anthropic::MessagesResponse;
use support_core::classify::{Category, Classification};
use support_core::conversation::MessageKind;
use support_core::routing::{Route, RouteAction};
use support_core::validate::{self, Validation, ValidationContext};
use support_inngest::serve::{FnError, FunctionConfig, Input, ServeFunction, Step, Trigger};
use support_store::{
    canonical_hash, ActionRecord, ActionStatus, AuditKind, Proposal, Store, TokenUsage,
};
use web_time::Instant;

use super::route::escalate;
use super::{
    event_data, load_app, names, redact_email, retryable, stage_event, Audit, AuditRow, FrontOps,
    Message, Services,
};
use crate::ports::ConversationStore;

/// The function's id.
pub const ID: &str = "support-respond";

#[derive(Deserialize)]
struct Routed {
    #[serde(flatten)]
    message: Message,
    classification: Classification,
    route: Route,
}

/// What gather found, and what it could not get.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Gathered {
    context: AgentContext,
    errors: Vec<Value>,
    company_names: Vec<String>,
}

/// The function.
pub fn function(
    conversations: Arc<dyn ConversationStore>,
    store: Arc<dyn Store>,
    services: Arc<Services>,
) -> ServeFunction {
    let config = FunctionConfig::new(ID)
        .name("Draft a reply and propose it for approval")
        .trigger(Trigger::event_if(
            names::ROUTED,
            "event.data.route.action == 'respond'",
        ))
        .retries(3);
    ServeFunction::new(config, move |input: Input, step: Step| {
        let (conversations, store, services) =
            (conversations.clone(), store.clone(), services.clone());
        async move { run(conversations, store, services, input, step).await }
    })
}

async fn run(
    conversations: Arc<dyn ConversationStore>,
    store: Arc<dyn Store>,
    services: Arc<Services>,
    input: Input,
    step: Step,
) -> Result<Value, FnError> {
    let Routed {
        message,
        classification,
        route,
    } = event_data(&input)?;
    if route.action != RouteAction::Respond {
        return Ok(json!({"skipped": "not routed to a reply"}));
    }
    let audit = Audit {
        store: store.as_ref(),
        services: &services,
        run_id: &input.run_id,
        app_id: &message.app_id,
        conversation_id: &message.conversation_id,
    };

    let gathered: Gathered = step
        .run("gather", || {
            gather(
                &message,
                &classification,
                conversations.as_ref(),
                store.as_ref(),
                &services,
                &audit,
            )
        })
        .await?;

    if services.anthropic.is_none() {
        // No model: a person answers.
        escalate(
            &step,
            &store,
            &services,
            &audit,
            &message,
            &classification,
            "no language model is configured, so a teammate should answer",
            RouteAction::EscalateHuman,
            "escalate",
        )
        .await?;
        return Ok(json!({"outcome": "escalated", "reason": "no model"}));
    }

    // The agent loop.
    let config = services.agent.clone();
    let system = system_blocks();
    let tools = offered_tools();
    let mut agent = AgentRun::new(user_message(&gathered.context));
    for turn in 0..config.max_turns {
        let request = agent.request(&config, &system, &tools);
        let step_id = format!("agent turn {turn}");
        let response: MessagesResponse = step
            .run(&step_id, || async {
                let started = Instant::now();
                let Some(anthropic) = &services.anthropic else {
                    return Err(FnError::non_retriable("no model is configured"));
                };
                let response = anthropic.messages(&request).await.map_err(|e| {
                    if e.is_retryable() {
                        retryable("agent", &e, e.retry_after())
                    } else {
                        FnError::new(format!("agent: {e}"))
                    }
                })?;
                let mut row = AuditRow::new(AuditKind::AgentTurn, "model", json!({"turn": turn, "model": request.model}), started);
                row.output = Some(json!({"stopReason": response.stop_reason.as_str(), "toolCalls": response.tool_uses().iter().map(|c| c.name).collect::<Vec<_>>(), "requestId": response.request_id}));
                row.usage = Some(usage(&response.usage));
                audit.write(&step_id, row).await?;
                Ok(response)
            })
            .await?;
        match agent.on_response(&config, &response) {
            Next::Finish => break,
            Next::RunTools(calls) => {
                let mut results = Vec::new();
                for (i, call) in calls.into_iter().enumerate() {
                    let step_id = format!("tool {turn}.{i} {}", call.name);
                    let outcome: Result<Value, String> = step
                        .run(&step_id, || async {
                            let started = Instant::now();
                            let outcome = run_tool(
                                &message,
                                store.as_ref(),
                                &services,
                                &call.name,
                                &call.input,
                            )
                            .await;
                            let mut row = AuditRow::new(
                                AuditKind::ToolCall,
                                call.name.clone(),
                                redact(&call.input),
                                started,
                            );
                            match &outcome {
                                Ok(v) => row.output = Some(summarise(v)),
                                Err(e) => row.error = Some(e.clone()),
                            }
                            audit.write(&step_id, row).await?;
                            Ok(outcome)
                        })
                        .await?;
                    results.push((call, outcome));
                }
                if !agent.on_tool_results(&config, results) {
                    break;
                }
            }
        }
    }

    // Validate: a deliberately silent agent is a valid outcome.
    let company_names = gathered.company_names.clone();
    let reply = agent.reply.clone();
    let validation: Option<Validation> = step
        .run("validate", || async {
            let started = Instant::now();
            let result = (!reply.is_empty()).then(|| {
                validate::validate(&reply, &ValidationContext { has_knowledge: !gathered.context.knowledge.is_empty(), company_names })
            });
            let mut row = AuditRow::new(AuditKind::AgentRun, "agent", json!({"turns": agent.turns, "ending": agent.ending}), started);
            row.output = Some(json!({
                "replyChars": reply.len(),
                "toolCalls": agent.tool_calls.iter().map(|c| json!({"name": c.name, "outcome": c.outcome})).collect::<Vec<_>>(),
                "validation": result,
            }));
            row.usage = Some(usage(&agent.usage));
            audit.write("validate", row).await?;
            Ok(result)
        })
        .await?;

    if let Some(handoff) = agent.handed_off().filter(|c| c.name == "escalateToHuman") {
        let reason = handoff
            .input
            .get("reason")
            .and_then(Value::as_str)
            .unwrap_or("the agent asked for a human")
            .to_owned();
        let action = match handoff.input.get("urgency").and_then(Value::as_str) {
            Some("high") => RouteAction::EscalateUrgent,
            _ => RouteAction::EscalateHuman,
        };
        escalate(
            &step,
            &store,
            &services,
            &audit,
            &message,
            &classification,
            &reason,
            action,
            "escalate",
        )
        .await?;
        return Ok(json!({"outcome": "escalated", "by": "agent"}));
    }
    if let Some(validation) = &validation {
        if !validation.valid {
            let kinds: Vec<String> = validation
                .issues
                .iter()
                .filter(|i| matches!(i.severity, validate::Severity::Error))
                .map(|i| format!("{:?}", i.kind))
                .collect();
            let reason = format!("the drafted reply failed validation ({})", kinds.join(", "));
            escalate(
                &step,
                &store,
                &services,
                &audit,
                &message,
                &classification,
                &reason,
                RouteAction::EscalateHuman,
                "escalate",
            )
            .await?;
            return Ok(json!({"outcome": "escalated", "reason": "validation", "issues": kinds}));
        }
    }
    let proposals = proposals(&agent, &gathered.context, &message);
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
            Ok(true)
        })
        .await?;
        return Ok(json!({"outcome": "silent"}));
    }

    // Propose: the action, its Front draft, the approval request.
    let action_id = format!("act_{}", &hex_sha256(&message.front_event_id)[..24]);
    let action: ActionRecord = step
        .run("record action", || async {
            let started = Instant::now();
            let now = services.now_ms();
            let args_hash = canonical_hash(&serde_json::to_value(&proposals).unwrap_or(Value::Null));
            let record = ActionRecord {
                id: action_id.clone(),
                app_id: message.app_id.clone(),
                conversation_id: message.conversation_id.clone(),
                run_id: input.run_id.clone(),
                reply: agent.reply.clone(),
                proposals: proposals.clone(),
                args_hash,
                draft_id: None,
                context: json!({
                    "category": classification.category,
                    "confidence": classification.confidence,
                    // Why the agent proposes this, for the approver: the classifier's
                    // reasoning and what each tool call did.
                    "reasoning": classification.reasoning,
                    "route": route.reason,
                    "subject": message.subject,
                    "customer": message.sender_email,
                    "validation": validation,
                    "gatherErrors": gathered.errors,
                    "toolCalls": agent.tool_calls.iter().map(|c| json!({"name": c.name, "outcome": c.outcome})).collect::<Vec<_>>(),
                }),
                status: ActionStatus::Pending,
                created_at: now,
                updated_at: now,
                result: None,
                error: None,
            };
            let stored = store.insert_action(&record).await.map_err(|e| FnError::new(format!("record the action: {e}")))?;
            for (i, p) in stored.proposals.iter().enumerate() {
                let mut row = AuditRow::new(AuditKind::ToolCall, p.tool.clone(), redact(&p.input), started);
                row.output = Some(json!({"status": "pending_approval", "ledgerKey": p.ledger_key}));
                row.action_id = Some(stored.id.clone());
                audit.write(&format!("proposal {i}"), row).await?;
            }
            let mut row = AuditRow::new(AuditKind::Step, "propose", json!({"proposals": stored.proposals.len()}), started);
            row.action_id = Some(stored.id.clone());
            row.output = Some(json!({"argsHash": stored.args_hash}));
            audit.write("record action", row).await?;
            Ok(stored)
        })
        .await?;

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
                store: store.as_ref(),
                services: &services,
            };
            let channel = ops
                .reply_channel(&message.conversation_id, message.inbox_id.as_deref())
                .await?;
            let draft = ops
                .draft_once(
                    &action.id,
                    &message.conversation_id,
                    &channel,
                    &action.reply,
                )
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

    let outgoing = stage_event(
        names::APPROVAL_REQUESTED,
        format!("approval-{}", action.id),
        &message,
        json!({
            "actionId": action.id,
            "argsHash": action.args_hash,
            "reply": action.reply,
            "proposals": action.proposals,
            "draftId": draft_id,
            "category": classification.category,
        }),
    );
    step.send_event("emit approval requested", vec![outgoing])
        .await?;
    Ok(
        json!({"outcome": "proposed", "actionId": action.id, "draftId": draft_id, "proposals": action.proposals.len()}),
    )
}

fn usage(u: &support_anthropic::Usage) -> TokenUsage {
    TokenUsage {
        input: u.input_tokens,
        output: u.output_tokens,
        cache_read: u.cache_read_input_tokens,
        cache_write: u.cache_creation_input_tokens,
    }
}

fn hex_sha256(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Tool inputs for the audit log: emails masked.
fn redact(input: &Value) -> Value {
    match input {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = match v {
                        Value::String(s) if s.contains('@') => Value::String(redact_email(s)),
                        other => redact(other),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact).collect()),
        other => other.clone(),
    }
}

/// A tool result for the audit log: its shape, not the customer's data.
fn summarise(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.keys()
                .map(|k| (k.clone(), json!("…")))
                .collect::<Map<_, _>>(),
        ),
        Value::Array(items) => json!({"items": items.len()}),
        other => {
            json!({"type": match other { Value::Null => "null", Value::Bool(_) => "bool", Value::Number(_) => "number", _ => "string" }})
        }
    }
}

async fn run_tool(
    message: &Message,
    store: &dyn Store,
    services: &Services,
    name: &str,
    input: &Value,
) -> Result<Value, String> {
    let app = match load_app(store, &message.app_id).await {
        Ok(app) => app,
        Err(_) => return Err("the app's configuration could not be read".into()),
    };
    let toolbox = Toolbox {
        sdk: services.sdk(&app),
        stripe: match (&services.stripe, &app.stripe_account_id) {
            (Some(stripe), Some(account)) => Some((stripe.clone(), account.clone())),
            _ => None,
        },
    };
    toolbox.run(name, input).await
}

/// The proposals with their exact arguments: a refund carries the amount and charge of
/// the purchase it refunds, so the approval is bound to them.
fn proposals(agent: &AgentRun, ctx: &AgentContext, message: &Message) -> Vec<Proposal> {
    agent
        .proposals()
        .map(|call| {
            let mut input = call.input.clone();
            if let Some(obj) = input.as_object_mut() {
                match call.name.as_str() {
                    "processRefund" => {
                        let id = obj
                            .get("purchaseId")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned();
                        if let Some(p) = ctx
                            .purchases
                            .iter()
                            .find(|p| p.get("id").and_then(Value::as_str) == Some(id.as_str()))
                        {
                            for (from, to) in [
                                ("amount", "amount"),
                                ("currency", "currency"),
                                ("stripeChargeId", "chargeId"),
                            ] {
                                if let Some(v) = p.get(from).filter(|v| !v.is_null()) {
                                    obj.insert(to.into(), v.clone());
                                }
                            }
                        }
                    }
                    "assignToInstructor" => {
                        obj.insert("conversationId".into(), json!(message.conversation_id));
                    }
                    _ => {}
                }
            }
            Proposal {
                ledger_key: ledger_key(&call.name, &input),
                tool: call.name.clone(),
                input,
            }
        })
        .collect()
}

async fn gather(
    message: &Message,
    classification: &Classification,
    conversations: &dyn ConversationStore,
    store: &dyn Store,
    services: &Services,
    audit: &Audit<'_>,
) -> Result<Gathered, FnError> {
    let started = Instant::now();
    let app = load_app(store, &message.app_id).await?;
    let mut errors = Vec::new();
    let mut ctx = AgentContext {
        app_name: app.name.clone(),
        category: classification.category.as_str().to_owned(),
        customer_email: Some(message.sender_email.clone()).filter(|e| !e.is_empty()),
        customer_name: message.sender_name.clone(),
        subject: message.subject.clone(),
        body: message.body.clone(),
        ..AgentContext::default()
    };
    let toolbox = Toolbox {
        sdk: services.sdk(&app),
        stripe: None,
    };
    let call = |name: &'static str, params: Value| {
        let toolbox = &toolbox;
        async move {
            let params = params.as_object().cloned().unwrap_or_default();
            (name, toolbox.sdk_call(name, params).await)
        }
    };

    if let Some(email) = ctx.customer_email.clone() {
        match call("lookupUser", json!({"email": email})).await {
            (_, Ok(user)) if user.get("id").is_some() => ctx.user = Some(user),
            (_, Ok(_)) => {}
            (name, Err(e)) => errors.push(json!({"call": name, "error": e})),
        }
    }
    let user_id = ctx
        .user
        .as_ref()
        .and_then(|u| u.get("id"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let Some(user_id) = &user_id {
        match call("getPurchases", json!({"userId": user_id})).await {
            (_, Ok(Value::Array(items))) => ctx.purchases = items,
            (_, Ok(_)) => {}
            (name, Err(e)) => errors.push(json!({"call": name, "error": e})),
        }
    }
    // The category-aware data the original built and never fetched.
    let mut wanted: Vec<(&'static str, Value)> = Vec::new();
    match classification.category {
        Category::SupportRefund => wanted.push(("getRefundPolicy", json!({}))),
        Category::SupportAccess | Category::SupportTechnical => {
            if let Some(id) = &user_id {
                wanted.push(("getContentAccess", json!({"userId": id})));
                wanted.push(("getRecentActivity", json!({"userId": id})));
            }
        }
        Category::PresalesFaq | Category::PresalesConsult => {
            wanted.push(("getActivePromotions", json!({})))
        }
        Category::PresalesTeam => {
            if let Some(p) = ctx
                .purchases
                .iter()
                .find(|p| p.get("licenseType").and_then(Value::as_str) == Some("team"))
            {
                if let Some(id) = p.get("id") {
                    wanted.push(("getLicenseInfo", json!({"purchaseId": id})));
                }
            }
        }
        _ => {}
    }
    for (name, params) in wanted {
        match call(name, params).await {
            (_, Ok(v)) if v.get("offered") == Some(&json!(false)) => {}
            (name, Ok(v)) => {
                ctx.app_data
                    .insert(name.trim_start_matches("get").to_owned(), v);
            }
            (name, Err(e)) => errors.push(json!({"call": name, "error": e})),
        }
    }

    // History from the conversation's cache (no Front call).
    match conversations.snapshot(&message.conversation_id).await {
        Ok(snapshot) => {
            let earlier: Vec<HistoryItem> = snapshot
                .messages
                .iter()
                .filter(|m| m.id != message.message_id)
                .map(|m| HistoryItem {
                    from: match m.kind {
                        MessageKind::Inbound => "customer",
                        MessageKind::Outbound => "teammate",
                        _ => "note",
                    }
                    .into(),
                    body: m.body.chars().take(1_000).collect(),
                })
                .collect();
            let skip = earlier.len().saturating_sub(5);
            ctx.history = earlier.into_iter().skip(skip).collect();
        }
        Err(e) => errors.push(json!({"call": "conversation cache", "error": e.to_string()})),
    }
    // Prior conversations from Front (one call).
    if let (Some(front), Some(email)) = (&services.front, &ctx.customer_email) {
        match front
            .list_contact_conversations(&format!("alt:email:{email}"))
            .await
        {
            Ok(page) => {
                ctx.prior_conversations = page
                    .results
                    .iter()
                    .filter(|c| c.id != message.conversation_id)
                    .take(10)
                    .map(|c| c.subject.clone().unwrap_or_default())
                    .collect()
            }
            // An unknown contact is a new customer, not an error.
            Err(support_front::FrontError::NotFound { .. }) => {}
            Err(e) => errors.push(json!({"call": "priorConversations", "error": e.to_string()})),
        }
    }
    let mut row = AuditRow::new(
        AuditKind::Step,
        "gather",
        json!({"customer": ctx.customer_email.as_deref().map(redact_email)}),
        started,
    );
    row.output = Some(json!({
        "userFound": ctx.user.is_some(),
        "purchases": ctx.purchases.len(),
        "history": ctx.history.len(),
        "priorConversations": ctx.prior_conversations.len(),
        "appData": ctx.app_data.keys().collect::<Vec<_>>(),
    }));
    if !errors.is_empty() {
        row.error = Some(serde_json::to_string(&errors).unwrap_or_default());
    }
    audit.write("gather", row).await?;
    Ok(Gathered {
        context: ctx,
        errors,
        company_names: app.settings.company_names.clone(),
    })
}

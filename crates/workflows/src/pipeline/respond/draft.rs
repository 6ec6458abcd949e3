//! Draft: the agent loop on the Messages API, one durable step per model call and one
//! per tool call, so a retry (a 529 from the model, a timeout) repeats only the step
//! that failed. Each tool call is parsed, bound to the sender's records and then read
//! or recorded as a proposal by [`Toolbox::call`]; nothing that needs approval runs.

use serde_json::{json, Value};
use support_agent::{offered_tools, system_blocks, user_message, AgentRun, Next, Outcome, Toolbox};
use support_anthropic::MessagesResponse;
use support_core::proposal::SenderRecords;
use support_inngest::serve::{FnError, Step};
use support_store::{AuditKind, Store};
use web_time::Instant;

use super::gather::Gathered;
use crate::pipeline::{load_app, redact, retryable, usage, Audit, AuditRow, Message, Services};

pub(super) async fn draft(
    step: &Step,
    store: &dyn Store,
    services: &Services,
    audit: &Audit<'_>,
    message: &Message,
    gathered: &Gathered,
) -> Result<AgentRun, FnError> {
    let config = services.agent.clone();
    let system = system_blocks();
    let tools = offered_tools(gathered.context.knowledge_enabled);
    let mut agent = AgentRun::new(user_message(&gathered.context));
    for turn in 0..config.max_turns {
        let request = agent.request(&config, &system, &tools);
        let step_id = format!("agent turn {turn}");
        let response: MessagesResponse = step
            .run(&step_id, || async {
                let started = Instant::now();
                let started_ms = services.now_ms();
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
                services.observe_model_call(format!("{}:{step_id}", audit.run_id), &step_id, &request, &response, started_ms);
                Ok(response)
            })
            .await?;
        match agent.on_response(&config, &response) {
            Next::Finish => break,
            Next::RunTools(calls) => {
                let mut results = Vec::new();
                for (i, call) in calls.into_iter().enumerate() {
                    let step_id = format!("tool {turn}.{i} {}", call.name);
                    let outcome: Outcome = step
                        .run(&step_id, || async {
                            let started = Instant::now();
                            let outcome = run_tool(
                                message,
                                store,
                                services,
                                &call.name,
                                &call.input,
                                &gathered.context.sender,
                            )
                            .await;
                            audit
                                .write(
                                    &step_id,
                                    tool_row(&call.name, &call.input, &outcome, started),
                                )
                                .await?;
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
    Ok(agent)
}

/// The audit row of one tool call: its input with customer data masked, what became
/// of it, and the shape (not the content) of what it read.
fn tool_row(name: &str, input: &Value, outcome: &Outcome, started: Instant) -> AuditRow {
    let mut row = AuditRow::new(AuditKind::ToolCall, name, redact(input), started);
    match outcome {
        // Knowledge is not the customer's data: which passages, and how close.
        Outcome::Ran { result } if name == "searchKnowledge" => {
            let sources: Vec<Value> = result["results"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| json!({"id": s["id"], "score": s["score"]}))
                .collect();
            row.output = Some(json!({"outcome": "ran", "sources": sources}))
        }
        Outcome::Ran { result } => {
            row.output = Some(json!({"outcome": "ran", "result": summarise(result)}))
        }
        Outcome::Proposed { effect } => {
            row.output = Some(
                json!({"outcome": "proposed", "status": "pending_approval", "effect": redact(&serde_json::to_value(effect).unwrap_or(Value::Null))}),
            )
        }
        Outcome::Refused { refusal } => {
            row.output = Some(json!({"outcome": "refused", "reason": refusal.reason}));
            row.error = Some(format!("refused: {}", refusal.message));
        }
        Outcome::Invalid { error } => {
            row.output = Some(json!({"outcome": "invalid"}));
            row.error = Some(format!("invalid input: {error}"));
        }
        Outcome::Failed { error } => {
            row.output = Some(json!({"outcome": "failed"}));
            row.error = Some(error.clone());
        }
        Outcome::HandedOff { urgency, .. } => {
            row.output = Some(json!({"outcome": "handed_off", "urgency": urgency}))
        }
    }
    row
}

/// A tool result for the audit log: its shape, not the customer's data.
fn summarise(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(map.keys().map(|k| (k.clone(), json!("…"))).collect()),
        Value::Array(items) => json!({"items": items.len()}),
        Value::Null => json!({"type": "null"}),
        Value::Bool(_) => json!({"type": "bool"}),
        Value::Number(_) => json!({"type": "number"}),
        Value::String(_) => json!({"type": "string"}),
    }
}

async fn run_tool(
    message: &Message,
    store: &dyn Store,
    services: &Services,
    name: &str,
    input: &Value,
    sender: &SenderRecords,
) -> Outcome {
    let app = match load_app(store, &message.app_id).await {
        Ok(app) => app,
        Err(_) => {
            return Outcome::Failed {
                error: "the app's configuration could not be read".into(),
            }
        }
    };
    let toolbox = Toolbox {
        sdk: services.sdk(&app),
        stripe: services.stripe_for(&app),
        knowledge: services.knowledge_for(&app),
    };
    toolbox.call(name, input, sender).await
}

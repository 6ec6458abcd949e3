//! `support-execute`: runs an approved action exactly once.
//!
//! Every side effect has a ledger key made of its inputs (`refund:<purchase>:<amount>`),
//! checked before and committed after it, so a retried step never repeats a completed
//! one; a refund also carries a Stripe `Idempotency-Key` derived from the same key, so
//! even a retry that cannot tell whether the first try reached Stripe gets Stripe's
//! first answer back. A failure marks the action failed with its reason, tells the
//! approvers in the Slack thread, and keeps the ledger.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use support_front::NewReply;
use support_inngest::serve::{
    FnError, FunctionConfig, Input, ServeFunction, Step, StepError, Trigger,
};
use support_store::{ActionRecord, ActionStatus, AuditKind, LedgerState, Proposal, Store};
use support_stripe::{RefundParams, RefundReason};
use web_time::Instant;

use super::{names, notify_thread};
use crate::pipeline::{front_error, load_app, retryable, Audit, AuditRow, Services};

/// The function's id.
pub const ID: &str = "support-execute";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Approved {
    action_id: String,
}

/// The function.
pub fn function(store: Arc<dyn Store>, services: Arc<Services>) -> ServeFunction {
    let config = FunctionConfig::new(ID)
        .name("Execute an approved action")
        .trigger(Trigger::event(names::ACTION_APPROVED))
        .retries(4);
    ServeFunction::new(config, move |input: Input, step: Step| {
        let (store, services) = (store.clone(), services.clone());
        async move { run(store, services, input, step).await }
    })
}

/// The Stripe `Idempotency-Key` of a ledger key (Stripe allows 255 characters; a hash
/// keeps customer ids out of Stripe's logs).
pub fn stripe_idempotency_key(ledger_key: &str) -> String {
    let digest = Sha256::digest(ledger_key.as_bytes());
    format!(
        "support-{}",
        digest
            .iter()
            .take(20)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

async fn run(
    store: Arc<dyn Store>,
    services: Arc<Services>,
    input: Input,
    step: Step,
) -> Result<Value, FnError> {
    let Approved { action_id } = crate::pipeline::event_data(&input)?;
    let action: ActionRecord = step
        .run("load action", || async {
            let action = store
                .action(&action_id)
                .await
                .map_err(|e| FnError::new(e.to_string()))?
                .ok_or_else(|| FnError::non_retriable(format!("no action {action_id}")))?;
            let approval = store
                .approval(&action_id)
                .await
                .map_err(|e| FnError::new(e.to_string()))?
                .ok_or_else(|| FnError::non_retriable(format!("no approval for {action_id}")))?;
            if approval.status != ActionStatus::Approved {
                return Err(FnError::non_retriable(format!(
                    "the approval is {:?}, not approved",
                    approval.status
                )));
            }
            // The approval is bound to the exact arguments: changed ones void it.
            let current = support_store::canonical_hash(
                &serde_json::to_value(&action.proposals).unwrap_or(Value::Null),
            );
            if approval.args_hash != current {
                return Err(FnError::non_retriable(
                    "the action's arguments changed after approval",
                ));
            }
            let mut action = action;
            if let Some(edited) = approval.edited_reply.filter(|e| !e.trim().is_empty()) {
                action.reply = edited;
            }
            Ok(action)
        })
        .await?;
    let audit = Audit {
        store: store.as_ref(),
        services: &services,
        run_id: &input.run_id,
        app_id: &action.app_id,
        conversation_id: &action.conversation_id,
    };

    let mut results = Vec::new();
    let mut failure: Option<String> = None;
    for (i, proposal) in action.proposals.iter().enumerate() {
        let step_id = format!("execute {i} {}", proposal.tool);
        let outcome = step
            .run(&step_id, || async {
                let started = Instant::now();
                let result = execute_once(store.as_ref(), &services, &action, proposal).await;
                let mut row = AuditRow::new(
                    AuditKind::Execution,
                    proposal.tool.clone(),
                    json!({"ledgerKey": proposal.ledger_key}),
                    started,
                );
                row.action_id = Some(action.id.clone());
                match &result {
                    Ok(v) => row.output = Some(v.clone()),
                    Err(e) => row.error = Some(e.to_string()),
                }
                // Only the final outcome of the step is audited once (the id is per step).
                if result.is_ok() {
                    audit.write(&step_id, row).await?;
                }
                result
            })
            .await;
        match outcome {
            Ok(v) => results.push(json!({"tool": proposal.tool, "result": v})),
            Err(StepError::Failed(body)) => {
                failure = Some(format!("{} failed: {}", proposal.tool, body.message));
                break;
            }
            Err(other) => return Err(other.into()),
        }
    }

    if failure.is_none() && !action.reply.trim().is_empty() {
        let outcome = step
            .run("send reply", || async {
                let started = Instant::now();
                let result = send_reply_once(store.as_ref(), &services, &action).await?;
                let mut row = AuditRow::new(
                    AuditKind::Execution,
                    "reply",
                    json!({"chars": action.reply.len(), "draftId": action.draft_id}),
                    started,
                );
                row.action_id = Some(action.id.clone());
                row.output = Some(result.clone());
                audit.write("send reply", row).await?;
                Ok(result)
            })
            .await;
        match outcome {
            Ok(v) => results.push(json!({"tool": "reply", "result": v})),
            Err(StepError::Failed(body)) => {
                failure = Some(format!("the reply failed: {}", body.message))
            }
            Err(other) => return Err(other.into()),
        }
    }

    let final_status = if failure.is_some() {
        ActionStatus::Failed
    } else {
        ActionStatus::Executed
    };
    step.run("record outcome", || async {
        let started = Instant::now();
        let result = json!({"steps": results});
        store
            .transition_action(
                &action.id,
                &[ActionStatus::Approved],
                final_status,
                Some(&result),
                failure.as_deref(),
                services.now_ms(),
            )
            .await
            .map_err(|e| FnError::new(e.to_string()))?;
        let mut row = AuditRow::new(
            AuditKind::Execution,
            "outcome",
            json!({"status": final_status}),
            started,
        );
        row.action_id = Some(action.id.clone());
        row.error = failure.clone();
        row.output = Some(result);
        audit.write("record outcome", row).await?;
        Ok(true)
    })
    .await?;
    if let Some(reason) = &failure {
        step.run("tell the approvers", || async {
            notify_thread(store.as_ref(), &services, &action.id, &format!(":warning: Execution failed: {reason}. Nothing else was done; the ledger keeps what completed.")).await?;
            Ok(true)
        })
        .await?;
    }
    Ok(json!({"actionId": action.id, "status": final_status, "error": failure}))
}

/// Run one approved tool call unless the ledger says it completed.
async fn execute_once(
    store: &dyn Store,
    services: &Services,
    action: &ActionRecord,
    proposal: &Proposal,
) -> Result<Value, FnError> {
    let key = &proposal.ledger_key;
    let before = store
        .ledger_start(key, &action.id, services.now_ms())
        .await
        .map_err(|e| FnError::new(format!("ledger: {e}")))?;
    if let LedgerState::Completed { result } = before {
        return Ok(json!({"alreadyDone": true, "result": result}));
    }
    let app = load_app(store, &action.app_id).await?;
    let input = &proposal.input;
    let text = |k: &str| {
        input
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let sdk = || {
        services
            .sdk(&app)
            .ok_or_else(|| FnError::non_retriable("the app has no SDK endpoint"))
    };
    let result = match proposal.tool.as_str() {
        "processRefund" => {
            let stripe = services
                .stripe
                .as_ref()
                .ok_or_else(|| FnError::non_retriable("Stripe is not configured"))?;
            let account = app
                .stripe_account_id
                .as_deref()
                .ok_or_else(|| FnError::non_retriable("the app has no Stripe account"))?;
            let charge = text("chargeId");
            let amount = input.get("amount").and_then(Value::as_u64);
            if charge.is_empty() || amount.is_none() {
                return Err(FnError::non_retriable(
                    "the refund names no charge or amount",
                ));
            }
            let params = RefundParams::charge(charge)
                .amount(amount.unwrap_or_default())
                .reason(RefundReason::RequestedByCustomer)
                .metadata("action_id", action.id.clone())
                .metadata("purchase_id", text("purchaseId"));
            let created = stripe
                .create_refund(account, &params, &stripe_idempotency_key(key))
                .await
                .map_err(|e| {
                    if e.is_retryable() {
                        retryable("Stripe refund", &e, e.retry_after())
                    } else {
                        FnError::non_retriable(format!("Stripe refund: {e}"))
                    }
                })?;
            let refund_id = created.refund.id.clone();
            // The app revokes access with the real refund id.
            let params = json!({"purchaseId": text("purchaseId"), "reason": text("reason"), "refundId": refund_id});
            sdk_action(&sdk()?, "revokeAccess", params).await?;
            json!({"refundId": refund_id, "amount": created.refund.amount, "replayed": created.replayed})
        }
        "transferPurchase" | "updateEmail" | "updateName" => {
            sdk_action(&sdk()?, &proposal.tool, input.clone()).await?
        }
        "assignToInstructor" => {
            let front = services
                .front
                .as_ref()
                .ok_or_else(|| FnError::non_retriable("Front is not configured"))?;
            let teammate = app
                .settings
                .instructor_teammate_id
                .clone()
                .ok_or_else(|| FnError::non_retriable("the app has no instructor teammate"))?;
            front
                .set_assignee(&action.conversation_id, &teammate)
                .await
                .map_err(|e| front_error("assign", e))?;
            json!({"assignee": teammate})
        }
        other => {
            return Err(FnError::non_retriable(format!(
                "{other} cannot be executed"
            )))
        }
    };
    store
        .ledger_complete(key, &result, services.now_ms())
        .await
        .map_err(|e| FnError::new(format!("ledger: {e}")))?;
    Ok(result)
}

async fn sdk_action(
    sdk: &support_sdk::IntegrationClient<Arc<dyn support_http::Transport>>,
    action: &str,
    params: Value,
) -> Result<Value, FnError> {
    let mut body = params.as_object().cloned().unwrap_or_default();
    body.insert("action".into(), json!(action));
    let request: support_sdk::Request = serde_json::from_value(Value::Object(body))
        .map_err(|e| FnError::non_retriable(format!("{action}: bad arguments: {e}")))?;
    match sdk.call_raw(&request).await {
        Ok((status, body)) if (200..300).contains(&status) => {
            if body.get("success") == Some(&json!(false)) {
                return Err(FnError::non_retriable(format!(
                    "{action}: the app refused: {}",
                    body.get("error")
                        .and_then(Value::as_str)
                        .unwrap_or("no reason")
                )));
            }
            Ok(body)
        }
        Ok((501, _)) => Err(FnError::non_retriable(format!(
            "{action}: the app does not offer it"
        ))),
        Ok((status, _)) if status >= 500 || status == 429 => {
            Err(FnError::new(format!("{action}: the app answered {status}")))
        }
        Ok((status, _)) => Err(FnError::non_retriable(format!(
            "{action}: the app answered {status}"
        ))),
        Err(e) => Err(FnError::new(format!("{action}: {e}"))),
    }
}

/// Send the reply through Front once, then remove the draft it replaces.
async fn send_reply_once(
    store: &dyn Store,
    services: &Services,
    action: &ActionRecord,
) -> Result<Value, FnError> {
    let front = services
        .front
        .as_ref()
        .ok_or_else(|| FnError::non_retriable("Front is not configured"))?;
    let key = format!("reply:{}", action.id);
    let before = store
        .ledger_start(&key, &action.id, services.now_ms())
        .await
        .map_err(|e| FnError::new(format!("ledger: {e}")))?;
    let sent = match before {
        LedgerState::Completed { result } => result,
        state => {
            // After an attempt that may have reached Front, look before sending again.
            let already = if state == LedgerState::Started {
                front
                    .list_conversation_messages(&action.conversation_id)
                    .await
                    .map_err(|e| front_error("list messages", e))?
                    .iter()
                    .any(|m| {
                        !m.is_inbound
                            && m.draft_mode.is_none()
                            && m.text.as_deref().or(m.body.as_deref()).map(str::trim)
                                == Some(action.reply.trim())
                    })
            } else {
                false
            };
            let result = if already {
                json!({"sent": true, "found": true})
            } else {
                let accepted = front
                    .reply(
                        &action.conversation_id,
                        &NewReply {
                            body: action.reply.clone(),
                            channel_id: None,
                            author_id: None,
                        },
                    )
                    .await
                    .map_err(|e| front_error("send the reply", e))?;
                json!({"sent": true, "messageUid": accepted.message_uid})
            };
            store
                .ledger_complete(&key, &result, services.now_ms())
                .await
                .map_err(|e| FnError::new(format!("ledger: {e}")))?;
            result
        }
    };
    // The draft is replaced by the reply, never left behind.
    if let Some(draft) = &action.draft_id {
        remove_draft(front, &action.conversation_id, draft).await?;
    }
    Ok(sent)
}

/// Delete a draft (Front wants its current version); a draft already gone is fine.
pub(crate) async fn remove_draft(
    front: &support_front::FrontClient,
    conversation_id: &str,
    draft_id: &str,
) -> Result<(), FnError> {
    let drafts = front
        .list_conversation_drafts(conversation_id)
        .await
        .map_err(|e| front_error("list drafts", e))?;
    if let Some(d) = drafts.iter().find(|d| d.id == draft_id) {
        let version = d.version.clone().unwrap_or_default();
        match front.delete_draft(draft_id, &version).await {
            Ok(()) | Err(support_front::FrontError::NotFound { .. }) => {}
            Err(e) => return Err(front_error("delete the draft", e)),
        }
    }
    Ok(())
}

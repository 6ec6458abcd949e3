//! `support-execute`: runs an approved action's effects exactly once.
//!
//! - **Claimed, not assumed**: the execution first claims the action (approved →
//!   executing, one conditional update naming its run); a second execution of the same
//!   action finds it held and runs nothing.
//! - **One ledger entry and one step per effect**: a refund is two effects, the Stripe
//!   refund then the app's `revokeAccess`, each under its own key
//!   (`<app>:<action>:<n>:<part>`), claimed by one insert before it runs and committed
//!   (with its audit row) as soon as it happened. A later failure says exactly what
//!   already happened ("refunded, access not revoked").
//! - **Re-read at the moment of the effect**: inside each step, before each effect, the
//!   action and its approval are read again and [`may_execute`] checks the approval,
//!   the arguments' hash and the claim; nothing is taken from a memoized earlier step.
//! - A refund never exceeds what the charge still holds (Stripe's `amount_refunded`),
//!   an earlier attempt's refund is found at Stripe by its ledger key, and Stripe's
//!   `Idempotency-Key` is derived from the same key.
//! - A login link is minted inside the reply's step, right before the reply goes out,
//!   and exists nowhere else: not in D1, step state, Slack, logs or the Front draft.

use std::future::Future;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use support_agent::{EffectError, Effects, Refunded};
use support_core::approval::{may_execute, reply_to_send};
use support_core::effect::{ledger_key, reply_ledger_key, Effect, LOGIN_LINK_PLACEHOLDER};
use support_core::escape::{html, html_text, text_of_html};
use support_core::events::ActionApproved;
use support_front::NewReply;
use support_inngest::serve::{
    FnError, FunctionConfig, Input, ServeFunction, Step, StepError, Trigger,
};
use support_store::{ActionClaim, ActionRecord, ActionStatus, AuditKind, LedgerClaim, Store};
use web_time::Instant;

use super::{learn, names, notify_thread};
use crate::pipeline::{
    front_error, load_app, redact, retryable, store_error, Audit, AuditRow, Services,
};

pub use support_agent::stripe_idempotency_key;

/// The function's id.
pub const ID: &str = "support-execute";

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

fn effect_error(e: EffectError) -> FnError {
    match e.retry {
        None => FnError::non_retriable(e.message),
        Some(after) => retryable("effect", e.message, after),
    }
}

/// One execution: who it is and what it acts on.
struct Execution<'a> {
    store: &'a dyn Store,
    services: &'a Services,
    audit: &'a Audit<'a>,
    run_id: &'a str,
    action_id: &'a str,
    app_id: &'a str,
}

impl Execution<'_> {
    /// The action and its approval as they are now, checked for this execution.
    async fn current(&self) -> Result<(ActionRecord, support_store::ApprovalRecord), FnError> {
        let action = self
            .store
            .action(self.action_id)
            .await
            .map_err(store_error)?
            .ok_or_else(|| FnError::non_retriable("the action vanished"))?;
        let approval = self
            .store
            .approval(self.action_id)
            .await
            .map_err(store_error)?
            .ok_or_else(|| FnError::non_retriable("the approval vanished"))?;
        may_execute(&action, &approval, self.run_id).map_err(FnError::non_retriable)?;
        Ok((action, approval))
    }

    /// Run one part of one effect under its ledger entry, in the step it is called
    /// from: re-read and check, claim, run (given the action as it is now and the
    /// entry's key), commit and audit at once.
    async fn once<T, F, Fut>(
        &self,
        index: usize,
        part: &str,
        tool: &str,
        effect: F,
    ) -> Result<T, FnError>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce(ActionRecord, String) -> Fut,
        Fut: Future<Output = Result<T, EffectError>>,
    {
        let started = Instant::now();
        let (action, _) = self.current().await?;
        let key = ledger_key(self.app_id, self.action_id, index, part);
        match self
            .store
            .ledger_claim(&key, self.action_id, self.run_id, self.services.now_ms())
            .await
            .map_err(store_error)?
        {
            LedgerClaim::Completed { result } => {
                return serde_json::from_value(result)
                    .map_err(|e| FnError::non_retriable(format!("ledger {key}: {e}")))
            }
            LedgerClaim::HeldBy { owner } => {
                return Err(FnError::non_retriable(format!(
                    "{key} is held by another execution ({owner}); not run twice"
                )))
            }
            LedgerClaim::Claimed | LedgerClaim::Resumed => {}
        }
        let done = effect(action, key.clone()).await.map_err(effect_error)?;
        let result = serde_json::to_value(&done).unwrap_or(Value::Null);
        self.store
            .ledger_complete(&key, &result, self.services.now_ms())
            .await
            .map_err(store_error)?;
        let mut row = AuditRow::new(
            AuditKind::Execution,
            format!("{tool}:{part}"),
            json!({"ledgerKey": key, "index": index}),
            started,
        );
        row.action_id = Some(self.action_id.to_owned());
        row.output = Some(redact(&result));
        self.audit
            .write(&format!("execute {index} {part}"), row)
            .await?;
        Ok(done)
    }
}

async fn run(
    store: Arc<dyn Store>,
    services: Arc<Services>,
    input: Input,
    step: Step,
) -> Result<Value, FnError> {
    let ActionApproved {
        action_id,
        app_id,
        conversation_id,
        ..
    } = crate::pipeline::event_data(&input)?;
    let audit = Audit {
        store: store.as_ref(),
        services: &services,
        run_id: &input.run_id,
        app_id: &app_id,
        conversation_id: &conversation_id,
    };

    // Claim the action: of two executions, one runs its effects.
    let claimed: Option<ActionRecord> = step
        .run("claim", || async {
            match store
                .claim_action(&action_id, &input.run_id, services.now_ms())
                .await
                .map_err(store_error)?
            {
                ActionClaim::Claimed(action) => {
                    let approval = store
                        .approval(&action_id)
                        .await
                        .map_err(store_error)?
                        .ok_or_else(|| FnError::non_retriable("no approval"))?;
                    may_execute(&action, &approval, &input.run_id)
                        .map_err(FnError::non_retriable)?;
                    Ok(Some(action))
                }
                ActionClaim::Refused(action) => {
                    let mut row = AuditRow::new(
                        AuditKind::Execution,
                        "not claimed",
                        json!({"status": action.status, "executor": action.executor}),
                        Instant::now(),
                    );
                    row.action_id = Some(action_id.clone());
                    audit.write("claim", row).await?;
                    Ok(None)
                }
                ActionClaim::NotFound => {
                    Err(FnError::non_retriable(format!("no action {action_id}")))
                }
            }
        })
        .await?;
    let Some(action) = claimed else {
        return Ok(
            json!({"actionId": action_id, "skipped": "the action is not approved and unclaimed (executed, failed, or held by another execution)"}),
        );
    };
    if action.app_id != app_id {
        return Err(FnError::non_retriable(
            "the event names another app than the action",
        ));
    }
    if let Some(telemetry) = &services.telemetry {
        telemetry.set_context(crate::telemetry::RunContext::from_action(
            &action.app_id,
            &action.conversation_id,
            &action.context,
        ));
    }
    let exec = Execution {
        store: store.as_ref(),
        services: &services,
        audit: &audit,
        run_id: &input.run_id,
        action_id: &action_id,
        app_id: &action.app_id,
    };
    let effects = || async {
        let app = load_app(store.as_ref(), &app_id).await?;
        Ok::<_, FnError>(Effects {
            sdk: services.sdk(&app),
            stripe: services.stripe_for(&app),
        })
    };

    let mut results = Vec::new();
    let mut failure: Option<String> = None;
    'effects: for (i, effect) in action.proposals.iter().enumerate() {
        let tool = effect.tool().name();
        match effect {
            Effect::Refund(refund) => {
                let refunded = step
                    .run(&format!("execute {i} refund"), || async {
                        let effects = effects().await?;
                        exec.once(i, "refund", tool, |action, key| async move {
                            effects.refund(refund, &action.id, &key).await
                        })
                        .await
                    })
                    .await;
                let refunded: Refunded = match refunded {
                    Ok(r) => r,
                    Err(StepError::Failed(body)) => {
                        failure = Some(format!(
                            "the refund of {} failed: {}",
                            refund.amount, body.message
                        ));
                        break 'effects;
                    }
                    Err(other) => return Err(other.into()),
                };
                results.push(json!({"tool": tool, "part": "refund", "result": refunded}));
                let revoked = step
                    .run(&format!("execute {i} revoke"), || async {
                        let effects = effects().await?;
                        let refund_id = refunded.refund_id.clone();
                        exec.once(i, "revoke", tool, |_, _| async move {
                            effects
                                .revoke(refund, &refund_id)
                                .await
                                .map(|()| json!({"revoked": true, "refundId": refund_id}))
                        })
                        .await
                    })
                    .await;
                match revoked {
                    Ok(v) => results.push(json!({"tool": tool, "part": "revoke", "result": v})),
                    Err(StepError::Failed(body)) => {
                        failure = Some(format!(
                            "refunded {} ({}), access not revoked: {}",
                            refunded.amount, refunded.refund_id, body.message
                        ));
                        break 'effects;
                    }
                    Err(other) => return Err(other.into()),
                }
            }
            Effect::LoginLink(_) => {
                // Minted in the reply's step, right before the reply goes out.
            }
            other => {
                let part = effect.parts()[0];
                let outcome = step
                    .run(&format!("execute {i} {part}"), || async {
                        let effects = effects().await?;
                        exec.once(i, part, tool, |action, _| {
                            run_other(other.clone(), effects, store.as_ref(), &services, action)
                        })
                        .await
                    })
                    .await;
                match outcome {
                    Ok(v) => results.push(json!({"tool": tool, "part": part, "result": v})),
                    Err(StepError::Failed(body)) => {
                        failure = Some(format!("{} failed: {}", effect.headline(), body.message));
                        break 'effects;
                    }
                    Err(other) => return Err(other.into()),
                }
            }
        }
    }

    if failure.is_none() && !action.reply.trim().is_empty() {
        let outcome = step
            .run("send reply", || async {
                let started = Instant::now();
                let (action, approval) = exec.current().await?;
                let reply = reply_to_send(&action, &approval).to_owned();
                let effects = effects().await?;
                let result = send_reply_once(&exec, &effects, &action, &reply).await?;
                let mut row = AuditRow::new(
                    AuditKind::Execution,
                    "reply",
                    json!({"chars": reply.chars().count(), "draftId": action.draft_id, "edited": approval.edited_reply.is_some()}),
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
                &[ActionStatus::Executing],
                final_status,
                Some(&result),
                failure.as_deref(),
                services.now_ms(),
            )
            .await
            .map_err(store_error)?;
        let mut row = AuditRow::new(
            AuditKind::Execution,
            "outcome",
            json!({"status": final_status}),
            started,
        );
        row.action_id = Some(action.id.clone());
        row.error = failure.clone();
        row.output = Some(redact(&result));
        audit.write("record outcome", row).await?;
        Ok(true)
    })
    .await?;
    // A reply a person let go out teaches the knowledge base (after their review). A
    // failure here changes nothing that was sent: it is recorded and the run ends well.
    let reply_sent = results.iter().any(|r| r["tool"] == "reply");
    if failure.is_none() && reply_sent {
        let learned = step
            .run("learn from the reply", || async {
                // Read as recorded now (executed): what was sent is the approval's.
                let action = store
                    .action(&action.id)
                    .await
                    .map_err(store_error)?
                    .ok_or_else(|| FnError::non_retriable("the action is gone"))?;
                let approval = store
                    .approval(&action.id)
                    .await
                    .map_err(store_error)?
                    .ok_or_else(|| FnError::non_retriable("the approval is gone"))?;
                let sent = reply_to_send(&action, &approval).to_owned();
                learn::learn_from_reply(
                    store.as_ref(),
                    &services,
                    &audit,
                    &action,
                    &sent,
                    approval.edited_reply.is_some(),
                )
                .await
            })
            .await;
        if let Err(StepError::Failed(body)) = &learned {
            (services.warn)(&format!(
                "learning from the reply of {} failed: {}",
                action.id, body.message
            ));
        } else {
            learned?;
        }
    }
    if let Some(reason) = &failure {
        step.run("tell the approvers", || async {
            let done: Vec<String> = results.iter().map(|r| format!("{}:{}", r["tool"].as_str().unwrap_or("?"), r["part"].as_str().unwrap_or("done"))).collect();
            notify_thread(store.as_ref(), &services, &action.id, &format!(
                ":warning: Execution stopped: {}. Done before it: {}. Nothing after it ran; the ledger keeps what completed.",
                reason,
                if done.is_empty() { "nothing".to_owned() } else { done.join(", ") }
            )).await?;
            Ok(true)
        })
        .await?;
    }
    Ok(json!({"actionId": action.id, "status": final_status, "error": failure}))
}

/// The effects that are one call each: a transfer, an email or name change, the
/// instructor's assignment.
async fn run_other(
    effect: Effect,
    effects: Effects,
    store: &dyn Store,
    services: &Services,
    action: ActionRecord,
) -> Result<Value, EffectError> {
    let never = |message: String| EffectError {
        message,
        retry: None,
    };
    match &effect {
        Effect::Transfer(t) => effects
            .transfer(t)
            .await
            .map(|()| json!({"transferred": true, "to": t.to_email})),
        Effect::UpdateEmail(u) => effects
            .update_email(u)
            .await
            .map(|()| json!({"updated": "email"})),
        Effect::UpdateName(u) => effects
            .update_name(u)
            .await
            .map(|()| json!({"updated": "name"})),
        Effect::Assign(a) => {
            let front = services
                .front
                .as_ref()
                .ok_or_else(|| never("Front is not configured".into()))?;
            let app = store
                .app(&action.app_id)
                .await
                .map_err(|e| EffectError {
                    message: e.to_string(),
                    retry: Some(None),
                })?
                .ok_or_else(|| never("the app is not registered".into()))?;
            let teammate = app
                .settings
                .instructor_teammate_id
                .clone()
                .ok_or_else(|| never("the app has no instructor teammate".into()))?;
            front
                .set_assignee(&a.conversation_id, &teammate)
                .await
                .map_err(|e| {
                    let retry = e.is_retryable().then_some(None);
                    EffectError {
                        message: format!("assign: {e}"),
                        retry,
                    }
                })?;
            Ok(json!({"assignee": teammate}))
        }
        Effect::Refund(_) | Effect::LoginLink(_) => {
            Err(never(format!("{} has steps of its own", effect.tool())))
        }
    }
}

/// Plain text of a Front message (its `text`, else its body without tags), to find a
/// reply an earlier attempt sent.
fn plain_of(message: &support_front::Message) -> String {
    match message.text.as_deref() {
        Some(text) => text.to_owned(),
        None => text_of_html(message.body.as_deref().unwrap_or_default()),
    }
}

/// Whether `sent` is `reply` as sent, its login links being whatever was minted.
fn is_sent_reply(sent: &str, reply: &str) -> bool {
    let parts: Vec<&str> = reply.trim().split(LOGIN_LINK_PLACEHOLDER).collect();
    let sent = sent.trim();
    match parts.as_slice() {
        [whole] => sent == *whole,
        [first, .., last] => sent.starts_with(first) && sent.ends_with(last),
        [] => false,
    }
}

/// The reply's HTML: the text escaped, each placeholder a link to `link`.
fn reply_html(reply: &str, link: Option<&str>) -> String {
    match link {
        Some(link) => reply
            .split(LOGIN_LINK_PLACEHOLDER)
            .map(html_text)
            .collect::<Vec<_>>()
            .join(&format!("<a href=\"{}\">{}</a>", html(link), html(link))),
        None => html_text(reply),
    }
}

/// Send the reply through Front once (minting the login link right before, when the
/// reply has one), then remove the draft it replaces.
async fn send_reply_once(
    exec: &Execution<'_>,
    effects: &Effects,
    action: &ActionRecord,
    reply: &str,
) -> Result<Value, FnError> {
    let services = exec.services;
    let front = services
        .front
        .as_ref()
        .ok_or_else(|| FnError::non_retriable("Front is not configured"))?;
    let key = reply_ledger_key(&action.app_id, &action.id);
    let claim = exec
        .store
        .ledger_claim(&key, &action.id, exec.run_id, services.now_ms())
        .await
        .map_err(store_error)?;
    let sent = match claim {
        LedgerClaim::Completed { result } => result,
        LedgerClaim::HeldBy { owner } => {
            return Err(FnError::non_retriable(format!(
                "the reply is held by another execution ({owner}); not sent twice"
            )))
        }
        claim => {
            // After an attempt that may have reached Front, look before sending again.
            let already = claim == LedgerClaim::Resumed
                && front
                    .list_conversation_messages(&action.conversation_id)
                    .await
                    .map_err(|e| front_error("list messages", e))?
                    .iter()
                    .any(|m| {
                        !m.is_inbound
                            && m.draft_mode.is_none()
                            && is_sent_reply(&plain_of(m), reply)
                    });
            let result = if already {
                json!({"sent": true, "found": true})
            } else {
                let link = if reply.contains(LOGIN_LINK_PLACEHOLDER) {
                    let Some(Effect::LoginLink(link)) = action
                        .proposals
                        .iter()
                        .find(|p| matches!(p, Effect::LoginLink(_)))
                    else {
                        return Err(FnError::non_retriable(
                            "the reply has a login link's place but no login link was approved",
                        ));
                    };
                    Some(effects.mint_login_link(link).await.map_err(effect_error)?)
                } else {
                    None
                };
                let accepted = front
                    .reply(
                        &action.conversation_id,
                        &NewReply {
                            body: reply_html(reply, link.as_deref()),
                            channel_id: None,
                            author_id: None,
                        },
                    )
                    .await
                    .map_err(|e| front_error("send the reply", e))?;
                // The link itself is not kept: only that one went out.
                json!({"sent": true, "messageUid": accepted.message_uid, "loginLink": link.is_some()})
            };
            exec.store
                .ledger_complete(&key, &result, services.now_ms())
                .await
                .map_err(store_error)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_with_a_link_is_found_whatever_link_was_minted() {
        let reply = "Hi Dana,\nLog in here: {{login_link}}\nSam";
        let sent = "Hi Dana,\nLog in here: https://app.test/login?t=abc\nSam";
        assert!(is_sent_reply(sent, reply));
        assert!(!is_sent_reply("Hi Sam,\nLog in here: x\nSam", reply));
        assert!(is_sent_reply("Hello", "Hello"));
    }

    #[test]
    fn the_reply_html_escapes_the_text_and_links_the_minted_link() {
        assert_eq!(
            reply_html("<b>Hi</b>\nLog in: {{login_link}}", Some("https://a.test/?x=1&y=\"2\"")),
            "&lt;b&gt;Hi&lt;/b&gt;<br>Log in: <a href=\"https://a.test/?x=1&amp;y=&quot;2&quot;\">https://a.test/?x=1&amp;y=&quot;2&quot;</a>"
        );
        assert_eq!(reply_html("a & b", None), "a &amp; b");
    }
}

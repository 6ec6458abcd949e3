//! `support-supersede`: a pending approval is overtaken when the customer writes again
//! (`support/inbound.received`) or a teammate replies in Front
//! (`support/outbound.message`). Its record becomes `superseded` (its own state, never
//! a rejection), nothing of it will execute, and its waiting request wakes up to close
//! it: the card says so and the draft goes.
//!
//! The new message's own action is not among them: it is proposed later, by the
//! pipeline this same event starts.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{json, Value};
use support_core::events::{self, names as event_names, ApprovalDecided};
use support_inngest::serve::{FnError, FunctionConfig, Input, ServeFunction, Step, Trigger};
use support_store::{ActionStatus, AuditKind, Store};
use web_time::Instant;

use super::names;
use crate::pipeline::respond::action_id;
use crate::pipeline::{store_error, Audit, AuditRow, Services};

/// The function's id.
pub const ID: &str = "support-supersede";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Intake {
    app_id: String,
    conversation_id: String,
    front_event_id: String,
    /// A teammate's reply: what they sent (plain text).
    #[serde(default)]
    body: Option<String>,
}

/// The function.
pub fn function(store: Arc<dyn Store>, services: Arc<Services>) -> ServeFunction {
    let config = FunctionConfig::new(ID)
        .name("Supersede pending approvals when the conversation moves on")
        .trigger(Trigger::event(names::INBOUND_RECEIVED))
        .trigger(Trigger::event(names::OUTBOUND_MESSAGE))
        .retries(3);
    ServeFunction::new(config, move |input: Input, step: Step| {
        let (store, services) = (store.clone(), services.clone());
        async move { run(store, services, input, step).await }
    })
}

async fn run(
    store: Arc<dyn Store>,
    services: Arc<Services>,
    input: Input,
    step: Step,
) -> Result<Value, FnError> {
    let Intake {
        app_id,
        conversation_id,
        front_event_id,
        body,
    } = crate::pipeline::event_data(&input)?;
    // What a teammate sent answers the newest draft: its outcome is the send, measured
    // against the draft; older drafts were overtaken.
    let sent = (input.event.name == names::OUTBOUND_MESSAGE)
        .then_some(body)
        .flatten();
    let reason = if input.event.name == names::OUTBOUND_MESSAGE {
        "a teammate replied in Front"
    } else {
        "the customer wrote again"
    };
    let audit = Audit {
        store: store.as_ref(),
        services: &services,
        run_id: &input.run_id,
        app_id: &app_id,
        conversation_id: &conversation_id,
    };
    let own = action_id(&front_event_id);
    let superseded: Vec<(String, String)> = step
        .run("supersede", || async {
            let started = Instant::now();
            let pending = store
                .pending_actions_of(&conversation_id)
                .await
                .map_err(store_error)?;
            let mut done = Vec::new();
            let newest = pending
                .iter()
                .filter(|a| a.id != own)
                .max_by_key(|a| (a.created_at, a.id.clone()))
                .map(|a| a.id.clone());
            for action in pending.iter().filter(|a| a.id != own) {
                if store
                    .supersede(&action.id, reason, services.now_ms())
                    .await
                    .map_err(store_error)?
                {
                    let outcome = match &sent {
                        Some(text) if newest.as_deref() == Some(action.id.as_str()) => {
                            crate::outcomes::of_send(action, text)
                        }
                        _ => support_core::outcome::Outcome::Superseded,
                    };
                    crate::corrections::record(
                        store.as_ref(),
                        &services,
                        action,
                        &outcome,
                        sent.as_deref(),
                        None,
                        services.now_ms(),
                    )
                    .await;
                    crate::outcomes::record(
                        store.as_ref(),
                        &services,
                        action,
                        outcome,
                        services.now_ms(),
                    )
                    .await;
                    let mut row = AuditRow::new(
                        AuditKind::Decision,
                        "superseded",
                        json!({"by": "system", "reason": reason, "event": input.event.name}),
                        started,
                    );
                    row.action_id = Some(action.id.clone());
                    audit
                        .write(&format!("supersede {}", action.id), row)
                        .await?;
                    done.push((action.id.clone(), action.app_id.clone()));
                }
            }
            Ok(done)
        })
        .await?;
    if !superseded.is_empty() {
        // Wake each approval's wait, so it closes now rather than at its next slice.
        let wake: Vec<Value> = superseded
            .iter()
            .map(|(id, app)| {
                events::event(
                    event_names::APPROVAL_DECIDED,
                    format!("decided-{id}"),
                    &ApprovalDecided {
                        version: events::ENVELOPE_VERSION,
                        action_id: id.clone(),
                        app_id: app.clone(),
                        conversation_id: conversation_id.clone(),
                        status: ActionStatus::Superseded,
                        by: "system".into(),
                    },
                )
            })
            .collect();
        step.send_event("wake the approvals", wake).await?;
    }
    Ok(
        json!({"superseded": superseded.iter().map(|(id, _)| id).collect::<Vec<_>>(), "reason": reason}),
    )
}

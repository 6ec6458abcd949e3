//! `conversation-watch`: watch a new inbound conversation until a teammate answers.
//!
//! It reads the conversation from its cache, lets the conversation settle, then waits
//! for the reply (`support/outbound.message` for the same conversation) up to the
//! response target, and records whether it was met. A timeout is its own outcome
//! (nobody answered in time), never a "no".

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use support_core::events::names;
use support_inngest::serve::{
    Cancel, FnError, FunctionConfig, Input, ServeFunction, Step, Trigger, WaitOpts,
};

use crate::ports::ConversationStore;
use crate::WorkflowSettings;

/// The function's id (served as `support-platform-conversation-watch`).
pub const WATCH_FUNCTION_ID: &str = "conversation-watch";

/// The part of an intake event this function reads.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConversationEvent {
    #[serde(default)]
    conversation_id: String,
}

/// What the first step remembers of the conversation (no customer data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Summary {
    subject: Option<String>,
    customer: bool,
    messages: usize,
}

/// The function, reading conversations through `store`.
pub fn conversation_watch(
    store: Arc<dyn ConversationStore>,
    settings: &WorkflowSettings,
) -> ServeFunction {
    let settings = settings.clone();
    let config = FunctionConfig::new(WATCH_FUNCTION_ID)
        .name("Watch a conversation until a teammate answers")
        .trigger(Trigger::event(names::INBOUND_RECEIVED))
        .retries(3)
        .cancel_on(Cancel::on(names::CONVERSATION_SNOOZED).matching("data.conversationId"));
    ServeFunction::new(config, move |input: Input, step: Step| {
        let store = store.clone();
        let settings = settings.clone();
        async move { watch(store, settings, input, step).await }
    })
}

async fn watch(
    store: Arc<dyn ConversationStore>,
    settings: WorkflowSettings,
    input: Input,
    step: Step,
) -> Result<Value, FnError> {
    let event: ConversationEvent = serde_json::from_value(input.event.data.clone())
        .map_err(|e| FnError::non_retriable(format!("the event is not an intake event: {e}")))?;
    let conversation_id = event.conversation_id;
    if conversation_id.is_empty() {
        return Err(FnError::non_retriable("the event has no conversationId"));
    }
    let lookup_id = conversation_id.clone();
    let summary: Summary = step
        .run("load conversation", || async move {
            let snapshot = store
                .snapshot(&lookup_id)
                .await
                .map_err(FnError::from_display)?;
            let meta = snapshot.meta.unwrap_or_default();
            Ok(Summary {
                subject: meta.subject,
                customer: meta.customer_email.is_some(),
                messages: snapshot.messages.len(),
            })
        })
        .await?;

    // Give the teammates (and Front's own rules) a moment before the clock matters.
    step.sleep("settle", settings.settle).await?;

    let reply = step
        .wait_for_event(
            "teammate reply",
            WaitOpts {
                event: names::OUTBOUND_MESSAGE.into(),
                timeout: settings.response_target,
                if_expr: Some("event.data.conversationId == async.data.conversationId".into()),
            },
        )
        .await?;

    let outcome = match &reply {
        Some(event) => {
            json!({"answered": true, "by": event.data["author"]["email"], "sentAt": event.data["sentAt"]})
        }
        // A timeout is its own outcome: nobody answered in time, nobody said no.
        None => json!({"answered": false, "expired": true}),
    };
    step.run("record outcome", || async { Ok(outcome.clone()) })
        .await?;
    Ok(json!({"conversationId": conversation_id, "conversation": summary, "outcome": outcome}))
}

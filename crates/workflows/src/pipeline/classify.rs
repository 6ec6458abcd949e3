//! Classify: the first stage of `support-pipeline`.
//!
//! The message comes from the event, then the conversation's cache, and only what is
//! still missing from Front's API. The 13 signals and the fast path decide most
//! messages; the rest go to the LLM as a forced tool call when one is configured, and
//! to a human when not.

use std::sync::Arc;

use serde_json::{json, Value};
use support_core::classify::{self, Classification, ClassifyInput, DEFAULT_INSTRUCTOR_NAMES};
use support_inngest::serve::{FnError, Input, Step};
use support_store::{AuditKind, Store};
use web_time::Instant;

use super::{event_data, load_app, redact_email, retryable, Audit, AuditRow, Message, Services};
use crate::ports::ConversationStore;

/// Classifies the message of a `support/inbound.received` event: the message as
/// completed from the cache or Front, and its classification.
pub(crate) async fn classify(
    conversations: &Arc<dyn ConversationStore>,
    store: &Arc<dyn Store>,
    services: &Arc<Services>,
    input: &Input,
    step: &Step,
) -> Result<(Message, Classification), FnError> {
    let mut event: Message = event_data(input)?;
    if event.conversation_id.is_empty() || event.app_id.is_empty() {
        return Err(FnError::non_retriable(
            "the event names no conversation or app",
        ));
    }
    // The intake stamps its event with the time the webhook came.
    event.received_at = event.received_at.or(input.event.ts);
    let message: Message = step
        .run("load message", || {
            complete_message(event.clone(), conversations.as_ref(), services)
        })
        .await?;

    let audit = Audit {
        store: store.as_ref(),
        services,
        run_id: &input.run_id,
        app_id: &message.app_id,
        conversation_id: &message.conversation_id,
    };
    let classification: Classification = step
        .run("classify", || async {
            let started = Instant::now();
            let app = load_app(store.as_ref(), &message.app_id).await?;
            let mut instructor_names = app.settings.instructor_names.clone();
            if instructor_names.is_empty() {
                instructor_names = DEFAULT_INSTRUCTOR_NAMES.iter().map(|n| n.to_string()).collect();
            }
            let input = ClassifyInput {
                subject: message.subject.clone(),
                body: message.body.clone(),
                from: Some(message.sender_email.clone()),
                instructor_names,
            };
            let signals = classify::signals(&input);
            let result = match classify::fast_path(&input, &signals) {
                Some(fast) => fast,
                None => match &services.anthropic {
                    Some(_) => llm(services, &input, signals, audit.run_id).await?,
                    None => classify::without_llm(&input, signals),
                },
            };
            let mut row = AuditRow::new(
                AuditKind::Step,
                "classify",
                json!({"from": redact_email(&message.sender_email), "subjectChars": message.subject.len(), "bodyChars": message.body.len()}),
                started,
            );
            row.output = Some(serde_json::to_value(&result).unwrap_or(Value::Null));
            audit.write("classify", row).await?;
            Ok(result)
        })
        .await?;

    Ok((message, classification))
}

/// The event's message, completed from the conversation cache, then Front, when the
/// event's copy is empty or cut.
async fn complete_message(
    mut message: Message,
    conversations: &dyn ConversationStore,
    services: &Services,
) -> Result<Message, FnError> {
    if !message.body.trim().is_empty() && !message.body_truncated {
        return Ok(message);
    }
    if let Ok(snapshot) = conversations.snapshot(&message.conversation_id).await {
        if let Some(cached) = snapshot
            .messages
            .iter()
            .find(|m| m.id == message.message_id)
        {
            if !cached.body.trim().is_empty() && cached.body.len() > message.body.len() {
                message.body = cached.body.clone();
            }
        }
    }
    if (message.body.trim().is_empty() || message.body_truncated) && !message.message_id.is_empty()
    {
        if let Some(front) = &services.front {
            let full = front
                .get_message(&message.message_id)
                .await
                .map_err(|e| super::front_ops::front_error("fetch the message", e))?;
            if let Some(text) = full.text.or(full.body).filter(|t| !t.trim().is_empty()) {
                message.body = text;
                message.body_truncated = false;
            }
        }
    }
    Ok(message)
}

async fn llm(
    services: &Services,
    input: &ClassifyInput,
    signals: classify::Signals,
    run_id: &str,
) -> Result<Classification, FnError> {
    let Some(anthropic) = &services.anthropic else {
        return Ok(classify::without_llm(input, signals));
    };
    let started_ms = services.now_ms();
    let observed = support_agent::classify_with_llm_observed(
        anthropic,
        &services.classifier_model,
        input,
        signals,
    )
    .await
    .map_err(|e| match &e {
        support_agent::ClassifierError::Api(api) if api.is_retryable() => {
            retryable("classifier", &e, api.retry_after())
        }
        _ => FnError::new(e.to_string()),
    })?;
    services.observe_model_call(
        format!("{run_id}:classifier"),
        "classifier",
        &observed.request,
        &observed.response,
        started_ms,
    );
    Ok(observed.classification)
}

//! `support-pipeline`: one run from a customer's message to the approver's card.
//!
//! `support/inbound.received` → [`classify`](super::classify) →
//! [`route`](super::route) → [`respond`](super::respond) → the approval opened (its
//! record and its Slack card) → the events, sent together: `support/inbound.classified`,
//! `support/inbound.routed` (a reply), `support/approval.requested` (which starts the
//! wait for the decision in `support-request-approval`) or `support/action.approved`
//! (auto-sent). Escalations send `support/inbound.escalated` as they happen (the Slack
//! notice listens to it).
//!
//! One run instead of four chained by events: every new run is one more hop through
//! Inngest's scheduler on the path a customer waits on. The events stay, for what
//! listens to them and for the record.

use std::sync::Arc;

use serde_json::{json, Map, Value};
use support_core::events::{Classified, Routed};
use support_core::routing::RouteAction;
use support_inngest::serve::{FnError, FunctionConfig, Input, ServeFunction, Step, Trigger};
use support_store::Store;

use super::{classify, names, respond, route, stage_event, Audit, Services};
use crate::ports::ConversationStore;

/// The function's id.
pub const ID: &str = "support-pipeline";

/// The function.
pub fn function(
    conversations: Arc<dyn ConversationStore>,
    store: Arc<dyn Store>,
    services: Arc<Services>,
) -> ServeFunction {
    let config = FunctionConfig::new(ID)
        .name("Answer an inbound message: classify, route, draft, ask for approval")
        .trigger(Trigger::event(names::INBOUND_RECEIVED))
        .retries(3);
    ServeFunction::new(config, move |input: Input, step: Step| {
        let (conversations, store, services) =
            (conversations.clone(), store.clone(), services.clone());
        async move { run(conversations, store, services, input, step).await }
    })
    .checkpoint_buffer(super::CHECKPOINT_BUFFER)
}

async fn run(
    conversations: Arc<dyn ConversationStore>,
    store: Arc<dyn Store>,
    services: Arc<Services>,
    input: Input,
    step: Step,
) -> Result<Value, FnError> {
    let (message, classification) =
        classify::classify(&conversations, &store, &services, &input, &step).await?;
    let audit = Audit {
        store: store.as_ref(),
        services: &services,
        run_id: &input.run_id,
        app_id: &message.app_id,
        conversation_id: &message.conversation_id,
    };
    let mut out = Map::new();
    out.insert("category".into(), json!(classification.category));
    out.insert("confidence".into(), json!(classification.confidence));
    out.insert("source".into(), json!(classification.source));
    let mut emit = vec![stage_event(
        names::CLASSIFIED,
        format!("classified-{}", message.front_event_id),
        &message,
        &Classified {
            classification: classification.clone(),
        },
    )];

    let (route, tagged) =
        route::route(&store, &services, &audit, &message, &classification, &step).await?;
    out.insert("action".into(), json!(route.action));
    out.insert("rule".into(), json!(route.rule));
    out.insert("tag".into(), tagged);

    if route.action == RouteAction::Respond {
        emit.push(stage_event(
            names::ROUTED,
            format!("routed-{}", message.front_event_id),
            &message,
            &Routed {
                classification: classification.clone(),
                route: route.clone(),
            },
        ));
        let responded = respond::respond(
            &conversations,
            &store,
            &services,
            &audit,
            &message,
            &classification,
            &route,
            &step,
            &mut emit,
        )
        .await?;
        // A proposal waiting for a person: its card shows from this run, before the
        // request starts the wait.
        if let (Some("proposed"), Some(action_id)) = (
            responded["outcome"].as_str(),
            responded["actionId"].as_str(),
        ) {
            crate::approvals::request::open(
                &step,
                &store,
                &services,
                &audit,
                action_id,
                &message.app_id,
            )
            .await?;
        }
        if let Value::Object(fields) = responded {
            out.extend(fields);
        }
    }
    step.send_event("emit", emit).await?;
    Ok(Value::Object(out))
}

//! `/api/inngest`: the platform's durable functions, served to Inngest.
//!
//! The first one watches a new inbound conversation until a teammate answers: it reads
//! the conversation from its Durable Object, lets the conversation settle, then waits
//! for the reply (`support/outbound.message` for the same conversation) up to the
//! response-time target, and records whether it was met.
//!
//! Configuration: `INNGEST_SIGNING_KEY` (and `INNGEST_SIGNING_KEY_FALLBACK` while
//! rotating), `INNGEST_DEV=1` for an unsigned local executor, `INNGEST_API_ORIGIN`
//! (Inngest Cloud by default), `INNGEST_SERVE_URL` (the public URL of this route, used
//! when registering), `INNGEST_EVENT_API_BASE` / `INNGEST_EVENT_KEY` for sending events.

use std::time::Duration;

use serde_json::{json, Value};
use support_http::FetchTransport;
use support_inngest::serve::{
    Cancel, FnError, FunctionConfig, Input, ServeConfig, ServeFunction, ServeHandler, Step,
    Trigger, WaitOpts,
};
use support_inngest::EventApi;
use worker::{Env, Request, Response, Result};

use crate::{config, front_intake::CONVERSATIONS};

/// Inngest app id: function ids are `support-platform-<fn>`.
pub const APP_ID: &str = "support-platform";

fn handler(env: &Env, request_url: &str) -> ServeHandler {
    let mut serve = match config::inngest_signing_key(env) {
        Some(key) if !config::inngest_dev(env) => ServeConfig::cloud(APP_ID, key),
        _ => ServeConfig::dev(APP_ID),
    };
    if let Some(fallback) = config::inngest_signing_key_fallback(env) {
        serve = serve.with_fallback_key(fallback);
    }
    if let Some(origin) = config::inngest_api_origin(env) {
        serve = serve.with_api_origin(origin);
    }
    let serve_url = config::inngest_serve_url(env).unwrap_or_else(|| {
        request_url
            .split('?')
            .next()
            .unwrap_or(request_url)
            .to_owned()
    });
    serve = serve
        .with_serve_url(serve_url)
        .with_framework("cloudflare-workers");
    let events = EventApi::new(
        &config::inngest_event_api_base(env),
        &config::inngest_event_key(env),
        FetchTransport,
    );
    let mut handler = ServeHandler::new(serve)
        .with_transport(FetchTransport)
        .with_event_sender(events)
        .function(conversation_watch(env.clone()));
    if config::inngest_conformance(env) {
        for function in crate::conformance::functions() {
            handler = handler.function(function);
        }
    }
    handler
}

/// How long a new conversation may wait for a first reply.
fn response_target(env: &Env) -> Duration {
    Duration::from_secs(config::response_target_secs(env))
}

fn conversation_watch(env: Env) -> ServeFunction {
    let target = response_target(&env);
    let config = FunctionConfig::new("conversation-watch")
        .name("Watch a conversation until a teammate answers")
        .trigger(Trigger::event("support/inbound.received"))
        .retries(3)
        .cancel_on(Cancel::on("support/conversation.snoozed").matching("data.conversationId"));
    ServeFunction::new(config, move |input: Input, step: Step| {
        let env = env.clone();
        async move { watch(env, input, step, target).await }
    })
}

async fn watch(
    env: Env,
    input: Input,
    step: Step,
    target: Duration,
) -> std::result::Result<Value, FnError> {
    let conversation_id = input.event.data["conversationId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    if conversation_id.is_empty() {
        return Err(FnError::non_retriable("the event has no conversationId"));
    }
    let lookup_env = env.clone();
    let lookup_id = conversation_id.clone();
    let summary: Value = step
        .run("load conversation", || async move {
            let state = conversation_state(&lookup_env, &lookup_id)
                .await
                .map_err(FnError::from_display)?;
            Ok(json!({
                "subject": state["meta"]["subject"],
                "customer": state["meta"]["customerEmail"].is_string(),
                "messages": state["messages"].as_array().map(Vec::len).unwrap_or(0),
            }))
        })
        .await?;

    // Give the teammates (and Front's own rules) a moment before the clock matters.
    step.sleep("settle", Duration::from_secs(30)).await?;

    let reply = step
        .wait_for_event(
            "teammate reply",
            WaitOpts {
                event: "support/outbound.message".into(),
                timeout: target,
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

async fn conversation_state(env: &Env, conversation_id: &str) -> Result<Value> {
    let stub = env
        .durable_object(CONVERSATIONS)?
        .id_from_name(conversation_id)?
        .get_stub()?;
    stub.fetch_with_str("https://conversation/state")
        .await?
        .json()
        .await
}

pub async fn handle(mut req: Request, env: &Env) -> Result<Response> {
    let url = req.url()?.to_string();
    let method = req.method().to_string();
    let headers: Vec<(String, String)> = req.headers().entries().collect();
    let body = req.bytes().await.unwrap_or_default();
    let serve = handler(env, &url);
    let response = serve
        .handle(
            &method,
            &url,
            headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
            &body,
        )
        .await;
    let out = worker::Headers::new();
    for (name, value) in &response.headers {
        out.set(name, value)?;
    }
    Ok(Response::from_bytes(response.body)?
        .with_status(response.status)
        .with_headers(out))
}

//! `POST /webhooks/front`: Front events in, platform events out.
//!
//! Verify over the raw bytes, answer the validation challenge, resolve the app from the
//! inbox, and hand the event to the conversation's Durable Object, which dedupes it and
//! keeps it until Inngest has it. Every answer is JSON; bad input never gets a 500.

use serde_json::json;
use support_core::front::{Intake, Kind, Webhook};
use support_signing::{front, SignatureError, SystemClock};
use worker::{Context, Env, Method, Request, RequestInit, Response, Result};

use crate::conversation::{IntakeOutcome, IntakeRequest};
use crate::{config, registry};

/// Front's events are small; anything bigger is not from Front.
pub const MAX_BODY_BYTES: usize = 512 * 1024;

/// Durable Object binding of the conversations.
pub const CONVERSATIONS: &str = "CONVERSATIONS";

fn json_response(status: u16, body: serde_json::Value) -> Result<Response> {
    Ok(Response::from_json(&body)?.with_status(status))
}

/// Why the signature was refused, without detail an attacker could use.
fn unauthorized(err: SignatureError) -> Result<Response> {
    json_response(
        401,
        json!({ "error": format!("invalid Front signature: {err}") }),
    )
}

pub async fn handle(mut req: Request, env: &Env, ctx: &Context) -> Result<Response> {
    if let Some(length) = req
        .headers()
        .get("content-length")?
        .and_then(|l| l.parse::<usize>().ok())
    {
        if length > MAX_BODY_BYTES {
            return json_response(
                413,
                json!({ "error": format!("body larger than {MAX_BODY_BYTES} bytes") }),
            );
        }
    }
    let body = req.bytes().await?;
    if body.len() > MAX_BODY_BYTES {
        return json_response(
            413,
            json!({ "error": format!("body larger than {MAX_BODY_BYTES} bytes") }),
        );
    }

    let headers = req.headers();
    let signature = headers.get("x-front-signature")?;
    let timestamp = headers.get("x-front-request-timestamp")?;
    let rule_secrets = config::front_rule_secrets(env);
    let verified = if timestamp.is_none() && !rule_secrets.is_empty() {
        // Legacy rule webhooks: body only, accepted only when a rule secret is configured.
        front::verify_rule(signature.as_deref(), &body, &rule_secrets).map(|_| ())
    } else {
        // Application webhooks carry a millisecond timestamp.
        let secrets = config::front_app_secrets(env);
        front::verify_app(
            signature.as_deref(),
            timestamp.as_deref(),
            &body,
            &secrets,
            &SystemClock,
        )
        .map(|_| ())
    };
    match verified {
        Ok(()) => {}
        Err(SignatureError::NoSecretConfigured | SignatureError::InvalidSecret(_)) => {
            worker::console_error!(
                "FRONT_WEBHOOK_SECRET is not configured: refusing Front webhooks"
            );
            return json_response(401, json!({ "error": "Front webhooks are not configured" }));
        }
        Err(err) => return unauthorized(err),
    }

    if let Some(challenge) = headers.get("x-front-challenge")? {
        return json_response(200, json!({ "challenge": challenge }));
    }

    let webhook: Webhook = match serde_json::from_slice(&body) {
        Ok(webhook) => webhook,
        Err(err) => {
            return json_response(
                400,
                json!({ "error": format!("invalid JSON payload: {err}") }),
            )
        }
    };
    if webhook.kind == "sync" {
        return json_response(200, json!({ "received": true, "type": "sync" }));
    }
    let Some(kind) = Kind::from_webhook_type(&webhook.kind) else {
        count(env, ctx, "ignored_type");
        return json_response(
            200,
            json!({ "received": true, "ignored": format!("event type {} is not handled", webhook.kind) }),
        );
    };
    let intake = match Intake::from_webhook(kind, webhook) {
        Ok(intake) => intake,
        Err(err) => return json_response(400, json!({ "error": err.to_string() })),
    };

    let app = registry::app_for_inboxes(&env.d1("DB")?, &intake.inbox_ids).await?;
    let (app_id, inbox_id) = match &app {
        Some((app, inbox)) => (app.slug.as_str(), Some(inbox.as_str())),
        None => ("", intake.inbox_ids.first().map(String::as_str)),
    };
    let now = worker::Date::now().as_millis() as i64;
    let mut event = intake.to_event(app_id, inbox_id, &trace_id(), now);
    if app_id.is_empty() {
        // The conversation's object fills it in if it knows the app.
        event.data.insert("appId".into(), serde_json::Value::Null);
    }
    let request = IntakeRequest {
        event,
        meta: intake.conversation_meta(app_id, inbox_id),
        message: intake.cached_message(),
    };

    let outcome = match forward(env, &intake.conversation_id, &request).await {
        Ok(outcome) => outcome,
        Err(err) => {
            // Not accepted: Front retries on a non-2xx, so nothing is lost.
            worker::console_error!("conversation object unavailable: {err}");
            return json_response(
                503,
                json!({ "error": "temporarily unavailable, retry later" }),
            );
        }
    };
    match outcome {
        IntakeOutcome::Accepted { app_id } => {
            count(env, ctx, "accepted");
            json_response(
                200,
                json!({ "received": true, "eventId": intake.event_id, "appId": app_id }),
            )
        }
        IntakeOutcome::Duplicate => {
            count(env, ctx, "duplicate");
            json_response(
                200,
                json!({ "received": true, "duplicate": true, "eventId": intake.event_id }),
            )
        }
        IntakeOutcome::UnknownApp => {
            count(env, ctx, "unknown_inbox");
            json_response(
                200,
                json!({ "received": true, "ignored": "no app is configured for this inbox" }),
            )
        }
    }
}

async fn forward(
    env: &Env,
    conversation_id: &str,
    request: &IntakeRequest,
) -> Result<IntakeOutcome> {
    let stub = env
        .durable_object(CONVERSATIONS)?
        .id_from_name(conversation_id)?
        .get_stub()?;
    let body =
        serde_json::to_string(request).map_err(|e| worker::Error::RustError(e.to_string()))?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_body(Some(body.into()));
    let mut response = stub
        .fetch_with_request(Request::new_with_init(
            "https://conversation/intake",
            &init,
        )?)
        .await?;
    if response.status_code() != 200 {
        return Err(worker::Error::RustError(format!(
            "conversation object answered {}",
            response.status_code()
        )));
    }
    response.json().await
}

/// Count an intake outcome after the response has gone out.
fn count(env: &Env, ctx: &Context, name: &'static str) {
    let Ok(db) = env.d1("DB") else { return };
    ctx.wait_until(async move {
        let now = worker::Date::now().as_millis() as f64;
        let statement = db.prepare(
            "INSERT INTO intake_counters (name, count, updated_at) VALUES (?1, 1, ?2) \
             ON CONFLICT(name) DO UPDATE SET count = count + 1, updated_at = excluded.updated_at",
        );
        let result = match statement.bind(&[name.into(), now.into()]) {
            Ok(statement) => statement.run().await.map(|_| ()),
            Err(err) => Err(err),
        };
        if let Err(err) = result {
            worker::console_warn!("could not count {name}: {err}");
        }
    });
}

/// A random 128-bit trace id, hex.
fn trace_id() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::getrandom(&mut bytes).is_err() {
        // Never fatal: fall back to the clock.
        return format!("{:032x}", worker::Date::now().as_millis());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

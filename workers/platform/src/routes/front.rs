//! `POST /webhooks/front`: Front events in, platform events out.
//!
//! Parse, call, answer: read the body with a cap, verify the signature over the raw
//! bytes, let [`intake::decide`] say what the webhook is, find the app, and hand the
//! event to the conversation's object, which dedupes it and keeps it until Inngest has
//! it. The 200 goes out only once the object has made the event durable.

use serde_json::json;
use support_core::intake::{self, Decision, IntakeOutcome, Signed};
use support_core::outbox::dedupe_window_ms;
use support_core::settings::Settings;
use support_signing::{front, SignatureError, SystemClock};
use worker::Request;

use super::Ctx;
use crate::env::now_ms;
use crate::http::{header, json, read_body, ApiError, ApiResult};
use crate::objects::ConversationClient;
use crate::ports::{counters, registry};

/// Front's events are small; anything bigger is not from Front.
pub const MAX_BODY_BYTES: usize = 512 * 1024;

pub async fn post(mut req: Request, ctx: Ctx) -> ApiResult {
    let settings = ctx.settings()?;
    let body = read_body(&mut req, MAX_BODY_BYTES).await?;
    let signed = verify(&req, &body, &settings)?;

    let now = now_ms();
    let window = dedupe_window_ms(settings.conversation_ttl_secs);
    let challenge = header(&req, "x-front-challenge");
    let decision = intake::decide(&body, challenge.as_deref(), signed, now, window)
        .map_err(|err| ApiError::bad_request(err.to_string()))?;
    let intake = match decision {
        Decision::Challenge(challenge) => return json(200, &json!({ "challenge": challenge })),
        Decision::Sync => return json(200, &json!({ "received": true, "type": "sync" })),
        Decision::Ignore { reason } => {
            counters::count(&ctx.env, &ctx.ctx, "ignored_type");
            return json(200, &json!({ "received": true, "ignored": reason }));
        }
        Decision::Forward(intake) => intake,
    };

    let app = registry::app_for_inboxes(&ctx.env, &intake.inbox_ids)
        .await
        .map_err(ApiError::unavailable)?;
    let record = intake.record(app, &trace_id(), now);
    if let Some(telemetry) = &ctx.telemetry {
        // The intake's request event carries the trace id every later event joins on.
        telemetry.set_context(support_workflows::telemetry::RunContext {
            trace_id: Some(record.trace_id.clone()),
            conversation_id: Some(intake.conversation_id.clone()),
            ..Default::default()
        });
    }
    // Not accepted on failure: Front retries on a non-2xx, so nothing is lost.
    let outcome = ConversationClient::new(&ctx.env, &intake.conversation_id)?
        .intake(&record)
        .await
        .map_err(ApiError::unavailable)?;
    let (counter, answer) = match outcome {
        IntakeOutcome::Accepted { app_id } => (
            "accepted",
            json!({ "received": true, "eventId": intake.event_id, "appId": app_id }),
        ),
        IntakeOutcome::Duplicate => (
            "duplicate",
            json!({ "received": true, "duplicate": true, "eventId": intake.event_id }),
        ),
        IntakeOutcome::UnknownApp => (
            "unknown_inbox",
            json!({ "received": true, "ignored": "no app is configured for this inbox" }),
        ),
    };
    counters::count(&ctx.env, &ctx.ctx, counter);
    json(200, &answer)
}

/// Application webhooks carry a millisecond timestamp; legacy rule webhooks (no
/// timestamp) are accepted only when a rule secret is configured. The caller learns
/// only that the signature was refused; the log says why.
fn verify(req: &Request, body: &[u8], settings: &Settings) -> Result<Signed, ApiError> {
    let signature = header(req, "x-front-signature");
    let timestamp = header(req, "x-front-request-timestamp");
    let (signed, verified) = if timestamp.is_none() && !settings.front_rule_secrets.is_empty() {
        let verified = front::verify_rule(
            signature.as_deref(),
            body,
            &support_http::Secret::expose_all(&settings.front_rule_secrets),
        );
        (Signed::Rule, verified.map(|_| ()))
    } else {
        let verified = front::verify_app(
            signature.as_deref(),
            timestamp.as_deref(),
            body,
            &support_http::Secret::expose_all(&settings.front_app_secrets),
            &SystemClock,
        );
        (Signed::App, verified.map(|_| ()))
    };
    match verified {
        Ok(()) => Ok(signed),
        Err(err @ (SignatureError::NoSecretConfigured | SignatureError::InvalidSecret(_))) => Err(
            ApiError::new(401, "Front webhooks are not configured").with_cause(format!(
                "FRONT_WEBHOOK_SECRET is not usable ({err}): refusing Front webhooks"
            )),
        ),
        Err(err) => Err(ApiError::new(401, "invalid Front signature").with_cause(err)),
    }
}

/// A random 128-bit trace id, hex.
fn trace_id() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::getrandom(&mut bytes).is_err() {
        // Never fatal: fall back to the clock.
        return format!("{:032x}", now_ms());
    }
    hex::encode(bytes)
}

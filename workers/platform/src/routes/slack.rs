//! Slack → the platform: `POST /slack/interactions` (buttons, modals) and
//! `POST /slack/events` (the Events API).
//!
//! Both verify the v0 signature over the raw body (±5 minutes, the signing secret and
//! its previous value) before reading anything. A decision is recorded in the store
//! before the answer (one conditional update: double clicks, retries and concurrent
//! deciders give one decision); Slack's views (the message, ephemerals, modals) are
//! updated in the background so Slack gets its answer well within 3 seconds.

use std::rc::Rc;
use std::sync::Arc;

use serde_json::json;
use support_core::approval::Choice;
use support_signing::{slack as signature, SystemClock};
use support_slack::{parse_event, parse_interaction, EventEnvelope, Interaction};
use support_workflows::approvals::blocks::{self, ids};
use support_workflows::approvals::decide::{self, Recorded};
use support_workflows::PipelinePorts;
use worker::{Request, Response};

use super::Ctx;
use crate::http::{header, json, read_body, ApiError, ApiResult};

/// Slack's payloads are small.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

fn verified_body(req: &Request, body: &[u8], ctx: &Ctx) -> Result<(), ApiError> {
    let settings = ctx.settings()?;
    let secrets = &settings.services.slack_signing_secrets;
    if secrets.is_empty() {
        return Err(
            ApiError::new(503, "Slack is not configured: set SLACK_SIGNING_SECRET")
                .with_cause("refusing a Slack request: SLACK_SIGNING_SECRET is not set"),
        );
    }
    signature::verify(
        header(req, signature::SIGNATURE_HEADER).as_deref(),
        header(req, signature::TIMESTAMP_HEADER).as_deref(),
        body,
        &support_http::Secret::expose_all(secrets),
        &SystemClock,
    )
    .map(|_| ())
    .map_err(|e| ApiError::new(401, "invalid Slack signature").with_cause(e))
}

/// `POST /slack/events`: `url_verification` answered, retries acknowledged once.
pub async fn events(mut req: Request, ctx: Ctx) -> ApiResult {
    let body = read_body(&mut req, MAX_BODY_BYTES).await?;
    verified_body(&req, &body, &ctx)?;
    if header(&req, "x-slack-retry-num").is_some() {
        // Already handled (or being handled) when first sent: do not do it twice.
        return Ok(Response::empty()?.with_status(200));
    }
    match parse_event(&body).map_err(|e| ApiError::bad_request(e.to_string()))? {
        EventEnvelope::UrlVerification { challenge } => {
            json(200, &json!({ "challenge": challenge }))
        }
        EventEnvelope::EventCallback { event_id, .. } => {
            json(200, &json!({ "received": true, "eventId": event_id }))
        }
        EventEnvelope::Other => json(200, &json!({ "received": true })),
    }
}

/// `POST /slack/interactions`.
pub async fn interactions(mut req: Request, ctx: Ctx) -> ApiResult {
    let body = read_body(&mut req, MAX_BODY_BYTES).await?;
    verified_body(&req, &body, &ctx)?;
    let interaction = parse_interaction(&body).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let ports = ctx.pipeline()?;
    match interaction {
        Interaction::BlockActions(actions) => {
            let Some(action) = actions.action() else {
                return ok();
            };
            let Some((action_id, seen_hash)) =
                action.value.as_deref().and_then(blocks::parse_value)
            else {
                return ok();
            };
            let (action_id, seen_hash) = (action_id.to_owned(), seen_hash.to_owned());
            let user = actions.user.id.clone();
            let channel = actions.channel.as_ref().map(|c| c.id.clone());
            match action.action_id.as_str() {
                ids::APPROVE => {
                    let decider = decide::Decider {
                        action_id: &action_id,
                        user: &user,
                        choice: Choice::Approve,
                        seen_hash: Some(&seen_hash),
                        via: decide::Via::Slack,
                    };
                    let recorded = super::record_decision(&ctx, &ports, decider, None).await?;
                    after_decision(&ctx, ports, action_id, user, channel, recorded);
                }
                ids::EDIT | ids::REJECT => {
                    let editing = action.action_id == ids::EDIT;
                    let trigger = actions.trigger_id.clone().unwrap_or_default();
                    ctx.ctx.wait_until(async move {
                        open_modal(ports, action_id, user, channel, trigger, editing).await;
                    });
                }
                _ => {}
            }
            ok()
        }
        Interaction::ViewSubmission(submission) => {
            let view = &submission.view;
            let Some((action_id, seen_hash)) = blocks::parse_value(&view.private_metadata) else {
                return ok();
            };
            let text = |block: &str| {
                view.value(block, ids::TEXT_INPUT)
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned)
            };
            let choice = match view.callback_id.as_str() {
                ids::EDIT_VIEW => match text(ids::REPLY_BLOCK) {
                    Some(reply) => Choice::Edit(reply),
                    None => {
                        return json(
                            200,
                            &json!({"response_action": "errors", "errors": {ids::REPLY_BLOCK: "The reply cannot be empty"}}),
                        );
                    }
                },
                ids::REJECT_VIEW => Choice::Reject(text(ids::REASON_BLOCK)),
                _ => return ok(),
            };
            let user = submission.user.id.clone();
            let block = if view.callback_id == ids::EDIT_VIEW {
                ids::REPLY_BLOCK
            } else {
                ids::REASON_BLOCK
            };
            let decider = decide::Decider {
                action_id,
                user: &user,
                choice,
                seen_hash: Some(seen_hash),
                via: decide::Via::Slack,
            };
            let recorded = super::record_decision(&ctx, &ports, decider, None).await?;
            if !matches!(recorded, Recorded::Decided { .. }) {
                // The modal stays open and says what happened: an edit after someone
                // else decided did not work, and the editor must know.
                return json(
                    200,
                    &json!({"response_action": "errors", "errors": {block: recorded.message()}}),
                );
            }
            let action_id = action_id.to_owned();
            after_decision(&ctx, ports, action_id, user, None, recorded);
            ok()
        }
        Interaction::Other { .. } => ok(),
    }
}

fn ok() -> ApiResult {
    Ok(Response::empty()?.with_status(200))
}

/// Update Slack's views of a decision in the background.
fn after_decision(
    ctx: &Ctx,
    ports: PipelinePorts,
    action_id: String,
    user: String,
    channel: Option<String>,
    recorded: Recorded,
) {
    let ctx_rc: Rc<worker::Context> = ctx.ctx.clone();
    ctx_rc.wait_until(async move {
        let services = Arc::clone(&ports.services);
        let Some(slack) = &services.slack else { return };
        let ephemeral = |text: String| {
            let channel = channel.clone();
            let user = user.clone();
            async move {
                if let Some(channel) = channel {
                    if let Err(e) = slack.post_ephemeral(&channel, &user, &text).await {
                        worker::console_warn!("could not tell {user} in Slack: {e}");
                    }
                }
            }
        };
        match recorded {
            Recorded::Decided { status } => super::redraw_decided(&ports, &action_id, status).await,
            other => ephemeral(other.message()).await,
        }
    });
}

/// Open the edit or rejection modal for an approver (an ephemeral refusal for anyone else).
async fn open_modal(
    ports: PipelinePorts,
    action_id: String,
    user: String,
    channel: Option<String>,
    trigger: String,
    editing: bool,
) {
    let Some(slack) = &ports.services.slack else {
        return;
    };
    let Ok(Some(action)) = support_store::Store::action(ports.store.as_ref(), &action_id).await
    else {
        return;
    };
    let allowed = match support_store::Store::app(ports.store.as_ref(), &action.app_id).await {
        Ok(Some(app)) => app.settings.approvers.iter().any(|a| a == &user),
        _ => false,
    };
    if !allowed {
        if let Some(channel) = channel {
            let _ = slack
                .post_ephemeral(
                    &channel,
                    &user,
                    "You are not an approver for this app, so nothing changed.",
                )
                .await;
        }
        return;
    }
    if editing && !blocks::editable(&action) {
        if let Some(channel) = channel {
            let _ = slack
                .post_ephemeral(
                    &channel,
                    &user,
                    "This reply is too long to edit in Slack without cutting it; edit it through the approvals API, or reject it and answer in Front.",
                )
                .await;
        }
        return;
    }
    let view = if editing {
        blocks::edit_modal(&action)
    } else {
        blocks::reject_modal(&action)
    };
    if let Err(e) = slack.views_open(&trigger, &view).await {
        worker::console_warn!("could not open the modal: {e}");
        // Without this the click would look ignored: say so, and how to go on.
        if let Some(channel) = channel {
            let _ = slack
                .post_ephemeral(
                    &channel,
                    &user,
                    "Slack closed the window for opening this form before it could open (it allows 3 seconds). Nothing changed: click the button again.",
                )
                .await;
        }
    }
}

//! The approvals HTTP API (what the dashboard uses), with the same rules as Slack: only
//! an app's approvers decide, and a decision is recorded once.
//!
//! `Authorization: Bearer <APPROVALS_API_TOKEN>`; closed (404) without the setting.
//! - `GET /api/approvals[?app=slug&limit=N]`: pending approvals, oldest first;
//! - `POST /api/approvals/{action id}/approve` `{"by", "argsHash"?}`;
//! - `POST /api/approvals/{action id}/edit` `{"by", "reply", "argsHash"?}` (edit, then approve);
//! - `POST /api/approvals/{action id}/reject` `{"by", "reason"?}`.
//!
//! Answers: 200 `{"result": "decided", "status"}`; 409 when already decided (with who
//! and what) or when the arguments changed; 403 for someone who is not an approver; 404
//! for an unknown action.

use serde::Deserialize;
use serde_json::json;
use subtle::ConstantTimeEq;
use support_workflows::approvals::decide::{self, Choice, Recorded};
use worker::Request;

use super::Ctx;
use crate::http::{bearer, json, read_body, ApiError, ApiResult};

const MAX_BODY_BYTES: usize = 64 * 1024;

/// Refuse unless the request carries the approvals token (compared in constant time).
pub fn authorize(req: &Request, ctx: &Ctx) -> Result<(), ApiError> {
    let settings = ctx.settings()?;
    let Some(token) = settings.services.approvals_api_token.as_deref() else {
        return Err(ApiError::not_found());
    };
    let given = bearer(req).unwrap_or_default();
    if bool::from(given.as_bytes().ct_eq(token.as_bytes())) {
        Ok(())
    } else {
        Err(ApiError::new(401, "missing or wrong API token"))
    }
}

fn ports(ctx: &Ctx) -> Result<support_workflows::PipelinePorts, ApiError> {
    let settings = ctx.settings()?;
    crate::ports::pipeline::ports(&ctx.env, &settings)
        .ok_or_else(|| ApiError::new(503, "the approval store is not available; see the logs"))
}

pub async fn list(req: Request, ctx: Ctx) -> ApiResult {
    let url = req.url()?;
    let query = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let limit = query("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(50)
        .min(500);
    let ports = ports(&ctx)?;
    let pending = decide::pending(ports.store.as_ref(), query("app").as_deref(), limit)
        .await
        .map_err(ApiError::unavailable)?;
    json(200, &pending)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DecisionBody {
    by: String,
    #[serde(default)]
    args_hash: Option<String>,
    #[serde(default)]
    reply: Option<String>,
    #[serde(default)]
    reason: Option<String>,
}

pub async fn decide_route(mut req: Request, ctx: Ctx) -> ApiResult {
    let body = read_body(&mut req, MAX_BODY_BYTES).await?;
    let body: DecisionBody = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("invalid body: {e}")))?;
    if body.by.trim().is_empty() {
        return Err(ApiError::bad_request(
            "`by` (the approver's id) is required",
        ));
    }
    let action_id = ctx.param(0).to_owned();
    let choice = match ctx.param(1) {
        "approve" => Choice::Approve,
        "edit" => match body
            .reply
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            Some(reply) => Choice::Edit(reply.to_owned()),
            None => return Err(ApiError::bad_request("`reply` is required to edit")),
        },
        "reject" => Choice::Reject(body.reason.clone().filter(|r| !r.trim().is_empty())),
        _ => return Err(ApiError::not_found()),
    };
    let ports = ports(&ctx)?;
    let settings = ctx.settings()?;
    let events = crate::ports::pipeline::events(&settings);
    let recorded = decide::record(
        ports.store.as_ref(),
        &ports.services,
        &events,
        &action_id,
        &body.by,
        choice,
        body.args_hash.as_deref(),
    )
    .await
    .map_err(ApiError::unavailable)?;
    if let Recorded::Decided { status } = &recorded {
        let line = if *status == support_store::ActionStatus::Approved {
            "Approved"
        } else {
            "Rejected"
        };
        let (store, services, action_id) = (
            ports.store.clone(),
            ports.services.clone(),
            action_id.clone(),
        );
        ctx.ctx.wait_until(async move {
            if let Err(e) =
                support_workflows::approvals::redraw(store.as_ref(), &services, &action_id, line)
                    .await
            {
                worker::console_warn!("could not update the approval message: {e}");
            }
        });
    }
    let status = match &recorded {
        Recorded::Decided { .. } => 200,
        Recorded::AlreadyDecided { .. } | Recorded::ArgumentsChanged => 409,
        Recorded::NotAllowed => 403,
        Recorded::NotFound => 404,
    };
    json(status, &json!(recorded))
}

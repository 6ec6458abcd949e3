//! The approvals HTTP API (what the dashboard and scripts use), with the same rules as
//! Slack: only an app's approvers decide, and a decision is recorded once.
//!
//! `Authorization: Bearer <a person's API token>` (`skill tokens create`): the token
//! names the person (their Slack user id) and the apps it may see and decide for. The
//! approver always comes from the token, never from the body.
//! - `GET /api/approvals[?app=slug&limit=N]`: pending approvals of the token's apps,
//!   oldest first;
//! - `POST /api/approvals/{action id}/approve` `{"argsHash"?}`;
//! - `POST /api/approvals/{action id}/edit` `{"reply", "argsHash"?}` (edit, then approve);
//! - `POST /api/approvals/{action id}/reject` `{"reason"?}`.
//!
//! Answers: 200 `{"result": "decided", "status"}`; 409 when already decided, expired
//! or superseded (with who and what) or when the arguments changed; 400 for an edit that
//! cannot be sent; 401 without a valid token; 403 for an app outside the token or a
//! person who is not its approver; 404 for an unknown action.

use serde::Deserialize;
use serde_json::json;
use support_core::approval::Choice;
use support_store::ApiToken;
use support_workflows::approvals::decide::{self, Recorded};
use support_workflows::PipelinePorts;
use worker::Request;

use super::Ctx;
use crate::http::{bearer, json, read_body, ApiError, ApiResult};

const MAX_BODY_BYTES: usize = 64 * 1024;

/// The person behind the request's token.
async fn approver(req: &Request, ports: &PipelinePorts) -> Result<ApiToken, ApiError> {
    let given = bearer(req).unwrap_or_default();
    if given.is_empty() {
        return Err(ApiError::new(401, "missing API token"));
    }
    ports
        .store
        .api_token(&support_store::token_hash(&given))
        .await
        .map_err(ApiError::unavailable)?
        .ok_or_else(|| ApiError::new(401, "unknown or revoked API token"))
}

pub async fn list(req: Request, ctx: Ctx) -> ApiResult {
    let ports = ctx.pipeline()?;
    let token = approver(&req, &ports).await?;
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
    let apps = match query("app") {
        Some(app) if token.allows(&app) => vec![app],
        Some(app) => {
            return Err(ApiError::new(
                403,
                format!("this token cannot see app {app:?}"),
            ))
        }
        None => token.apps.clone(),
    };
    let pending = decide::pending(ports.store.as_ref(), Some(&apps), limit)
        .await
        .map_err(ApiError::unavailable)?;
    json(200, &pending)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DecisionBody {
    #[serde(default)]
    args_hash: Option<String>,
    #[serde(default)]
    reply: Option<String>,
    #[serde(default)]
    reason: Option<String>,
}

pub async fn decide_route(mut req: Request, ctx: Ctx) -> ApiResult {
    let ports = ctx.pipeline()?;
    let body = read_body(&mut req, MAX_BODY_BYTES).await?;
    let action_id = ctx.param(0).to_owned();
    // The token and the action, read together; the token is checked first.
    let (token, action) = futures::join!(approver(&req, &ports), ports.store.action(&action_id));
    let token = token?;
    let raw: serde_json::Value = if body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::bad_request(format!("invalid body: {e}")))?
    };
    if raw.get("by").is_some() {
        return Err(ApiError::bad_request(
            "`by` is not accepted: the approver is the person the API token belongs to",
        ));
    }
    let body: DecisionBody = serde_json::from_value(raw)
        .map_err(|e| ApiError::bad_request(format!("invalid body: {e}")))?;
    let choice = match ctx.param(1) {
        "approve" => Choice::Approve,
        "edit" => match body.reply.clone() {
            Some(reply) if !reply.trim().is_empty() => Choice::Edit(reply),
            _ => return Err(ApiError::bad_request("`reply` is required to edit")),
        },
        "reject" => Choice::Reject(body.reason.clone()),
        _ => return Err(ApiError::not_found()),
    };
    let action = action
        .map_err(ApiError::unavailable)?
        .ok_or_else(ApiError::not_found)?;
    if !token.allows(&action.app_id) {
        return Err(ApiError::new(
            403,
            format!("this token cannot decide for app {:?}", action.app_id),
        ));
    }
    let decider = decide::Decider {
        action_id: &action_id,
        user: &token.slack_user_id,
        choice,
        seen_hash: body.args_hash.as_deref(),
        via: decide::Via::Api,
    };
    let recorded = super::record_decision(&ctx, &ports, decider, Some(action)).await?;
    if let Recorded::Decided { status } = recorded {
        let (ports, action_id) = (ports.clone(), action_id.clone());
        ctx.ctx
            .wait_until(async move { super::redraw_decided(&ports, &action_id, status).await });
    }
    let mut answer = serde_json::to_value(&recorded).unwrap_or_default();
    answer["message"] = json!(recorded.message());
    answer["by"] = json!(token.slack_user_id);
    json(recorded.http_status(), &answer)
}

/// `GET /api/stats[?app=slug][&since=<days>]`: the live figures, trust and auto-send
/// state of each app the bearer may see (a person's API token: its apps; the operators'
/// `ADMIN_TOKEN`: every app), over the last `since` days (default 30).
pub async fn stats(req: Request, ctx: Ctx) -> ApiResult {
    let ports = ctx.pipeline()?;
    let admin = super::admin::authorize(&req, &ctx).is_ok();
    let allowed: Option<Vec<String>> = if admin {
        None
    } else {
        Some(approver(&req, &ports).await?.apps)
    };
    let url = req.url()?;
    let query = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .filter(|v| !v.is_empty())
    };
    let days: u32 = match query("since") {
        None => 30,
        Some(raw) => raw
            .trim_end_matches('d')
            .parse()
            .ok()
            .filter(|d| (1..=3650).contains(d))
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "since={raw:?}: expected a number of days from 1 to 3650 (\"30\" or \"30d\")"
                ))
            })?,
    };
    let store = ports.store.as_ref();
    let mut apps = store.apps().await.map_err(ApiError::unavailable)?;
    if let Some(allowed) = &allowed {
        apps.retain(|a| allowed.contains(&a.slug));
    }
    if let Some(slug) = query("app") {
        if !apps.iter().any(|a| a.slug == slug) {
            return Err(ApiError::new(
                if allowed.is_some() { 403 } else { 404 },
                format!("no app {slug:?} for this token"),
            ));
        }
        apps.retain(|a| a.slug == slug);
    }
    let now = crate::env::now_ms();
    let since = now - i64::from(days) * 86_400_000;
    let mut out = Vec::new();
    for app in &apps {
        out.push(
            support_workflows::autosend::app_stats(
                store,
                app,
                since,
                now,
                ports.services.autosend_killed,
            )
            .await
            .map_err(ApiError::unavailable)?,
        );
    }
    json(200, &json!({"sinceDays": days, "apps": out}))
}

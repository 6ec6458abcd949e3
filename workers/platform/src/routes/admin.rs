//! Operator routes, enabled by setting `ADMIN_TOKEN` (`Authorization: Bearer …`);
//! without it they answer 404, as if they did not exist (the route table checks):
//! - `GET /admin/intake/stats`: what the Front intake did with webhooks;
//! - `GET /admin/conversations/{id}`: a conversation's cache and outbox;
//! - `GET /admin/dead-letters[?all=1&limit=N]`: events Inngest refused for good;
//! - `POST /admin/dead-letters/replay` `{"eventIds": [...]}`: put them back in their
//!   conversations' outboxes;
//! - `GET /admin/actions[?app=slug&limit=N]`: actions waiting for approval, oldest first;
//! - `GET /admin/audit?conversation=cnv_…` (or `action=`, `run=`): the audit trail.
//! - `GET /admin/tokens`, `POST /admin/tokens` `{"slackUserId", "apps", "label"}`,
//!   `POST /admin/tokens/{id}/revoke`: the approvers' API tokens (`skill tokens`). A new
//!   token is answered once and stored only as its SHA-256.
//! - `GET /admin/knowledge/faqs[?app=&status=]`, `POST /admin/knowledge/faqs/{id}/approve`
//!   `{"by", "question"?, "answer"?}` and `.../reject` `{"by", "reason"?}`: FAQ entries
//!   learned from sent replies (`skill knowledge candidates`).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::json;
use subtle::ConstantTimeEq;
use support_core::outbox::Replay;
use worker::Request;

use super::Ctx;
use crate::http::{bearer, json, read_body, ApiError, ApiResult};
use crate::objects::ConversationClient;
use crate::ports::{counters, dead_letters};
use support_workflows::people::{PeopleError, ADMIN_TOKEN_ACTOR};

/// Admin request bodies are small.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Refuse unless the request carries the admin token (compared in constant time).
pub fn authorize(req: &Request, ctx: &Ctx) -> Result<(), ApiError> {
    let settings = ctx.settings()?;
    let Some(token) = settings
        .admin_token
        .as_ref()
        .map(support_http::Secret::expose)
    else {
        return Err(ApiError::not_found());
    };
    let given = bearer(req).unwrap_or_default();
    if bool::from(given.as_bytes().ct_eq(token.as_bytes())) {
        Ok(())
    } else {
        Err(ApiError::new(401, "missing or wrong admin token"))
    }
}

pub async fn stats(_req: Request, ctx: Ctx) -> ApiResult {
    use support_store::Store;
    counters::flush(&ctx.env).await?;
    let counters: serde_json::Map<String, serde_json::Value> = ctx
        .store()?
        .intake_counts()
        .await
        .map_err(store_error)?
        .into_iter()
        .map(|(name, count)| (name, count.into()))
        .collect();
    json(200, &json!({ "counters": counters }))
}

pub async fn conversation(_req: Request, ctx: Ctx) -> ApiResult {
    let snapshot = ConversationClient::new(&ctx.env, ctx.param(0))?
        .snapshot()
        .await
        .map_err(ApiError::unavailable)?;
    json(200, &snapshot)
}

pub async fn dead_letters(req: Request, ctx: Ctx) -> ApiResult {
    let url = req.url()?;
    let query: BTreeMap<String, String> = url.query_pairs().into_owned().collect();
    let all = matches!(query.get("all").map(String::as_str), Some("1" | "true"));
    let limit = match query.get("limit") {
        None => 100,
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| ApiError::bad_request("limit must be between 1 and 1000"))?,
    };
    let letters = dead_letters::list(&ctx.env, all, limit).await?;
    json(200, &json!({ "deadLetters": letters }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReplayRequest {
    event_ids: Vec<String>,
}

pub async fn replay(mut req: Request, ctx: Ctx) -> ApiResult {
    let body = read_body(&mut req, MAX_BODY_BYTES).await?;
    let request: ReplayRequest = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("expected {{\"eventIds\": [...]}}: {e}")))?;
    if request.event_ids.is_empty() || request.event_ids.len() > 500 {
        return Err(ApiError::bad_request("eventIds must name 1 to 500 events"));
    }
    let found = dead_letters::take_for_replay(&ctx.env, &request.event_ids).await?;
    let mut by_conversation: BTreeMap<String, Vec<Replay>> = BTreeMap::new();
    for (conversation_id, replay) in found {
        by_conversation
            .entry(conversation_id)
            .or_default()
            .push(replay);
    }
    let mut replayed = Vec::new();
    for (conversation_id, replays) in by_conversation {
        let ids: Vec<String> = replays.iter().map(|r| r.event_id.clone()).collect();
        ConversationClient::new(&ctx.env, &conversation_id)?
            .replay(&replays)
            .await
            .map_err(ApiError::unavailable)?;
        dead_letters::mark_replayed(&ctx.env, &ids).await?;
        replayed.extend(ids);
    }
    let unknown: Vec<&String> = request
        .event_ids
        .iter()
        .filter(|id| !replayed.contains(id))
        .collect();
    json(200, &json!({ "replayed": replayed, "unknown": unknown }))
}

fn query(req: &Request, name: &str) -> Option<String> {
    req.url()
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.is_empty())
}

fn store_error(e: support_store::StoreError) -> ApiError {
    ApiError::new(500, "the store failed; see the logs").with_cause(e)
}

pub async fn actions(req: Request, ctx: Ctx) -> ApiResult {
    use support_store::Store;
    let limit = query(&req, "limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(50)
        .min(500);
    let app = query(&req, "app");
    let actions = ctx
        .store()?
        .pending_actions(app.map(|a| vec![a]).as_deref(), limit)
        .await
        .map_err(store_error)?;
    json(200, &json!({ "actions": actions }))
}

pub async fn audit(req: Request, ctx: Ctx) -> ApiResult {
    use support_store::{AuditFilter, Store};
    let (conversation, action, run) = (
        query(&req, "conversation"),
        query(&req, "action"),
        query(&req, "run"),
    );
    let filter = match (&conversation, &action, &run) {
        (Some(id), _, _) => AuditFilter::Conversation(id),
        (None, Some(id), _) => AuditFilter::Action(id),
        (None, None, Some(id)) => AuditFilter::Run(id),
        _ => return Err(ApiError::new(400, "give conversation=, action= or run=")),
    };
    let entries = ctx
        .store()?
        .audit_trail(filter)
        .await
        .map_err(store_error)?;
    json(200, &json!({ "entries": entries }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewToken {
    slack_user_id: String,
    apps: Vec<String>,
    #[serde(default)]
    label: String,
}

pub async fn tokens(_req: Request, ctx: Ctx) -> ApiResult {
    use support_store::Store;
    let tokens = ctx.store()?.api_tokens().await.map_err(store_error)?;
    json(200, &json!({ "tokens": tokens }))
}

pub async fn create_token(mut req: Request, ctx: Ctx) -> ApiResult {
    use support_store::Store;
    let body = read_body(&mut req, MAX_BODY_BYTES).await?;
    let new: NewToken = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("invalid body: {e}")))?;
    let person = new.slack_user_id.trim().to_owned();
    if person.is_empty() || new.apps.is_empty() {
        return Err(ApiError::bad_request(
            "a token needs `slackUserId` (the person) and at least one app in `apps`",
        ));
    }
    let store = ctx.store()?;
    // A token is only for apps that exist and that this person approves for.
    for slug in &new.apps {
        let app = store
            .app(slug)
            .await
            .map_err(store_error)?
            .ok_or_else(|| ApiError::bad_request(format!("no app {slug:?}")))?;
        if !app.settings.approvers.iter().any(|a| a == &person) {
            return Err(ApiError::bad_request(format!(
                "{person} is not an approver of {slug:?}: add them to the app's approvers first"
            )));
        }
    }
    let mut secret = [0u8; 32];
    let mut id = [0u8; 8];
    getrandom::getrandom(&mut secret)
        .and_then(|()| getrandom::getrandom(&mut id))
        .map_err(|e| ApiError::new(500, "no randomness").with_cause(e))?;
    let token = format!("sat_{}", hex::encode(secret));
    let record = support_store::ApiToken {
        id: format!("tok_{}", hex::encode(id)),
        slack_user_id: person,
        apps: new.apps,
        label: new.label,
        created_at: worker::Date::now().as_millis() as i64,
        revoked_at: None,
    };
    store
        .create_api_token(&record, &support_store::token_hash(&token))
        .await
        .map_err(store_error)?;
    let mut answer = serde_json::to_value(&record).unwrap_or_default();
    answer["token"] = json!(token);
    answer["note"] = json!("Shown once: the platform keeps only its hash.");
    json(201, &answer)
}

pub async fn revoke_token(_req: Request, ctx: Ctx) -> ApiResult {
    let id = ctx.param(0).to_owned();
    let revoked = support_workflows::people::revoke_token(
        ctx.store()?.as_ref(),
        &id,
        ADMIN_TOKEN_ACTOR,
        crate::env::now_ms(),
    )
    .await
    .map_err(people_error)?;
    if revoked {
        json(200, &json!({ "revoked": id }))
    } else {
        Err(ApiError::new(404, format!("no unrevoked token {id}")))
    }
}

/// `GET /admin/knowledge/faqs[?app=slug&status=proposed|approved|rejected]`: FAQ entries
/// proposed from similar sent replies, newest first, each with the candidates it was
/// made from (scrubbed question and answer).
pub async fn faqs(req: Request, ctx: Ctx) -> ApiResult {
    use support_store::{FaqStatus, Store};
    let status = match query(&req, "status") {
        None => None,
        Some(s) => Some(
            FaqStatus::parse(&s)
                .ok_or_else(|| ApiError::bad_request("status is proposed, approved or rejected"))?,
        ),
    };
    let app = query(&req, "app");
    let store = ctx.store()?;
    let entries = store
        .faqs(app.as_deref(), status)
        .await
        .map_err(store_error)?;
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        let candidates = store
            .candidates(&entry.candidate_ids)
            .await
            .map_err(store_error)?;
        let mut value = serde_json::to_value(&entry).unwrap_or_default();
        value["candidates"] = json!(candidates
            .iter()
            .map(|c| json!({"id": c.id, "question": c.question, "answer": c.answer, "edited": c.edited, "createdAt": c.created_at}))
            .collect::<Vec<_>>());
        out.push(value);
    }
    json(200, &json!({ "faqs": out }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FaqDecisionBody {
    by: String,
    #[serde(default)]
    question: Option<String>,
    #[serde(default)]
    answer: Option<String>,
    #[serde(default)]
    reason: Option<String>,
}

/// `POST /admin/knowledge/faqs/{id}/approve` `{"by", "question"?, "answer"?}` (the edited
/// wording, else the proposed one) and `.../reject` `{"by", "reason"?}`.
pub async fn decide_faq(mut req: Request, ctx: Ctx) -> ApiResult {
    use support_store::{FaqDecision, FaqStatus};
    use support_workflows::learned::{decide_faq, DecideFaqError};
    let id = ctx.param(0).to_owned();
    let status = match ctx.param(1) {
        "approve" => FaqStatus::Approved,
        "reject" => FaqStatus::Rejected,
        _ => return Err(ApiError::not_found()),
    };
    let body = read_body(&mut req, MAX_BODY_BYTES).await?;
    let body: FaqDecisionBody = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("invalid body: {e}")))?;
    let settings = ctx.settings()?;
    let ports = crate::ports::pipeline::ports(&ctx.env, &settings, ctx.telemetry.clone())
        .ok_or_else(|| ApiError::new(503, "the store is not available; see the logs"))?;
    let proposed = ports
        .store
        .faq(&id)
        .await
        .map_err(store_error)?
        .ok_or_else(|| ApiError::new(404, format!("no FAQ entry {id}")))?;
    let decision = FaqDecision {
        question: body.question.unwrap_or(proposed.question),
        answer: body.answer.unwrap_or(proposed.answer),
        id,
        status,
        by: body.by,
        reason: body.reason,
        now_ms: worker::Date::now().as_millis() as i64,
    };
    match decide_faq(ports.store.as_ref(), &ports.services, decision).await {
        Ok(entry) => {
            support_workflows::people::audit(
                ports.store.as_ref(),
                "faq decided",
                json!({"faq": entry.id, "app": entry.app_id, "by": entry.decided_by}),
                json!({"status": entry.status, "candidates": entry.candidate_ids.len()}),
                crate::env::now_ms(),
            )
            .await
            .map_err(people_error)?;
            json(200, &json!({ "faq": entry }))
        }
        Err(e @ DecideFaqError::NotFound(_)) => Err(ApiError::new(404, e.to_string())),
        Err(e @ DecideFaqError::AlreadyDecided(_)) => Err(ApiError::new(409, e.to_string())),
        Err(e @ (DecideFaqError::Invalid(_) | DecideFaqError::NoWriteToken)) => {
            Err(ApiError::bad_request(e.to_string()))
        }
        Err(e @ DecideFaqError::Unavailable(_)) => Err(ApiError::new(
            503,
            "the knowledge index or the store failed; see the logs",
        )
        .with_cause(e)),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewPerson {
    email: String,
    #[serde(default)]
    name: Option<String>,
    role: String,
    #[serde(default)]
    slack_user_id: Option<String>,
    password: String,
}

/// A refused change to people, as the admin API answers it.
fn people_error(e: PeopleError) -> ApiError {
    match e {
        PeopleError::Invalid(m) => ApiError::bad_request(m),
        e @ PeopleError::Exists(_) => ApiError::new(409, e.to_string()),
        e @ PeopleError::NotFound(_) => ApiError::new(404, e.to_string()),
        e @ PeopleError::Unavailable(_) => ApiError::unavailable(e),
    }
}

/// `GET /admin/users`: everyone who can sign in to the dashboard (never a password).
pub async fn people(_req: Request, ctx: Ctx) -> ApiResult {
    use support_store::Store;
    let people = ctx.store()?.people().await.map_err(store_error)?;
    json(200, &json!({ "users": people }))
}

/// `POST /admin/users` `{"email", "name"?, "role", "slackUserId"?, "password"}`: a person
/// who can sign in (`skill users add`); the password is stored as BetterAuth's scrypt
/// hash, never in the clear, and never answered.
pub async fn add_person(mut req: Request, ctx: Ctx) -> ApiResult {
    let body = read_body(&mut req, MAX_BODY_BYTES).await?;
    let new: NewPerson = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("invalid body: {e}")))?;
    let store = ctx.store()?;
    let (person, _) = support_workflows::people::add(
        store.as_ref(),
        support_workflows::people::NewPerson {
            email: new.email,
            name: new.name,
            role: new.role,
            slack_user_id: new.slack_user_id,
            password: Some(new.password),
        },
        ADMIN_TOKEN_ACTOR,
        crate::env::now_ms(),
    )
    .await
    .map_err(people_error)?;
    json(201, &person)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PersonChange {
    #[serde(default)]
    role: Option<String>,
    /// A Slack user id, or `""` to unlink.
    #[serde(default)]
    slack_user_id: Option<String>,
}

/// `POST /admin/users/{id}` `{"role"?, "slackUserId"?}`: change a person's role or Slack
/// link (`""` unlinks). A demoted person's open sessions end with the change.
pub async fn change_person(mut req: Request, ctx: Ctx) -> ApiResult {
    let body = read_body(&mut req, MAX_BODY_BYTES).await?;
    let change: PersonChange = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("invalid body: {e}")))?;
    let store = ctx.store()?;
    let after = support_workflows::people::change(
        store.as_ref(),
        ctx.param(0),
        change.role.as_deref(),
        change.slack_user_id.map(Some),
        ADMIN_TOKEN_ACTOR,
        crate::env::now_ms(),
    )
    .await
    .map_err(people_error)?;
    json(200, &after)
}

/// `POST /admin/users/{id}/revoke-sessions`: end every session of a person now.
pub async fn revoke_sessions(_req: Request, ctx: Ctx) -> ApiResult {
    let id = ctx.param(0).to_owned();
    let store = ctx.store()?;
    let ended = support_workflows::people::revoke_sessions(
        store.as_ref(),
        &id,
        ADMIN_TOKEN_ACTOR,
        crate::env::now_ms(),
    )
    .await
    .map_err(people_error)?;
    json(200, &json!({"user": id, "sessionsEnded": ended}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewAppBody {
    slug: String,
    #[serde(default)]
    name: Option<String>,
    integration_url: String,
    #[serde(default)]
    front_inbox_id: Option<String>,
    #[serde(default)]
    approvers: Vec<String>,
    #[serde(default)]
    approval_channel: Option<String>,
    #[serde(default)]
    escalation_channel: Option<String>,
    #[serde(default)]
    stripe_account_id: Option<String>,
}

/// A refused change to the app registry, as the admin API answers it.
fn apps_error(e: support_workflows::apps::AppsError) -> ApiError {
    use support_workflows::apps::AppsError;
    match e {
        AppsError::Invalid(m) => ApiError::bad_request(m),
        e @ AppsError::Exists(_) => ApiError::new(409, e.to_string()),
        e @ AppsError::NotFound(_) => ApiError::new(404, e.to_string()),
        e @ AppsError::Conflict(_) => ApiError::new(409, e.to_string()),
        e @ AppsError::Unavailable(_) => ApiError::unavailable(e),
    }
}

/// An app as the admin API shows it: never a secret, but whether a rotation is under way.
fn app_json(app: &support_store::AppConfig) -> serde_json::Value {
    let mut value = serde_json::to_value(app).unwrap_or_default();
    value["hasStripeAccount"] = json!(app.stripe_account_id.is_some());
    value["sdkSecretRotating"] = json!(app.settings.sdk_secret_rotating);
    value
}

/// `GET /admin/apps`: every registered app (`skill apps list`).
pub async fn apps(_req: Request, ctx: Ctx) -> ApiResult {
    use support_store::Store;
    let apps = ctx.store()?.apps().await.map_err(store_error)?;
    json(
        200,
        &json!({ "apps": apps.iter().map(app_json).collect::<Vec<_>>() }),
    )
}

/// `POST /admin/apps` `{"slug", "integrationUrl", "name"?, "frontInboxId"?, "approvers"?,
/// "approvalChannel"?, "escalationChannel"?, "stripeAccountId"?}`: register an app with a
/// generated SDK secret, answered once (`skill apps add`).
pub async fn add_app(mut req: Request, ctx: Ctx) -> ApiResult {
    let body = read_body(&mut req, MAX_BODY_BYTES).await?;
    let new: NewAppBody = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("invalid body: {e}")))?;
    let store = ctx.store()?;
    let (app, secret) = support_workflows::apps::register(
        store.as_ref(),
        support_workflows::apps::NewApp {
            slug: new.slug,
            name: new.name,
            integration_url: new.integration_url,
            front_inbox_id: new.front_inbox_id,
            approvers: new.approvers,
            approval_channel: new.approval_channel,
            escalation_channel: new.escalation_channel,
            stripe_account_id: new.stripe_account_id,
        },
        ADMIN_TOKEN_ACTOR,
        crate::env::now_ms(),
    )
    .await
    .map_err(apps_error)?;
    json(
        201,
        &json!({"app": app_json(&app), "sdkSecret": secret, "note": "Shown once: the platform keeps it sealed and never shows it again."}),
    )
}

/// `GET /admin/apps/{slug}` (`skill apps show`), `DELETE /admin/apps/{slug}` (`skill apps
/// remove`: refused with 409 while any of its approvals is pending).
pub async fn app(req: Request, ctx: Ctx) -> ApiResult {
    use support_store::Store;
    let slug = ctx.param(0).to_owned();
    let store = ctx.store()?;
    if req.method() == worker::Method::Delete {
        support_workflows::apps::remove(
            store.as_ref(),
            &slug,
            ADMIN_TOKEN_ACTOR,
            crate::env::now_ms(),
        )
        .await
        .map_err(apps_error)?;
        return json(200, &json!({ "removed": slug }));
    }
    let app = store
        .app(&slug)
        .await
        .map_err(store_error)?
        .ok_or_else(|| ApiError::new(404, format!("no app {slug}")))?;
    json(200, &app_json(&app))
}

/// `POST /admin/apps/{slug}/rotate-secret`: start a rotation, the new secret answered
/// once; `POST /admin/apps/{slug}/finish-rotation`: sign with the new one only.
pub async fn rotate_app_secret(_req: Request, ctx: Ctx) -> ApiResult {
    let slug = ctx.param(0).to_owned();
    let store = ctx.store()?;
    let now = crate::env::now_ms();
    match ctx.param(1) {
        "rotate-secret" => {
            let secret = support_workflows::apps::start_rotation(
                store.as_ref(),
                &slug,
                ADMIN_TOKEN_ACTOR,
                now,
            )
            .await
            .map_err(apps_error)?;
            json(
                200,
                &json!({"app": slug, "sdkSecret": secret, "rotating": true,
                    "note": "Shown once. Until the rotation is finished, requests are signed with the previous secret and this one: set it in the app, then finish the rotation."}),
            )
        }
        "finish-rotation" => {
            support_workflows::apps::finish_rotation(store.as_ref(), &slug, ADMIN_TOKEN_ACTOR, now)
                .await
                .map_err(apps_error)?;
            json(200, &json!({"app": slug, "rotating": false}))
        }
        _ => Err(ApiError::not_found()),
    }
}

/// `POST /admin/retention[?dryRun=1]`: one retention pass now (the daily function's
/// work, bounded the same way), or with `dryRun` what it would remove; the report.
pub async fn retention(req: Request, ctx: Ctx) -> ApiResult {
    let dry_run = matches!(query(&req, "dryRun").as_deref(), Some("1" | "true"));
    let ports = ctx.pipeline()?;
    let report = support_workflows::retention::pass(
        ports.store.as_ref(),
        &ports.services,
        dry_run,
        ADMIN_TOKEN_ACTOR,
    )
    .await
    .map_err(|e| ApiError::new(500, "the retention pass failed; see the logs").with_cause(e))?;
    json(200, &report)
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AutosendRequest {
    enabled: bool,
    #[serde(default)]
    app: Option<String>,
    #[serde(default)]
    category: Option<String>,
    /// Every switch at once (only to switch off: the kill switch).
    #[serde(default)]
    all: bool,
}

/// `POST /admin/autosend` `{"app", "category", "enabled"}` or `{"all": true, "enabled":
/// false}`: switch auto-send for one app × category (switching on is refused, 409, with
/// every reason trust gives), or off everywhere at once.
pub async fn autosend(mut req: Request, ctx: Ctx) -> ApiResult {
    use support_workflows::autosend::{self, AutosendError};
    let body = read_body(&mut req, 4 * 1024).await?;
    let request: AutosendRequest = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("invalid body: {e}")))?;
    let ports = ctx.pipeline()?;
    let store = ports.store.as_ref();
    let now = crate::env::now_ms();
    if request.all {
        if request.enabled || request.app.is_some() || request.category.is_some() {
            return Err(ApiError::bad_request(
                "\"all\" only switches off, and names no app or category",
            ));
        }
        let off = autosend::off_everywhere(store, ADMIN_TOKEN_ACTOR, now)
            .await
            .map_err(ApiError::unavailable)?;
        return json(200, &json!({"switchedOff": off}));
    }
    let (Some(slug), Some(category)) = (request.app, request.category) else {
        return Err(ApiError::bad_request(
            "name the app and the category, or {\"all\": true, \"enabled\": false}",
        ));
    };
    let app = store
        .app(&slug)
        .await
        .map_err(store_error)?
        .ok_or_else(|| ApiError::new(404, format!("no app {slug:?}")))?;
    match autosend::set(
        store,
        &app,
        &category,
        request.enabled,
        ADMIN_TOKEN_ACTOR,
        ports.services.autosend_killed,
        now,
    )
    .await
    {
        Ok(change) => json(200, &change),
        Err(AutosendError::Refused(refusals)) => json(
            409,
            &json!({
                "error": "auto-send cannot be switched on",
                "reasons": refusals.iter().map(support_core::trust::Refusal::reason).collect::<Vec<_>>(),
                "refusals": refusals,
            }),
        ),
        Err(AutosendError::NotFound(what)) => Err(ApiError::new(404, what)),
        Err(e) => Err(ApiError::unavailable(e)),
    }
}

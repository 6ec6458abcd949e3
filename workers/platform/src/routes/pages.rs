//! The dashboard's pages (rendered by `support-dashboard`), behind the BetterAuth
//! session cookie.
//!
//! Every handler here: finds the session (a signed-out visitor is sent to `/sign-in`),
//! checks the role for what it shows or changes (403 otherwise), and for a `POST` checks
//! the origin and the form's CSRF token (bound to the session) before anything else.
//! Decisions go through `support_workflows::approvals::decide::record`, the same core
//! and rules as Slack and the API, recorded under the person's Slack user id; changes to
//! people through `support_workflows::people`. Pages are sent with the dashboard's CSP,
//! `frame-ancestors 'none'` and `no-store`. Without `BETTER_AUTH_SECRET` none of this
//! exists (404).

use std::collections::HashMap;

use serde_json::Value;
use support_auth::{csrf_token, verify_csrf, Permission};
use support_core::approval::Choice;
use support_dashboard::{
    apps, audit, form::Fields, people, queue, sign_in, trail, trust, Frame, Markup,
};
use support_store::people::{sign_in as check_sign_in, Person, Session, SignInError};
use support_store::{ActionStatus, AuditFilter, AuditKind, QueueQuery, Store};
use support_workflows::approvals::decide::{self, Recorded, Via};
use support_workflows::people::PeopleError;
use worker::{Request, Response};

use super::auth::{self, cleared_cookie, current, origin_of, same_origin, secrets, session_cookie};
use super::Ctx;
use crate::http::{header, read_body, ApiError, ApiResult};

const MAX_FORM_BYTES: usize = 64 * 1024;
/// Approvals per queue page.
const QUEUE_PAGE: u32 = 25;

/// An HTML answer with the dashboard's security headers.
fn html(status: u16, markup: Markup) -> ApiResult {
    let mut response = Response::from_html(markup.into_string())?.with_status(status);
    let headers = response.headers_mut();
    headers.set("Content-Security-Policy", support_dashboard::CSP)?;
    headers.set("X-Frame-Options", "DENY")?;
    headers.set("X-Content-Type-Options", "nosniff")?;
    headers.set("Referrer-Policy", "same-origin")?;
    headers.set("Cache-Control", "no-store")?;
    Ok(response)
}

fn redirect(location: &str) -> ApiResult {
    let mut response = Response::empty()?.with_status(303);
    response.headers_mut().set("Location", location)?;
    response.headers_mut().set("Cache-Control", "no-store")?;
    Ok(response)
}

fn refused(status: u16, message: &str) -> ApiResult {
    html(
        status,
        support_dashboard::page::refusal("Not allowed", message),
    )
}

/// The signed-in person and their frame, or the answer to send instead: the sign-in
/// page for a visitor without a valid session, 403 for a role without `permission`.
struct Signed {
    session: Session,
    person: Person,
    frame: Frame,
}

enum Gate {
    In(Signed),
    Out(Response),
}

async fn gate(req: &Request, ctx: &Ctx, permission: Permission) -> Result<Gate, ApiError> {
    let keys = secrets(ctx)?;
    let Some((session, person)) = current(req, ctx).await? else {
        let url = req.url()?;
        let next = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        let target = format!(
            "/sign-in?{}",
            support_dashboard::form::query(&[("next", Some(&next))])
        );
        return Ok(Gate::Out(redirect(&target)?));
    };
    if !person.role.may(permission) {
        return Ok(Gate::Out(refused(
            403,
            "Your role does not allow this. An owner can change it on the People page.",
        )?));
    }
    let frame = Frame {
        name: person.name.clone(),
        email: person.email.clone(),
        role: person.role,
        slack_user_id: person.slack_user_id.clone(),
        csrf: csrf_token(&session.token, &keys[0]),
    };
    Ok(Gate::In(Signed {
        session,
        person,
        frame,
    }))
}

/// A form `POST`: same origin, a signed-in person with `permission`, and the form's
/// CSRF token made for this session. Answers the form's fields.
async fn gate_form(
    req: &mut Request,
    ctx: &Ctx,
    permission: Permission,
) -> Result<Result<(Signed, Fields), Response>, ApiError> {
    if same_origin(req).is_err() {
        return Ok(Err(refused(403, "Cross-site request refused.")?));
    }
    let signed = match gate(req, ctx, permission).await? {
        Gate::In(s) => s,
        Gate::Out(r) => return Ok(Err(r)),
    };
    let fields = Fields::parse(&read_body(req, MAX_FORM_BYTES).await?);
    let keys = secrets(ctx)?;
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let token_ok = fields
        .get("csrf")
        .is_some_and(|t| verify_csrf(t, &signed.session.token, &keys));
    if !token_ok {
        return Ok(Err(refused(
            403,
            "This form expired or did not come from this dashboard. Reload the page and try again.",
        )?));
    }
    Ok(Ok((signed, fields)))
}

macro_rules! signed_in {
    ($req:expr, $ctx:expr, $perm:expr) => {
        match gate(&$req, &$ctx, $perm).await? {
            Gate::In(s) => s,
            Gate::Out(r) => return Ok(r),
        }
    };
}

macro_rules! form_post {
    ($req:expr, $ctx:expr, $perm:expr) => {
        match gate_form(&mut $req, &$ctx, $perm).await? {
            Ok(pair) => pair,
            Err(r) => return Ok(r),
        }
    };
}

fn query_fields(req: &Request) -> Result<Fields, ApiError> {
    Ok(Fields::parse(req.url()?.query().unwrap_or("").as_bytes()))
}

fn is_htmx(req: &Request) -> bool {
    header(req, "hx-request").as_deref() == Some("true")
}

// --- Assets ---------------------------------------------------------------------

fn asset(body: &'static str, content_type: &str) -> ApiResult {
    let mut response = Response::ok(body)?;
    let headers = response.headers_mut();
    headers.set("Content-Type", content_type)?;
    headers.set("Cache-Control", "public, max-age=31536000, immutable")?;
    headers.set("X-Content-Type-Options", "nosniff")?;
    Ok(response)
}

pub async fn htmx(_req: Request, _ctx: Ctx) -> ApiResult {
    asset(support_dashboard::HTMX_JS, "text/javascript; charset=utf-8")
}

pub async fn css(_req: Request, _ctx: Ctx) -> ApiResult {
    asset(support_dashboard::CSS, "text/css; charset=utf-8")
}

// --- Sign-in ----------------------------------------------------------------------

pub async fn sign_in_page(req: Request, ctx: Ctx) -> ApiResult {
    secrets(&ctx)?;
    let q = query_fields(&req)?;
    let next = sign_in::safe_next(q.get("next"));
    if current(&req, &ctx).await?.is_some() {
        return redirect(&next);
    }
    html(200, sign_in::sign_in(&next, "", None))
}

pub async fn sign_in_form(mut req: Request, ctx: Ctx) -> ApiResult {
    let keys = secrets(&ctx)?;
    if same_origin(&req).is_err() {
        return refused(403, "Cross-site request refused.");
    }
    if auth::transport_ok(&req).is_err() {
        return refused(403, "Sign in over https.");
    }
    let fields = Fields::parse(&read_body(&mut req, MAX_FORM_BYTES).await?);
    let next = sign_in::safe_next(fields.get("next"));
    let email = fields.text("email").unwrap_or_default();
    let password = fields.get("password").unwrap_or_default();
    let store = ctx.store()?;
    match check_sign_in(
        store.as_ref(),
        &email,
        password,
        &origin_of(&req),
        crate::env::now_ms(),
    )
    .await
    {
        Ok((session, person)) => {
            auth::audit_session(&ctx, "signed in", &person, "dashboard").await;
            let mut response = redirect(&next)?;
            response
                .headers_mut()
                .set("Set-Cookie", &session_cookie(&req, &session, &keys[0]))?;
            Ok(response)
        }
        Err(SignInError::Invalid) => html(
            401,
            sign_in::sign_in(&next, &email, Some("Invalid email or password.")),
        ),
        Err(SignInError::Throttled { retry_after_secs }) => {
            let mut response = html(
                429,
                sign_in::sign_in(
                    &next,
                    &email,
                    Some(&format!(
                        "Too many failed sign-ins. Try again in {} minutes.",
                        retry_after_secs.div_ceil(60)
                    )),
                ),
            )?;
            response
                .headers_mut()
                .set("Retry-After", &retry_after_secs.to_string())?;
            Ok(response)
        }
        Err(SignInError::Unavailable(cause)) => Err(ApiError::unavailable(cause)),
    }
}

pub async fn sign_out_form(mut req: Request, ctx: Ctx) -> ApiResult {
    let (signed, _) = form_post!(req, ctx, Permission::Read);
    ctx.store()?
        .end_session(&signed.session.token)
        .await
        .map_err(ApiError::unavailable)?;
    auth::audit_session(&ctx, "signed out", &signed.person, "dashboard").await;
    let mut response = redirect("/sign-in")?;
    response
        .headers_mut()
        .set("Set-Cookie", &cleared_cookie(&req))?;
    Ok(response)
}

pub async fn invite_page(_req: Request, ctx: Ctx) -> ApiResult {
    secrets(&ctx)?;
    let store = ctx.store()?;
    match invited(&store, ctx.param(0)).await? {
        Some(person) => html(200, sign_in::invite(&person.email, None)),
        None => refused(
            404,
            "This invitation link is unknown, used or expired. Ask an owner for a new one.",
        ),
    }
}

async fn invited(store: &support_store::SqlStore, token: &str) -> Result<Option<Person>, ApiError> {
    let Some(user_id) = store
        .invite(&support_auth::token_hash(token), crate::env::now_ms())
        .await
        .map_err(ApiError::unavailable)?
    else {
        return Ok(None);
    };
    store.person(&user_id).await.map_err(ApiError::unavailable)
}

pub async fn accept_invite(mut req: Request, ctx: Ctx) -> ApiResult {
    let keys = secrets(&ctx)?;
    if same_origin(&req).is_err() || auth::transport_ok(&req).is_err() {
        return refused(403, "Cross-site or plain-http request refused.");
    }
    let fields = Fields::parse(&read_body(&mut req, MAX_FORM_BYTES).await?);
    let token = ctx.param(0).to_owned();
    let store = ctx.store()?;
    let Some(person) = invited(&store, &token).await? else {
        return refused(
            404,
            "This invitation link is unknown, used or expired. Ask an owner for a new one.",
        );
    };
    let password = fields.get("password").unwrap_or_default();
    let now = crate::env::now_ms();
    match support_workflows::people::accept_invite(store.as_ref(), &token, password, now).await {
        Ok(Some(_)) => {}
        Ok(None) => return refused(404, "This invitation link was just used."),
        Err(PeopleError::Invalid(m)) => return html(400, sign_in::invite(&person.email, Some(&m))),
        Err(e) => return Err(ApiError::unavailable(e)),
    }
    match check_sign_in(
        store.as_ref(),
        &person.email,
        password,
        &origin_of(&req),
        now,
    )
    .await
    {
        Ok((session, _)) => {
            let mut response = redirect("/")?;
            response
                .headers_mut()
                .set("Set-Cookie", &session_cookie(&req, &session, &keys[0]))?;
            Ok(response)
        }
        Err(_) => redirect("/sign-in"),
    }
}

/// A conversation's messages from Front, the source of truth, when the conversation's
/// cache holds none (webhooks that carried no message, or a cache expired after 7 quiet
/// days). Drafts are not messages; a failure shows none (the page has the records).
async fn front_messages(ctx: &Ctx, conversation_id: &str) -> Vec<queue::Message> {
    let Some(front) = ctx.pipeline().ok().and_then(|p| p.services.front.clone()) else {
        return Vec::new();
    };
    let Ok(mut list) = front.list_conversation_messages(conversation_id).await else {
        return Vec::new();
    };
    list.retain(|m| m.draft_mode.is_none());
    list.sort_by(|a, b| {
        a.created_at
            .partial_cmp(&b.created_at)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    list.into_iter()
        .map(|m| queue::Message {
            author: match (m.is_inbound, m.sender(), m.author.as_ref()) {
                (true, Some(s), _) => s.handle.clone(),
                (_, _, Some(t)) => t.email.clone().unwrap_or_else(|| t.id.clone()),
                _ => String::new(),
            },
            kind: if m.is_inbound { "inbound" } else { "outbound" }.to_owned(),
            subject: m.subject.unwrap_or_default(),
            body: m.text.or(m.body).unwrap_or_default(),
            at_ms: m
                .created_at
                .map(|s| (s * 1000.0) as i64)
                .unwrap_or_default(),
        })
        .collect()
}

// --- The queue --------------------------------------------------------------------

/// A conversation's cached messages (none when its cache expired or cannot be read: the
/// page still shows the records).
async fn messages_of(ctx: &Ctx, conversation_id: &str) -> Vec<queue::Message> {
    let Ok(client) = crate::objects::ConversationClient::new(&ctx.env, conversation_id) else {
        return Vec::new();
    };
    let Ok(snapshot) = client.snapshot().await else {
        return Vec::new();
    };
    snapshot
        .messages
        .into_iter()
        .map(|m| queue::Message {
            author: m.author.unwrap_or_default(),
            kind: serde_json::to_value(m.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            subject: m.subject.unwrap_or_default(),
            body: m.body,
            at_ms: m.created_at_ms.unwrap_or_default(),
        })
        .collect()
}

/// What the queue's articles need beside the actions.
struct Loaded {
    /// Every app's slug and name, by slug.
    apps: Vec<(String, String)>,
    approvals: HashMap<String, support_store::ApprovalRecord>,
    tools: Vec<support_store::AuditEntry>,
    people: HashMap<String, String>,
    via: HashMap<String, String>,
}

async fn load(
    store: &support_store::SqlStore,
    actions: &[support_store::ActionRecord],
    with_tools: bool,
) -> Result<Loaded, ApiError> {
    let ids: Vec<String> = actions.iter().map(|a| a.id.clone()).collect();
    let approvals = store
        .approvals_of(&ids)
        .await
        .map_err(ApiError::unavailable)?;
    let tools = if with_tools {
        let mut cnvs: Vec<String> = actions.iter().map(|a| a.conversation_id.clone()).collect();
        cnvs.sort();
        cnvs.dedup();
        store
            .tool_calls_of(&cnvs)
            .await
            .map_err(ApiError::unavailable)?
    } else {
        Vec::new()
    };
    let apps = app_options(store).await?;
    let people = store
        .people()
        .await
        .map_err(ApiError::unavailable)?
        .into_iter()
        .filter_map(|p| {
            p.slack_user_id
                .map(|s| (s.clone(), format!("{} ({s})", p.name)))
        })
        .collect();
    // Where each decision was made: its audit row says (only decided ones have one).
    let mut via = HashMap::new();
    for a in actions.iter().filter(|a| a.status != ActionStatus::Pending) {
        let rows = store
            .audit_trail(AuditFilter::Action(&a.id))
            .await
            .map_err(ApiError::unavailable)?;
        if let Some(v) = rows
            .iter()
            .filter(|r| r.kind == AuditKind::Decision)
            .find_map(|r| r.input.get("via").and_then(Value::as_str))
        {
            via.insert(a.id.clone(), v.to_owned());
        }
    }
    Ok(Loaded {
        apps,
        approvals: approvals
            .into_iter()
            .map(|p| (p.action_id.clone(), p))
            .collect(),
        tools,
        people,
        via,
    })
}

impl Loaded {
    fn item<'a>(&'a self, action: &'a support_store::ActionRecord, now_ms: i64) -> queue::Item<'a> {
        let approval = self.approvals.get(&action.id);
        let decider = approval
            .and_then(|p| p.decided_by.as_ref())
            .map(|by| queue::Decider {
                name: self.people.get(by).cloned().unwrap_or_else(|| by.clone()),
                via: self.via.get(&action.id).cloned(),
            });
        queue::Item {
            action,
            app_name: self
                .apps
                .iter()
                .find(|(slug, _)| *slug == action.app_id)
                .map_or(action.app_id.as_str(), |(_, name)| name.as_str()),
            approval,
            tools: self
                .tools
                .iter()
                .filter(|t| t.conversation_id.as_deref() == Some(&action.conversation_id))
                .collect(),
            messages: Vec::new(),
            decider,
            notice: None,
            now_ms,
        }
    }
}

fn queue_query(q: &Fields, after: Option<(i64, String)>, limit: u32) -> QueueQuery {
    QueueQuery {
        apps: q.text("app").map(|a| vec![a]),
        category: q.text("category"),
        after,
        limit,
    }
}

pub async fn queue_page(req: Request, ctx: Ctx) -> ApiResult {
    let signed = signed_in!(req, ctx, Permission::Read);
    let q = query_fields(&req)?;
    let store = ctx.store()?;
    let after = q.get("after").and_then(queue::parse_cursor);
    let (actions, total) = store
        .queue(&queue_query(&q, after, QUEUE_PAGE + 1))
        .await
        .map_err(ApiError::unavailable)?;
    let shown = &actions[..actions.len().min(QUEUE_PAGE as usize)];
    let next = (actions.len() > QUEUE_PAGE as usize)
        .then(|| shown.last().map(queue::cursor))
        .flatten();
    let loaded = load(&store, shown, true).await?;
    let now = crate::env::now_ms();
    // Each conversation's last messages, read from the conversations' objects at once.
    let messages =
        futures::future::join_all(shown.iter().map(|a| messages_of(&ctx, &a.conversation_id)))
            .await;
    let items: Vec<queue::Item> = shown
        .iter()
        .zip(messages)
        .map(|(a, messages)| queue::Item {
            messages,
            ..loaded.item(a, now)
        })
        .collect();
    let filters = queue::Filters {
        app: q.text("app"),
        category: q.text("category"),
    };
    html(
        200,
        queue::queue_page(
            &signed.frame,
            &items,
            total,
            &loaded.apps,
            &filters,
            next.as_deref(),
        ),
    )
}

pub async fn queue_changes(req: Request, ctx: Ctx) -> ApiResult {
    let signed = signed_in!(req, ctx, Permission::Read);
    let q = query_fields(&req)?;
    let ids: Vec<String> = q
        .all("id")
        .into_iter()
        .take(100)
        .map(str::to_owned)
        .collect();
    let store = ctx.store()?;
    let now = crate::env::now_ms();
    let actions = store
        .actions_by_ids(&ids)
        .await
        .map_err(ApiError::unavailable)?;
    let (_, total) = store
        .queue(&queue_query(&q, None, 0))
        .await
        .map_err(ApiError::unavailable)?;
    let loaded = load(&store, &actions, false).await?;
    let decided: Vec<queue::Item> = actions
        .iter()
        .map(|a| loaded.item(a, now))
        .filter(|i| queue::shown_status(i.action, i.approval, now) != "pending")
        .collect();
    html(200, queue::changes(&signed.frame, &decided, total))
}

pub async fn decide_form(mut req: Request, ctx: Ctx) -> ApiResult {
    let (signed, fields) = form_post!(req, ctx, Permission::Decide);
    let Some(user) = signed.person.slack_user_id.clone() else {
        return refused(403, "Link your Slack user id (People page) before deciding: a decision is recorded as yours in Slack too.");
    };
    let action_id = ctx.param(0).to_owned();
    let choice = match ctx.param(1) {
        "approve" => Choice::Approve,
        "edit" => match fields.text("reply") {
            Some(_) => Choice::Edit(
                fields
                    .get("reply")
                    .unwrap_or_default()
                    .replace("\r\n", "\n"),
            ),
            None => return refused(400, "An edited reply cannot be empty."),
        },
        "reject" => Choice::Reject(fields.text("reason")),
        _ => return Err(ApiError::not_found()),
    };
    let ports = ctx.pipeline()?;
    let decider = decide::Decider {
        action_id: &action_id,
        user: &user,
        choice,
        seen_hash: fields.get("argsHash"),
        via: Via::Dashboard,
    };
    let recorded = super::record_decision(&ctx, &ports, decider, None).await?;
    match &recorded {
        Recorded::NotFound => return refused(404, "This approval no longer exists."),
        Recorded::Refused(support_core::approval::Refused::NotAllowed) => {
            return refused(403, &recorded.message())
        }
        Recorded::Decided { status } => {
            let (ports, id, status) = (ports.clone(), action_id.clone(), *status);
            ctx.ctx
                .wait_until(async move { super::redraw_decided(&ports, &id, status).await });
        }
        Recorded::Refused(_) => {}
    }
    if !is_htmx(&req) {
        return redirect("/");
    }
    let store = ctx.store()?;
    let Some(action) = store
        .action(&action_id)
        .await
        .map_err(ApiError::unavailable)?
    else {
        return refused(404, "This approval no longer exists.");
    };
    let actions = [action];
    let loaded = load(&store, &actions, true).await?;
    let mut item = loaded.item(&actions[0], crate::env::now_ms());
    if !matches!(recorded, Recorded::Decided { .. }) {
        item.notice = Some(recorded.message());
    }
    html(200, queue::article(&signed.frame, &item))
}

// --- Conversation and audit -------------------------------------------------------

pub async fn conversation_page(req: Request, ctx: Ctx) -> ApiResult {
    let signed = signed_in!(req, ctx, Permission::Read);
    let id = ctx.param(0).to_owned();
    let store = ctx.store()?;
    let actions = store.actions_of(&id).await.map_err(ApiError::unavailable)?;
    let rows = store
        .audit_trail(AuditFilter::Conversation(&id))
        .await
        .map_err(ApiError::unavailable)?;
    let mut messages = messages_of(&ctx, &id).await;
    if messages.is_empty() {
        messages = front_messages(&ctx, &id).await;
    }
    let loaded = load(&store, &actions, false).await?;
    let now = crate::env::now_ms();
    let c = trail::Conversation {
        id: &id,
        messages,
        actions: actions
            .iter()
            .map(|a| {
                let item = loaded.item(a, now);
                (a, item.approval, item.decider, item.app_name)
            })
            .collect(),
        trail: &rows,
        now_ms: now,
    };
    html(200, trail::conversation_page(&signed.frame, &c))
}

/// Every app's slug and name, for filters and labels (no secrets opened).
async fn app_options(store: &support_store::SqlStore) -> Result<Vec<(String, String)>, ApiError> {
    store.app_names().await.map_err(ApiError::unavailable)
}

pub async fn audit_page(req: Request, ctx: Ctx) -> ApiResult {
    let signed = signed_in!(req, ctx, Permission::Read);
    let filters = audit::Filters::parse(&query_fields(&req)?);
    let store = ctx.store()?;
    let apps = app_options(&store).await?;
    match filters.to_query(audit::PAGE_ROWS + 1) {
        Ok(query) => {
            let rows = store
                .audit_search(&query)
                .await
                .map_err(ApiError::unavailable)?;
            html(
                200,
                audit::audit_page(&signed.frame, &rows, &apps, &filters, None),
            )
        }
        Err(e) => html(
            400,
            audit::audit_page(&signed.frame, &[], &apps, &filters, Some(&e)),
        ),
    }
}

pub async fn audit_csv(req: Request, ctx: Ctx) -> ApiResult {
    let _signed = signed_in!(req, ctx, Permission::Read);
    let filters = audit::Filters::parse(&query_fields(&req)?);
    let query = filters
        .to_query(audit::CSV_ROWS + 1)
        .map_err(ApiError::bad_request)?;
    let rows = ctx
        .store()?
        .audit_search(&query)
        .await
        .map_err(ApiError::unavailable)?;
    let shown = &rows[..rows.len().min(audit::CSV_ROWS as usize)];
    let mut body = String::from(audit::CSV_HEADER);
    audit::csv_rows(shown, &mut body);
    let mut response = Response::ok(body)?;
    let headers = response.headers_mut();
    headers.set("Content-Type", "text/csv; charset=utf-8")?;
    headers.set("Content-Disposition", "attachment; filename=\"audit.csv\"")?;
    headers.set("Cache-Control", "no-store")?;
    if rows.len() > shown.len() {
        if let Some(last) = shown.last() {
            headers.set(
                "Link",
                &format!(
                    "</audit.csv?{}>; rel=\"next\"",
                    filters.query_string(Some(&audit::cursor(last)))
                ),
            )?;
        }
    }
    Ok(response)
}

// --- Apps -------------------------------------------------------------------------

async fn people_names(store: &support_store::SqlStore) -> Result<Vec<(String, String)>, ApiError> {
    Ok(store
        .people()
        .await
        .map_err(ApiError::unavailable)?
        .into_iter()
        .filter_map(|p| p.slack_user_id.map(|s| (s, p.name)))
        .collect())
}

async fn render_apps(ctx: &Ctx, frame: &Frame, shown: &apps::Shown) -> ApiResult {
    let store = ctx.store()?;
    let list = store.apps().await.map_err(ApiError::unavailable)?;
    let names = people_names(&store).await?;
    let status = if matches!(shown, apps::Shown::Error(_)) {
        400
    } else {
        200
    };
    html(status, apps::apps_page(frame, &list, &names, shown))
}

pub async fn apps_page(req: Request, ctx: Ctx) -> ApiResult {
    let signed = signed_in!(req, ctx, Permission::Read);
    render_apps(&ctx, &signed.frame, &apps::Shown::Nothing).await
}

/// What the Apps page says about a refused change (a store failure is a 503).
fn apps_shown(e: support_workflows::apps::AppsError) -> Result<apps::Shown, ApiError> {
    use support_workflows::apps::AppsError;
    match e {
        e @ AppsError::Unavailable(_) => Err(ApiError::unavailable(e)),
        e => Ok(apps::Shown::Error(e.to_string())),
    }
}

pub async fn register_app(mut req: Request, ctx: Ctx) -> ApiResult {
    let (signed, f) = form_post!(req, ctx, Permission::ManageApps);
    let store = ctx.store()?;
    let new = support_workflows::apps::NewApp {
        slug: f.text("slug").unwrap_or_default(),
        name: f.text("name"),
        integration_url: f.text("integrationUrl").unwrap_or_default(),
        front_inbox_id: f.text("frontInboxId"),
        approvers: f
            .get("approvers")
            .unwrap_or_default()
            .split([',', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        approval_channel: f.text("approvalChannel"),
        escalation_channel: None,
        stripe_account_id: f.text("stripeAccountId"),
    };
    let shown = match support_workflows::apps::register(
        store.as_ref(),
        new,
        &signed.person.email,
        crate::env::now_ms(),
    )
    .await
    {
        Ok((app, secret)) => apps::Shown::Secret {
            slug: app.slug,
            secret,
            overlap: false,
        },
        Err(e) => apps_shown(e)?,
    };
    render_apps(&ctx, &signed.frame, &shown).await
}

/// Start a rotation: a new secret (shown once) becomes the current one, and until the
/// rotation is finished the platform signs with the previous one too, listed first, so
/// the app keeps verifying while its secret is switched.
pub async fn rotate_secret(mut req: Request, ctx: Ctx) -> ApiResult {
    let (signed, _) = form_post!(req, ctx, Permission::ManageApps);
    let store = ctx.store()?;
    let slug = ctx.param(0).to_owned();
    let shown = match support_workflows::apps::start_rotation(
        store.as_ref(),
        &slug,
        &signed.person.email,
        crate::env::now_ms(),
    )
    .await
    {
        Ok(secret) => apps::Shown::Secret {
            slug,
            secret,
            overlap: true,
        },
        Err(e) => apps_shown(e)?,
    };
    render_apps(&ctx, &signed.frame, &shown).await
}

/// Finish a rotation: only the new secret signs from now on.
pub async fn finish_rotation(mut req: Request, ctx: Ctx) -> ApiResult {
    let (signed, _) = form_post!(req, ctx, Permission::ManageApps);
    let store = ctx.store()?;
    let slug = ctx.param(0).to_owned();
    let shown = match support_workflows::apps::finish_rotation(
        store.as_ref(),
        &slug,
        &signed.person.email,
        crate::env::now_ms(),
    )
    .await
    {
        Ok(()) => apps::Shown::Done(format!("{slug} is signed with its new secret only.")),
        Err(e) => apps_shown(e)?,
    };
    render_apps(&ctx, &signed.frame, &shown).await
}

pub async fn app_health(mut req: Request, ctx: Ctx) -> ApiResult {
    let (_signed, _) = form_post!(req, ctx, Permission::ManageApps);
    let store = ctx.store()?;
    let Some(app) = store
        .app(ctx.param(0))
        .await
        .map_err(ApiError::unavailable)?
    else {
        return refused(404, "No such app.");
    };
    let Some(client) = support_workflows::pipeline::sdk_client(&app, support_http::FetchTransport)
    else {
        return refused(409, "This app has no SDK secret.");
    };
    let now = || worker::Date::now().as_millis() as f64;
    let report =
        support_sdk::health::check(&client, support_sdk::health::PROBE_EMAIL, true, &now).await;
    html(200, apps::health(&report))
}

// --- People -----------------------------------------------------------------------

async fn render_people(
    req: &Request,
    ctx: &Ctx,
    frame: &Frame,
    shown: &people::Shown,
) -> ApiResult {
    let store = ctx.store()?;
    let list = store.people().await.map_err(ApiError::unavailable)?;
    let tokens = store.api_tokens().await.map_err(ApiError::unavailable)?;
    let origin = req.url()?.origin().ascii_serialization();
    let status = if matches!(shown, people::Shown::Error(_)) {
        400
    } else {
        200
    };
    html(
        status,
        people::people_page(frame, &list, &tokens, shown, &origin),
    )
}

fn shown_error(e: PeopleError) -> Result<people::Shown, ApiError> {
    match e {
        e @ PeopleError::Unavailable(_) => Err(ApiError::unavailable(e)),
        e => Ok(people::Shown::Error(e.to_string())),
    }
}

pub async fn people_page(req: Request, ctx: Ctx) -> ApiResult {
    let signed = signed_in!(req, ctx, Permission::Read);
    render_people(&req, &ctx, &signed.frame, &people::Shown::Nothing).await
}

pub async fn invite_person(mut req: Request, ctx: Ctx) -> ApiResult {
    let (signed, f) = form_post!(req, ctx, Permission::ManagePeople);
    let store = ctx.store()?;
    let new = support_workflows::people::NewPerson {
        email: f.text("email").unwrap_or_default(),
        name: f.text("name"),
        role: f.text("role").unwrap_or_default(),
        slack_user_id: f.text("slack"),
        password: None,
    };
    let shown = match support_workflows::people::add(
        store.as_ref(),
        new,
        &signed.person.email,
        crate::env::now_ms(),
    )
    .await
    {
        Ok((person, Some(token))) => people::Shown::Invite {
            email: person.email,
            path: format!("/invite/{token}"),
        },
        Ok((person, None)) => people::Shown::Done(format!("{} added.", person.email)),
        Err(e) => shown_error(e)?,
    };
    render_people(&req, &ctx, &signed.frame, &shown).await
}

pub async fn change_person(mut req: Request, ctx: Ctx) -> ApiResult {
    let (signed, f) = form_post!(req, ctx, Permission::ManagePeople);
    let store = ctx.store()?;
    let shown = match support_workflows::people::change(
        store.as_ref(),
        ctx.param(0),
        f.text("role").as_deref(),
        Some(f.text("slack")),
        &signed.person.email,
        crate::env::now_ms(),
    )
    .await
    {
        Ok(p) => people::Shown::Done(format!(
            "{} is now {}{}.",
            p.email,
            p.role.as_str(),
            p.slack_user_id
                .map(|s| format!(", Slack {s}"))
                .unwrap_or_default()
        )),
        Err(e) => shown_error(e)?,
    };
    render_people(&req, &ctx, &signed.frame, &shown).await
}

pub async fn revoke_sessions(mut req: Request, ctx: Ctx) -> ApiResult {
    let (signed, _) = form_post!(req, ctx, Permission::ManagePeople);
    let store = ctx.store()?;
    let shown = match support_workflows::people::revoke_sessions(
        store.as_ref(),
        ctx.param(0),
        &signed.person.email,
        crate::env::now_ms(),
    )
    .await
    {
        Ok(n) => people::Shown::Done(format!("{n} session(s) ended.")),
        Err(e) => shown_error(e)?,
    };
    render_people(&req, &ctx, &signed.frame, &shown).await
}

pub async fn revoke_token(mut req: Request, ctx: Ctx) -> ApiResult {
    let (signed, _) = form_post!(req, ctx, Permission::ManagePeople);
    let store = ctx.store()?;
    let shown = match support_workflows::people::revoke_token(
        store.as_ref(),
        ctx.param(0),
        &signed.person.email,
        crate::env::now_ms(),
    )
    .await
    {
        Ok(true) => people::Shown::Done("Token revoked.".into()),
        Ok(false) => people::Shown::Error("No such unrevoked token.".into()),
        Err(e) => shown_error(e)?,
    };
    render_people(&req, &ctx, &signed.frame, &shown).await
}

/// The Trust page's figures: every app, over `since` days (default 30).
async fn render_trust(
    ctx: &Ctx,
    frame: &Frame,
    since_days: u32,
    shown: &trust::Shown,
) -> ApiResult {
    let store = ctx.store()?;
    let killed = ctx.settings()?.autosend_kill_switch;
    let now = crate::env::now_ms();
    let since = now - i64::from(since_days) * 86_400_000;
    let mut all = Vec::new();
    for app in store.apps().await.map_err(ApiError::unavailable)? {
        all.push(
            support_workflows::autosend::app_stats(store.as_ref(), &app, since, now, killed)
                .await
                .map_err(ApiError::unavailable)?,
        );
    }
    let status = if matches!(shown, trust::Shown::Error(_)) {
        409
    } else {
        200
    };
    html(status, trust::trust_page(frame, &all, since_days, shown))
}

pub async fn trust_page(req: Request, ctx: Ctx) -> ApiResult {
    let signed = signed_in!(req, ctx, Permission::Read);
    let days = query_fields(&req)?
        .get("since")
        .and_then(|d| d.trim_end_matches('d').parse().ok())
        .filter(|d| (1..=3650).contains(d))
        .unwrap_or(30);
    render_trust(&ctx, &signed.frame, days, &trust::Shown::Nothing).await
}

/// An owner switches auto-send for one app × category (`enabled` = `1` or `0`); a
/// refusal is shown with every reason, and each change is audit-logged under their email.
pub async fn switch_autosend(mut req: Request, ctx: Ctx) -> ApiResult {
    use support_workflows::autosend::{self, AutosendError};
    let (signed, f) = form_post!(req, ctx, Permission::ManageApps);
    let (slug, category) = (ctx.param(0).to_owned(), ctx.param(1).to_owned());
    let enabled = f.get("enabled") == Some("1");
    let store = ctx.store()?;
    let killed = ctx.settings()?.autosend_kill_switch;
    let Some(app) = store.app(&slug).await.map_err(ApiError::unavailable)? else {
        return refused(404, "No such app.");
    };
    let shown = match autosend::set(
        store.as_ref(),
        &app,
        &category,
        enabled,
        &signed.person.email,
        killed,
        crate::env::now_ms(),
    )
    .await
    {
        Ok(change) => trust::Shown::Changed(format!(
            "Auto-send is {} for {} in {}{}.",
            if enabled { "on" } else { "off" },
            category,
            app.name,
            if change.changed {
                ""
            } else {
                " (it already was)"
            }
        )),
        Err(AutosendError::Unavailable(e)) => return Err(ApiError::unavailable(e)),
        Err(e) => trust::Shown::Error(e.to_string()),
    };
    render_trust(&ctx, &signed.frame, 30, &shown).await
}

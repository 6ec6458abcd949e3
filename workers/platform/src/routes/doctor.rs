//! `GET /admin/doctor`: a deployment checked from inside, where its secrets are (what
//! `skill doctor` prints):
//! - `settings`: every secret or setting that gates a feature, whether it is set and
//!   what is closed without it: names only, never a value, a prefix or a length;
//! - `checks`, run concurrently, each with a short timeout: a read through the store
//!   (`database`), Front's `GET /me` with the API token (`front`), Slack's `auth.test`
//!   with the bot token (`slack`), each app's connected account as the platform sees
//!   it (`stripe:<slug>`, `GET /v1/accounts/{id}`) and each app's SDK endpoint, probed
//!   read-only as the dashboard's Apps page does (`sdk:<slug>`). A check whose setting
//!   is missing is `"not configured"` with the variable to set.
//!
//! Services' errors are summarised (status and error code): their messages can quote
//! the caller's key (Stripe names it masked), and none is echoed or logged.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::future::{join_all, select, Either};
use serde::Serialize;
use serde_json::json;
use support_core::settings::{vars, InngestAuth, Settings};
use support_front::{FrontClient, FrontError};
use support_http::{FetchTransport, Transport, TransportError};
use support_sdk::health::{Outcome, Report, PROBE_EMAIL};
use support_slack::{SlackClient, SlackError};
use support_store::{AppConfig, SqlStore, Store, StoreError};
use support_stripe::{StripeClient, StripeError};
use worker::Request;

use super::Ctx;
use crate::http::{json, ApiResult};

/// Each call to Front, Slack and Stripe, and each SDK method probed.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);
/// A database read.
const DATABASE_TIMEOUT: Duration = Duration::from_secs(5);
/// One app's whole SDK probe (one call per read method, one after the other).
const SDK_TIMEOUT: Duration = Duration::from_secs(20);
/// Longest piece of a transport failure kept (the runtime's own words).
const MAX_DETAIL_CHARS: usize = 120;

/// A secret or setting that gates a feature.
#[derive(Debug, Serialize)]
struct SettingState {
    name: &'static str,
    set: bool,
    /// What is closed (or different) without it.
    closes: &'static str,
    /// A feature one may leave off (knowledge): unset is not a problem.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    optional: bool,
}

/// What one check found.
#[derive(Debug, Serialize)]
struct Check {
    name: String,
    ok: bool,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<String>,
}

impl Check {
    fn ok(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ok: true,
            detail: detail.into(),
            fix: None,
        }
    }

    fn fail(name: impl Into<String>, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ok: false,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    /// The check cannot run: `variable` is not set.
    fn not_configured(name: impl Into<String>, variable: &str, what: &str) -> Self {
        Self::fail(name, "not configured", format!("set {variable} to {what}"))
    }
}

pub async fn get(_req: Request, ctx: Ctx) -> ApiResult {
    let settings = ctx.settings()?;
    let settings_report = settings_states(&settings);
    #[allow(clippy::arc_with_non_send_sync)] // one thread per isolate
    let transport: Arc<dyn Transport> = Arc::new(FetchTransport);
    let (front_check, slack_check, mut stored) = futures::join!(
        front(&settings, transport.clone()),
        slack(&settings, transport.clone()),
        store_checks(&ctx, &settings, transport.clone()),
    );
    let mut checks = Vec::with_capacity(stored.len() + 2);
    // The database first, then the services, then the apps'.
    if !stored.is_empty() {
        checks.push(stored.remove(0));
    }
    checks.push(front_check);
    checks.push(slack_check);
    checks.extend(stored);
    let ok = checks.iter().all(|c| c.ok) && settings_report.iter().all(|s| s.set || s.optional);
    json(
        200,
        &json!({
            "database": settings.database.name(),
            "ok": ok,
            "settings": settings_report,
            "checks": checks,
        }),
    )
}

/// Which gating settings are set, from the parsed settings.
fn settings_states(s: &Settings) -> Vec<SettingState> {
    let services = &s.services;
    let knowledge = services.knowledge.as_ref();
    let state = |name, set, closes| SettingState {
        name,
        set,
        closes,
        optional: false,
    };
    let optional = |name, set, closes| SettingState {
        name,
        set,
        closes,
        optional: true,
    };
    vec![
        state(
            vars::APP_SECRETS_KEYS,
            services.app_secrets_keys.is_some(),
            "apps with secrets cannot be registered or read",
        ),
        state(
            vars::ADMIN_TOKEN,
            s.admin_token.is_some(),
            "the admin routes and skill's operator verbs do not exist",
        ),
        state(
            vars::BETTER_AUTH_SECRET,
            !s.auth_secrets.is_empty(),
            "no dashboard and no /api/auth/*",
        ),
        state(
            vars::FRONT_WEBHOOK_SECRET,
            !s.front_app_secrets.is_empty(),
            "every Front webhook is refused (401)",
        ),
        state(
            vars::FRONT_API_TOKEN,
            services.front_api_token.is_some(),
            "the pipeline cannot read conversations or draft replies",
        ),
        state(
            vars::INNGEST_EVENT_KEY,
            s.inngest_event_key.is_some(),
            "accepted events wait in their conversations' outboxes",
        ),
        state(
            vars::INNGEST_SIGNING_KEY,
            matches!(s.inngest_auth, InngestAuth::Signed { .. }),
            match s.inngest_auth {
                InngestAuth::Dev => {
                    "INNGEST_DEV=1 serves unsigned calls instead (a local executor only, never in production)"
                }
                _ => "/api/inngest refuses every call (503)",
            },
        ),
        state(
            vars::ANTHROPIC_API_KEY,
            services.anthropic_api_key.is_some(),
            "messages the fast path does not settle go to a human",
        ),
        state(
            vars::SLACK_BOT_TOKEN,
            services.slack_bot_token.is_some(),
            "no approval cards in Slack: approvals only in the dashboard and the API",
        ),
        state(
            vars::SLACK_SIGNING_SECRET,
            !services.slack_signing_secrets.is_empty(),
            "/slack/* refuses every button and modal",
        ),
        state(
            vars::STRIPE_SECRET_KEY,
            services.stripe_secret_key.is_some(),
            "refunds cannot execute",
        ),
        optional(
            vars::UPSTASH_VECTOR_REST_URL,
            knowledge.is_some(),
            "knowledge is off: the agent gets no retrieval tool",
        ),
        optional(
            vars::UPSTASH_VECTOR_REST_READONLY_TOKEN,
            // Without it, queries run with the read-write token.
            knowledge.is_some_and(|k| k.write_token.as_ref() != Some(&k.query_token)),
            "queries run with the read-write token (or knowledge is off)",
        ),
        optional(
            vars::UPSTASH_VECTOR_REST_TOKEN,
            knowledge.is_some_and(|k| k.write_token.is_some()),
            "retrieval works but nothing is learned (no reply candidates, no FAQ entries)",
        ),
    ]
}

/// `GET {FRONT_API_BASE}/me` with the API token.
async fn front(settings: &Settings, transport: Arc<dyn Transport>) -> Check {
    const NAME: &str = "front";
    let services = &settings.services;
    let Some(token) = &services.front_api_token else {
        return Check::not_configured(
            NAME,
            vars::FRONT_API_TOKEN,
            "a Front API token (Front → Settings → Developers → API tokens)",
        );
    };
    let client = FrontClient::new(services.front_api_base.clone(), token.clone(), transport)
        .with_timeout(CALL_TIMEOUT);
    match client.me().await {
        Ok(me) => Check::ok(
            NAME,
            format!(
                "token works ({})",
                me.name.filter(|n| !n.is_empty()).unwrap_or(me.id)
            ),
        ),
        Err(e) => {
            let fix = match e.status() {
                Some(401 | 403) => format!(
                    "set {} to a valid Front API token (Front → Settings → Developers → API tokens)",
                    vars::FRONT_API_TOKEN
                ),
                None if matches!(e, FrontError::Transport(_)) => format!(
                    "check {} ({}) and that Front is reachable",
                    vars::FRONT_API_BASE,
                    services.front_api_base
                ),
                _ => "try again; if it persists, see Front's status page".to_owned(),
            };
            Check::fail(NAME, front_error(&e), fix)
        }
    }
}

fn front_error(e: &FrontError) -> String {
    match e {
        FrontError::RateLimited { .. } => "Front answered 429 (rate limited)".into(),
        FrontError::NotFound { .. } => "Front answered 404".into(),
        FrontError::Api { status, title, .. } if title.is_empty() => {
            format!("Front answered {status}")
        }
        FrontError::Api { status, title, .. } => {
            format!("Front answered {status} {}", cut(title))
        }
        FrontError::Transport(t) => unreachable_detail("Front", t),
        FrontError::Decode(_) => "Front's answer is not the documented JSON".into(),
        FrontError::InvalidId(what) => format!("invalid {what}"),
    }
}

/// Slack's `auth.test` with the bot token.
async fn slack(settings: &Settings, transport: Arc<dyn Transport>) -> Check {
    const NAME: &str = "slack";
    let services = &settings.services;
    let Some(token) = &services.slack_bot_token else {
        return Check::not_configured(
            NAME,
            vars::SLACK_BOT_TOKEN,
            "the Slack app's Bot User OAuth Token (xoxb-…)",
        );
    };
    let client = SlackClient::new(services.slack_api_base.clone(), token.clone(), transport)
        .with_timeout(CALL_TIMEOUT);
    match client.auth_test().await {
        Ok(me) => {
            let who = match (me.user, me.team) {
                (Some(user), Some(team)) => format!("{user} in {team}"),
                (Some(user), None) => user,
                (None, Some(team)) => format!("a token of {team}"),
                (None, None) => "a token".into(),
            };
            let kind = if me.bot_id.is_some() {
                "bot"
            } else {
                "not a bot token:"
            };
            Check::ok(NAME, format!("auth.test: {kind} {who}"))
        }
        Err(e) => {
            let fix = match &e {
                SlackError::Api { error, needed, .. } if error == "missing_scope" => format!(
                    "add the {} scope to the Slack app and reinstall it",
                    needed.as_deref().unwrap_or("missing")
                ),
                SlackError::Api { .. } | SlackError::Status { status: 401 | 403 } => format!(
                    "set {} to the Slack app's Bot User OAuth Token (xoxb-…)",
                    vars::SLACK_BOT_TOKEN
                ),
                SlackError::Transport(_) => format!(
                    "check {} ({}) and that Slack is reachable",
                    vars::SLACK_API_BASE,
                    services.slack_api_base
                ),
                _ => "try again; if it persists, see Slack's status page".to_owned(),
            };
            Check::fail(NAME, slack_error(&e), fix)
        }
    }
}

fn slack_error(e: &SlackError) -> String {
    match e {
        SlackError::Api { error, .. } => format!("auth.test: {}", cut(error)),
        SlackError::RateLimited { .. } => "Slack answered 429 (rate limited)".into(),
        SlackError::Status { status } => format!("Slack answered HTTP {status}"),
        SlackError::Transport(t) => unreachable_detail("Slack", t),
        SlackError::Decode(_) | SlackError::InvalidBlocks(_) => {
            "Slack's answer is not the documented JSON".into()
        }
    }
}

/// The database, then each app's Stripe account and SDK endpoint.
async fn store_checks(ctx: &Ctx, settings: &Settings, transport: Arc<dyn Transport>) -> Vec<Check> {
    const NAME: &str = "database";
    let database = settings.database.name();
    let store = match crate::ports::store::open(
        &ctx.env,
        settings
            .services
            .app_secrets_keys
            .as_ref()
            .map(support_http::Secret::expose),
    ) {
        Ok(store) => store,
        Err(e) => {
            // The store's errors never carry key material or values.
            worker::console_warn!("doctor: the store cannot be opened: {e}");
            return vec![Check::fail(
                NAME,
                format!(
                    "{database}: the store cannot be opened: {}",
                    cut(&e.to_string())
                ),
                format!(
                    "check the database binding and {} (id:base64 of 32 bytes, comma separated)",
                    vars::APP_SECRETS_KEYS
                ),
            )];
        }
    };
    let apps = match within(DATABASE_TIMEOUT, store.app_names()).await {
        Some(Ok(apps)) => apps,
        Some(Err(e)) => {
            worker::console_warn!("doctor: the database read failed: {e}");
            return vec![Check::fail(
                NAME,
                format!("{database}: a read failed: {}", cut(&e.to_string())),
                "check the database (and that its migrations are applied)",
            )];
        }
        None => {
            return vec![Check::fail(
                NAME,
                format!(
                    "{database}: no answer within {} s",
                    DATABASE_TIMEOUT.as_secs()
                ),
                "check the database's status",
            )]
        }
    };
    let mut checks = vec![Check::ok(
        NAME,
        format!("{database} answers; {} apps registered", apps.len()),
    )];
    let stripe = settings.services.stripe_secret_key.as_ref().map(|key| {
        StripeClient::new(
            settings.services.stripe_api_base.clone(),
            key.clone(),
            transport.clone(),
        )
        .with_timeout(CALL_TIMEOUT)
    });
    let per_app = join_all(
        apps.iter()
            .map(|(slug, _)| app_checks(&store, slug, stripe.as_ref())),
    )
    .await;
    checks.extend(per_app.into_iter().flatten());
    checks
}

/// One app's Stripe account (when it has one) and SDK endpoint.
async fn app_checks(store: &SqlStore, slug: &str, stripe: Option<&StripeClient>) -> Vec<Check> {
    let sdk_name = format!("sdk:{slug}");
    let app = match within(DATABASE_TIMEOUT, store.app(slug)).await {
        Some(Ok(Some(app))) => app,
        // Removed since it was listed.
        Some(Ok(None)) => return Vec::new(),
        Some(Err(e @ StoreError::Secret(_))) => {
            return vec![Check::fail(
                sdk_name,
                format!("the app's secrets do not open: {}", cut(&e.to_string())),
                format!(
                    "{} must hold the key that sealed them (keep old keys after the current one)",
                    vars::APP_SECRETS_KEYS
                ),
            )]
        }
        Some(Err(e)) => {
            return vec![Check::fail(
                sdk_name,
                format!("the app could not be read: {}", cut(&e.to_string())),
                "check the database",
            )]
        }
        None => {
            return vec![Check::fail(
                sdk_name,
                "the app could not be read in time",
                "check the database's status",
            )]
        }
    };
    let (stripe, sdk) = futures::join!(stripe_account(&app, stripe), sdk(&app));
    stripe.into_iter().chain(Some(sdk)).collect()
}

/// `GET /v1/accounts/{id}` as the platform, for an app with a connected account.
async fn stripe_account(app: &AppConfig, client: Option<&StripeClient>) -> Option<Check> {
    let account = app.stripe_account_id.as_deref()?;
    let name = format!("stripe:{}", app.slug);
    let Some(client) = client else {
        return Some(Check::not_configured(
            name,
            vars::STRIPE_SECRET_KEY,
            "the platform's Stripe secret key (sk_live_…, Connect enabled)",
        ));
    };
    Some(match client.retrieve_account(account).await {
        Ok(a) if a.charges_enabled => {
            let mut detail = "the connected account takes charges".to_owned();
            if let Some(business) = a.business_profile.and_then(|p| p.name) {
                detail = format!("{detail} ({})", cut(&business));
            }
            if !a.payouts_enabled {
                detail.push_str("; payouts are disabled");
            }
            Check::ok(name, detail)
        }
        Ok(a) => {
            let reason = a
                .requirements
                .and_then(|r| r.disabled_reason)
                .map(|r| format!(" ({})", cut(&r)))
                .unwrap_or_default();
            Check::fail(
                name,
                format!("the connected account cannot take charges{reason}"),
                "finish the account's onboarding in Stripe (Connect → the account → requirements)",
            )
        }
        Err(e) => {
            let slug = &app.slug;
            let fix = match &e {
                StripeError::Api { status: 401, .. } => format!(
                    "set {} to the platform's Stripe secret key (sk_live_…, Connect enabled)",
                    vars::STRIPE_SECRET_KEY
                ),
                StripeError::Api {
                    status: 403 | 404, ..
                } => format!(
                    "check the app's Stripe account id and that the account is connected to the platform (skill apps show {slug})"
                ),
                StripeError::InvalidInput(_) => format!(
                    "the app's Stripe account id is not an acct_… id: register it again (skill apps show {slug})"
                ),
                StripeError::Transport(_) => format!(
                    "check {} and that Stripe is reachable",
                    vars::STRIPE_API_BASE
                ),
                _ => "try again; if it persists, see Stripe's status page".to_owned(),
            };
            Check::fail(name, stripe_error(&e), fix)
        }
    })
}

fn stripe_error(e: &StripeError) -> String {
    match e {
        StripeError::Api {
            status, kind, code, ..
        } => format!(
            "Stripe answered {status} {}",
            cut(code.as_deref().unwrap_or(kind))
        ),
        StripeError::RateLimited { .. } => "Stripe answered 429 (rate limited)".into(),
        StripeError::Transport(t) => unreachable_detail("Stripe", t),
        StripeError::Decode { .. } => "Stripe's answer did not decode".into(),
        // Our own words about the id, before anything was sent.
        StripeError::InvalidInput(detail) => cut(detail),
    }
}

/// The app's SDK endpoint, probed read-only as the dashboard's Apps page does.
async fn sdk(app: &AppConfig) -> Check {
    let name = format!("sdk:{}", app.slug);
    let slug = &app.slug;
    let Some(client) = support_workflows::pipeline::sdk_client(app, FetchTransport) else {
        return Check::fail(
            name,
            "the app has no SDK secret",
            format!("give it one (skill apps rotate-secret {slug}) and set it in the app"),
        );
    };
    let client = client.with_timeout(CALL_TIMEOUT);
    let now = || worker::Date::now().as_millis() as f64;
    let check = support_sdk::health::check(&client, PROBE_EMAIL, true, &now);
    match within(SDK_TIMEOUT, check).await {
        None => Check::fail(
            name,
            format!("no complete answer within {} s", SDK_TIMEOUT.as_secs()),
            format!(
                "check the app's endpoint (skill apps show {slug}, then skill health <its url>)"
            ),
        ),
        Some(report) => sdk_check(name, slug, &report),
    }
}

/// What a health report says, as one check.
fn sdk_check(name: String, slug: &str, report: &Report) -> Check {
    let probed: Vec<_> = report
        .methods
        .iter()
        .filter(|p| p.outcome != Outcome::Skipped)
        .collect();
    let implemented = probed
        .iter()
        .filter(|p| {
            matches!(
                p.outcome,
                Outcome::Implemented | Outcome::ImplementedRejectedProbe
            )
        })
        .count();
    if report.healthy {
        return Check::ok(
            name,
            format!(
                "healthy: {implemented} of {} read methods implemented",
                probed.len()
            ),
        );
    }
    let failing: Vec<_> = probed
        .iter()
        .filter(|p| match p.outcome {
            Outcome::Unauthorized | Outcome::Error => true,
            Outcome::NotImplemented | Outcome::Unsupported => p.required,
            _ => false,
        })
        .collect();
    let mut detail: Vec<String> = failing
        .iter()
        .take(3)
        .map(|p| match p.status {
            Some(status) => format!("{} {} ({status})", p.action, p.outcome.label()),
            None => format!("{} {}", p.action, p.outcome.label()),
        })
        .collect();
    if failing.len() > 3 {
        detail.push(format!("{} more", failing.len() - 3));
    }
    let fix = if failing.iter().any(|p| p.outcome == Outcome::Unauthorized) {
        format!(
            "the app refuses the platform's signature: it must verify with the secret registered for it (skill apps rotate-secret {slug})"
        )
    } else if failing
        .iter()
        .all(|p| p.outcome == Outcome::Error && p.status.is_none())
    {
        format!(
            "the endpoint does not answer: check the app's integration URL (skill apps show {slug}) and that the app is up"
        )
    } else {
        format!("run skill health against the app's endpoint (skill apps show {slug}) for details")
    };
    Check::fail(name, format!("unhealthy: {}", detail.join(", ")), fix)
}

/// `work`'s output, or `None` once `limit` has passed.
async fn within<F: Future>(limit: Duration, work: F) -> Option<F::Output> {
    let work = std::pin::pin!(work);
    let timer = std::pin::pin!(worker::Delay::from(limit));
    match select(work, timer).await {
        Either::Left((output, _)) => Some(output),
        Either::Right(_) => None,
    }
}

/// A service that did not answer: the runtime's words, cut.
fn unreachable_detail(service: &str, error: &TransportError) -> String {
    match error {
        TransportError::Timeout => format!(
            "{service} did not answer within {} s",
            CALL_TIMEOUT.as_secs()
        ),
        TransportError::Other(detail) => format!("could not reach {service}: {}", cut(detail)),
    }
}

/// `text` cut to [`MAX_DETAIL_CHARS`].
fn cut(text: &str) -> String {
    match text.char_indices().nth(MAX_DETAIL_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

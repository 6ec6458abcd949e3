//! Configuration read from the environment (vars in wrangler.toml, secrets via
//! `wrangler secret put` or `.dev.vars` locally).

use support_inngest::DEFAULT_EVENT_API_BASE;
use worker::Env;

fn text(env: &Env, name: &str) -> Option<String> {
    env.secret(name)
        .map(|s| s.to_string())
        .or_else(|_| env.var(name).map(|v| v.to_string()))
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// Front application-webhook secrets, newest first (`FRONT_WEBHOOK_SECRET`, then
/// `FRONT_WEBHOOK_SECRET_PREVIOUS` during a rotation).
pub fn front_app_secrets(env: &Env) -> Vec<String> {
    ["FRONT_WEBHOOK_SECRET", "FRONT_WEBHOOK_SECRET_PREVIOUS"]
        .into_iter()
        .filter_map(|n| text(env, n))
        .collect()
}

/// The Front API secret for legacy rule webhooks (`FRONT_RULE_WEBHOOK_SECRET`), if
/// rule webhooks are enabled.
pub fn front_rule_secrets(env: &Env) -> Vec<String> {
    text(env, "FRONT_RULE_WEBHOOK_SECRET").into_iter().collect()
}

/// `INNGEST_EVENT_API_BASE`, Inngest Cloud by default.
pub fn inngest_event_api_base(env: &Env) -> String {
    text(env, "INNGEST_EVENT_API_BASE").unwrap_or_else(|| DEFAULT_EVENT_API_BASE.to_owned())
}

/// `INNGEST_EVENT_KEY`.
pub fn inngest_event_key(env: &Env) -> String {
    text(env, "INNGEST_EVENT_KEY").unwrap_or_default()
}

/// `CONVERSATION_TTL_SECS`: how long a quiet conversation's cache lives.
pub fn conversation_ttl_secs(env: &Env) -> Option<i64> {
    text(env, "CONVERSATION_TTL_SECS")
        .and_then(|v| v.parse().ok())
        .filter(|v| *v > 0)
}

/// `ADMIN_TOKEN`: enables the read-only `/admin` routes when set.
pub fn admin_token(env: &Env) -> Option<String> {
    text(env, "ADMIN_TOKEN")
}

/// `INNGEST_SIGNING_KEY`.
pub fn inngest_signing_key(env: &Env) -> Option<String> {
    text(env, "INNGEST_SIGNING_KEY")
}

/// `INNGEST_SIGNING_KEY_FALLBACK`: the previous key during a rotation.
pub fn inngest_signing_key_fallback(env: &Env) -> Option<String> {
    text(env, "INNGEST_SIGNING_KEY_FALLBACK")
}

/// `INNGEST_DEV=1`: serve unsigned calls from a local executor. Never set in production.
pub fn inngest_dev(env: &Env) -> bool {
    matches!(text(env, "INNGEST_DEV").as_deref(), Some("1" | "true"))
}

/// `INNGEST_API_ORIGIN`: where `/fn/register` lives (Inngest Cloud by default).
pub fn inngest_api_origin(env: &Env) -> Option<String> {
    text(env, "INNGEST_API_ORIGIN")
}

/// `INNGEST_SERVE_URL`: the public URL of `/api/inngest`.
pub fn inngest_serve_url(env: &Env) -> Option<String> {
    text(env, "INNGEST_SERVE_URL")
}

/// `RESPONSE_TARGET_SECS`: how long a new conversation may wait for a first reply (24 h).
pub fn response_target_secs(env: &Env) -> u64 {
    text(env, "RESPONSE_TARGET_SECS")
        .and_then(|v| v.parse().ok())
        .unwrap_or(24 * 3600)
}

/// `INNGEST_CONFORMANCE=1`: also serve the protocol conformance functions (tests only).
pub fn inngest_conformance(env: &Env) -> bool {
    matches!(
        text(env, "INNGEST_CONFORMANCE").as_deref(),
        Some("1" | "true")
    )
}

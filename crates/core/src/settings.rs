//! The platform's configuration, read once from named values (wrangler vars and
//! secrets at the edge, anything in tests) and checked: a value that does not parse is
//! an error naming the variable, never a silent default. A secret that is missing
//! closes what it protects: no Front secret refuses webhooks, no Inngest signing key
//! refuses every `/api/inngest` call unless `INNGEST_DEV=1` says this is a local
//! executor, no admin token hides the admin routes.

use support_http::Secret;

use crate::conversation::DEFAULT_TTL_SECS;
use crate::outbox::MAX_TTL_SECS;

/// Inngest Cloud's Event API.
pub const DEFAULT_EVENT_API_BASE: &str = "https://inn.gs";
/// How long a new conversation may wait for a first reply: 24 h.
pub const DEFAULT_RESPONSE_TARGET_SECS: u64 = 24 * 3600;
/// Checkpointing's max runtime: a call request hands the next step back to Inngest
/// after 20 s, well inside a Worker's 30 s of CPU per request (the default limit) and
/// Inngest's patience with a call.
pub const DEFAULT_CHECKPOINT_MAX_RUNTIME_SECS: u64 = 20;

/// Variable names, in one place.
pub mod vars {
    /// Front application-webhook secret.
    pub const FRONT_WEBHOOK_SECRET: &str = "FRONT_WEBHOOK_SECRET";
    /// The previous one, during a rotation.
    pub const FRONT_WEBHOOK_SECRET_PREVIOUS: &str = "FRONT_WEBHOOK_SECRET_PREVIOUS";
    /// Front API secret for legacy rule webhooks; enables them.
    pub const FRONT_RULE_WEBHOOK_SECRET: &str = "FRONT_RULE_WEBHOOK_SECRET";
    /// Where events go.
    pub const INNGEST_EVENT_API_BASE: &str = "INNGEST_EVENT_API_BASE";
    /// The Event API key.
    pub const INNGEST_EVENT_KEY: &str = "INNGEST_EVENT_KEY";
    /// Signing key of `/api/inngest`.
    pub const INNGEST_SIGNING_KEY: &str = "INNGEST_SIGNING_KEY";
    /// The previous signing key, during a rotation.
    pub const INNGEST_SIGNING_KEY_FALLBACK: &str = "INNGEST_SIGNING_KEY_FALLBACK";
    /// `1`: unsigned calls from a local executor.
    pub const INNGEST_DEV: &str = "INNGEST_DEV";
    /// Where `/fn/register` and the run API live.
    pub const INNGEST_API_ORIGIN: &str = "INNGEST_API_ORIGIN";
    /// The public URL of `/api/inngest`.
    pub const INNGEST_SERVE_URL: &str = "INNGEST_SERVE_URL";
    /// `1`: also serve the protocol conformance functions (tests only).
    pub const INNGEST_CONFORMANCE: &str = "INNGEST_CONFORMANCE";
    /// Checkpointing's max runtime per call request, seconds (`0` turns it off).
    pub const INNGEST_CHECKPOINT_MAX_RUNTIME_SECS: &str = "INNGEST_CHECKPOINT_MAX_RUNTIME_SECS";
    /// `1`: the agent sends nothing alone, whatever the switches say (the kill switch).
    pub const AUTOSEND_KILL_SWITCH: &str = "AUTOSEND_KILL_SWITCH";
    /// How long a quiet conversation's cache lives (seconds).
    pub const CONVERSATION_TTL_SECS: &str = "CONVERSATION_TTL_SECS";
    /// How long a new conversation may wait for a first reply (seconds).
    pub const RESPONSE_TARGET_SECS: &str = "RESPONSE_TARGET_SECS";
    /// Bearer token of the admin routes; enables them.
    pub const ADMIN_TOKEN: &str = "ADMIN_TOKEN";
    /// The secret that signs dashboard session cookies, BetterAuth's own (a team that
    /// runs BetterAuth on the same tables sets the same value); enables `/api/auth/*`.
    pub const BETTER_AUTH_SECRET: &str = "BETTER_AUTH_SECRET";
    /// The previous secret, still accepted while rotating.
    pub const BETTER_AUTH_SECRET_PREVIOUS: &str = "BETTER_AUTH_SECRET_PREVIOUS";
    /// Keys that seal app secrets: `id:base64,id:base64`, the first current.
    pub const APP_SECRETS_KEYS: &str = "APP_SECRETS_KEYS";
    /// Front's API base URL.
    pub const FRONT_API_BASE: &str = "FRONT_API_BASE";
    /// Front API token (the pipeline's tags, comments, drafts).
    pub const FRONT_API_TOKEN: &str = "FRONT_API_TOKEN";
    /// The Messages API's base URL.
    pub const ANTHROPIC_BASE_URL: &str = "ANTHROPIC_BASE_URL";
    /// Anthropic API key; without it messages the fast path misses go to a human.
    pub const ANTHROPIC_API_KEY: &str = "ANTHROPIC_API_KEY";
    /// The agent's model.
    pub const AGENT_MODEL: &str = "AGENT_MODEL";
    /// The classifier's model.
    pub const CLASSIFIER_MODEL: &str = "CLASSIFIER_MODEL";
    /// Stripe's API base URL.
    pub const STRIPE_API_BASE: &str = "STRIPE_API_BASE";
    /// The platform's Stripe Connect secret key.
    pub const STRIPE_SECRET_KEY: &str = "STRIPE_SECRET_KEY";
    /// Slack's Web API base URL.
    pub const SLACK_API_BASE: &str = "SLACK_API_BASE";
    /// The Slack app's bot token (`xoxb-…`).
    pub const SLACK_BOT_TOKEN: &str = "SLACK_BOT_TOKEN";
    /// The Slack app's signing secret: without it `/slack/*` refuses everything.
    pub const SLACK_SIGNING_SECRET: &str = "SLACK_SIGNING_SECRET";
    /// The Upstash Vector index of the knowledge base (REST URL); with a token, the
    /// agent retrieves knowledge. Without it knowledge is off.
    pub const UPSTASH_VECTOR_REST_URL: &str = "UPSTASH_VECTOR_REST_URL";
    /// The index's read-write token: the worker writes reply candidates (into their
    /// own namespaces) and FAQ entries a person approved (`learned/<id>`), never the
    /// ingested pages.
    pub const UPSTASH_VECTOR_REST_TOKEN: &str = "UPSTASH_VECTOR_REST_TOKEN";
    /// The index's read-only token, used for every query.
    pub const UPSTASH_VECTOR_REST_READONLY_TOKEN: &str = "UPSTASH_VECTOR_REST_READONLY_TOKEN";
    /// The previous signing secret, accepted while rotating.
    pub const SLACK_SIGNING_SECRET_PREVIOUS: &str = "SLACK_SIGNING_SECRET_PREVIOUS";
    /// Retired: one shared token with the approver named in the body. The approvals API
    /// takes per-person tokens (`skill tokens create`); setting this is an error.
    pub const APPROVALS_API_TOKEN: &str = "APPROVALS_API_TOKEN";
    /// An approval's wait re-reads its record at least this often (seconds).
    pub const APPROVAL_WAIT_SLICE_SECS: &str = "APPROVAL_WAIT_SLICE_SECS";
    /// An approved action not executed after this long is reported (seconds).
    pub const EXECUTION_WATCH_SECS: &str = "EXECUTION_WATCH_SECS";
    /// How long what people wrote (edited replies, rejection reasons) stays in the
    /// audit log (days).
    pub const AUDIT_RETENTION_DAYS: &str = "AUDIT_RETENTION_DAYS";
    /// Which database holds the store: `d1` (the default) or `planetscale`.
    pub const DATABASE: &str = "DATABASE";
    /// `production`, `test`, `dev`: the environment telemetry is tagged with.
    pub const PLATFORM_ENV: &str = "PLATFORM_ENV";
    /// Axiom's API token (`xaat-…`); telemetry events go to Axiom when set.
    pub const AXIOM_TOKEN: &str = "AXIOM_TOKEN";
    /// The Axiom dataset (default `support-traces`).
    pub const AXIOM_DATASET: &str = "AXIOM_DATASET";
    /// Axiom's API base URL (default `https://api.axiom.co`).
    pub const AXIOM_URL: &str = "AXIOM_URL";
    /// Langfuse's public key (`pk-lf-…`).
    pub const LANGFUSE_PUBLIC_KEY: &str = "LANGFUSE_PUBLIC_KEY";
    /// Langfuse's secret key (`sk-lf-…`); traces go to Langfuse when both keys are set.
    pub const LANGFUSE_SECRET_KEY: &str = "LANGFUSE_SECRET_KEY";
    /// Langfuse's host (default `https://cloud.langfuse.com`).
    pub const LANGFUSE_BASE_URL: &str = "LANGFUSE_BASE_URL";
    /// PlanetScale's host (`aws.connect.psdb.cloud`), or a URL (the devkit's
    /// `http://127.0.0.1:8288/planetscale`).
    pub const PLANETSCALE_HOST: &str = "PLANETSCALE_HOST";
    /// The branch password's username.
    pub const PLANETSCALE_USERNAME: &str = "PLANETSCALE_USERNAME";
    /// The branch password.
    pub const PLANETSCALE_PASSWORD: &str = "PLANETSCALE_PASSWORD";
}

/// Where telemetry goes: Axiom and Langfuse, each off until configured.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TelemetrySettings {
    /// `PLATFORM_ENV` (`production` by default).
    pub environment: String,
    /// Axiom: base URL, token, dataset.
    pub axiom: Option<(String, Secret, String)>,
    /// Langfuse: base URL, public key, secret key.
    pub langfuse: Option<(String, String, Secret)>,
}

/// Where the store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// The worker's D1 binding `DB`.
    D1,
    /// A PlanetScale branch over its HTTP API.
    PlanetScale {
        /// Host or URL.
        host: String,
        /// Username.
        username: String,
        /// Password.
        password: Secret,
    },
}

impl Database {
    /// `d1` or `planetscale`, as `/healthz` names it.
    pub fn name(&self) -> &'static str {
        match self {
            Database::D1 => "d1",
            Database::PlanetScale { .. } => "planetscale",
        }
    }
}

/// An approval's wait re-reads its record at least every hour by default.
pub const DEFAULT_APPROVAL_WAIT_SLICE_SECS: u64 = 3600;
/// An approved action not executed within ten minutes is reported.
pub const DEFAULT_EXECUTION_WATCH_SECS: u64 = 600;
/// What people wrote stays in the audit log for 30 days by default.
pub const DEFAULT_AUDIT_RETENTION_DAYS: u64 = 30;

/// The outside services the pipeline talks to; a missing key turns that service off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSettings {
    /// Keyring for app secrets (parsed by the store).
    pub app_secrets_keys: Option<Secret>,
    /// Front API base URL.
    pub front_api_base: String,
    /// Front API token.
    pub front_api_token: Option<Secret>,
    /// Anthropic base URL.
    pub anthropic_base_url: String,
    /// Anthropic key.
    pub anthropic_api_key: Option<Secret>,
    /// The agent's model.
    pub agent_model: String,
    /// The classifier's model.
    pub classifier_model: String,
    /// Stripe base URL.
    pub stripe_api_base: String,
    /// Stripe key.
    pub stripe_secret_key: Option<Secret>,
    /// Slack base URL.
    pub slack_api_base: String,
    /// Slack bot token.
    pub slack_bot_token: Option<Secret>,
    /// Slack signing secrets, current first.
    pub slack_signing_secrets: Vec<Secret>,
    /// The knowledge base's index, when configured.
    pub knowledge: Option<KnowledgeSettings>,
}

/// The Upstash Vector index of the knowledge base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnowledgeSettings {
    /// REST URL.
    pub url: String,
    /// Read-only token (queries); the read-write one when only that is set.
    pub query_token: Secret,
    /// Read-write token (reply candidates), when set.
    pub write_token: Option<Secret>,
}

/// A value that is present but unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name} is invalid: {reason}")]
pub struct ConfigError {
    /// The variable.
    pub name: &'static str,
    /// What is wrong with it (never the value: it may be a secret).
    pub reason: String,
}

/// How `/api/inngest` authenticates Inngest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InngestAuth {
    /// Signed calls only, with this key (and the fallback during a rotation).
    Signed {
        /// `signkey-…`.
        key: Secret,
        /// The previous key.
        fallback: Option<Secret>,
    },
    /// Unsigned calls from a local executor (`INNGEST_DEV=1`).
    Dev,
    /// No key and not dev: every call is refused.
    Closed,
}

/// Everything the platform worker and its Durable Objects are configured with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Front application-webhook secrets, newest first (empty: webhooks refused).
    pub front_app_secrets: Vec<Secret>,
    /// Front API secrets for legacy rule webhooks (empty: rule webhooks refused).
    pub front_rule_secrets: Vec<Secret>,
    /// Event API base URL.
    pub inngest_event_api_base: String,
    /// Event API key (none: events wait in the outbox until one is configured).
    pub inngest_event_key: Option<Secret>,
    /// How `/api/inngest` authenticates.
    pub inngest_auth: InngestAuth,
    /// Where `/fn/register` lives (Inngest Cloud when unset).
    pub inngest_api_origin: Option<String>,
    /// The public URL of `/api/inngest` (the request's URL when unset).
    pub inngest_serve_url: Option<String>,
    /// Serve the conformance functions too.
    pub inngest_conformance: bool,
    /// Checkpointing's max runtime per call request (`None`: checkpointing off).
    pub inngest_checkpoint_max_runtime_secs: Option<u64>,
    /// Auto-send stopped everywhere.
    pub autosend_kill_switch: bool,
    /// Conversation cache TTL, seconds.
    pub conversation_ttl_secs: i64,
    /// Response target, seconds.
    pub response_target_secs: u64,
    /// Admin bearer token (none: the admin routes do not exist).
    pub admin_token: Option<Secret>,
    /// Session cookie secrets, current first (empty: sign-in does not exist).
    pub auth_secrets: Vec<Secret>,
    /// The pipeline's outside services.
    pub services: ServiceSettings,
    /// An approval's wait re-reads its record at least this often (seconds).
    pub approval_wait_slice_secs: u64,
    /// An approved action not executed after this long is reported (seconds).
    pub execution_watch_secs: u64,
    /// What people wrote stays in the audit log this many days.
    pub audit_retention_days: u64,
    /// Where the store lives.
    pub database: Database,
    /// Where telemetry goes.
    pub telemetry: TelemetrySettings,
}

impl Settings {
    /// Read every value through `get` (which answers `None` for unset or blank).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
        let get = |name: &str| {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let secret = |name: &str| get(name).map(Secret::from);
        let flag = |name: &'static str| -> Result<bool, ConfigError> {
            match get(name).as_deref() {
                None | Some("0" | "false") => Ok(false),
                Some("1" | "true") => Ok(true),
                Some(_) => Err(ConfigError {
                    name,
                    reason: "expected 1, true, 0 or false".into(),
                }),
            }
        };
        let inngest_auth = match (get(vars::INNGEST_SIGNING_KEY), flag(vars::INNGEST_DEV)?) {
            // Dev mode turns signature checks off: with a signing key configured, that is
            // a production worker about to accept unsigned calls.
            (Some(_), true) => {
                return Err(ConfigError {
                    name: vars::INNGEST_DEV,
                    reason: "INNGEST_DEV=1 turns signature checks off and cannot be set together with INNGEST_SIGNING_KEY; remove one".into(),
                })
            }
            (None, true) => InngestAuth::Dev,
            (Some(key), false) => InngestAuth::Signed {
                key: signing_key(vars::INNGEST_SIGNING_KEY, key)?,
                fallback: get(vars::INNGEST_SIGNING_KEY_FALLBACK)
                    .map(|k| signing_key(vars::INNGEST_SIGNING_KEY_FALLBACK, k))
                    .transpose()?,
            },
            (None, false) => InngestAuth::Closed,
        };
        let ttl = match get(vars::CONVERSATION_TTL_SECS) {
            None => DEFAULT_TTL_SECS,
            Some(v) => bounded(vars::CONVERSATION_TTL_SECS, &v, 1, MAX_TTL_SECS)?,
        };
        let response_target = match get(vars::RESPONSE_TARGET_SECS) {
            None => DEFAULT_RESPONSE_TARGET_SECS,
            // Inngest waits at most a year.
            Some(v) => bounded(vars::RESPONSE_TARGET_SECS, &v, 1, MAX_TTL_SECS)? as u64,
        };
        if get(vars::APPROVALS_API_TOKEN).is_some() {
            return Err(ConfigError {
                name: vars::APPROVALS_API_TOKEN,
                reason: "the shared approvals token is retired: create a token per person with `skill tokens create` and unset it".into(),
            });
        }
        let seconds = |name: &'static str, default: u64, max: i64| -> Result<u64, ConfigError> {
            match get(name) {
                None => Ok(default),
                Some(v) => Ok(bounded(name, &v, 1, max)? as u64),
            }
        };
        let approval_wait_slice_secs = seconds(
            vars::APPROVAL_WAIT_SLICE_SECS,
            DEFAULT_APPROVAL_WAIT_SLICE_SECS,
            24 * 3600,
        )?;
        let execution_watch_secs = seconds(
            vars::EXECUTION_WATCH_SECS,
            DEFAULT_EXECUTION_WATCH_SECS,
            24 * 3600,
        )?;
        let audit_retention_days = match get(vars::AUDIT_RETENTION_DAYS) {
            None => DEFAULT_AUDIT_RETENTION_DAYS,
            Some(v) => match v.parse::<u64>() {
                Ok(days) if (1..=3650).contains(&days) => days,
                _ => {
                    return Err(ConfigError {
                        name: vars::AUDIT_RETENTION_DAYS,
                        reason: "must be a whole number of days between 1 and 3650".into(),
                    })
                }
            },
        };
        let database = match get(vars::DATABASE).as_deref() {
            None | Some("d1") => Database::D1,
            Some("planetscale") => {
                let required = |name: &'static str| {
                    get(name).ok_or(ConfigError {
                        name,
                        reason: "required with DATABASE=planetscale".into(),
                    })
                };
                Database::PlanetScale {
                    host: required(vars::PLANETSCALE_HOST)?,
                    username: required(vars::PLANETSCALE_USERNAME)?,
                    password: required(vars::PLANETSCALE_PASSWORD)?.into(),
                }
            }
            Some(_) => {
                return Err(ConfigError {
                    name: vars::DATABASE,
                    reason: "expected d1 or planetscale".into(),
                })
            }
        };
        let url = |name: &'static str| -> Result<Option<String>, ConfigError> {
            get(name)
                .map(|v| {
                    if v.starts_with("https://") || v.starts_with("http://") {
                        Ok(v.trim_end_matches('/').to_owned())
                    } else {
                        Err(ConfigError {
                            name,
                            reason: "expected an http(s) URL".into(),
                        })
                    }
                })
                .transpose()
        };
        let telemetry = TelemetrySettings {
            environment: get(vars::PLATFORM_ENV).unwrap_or_else(|| "production".into()),
            axiom: secret(vars::AXIOM_TOKEN)
                .map(|token| -> Result<_, ConfigError> {
                    Ok((
                        url(vars::AXIOM_URL)?.unwrap_or_else(|| "https://api.axiom.co".into()),
                        token,
                        get(vars::AXIOM_DATASET).unwrap_or_else(|| "support-traces".into()),
                    ))
                })
                .transpose()?,
            langfuse: match (
                get(vars::LANGFUSE_PUBLIC_KEY),
                secret(vars::LANGFUSE_SECRET_KEY),
            ) {
                (None, None) => None,
                (Some(public), Some(secret)) => Some((
                    url(vars::LANGFUSE_BASE_URL)?
                        .unwrap_or_else(|| "https://cloud.langfuse.com".into()),
                    public,
                    secret,
                )),
                (Some(_), None) => {
                    return Err(ConfigError {
                        name: vars::LANGFUSE_SECRET_KEY,
                        reason: "LANGFUSE_PUBLIC_KEY is set without it".into(),
                    })
                }
                (None, Some(_)) => {
                    return Err(ConfigError {
                        name: vars::LANGFUSE_PUBLIC_KEY,
                        reason: "LANGFUSE_SECRET_KEY is set without it".into(),
                    })
                }
            },
        };
        Ok(Settings {
            front_app_secrets: [
                vars::FRONT_WEBHOOK_SECRET,
                vars::FRONT_WEBHOOK_SECRET_PREVIOUS,
            ]
            .into_iter()
            .filter_map(secret)
            .collect(),
            front_rule_secrets: secret(vars::FRONT_RULE_WEBHOOK_SECRET)
                .into_iter()
                .collect(),
            inngest_event_api_base: url(vars::INNGEST_EVENT_API_BASE)?
                .unwrap_or_else(|| DEFAULT_EVENT_API_BASE.to_owned()),
            inngest_event_key: secret(vars::INNGEST_EVENT_KEY),
            inngest_auth,
            inngest_api_origin: url(vars::INNGEST_API_ORIGIN)?,
            inngest_serve_url: url(vars::INNGEST_SERVE_URL)?,
            inngest_conformance: flag(vars::INNGEST_CONFORMANCE)?,
            inngest_checkpoint_max_runtime_secs: match get(
                vars::INNGEST_CHECKPOINT_MAX_RUNTIME_SECS,
            ) {
                None => Some(DEFAULT_CHECKPOINT_MAX_RUNTIME_SECS),
                Some(v) => Some(bounded(
                    vars::INNGEST_CHECKPOINT_MAX_RUNTIME_SECS,
                    &v,
                    0,
                    300,
                )?)
                .filter(|secs| *secs > 0)
                .map(|secs| secs as u64),
            },
            autosend_kill_switch: flag(vars::AUTOSEND_KILL_SWITCH)?,
            conversation_ttl_secs: ttl,
            response_target_secs: response_target,
            admin_token: secret(vars::ADMIN_TOKEN),
            database,
            telemetry,
            auth_secrets: auth_secrets(
                get(vars::BETTER_AUTH_SECRET),
                get(vars::BETTER_AUTH_SECRET_PREVIOUS),
            )?,
            services: ServiceSettings {
                app_secrets_keys: secret(vars::APP_SECRETS_KEYS),
                front_api_base: url(vars::FRONT_API_BASE)?
                    .unwrap_or_else(|| "https://api2.frontapp.com".into()),
                front_api_token: secret(vars::FRONT_API_TOKEN),
                anthropic_base_url: url(vars::ANTHROPIC_BASE_URL)?
                    .unwrap_or_else(|| "https://api.anthropic.com".into()),
                anthropic_api_key: secret(vars::ANTHROPIC_API_KEY),
                agent_model: get(vars::AGENT_MODEL).unwrap_or_else(|| "claude-sonnet-4-5".into()),
                classifier_model: get(vars::CLASSIFIER_MODEL)
                    .unwrap_or_else(|| "claude-haiku-4-5".into()),
                stripe_api_base: url(vars::STRIPE_API_BASE)?
                    .unwrap_or_else(|| "https://api.stripe.com".into()),
                stripe_secret_key: secret(vars::STRIPE_SECRET_KEY),
                slack_api_base: url(vars::SLACK_API_BASE)?
                    .unwrap_or_else(|| "https://slack.com/api".into()),
                slack_bot_token: secret(vars::SLACK_BOT_TOKEN),
                slack_signing_secrets: [
                    vars::SLACK_SIGNING_SECRET,
                    vars::SLACK_SIGNING_SECRET_PREVIOUS,
                ]
                .into_iter()
                .filter_map(secret)
                .collect(),
                knowledge: knowledge(
                    url(vars::UPSTASH_VECTOR_REST_URL)?,
                    get(vars::UPSTASH_VECTOR_REST_TOKEN),
                    get(vars::UPSTASH_VECTOR_REST_READONLY_TOKEN),
                )?,
            },
            approval_wait_slice_secs,
            execution_watch_secs,
            audit_retention_days,
        })
    }
}

/// BetterAuth's secret (and the previous one while rotating). BetterAuth refuses
/// secrets shorter than 32 characters in production; so does the platform, always.
fn auth_secrets(
    current: Option<String>,
    previous: Option<String>,
) -> Result<Vec<Secret>, ConfigError> {
    const MIN_CHARS: usize = 32;
    match (current, previous) {
        (None, None) => Ok(Vec::new()),
        (None, Some(_)) => Err(ConfigError {
            name: vars::BETTER_AUTH_SECRET,
            reason: "a previous secret is set without the current one".into(),
        }),
        (Some(current), previous) => {
            for (name, value) in [
                (vars::BETTER_AUTH_SECRET, Some(&current)),
                (vars::BETTER_AUTH_SECRET_PREVIOUS, previous.as_ref()),
            ] {
                if value.is_some_and(|v| v.chars().count() < MIN_CHARS) {
                    return Err(ConfigError {
                        name,
                        reason: format!("at least {MIN_CHARS} characters"),
                    });
                }
            }
            Ok(std::iter::once(current)
                .chain(previous)
                .map(Secret::from)
                .collect())
        }
    }
}

/// The knowledge index: a URL and at least one token, or neither (knowledge off). One
/// without the other is a half-done setup, refused with what is missing.
fn knowledge(
    url: Option<String>,
    write: Option<String>,
    read: Option<String>,
) -> Result<Option<KnowledgeSettings>, ConfigError> {
    match (url, read, write) {
        (None, None, None) => Ok(None),
        (None, _, _) => Err(ConfigError {
            name: vars::UPSTASH_VECTOR_REST_URL,
            reason: "an Upstash Vector token is set without the index's URL".into(),
        }),
        (Some(_), None, None) => Err(ConfigError {
            name: vars::UPSTASH_VECTOR_REST_READONLY_TOKEN,
            reason: "the knowledge index's URL is set without a token (set the read-only token, and the read-write one for reply candidates)".into(),
        }),
        (Some(url), read, write) => Ok(Some(KnowledgeSettings {
            url,
            query_token: read.or_else(|| write.clone()).unwrap_or_default().into(),
            write_token: write.map(Secret::from),
        })),
    }
}

fn bounded(name: &'static str, value: &str, min: i64, max: i64) -> Result<i64, ConfigError> {
    let parsed: i64 = value.parse().map_err(|_| ConfigError {
        name,
        reason: "not a whole number of seconds".into(),
    })?;
    if !(min..=max).contains(&parsed) {
        return Err(ConfigError {
            name,
            reason: format!("must be between {min} and {max} seconds"),
        });
    }
    Ok(parsed)
}

fn signing_key(name: &'static str, key: String) -> Result<Secret, ConfigError> {
    if key.starts_with("signkey-") {
        Ok(key.into())
    } else {
        Err(ConfigError {
            name,
            reason: "expected a signkey-<env>-<hex> signing key".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|name| map.get(name).cloned())
    }

    const KEY: &str = "signkey-test-abc123";

    #[test]
    fn nothing_configured_means_everything_closed() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.inngest_auth, InngestAuth::Closed);
        assert!(s.front_app_secrets.is_empty() && s.front_rule_secrets.is_empty());
        assert_eq!((s.admin_token, s.inngest_event_key), (None, None));
        assert_eq!(s.conversation_ttl_secs, DEFAULT_TTL_SECS);
        assert_eq!(s.inngest_event_api_base, DEFAULT_EVENT_API_BASE);
    }

    #[test]
    fn dev_mode_only_when_asked_for() {
        assert_eq!(
            settings(&[("INNGEST_DEV", "1")]).unwrap().inngest_auth,
            InngestAuth::Dev
        );
        assert_eq!(
            settings(&[("INNGEST_DEV", "0")]).unwrap().inngest_auth,
            InngestAuth::Closed
        );
        assert_eq!(
            settings(&[("INNGEST_SIGNING_KEY", KEY)])
                .unwrap()
                .inngest_auth,
            InngestAuth::Signed {
                key: KEY.into(),
                fallback: None
            }
        );
        assert!(settings(&[("INNGEST_DEV", "yes")]).is_err());
        // Dev mode next to a signing key is a production worker about to accept
        // unsigned calls: a configuration error, not dev mode.
        let err = settings(&[("INNGEST_DEV", "1"), ("INNGEST_SIGNING_KEY", KEY)]).unwrap_err();
        assert_eq!(err.name, "INNGEST_DEV");
        assert!(!err.to_string().contains(KEY));
    }

    #[test]
    fn knowledge_is_off_without_its_index_and_half_a_setup_is_refused() {
        assert_eq!(settings(&[]).unwrap().services.knowledge, None);
        let url = ("UPSTASH_VECTOR_REST_URL", "https://index.example/upstash");
        let both = settings(&[
            url,
            ("UPSTASH_VECTOR_REST_TOKEN", "rw"),
            ("UPSTASH_VECTOR_REST_READONLY_TOKEN", "ro"),
        ])
        .unwrap()
        .services
        .knowledge
        .unwrap();
        assert_eq!(
            (
                both.query_token.expose(),
                both.write_token.as_ref().map(Secret::expose)
            ),
            ("ro", Some("rw"))
        );
        let write_only = settings(&[url, ("UPSTASH_VECTOR_REST_TOKEN", "rw")])
            .unwrap()
            .services
            .knowledge
            .unwrap();
        assert_eq!(write_only.query_token, "rw");
        assert!(!format!("{both:?}").contains("ro\""), "{both:?}");
        let no_token = settings(&[url]).unwrap_err();
        assert_eq!(no_token.name, "UPSTASH_VECTOR_REST_READONLY_TOKEN");
        let no_url = settings(&[("UPSTASH_VECTOR_REST_READONLY_TOKEN", "ro")]).unwrap_err();
        assert_eq!(no_url.name, "UPSTASH_VECTOR_REST_URL");
    }

    #[test]
    fn sign_in_needs_a_long_secret_and_rotation_keeps_the_old_one() {
        assert!(settings(&[]).unwrap().auth_secrets.is_empty());
        let long = "s".repeat(32);
        let old = "o".repeat(40);
        let s = settings(&[
            ("BETTER_AUTH_SECRET", long.as_str()),
            ("BETTER_AUTH_SECRET_PREVIOUS", old.as_str()),
        ])
        .unwrap();
        assert_eq!(s.auth_secrets, vec![long.clone(), old]);
        let short = settings(&[("BETTER_AUTH_SECRET", "short")]).unwrap_err();
        assert_eq!(short.name, "BETTER_AUTH_SECRET");
        let orphan = settings(&[("BETTER_AUTH_SECRET_PREVIOUS", long.as_str())]).unwrap_err();
        assert_eq!(orphan.name, "BETTER_AUTH_SECRET");
    }

    #[test]
    fn no_secret_shows_in_the_settings_debug_output() {
        let secrets = [
            ("FRONT_WEBHOOK_SECRET", "s-front-webhook"),
            ("FRONT_RULE_WEBHOOK_SECRET", "s-front-rule"),
            ("INNGEST_EVENT_KEY", "s-inngest-event"),
            ("INNGEST_SIGNING_KEY", "signkey-test-s-inngest-signing"),
            ("ADMIN_TOKEN", "s-admin-token"),
            (
                "BETTER_AUTH_SECRET",
                "s-better-auth-secret-0123456789abcdef",
            ),
            ("APP_SECRETS_KEYS", "k1:s-app-secrets"),
            ("FRONT_API_TOKEN", "s-front-api"),
            ("ANTHROPIC_API_KEY", "s-anthropic"),
            ("STRIPE_SECRET_KEY", "s-stripe"),
            ("SLACK_BOT_TOKEN", "s-slack-bot"),
            ("SLACK_SIGNING_SECRET", "s-slack-signing"),
            ("UPSTASH_VECTOR_REST_URL", "https://index.example"),
            ("UPSTASH_VECTOR_REST_TOKEN", "s-upstash-rw"),
            ("UPSTASH_VECTOR_REST_READONLY_TOKEN", "s-upstash-ro"),
            ("DATABASE", "planetscale"),
            ("PLANETSCALE_HOST", "aws.connect.psdb.cloud"),
            ("PLANETSCALE_USERNAME", "user"),
            ("PLANETSCALE_PASSWORD", "s-planetscale"),
        ];
        let debug = format!("{:?}", settings(&secrets).unwrap());
        assert!(!debug.contains("s-"), "{debug}");
        assert!(debug.contains("index.example") && debug.contains("[redacted]"));
    }

    #[test]
    fn telemetry_is_off_until_configured_and_langfuse_needs_both_keys() {
        let none = settings(&[]).unwrap().telemetry;
        assert_eq!(
            (none.axiom, none.langfuse, none.environment.as_str()),
            (None, None, "production")
        );
        let both = settings(&[
            ("PLATFORM_ENV", "test"),
            ("AXIOM_TOKEN", "xaat-1"),
            ("LANGFUSE_PUBLIC_KEY", "pk-lf-1"),
            ("LANGFUSE_SECRET_KEY", "sk-lf-1"),
            ("LANGFUSE_BASE_URL", "http://127.0.0.1:8288/langfuse/"),
        ])
        .unwrap()
        .telemetry;
        let (url, token, dataset) = both.axiom.unwrap();
        assert_eq!(
            (url.as_str(), token.expose(), dataset.as_str()),
            ("https://api.axiom.co", "xaat-1", "support-traces")
        );
        assert_eq!(both.langfuse.unwrap().0, "http://127.0.0.1:8288/langfuse");
        assert_eq!(
            settings(&[("LANGFUSE_PUBLIC_KEY", "pk-lf-1")])
                .unwrap_err()
                .name,
            "LANGFUSE_SECRET_KEY"
        );
    }

    #[test]
    fn the_database_is_d1_unless_planetscale_is_named_with_its_credentials() {
        assert_eq!(settings(&[]).unwrap().database, Database::D1);
        let ps = settings(&[
            ("DATABASE", "planetscale"),
            ("PLANETSCALE_HOST", "aws.connect.psdb.cloud"),
            ("PLANETSCALE_USERNAME", "user"),
            ("PLANETSCALE_PASSWORD", "pscale_pw_hunter2"),
        ])
        .unwrap();
        assert_eq!(ps.database.name(), "planetscale");
        assert!(!format!("{:?}", ps.database).contains("hunter2"));
        let missing = settings(&[
            ("DATABASE", "planetscale"),
            ("PLANETSCALE_HOST", "aws.connect.psdb.cloud"),
        ])
        .unwrap_err();
        assert_eq!(missing.name, "PLANETSCALE_USERNAME");
        assert_eq!(
            settings(&[("DATABASE", "postgres")]).unwrap_err().name,
            "DATABASE"
        );
    }

    #[test]
    fn the_shared_approvals_token_is_retired_loudly() {
        let err = settings(&[("APPROVALS_API_TOKEN", "secret")]).unwrap_err();
        assert_eq!(err.name, "APPROVALS_API_TOKEN");
        assert!(!err.to_string().contains("secret"));
    }

    #[test]
    fn approval_timings_have_defaults_and_bounds() {
        let s = settings(&[]).unwrap();
        assert_eq!(
            (
                s.approval_wait_slice_secs,
                s.execution_watch_secs,
                s.audit_retention_days
            ),
            (3600, 600, 30)
        );
        let s = settings(&[
            ("APPROVAL_WAIT_SLICE_SECS", "60"),
            ("AUDIT_RETENTION_DAYS", "7"),
        ])
        .unwrap();
        assert_eq!(
            (s.approval_wait_slice_secs, s.audit_retention_days),
            (60, 7)
        );
        for (name, value) in [
            ("APPROVAL_WAIT_SLICE_SECS", "0"),
            ("EXECUTION_WATCH_SECS", "soon"),
            ("AUDIT_RETENTION_DAYS", "0"),
        ] {
            assert_eq!(settings(&[(name, value)]).unwrap_err().name, name);
        }
    }

    #[test]
    fn bad_values_fail_loudly_and_name_the_variable_not_the_value() {
        for (name, value) in [
            ("CONVERSATION_TTL_SECS", "a week"),
            ("CONVERSATION_TTL_SECS", "0"),
            ("CONVERSATION_TTL_SECS", "-5"),
            ("CONVERSATION_TTL_SECS", "99999999999999999999"),
            ("CONVERSATION_TTL_SECS", "9223372036854775807"),
            ("RESPONSE_TARGET_SECS", "soon"),
            ("INNGEST_EVENT_API_BASE", "inn.gs"),
            ("INNGEST_SIGNING_KEY", "hunter2"),
        ] {
            let err = settings(&[(name, value)]).unwrap_err();
            assert_eq!(err.name, name);
            if value.len() > 2 {
                assert!(!err.to_string().contains(value), "{err}");
            }
        }
    }

    #[test]
    fn values_are_trimmed_and_rotation_is_read() {
        let s = settings(&[
            ("FRONT_WEBHOOK_SECRET", " new "),
            ("FRONT_WEBHOOK_SECRET_PREVIOUS", "old"),
            ("CONVERSATION_TTL_SECS", "8"),
            ("INNGEST_EVENT_API_BASE", "http://127.0.0.1:8288/"),
            ("ADMIN_TOKEN", "   "),
        ])
        .unwrap();
        assert_eq!(s.front_app_secrets, ["new", "old"]);
        assert_eq!(s.conversation_ttl_secs, 8);
        assert_eq!(s.inngest_event_api_base, "http://127.0.0.1:8288");
        assert_eq!(s.admin_token, None);
    }
}

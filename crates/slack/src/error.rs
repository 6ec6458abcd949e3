//! The one error type of the crate, built from Slack's answers.

use std::time::Duration;

use serde::Deserialize;
use support_http::{HttpResponse, TransportError};

/// Slack `error` codes that mean "Slack had a problem, try again" (the rest are the
/// caller's to fix).
const RETRYABLE_API_ERRORS: &[&str] = &[
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
    "ratelimited",
    "team_added_to_org",
];

/// Why a Slack call failed. Never carries the bot token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlackError {
    /// Slack answered `{"ok": false, "error": "..."}` (with HTTP 200, as it does).
    #[error("Slack API error: {error}")]
    Api {
        /// Slack's error code, e.g. `channel_not_found`, `invalid_blocks`.
        error: String,
        /// The scope the call needed (`missing_scope` only).
        needed: Option<String>,
        /// The scopes the token has (`missing_scope` only).
        provided: Option<String>,
    },
    /// `429`: the method's rate limit was hit. Retry after `retry_after` (Slack's
    /// `Retry-After`, in seconds) when it is known.
    #[error("Slack rate limit hit (retry after {retry_after:?})")]
    RateLimited {
        /// How long Slack asked to wait.
        retry_after: Option<Duration>,
    },
    /// Any other non-2xx status (Slack's edge failing, a proxy's page).
    #[error("Slack answered HTTP {status}")]
    Status {
        /// HTTP status.
        status: u16,
    },
    /// No answer: the request timed out or the connection failed.
    #[error("Slack request failed: {0}")]
    Transport(#[from] TransportError),
    /// An answer (or an interactivity / Events API payload) that is not what Slack
    /// documents. Quoted values are left out, so no message text or address leaks.
    #[error("unexpected Slack payload: {0}")]
    Decode(String),
    /// Blocks or a view that break a limit which cannot be met by cutting text (too
    /// many blocks, an `action_id` or button `value` too long...). Names the limit.
    #[error("blocks break a Slack limit: {0}")]
    InvalidBlocks(String),
}

impl SlackError {
    /// Whether trying again later may succeed: `429`, `5xx`, transport failures and
    /// Slack's own transient errors (`internal_error`, `ratelimited`...). The caller
    /// (an Inngest step) retries durably, after [`SlackError::retry_after`] when set.
    pub fn is_retryable(&self) -> bool {
        match self {
            SlackError::RateLimited { .. } | SlackError::Transport(_) => true,
            SlackError::Status { status } => *status >= 500 || *status == 408,
            SlackError::Api { error, .. } => RETRYABLE_API_ERRORS.contains(&error.as_str()),
            SlackError::Decode(_) | SlackError::InvalidBlocks(_) => false,
        }
    }

    /// How long Slack asked to wait before the next attempt, when it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            SlackError::RateLimited { retry_after } => *retry_after,
            _ => None,
        }
    }

    /// Slack's error code for an [`SlackError::Api`] answer.
    pub fn api_error(&self) -> Option<&str> {
        match self {
            SlackError::Api { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The error a non-2xx response stands for.
    pub(crate) fn from_status(response: &HttpResponse) -> SlackError {
        if response.status == 429 {
            return SlackError::RateLimited {
                retry_after: response.header("retry-after").and_then(parse_retry_after),
            };
        }
        SlackError::Status {
            status: response.status,
        }
    }

    /// A JSON error with quoted values cut out (they may be message text).
    pub(crate) fn decode(what: &str, error: &serde_json::Error) -> SlackError {
        SlackError::Decode(format!("{what}: {}", redact_quotes(&error.to_string())))
    }
}

/// `{"ok": false, "error", "needed"?, "provided"?}`.
#[derive(Deserialize)]
pub(crate) struct Envelope {
    pub ok: bool,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub needed: Option<String>,
    #[serde(default)]
    pub provided: Option<String>,
}

impl Envelope {
    pub(crate) fn into_error(self) -> SlackError {
        SlackError::Api {
            error: self.error.unwrap_or_else(|| "unknown_error".to_owned()),
            needed: self.needed,
            provided: self.provided,
        }
    }
}

/// `Retry-After` as Slack sends it: whole seconds.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let secs: f64 = value.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(86_400.0)))
}

/// `text` with whatever sits between double quotes replaced by `…`: serde's messages
/// quote the values they choke on, and those may be customer text.
fn redact_quotes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut quoted = false;
    for c in text.chars() {
        if c == '"' {
            if !quoted {
                out.push_str("\"…\"");
            }
            quoted = !quoted;
        } else if !quoted {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, headers: &[(&str, &str)]) -> HttpResponse {
        HttpResponse {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: Vec::new(),
        }
    }

    #[test]
    fn rate_limits_carry_retry_after_seconds() {
        let error = SlackError::from_status(&response(429, &[("retry-after", "30")]));
        assert_eq!(error.retry_after(), Some(Duration::from_secs(30)));
        assert!(error.is_retryable());
        let unknown = SlackError::from_status(&response(429, &[("retry-after", "later")]));
        assert_eq!(unknown, SlackError::RateLimited { retry_after: None });
    }

    #[test]
    fn server_failures_and_transient_codes_retry_others_do_not() {
        assert!(SlackError::from_status(&response(503, &[])).is_retryable());
        assert!(!SlackError::from_status(&response(404, &[])).is_retryable());
        let api = |error: &str| SlackError::Api {
            error: error.into(),
            needed: None,
            provided: None,
        };
        assert!(api("internal_error").is_retryable());
        assert!(!api("channel_not_found").is_retryable());
        assert!(!api("expired_trigger_id").is_retryable());
        assert_eq!(api("invalid_auth").api_error(), Some("invalid_auth"));
        assert!(SlackError::Transport(TransportError::Timeout).is_retryable());
        assert!(!SlackError::InvalidBlocks("x".into()).is_retryable());
    }

    #[test]
    fn decode_errors_leave_quoted_values_out() {
        let error = serde_json::from_str::<u64>(r#""dana@example.com""#).unwrap_err();
        let message = SlackError::decode("answer", &error).to_string();
        assert!(!message.contains("dana"), "{message}");
        assert!(message.contains("invalid type"), "{message}");
        assert_eq!(redact_quotes(r#"a "b" c "d""#), r#"a "…" c "…""#);
        assert_eq!(redact_quotes("no quotes"), "no quotes");
    }
}

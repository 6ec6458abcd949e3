//! What can go wrong sending telemetry, and whether trying again may help.

use serde::Deserialize;
use support_http::{HttpResponse, TransportError};

/// Why sending telemetry failed.
///
/// Nothing here carries a credential: messages come from the service's answer with any
/// echo of the token or keys replaced, and from the caller's inputs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TelemetryError {
    /// 401 or 403: the token (Axiom) or the key pair (Langfuse) is missing or wrong.
    #[error("{service} refused the credentials ({status}): {message}")]
    Unauthorized {
        /// `"Axiom"` or `"Langfuse"`.
        service: &'static str,
        /// 401 or 403.
        status: u16,
        /// The answer's `message`, or the start of a body that is not the service's.
        message: String,
    },
    /// Any other error answer.
    #[error("{service} answered {status}: {message}")]
    Api {
        /// `"Axiom"` or `"Langfuse"`.
        service: &'static str,
        /// HTTP status.
        status: u16,
        /// The answer's `message`, or the start of a body that is not the service's.
        message: String,
        /// `Retry-After` in seconds, when sent.
        retry_after_secs: Option<u64>,
    },
    /// No answer: timeout, connection refused, DNS...
    #[error("could not reach {service}: {error}")]
    Transport {
        /// `"Axiom"` or `"Langfuse"`.
        service: &'static str,
        /// What the transport said.
        error: TransportError,
    },
    /// A success status whose body is not the shape expected.
    #[error("{service}'s answer did not decode: {detail}")]
    Decode {
        /// `"Axiom"` or `"Langfuse"`.
        service: &'static str,
        /// What did not fit (position only: serde's message can quote the body).
        detail: String,
    },
    /// Refused before anything was sent (a dataset that cannot be a path segment, an
    /// event that does not serialise).
    #[error("invalid telemetry request: {0}")]
    InvalidInput(String),
}

impl TelemetryError {
    /// Whether the same request may succeed later without anyone changing anything:
    /// 408, 429, 5xx, and failures to get any answer.
    pub fn is_retryable(&self) -> bool {
        match self {
            TelemetryError::Api { status, .. } => matches!(status, 408 | 429 | 500..=599),
            TelemetryError::Transport { .. } => true,
            TelemetryError::Unauthorized { .. }
            | TelemetryError::Decode { .. }
            | TelemetryError::InvalidInput(_) => false,
        }
    }

    /// The HTTP status of an error answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            TelemetryError::Unauthorized { status, .. } | TelemetryError::Api { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }

    /// The error for a non-2xx answer; every `secret` is scrubbed from the message.
    pub(crate) fn from_response(
        service: &'static str,
        response: &HttpResponse,
        secrets: &[&str],
    ) -> Self {
        #[derive(Deserialize)]
        struct Envelope {
            message: Option<String>,
            error: Option<serde_json::Value>,
        }
        let envelope = serde_json::from_slice::<Envelope>(&response.body).ok();
        let message = envelope
            .and_then(|e| {
                e.message.or(match e.error {
                    Some(serde_json::Value::String(s)) => Some(s),
                    _ => None,
                })
            })
            .unwrap_or_else(|| excerpt(&response.body));
        let message = scrub(message, secrets);
        match response.status {
            401 | 403 => TelemetryError::Unauthorized {
                service,
                status: response.status,
                message,
            },
            status => TelemetryError::Api {
                service,
                status,
                message,
                retry_after_secs: response
                    .header("retry-after")
                    .and_then(|v| v.trim().parse::<u64>().ok()),
            },
        }
    }

    pub(crate) fn decode(service: &'static str, error: &serde_json::Error, len: usize) -> Self {
        TelemetryError::Decode {
            service,
            detail: format!(
                "{:?} error at line {} column {} of a {len}-byte body",
                error.classify(),
                error.line(),
                error.column(),
            ),
        }
    }
}

/// The first 200 characters of a body that is not the service's (a proxy's page).
fn excerpt(body: &[u8]) -> String {
    String::from_utf8_lossy(body).chars().take(200).collect()
}

/// `message` with every secret replaced. Secrets shorter than 8 bytes are left: they
/// would match ordinary words (real tokens and keys are dozens of characters).
fn scrub(mut message: String, secrets: &[&str]) -> String {
    for secret in secrets {
        if secret.len() >= 8 && message.contains(secret) {
            message = message.replace(secret, "[redacted]");
        }
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> HttpResponse {
        let mut response = HttpResponse::new(status);
        response.body = body.as_bytes().to_vec();
        response
    }

    #[test]
    fn messages_come_from_the_body_without_secrets() {
        let e = TelemetryError::from_response(
            "Axiom",
            &answer(
                403,
                r#"{"code":403,"message":"token xaat-0123456789 is invalid"}"#,
            ),
            &["xaat-0123456789"],
        );
        assert_eq!(
            e,
            TelemetryError::Unauthorized {
                service: "Axiom",
                status: 403,
                message: "token [redacted] is invalid".into()
            }
        );
        assert!(!e.is_retryable());
        let e = TelemetryError::from_response(
            "Langfuse",
            &answer(429, "slow down").with_header("Retry-After", "3"),
            &[],
        );
        assert_eq!(e.to_string(), "Langfuse answered 429: slow down");
        assert!(e.is_retryable());
        assert_eq!(e.status(), Some(429));
        let e = TelemetryError::from_response(
            "Langfuse",
            &answer(500, r#"{"error":"Internal Server Error"}"#),
            &[],
        );
        assert_eq!(
            e.to_string(),
            "Langfuse answered 500: Internal Server Error"
        );
        let e = TelemetryError::from_response("Axiom", &answer(502, &"x".repeat(500)), &[]);
        assert!(matches!(&e, TelemetryError::Api { message, .. } if message.len() == 200));
    }
}

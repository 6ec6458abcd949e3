//! What can go wrong talking to Upstash Vector, and whether trying again may help.

use serde::Deserialize;
use support_http::{HttpResponse, TransportError};

/// Why a call to Upstash Vector failed.
///
/// Nothing here carries the REST token: errors are built from the response (with any
/// echo of the token replaced) and from the caller's inputs only.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VectorError {
    /// 401: the token is missing, wrong, or read-only for a write.
    #[error("Upstash Vector refused the token: {message}")]
    Unauthorized {
        /// The `error` of the answer, e.g. `Unauthorized: Invalid auth token`.
        message: String,
    },
    /// 429: over the plan's request limit.
    #[error("Upstash Vector rate limited the request{}", retry_after_secs.map(|s| format!(" (retry after {s} s)")).unwrap_or_default())]
    RateLimited {
        /// The `Retry-After` header in seconds, when the server sent one. Upstash's Vector
        /// docs document no rate-limit header; `Retry-After` is the standard one and the
        /// only one read.
        retry_after_secs: Option<u64>,
    },
    /// Any other error answer: `{"error": "...", "status": N}` (400 bad command, 422
    /// wrong dimension or an index without an embedding model, 5xx...).
    #[error("Upstash Vector answered {status}: {message}")]
    Api {
        /// HTTP status (the envelope's `status` when the HTTP status was 2xx).
        status: u16,
        /// The envelope's `error`, or the start of a body that is not Upstash's.
        message: String,
    },
    /// No answer: timeout, connection refused, DNS...
    #[error("could not reach Upstash Vector: {0}")]
    Transport(TransportError),
    /// A success status whose body is not the shape expected.
    #[error("Upstash Vector's answer did not decode: {detail}")]
    Decode {
        /// What did not fit (position only: serde's message can quote the body).
        detail: String,
    },
    /// Refused before anything was sent (a namespace that cannot be a path segment, a
    /// request that does not serialise).
    #[error("invalid request: {0}")]
    InvalidInput(String),
}

impl VectorError {
    /// Whether the same request may succeed later without anyone changing anything: rate
    /// limits, server errors and failures to get any answer. The client never retries;
    /// the caller does (the CLI with backoff, the worker through a durable step).
    pub fn is_retryable(&self) -> bool {
        match self {
            VectorError::RateLimited { .. } | VectorError::Transport(_) => true,
            VectorError::Api { status, .. } => *status >= 500,
            VectorError::Unauthorized { .. }
            | VectorError::Decode { .. }
            | VectorError::InvalidInput(_) => false,
        }
    }

    /// The HTTP status of an error answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            VectorError::Unauthorized { .. } => Some(401),
            VectorError::RateLimited { .. } => Some(429),
            VectorError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The error for a non-2xx answer. `token` is scrubbed from the message, should the
    /// server (or a proxy) ever echo it.
    pub(crate) fn from_response(response: &HttpResponse, token: &str) -> Self {
        let envelope = serde_json::from_slice::<ErrorEnvelope>(&response.body).ok();
        let message = envelope
            .and_then(|e| e.error)
            .unwrap_or_else(|| excerpt(&response.body));
        let message = scrub(message, token);
        match response.status {
            401 => VectorError::Unauthorized { message },
            429 => VectorError::RateLimited {
                retry_after_secs: response
                    .header("retry-after")
                    .and_then(|v| v.trim().parse::<u64>().ok()),
            },
            status => VectorError::Api { status, message },
        }
    }
}

impl From<TransportError> for VectorError {
    fn from(error: TransportError) -> Self {
        VectorError::Transport(error)
    }
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    error: Option<String>,
}

/// The first 200 characters of a body that is not Upstash's (a proxy's HTML page).
fn excerpt(body: &[u8]) -> String {
    String::from_utf8_lossy(body).chars().take(200).collect()
}

/// `message` with every occurrence of `token` replaced. Tokens shorter than 8 bytes
/// (test tokens; Upstash's are dozens of characters) are left: they would match words.
pub(crate) fn scrub(message: String, token: &str) -> String {
    if token.len() < 8 || !message.contains(token) {
        message
    } else {
        message.replace(token, "[redacted]")
    }
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
    fn documented_error_bodies_map_to_variants() {
        let e = VectorError::from_response(
            &answer(
                401,
                r#"{"error": "Unauthorized: Invalid auth token", "status": 401}"#,
            ),
            "test-token",
        );
        assert_eq!(
            e,
            VectorError::Unauthorized {
                message: "Unauthorized: Invalid auth token".into()
            }
        );
        assert!(!e.is_retryable());
        let e = VectorError::from_response(
            &answer(
                422,
                r#"{"error": "Invalid vector dimension: 2, expected: 256", "status": 422}"#,
            ),
            "test-token",
        );
        assert_eq!(
            e.to_string(),
            "Upstash Vector answered 422: Invalid vector dimension: 2, expected: 256"
        );
        assert_eq!(e.status(), Some(422));
    }

    #[test]
    fn rate_limits_read_retry_after() {
        let e = VectorError::from_response(
            &answer(
                429,
                r#"{"error": "ERR max daily request limit exceeded", "status": 429}"#,
            )
            .with_header("Retry-After", "7"),
            "test-token",
        );
        assert_eq!(
            e,
            VectorError::RateLimited {
                retry_after_secs: Some(7)
            }
        );
        assert!(e.is_retryable());
        assert_eq!(
            e.to_string(),
            "Upstash Vector rate limited the request (retry after 7 s)"
        );
        let e = VectorError::from_response(&answer(429, "slow down"), "test-token");
        assert_eq!(
            e,
            VectorError::RateLimited {
                retry_after_secs: None
            }
        );
    }

    #[test]
    fn foreign_bodies_keep_an_excerpt_and_never_the_token() {
        let e = VectorError::from_response(&answer(502, &"x".repeat(1000)), "test-token");
        match &e {
            VectorError::Api { status, message } => {
                assert_eq!(*status, 502);
                assert_eq!(message.len(), 200);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(e.is_retryable());
        let e = VectorError::from_response(
            &answer(401, r#"{"error": "bad token s3cr3t-token", "status": 401}"#),
            "s3cr3t-token",
        );
        assert!(!e.to_string().contains("s3cr3t-token"), "{e}");
        assert!(e.to_string().contains("[redacted]"));
    }
}

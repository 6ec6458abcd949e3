//! The one error type of the crate, built from Front's answers.

use std::time::Duration;

use serde::Deserialize;
use support_http::{HttpResponse, TransportError};

/// Longest piece of a non-Front error body kept in [`FrontError::Api`]'s message.
const MAX_FOREIGN_BODY_CHARS: usize = 200;

/// Why a Front call failed. Never carries the API token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrontError {
    /// `429`: the company's rate limit (or a resource's burst limit) was hit. Retry after
    /// `retry_after` (Front's `Retry-After`, in seconds) when it is known.
    #[error("Front rate limit hit (retry after {retry_after:?})")]
    RateLimited {
        /// How long Front asked to wait.
        retry_after: Option<Duration>,
    },
    /// `404`: the resource does not exist (or the token may not see it).
    #[error("Front: not found: {message}")]
    NotFound {
        /// Front's explanation.
        message: String,
    },
    /// Any other non-success answer, from Front's `{"_error": {...}}` body.
    #[error("Front answered {status} {title}: {message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// Front's `_error.title` (e.g. `Bad request`).
        title: String,
        /// Front's `_error.message`.
        message: String,
    },
    /// No answer: the request timed out or the connection failed.
    #[error("Front request failed: {0}")]
    Transport(#[from] TransportError),
    /// A success answer that is not what the API documents.
    #[error("unexpected Front answer: {0}")]
    Decode(String),
    /// An id that cannot be put in a URL path (empty, `.` or `..`); names the argument,
    /// never its value, which may be a customer's address.
    #[error("invalid {0} for a Front URL")]
    InvalidId(&'static str),
}

impl FrontError {
    /// Whether trying again later may succeed: `429`, `5xx` and transport failures. The
    /// caller (an Inngest step) retries durably, after [`FrontError::retry_after`] when set.
    pub fn is_retryable(&self) -> bool {
        match self {
            FrontError::RateLimited { .. } | FrontError::Transport(_) => true,
            FrontError::Api { status, .. } => *status >= 500,
            FrontError::NotFound { .. } | FrontError::Decode(_) | FrontError::InvalidId(_) => false,
        }
    }

    /// How long Front asked to wait before the next attempt, when it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FrontError::RateLimited { retry_after } => *retry_after,
            _ => None,
        }
    }

    /// The HTTP status Front answered, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            FrontError::RateLimited { .. } => Some(429),
            FrontError::NotFound { .. } => Some(404),
            FrontError::Api { status, .. } => Some(*status),
            FrontError::Transport(_) | FrontError::Decode(_) | FrontError::InvalidId(_) => None,
        }
    }

    /// The error a non-success response stands for.
    pub(crate) fn from_response(response: &HttpResponse) -> FrontError {
        if response.status == 429 {
            return FrontError::RateLimited {
                retry_after: response.header("retry-after").and_then(parse_retry_after),
            };
        }
        let (title, message) = match serde_json::from_slice::<ErrorBody>(&response.body) {
            Ok(ErrorBody { error }) => (error.title, error.message),
            Err(_) => (String::new(), foreign_body(&response.body)),
        };
        if response.status == 404 {
            return FrontError::NotFound { message };
        }
        FrontError::Api {
            status: response.status,
            title,
            message,
        }
    }
}

/// `{"_error": {"status", "title", "message", "details"}}`.
#[derive(Deserialize)]
struct ErrorBody {
    #[serde(rename = "_error")]
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    title: String,
    #[serde(default)]
    message: String,
}

/// `Retry-After` as Front sends it: whole (or fractional) seconds.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let secs: f64 = value.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(86_400.0)))
}

/// The start of a body that is not Front's error shape (a proxy's page, say).
fn foreign_body(body: &[u8]) -> String {
    String::from_utf8_lossy(body)
        .chars()
        .take(MAX_FOREIGN_BODY_CHARS)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, headers: &[(&str, &str)], body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn rate_limits_carry_retry_after_seconds() {
        let error = FrontError::from_response(&response(429, &[("retry-after", "7")], ""));
        assert_eq!(
            error,
            FrontError::RateLimited {
                retry_after: Some(Duration::from_secs(7))
            }
        );
        assert!(error.is_retryable());
        assert_eq!(error.retry_after(), Some(Duration::from_secs(7)));
        let without = FrontError::from_response(&response(429, &[("retry-after", "soon")], ""));
        assert_eq!(without.retry_after(), None);
        assert!(without.is_retryable());
    }

    #[test]
    fn front_error_bodies_are_read() {
        let body = r#"{"_error":{"status":400,"title":"Bad request","message":"Body did not satisfy requirements","details":["body is required"]}}"#;
        let error = FrontError::from_response(&response(400, &[], body));
        assert_eq!(
            error,
            FrontError::Api {
                status: 400,
                title: "Bad request".into(),
                message: "Body did not satisfy requirements".into()
            }
        );
        assert!(!error.is_retryable());
        let missing = FrontError::from_response(&response(
            404,
            &[],
            r#"{"_error":{"status":404,"title":"Not found","message":"Unknown conversation"}}"#,
        ));
        assert_eq!(
            missing,
            FrontError::NotFound {
                message: "Unknown conversation".into()
            }
        );
        assert!(!missing.is_retryable());
    }

    #[test]
    fn server_errors_are_retryable_and_foreign_bodies_are_cut() {
        let page = "x".repeat(1000);
        let error = FrontError::from_response(&response(502, &[], &page));
        let FrontError::Api {
            status, message, ..
        } = &error
        else {
            panic!("{error:?}")
        };
        assert_eq!((*status, message.len()), (502, MAX_FOREIGN_BODY_CHARS));
        assert!(error.is_retryable());
        assert!(FrontError::Transport(TransportError::Timeout).is_retryable());
        assert!(!FrontError::Decode("x".into()).is_retryable());
    }
}

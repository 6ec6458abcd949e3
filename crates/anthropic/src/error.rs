//! What can go wrong talking to Anthropic, and whether trying again may help.

use std::time::Duration;

use serde::Deserialize;
use support_http::{HttpResponse, TransportError};

/// The `error.type` of an Anthropic error body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// 400: the request is malformed (roles, tool results, parameters...).
    InvalidRequest,
    /// 401: missing or wrong API key.
    Authentication,
    /// 403: the key may not use this resource.
    Permission,
    /// 404: unknown model or path.
    NotFound,
    /// 413: over 32 MB.
    RequestTooLarge,
    /// 429: rate limited.
    RateLimit,
    /// 500: Anthropic failed.
    Api,
    /// 529: Anthropic is overloaded.
    Overloaded,
    /// A type this crate does not know (or, for a body that is not Anthropic's, `""`).
    Other(String),
}

impl ErrorKind {
    /// The wire name.
    pub fn as_str(&self) -> &str {
        match self {
            ErrorKind::InvalidRequest => "invalid_request_error",
            ErrorKind::Authentication => "authentication_error",
            ErrorKind::Permission => "permission_error",
            ErrorKind::NotFound => "not_found_error",
            ErrorKind::RequestTooLarge => "request_too_large",
            ErrorKind::RateLimit => "rate_limit_error",
            ErrorKind::Api => "api_error",
            ErrorKind::Overloaded => "overloaded_error",
            ErrorKind::Other(other) => other,
        }
    }

    fn from_wire(kind: &str) -> Self {
        match kind {
            "invalid_request_error" => ErrorKind::InvalidRequest,
            "authentication_error" => ErrorKind::Authentication,
            "permission_error" => ErrorKind::Permission,
            "not_found_error" => ErrorKind::NotFound,
            "request_too_large" => ErrorKind::RequestTooLarge,
            "rate_limit_error" => ErrorKind::RateLimit,
            "api_error" => ErrorKind::Api,
            "overloaded_error" => ErrorKind::Overloaded,
            other => ErrorKind::Other(other.to_owned()),
        }
    }

    /// The kind Anthropic uses for a status, for bodies that are not Anthropic's (a
    /// gateway's HTML page, an empty 502).
    fn from_status(status: u16) -> Self {
        match status {
            400 => ErrorKind::InvalidRequest,
            401 => ErrorKind::Authentication,
            403 => ErrorKind::Permission,
            404 => ErrorKind::NotFound,
            413 => ErrorKind::RequestTooLarge,
            429 => ErrorKind::RateLimit,
            529 => ErrorKind::Overloaded,
            500..=599 => ErrorKind::Api,
            _ => ErrorKind::Other(String::new()),
        }
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a call to the Messages API failed. Never carries the API key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnthropicError {
    /// Anthropic answered with an error status.
    #[error("Anthropic answered {status} {kind}: {message}{}", request_id_suffix(.request_id))]
    Api {
        /// HTTP status.
        status: u16,
        /// `error.type`.
        kind: ErrorKind,
        /// `error.message` (or the start of a body that is not Anthropic's).
        message: String,
        /// The `retry-after` header.
        retry_after: Option<Duration>,
        /// The `request-id` header (or the body's `request_id`).
        request_id: Option<String>,
    },
    /// No response: timeout or network failure.
    #[error("could not reach Anthropic: {0}")]
    Transport(TransportError),
    /// A success status with a body that is not a message.
    #[error("Anthropic's response does not decode: {message}{}", request_id_suffix(.request_id))]
    Decode {
        /// What did not match (serde's description, without the body).
        message: String,
        /// The `request-id` header.
        request_id: Option<String>,
    },
    /// The request could not be serialised.
    #[error("the request does not serialise: {0}")]
    Encode(String),
}

fn request_id_suffix(request_id: &Option<String>) -> String {
    request_id
        .as_deref()
        .map(|id| format!(" (request {id})"))
        .unwrap_or_default()
}

impl AnthropicError {
    /// Whether the same request may succeed later without changes: rate limits (429),
    /// overload (529), server errors (5xx), request timeouts (408) and failures to get
    /// any response (timeouts and network errors). The caller retries durably (an Inngest
    /// step), waiting at least [`AnthropicError::retry_after`].
    pub fn is_retryable(&self) -> bool {
        match self {
            AnthropicError::Api { status, kind, .. } => {
                matches!(status, 408 | 429 | 500..=599)
                    || matches!(kind, ErrorKind::RateLimit | ErrorKind::Overloaded)
            }
            // A connection refused or reset is as transient as a timeout.
            AnthropicError::Transport(_) => true,
            AnthropicError::Decode { .. } | AnthropicError::Encode(_) => false,
        }
    }

    /// How long the server asked us to wait (`retry-after`, in seconds).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            AnthropicError::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The `request-id` of the failed request, when there was a response.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            AnthropicError::Api { request_id, .. } | AnthropicError::Decode { request_id, .. } => {
                request_id.as_deref()
            }
            _ => None,
        }
    }

    /// The HTTP status, when there was a response.
    pub fn status(&self) -> Option<u16> {
        match self {
            AnthropicError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The error of a non-2xx response.
    pub(crate) fn from_response(response: &HttpResponse) -> Self {
        #[derive(Deserialize)]
        struct Body {
            error: Detail,
            #[serde(default)]
            request_id: Option<String>,
        }
        #[derive(Deserialize)]
        struct Detail {
            #[serde(rename = "type")]
            kind: String,
            #[serde(default)]
            message: String,
        }
        let header_id = request_id_of(response);
        let retry_after = response.header("retry-after").and_then(parse_retry_after);
        match serde_json::from_slice::<Body>(&response.body) {
            Ok(body) => AnthropicError::Api {
                status: response.status,
                kind: ErrorKind::from_wire(&body.error.kind),
                message: body.error.message,
                retry_after,
                request_id: header_id.or(body.request_id),
            },
            Err(_) => AnthropicError::Api {
                status: response.status,
                kind: ErrorKind::from_status(response.status),
                message: String::from_utf8_lossy(&response.body)
                    .chars()
                    .take(200)
                    .collect(),
                retry_after,
                request_id: header_id,
            },
        }
    }
}

/// The `request-id` header.
pub(crate) fn request_id_of(response: &HttpResponse) -> Option<String> {
    response
        .header("request-id")
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
}

/// `retry-after` as seconds (whole or decimal); dates and junk are ignored.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let secs: f64 = value.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_and_ignores_dates() {
        assert_eq!(parse_retry_after("30"), Some(Duration::from_secs(30)));
        assert_eq!(
            parse_retry_after(" 1.5 "),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }
}

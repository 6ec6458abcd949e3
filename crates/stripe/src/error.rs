//! The one error type of the crate, built from Stripe's error answers.

use std::time::Duration;

use serde::Deserialize;
use support_http::{HttpResponse, TransportError};

/// Why a Stripe call failed.
///
/// Nothing here carries the secret key: errors are built from the response and from
/// the caller's inputs only.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StripeError {
    /// Stripe answered with an error status and (usually) its `{"error": {...}}` body.
    #[error("Stripe answered {status} {kind}{}: {message}", code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
    Api {
        /// HTTP status.
        status: u16,
        /// `error.type`: `invalid_request_error`, `api_error`, `card_error`,
        /// `idempotency_error`, `authentication_error`... (`api_error` when the body
        /// had none).
        kind: String,
        /// `error.code`, e.g. `resource_missing`, `charge_already_refunded`,
        /// `amount_too_large`.
        code: Option<String>,
        /// `error.message`, or the start of the raw body.
        message: String,
        /// `error.param`: the parameter at fault.
        param: Option<String>,
        /// The `Request-Id` header, for Stripe's logs and support.
        request_id: Option<String>,
        /// The `Stripe-Should-Retry` header, when Stripe sent one.
        should_retry: Option<bool>,
        /// The `Retry-After` header, when the server sent one.
        retry_after: Option<Duration>,
    },
    /// 429: too many requests (or a lock timeout) on Stripe's side.
    #[error("Stripe rate limited the request{}", retry_after.map(|d| format!(" (retry after {} s)", d.as_secs())).unwrap_or_default())]
    RateLimited {
        /// The `Retry-After` header, when the server sent one.
        retry_after: Option<Duration>,
        /// `error.code`, e.g. `rate_limit` or `lock_timeout`.
        code: Option<String>,
        /// `error.message`.
        message: String,
        /// The `Request-Id` header.
        request_id: Option<String>,
        /// The `Stripe-Should-Retry` header, when Stripe sent one.
        should_retry: Option<bool>,
    },
    /// No answer: timeout, connection refused, DNS...
    #[error("could not reach Stripe: {0}")]
    Transport(TransportError),
    /// A success status whose body is not the object expected.
    #[error("Stripe's answer did not decode: {message}")]
    Decode {
        /// What did not fit.
        message: String,
        /// The `Request-Id` header.
        request_id: Option<String>,
    },
    /// The call was refused before anything was sent (an email where a customer id
    /// belongs, an idempotency key too long...).
    #[error("invalid input: {0}")]
    InvalidInput(String),
}

impl StripeError {
    /// Whether the same request (with the same idempotency key) may succeed later
    /// without anyone changing anything.
    ///
    /// `Stripe-Should-Retry` decides when Stripe sent it; otherwise a 409 (a concurrent
    /// request holding the key or the object's lock), a 429, a 5xx and a transport
    /// failure are retryable, and everything else needs a person or different input.
    pub fn is_retryable(&self) -> bool {
        match self {
            StripeError::Api {
                status,
                should_retry,
                ..
            } => should_retry.unwrap_or(*status == 409 || *status >= 500),
            StripeError::RateLimited { should_retry, .. } => should_retry.unwrap_or(true),
            StripeError::Transport(_) => true,
            StripeError::Decode { .. } | StripeError::InvalidInput(_) => false,
        }
    }

    /// The server's `Retry-After`, when it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            StripeError::Api { retry_after, .. } | StripeError::RateLimited { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }

    /// Stripe's `Request-Id` for the failed request, to log.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            StripeError::Api { request_id, .. }
            | StripeError::RateLimited { request_id, .. }
            | StripeError::Decode { request_id, .. } => request_id.as_deref(),
            StripeError::Transport(_) | StripeError::InvalidInput(_) => None,
        }
    }

    /// `error.code` of a Stripe answer (`resource_missing`, `amount_too_large`...).
    pub fn code(&self) -> Option<&str> {
        match self {
            StripeError::Api { code, .. } | StripeError::RateLimited { code, .. } => {
                code.as_deref()
            }
            _ => None,
        }
    }

    /// The HTTP status of a Stripe answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            StripeError::Api { status, .. } => Some(*status),
            StripeError::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// Build the error for a non-2xx answer.
    pub(crate) fn from_response(response: &HttpResponse) -> Self {
        let request_id = request_id(response);
        let should_retry = match response.header("stripe-should-retry").map(str::trim) {
            Some(v) if v.eq_ignore_ascii_case("true") => Some(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        };
        let retry_after = response
            .header("retry-after")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = serde_json::from_slice::<ErrorBody>(&response.body)
            .ok()
            .map(|b| b.error);
        let message = body
            .as_ref()
            .and_then(|b| b.message.clone())
            .unwrap_or_else(|| {
                // Not Stripe's shape (a proxy, a load balancer): keep a bounded excerpt.
                String::from_utf8_lossy(&response.body)
                    .chars()
                    .take(200)
                    .collect()
            });
        let code = body.as_ref().and_then(|b| b.code.clone());
        if response.status == 429 {
            return StripeError::RateLimited {
                retry_after,
                code,
                message,
                request_id,
                should_retry,
            };
        }
        StripeError::Api {
            status: response.status,
            kind: body
                .as_ref()
                .and_then(|b| b.kind.clone())
                .unwrap_or_else(|| "api_error".to_owned()),
            code,
            message,
            param: body.and_then(|b| b.param),
            request_id,
            should_retry,
            retry_after,
        }
    }
}

impl From<TransportError> for StripeError {
    fn from(error: TransportError) -> Self {
        StripeError::Transport(error)
    }
}

/// The `Request-Id` header of an answer.
pub(crate) fn request_id(response: &HttpResponse) -> Option<String> {
    response.header("request-id").map(str::to_owned)
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorObject,
}

#[derive(Deserialize)]
struct ErrorObject {
    #[serde(rename = "type")]
    kind: Option<String>,
    code: Option<String>,
    message: Option<String>,
    param: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> HttpResponse {
        let mut response = HttpResponse::new(status);
        for (name, value) in headers {
            response = response.with_header(*name, *value);
        }
        response.body = body.as_bytes().to_vec();
        response
    }

    #[test]
    fn stripe_error_bodies_become_api_errors() {
        let error = StripeError::from_response(&answer(
            404,
            &[("Request-Id", "req_123")],
            r#"{"error":{"type":"invalid_request_error","code":"resource_missing","message":"No such charge: 'ch_x'","param":"id","doc_url":"https://x"}}"#,
        ));
        assert_eq!(
            error,
            StripeError::Api {
                status: 404,
                kind: "invalid_request_error".into(),
                code: Some("resource_missing".into()),
                message: "No such charge: 'ch_x'".into(),
                param: Some("id".into()),
                request_id: Some("req_123".into()),
                should_retry: None,
                retry_after: None,
            }
        );
        assert!(!error.is_retryable());
        assert_eq!(error.request_id(), Some("req_123"));
        assert_eq!(error.code(), Some("resource_missing"));
        assert_eq!(
            error.to_string(),
            "Stripe answered 404 invalid_request_error (resource_missing): No such charge: 'ch_x'"
        );
    }

    #[test]
    fn should_retry_header_wins_over_the_status() {
        let e = StripeError::from_response(&answer(
            500,
            &[("Stripe-Should-Retry", "false")],
            r#"{"error":{"type":"api_error","message":"x"}}"#,
        ));
        assert!(!e.is_retryable());
        let e = StripeError::from_response(&answer(
            400,
            &[("Stripe-Should-Retry", "true")],
            r#"{"error":{"type":"invalid_request_error","message":"x"}}"#,
        ));
        assert!(e.is_retryable());
        let e = StripeError::from_response(&answer(429, &[("Stripe-Should-Retry", "false")], "{}"));
        assert!(!e.is_retryable());
    }

    #[test]
    fn conflicts_rate_limits_and_server_errors_are_retryable() {
        for status in [409, 500, 502, 503] {
            let e = StripeError::from_response(&answer(status, &[], "{}"));
            assert!(e.is_retryable(), "{status}");
        }
        for status in [400, 401, 402, 403, 404] {
            let e = StripeError::from_response(&answer(status, &[], "{}"));
            assert!(!e.is_retryable(), "{status}");
        }
        assert!(StripeError::Transport(TransportError::Timeout).is_retryable());
        assert!(!StripeError::InvalidInput("x".into()).is_retryable());
    }

    #[test]
    fn rate_limits_carry_retry_after() {
        let e = StripeError::from_response(&answer(
            429,
            &[("Retry-After", "7"), ("Request-Id", "req_9")],
            r#"{"error":{"type":"invalid_request_error","code":"rate_limit","message":"Too many requests"}}"#,
        ));
        assert_eq!(
            e,
            StripeError::RateLimited {
                retry_after: Some(Duration::from_secs(7)),
                code: Some("rate_limit".into()),
                message: "Too many requests".into(),
                request_id: Some("req_9".into()),
                should_retry: None,
            }
        );
        assert!(e.is_retryable());
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
        assert_eq!(e.status(), Some(429));
    }

    #[test]
    fn bodies_not_in_stripe_shape_keep_an_excerpt() {
        let long = "x".repeat(1000);
        let e = StripeError::from_response(&answer(502, &[], &long));
        match e {
            StripeError::Api { kind, message, .. } => {
                assert_eq!(kind, "api_error");
                assert_eq!(message.len(), 200);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

//! HTTP at the edge: the one error type every handler returns through `?`, JSON
//! answers, and capped body reads.
//!
//! An [`ApiError`] carries the status, the message the caller may see, and the cause
//! that only the log sees: internal error text never reaches a caller.

use std::borrow::Cow;
use std::fmt::Display;

use serde::Serialize;
use serde_json::json;
use worker::{Request, Response};

/// What every route handler returns.
pub type ApiResult = Result<Response, ApiError>;

/// An answer that is not a success.
#[derive(Debug)]
pub struct ApiError {
    status: u16,
    public: Cow<'static, str>,
    cause: Option<String>,
    allow: Option<String>,
}

impl ApiError {
    /// The status it answers with.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// An error with this status and public message, nothing logged.
    pub fn new(status: u16, public: impl Into<Cow<'static, str>>) -> Self {
        Self {
            status,
            public: public.into(),
            cause: None,
            allow: None,
        }
    }

    /// Log `cause` (never shown to the caller) when the error is answered.
    pub fn with_cause(mut self, cause: impl Display) -> Self {
        self.cause = Some(cause.to_string());
        self
    }

    /// 400 with a message that is safe to show (about the caller's own input).
    pub fn bad_request(public: impl Into<Cow<'static, str>>) -> Self {
        Self::new(400, public)
    }

    /// 404.
    pub fn not_found() -> Self {
        Self::new(404, "not found")
    }

    /// 405 with the methods the path accepts.
    pub fn method_not_allowed(allow: String) -> Self {
        Self {
            allow: Some(allow),
            ..Self::new(405, "method not allowed")
        }
    }

    /// 413.
    pub fn too_large(limit: usize) -> Self {
        Self::new(413, format!("body larger than {limit} bytes"))
    }

    /// 503: try again later (Front and Inngest retry).
    pub fn unavailable(cause: impl Display) -> Self {
        Self::new(503, "temporarily unavailable, retry later").with_cause(cause)
    }

    /// 500 for anything unexpected; the cause is logged.
    pub fn internal(cause: impl Display) -> Self {
        Self::new(500, "internal error").with_cause(cause)
    }

    /// The answer: `{"error": <public message>}`; the cause goes to the log.
    pub fn into_response(self) -> Response {
        if let Some(cause) = &self.cause {
            if self.status >= 500 {
                worker::console_error!("{} {}: {cause}", self.status, self.public);
            } else {
                worker::console_warn!("{} {}: {cause}", self.status, self.public);
            }
        }
        let mut response = match Response::from_json(&json!({ "error": self.public })) {
            Ok(response) => response.with_status(self.status),
            Err(_) => Response::empty()
                .expect("an empty response")
                .with_status(self.status),
        };
        if let Some(allow) = &self.allow {
            let _ = response.headers_mut().set("Allow", allow);
        }
        response
    }
}

impl From<worker::Error> for ApiError {
    fn from(err: worker::Error) -> Self {
        ApiError::internal(err)
    }
}

/// A JSON answer.
pub fn json<T: Serialize>(status: u16, body: &T) -> ApiResult {
    Ok(Response::from_json(body)?.with_status(status))
}

/// Read the body, refusing it with 413 past `limit` bytes: the declared length is
/// checked before anything is read, and an undeclared (chunked) body is read with a
/// running count, so an oversized body is never buffered whole.
pub async fn read_body(req: &mut Request, limit: usize) -> Result<Vec<u8>, ApiError> {
    support_http::read_request_body(req, limit)
        .await
        .map_err(|err| match err {
            support_http::BodyError::TooLarge { limit } => ApiError::too_large(limit),
            support_http::BodyError::Read(detail) => {
                ApiError::bad_request("the request body could not be read").with_cause(detail)
            }
        })
}

/// A header's value, if present and readable.
pub fn header(req: &Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten()
}

/// The token of an `Authorization: Bearer <token>` header (the scheme matched without
/// regard to case, RFC 7235).
pub fn bearer(req: &Request) -> Option<String> {
    support_http::bearer_token(&header(req, "authorization")?).map(str::to_owned)
}

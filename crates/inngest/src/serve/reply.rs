//! Answers under construction, and how they become an [`HttpResponse`] with the
//! protocol headers (and the signature).

use serde_json::{json, Value};
use support_http::HttpResponse;

use super::error::{ErrorBody, FnError, RetryAfter};
use super::handler::ServeHandler;
use super::serve_config::REQ_VERSION;

/// A response under construction.
pub(super) struct Reply {
    pub(super) status: u16,
    pub(super) body: Vec<u8>,
    pub(super) no_retry: bool,
    pub(super) retry_after: Option<RetryAfter>,
    /// More headers (names lowercase).
    pub(super) extra: Vec<(String, String)>,
}

impl Reply {
    pub(super) fn json(status: u16, value: &Value) -> Self {
        Self {
            status,
            body: serde_json::to_vec(value).unwrap_or_else(|_| b"null".to_vec()),
            no_retry: false,
            retry_after: None,
            extra: Vec::new(),
        }
    }

    /// `{"message": ...}`.
    pub(super) fn message(status: u16, message: &str) -> Self {
        Self::json(status, &json!({ "message": message }))
    }

    pub(super) fn error(status: u16, error: &ErrorBody) -> Self {
        Self::json(status, &error.to_value())
    }

    pub(super) fn no_retry(mut self, no_retry: bool) -> Self {
        self.no_retry = no_retry;
        self
    }

    /// What a function error answers: non-retriable → 400 + no-retry, otherwise 500
    /// (with `Retry-After` when asked).
    pub(super) fn from_fn_error(error: &FnError) -> Self {
        let body = error.body();
        match error {
            FnError::NonRetriable(_) | FnError::StepFailed(_) => {
                Reply::error(400, &body).no_retry(true)
            }
            FnError::Retriable(_) | FnError::Interrupted => Reply::error(500, &body),
            FnError::RetryAfter { after, .. } => Reply {
                retry_after: Some(after.clone()),
                ..Reply::error(500, &body)
            },
        }
    }
}

impl ServeHandler {
    /// The reply with every protocol header, signed with `key` when the request was
    /// verified with it.
    pub(super) fn finish(&self, reply: Reply, key: Option<&str>) -> HttpResponse {
        let config = &self.config;
        let mut headers = vec![
            (
                "content-type".to_owned(),
                support_http::JSON_CONTENT_TYPE.to_owned(),
            ),
            ("x-inngest-sdk".to_owned(), config.sdk_header()),
            ("x-inngest-req-version".to_owned(), REQ_VERSION.to_owned()),
            ("x-inngest-no-retry".to_owned(), reply.no_retry.to_string()),
        ];
        if let Some(framework) = &config.framework {
            headers.push(("x-inngest-framework".to_owned(), framework.clone()));
        }
        if let Some(env) = &config.env {
            headers.push(("x-inngest-env".to_owned(), env.clone()));
        }
        if let Some(after) = &reply.retry_after {
            headers.push(("retry-after".to_owned(), after.header_value()));
        }
        headers.extend(reply.extra);
        if let Some(key) = key {
            let signature = support_signing::inngest::sign(key, self.clock.now_unix(), &reply.body);
            headers.push(("x-inngest-signature".to_owned(), signature));
        }
        HttpResponse {
            status: reply.status,
            headers,
            body: reply.body,
        }
    }
}

//! The client: one method per endpoint we use.

use std::sync::Arc;
use std::time::Duration;

use support_http::{ApiBase, Credential, Secret, Transport};

use crate::error::{request_id_of, AnthropicError};
use crate::types::{MessagesRequest, MessagesResponse};

/// Anthropic's API.
pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";
/// The `anthropic-version` this client speaks.
pub const API_VERSION: &str = "2023-06-01";
/// How long a request may take unless told otherwise: long answers with tools take tens of
/// seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Client of the Anthropic Messages API. It never sleeps or retries: a retryable failure
/// comes back as an [`AnthropicError`] carrying the server's `retry-after`, for the caller
/// (an Inngest step) to retry durably.
#[derive(Debug, Clone)]
pub struct AnthropicClient {
    base: ApiBase,
}

impl AnthropicClient {
    /// A client of the API at `base_url` ([`DEFAULT_BASE_URL`], or the devkit's
    /// `http://127.0.0.1:8288/anthropic`), authenticating with `api_key`.
    pub fn new(
        base_url: impl AsRef<str>,
        api_key: impl Into<Secret>,
        transport: Arc<dyn Transport>,
    ) -> Self {
        let credential = Credential::Header {
            name: "x-api-key",
            value: api_key.into(),
        };
        AnthropicClient {
            base: ApiBase::new(base_url, credential, transport, DEFAULT_TIMEOUT)
                .with_header("anthropic-version", API_VERSION)
                .with_header("accept", "application/json"),
        }
    }

    /// Change the per-request timeout (default [`DEFAULT_TIMEOUT`]).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.base = self.base.with_timeout(timeout);
        self
    }

    /// `POST /v1/messages`: one model turn.
    pub async fn messages(
        &self,
        request: &MessagesRequest,
    ) -> Result<MessagesResponse, AnthropicError> {
        let body =
            serde_json::to_vec(request).map_err(|e| AnthropicError::Encode(e.to_string()))?;
        let http = self
            .base
            .request("POST", self.base.url("/v1/messages"), Some(body));
        let response = self
            .base
            .send(http)
            .await
            .map_err(AnthropicError::Transport)?;
        if !response.is_success() {
            return Err(AnthropicError::from_response(&response));
        }
        let request_id = request_id_of(&response);
        let mut message: MessagesResponse =
            serde_json::from_slice(&response.body).map_err(|e| AnthropicError::Decode {
                message: e.to_string(),
                request_id: request_id.clone(),
            })?;
        message.request_id = request_id.or(message.request_id);
        Ok(message)
    }
}

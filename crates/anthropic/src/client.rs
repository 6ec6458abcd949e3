//! The client: one method per endpoint we use.

use std::sync::Arc;
use std::time::Duration;

use support_http::{HttpRequest, Transport};

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
#[derive(Clone)]
pub struct AnthropicClient {
    messages_url: String,
    api_key: String,
    transport: Arc<dyn Transport>,
    timeout: Duration,
}

impl std::fmt::Debug for AnthropicClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnthropicClient")
            .field("messages_url", &self.messages_url)
            .field("api_key", &"<redacted>")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl AnthropicClient {
    /// A client of the API at `base_url` ([`DEFAULT_BASE_URL`], or the devkit's
    /// `http://127.0.0.1:8288/anthropic`), authenticating with `api_key`.
    pub fn new(
        base_url: impl AsRef<str>,
        api_key: impl Into<String>,
        transport: Arc<dyn Transport>,
    ) -> Self {
        AnthropicClient {
            messages_url: format!("{}/v1/messages", base_url.as_ref().trim_end_matches('/')),
            api_key: api_key.into(),
            transport,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Change the per-request timeout (default [`DEFAULT_TIMEOUT`]).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// `POST /v1/messages`: one model turn.
    pub async fn messages(
        &self,
        request: &MessagesRequest,
    ) -> Result<MessagesResponse, AnthropicError> {
        let body =
            serde_json::to_vec(request).map_err(|e| AnthropicError::Encode(e.to_string()))?;
        let http = HttpRequest::post_json(&self.messages_url, body, self.timeout)
            .header("x-api-key", &self.api_key)
            .header("anthropic-version", API_VERSION)
            .header("accept", "application/json");
        let response = self
            .transport
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

//! Calls to the Inngest API (`/fn/register`, `/v0/runs/...`), authenticated with the
//! hashed signing key.

use serde_json::Value;
use support_http::{HttpRequest, HttpResponse, Transport};

use super::handler::ServeHandler;

impl ServeHandler {
    /// GETs `url` from the Inngest API and parses the JSON answer.
    pub(super) async fn api_get_json(&self, url: &str) -> Result<Value, String> {
        let response = self
            .api_send(|| HttpRequest {
                method: "GET".to_owned(),
                url: url.to_owned(),
                headers: Vec::new(),
                body: Vec::new(),
                timeout: self.config.api_timeout,
            })
            .await?;
        if !response.is_success() {
            return Err(format!("{url} answered {}", response.status));
        }
        serde_json::from_slice(&response.body).map_err(|e| format!("{url} is not JSON: {e}"))
    }

    /// What authenticates calls to the Inngest API: the hashed primary key, then the
    /// hashed fallback. Empty only in dev mode.
    pub(super) fn bearer_keys(&self) -> Result<Vec<String>, String> {
        let config = &self.config;
        let mut keys = Vec::new();
        for key in config.keys() {
            match support_signing::inngest::hashed_signing_key(key) {
                Ok(hashed) => keys.push(hashed),
                // The dev server takes any key; a non-hex one is sent as is.
                Err(_) if config.dev => keys.push(key.to_owned()),
                Err(e) => return Err(format!("signing key: {e}")),
            }
        }
        if keys.is_empty() && !config.dev {
            return Err("no signing key is configured".to_owned());
        }
        Ok(keys)
    }

    /// Sends an Inngest API request with the hashed primary key, then once more with the
    /// hashed fallback on 401/403.
    pub(super) async fn api_send(
        &self,
        build: impl Fn() -> HttpRequest,
    ) -> Result<HttpResponse, String> {
        let Some(transport) = &self.transport else {
            return Err("no HTTP transport is configured on the serve handler".to_owned());
        };
        send_with_keys(transport.as_ref(), &self.bearer_keys()?, build).await
    }
}

/// Sends an Inngest API request with each Bearer in turn (the hashed primary key, then
/// the hashed fallback) while Inngest answers 401/403; none at all in dev mode.
pub(super) async fn send_with_keys(
    transport: &dyn Transport,
    keys: &[String],
    build: impl Fn() -> HttpRequest,
) -> Result<HttpResponse, String> {
    let mut attempts: Vec<Option<&String>> = keys.iter().map(Some).collect();
    if attempts.is_empty() {
        attempts.push(None);
    }
    let mut last = None;
    for key in attempts {
        let mut request = build();
        if let Some(key) = key {
            request = request.header("Authorization", format!("Bearer {key}"));
        }
        let response = transport
            .send(request)
            .await
            .map_err(|e| format!("could not reach Inngest: {e}"))?;
        if response.status != 401 && response.status != 403 {
            return Ok(response);
        }
        last = Some(response);
    }
    last.ok_or_else(|| "no request was sent".to_owned())
}

//! Langfuse's ingestion API: traces, spans and model generations.
//!
//! As Langfuse's API definition has it (`langfuse/langfuse` fern definition,
//! `reference/external-apis.md` 6b): `POST {host}/api/public/ingestion` with Basic
//! credentials (public key `pk-lf-…` : secret key `sk-lf-…`) and
//! `{"batch": [event…]}` of at most [`MAX_REQUEST_BYTES`]. The answer is **207**
//! `{"successes": [{id, status: 201}], "errors": [{id, status: 400, message, error}]}`:
//! an invalid event is refused alone and never makes the request a 4xx; bad
//! credentials are a 401. 200 is read the same way.
//!
//! Every event is an [`IngestionEvent`] envelope (`id` unique per event, `timestamp`,
//! `type`, `body`); the bodies are built with [`TraceBody`], [`SpanBody`] and
//! [`GenerationBody`]. Inputs, outputs, metadata and status messages go as given:
//! redact them with a [`Redactor`](crate::Redactor) first.
//!
//! Langfuse calls this endpoint "legacy" and points to OTLP; it still works, and it is a
//! plain JSON POST that needs no OpenTelemetry SDK in the worker.

mod events;

use std::sync::Arc;
use std::time::Duration;

use support_http::{ApiBase, Credential, Secret, Transport};

use crate::error::TelemetryError;
pub use events::{
    CostDetails, EventBody, GenerationBody, IngestionError, IngestionEvent, IngestionStatus,
    IngestionSuccess, Level, SpanBody, TraceBody, UsageDetails,
};

/// Langfuse Cloud (EU); the US region is `https://us.cloud.langfuse.com`.
pub const DEFAULT_BASE_URL: &str = "https://cloud.langfuse.com";
/// The largest request body Langfuse takes (3.5 MB); bigger batches are split.
pub const MAX_REQUEST_BYTES: usize = 3_500_000;
/// Timeout of each request unless [`LangfuseClient::with_timeout`] says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

const SERVICE: &str = "Langfuse";
/// `{"batch":[` and `]}`.
const ENVELOPE_BYTES: usize = r#"{"batch":[]}"#.len();

/// A client of one Langfuse project.
#[derive(Debug, Clone)]
pub struct LangfuseClient {
    base: ApiBase,
    max_request_bytes: usize,
}

impl LangfuseClient {
    /// A client of the project at `base_url` ([`DEFAULT_BASE_URL`], or the devkit's
    /// `http://127.0.0.1:8288/langfuse`) with its key pair.
    pub fn new(
        base_url: impl AsRef<str>,
        public_key: impl AsRef<str>,
        secret_key: impl Into<Secret>,
        transport: Arc<dyn Transport>,
    ) -> Self {
        let credential = Credential::Basic {
            user: public_key.as_ref().to_owned(),
            password: secret_key.into(),
        };
        Self {
            base: ApiBase::new(base_url, credential, transport, DEFAULT_TIMEOUT),
            max_request_bytes: MAX_REQUEST_BYTES,
        }
    }

    /// Change the timeout of each request (default [`DEFAULT_TIMEOUT`]).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.base = self.base.with_timeout(timeout);
        self
    }

    /// Split batches at `bytes` instead of [`MAX_REQUEST_BYTES`] (never above it).
    pub fn with_max_request_bytes(mut self, bytes: usize) -> Self {
        self.max_request_bytes = bytes.min(MAX_REQUEST_BYTES);
        self
    }

    /// `POST /api/public/ingestion` with `events`, in as many requests as it takes to
    /// keep each under the size limit (in order). The answers are merged. An event too
    /// large to send on its own is not sent: it comes back in
    /// [`IngestionStatus::errors`] with status 413. An empty slice sends nothing.
    ///
    /// A request answered with an error stops there: the requests before it were
    /// accepted, the error is returned.
    pub async fn ingest(
        &self,
        events: &[IngestionEvent],
    ) -> Result<IngestionStatus, TelemetryError> {
        let mut status = IngestionStatus::default();
        let mut serialised = Vec::with_capacity(events.len());
        for event in events {
            let bytes = serde_json::to_vec(event).map_err(|e| {
                TelemetryError::InvalidInput(format!("event {} does not serialise: {e}", event.id))
            })?;
            if bytes.len() + ENVELOPE_BYTES > self.max_request_bytes {
                status.errors.push(IngestionError {
                    id: event.id.clone(),
                    status: 413,
                    message: Some(format!(
                        "the event is {} bytes, over the {}-byte request limit; not sent",
                        bytes.len(),
                        self.max_request_bytes
                    )),
                    error: None,
                });
                continue;
            }
            serialised.push(bytes);
        }
        for body in batches(&serialised, self.max_request_bytes) {
            let answer = self.send(body).await?;
            status.successes.extend(answer.successes);
            status.errors.extend(answer.errors);
        }
        Ok(status)
    }

    async fn send(&self, body: Vec<u8>) -> Result<IngestionStatus, TelemetryError> {
        let request = self
            .base
            .request("POST", self.base.url("/api/public/ingestion"), Some(body));
        let authorization = self
            .base
            .credential()
            .header()
            .map(|(_, value)| value)
            .unwrap_or_default();
        let response =
            self.base
                .send(request)
                .await
                .map_err(|error| TelemetryError::Transport {
                    service: SERVICE,
                    error,
                })?;
        if !response.is_success() {
            return Err(TelemetryError::from_response(
                SERVICE,
                &response,
                &[
                    self.base.credential().secret().map_or("", Secret::expose),
                    &authorization,
                ],
            ));
        }
        serde_json::from_slice(&response.body)
            .map_err(|e| TelemetryError::decode(SERVICE, &e, response.body.len()))
    }
}

/// `{"batch":[…]}` bodies of at most `limit` bytes, the events in order. Each event fits
/// on its own (the caller set aside those that do not).
fn batches(events: &[Vec<u8>], limit: usize) -> Vec<Vec<u8>> {
    let mut bodies = Vec::new();
    let mut current: Vec<u8> = Vec::new();
    for event in events {
        let separator = usize::from(!current.is_empty());
        if !current.is_empty() && current.len() + separator + event.len() + 2 > limit {
            current.extend_from_slice(b"]}");
            bodies.push(std::mem::take(&mut current));
        }
        if current.is_empty() {
            current.extend_from_slice(br#"{"batch":["#);
        } else {
            current.push(b',');
        }
        current.extend_from_slice(event);
    }
    if !current.is_empty() {
        current.extend_from_slice(b"]}");
        bodies.push(current);
    }
    bodies
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_stay_under_the_limit_in_order() {
        let events: Vec<Vec<u8>> = (0..10)
            .map(|i| format!("{{\"n\":{i}}}").into_bytes())
            .collect();
        // Each event is 7 bytes; 12 bytes of envelope; a limit of 40 fits 3 (12 + 21 + 2).
        let bodies = batches(&events, 40);
        assert_eq!(bodies.len(), 4);
        let mut seen = Vec::new();
        for body in &bodies {
            assert!(body.len() <= 40, "{}", String::from_utf8_lossy(body));
            let value: serde_json::Value = serde_json::from_slice(body).unwrap();
            for event in value["batch"].as_array().unwrap() {
                seen.push(event["n"].as_u64().unwrap());
            }
        }
        assert_eq!(seen, (0..10).collect::<Vec<_>>());
        assert_eq!(batches(&[], 40), Vec::<Vec<u8>>::new());
        // One event exactly at the limit goes alone.
        let big = vec![b'1'; 40 - ENVELOPE_BYTES];
        assert_eq!(batches(&[big.clone(), big], 40).len(), 2);
    }
}

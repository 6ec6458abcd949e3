//! Axiom's ingest API: events (logs, counters, outcomes) into a dataset.
//!
//! As documented (axiom.co/docs/restapi, `reference/external-apis.md` 6c):
//! `POST {base}/v1/datasets/{dataset}/ingest` with `Authorization: Bearer <API token>`
//! and a JSON array of objects (`Content-Type: application/json`). The answer is 200
//! `{"ingested", "failed", "failures": [{"error", "timestamp"}], "processedBytes",
//! "blocksCreated", "walLength"}`: events can fail one by one inside a 200, so
//! [`IngestStatus::failed`] is worth counting. An event's `_time` is its time (receipt
//! time without it).
//!
//! The client sends what it is given: redact each event's free text with a
//! [`Redactor`](crate::Redactor) first.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use support_http::{encode_path_segment, ApiBase, Credential, Secret, Transport};

use crate::error::TelemetryError;

/// Axiom's API (US region); the EU one is `https://api.eu.axiom.co`.
pub const DEFAULT_BASE_URL: &str = "https://api.axiom.co";
/// Timeout of each request unless [`AxiomClient::with_timeout`] says otherwise: short,
/// since telemetry never holds up the work it describes.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

const SERVICE: &str = "Axiom";

/// What Axiom made of an ingest request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IngestStatus {
    /// Events stored.
    #[serde(default)]
    pub ingested: u64,
    /// Events refused (each with a [`IngestFailure`]).
    #[serde(default)]
    pub failed: u64,
    /// Why events were refused.
    #[serde(default)]
    pub failures: Vec<IngestFailure>,
    /// Bytes Axiom read.
    #[serde(default)]
    pub processed_bytes: u64,
    /// Storage blocks written.
    #[serde(default)]
    pub blocks_created: u64,
    /// Length of the write-ahead log after the request.
    #[serde(default)]
    pub wal_length: u64,
}

impl IngestStatus {
    /// Whether every event sent was stored.
    pub fn is_complete(&self) -> bool {
        self.failed == 0 && self.failures.is_empty()
    }
}

/// One refused event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestFailure {
    /// Why.
    #[serde(default)]
    pub error: String,
    /// The event's time.
    #[serde(default)]
    pub timestamp: String,
}

/// A client of one Axiom dataset.
#[derive(Debug, Clone)]
pub struct AxiomClient {
    base: ApiBase,
    dataset: String,
}

impl AxiomClient {
    /// A client of `dataset` at `base_url` ([`DEFAULT_BASE_URL`], or the devkit's
    /// `http://127.0.0.1:8288/axiom`) with an API token (`xaat-…`) allowed to ingest
    /// into it.
    pub fn new(
        base_url: impl AsRef<str>,
        token: impl Into<Secret>,
        dataset: impl Into<String>,
        transport: Arc<dyn Transport>,
    ) -> Self {
        Self {
            base: ApiBase::new(
                base_url,
                Credential::Bearer(token.into()),
                transport,
                DEFAULT_TIMEOUT,
            ),
            dataset: dataset.into(),
        }
    }

    /// Change the timeout of each request (default [`DEFAULT_TIMEOUT`]).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.base = self.base.with_timeout(timeout);
        self
    }

    /// The dataset events go to.
    pub fn dataset(&self) -> &str {
        &self.dataset
    }

    /// `POST /v1/datasets/{dataset}/ingest` with `events` as a JSON array. An empty
    /// slice sends nothing. A 200 may still report refused events
    /// ([`IngestStatus::failed`]); any other status is an error.
    pub async fn ingest(&self, events: &[Value]) -> Result<IngestStatus, TelemetryError> {
        if events.is_empty() {
            return Ok(IngestStatus::default());
        }
        let dataset = encode_path_segment(&self.dataset).ok_or_else(|| {
            TelemetryError::InvalidInput(format!("{:?} cannot be a dataset", self.dataset))
        })?;
        let body = serde_json::to_vec(events).map_err(|e| {
            TelemetryError::InvalidInput(format!("the events do not serialise: {e}"))
        })?;
        let request = self.base.request(
            "POST",
            self.base.url(&format!("/v1/datasets/{dataset}/ingest")),
            Some(body),
        );
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
                &[self.base.credential().secret().map_or("", Secret::expose)],
            ));
        }
        serde_json::from_slice(&response.body)
            .map_err(|e| TelemetryError::decode(SERVICE, &e, response.body.len()))
    }
}

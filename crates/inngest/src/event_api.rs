use std::time::Duration;

use serde::Serialize;
use support_http::{HttpRequest, Transport, TransportError};

/// Inngest Cloud's Event API.
pub const DEFAULT_EVENT_API_BASE: &str = "https://inn.gs";

/// Why events were not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Inngest answered with an error status.
    #[error("Inngest answered {status}: {message}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// The `error` of the body, or the raw body.
        message: String,
        /// `Retry-After` in seconds, when given.
        retry_after_secs: Option<u64>,
    },
    /// No answer in time.
    #[error("Inngest did not answer within {0} ms")]
    Timeout(u64),
    /// The request could not be sent.
    #[error("could not reach Inngest: {0}")]
    Unreachable(String),
}

impl SendError {
    /// Whether sending the same events again may succeed without anyone changing
    /// anything (overload, outage, timeout). Bad keys or payloads need an operator.
    pub fn is_transient(&self) -> bool {
        match self {
            SendError::Rejected { status, .. } => *status == 429 || *status >= 500,
            SendError::Timeout(_) | SendError::Unreachable(_) => true,
        }
    }

    /// The server's `Retry-After`, in seconds.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            SendError::Rejected {
                retry_after_secs, ..
            } => *retry_after_secs,
            _ => None,
        }
    }
}

/// Client for the Inngest Event API.
pub struct EventApi<T> {
    url: String,
    transport: T,
    timeout: Duration,
}

impl<T: Transport> EventApi<T> {
    /// A client posting to `{base}/e/{event_key}`.
    pub fn new(base: &str, event_key: &str, transport: T) -> Self {
        Self {
            url: format!("{}/e/{}", base.trim_end_matches('/'), event_key),
            transport,
            timeout: Duration::from_secs(10),
        }
    }

    /// Change the timeout (default 10 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Send a batch of events (at most 5000; keep batches small). Returns Inngest's
    /// internal ids, one per event, in order.
    pub async fn send<E: Serialize>(&self, events: &[E]) -> Result<Vec<String>, SendError> {
        let body = serde_json::to_vec(events)
            .map_err(|e| SendError::Unreachable(format!("events do not serialise: {e}")))?;
        self.send_json(body).await
    }

    /// Send events that are already serialised, each one a JSON object, as one array:
    /// an outbox that stored them as text sends them without parsing them again.
    pub async fn send_serialized<S: AsRef<str>>(
        &self,
        events: &[S],
    ) -> Result<Vec<String>, SendError> {
        let mut body =
            Vec::with_capacity(events.iter().map(|e| e.as_ref().len() + 1).sum::<usize>() + 2);
        body.push(b'[');
        for (i, event) in events.iter().enumerate() {
            if i > 0 {
                body.push(b',');
            }
            body.extend_from_slice(event.as_ref().as_bytes());
        }
        body.push(b']');
        self.send_json(body).await
    }

    async fn send_json(&self, body: Vec<u8>) -> Result<Vec<String>, SendError> {
        let request = HttpRequest::post_json(&self.url, body, self.timeout);
        let response = self.transport.send(request).await.map_err(|e| match e {
            TransportError::Timeout => SendError::Timeout(self.timeout.as_millis() as u64),
            TransportError::Other(detail) => SendError::Unreachable(detail),
        })?;
        let parsed: serde_json::Value =
            serde_json::from_slice(&response.body).unwrap_or(serde_json::Value::Null);
        let error = parsed
            .get("error")
            .and_then(|e| e.as_str())
            .filter(|e| !e.is_empty());
        let body_status = parsed.get("status").and_then(|s| s.as_u64());
        if response.is_success() && error.is_none() && body_status.is_none_or(|s| s == 200) {
            let ids = parsed
                .get("ids")
                .and_then(|ids| ids.as_array())
                .map(|ids| {
                    ids.iter()
                        .filter_map(|i| i.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            return Ok(ids);
        }
        let status = if response.is_success() {
            body_status.unwrap_or(500) as u16
        } else {
            response.status
        };
        let message = error.map(str::to_owned).unwrap_or_else(|| {
            String::from_utf8_lossy(&response.body)
                .chars()
                .take(200)
                .collect()
        });
        let retry_after_secs = response
            .header("retry-after")
            .and_then(|v| v.trim().parse().ok());
        Err(SendError::Rejected {
            status,
            message,
            retry_after_secs,
        })
    }
}

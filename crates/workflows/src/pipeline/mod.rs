//! The support pipeline: a customer's message becomes a classified, routed
//! conversation, a reply drafted by the agent with tools, a validated Front draft and
//! an action waiting for approval. Three functions chained by events, each step durable
//! and audit-logged:
//!
//! - [`classify`]: `support/inbound.received` → `support/inbound.classified`
//! - [`route`]: tag, then silence (archive), escalate (comment, tag,
//!   `support/inbound.escalated`) or respond (`support/inbound.routed`)
//! - [`respond`]: gather → draft (the agent loop, one step per model call and per tool)
//!   → validate → propose (action, Front draft, `support/approval.requested`)
//!
//! Secrets never leave a step: steps load the app inside and return only what is not
//! secret, because step results are stored by Inngest.

pub mod classify;
mod front_ops;
pub mod respond;
pub mod route;

use std::sync::Arc;
use std::time::Duration;

use web_time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use support_agent::AgentConfig;
use support_anthropic::AnthropicClient;
use support_front::FrontClient;
use support_http::Transport;
use support_inngest::serve::{FnError, Input, RetryAfter};
use support_sdk::{IntegrationClient, SharedClock};
use support_store::{AppConfig, AuditEntry, AuditKind, Store, TokenUsage};
use support_stripe::StripeClient;

pub(crate) use front_ops::front_error;
pub use front_ops::FrontOps;

/// Event names of the pipeline.
pub mod names {
    /// Classified.
    pub const CLASSIFIED: &str = "support/inbound.classified";
    /// Routed to a reply.
    pub const ROUTED: &str = "support/inbound.routed";
    /// Handed to a human, the instructor or urgent handling.
    pub const ESCALATED: &str = "support/inbound.escalated";
    /// A proposed reply or action waits for approval.
    pub const APPROVAL_REQUESTED: &str = "support/approval.requested";
}

/// The outside services, each a typed client over the HTTP port; `None` when not
/// configured.
pub struct Services {
    /// For the SDK clients built per app.
    pub transport: Arc<dyn Transport>,
    /// Front's API.
    pub front: Option<FrontClient>,
    /// The Messages API.
    pub anthropic: Option<AnthropicClient>,
    /// Stripe with the platform's Connect key (each app's account per call).
    pub stripe: Option<Arc<StripeClient>>,
    /// Slack's Web API (the approvals' and escalations' view).
    pub slack: Option<support_slack::SlackClient>,
    /// The agent's model and limits.
    pub agent: AgentConfig,
    /// The classifier's model.
    pub classifier_model: String,
    /// Time.
    pub clock: SharedClock,
    /// Each SDK call gives up after this long.
    pub sdk_timeout: Duration,
}

impl Services {
    /// Milliseconds since the epoch.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_unix_millis()
    }

    /// The app's SDK client, signed with its current secret.
    pub fn sdk(&self, app: &AppConfig) -> Option<IntegrationClient<Arc<dyn Transport>>> {
        let secret = app.sdk_secrets.first()?;
        Some(
            IntegrationClient::new(app.integration_url.clone(), secret, self.transport.clone())
                .with_timeout(self.sdk_timeout)
                .with_clock(self.clock.clone()),
        )
    }
}

/// What every pipeline event carries.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Message {
    /// App slug.
    pub app_id: String,
    /// Correlation id.
    pub trace_id: String,
    /// `cnv_…`.
    pub conversation_id: String,
    /// `msg_…`.
    pub message_id: String,
    /// Front's event id: what makes ids of later records deterministic.
    pub front_event_id: String,
    /// The inbox the app was found by.
    pub inbox_id: Option<String>,
    /// Subject (may be empty).
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// Set when the body in the event was cut.
    pub body_truncated: bool,
    /// Customer address.
    pub sender_email: String,
    /// Customer name.
    pub sender_name: Option<String>,
}

/// Read an event's data, or fail without retries (a malformed event never gets better).
pub(crate) fn event_data<T: serde::de::DeserializeOwned>(input: &Input) -> Result<T, FnError> {
    serde_json::from_value(input.event.data.clone()).map_err(|e| {
        FnError::non_retriable(format!("{}: unexpected payload: {e}", input.event.name))
    })
}

/// The app by slug, or a failure without retries when it is not registered.
pub(crate) async fn load_app(store: &dyn Store, slug: &str) -> Result<AppConfig, FnError> {
    match store.app(slug).await {
        Ok(Some(app)) => Ok(app),
        Ok(None) => Err(FnError::non_retriable(format!(
            "app {slug:?} is not registered"
        ))),
        Err(e) => Err(FnError::new(format!("could not read app {slug:?}: {e}"))),
    }
}

/// An error from an outside service as a step error: retried later when the service
/// said so (with its `Retry-After`), else retried per the function's policy.
pub(crate) fn retryable(
    what: &str,
    message: impl std::fmt::Display,
    retry_after: Option<Duration>,
) -> FnError {
    match retry_after {
        Some(after) => FnError::retry_after(
            format!("{what}: {message}"),
            RetryAfter::Seconds(after.as_secs().max(1)),
        ),
        None => FnError::new(format!("{what}: {message}")),
    }
}

/// `d***@example.com`: enough to tell customers apart in an audit row, not to mail them.
pub fn redact_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None if email.is_empty() => String::new(),
        None => "***".into(),
    }
}

/// Builds audit rows for one run.
pub(crate) struct Audit<'a> {
    pub store: &'a dyn Store,
    pub services: &'a Services,
    pub run_id: &'a str,
    pub app_id: &'a str,
    pub conversation_id: &'a str,
}

/// One audit row's content.
pub(crate) struct AuditRow {
    pub kind: AuditKind,
    pub name: String,
    pub input: Value,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub started: Instant,
    pub usage: Option<TokenUsage>,
    pub action_id: Option<String>,
}

impl AuditRow {
    pub fn new(kind: AuditKind, name: impl Into<String>, input: Value, started: Instant) -> Self {
        Self {
            kind,
            name: name.into(),
            input,
            output: None,
            error: None,
            started,
            usage: None,
            action_id: None,
        }
    }
}

impl Audit<'_> {
    /// Write a row whose id is `<run>:<step id>` (a retried step writes it once).
    pub async fn write(&self, step_id: &str, row: AuditRow) -> Result<(), FnError> {
        let entry = AuditEntry {
            id: format!("{}:{step_id}", self.run_id),
            at_ms: self.services.now_ms(),
            app_id: Some(self.app_id.to_owned()),
            conversation_id: Some(self.conversation_id.to_owned()),
            run_id: Some(self.run_id.to_owned()),
            action_id: row.action_id,
            kind: row.kind,
            name: row.name,
            input: row.input,
            output: row.output,
            error: row.error,
            duration_ms: Some(row.started.elapsed().as_millis() as i64),
            usage: row.usage,
        };
        self.store
            .audit(&[entry])
            .await
            .map_err(|e| FnError::new(format!("could not write the audit row: {e}")))
    }
}

/// The data of a pipeline event: the message plus what this stage adds.
pub(crate) fn stage_event(name: &str, id: String, message: &Message, extra: Value) -> Value {
    let mut data = serde_json::to_value(message).unwrap_or_else(|_| json!({}));
    if let (Some(data), Value::Object(extra)) = (data.as_object_mut(), extra) {
        data.insert("version".into(), json!(1));
        data.extend(extra);
    }
    json!({"id": id, "name": name, "data": data, "v": "1"})
}

//! The support pipeline: a customer's message becomes a classified, routed
//! conversation, a reply drafted by the agent with tools, a validated Front draft and
//! an action waiting for approval, with its card in Slack. One function,
//! [`answer`] (`support-pipeline`), runs the stages as durable, audit-logged steps:
//!
//! - [`classify`]: the message, completed, and its classification
//! - [`route`]: tag, then silence (archive), escalate (comment, tag,
//!   `support/inbound.escalated`) or respond
//! - [`respond`]: gather → draft (the agent loop, one step per model call and per tool)
//!   → validate → propose (action, Front draft)
//! - the approval opened (record and card), then `support/inbound.classified`,
//!   `support/inbound.routed` and `support/approval.requested` sent together
//!
//! Secrets never leave a step: steps load the app inside and return only what is not
//! secret, because step results are stored by Inngest.

pub mod answer;
pub mod classify;
mod front_ops;
pub mod respond;
pub mod route;

use std::sync::Arc;
use std::time::Duration;

use web_time::Instant;

use serde::Serialize;
use serde_json::Value;
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

/// Event names of the pipeline (the catalogue is `support_core::events`).
pub mod names {
    pub use support_core::events::names::{
        APPROVAL_REQUESTED, CLASSIFIED, ESCALATED, INBOUND_RECEIVED, OUTBOUND_MESSAGE, ROUTED,
    };
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
    /// An approval's wait re-reads its record at least this often.
    pub approval_slice: Duration,
    /// An approved action not executed after this long is reported.
    pub execution_watch: Duration,
    /// What people wrote stays in the audit log this long.
    pub audit_retention: Duration,
    /// The kill switch: nothing is sent without a human, whatever the switches say.
    pub autosend_killed: bool,
    /// Where warnings for the operators go (the Workers console at the edge).
    pub warn: fn(&str),
    /// The knowledge base's index, when configured.
    pub knowledge: Option<KnowledgeIndex>,
    /// This request's telemetry (Axiom, Langfuse), when configured.
    pub telemetry: Option<Arc<crate::telemetry::Recorder>>,
}

/// The knowledge base's Upstash Vector index, one namespace per app (the app's id).
#[derive(Clone, Debug)]
pub struct KnowledgeIndex {
    /// With the read-only token: every query.
    pub query: support_knowledge::VectorIndex,
    /// With the read-write token, when set: reply candidates (in their own namespaces)
    /// and FAQ entries a person approved. Never the ingested knowledge itself.
    pub write: Option<support_knowledge::VectorIndex>,
}

/// The namespace of an app's reply candidates: apart from its knowledge, so a
/// candidate is never retrieved for a customer.
pub fn candidates_namespace(app: &AppConfig) -> String {
    format!("{}--candidates", app.id)
}

impl Services {
    /// Milliseconds since the epoch.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_unix_millis()
    }

    /// Tell telemetry about a model call (nothing when telemetry is off).
    pub fn observe_model_call(
        &self,
        id: String,
        name: &str,
        request: &support_anthropic::MessagesRequest,
        response: &support_anthropic::MessagesResponse,
        start_ms: i64,
    ) {
        if let Some(telemetry) = &self.telemetry {
            telemetry.model_call(crate::telemetry::ModelCall {
                id,
                name: name.to_owned(),
                model: response.model.clone(),
                input: serde_json::json!({"system": request.system, "messages": request.messages}),
                output: serde_json::to_value(&response.content).unwrap_or(Value::Null),
                usage: usage(&response.usage),
                parameters: serde_json::json!({"max_tokens": request.max_tokens, "temperature": request.temperature}),
                start_ms,
                end_ms: self.now_ms(),
            });
        }
    }

    /// Stripe on the app's connected account, when both are configured.
    pub fn stripe_for(&self, app: &AppConfig) -> Option<(Arc<StripeClient>, String)> {
        match (&self.stripe, &app.stripe_account_id) {
            (Some(stripe), Some(account)) => Some((stripe.clone(), account.clone())),
            _ => None,
        }
    }

    /// The app's knowledge base (its namespace, queried read-only), when configured.
    pub fn knowledge_for(&self, app: &AppConfig) -> Option<support_knowledge::Knowledge> {
        let index = self.knowledge.as_ref()?;
        Some(support_knowledge::Knowledge::new(
            index.query.clone(),
            app.id.clone(),
        ))
    }

    /// The app's SDK client, signed with its current secret (and, while a rotation is
    /// under way, with the previous one too).
    pub fn sdk(&self, app: &AppConfig) -> Option<IntegrationClient<Arc<dyn Transport>>> {
        Some(
            sdk_client(app, self.transport.clone())?
                .with_timeout(self.sdk_timeout)
                .with_clock(self.clock.clone()),
        )
    }
}

/// An app's SDK client over `transport`: signed with its current secret, and with the
/// previous one too (listed first) while a rotation is under way.
pub fn sdk_client<T: Transport>(app: &AppConfig, transport: T) -> Option<IntegrationClient<T>> {
    let client = IntegrationClient::new(
        app.integration_url.clone(),
        app.sdk_secrets.first()?,
        transport,
    );
    Some(match app.sdk_secrets.get(1) {
        Some(previous) if app.settings.sdk_secret_rotating => client.with_previous_secret(previous),
        _ => client,
    })
}

/// What every pipeline event carries (the typed catalogue's [`StageMessage`]).
pub use support_core::events::StageMessage as Message;

/// Read an event's data, or fail without retries (a malformed event never gets better).
pub(crate) fn event_data<T: serde::de::DeserializeOwned>(input: &Input) -> Result<T, FnError> {
    serde_json::from_value(input.event.data.clone()).map_err(|e| {
        FnError::non_retriable(format!("{}: unexpected payload: {e}", input.event.name))
    })
}

/// A store failure as a step error (retried: the database may answer next time).
pub(crate) fn store_error(e: support_store::StoreError) -> FnError {
    FnError::new(e.to_string())
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
        Some((local, domain)) => format!("{}***@{domain}", mask_head(local)),
        None if email.is_empty() => String::new(),
        None => "***".into(),
    }
}

fn mask_head(text: &str) -> String {
    text.chars().take(1).collect()
}

/// `u***`: a name or a user id, masked like an email.
pub fn mask(text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!("{}***", mask_head(text))
    }
}

/// Keys whose values name a person or their account: masked in the audit log.
const PERSONAL_KEYS: &[&str] = &[
    "userId",
    "fromUserId",
    "user_id",
    "name",
    "newName",
    "customerName",
    "currentName",
];

/// Keys whose values are free text written from the customer's words (the model's
/// reasons and notes, search queries): the audit log keeps their length only.
const FREE_TEXT_KEYS: &[&str] = &["reason", "note", "query"];

/// A value for the audit log: emails, names and user ids masked at every level, free
/// text reduced to its length.
pub fn redact(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = match v {
                        Value::String(s) if PERSONAL_KEYS.contains(&k.as_str()) => {
                            Value::String(mask(s))
                        }
                        Value::String(s) if FREE_TEXT_KEYS.contains(&k.as_str()) => {
                            Value::String(format!("[{} characters]", s.chars().count()))
                        }
                        Value::String(s) if s.contains('@') => Value::String(redact_email(s)),
                        other => redact(other),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact).collect()),
        Value::String(s) if s.contains('@') => Value::String(redact_email(s)),
        other => other.clone(),
    }
}

/// Tokens a model call used, as the audit log keeps them.
pub(crate) fn usage(u: &support_anthropic::Usage) -> TokenUsage {
    TokenUsage {
        input: u.input_tokens,
        output: u.output_tokens,
        cache_read: u.cache_read_input_tokens,
        cache_write: u.cache_creation_input_tokens,
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

/// The pipeline reports its checkpointed steps this many at a time: in practice once,
/// at a hand-off or with the run's end. Its steps are already safe to repeat (Inngest
/// runs a step again whenever its answer is lost): audit rows are keyed by run and step,
/// events carry ids Inngest deduplicates, the Front draft goes through the ledger, the
/// approval's record is created once and its card posted only while the record has none,
/// and the model calls only cost again. Other functions report every step.
pub const CHECKPOINT_BUFFER: usize = 64;

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
            sensitive: None,
            sensitive_until: None,
        };
        if let Some(telemetry) = &self.services.telemetry {
            telemetry.audit(&entry);
        }
        self.store
            .audit(&[entry])
            .await
            .map_err(|e| FnError::new(format!("could not write the audit row: {e}")))
    }
}

/// A stage event: the message plus what this stage adds, typed
/// (`support_core::events`).
pub(crate) fn stage_event<T: Serialize>(
    name: &str,
    id: String,
    message: &Message,
    data: &T,
) -> Value {
    support_core::events::Stage::event(name, id, message, data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn people_and_accounts_are_masked_in_the_audit_log() {
        let input = json!({"email": "dana@example.com", "userId": "usr_dana", "newName": "Dana Lee", "note": "I want my money",
                           "account": {"userId": "usr_dana", "email": "dana@example.com", "name": "Dana"},
                           "purchaseId": "pur_1", "amount": {"amount": 100, "currency": "usd"}});
        assert_eq!(
            redact(&input),
            json!({"email": "d***@example.com", "userId": "u***", "newName": "D***", "note": "[15 characters]",
                   "account": {"userId": "u***", "email": "d***@example.com", "name": "D***"},
                   "purchaseId": "pur_1", "amount": {"amount": 100, "currency": "usd"}})
        );
    }
}

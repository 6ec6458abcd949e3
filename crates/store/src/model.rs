//! What the store keeps: apps, proposed actions, approvals, audit rows, ledger entries.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A product app, its secrets opened.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppConfig {
    /// Registry id (`app_…`).
    pub id: String,
    /// Stable slug, used as `appId` in events.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// The app's Front inbox.
    pub front_inbox_id: Option<String>,
    /// The app's SDK endpoint (`https://app.example.com/api/support`).
    pub integration_url: String,
    /// SDK signing secrets, newest first (the platform signs with the first).
    #[serde(skip_serializing)]
    pub sdk_secrets: Vec<String>,
    /// The app's Stripe connected account (`acct_…`), if it takes payments through it.
    #[serde(skip_serializing)]
    pub stripe_account_id: Option<String>,
    /// Everything that is not secret.
    pub settings: AppSettings,
}

impl std::fmt::Debug for AppConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppConfig")
            .field("id", &self.id)
            .field("slug", &self.slug)
            .field("front_inbox_id", &self.front_inbox_id)
            .field("integration_url", &self.integration_url)
            .field(
                "sdk_secrets",
                &format_args!("[{} redacted]", self.sdk_secrets.len()),
            )
            .field(
                "stripe_account_id",
                &self.stripe_account_id.as_ref().map(|_| "redacted"),
            )
            .field("settings", &self.settings)
            .finish()
    }
}

/// An app's settings that are not secret (stored as JSON in `apps.settings`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AppSettings {
    /// The Front teammate instructor questions are assigned to.
    pub instructor_teammate_id: Option<String>,
    /// Names that mean "the instructor" in a message (classification signals).
    pub instructor_names: Vec<String>,
    /// Names the agent must never say (a parent company, say).
    pub company_names: Vec<String>,
    /// Slack user ids allowed to decide approvals.
    pub approvers: Vec<String>,
    /// Slack channel for approval requests.
    pub approval_channel: Option<String>,
    /// Slack channel for escalations.
    pub escalation_channel: Option<String>,
    /// Slack channel for instructor escalations (else the escalation channel).
    pub instructor_channel: Option<String>,
    /// Slack channel for urgent escalations (else the escalation channel).
    pub urgent_channel: Option<String>,
    /// How long an approval waits for a decision, in minutes (default 24 h).
    pub approval_ttl_minutes: Option<u32>,
}

/// A new app or new values for one, secrets in the clear (sealed by the store).
#[derive(Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppRegistration {
    /// Registry id.
    pub id: String,
    /// Slug.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Front inbox.
    #[serde(default)]
    pub front_inbox_id: Option<String>,
    /// SDK endpoint.
    pub integration_url: String,
    /// SDK secrets, newest first (at least one).
    pub sdk_secrets: Vec<String>,
    /// Stripe connected account.
    #[serde(default)]
    pub stripe_account_id: Option<String>,
    /// Settings.
    #[serde(default)]
    pub settings: AppSettings,
}

impl std::fmt::Debug for AppRegistration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppRegistration")
            .field("id", &self.id)
            .field("slug", &self.slug)
            .finish_non_exhaustive()
    }
}

/// One tool call the agent proposed instead of running it (it needs approval).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Proposal {
    /// The tool's name (`processRefund`).
    pub tool: String,
    /// Its exact input.
    pub input: Value,
    /// The ledger key its execution is recorded under (`refund:<purchase>:<amount>`).
    pub ledger_key: String,
}

/// Where an action is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    /// Waiting for a human.
    Pending,
    /// Approved, not yet executed.
    Approved,
    /// A human said no.
    Rejected,
    /// Nobody decided in time (never a "no").
    Expired,
    /// Executed.
    Executed,
    /// Execution failed (the reason is kept).
    Failed,
}

impl ActionStatus {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::Pending => "pending",
            ActionStatus::Approved => "approved",
            ActionStatus::Rejected => "rejected",
            ActionStatus::Expired => "expired",
            ActionStatus::Executed => "executed",
            ActionStatus::Failed => "failed",
        }
    }

    /// From the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => ActionStatus::Pending,
            "approved" => ActionStatus::Approved,
            "rejected" => ActionStatus::Rejected,
            "expired" => ActionStatus::Expired,
            "executed" => ActionStatus::Executed,
            "failed" => ActionStatus::Failed,
            _ => return None,
        })
    }
}

/// A proposed reply (and the tool calls that came with it), waiting for approval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionRecord {
    /// `act_…`, derived from the triggering event so a retried run finds its own.
    pub id: String,
    /// App slug.
    pub app_id: String,
    /// Front conversation.
    pub conversation_id: String,
    /// The Inngest run that proposed it.
    pub run_id: String,
    /// The reply to send (empty when the action is tool calls only).
    pub reply: String,
    /// The tool calls that need approval, with their exact inputs.
    pub proposals: Vec<Proposal>,
    /// SHA-256 (hex) of the canonical JSON of `proposals`: an approval is bound to it.
    pub args_hash: String,
    /// The Front draft showing the reply, once created.
    pub draft_id: Option<String>,
    /// The category and the agent's reasoning, for the approver.
    pub context: Value,
    /// State.
    pub status: ActionStatus,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub updated_at: i64,
    /// The execution's result.
    pub result: Option<Value>,
    /// Why it failed.
    pub error: Option<String>,
}

/// What kind of event an audit row records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditKind {
    /// A pipeline step (classify, route, gather...).
    Step,
    /// One model call of the agent.
    AgentTurn,
    /// A whole agent run.
    AgentRun,
    /// One tool call (run or proposed).
    ToolCall,
    /// A human decision.
    Decision,
    /// An executed side effect.
    Execution,
}

impl AuditKind {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditKind::Step => "step",
            AuditKind::AgentTurn => "agent_turn",
            AuditKind::AgentRun => "agent_run",
            AuditKind::ToolCall => "tool_call",
            AuditKind::Decision => "decision",
            AuditKind::Execution => "execution",
        }
    }
}

/// Tokens a model call used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenUsage {
    /// Input tokens (not cached).
    pub input: u64,
    /// Output tokens.
    pub output: u64,
    /// Input tokens read from the prompt cache.
    pub cache_read: u64,
    /// Input tokens written to the prompt cache.
    pub cache_write: u64,
}

impl std::ops::AddAssign for TokenUsage {
    fn add_assign(&mut self, other: Self) {
        self.input += other.input;
        self.output += other.output;
        self.cache_read += other.cache_read;
        self.cache_write += other.cache_write;
    }
}

/// One audit row. Its id is deterministic (run and step), so a retried step writes it
/// once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// `<run id>:<step>`.
    pub id: String,
    /// Unix ms.
    pub at_ms: i64,
    /// App slug.
    pub app_id: Option<String>,
    /// Front conversation.
    pub conversation_id: Option<String>,
    /// Inngest run.
    pub run_id: Option<String>,
    /// The action it concerns.
    pub action_id: Option<String>,
    /// What it records.
    pub kind: AuditKind,
    /// Step or tool name.
    pub name: String,
    /// Inputs, customer data redacted where not needed.
    pub input: Value,
    /// Result.
    pub output: Option<Value>,
    /// Error, if it failed.
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: Option<i64>,
    /// Tokens, for model calls.
    pub usage: Option<TokenUsage>,
}

/// An approval: a durable record of a request and its one decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalRecord {
    /// The action it decides.
    pub action_id: String,
    /// App slug.
    pub app_id: String,
    /// The hash of the arguments it was requested for.
    pub args_hash: String,
    /// `pending | approved | rejected | expired`.
    pub status: ActionStatus,
    /// Unix ms after which nobody can decide.
    pub expires_at: i64,
    /// Who decided.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<i64>,
    /// Reason given on a rejection.
    pub reason: Option<String>,
    /// The reply as edited before approval.
    pub edited_reply: Option<String>,
    /// The Slack message showing it (`channel`, `ts`).
    pub slack: Option<Value>,
    /// Unix ms.
    pub created_at: i64,
}

/// How far a side effect got, by its ledger key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum LedgerState {
    /// Nobody has started it.
    New,
    /// Started and not known to be finished (a retry must check the outside service).
    Started,
    /// Done: the result to reuse.
    Completed {
        /// What the side effect returned.
        result: Value,
    },
}

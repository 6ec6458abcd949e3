//! What the store keeps besides the approval records (which are the domain's, in
//! `support_core::records`): apps, audit rows, ledger entries, approvers' API tokens.

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
    /// Between the start and the finish of an SDK secret rotation: the platform signs with
    /// the previous secret and the new one, so the app keeps working while it switches.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sdk_secret_rotating: bool,
    /// The app's own retention windows (days); unset ones are the platform's
    /// (`support_core::retention`).
    #[serde(skip_serializing_if = "support_core::retention::Overrides::is_empty")]
    pub retention: support_core::retention::Overrides,
    /// When auto-send may be switched on, and how much it may send a day.
    #[serde(skip_serializing_if = "support_core::trust::Thresholds::is_default")]
    pub autosend: support_core::trust::Thresholds,
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

impl From<AppConfig> for AppRegistration {
    /// An app as registered, to write it back changed.
    fn from(app: AppConfig) -> Self {
        Self {
            id: app.id,
            slug: app.slug,
            name: app.name,
            front_inbox_id: app.front_inbox_id,
            integration_url: app.integration_url,
            sdk_secrets: app.sdk_secrets,
            stripe_account_id: app.stripe_account_id,
            settings: app.settings,
        }
    }
}

impl From<AppRegistration> for AppConfig {
    /// What the store answers for an app once this registration is written.
    fn from(app: AppRegistration) -> Self {
        Self {
            id: app.id,
            slug: app.slug,
            name: app.name,
            front_inbox_id: app.front_inbox_id,
            integration_url: app.integration_url,
            sdk_secrets: app.sdk_secrets,
            stripe_account_id: app.stripe_account_id,
            settings: app.settings,
        }
    }
}

impl std::fmt::Debug for AppRegistration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppRegistration")
            .field("id", &self.id)
            .field("slug", &self.slug)
            .finish_non_exhaustive()
    }
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
    /// An operator's or owner's change: people, roles, sessions, FAQ entries.
    Admin,
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
            AuditKind::Admin => "admin",
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
    /// What a person wrote that the log keeps only for the retention window (an edited
    /// reply, a rejection's reason): cleared by [`crate::Store::scrub_audit`] after
    /// `sensitive_until`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitive: Option<Value>,
    /// Unix ms after which `sensitive` is cleared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitive_until: Option<i64>,
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

/// What claiming a side effect in the ledger found. The insert's change count decides
/// who runs the effect: of concurrent claimers, exactly one gets [`LedgerClaim::Claimed`].
#[derive(Debug, Clone, PartialEq)]
pub enum LedgerClaim {
    /// Nobody had it: run the effect.
    Claimed,
    /// This owner claimed it before and did not finish (a retried step): check the
    /// outside service for what the earlier attempt did, then finish it.
    Resumed,
    /// Done: reuse the result.
    Completed {
        /// What the effect returned.
        result: Value,
    },
    /// Another owner claimed it and has not finished: do not run it.
    HeldBy {
        /// Who holds it.
        owner: String,
    },
}

/// What claiming an approved action for execution found.
#[derive(Debug, Clone, PartialEq)]
pub enum ActionClaim {
    /// This execution holds the action now (or already did: a retried step).
    Claimed(support_core::records::ActionRecord),
    /// The action is not approved-and-unclaimed (executed, failed, held by another
    /// execution, or never approved): its record as it is.
    Refused(support_core::records::ActionRecord),
    /// No such action.
    NotFound,
}

/// A person's API token for the approvals API: stored as a SHA-256 of the token, mapped
/// to the person's Slack user id and scoped to apps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiToken {
    /// `tok_…` (not secret: names the token in lists and revocations).
    pub id: String,
    /// The person, as their Slack user id: a decision made with the token is theirs.
    pub slack_user_id: String,
    /// App slugs the token may see and decide for.
    pub apps: Vec<String>,
    /// What it is for.
    pub label: String,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms, once revoked.
    pub revoked_at: Option<i64>,
}

impl ApiToken {
    /// Whether the token may act on `app_id`.
    pub fn allows(&self, app_id: &str) -> bool {
        self.revoked_at.is_none() && self.apps.iter().any(|a| a == app_id)
    }
}

/// What became of one proposed action's draft (`outcomes`, one row per action).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutcomeRecord {
    /// The action whose draft it was.
    pub action_id: String,
    /// App slug.
    pub app_id: String,
    /// The message's category (`support_refund`...).
    pub category: String,
    /// `cnv_…`.
    pub conversation_id: String,
    /// What happened.
    pub outcome: support_core::outcome::Outcome,
    /// When the message's webhook came (Unix ms), when known: time to draft and to a
    /// sent reply start here.
    pub received_at_ms: Option<i64>,
    /// When the draft was made (Unix ms); none for [`Outcome::NoDraft`].
    ///
    /// [`Outcome::NoDraft`]: support_core::outcome::Outcome::NoDraft
    pub drafted_at_ms: Option<i64>,
    /// When this happened (Unix ms): for a reply that went, when it went.
    pub at_ms: i64,
}

/// Whether the agent may send alone for one app × category, and who said so last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AutosendSwitch {
    /// App slug.
    pub app_id: String,
    /// The category (`support_access`...).
    pub category: String,
    /// On or off.
    pub enabled: bool,
    /// Who changed it (a person's email, `admin`, or `platform` when trust fell).
    pub changed_by: String,
    /// When (Unix ms).
    pub changed_at_ms: i64,
    /// Why, when said.
    pub reason: Option<String>,
}

//! # support-store
//!
//! The platform's storage behind one trait, [`Store`]: apps (secrets sealed, see
//! [`secrets`]), proposed actions, approvals, the audit log, the idempotency ledger and
//! a small cache. [`SqlStore`] implements it in SQLite's dialect over any [`SqlExec`]:
//! the platform worker's D1 adapter at the edge, `rusqlite` in the native tests (the
//! same migrations, the same statements) and [`planetscale::PlanetScaleExec`] on
//! PlanetScale's HTTP API, with the statements rewritten to MySQL by [`mysql`].
//!
//! Time is always passed in (`now_ms`), so expiries are testable.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod model;
pub mod mysql;
pub mod people;
pub mod planetscale;
mod retention;
pub mod secrets;
mod sql;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use model::{
    ActionClaim, ApiToken, AppConfig, AppRegistration, AppSettings, AuditEntry, AuditKind,
    AutosendSwitch, LedgerClaim, LedgerState, OutcomeRecord, TokenUsage,
};
pub use sql::{Param, Row, SqlExec, SqlStore, Statement};
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteExec;
pub use support_core::correction::Correction;
pub use support_core::learned::{Candidate, FaqEntry, FaqStatus};
pub use support_core::records::{
    canonical_hash, ActionRecord, ActionStatus, ApprovalRecord, Decision, Proposal,
};

use serde_json::Value;
use support_core::outbox::{DeadLetter, Replay};
use support_http::MaybeSendSync;

/// Why the store could not answer. Messages name the operation, never secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The database failed.
    #[error("database: {0}")]
    Database(String),
    /// A row could not be read back.
    #[error("corrupt row in {table}: {detail}")]
    Corrupt {
        /// Table.
        table: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// A secret could not be sealed or opened.
    #[error("app secret: {0}")]
    Secret(#[from] secrets::SecretError),
    /// The input was refused.
    #[error("invalid: {0}")]
    Invalid(String),
}

/// One batch of a retention rule ([`Store::retain`]).
#[derive(Debug, Clone, Copy)]
pub struct RetentionBatch<'a> {
    /// The rule.
    pub rule: support_core::retention::Rule,
    /// The app's slug (per-app rules).
    pub app: Option<&'a str>,
    /// Records older than this (Unix ms) are due.
    pub cutoff_ms: i64,
    /// Now (Unix ms).
    pub now_ms: i64,
    /// At most this many records.
    pub limit: u32,
    /// Count, change nothing.
    pub dry_run: bool,
}

/// What a retention batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Retained {
    /// Records changed or deleted (on a dry run: every record due).
    pub count: u64,
    /// Their ids (empty on a dry run): a caller removes what lives elsewhere (vectors).
    pub ids: Vec<String>,
}

/// Result of the store.
pub type Result<T> = std::result::Result<T, StoreError>;

/// What recording a decision did.
#[derive(Debug, Clone, PartialEq)]
pub enum DecideOutcome {
    /// This decision is the one.
    Decided(ApprovalRecord),
    /// Someone decided first (or it was superseded): their record.
    AlreadyDecided(ApprovalRecord),
    /// Nobody decided in time (the record may still say pending until the workflow
    /// marks it expired).
    Expired(ApprovalRecord),
    /// The action's arguments changed since the request: nothing decided.
    ArgumentsChanged,
    /// No such approval.
    NotFound,
}

/// Which audit rows to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditFilter<'a> {
    /// Of one conversation.
    Conversation(&'a str),
    /// Of one action.
    Action(&'a str),
    /// Of one run.
    Run(&'a str),
}

/// The platform's storage.
#[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
#[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
pub trait Store: MaybeSendSync {
    /// An app by slug, its secrets opened.
    async fn app(&self, slug: &str) -> Result<Option<AppConfig>>;
    /// Register an app or replace its values; secrets are sealed before they are written.
    async fn put_app(&self, app: &AppRegistration, now_ms: i64) -> Result<()>;
    /// Remove an app and its sealed secrets; false when there was no such app.
    async fn remove_app(&self, slug: &str) -> Result<bool>;

    /// Record an action; when one with its id exists, that one is returned unchanged.
    async fn insert_action(&self, action: &ActionRecord) -> Result<ActionRecord>;
    /// An action by id.
    async fn action(&self, id: &str) -> Result<Option<ActionRecord>>;
    /// Remember the Front draft showing the action's reply.
    async fn set_action_draft(&self, id: &str, draft_id: Option<&str>, now_ms: i64) -> Result<()>;
    /// Move an action to `to` if it is in one of `from`; false when it was not.
    async fn transition_action(
        &self,
        id: &str,
        from: &[ActionStatus],
        to: ActionStatus,
        result: Option<&Value>,
        error: Option<&str>,
        now_ms: i64,
    ) -> Result<bool>;
    /// Actions waiting for a decision, oldest first: of the given apps (all when `None`).
    async fn pending_actions(
        &self,
        apps: Option<&[String]>,
        limit: u32,
    ) -> Result<Vec<ActionRecord>>;
    /// The actions of a conversation still waiting for a decision.
    async fn pending_actions_of(&self, conversation_id: &str) -> Result<Vec<ActionRecord>>;
    /// Claim an approved action for the execution `run_id` (approved → executing, one
    /// conditional update; the same run claiming again gets it back).
    async fn claim_action(&self, id: &str, run_id: &str, now_ms: i64) -> Result<ActionClaim>;

    /// Create the approval request; an existing one is returned unchanged.
    async fn create_approval(&self, approval: &ApprovalRecord) -> Result<ApprovalRecord>;
    /// An approval by action id.
    async fn approval(&self, action_id: &str) -> Result<Option<ApprovalRecord>>;
    /// Record a decision once: only a pending, unexpired approval with the same
    /// arguments hash takes it.
    async fn decide(&self, action_id: &str, decision: &Decision) -> Result<DecideOutcome>;
    /// The same, with its audit row in the same atomic batch (written only with the
    /// decision that won), in one round trip when it wins: `pending` is the approval as
    /// read before, returned with the decision applied.
    async fn decide_with_audit(
        &self,
        pending: &ApprovalRecord,
        decision: &Decision,
        audit: &AuditEntry,
    ) -> Result<DecideOutcome>;
    /// Mark a still-pending approval expired; false when it was decided first.
    async fn expire_approval(&self, action_id: &str, now_ms: i64) -> Result<bool>;
    /// Mark a still-pending approval and its action superseded (`reason` says why);
    /// false when it was decided first.
    async fn supersede(&self, action_id: &str, reason: &str, now_ms: i64) -> Result<bool>;
    /// Remember the Slack message showing an approval.
    async fn set_approval_slack(&self, action_id: &str, slack: &Value) -> Result<()>;

    /// Append audit rows (a row whose id exists is kept as it was).
    async fn audit(&self, entries: &[AuditEntry]) -> Result<()>;
    /// Audit rows, oldest first.
    async fn audit_trail(&self, filter: AuditFilter<'_>) -> Result<Vec<AuditEntry>>;
    /// Clear what people wrote (`sensitive`) from rows whose retention ended by `now_ms`;
    /// answers how many rows were cleared.
    async fn scrub_audit(&self, now_ms: i64) -> Result<u64>;
    /// Apply a retention rule to the oldest `limit` records due (older than
    /// `cutoff_ms`; of the app with slug `app` for the per-app rules, `None` meaning the
    /// audit rows of no app). With `dry_run`, count every record due and change
    /// nothing. Records already changed by the rule are never due again.
    async fn retain(&self, batch: RetentionBatch<'_>) -> Result<Retained>;

    /// Record a draft's outcome; false when its action has one already (the first wins).
    async fn record_outcome(&self, outcome: &OutcomeRecord) -> Result<bool>;
    /// An app's outcomes since `since_ms` (of one category, or all), oldest first.
    async fn outcomes(
        &self,
        app_id: &str,
        category: Option<&str>,
        since_ms: i64,
    ) -> Result<Vec<OutcomeRecord>>;

    /// An app's auto-send switches (categories without a row are off).
    async fn autosend_switches(&self, app_id: &str) -> Result<Vec<AutosendSwitch>>;
    /// Set one switch; false when it already was in that position (nothing written).
    async fn set_autosend(&self, switch: &AutosendSwitch) -> Result<bool>;
    /// Switch every switch that is on off (the kill switch): the ones it switched off.
    async fn autosend_off_everywhere(
        &self,
        by: &str,
        reason: &str,
        at_ms: i64,
    ) -> Result<Vec<AutosendSwitch>>;

    /// Record a correction; false when its draft has one already (the first wins).
    async fn record_correction(&self, correction: &Correction) -> Result<bool>;
    /// An app's newest corrections since `since_ms`, at most `limit`.
    async fn corrections(&self, app_id: &str, since_ms: i64, limit: u32)
        -> Result<Vec<Correction>>;

    /// The ledger's state for a side effect.
    async fn ledger(&self, key: &str) -> Result<LedgerState>;
    /// Claim a side effect for `owner` before running it (one insert: its change count
    /// decides who runs the effect).
    async fn ledger_claim(
        &self,
        key: &str,
        action_id: &str,
        owner: &str,
        now_ms: i64,
    ) -> Result<LedgerClaim>;
    /// Commit a side effect's result.
    async fn ledger_complete(&self, key: &str, result: &Value, now_ms: i64) -> Result<()>;

    /// Store a new API token (its hash, never the token).
    async fn create_api_token(&self, token: &ApiToken, token_hash: &str) -> Result<()>;
    /// The unrevoked token with this hash.
    async fn api_token(&self, token_hash: &str) -> Result<Option<ApiToken>>;
    /// Every token, newest first.
    async fn api_tokens(&self) -> Result<Vec<ApiToken>>;
    /// Revoke a token; false when there is no such unrevoked token.
    async fn revoke_api_token(&self, id: &str, now_ms: i64) -> Result<bool>;

    /// A cached value that has not expired.
    async fn cache_get(&self, key: &str, now_ms: i64) -> Result<Option<String>>;
    /// Cache a value (until `expires_at_ms`, or for good).
    async fn cache_put(&self, key: &str, value: &str, expires_at_ms: Option<i64>) -> Result<()>;

    /// Record a candidate (once per action: `false` when its action already has one).
    async fn add_candidate(&self, candidate: &Candidate) -> Result<bool>;
    /// Candidates by id (those that exist), in the order asked.
    async fn candidates(&self, ids: &[String]) -> Result<Vec<Candidate>>;
    /// Record a proposed FAQ entry and group its candidates into it, all or nothing:
    /// `false` (and nothing written) when any of them is already in another entry.
    async fn propose_faq(&self, entry: &FaqEntry) -> Result<bool>;
    /// FAQ entries, newest first, of one app or all, in one status or all.
    async fn faqs(&self, app_id: Option<&str>, status: Option<FaqStatus>) -> Result<Vec<FaqEntry>>;
    /// One FAQ entry.
    async fn faq(&self, id: &str) -> Result<Option<FaqEntry>>;
    /// Decide a proposed entry (approved with its final wording, or rejected with a
    /// reason): `None` when it is not proposed any more (someone decided first).
    async fn decide_faq(&self, decision: &FaqDecision) -> Result<Option<FaqEntry>>;
    /// Put an entry `by` approved back to proposed, with the wording of `proposed` (its
    /// approval could not be written into the index): `false` when it is not theirs.
    async fn reopen_faq(&self, proposed: &FaqEntry, by: &str) -> Result<bool>;

    /// Add a person, with their password's hash (BetterAuth's `credential` account)
    /// when they have one: `false` when the email is taken.
    async fn add_person(
        &self,
        person: &people::Person,
        password_hash: Option<&str>,
    ) -> Result<bool>;
    /// A person by id.
    async fn person(&self, id: &str) -> Result<Option<people::Person>>;
    /// Change a person's role and/or Slack link (`Some(None)` unlinks): the person as
    /// now, or `None` when there is no such person.
    async fn update_person(
        &self,
        id: &str,
        role: Option<support_auth::Role>,
        slack_user_id: Option<Option<String>>,
        now_ms: i64,
    ) -> Result<Option<people::Person>>;
    /// A person by email (any case).
    async fn person_by_email(&self, email: &str) -> Result<Option<people::Person>>;
    /// Everyone, by email.
    async fn people(&self) -> Result<Vec<people::Person>>;
    /// A person's password hash (`hexsalt:hexkey`), when they have one.
    async fn password_hash(&self, user_id: &str) -> Result<Option<String>>;
    /// A person by email with their password hash, in one read (a sign-in for an
    /// unknown email and for a known one cost the same).
    async fn person_with_password(
        &self,
        email: &str,
    ) -> Result<Option<(people::Person, Option<String>)>>;
    /// Record a new session.
    async fn add_session(&self, session: &people::Session) -> Result<()>;
    /// The unexpired session with this token, and its person.
    async fn session(
        &self,
        token: &str,
        now_ms: i64,
    ) -> Result<Option<(people::Session, people::Person)>>;
    /// End one session: `false` when there was none.
    async fn end_session(&self, token: &str) -> Result<bool>;
    /// End every session of a person: how many.
    async fn end_sessions_of(&self, user_id: &str) -> Result<u64>;
    /// Count a sign-in attempt for `key` in the window starting at `window_start`, in
    /// one atomic statement, and answer the count with it (so parallel attempts each
    /// see their own number). Every key's older windows are dropped as it goes.
    async fn count_login_attempt(&self, key: &str, window_start: i64) -> Result<u32>;
    /// Take back an attempt that succeeded.
    async fn forgive_login_attempt(&self, key: &str, window_start: i64) -> Result<()>;

    // --- The intake's tables -------------------------------------------------------

    /// Every app with a Front inbox, as the intake attributes events (`slug`, inbox).
    async fn app_inboxes(&self) -> Result<Vec<support_core::apps::App>>;
    /// Add counts to the intake counters (one batch).
    async fn add_intake_counts(&self, counts: &[(&str, u64)], now_ms: i64) -> Result<()>;
    /// The intake counters, by name.
    async fn intake_counts(&self) -> Result<Vec<(String, u64)>>;
    /// Record events Inngest refused for good, with their bodies (for a replay); a
    /// letter recorded again is refreshed and no longer counts as replayed.
    async fn record_dead_letters(&self, letters: &[(DeadLetter, &str)]) -> Result<()>;
    /// The newest dead letters, only those not replayed yet unless `all`.
    async fn dead_letters(&self, all: bool, limit: u32) -> Result<Vec<DeadLetter>>;
    /// The bodies of these dead letters, with their conversations (unknown ids skipped).
    async fn dead_letter_bodies(&self, event_ids: &[String]) -> Result<Vec<(String, Replay)>>;
    /// Mark dead letters as replayed.
    async fn mark_replayed(&self, event_ids: &[String], now_ms: i64) -> Result<()>;

    // --- What the dashboard reads -------------------------------------------------

    /// Every registered app, by slug, its secrets opened.
    async fn apps(&self) -> Result<Vec<AppConfig>>;
    /// Every registered app's slug and display name, by slug (one read, no secrets).
    async fn app_names(&self) -> Result<Vec<(String, String)>>;
    /// One page of pending actions, oldest first, and how many match in all.
    async fn queue(&self, query: &QueueQuery) -> Result<(Vec<ActionRecord>, u64)>;
    /// The actions with these ids (any status), in no particular order.
    async fn actions_by_ids(&self, ids: &[String]) -> Result<Vec<ActionRecord>>;
    /// Every action of a conversation, oldest first.
    async fn actions_of(&self, conversation_id: &str) -> Result<Vec<ActionRecord>>;
    /// The approvals of these actions.
    async fn approvals_of(&self, action_ids: &[String]) -> Result<Vec<ApprovalRecord>>;
    /// Audit rows matching `query`, newest first, at most `query.limit`.
    async fn audit_search(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>>;
    /// The tool calls made in these conversations, oldest first: their names, durations
    /// and errors, without inputs and outputs (`input` is `{}`, `output` none).
    async fn tool_calls_of(&self, conversation_ids: &[String]) -> Result<Vec<AuditEntry>>;
    /// Record an invitation (BetterAuth's `verification` table, by the hash of its
    /// token) for `user_id`, valid until `expires_at`.
    async fn add_invite(
        &self,
        token_hash: &str,
        user_id: &str,
        expires_at: i64,
        now_ms: i64,
    ) -> Result<()>;
    /// The person an unexpired invitation names, without using it up.
    async fn invite(&self, token_hash: &str, now_ms: i64) -> Result<Option<String>>;
    /// Use an invitation up: the user id it named, once, while unexpired.
    async fn take_invite(&self, token_hash: &str, now_ms: i64) -> Result<Option<String>>;
    /// Set a person's password (BetterAuth's `credential` account).
    async fn set_password(&self, user_id: &str, password_hash: &str, now_ms: i64) -> Result<()>;
}

/// A page of the approvals queue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueQuery {
    /// Only these apps (`None`: all).
    pub apps: Option<Vec<String>>,
    /// Only this category (the classification in the action's context).
    pub category: Option<String>,
    /// Only after this `(created_at, id)` (the previous page's last).
    pub after: Option<(i64, String)>,
    /// Page size.
    pub limit: u32,
}

/// Which audit rows, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only this app.
    pub app: Option<String>,
    /// Only rows whose `input.by` is this (a Slack user id, an email).
    pub actor: Option<String>,
    /// Only this kind.
    pub kind: Option<AuditKind>,
    /// `Some(true)`: only failures; `Some(false)`: only successes.
    pub failed: Option<bool>,
    /// Unix ms, inclusive.
    pub from_ms: Option<i64>,
    /// Unix ms, exclusive.
    pub to_ms: Option<i64>,
    /// Only before this `(at_ms, id)` (the previous page's last).
    pub before: Option<(i64, String)>,
    /// Page size.
    pub limit: u32,
}

/// A person's decision on a proposed FAQ entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaqDecision {
    /// The entry.
    pub id: String,
    /// `Approved` or `Rejected`.
    pub status: FaqStatus,
    /// The final question (approved).
    pub question: String,
    /// The final answer (approved).
    pub answer: String,
    /// Who decided.
    pub by: String,
    /// Why (rejected).
    pub reason: Option<String>,
    /// Unix ms.
    pub now_ms: i64,
}

/// The MySQL schema for PlanetScale, file by file: a baseline equal to the SQLite
/// migrations' result, then one twin per later SQLite migration (a test keeps the two
/// schemas equal).
pub const MYSQL_MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_baseline.sql",
        include_str!("../../../migrations/planetscale/0001_baseline.sql"),
    ),
    (
        "0009_outcomes.sql",
        include_str!("../../../migrations/planetscale/0009_outcomes.sql"),
    ),
    (
        "0010_autosend.sql",
        include_str!("../../../migrations/planetscale/0010_autosend.sql"),
    ),
    (
        "0011_corrections.sql",
        include_str!("../../../migrations/planetscale/0011_corrections.sql"),
    ),
];

/// The migrations, in order, as `(file name, SQL)`: applied by `wrangler d1 migrations
/// apply` at the edge, and by the native tests to a fresh SQLite database.
pub const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_init.sql",
        include_str!("../../../migrations/platform/0001_init.sql"),
    ),
    (
        "0002_intake_counters.sql",
        include_str!("../../../migrations/platform/0002_intake_counters.sql"),
    ),
    (
        "0003_dead_letters.sql",
        include_str!("../../../migrations/platform/0003_dead_letters.sql"),
    ),
    (
        "0004_pipeline.sql",
        include_str!("../../../migrations/platform/0004_pipeline.sql"),
    ),
    (
        "0005_decision_safety.sql",
        include_str!("../../../migrations/platform/0005_decision_safety.sql"),
    ),
    (
        "0006_learned_knowledge.sql",
        include_str!("../../../migrations/platform/0006_learned_knowledge.sql"),
    ),
    (
        "0007_people.sql",
        include_str!("../../../migrations/platform/0007_people.sql"),
    ),
    (
        "0008_dashboard.sql",
        include_str!("../../../migrations/platform/0008_dashboard.sql"),
    ),
    (
        "0009_outcomes.sql",
        include_str!("../../../migrations/platform/0009_outcomes.sql"),
    ),
    (
        "0010_autosend.sql",
        include_str!("../../../migrations/platform/0010_autosend.sql"),
    ),
    (
        "0011_corrections.sql",
        include_str!("../../../migrations/platform/0011_corrections.sql"),
    ),
];

/// The hash an API token is stored and looked up by (SHA-256, hex). Tokens are 256
/// random bits, so a fast hash is enough: there is nothing to guess.
pub fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(token.as_bytes()))
}

//! [`Store`] in SQLite's dialect over a minimal executor: D1 at the edge, rusqlite in
//! tests.

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use support_http::MaybeSendSync;

use crate::model::*;
use crate::secrets::Keyring;
use crate::{
    AuditFilter, AuditQuery, DecideOutcome, Decision, FaqDecision, QueueQuery, Result, Retained,
    RetentionBatch, Store, StoreError,
};
use support_auth::Role;
use support_core::learned::{Candidate, FaqEntry, FaqStatus};

use crate::people::{iso, unix_ms, Person, Session};
use support_core::correction::{Correction, CorrectionKind};
use support_core::outbox::{DeadLetter, Replay};
use support_core::outcome::{Edit, Outcome};
use support_core::records::{ActionRecord, ActionStatus, ApprovalRecord};

/// A bound parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    /// SQL NULL.
    Null,
    /// An integer.
    Int(i64),
    /// Text.
    Text(String),
}

impl From<&str> for Param {
    fn from(s: &str) -> Self {
        Param::Text(s.to_owned())
    }
}
impl From<String> for Param {
    fn from(s: String) -> Self {
        Param::Text(s)
    }
}
impl From<i64> for Param {
    fn from(n: i64) -> Self {
        Param::Int(n)
    }
}
impl<T: Into<Param>> From<Option<T>> for Param {
    fn from(v: Option<T>) -> Self {
        v.map_or(Param::Null, Into::into)
    }
}

/// One statement and its parameters (`?1`, `?2`...).
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// SQL.
    pub sql: &'static str,
    /// Parameters.
    pub params: Vec<Param>,
}

impl Statement {
    fn new(sql: &'static str, params: Vec<Param>) -> Self {
        Self { sql, params }
    }
}

/// A result row: column name to value (integers as JSON numbers, text as strings).
pub type Row = Map<String, Value>;

/// Runs statements. The edge implements it on D1, tests on SQLite.
#[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
#[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
pub trait SqlExec: MaybeSendSync {
    /// Rows of a query.
    async fn query(&self, statement: Statement) -> Result<Vec<Row>>;
    /// Run statements atomically (all or none); the rows each one changed.
    async fn execute(&self, statements: Vec<Statement>) -> Result<Vec<u64>>;
}

/// [`Store`] over SQL, with the keyring that seals app secrets.
pub struct SqlStore {
    db: Arc<dyn SqlExec>,
    keyring: Option<Keyring>,
}

impl SqlStore {
    /// A store on `db`. Without a keyring, reading an app that has secrets fails with
    /// [`crate::secrets::SecretError::NoKey`] and registering one is refused.
    pub fn new(db: Arc<dyn SqlExec>, keyring: Option<Keyring>) -> Self {
        Self { db, keyring }
    }

    fn keyring(&self) -> Result<&Keyring> {
        self.keyring
            .as_ref()
            .ok_or(StoreError::Secret(crate::secrets::SecretError::NoKey))
    }

    async fn one(&self, statement: Statement) -> Result<Option<Row>> {
        Ok(self.db.query(statement).await?.into_iter().next())
    }
}

fn text(row: &Row, column: &str) -> Option<String> {
    row.get(column).and_then(Value::as_str).map(str::to_owned)
}

fn autosend_switch(row: &Row) -> Result<AutosendSwitch> {
    const T: &str = "autosend";
    Ok(AutosendSwitch {
        app_id: required(row, T, "app_id")?,
        category: required(row, T, "category")?,
        enabled: int(row, "enabled") == Some(1),
        changed_by: required(row, T, "changed_by")?,
        changed_at_ms: int(row, "changed_at").unwrap_or(0),
        reason: text(row, "reason"),
    })
}

fn int(row: &Row, column: &str) -> Option<i64> {
    // D1 hands numbers over as JavaScript numbers.
    row.get(column)
        .and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)))
}

fn json_col<T: DeserializeOwned>(row: &Row, table: &'static str, column: &str) -> Result<T> {
    let raw = text(row, column).unwrap_or_else(|| "null".into());
    serde_json::from_str(&raw).map_err(|e| StoreError::Corrupt {
        table,
        detail: format!("{column}: {e}"),
    })
}

fn status(row: &Row, table: &'static str) -> Result<ActionStatus> {
    text(row, "status")
        .as_deref()
        .and_then(ActionStatus::parse)
        .ok_or_else(|| StoreError::Corrupt {
            table,
            detail: "status".into(),
        })
}

fn required(row: &Row, table: &'static str, column: &str) -> Result<String> {
    text(row, column).ok_or_else(|| StoreError::Corrupt {
        table,
        detail: format!("{column} is missing"),
    })
}

fn to_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

/// An open bound for integer ranges that survives D1's trip through a JavaScript number
/// (`Number.MAX_SAFE_INTEGER`).
const MAX_SAFE_INT: i64 = 9_007_199_254_740_991;

/// The columns [`action_from`] reads, for `concat!` into statements.
macro_rules! action_columns {
    () => {
        "id, app_id, conversation_id, run_id, reply, proposals, args_hash, draft_id, context, status, \
         executor, result, error, created_at, updated_at"
    };
}

fn action_from(row: &Row) -> Result<ActionRecord> {
    const T: &str = "actions";
    Ok(ActionRecord {
        id: required(row, T, "id")?,
        app_id: required(row, T, "app_id")?,
        conversation_id: required(row, T, "conversation_id")?,
        run_id: required(row, T, "run_id")?,
        reply: text(row, "reply").unwrap_or_default(),
        proposals: json_col(row, T, "proposals")?,
        args_hash: required(row, T, "args_hash")?,
        draft_id: text(row, "draft_id"),
        context: json_col(row, T, "context")?,
        status: status(row, T)?,
        executor: text(row, "executor"),
        result: text(row, "result").and_then(|r| serde_json::from_str(&r).ok()),
        error: text(row, "error"),
        created_at: int(row, "created_at").unwrap_or_default(),
        updated_at: int(row, "updated_at").unwrap_or_default(),
    })
}

fn approval_from(row: &Row) -> Result<ApprovalRecord> {
    const T: &str = "approvals";
    Ok(ApprovalRecord {
        action_id: required(row, T, "action_id")?,
        app_id: required(row, T, "app_id")?,
        args_hash: required(row, T, "args_hash")?,
        status: status(row, T)?,
        expires_at: int(row, "expires_at").unwrap_or_default(),
        decided_by: text(row, "decided_by"),
        decided_at: int(row, "decided_at"),
        reason: text(row, "reason"),
        edited_reply: text(row, "edited_reply"),
        slack: text(row, "slack").and_then(|s| serde_json::from_str(&s).ok()),
        created_at: int(row, "created_at").unwrap_or_default(),
    })
}

fn audit_from(row: &Row) -> Result<AuditEntry> {
    const T: &str = "audit_log";
    let kind: AuditKind = serde_json::from_value(Value::String(required(row, T, "kind")?))
        .map_err(|e| StoreError::Corrupt {
            table: T,
            detail: format!("kind: {e}"),
        })?;
    Ok(AuditEntry {
        id: required(row, T, "id")?,
        at_ms: int(row, "at_ms").unwrap_or_default(),
        app_id: text(row, "app_id"),
        conversation_id: text(row, "conversation_id"),
        run_id: text(row, "run_id"),
        action_id: text(row, "action_id"),
        kind,
        name: required(row, T, "name")?,
        input: json_col(row, T, "input")?,
        output: text(row, "output").and_then(|o| serde_json::from_str(&o).ok()),
        error: text(row, "error"),
        duration_ms: int(row, "duration_ms"),
        usage: text(row, "usage").and_then(|u| serde_json::from_str(&u).ok()),
        sensitive: text(row, "sensitive").and_then(|v| serde_json::from_str(&v).ok()),
        sensitive_until: int(row, "sensitive_until"),
    })
}

fn token_from(row: &Row) -> Result<ApiToken> {
    const T: &str = "api_tokens";
    Ok(ApiToken {
        id: required(row, T, "id")?,
        slack_user_id: required(row, T, "slack_user_id")?,
        apps: json_col(row, T, "apps")?,
        label: text(row, "label").unwrap_or_default(),
        created_at: int(row, "created_at").unwrap_or_default(),
        revoked_at: int(row, "revoked_at"),
    })
}

fn candidate_from(row: &Row) -> Result<Candidate> {
    const T: &str = "knowledge_candidates";
    Ok(Candidate {
        id: required(row, T, "id")?,
        app_id: required(row, T, "app_id")?,
        action_id: required(row, T, "action_id")?,
        conversation_id: required(row, T, "conversation_id")?,
        question: required(row, T, "question")?,
        answer: required(row, T, "answer")?,
        edited: int(row, "edited").unwrap_or(0) != 0,
        faq_id: text(row, "faq_id"),
        created_at: int(row, "created_at").unwrap_or_default(),
    })
}

fn faq_from(row: &Row) -> Result<FaqEntry> {
    const T: &str = "knowledge_faqs";
    let status: String = required(row, T, "status")?;
    Ok(FaqEntry {
        id: required(row, T, "id")?,
        app_id: required(row, T, "app_id")?,
        question: required(row, T, "question")?,
        answer: required(row, T, "answer")?,
        status: FaqStatus::parse(&status).ok_or_else(|| StoreError::Corrupt {
            table: T,
            detail: format!("status {status:?}"),
        })?,
        candidate_ids: json_col(row, T, "candidate_ids")?,
        created_at: int(row, "created_at").unwrap_or_default(),
        decided_by: text(row, "decided_by"),
        decided_at: int(row, "decided_at"),
        reason: text(row, "reason"),
    })
}

fn person_from(row: &Row) -> Result<Person> {
    const T: &str = "user";
    let role: String = required(row, T, "role")?;
    let date = |c: &str| text(row, c).and_then(|t| unix_ms(&t)).unwrap_or_default();
    Ok(Person {
        id: required(row, T, "id")?,
        name: required(row, T, "name")?,
        email: required(row, T, "email")?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt {
            table: T,
            detail: format!("role {role:?}"),
        })?,
        slack_user_id: text(row, "slackUserId"),
        created_at: date("createdAt"),
        updated_at: date("updatedAt"),
    })
}

const SECRET_SDK: &str = "sdk_secrets";
const SECRET_STRIPE: &str = "stripe_account_id";

/// A decision approves or rejects (an expiry and a supersession have their own writes).
fn check_decision(decision: &Decision) -> Result<()> {
    if matches!(
        decision.status,
        ActionStatus::Approved | ActionStatus::Rejected
    ) {
        Ok(())
    } else {
        Err(StoreError::Invalid("a decision approves or rejects".into()))
    }
}

/// The conditional update that records a decision: only a pending, unexpired approval
/// with the same arguments hash takes it.
fn decide_statement(action_id: &str, decision: &Decision) -> Statement {
    Statement::new(
        "UPDATE approvals SET status = ?2, decided_by = ?3, decided_at = ?4, reason = ?5, edited_reply = ?6 \
         WHERE action_id = ?1 AND status = 'pending' AND expires_at > ?4 AND args_hash = ?7",
        vec![
            action_id.into(),
            decision.status.as_str().into(),
            decision.by.as_str().into(),
            decision.at.into(),
            decision.reason.clone().into(),
            decision.edited_reply.clone().into(),
            decision.args_hash.as_str().into(),
        ],
    )
}

/// An audit row's 15 values, in the column order of `sql`.
fn audit_statement(e: &AuditEntry, sql: &'static str) -> Statement {
    Statement::new(
        sql,
        vec![
            e.id.as_str().into(),
            e.at_ms.into(),
            e.app_id.clone().into(),
            e.conversation_id.clone().into(),
            e.run_id.clone().into(),
            e.action_id.clone().into(),
            e.kind.as_str().into(),
            e.name.as_str().into(),
            to_json(&e.input).into(),
            e.output.as_ref().map(to_json).into(),
            e.error.clone().into(),
            e.duration_ms.into(),
            e.usage.as_ref().map(to_json).into(),
            e.sensitive.as_ref().map(to_json).into(),
            e.sensitive_until.into(),
        ],
    )
}

impl SqlStore {
    /// Why a decision did not take: read the approval as it is now.
    async fn not_decided(&self, action_id: &str, decision: &Decision) -> Result<DecideOutcome> {
        let Some(record) = self.approval(action_id).await? else {
            return Ok(DecideOutcome::NotFound);
        };
        if record.status == ActionStatus::Pending && record.expires_at <= decision.at
            || record.status == ActionStatus::Expired
        {
            return Ok(DecideOutcome::Expired(record));
        }
        if record.status == ActionStatus::Pending && record.args_hash != decision.args_hash {
            return Ok(DecideOutcome::ArgumentsChanged);
        }
        Ok(DecideOutcome::AlreadyDecided(record))
    }
}

#[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
#[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
impl Store for SqlStore {
    async fn app(&self, slug: &str) -> Result<Option<AppConfig>> {
        let Some(row) = self
            .one(Statement::new(
                "SELECT id, slug, name, front_inbox_id, integration_url, settings FROM apps WHERE slug = ?1",
                vec![slug.into()],
            ))
            .await?
        else {
            return Ok(None);
        };
        const T: &str = "apps";
        let id = required(&row, T, "id")?;
        let secrets = self
            .db
            .query(Statement::new(
                "SELECT name, sealed FROM app_secrets WHERE app_id = ?1",
                vec![id.as_str().into()],
            ))
            .await?;
        let mut sdk_secrets = Vec::new();
        let mut stripe_account_id = None;
        for secret in &secrets {
            let name = required(secret, "app_secrets", "name")?;
            let sealed = required(secret, "app_secrets", "sealed")?;
            let opened = self.keyring()?.open(&id, &name, &sealed)?;
            match name.as_str() {
                SECRET_SDK => {
                    sdk_secrets =
                        serde_json::from_str(&opened).map_err(|_| StoreError::Corrupt {
                            table: "app_secrets",
                            detail: "sdk_secrets is not a JSON array".into(),
                        })?
                }
                SECRET_STRIPE => stripe_account_id = Some(opened),
                _ => {}
            }
        }
        Ok(Some(AppConfig {
            slug: required(&row, T, "slug")?,
            name: required(&row, T, "name")?,
            front_inbox_id: text(&row, "front_inbox_id"),
            integration_url: required(&row, T, "integration_url")?,
            settings: json_col(&row, T, "settings")?,
            id,
            sdk_secrets,
            stripe_account_id,
        }))
    }

    async fn remove_app(&self, slug: &str) -> Result<bool> {
        let changed = self
            .db
            .execute(vec![
                Statement::new(
                    "DELETE FROM app_secrets WHERE app_id IN (SELECT id FROM apps WHERE slug = ?1)",
                    vec![slug.into()],
                ),
                Statement::new("DELETE FROM apps WHERE slug = ?1", vec![slug.into()]),
            ])
            .await?;
        Ok(changed.get(1).copied().unwrap_or(0) > 0)
    }

    async fn put_app(&self, app: &AppRegistration, now_ms: i64) -> Result<()> {
        if app.sdk_secrets.is_empty() || app.sdk_secrets.iter().any(String::is_empty) {
            return Err(StoreError::Invalid(
                "an app needs at least one non-empty SDK secret".into(),
            ));
        }
        let keyring = self.keyring()?;
        let mut statements = vec![Statement::new(
            "INSERT INTO apps (id, slug, name, front_inbox_id, integration_url, settings, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) ON CONFLICT(id) DO UPDATE SET slug = excluded.slug, \
             name = excluded.name, front_inbox_id = excluded.front_inbox_id, \
             integration_url = excluded.integration_url, settings = excluded.settings, updated_at = excluded.updated_at",
            vec![
                app.id.as_str().into(),
                app.slug.as_str().into(),
                app.name.as_str().into(),
                app.front_inbox_id.clone().into(),
                app.integration_url.as_str().into(),
                to_json(&app.settings).into(),
                now_ms.into(),
            ],
        )];
        let mut secrets = vec![(SECRET_SDK, to_json(&app.sdk_secrets))];
        match &app.stripe_account_id {
            Some(account) => secrets.push((SECRET_STRIPE, account.clone())),
            None => statements.push(Statement::new(
                "DELETE FROM app_secrets WHERE app_id = ?1 AND name = ?2",
                vec![app.id.as_str().into(), SECRET_STRIPE.into()],
            )),
        }
        for (name, value) in secrets {
            let sealed = keyring.seal(&app.id, name, &value)?;
            statements.push(Statement::new(
                "INSERT INTO app_secrets (app_id, name, key_id, sealed, updated_at) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT(app_id, name) DO UPDATE SET key_id = excluded.key_id, sealed = excluded.sealed, \
                 updated_at = excluded.updated_at",
                vec![
                    app.id.as_str().into(),
                    name.into(),
                    keyring.current_id().into(),
                    sealed.into(),
                    now_ms.into(),
                ],
            ));
        }
        self.db.execute(statements).await?;
        Ok(())
    }

    async fn insert_action(&self, action: &ActionRecord) -> Result<ActionRecord> {
        self.db
            .execute(vec![Statement::new(
                "INSERT INTO actions (id, app_id, conversation_id, run_id, reply, proposals, args_hash, draft_id, \
                 context, status, executor, result, error, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?15, ?11, ?12, ?13, ?14) ON CONFLICT(id) DO NOTHING",
                vec![
                    action.id.as_str().into(),
                    action.app_id.as_str().into(),
                    action.conversation_id.as_str().into(),
                    action.run_id.as_str().into(),
                    action.reply.as_str().into(),
                    to_json(&action.proposals).into(),
                    action.args_hash.as_str().into(),
                    action.draft_id.clone().into(),
                    to_json(&action.context).into(),
                    action.status.as_str().into(),
                    action.result.as_ref().map(to_json).into(),
                    action.error.clone().into(),
                    action.created_at.into(),
                    action.updated_at.into(),
                    action.executor.clone().into(),
                ],
            )])
            .await?;
        self.action(&action.id)
            .await?
            .ok_or_else(|| StoreError::Database("the action vanished after its insert".into()))
    }

    async fn action(&self, id: &str) -> Result<Option<ActionRecord>> {
        self.one(Statement::new(
            "SELECT id, app_id, conversation_id, run_id, reply, proposals, args_hash, draft_id, context, status, \
             executor, result, error, created_at, updated_at FROM actions WHERE id = ?1",
            vec![id.into()],
        ))
        .await?
        .as_ref()
        .map(action_from)
        .transpose()
    }

    async fn set_action_draft(&self, id: &str, draft_id: Option<&str>, now_ms: i64) -> Result<()> {
        self.db
            .execute(vec![Statement::new(
                "UPDATE actions SET draft_id = ?2, updated_at = ?3 WHERE id = ?1",
                vec![id.into(), draft_id.into(), now_ms.into()],
            )])
            .await?;
        Ok(())
    }

    async fn transition_action(
        &self,
        id: &str,
        from: &[ActionStatus],
        to: ActionStatus,
        result: Option<&Value>,
        error: Option<&str>,
        now_ms: i64,
    ) -> Result<bool> {
        let from: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
        let changed = self
            .db
            .execute(vec![Statement::new(
                "UPDATE actions SET status = ?2, result = COALESCE(?3, result), error = ?4, updated_at = ?5 \
                 WHERE id = ?1 AND status IN (SELECT value FROM json_each(?6))",
                vec![
                    id.into(),
                    to.as_str().into(),
                    result.map(to_json).into(),
                    error.into(),
                    now_ms.into(),
                    to_json(&from).into(),
                ],
            )])
            .await?;
        Ok(changed.first().copied().unwrap_or(0) > 0)
    }

    async fn pending_actions(
        &self,
        apps: Option<&[String]>,
        limit: u32,
    ) -> Result<Vec<ActionRecord>> {
        self.db
            .query(Statement::new(
                "SELECT id, app_id, conversation_id, run_id, reply, proposals, args_hash, draft_id, context, status, \
                 executor, result, error, created_at, updated_at FROM actions \
                 WHERE status = 'pending' AND (?1 IS NULL OR app_id IN (SELECT value FROM json_each(?1))) \
                 ORDER BY created_at LIMIT ?2",
                vec![apps.map(|a| to_json(&a)).into(), i64::from(limit).into()],
            ))
            .await?
            .iter()
            .map(action_from)
            .collect()
    }

    async fn pending_actions_of(&self, conversation_id: &str) -> Result<Vec<ActionRecord>> {
        self.db
            .query(Statement::new(
                "SELECT id, app_id, conversation_id, run_id, reply, proposals, args_hash, draft_id, context, status, \
                 executor, result, error, created_at, updated_at FROM actions \
                 WHERE conversation_id = ?1 AND status = 'pending' ORDER BY created_at",
                vec![conversation_id.into()],
            ))
            .await?
            .iter()
            .map(action_from)
            .collect()
    }

    async fn claim_action(&self, id: &str, run_id: &str, now_ms: i64) -> Result<ActionClaim> {
        // One conditional update: of concurrent executions, one moves it to executing;
        // the same execution retried finds it held by itself.
        self.db
            .execute(vec![Statement::new(
                "UPDATE actions SET status = 'executing', executor = ?2, updated_at = ?3 \
                 WHERE id = ?1 AND (status = 'approved' OR (status = 'executing' AND executor = ?2))",
                vec![id.into(), run_id.into(), now_ms.into()],
            )])
            .await?;
        Ok(match self.action(id).await? {
            None => ActionClaim::NotFound,
            Some(action)
                if action.status == ActionStatus::Executing
                    && action.executor.as_deref() == Some(run_id) =>
            {
                ActionClaim::Claimed(action)
            }
            Some(action) => ActionClaim::Refused(action),
        })
    }

    async fn create_approval(&self, approval: &ApprovalRecord) -> Result<ApprovalRecord> {
        self.db
            .execute(vec![Statement::new(
                "INSERT INTO approvals (action_id, app_id, args_hash, status, expires_at, slack, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(action_id) DO NOTHING",
                vec![
                    approval.action_id.as_str().into(),
                    approval.app_id.as_str().into(),
                    approval.args_hash.as_str().into(),
                    approval.status.as_str().into(),
                    approval.expires_at.into(),
                    approval.slack.as_ref().map(to_json).into(),
                    approval.created_at.into(),
                ],
            )])
            .await?;
        self.approval(&approval.action_id)
            .await?
            .ok_or_else(|| StoreError::Database("the approval vanished after its insert".into()))
    }

    async fn approval(&self, action_id: &str) -> Result<Option<ApprovalRecord>> {
        self.one(Statement::new(
            "SELECT action_id, app_id, args_hash, status, expires_at, decided_by, decided_at, reason, edited_reply, \
             slack, created_at FROM approvals WHERE action_id = ?1",
            vec![action_id.into()],
        ))
        .await?
        .as_ref()
        .map(approval_from)
        .transpose()
    }

    async fn decide(&self, action_id: &str, decision: &Decision) -> Result<DecideOutcome> {
        check_decision(decision)?;
        // One conditional update: of concurrent deciders, exactly one changes the row.
        let changed = self
            .db
            .execute(vec![decide_statement(action_id, decision)])
            .await?;
        if changed.first().copied().unwrap_or(0) > 0 {
            return match self.approval(action_id).await? {
                Some(record) => Ok(DecideOutcome::Decided(record)),
                None => Ok(DecideOutcome::NotFound),
            };
        }
        self.not_decided(action_id, decision).await
    }

    async fn decide_with_audit(
        &self,
        pending: &ApprovalRecord,
        decision: &Decision,
        audit: &AuditEntry,
    ) -> Result<DecideOutcome> {
        check_decision(decision)?;
        // The audit row follows the update in the same batch, written only when the
        // update changed the row (`changes()`: the statement just before, in SQLite and,
        // rewritten as ROW_COUNT(), in MySQL).
        let changed = self
            .db
            .execute(vec![
                decide_statement(&pending.action_id, decision),
                audit_statement(
                    audit,
                    "INSERT INTO audit_log (id, at_ms, app_id, conversation_id, run_id, action_id, kind, name, input, \
                     output, error, duration_ms, usage, sensitive, sensitive_until) \
                     SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15 WHERE changes() > 0 \
                     ON CONFLICT(id) DO NOTHING",
                ),
            ])
            .await?;
        if changed.first().copied().unwrap_or(0) > 0 {
            let mut record = pending.clone();
            record.status = decision.status;
            record.decided_by = Some(decision.by.clone());
            record.decided_at = Some(decision.at);
            record.reason = decision.reason.clone();
            record.edited_reply = decision.edited_reply.clone();
            return Ok(DecideOutcome::Decided(record));
        }
        self.not_decided(&pending.action_id, decision).await
    }

    async fn expire_approval(&self, action_id: &str, now_ms: i64) -> Result<bool> {
        let changed = self
            .db
            .execute(vec![Statement::new(
                "UPDATE approvals SET status = 'expired', decided_at = ?2 WHERE action_id = ?1 AND status = 'pending'",
                vec![action_id.into(), now_ms.into()],
            )])
            .await?;
        Ok(changed.first().copied().unwrap_or(0) > 0)
    }

    async fn supersede(&self, action_id: &str, reason: &str, now_ms: i64) -> Result<bool> {
        // Both rows in one batch, each only from pending: a decision that won the race
        // keeps its approval and its action as they are.
        let changed = self
            .db
            .execute(vec![
                Statement::new(
                    "UPDATE approvals SET status = 'superseded', decided_by = 'system', decided_at = ?2, reason = ?3 \
                     WHERE action_id = ?1 AND status = 'pending'",
                    vec![action_id.into(), now_ms.into(), reason.into()],
                ),
                Statement::new(
                    "UPDATE actions SET status = 'superseded', error = ?3, updated_at = ?2 \
                     WHERE id = ?1 AND status = 'pending' \
                     AND NOT EXISTS (SELECT 1 FROM approvals WHERE action_id = ?1 AND status <> 'superseded')",
                    vec![action_id.into(), now_ms.into(), reason.into()],
                ),
            ])
            .await?;
        Ok(changed.first().copied().unwrap_or(0) > 0 || changed.get(1).copied().unwrap_or(0) > 0)
    }

    async fn set_approval_slack(&self, action_id: &str, slack: &Value) -> Result<()> {
        self.db
            .execute(vec![Statement::new(
                "UPDATE approvals SET slack = ?2 WHERE action_id = ?1",
                vec![action_id.into(), to_json(slack).into()],
            )])
            .await?;
        Ok(())
    }

    async fn audit(&self, entries: &[AuditEntry]) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let statements = entries
            .iter()
            .map(|e| {
                audit_statement(
                    e,
                    "INSERT INTO audit_log (id, at_ms, app_id, conversation_id, run_id, action_id, kind, name, input, \
                     output, error, duration_ms, usage, sensitive, sensitive_until) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15) \
                     ON CONFLICT(id) DO NOTHING",
                )
            })
            .collect();
        self.db.execute(statements).await?;
        Ok(())
    }

    async fn audit_trail(&self, filter: AuditFilter<'_>) -> Result<Vec<AuditEntry>> {
        let (sql, key): (&'static str, &str) = match filter {
            AuditFilter::Conversation(id) => (
                "SELECT * FROM audit_log WHERE conversation_id = ?1 ORDER BY at_ms, id",
                id,
            ),
            AuditFilter::Action(id) => (
                "SELECT * FROM audit_log WHERE action_id = ?1 ORDER BY at_ms, id",
                id,
            ),
            AuditFilter::Run(id) => (
                "SELECT * FROM audit_log WHERE run_id = ?1 ORDER BY at_ms, id",
                id,
            ),
        };
        self.db
            .query(Statement::new(sql, vec![key.into()]))
            .await?
            .iter()
            .map(audit_from)
            .collect()
    }

    async fn scrub_audit(&self, now_ms: i64) -> Result<u64> {
        let changed = self
            .db
            .execute(vec![Statement::new(
                "UPDATE audit_log SET sensitive = NULL WHERE sensitive IS NOT NULL AND sensitive_until <= ?1",
                vec![now_ms.into()],
            )])
            .await?;
        Ok(changed.first().copied().unwrap_or(0))
    }

    async fn retain(&self, batch: RetentionBatch<'_>) -> Result<Retained> {
        use support_core::retention::Rule;
        let mut retained = Retained::default();
        let (rules, session_cutoff) = match crate::retention::statements(batch.rule) {
            Some(rule) => (vec![rule], None),
            // Sessions keep ISO-8601 text; the cache keeps milliseconds.
            None => (
                crate::retention::EXPIRED.into_iter().collect(),
                Some(iso(batch.cutoff_ms)),
            ),
        };
        for (i, rule) in rules.iter().enumerate() {
            let cutoff: Param = match (&session_cutoff, i) {
                (Some(iso), 1) => iso.as_str().into(),
                _ => batch.cutoff_ms.into(),
            };
            let app: Param = if matches!(
                batch.rule,
                Rule::DeleteDeadLetters | Rule::DeleteLedger | Rule::DeleteExpired
            ) {
                Param::Null
            } else {
                batch.app.map(str::to_owned).into()
            };
            if batch.dry_run {
                let row = self
                    .one(Statement::new(rule.count, vec![app, cutoff]))
                    .await?;
                retained.count += row.and_then(|r| int(&r, "n")).unwrap_or(0) as u64;
                continue;
            }
            let ids: Vec<String> = self
                .db
                .query(Statement::new(
                    rule.select,
                    vec![app, cutoff, i64::from(batch.limit).into()],
                ))
                .await?
                .iter()
                .filter_map(|row| text(row, "id"))
                .collect();
            if ids.is_empty() {
                continue;
            }
            let json_ids = to_json(&ids);
            self.db
                .execute(
                    rule.apply
                        .iter()
                        .map(|sql| {
                            // SQLite refuses parameters a statement does not use.
                            let mut params = vec![json_ids.as_str().into(), batch.now_ms.into()];
                            params.truncate(if sql.contains("?2") { 2 } else { 1 });
                            Statement::new(sql, params)
                        })
                        .collect(),
                )
                .await?;
            retained.count += ids.len() as u64;
            retained.ids.extend(ids);
        }
        Ok(retained)
    }

    async fn record_outcome(&self, o: &OutcomeRecord) -> Result<bool> {
        let (kind, edit) = o.outcome.parts();
        let edit = edit.map(|e| e.as_str().to_owned());
        let insert = Statement::new(
            "INSERT INTO outcomes (action_id, app_id, category, conversation_id, kind, edit, received_at, drafted_at, at_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT(action_id) DO NOTHING",
            vec![
                o.action_id.as_str().into(),
                o.app_id.as_str().into(),
                o.category.as_str().into(),
                o.conversation_id.as_str().into(),
                kind.into(),
                edit.clone().into(),
                o.received_at_ms.into(),
                o.drafted_at_ms.into(),
                o.at_ms.into(),
            ],
        );
        let mut batch = vec![insert];
        if !matches!(o.outcome, Outcome::Pending | Outcome::NoDraft) {
            // A waiting draft takes its outcome; any other outcome stays (the first wins).
            // `no_draft` never replaces a draft's row (a card that could not post).
            batch.push(Statement::new(
                "UPDATE outcomes SET kind = ?2, edit = ?3, at_ms = ?4, category = ?5, \
                 received_at = COALESCE(received_at, ?6), drafted_at = COALESCE(drafted_at, ?7) \
                 WHERE action_id = ?1 AND kind = 'pending'",
                vec![
                    o.action_id.as_str().into(),
                    kind.into(),
                    edit.into(),
                    o.at_ms.into(),
                    o.category.as_str().into(),
                    o.received_at_ms.into(),
                    o.drafted_at_ms.into(),
                ],
            ));
        }
        let changed = self.db.execute(batch).await?;
        Ok(changed.iter().sum::<u64>() > 0)
    }

    async fn outcomes(
        &self,
        app_id: &str,
        category: Option<&str>,
        since_ms: i64,
    ) -> Result<Vec<OutcomeRecord>> {
        const T: &str = "outcomes";
        let rows = self
            .db
            .query(Statement::new(
                "SELECT action_id, app_id, category, conversation_id, kind, edit, received_at, drafted_at, at_ms \
                 FROM outcomes WHERE app_id = ?1 AND (?2 IS NULL OR category = ?2) AND at_ms >= ?3 \
                 ORDER BY at_ms, action_id",
                vec![app_id.into(), category.map(str::to_owned).into(), since_ms.into()],
            ))
            .await?;
        rows.iter()
            .map(|row| {
                let corrupt = |detail: String| StoreError::Corrupt { table: T, detail };
                let edit = match text(row, "edit") {
                    None => None,
                    Some(name) => {
                        Some(Edit::parse(&name).ok_or_else(|| corrupt(format!("edit {name:?}")))?)
                    }
                };
                let kind = required(row, T, "kind")?;
                let outcome = Outcome::from_parts(&kind, edit)
                    .ok_or_else(|| corrupt(format!("kind {kind:?} with edit {edit:?}")))?;
                Ok(OutcomeRecord {
                    action_id: required(row, T, "action_id")?,
                    app_id: required(row, T, "app_id")?,
                    category: required(row, T, "category")?,
                    conversation_id: required(row, T, "conversation_id")?,
                    outcome,
                    received_at_ms: int(row, "received_at"),
                    drafted_at_ms: int(row, "drafted_at"),
                    at_ms: int(row, "at_ms").unwrap_or(0),
                })
            })
            .collect()
    }

    async fn record_correction(&self, c: &Correction) -> Result<bool> {
        let changed = self
            .db
            .execute(vec![Statement::new(
                "INSERT INTO corrections (id, app_id, category, kind, question, draft, corrected, reason, at_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT(id) DO NOTHING",
                vec![
                    c.id.as_str().into(),
                    c.app_id.as_str().into(),
                    c.category.as_str().into(),
                    c.kind.as_str().into(),
                    c.question.as_str().into(),
                    c.draft.as_str().into(),
                    c.corrected.clone().into(),
                    c.reason.clone().into(),
                    c.at_ms.into(),
                ],
            )])
            .await?;
        Ok(changed.first().copied().unwrap_or(0) > 0)
    }

    async fn corrections(
        &self,
        app_id: &str,
        since_ms: i64,
        limit: u32,
    ) -> Result<Vec<Correction>> {
        const T: &str = "corrections";
        let rows = self
            .db
            .query(Statement::new(
                "SELECT id, app_id, category, kind, question, draft, corrected, reason, at_ms FROM corrections \
                 WHERE app_id = ?1 AND at_ms >= ?2 ORDER BY at_ms DESC, id LIMIT ?3",
                vec![app_id.into(), since_ms.into(), i64::from(limit).into()],
            ))
            .await?;
        rows.iter()
            .map(|row| {
                let kind = required(row, T, "kind")?;
                Ok(Correction {
                    id: required(row, T, "id")?,
                    app_id: required(row, T, "app_id")?,
                    category: required(row, T, "category")?,
                    kind: CorrectionKind::parse(&kind).ok_or_else(|| StoreError::Corrupt {
                        table: T,
                        detail: format!("kind {kind:?}"),
                    })?,
                    question: required(row, T, "question")?,
                    draft: required(row, T, "draft")?,
                    corrected: text(row, "corrected"),
                    reason: text(row, "reason"),
                    at_ms: int(row, "at_ms").unwrap_or(0),
                })
            })
            .collect()
    }

    async fn autosend_switches(&self, app_id: &str) -> Result<Vec<AutosendSwitch>> {
        let rows = self
            .db
            .query(Statement::new(
                "SELECT app_id, category, enabled, changed_by, changed_at, reason FROM autosend \
                 WHERE app_id = ?1 ORDER BY category",
                vec![app_id.into()],
            ))
            .await?;
        rows.iter().map(autosend_switch).collect()
    }

    async fn set_autosend(&self, switch: &AutosendSwitch) -> Result<bool> {
        let params: Vec<Param> = vec![
            switch.app_id.as_str().into(),
            switch.category.as_str().into(),
            i64::from(switch.enabled).into(),
            switch.changed_by.as_str().into(),
            switch.changed_at_ms.into(),
            switch.reason.clone().into(),
        ];
        // Written only when the position changes: who switched it last stays otherwise.
        let changed = self
            .db
            .execute(vec![
                Statement::new(
                    "INSERT INTO autosend (app_id, category, enabled, changed_by, changed_at, reason) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(app_id, category) DO NOTHING",
                    params.clone(),
                ),
                Statement::new(
                    "UPDATE autosend SET enabled = ?3, changed_by = ?4, changed_at = ?5, reason = ?6 \
                     WHERE app_id = ?1 AND category = ?2 AND enabled <> ?3",
                    params,
                ),
            ])
            .await?;
        Ok(changed.iter().sum::<u64>() > 0)
    }

    async fn autosend_off_everywhere(
        &self,
        by: &str,
        reason: &str,
        at_ms: i64,
    ) -> Result<Vec<AutosendSwitch>> {
        let on = self
            .db
            .query(Statement::new(
                "SELECT app_id, category, enabled, changed_by, changed_at, reason FROM autosend \
                 WHERE enabled = 1 ORDER BY app_id, category",
                vec![],
            ))
            .await?;
        let mut off = Vec::new();
        for row in &on {
            let mut switch = autosend_switch(row)?;
            switch.enabled = false;
            switch.changed_by = by.to_owned();
            switch.changed_at_ms = at_ms;
            switch.reason = Some(reason.to_owned());
            if self.set_autosend(&switch).await? {
                off.push(switch);
            }
        }
        Ok(off)
    }

    async fn ledger(&self, key: &str) -> Result<LedgerState> {
        let row = self
            .one(Statement::new(
                "SELECT state, result FROM idempotency_ledger WHERE key = ?1",
                vec![key.into()],
            ))
            .await?;
        Ok(match row {
            None => LedgerState::New,
            Some(row) if text(&row, "state").as_deref() == Some("completed") => {
                LedgerState::Completed {
                    result: json_col(&row, "idempotency_ledger", "result")?,
                }
            }
            Some(_) => LedgerState::Started,
        })
    }

    async fn ledger_claim(
        &self,
        key: &str,
        action_id: &str,
        owner: &str,
        now_ms: i64,
    ) -> Result<LedgerClaim> {
        let changed = self
            .db
            .execute(vec![Statement::new(
                "INSERT INTO idempotency_ledger (key, action_id, state, owner, updated_at) \
                 VALUES (?1, ?2, 'started', ?3, ?4) ON CONFLICT(key) DO NOTHING",
                vec![key.into(), action_id.into(), owner.into(), now_ms.into()],
            )])
            .await?;
        if changed.first().copied().unwrap_or(0) > 0 {
            return Ok(LedgerClaim::Claimed);
        }
        let row = self
            .one(Statement::new(
                "SELECT state, result, owner FROM idempotency_ledger WHERE key = ?1",
                vec![key.into()],
            ))
            .await?
            .ok_or_else(|| {
                StoreError::Database("the ledger entry vanished after its insert".into())
            })?;
        Ok(
            match (text(&row, "state").as_deref(), text(&row, "owner")) {
                (Some("completed"), _) => LedgerClaim::Completed {
                    result: json_col(&row, "idempotency_ledger", "result")?,
                },
                (_, Some(holder)) if holder != owner => LedgerClaim::HeldBy { owner: holder },
                _ => LedgerClaim::Resumed,
            },
        )
    }

    async fn ledger_complete(&self, key: &str, result: &Value, now_ms: i64) -> Result<()> {
        self.db
            .execute(vec![Statement::new(
                "UPDATE idempotency_ledger SET state = 'completed', result = ?2, updated_at = ?3 WHERE key = ?1",
                vec![key.into(), to_json(result).into(), now_ms.into()],
            )])
            .await?;
        Ok(())
    }

    async fn create_api_token(&self, token: &ApiToken, token_hash: &str) -> Result<()> {
        if token.apps.is_empty() || token.slack_user_id.trim().is_empty() {
            return Err(StoreError::Invalid(
                "a token needs a person (Slack user id) and at least one app".into(),
            ));
        }
        self.db
            .execute(vec![Statement::new(
                "INSERT INTO api_tokens (id, token_hash, slack_user_id, apps, label, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                vec![
                    token.id.as_str().into(),
                    token_hash.into(),
                    token.slack_user_id.as_str().into(),
                    to_json(&token.apps).into(),
                    token.label.as_str().into(),
                    token.created_at.into(),
                ],
            )])
            .await?;
        Ok(())
    }

    async fn api_token(&self, token_hash: &str) -> Result<Option<ApiToken>> {
        self.one(Statement::new(
            "SELECT id, slack_user_id, apps, label, created_at, revoked_at FROM api_tokens \
             WHERE token_hash = ?1 AND revoked_at IS NULL",
            vec![token_hash.into()],
        ))
        .await?
        .as_ref()
        .map(token_from)
        .transpose()
    }

    async fn api_tokens(&self) -> Result<Vec<ApiToken>> {
        self.db
            .query(Statement::new(
                "SELECT id, slack_user_id, apps, label, created_at, revoked_at FROM api_tokens \
                 ORDER BY created_at DESC, id",
                vec![],
            ))
            .await?
            .iter()
            .map(token_from)
            .collect()
    }

    async fn revoke_api_token(&self, id: &str, now_ms: i64) -> Result<bool> {
        let changed = self
            .db
            .execute(vec![Statement::new(
                "UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                vec![id.into(), now_ms.into()],
            )])
            .await?;
        Ok(changed.first().copied().unwrap_or(0) > 0)
    }

    async fn cache_get(&self, key: &str, now_ms: i64) -> Result<Option<String>> {
        Ok(self
            .one(Statement::new(
                "SELECT value FROM platform_cache WHERE key = ?1 AND (expires_at IS NULL OR expires_at > ?2)",
                vec![key.into(), now_ms.into()],
            ))
            .await?
            .and_then(|row| text(&row, "value")))
    }

    async fn add_candidate(&self, c: &Candidate) -> Result<bool> {
        let changed = self
            .db
            .execute(vec![Statement::new(
                "INSERT INTO knowledge_candidates (id, app_id, action_id, conversation_id, question, answer, edited, faq_id, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, ?8) ON CONFLICT DO NOTHING",
                vec![
                    c.id.as_str().into(),
                    c.app_id.as_str().into(),
                    c.action_id.as_str().into(),
                    c.conversation_id.as_str().into(),
                    c.question.as_str().into(),
                    c.answer.as_str().into(),
                    (c.edited as i64).into(),
                    c.created_at.into(),
                ],
            )])
            .await?;
        Ok(changed.first().copied().unwrap_or(0) > 0)
    }

    async fn candidates(&self, ids: &[String]) -> Result<Vec<Candidate>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = self
            .db
            .query(Statement::new(
                "SELECT * FROM knowledge_candidates WHERE id IN (SELECT value FROM json_each(?1))",
                vec![to_json(&ids).into()],
            ))
            .await?;
        let found: Vec<Candidate> = rows.iter().map(candidate_from).collect::<Result<_>>()?;
        Ok(ids
            .iter()
            .filter_map(|id| found.iter().find(|c| &c.id == id).cloned())
            .collect())
    }

    async fn propose_faq(&self, e: &FaqEntry) -> Result<bool> {
        let ids = to_json(&e.candidate_ids);
        // One batch (a transaction on D1 and here): the entry is written only when every
        // candidate is still ungrouped, and then all of them are grouped into it.
        let changed = self
            .db
            .execute(vec![
                Statement::new(
                    "INSERT INTO knowledge_faqs (id, app_id, question, answer, status, candidate_ids, created_at) \
                     SELECT ?1, ?2, ?3, ?4, 'proposed', ?5, ?6 \
                     WHERE (SELECT COUNT(*) FROM knowledge_candidates \
                            WHERE id IN (SELECT value FROM json_each(?5)) AND faq_id IS NULL AND app_id = ?2) \
                           = json_array_length(?5) \
                     ON CONFLICT DO NOTHING",
                    vec![
                        e.id.as_str().into(),
                        e.app_id.as_str().into(),
                        e.question.as_str().into(),
                        e.answer.as_str().into(),
                        ids.clone().into(),
                        e.created_at.into(),
                    ],
                ),
                Statement::new(
                    "UPDATE knowledge_candidates SET faq_id = ?1 \
                     WHERE id IN (SELECT value FROM json_each(?2)) AND faq_id IS NULL \
                       AND EXISTS (SELECT 1 FROM knowledge_faqs WHERE id = ?1 AND candidate_ids = ?2)",
                    vec![e.id.as_str().into(), ids.into()],
                ),
            ])
            .await?;
        Ok(changed.first().copied().unwrap_or(0) > 0)
    }

    async fn faqs(&self, app_id: Option<&str>, status: Option<FaqStatus>) -> Result<Vec<FaqEntry>> {
        self.db
            .query(Statement::new(
                "SELECT * FROM knowledge_faqs \
                 WHERE (?1 IS NULL OR app_id = ?1) AND (?2 IS NULL OR status = ?2) \
                 ORDER BY created_at DESC, id",
                vec![app_id.into(), status.map(FaqStatus::as_str).into()],
            ))
            .await?
            .iter()
            .map(faq_from)
            .collect()
    }

    async fn faq(&self, id: &str) -> Result<Option<FaqEntry>> {
        self.one(Statement::new(
            "SELECT * FROM knowledge_faqs WHERE id = ?1",
            vec![id.into()],
        ))
        .await?
        .as_ref()
        .map(faq_from)
        .transpose()
    }

    async fn decide_faq(&self, d: &FaqDecision) -> Result<Option<FaqEntry>> {
        if d.status == FaqStatus::Proposed {
            return Err(StoreError::Invalid("a decision approves or rejects".into()));
        }
        if d.status == FaqStatus::Approved
            && (d.question.trim().is_empty() || d.answer.trim().is_empty())
        {
            return Err(StoreError::Invalid(
                "an approved entry needs a question and an answer".into(),
            ));
        }
        let changed = self
            .db
            .execute(vec![Statement::new(
                "UPDATE knowledge_faqs SET status = ?2, \
                   question = CASE WHEN ?2 = 'approved' THEN ?3 ELSE question END, \
                   answer = CASE WHEN ?2 = 'approved' THEN ?4 ELSE answer END, \
                   decided_by = ?5, decided_at = ?6, reason = ?7 \
                 WHERE id = ?1 AND status = 'proposed'",
                vec![
                    d.id.as_str().into(),
                    d.status.as_str().into(),
                    d.question.as_str().into(),
                    d.answer.as_str().into(),
                    d.by.as_str().into(),
                    d.now_ms.into(),
                    d.reason.clone().into(),
                ],
            )])
            .await?;
        if changed.first().copied().unwrap_or(0) == 0 {
            return Ok(None);
        }
        self.faq(&d.id).await
    }

    async fn reopen_faq(&self, proposed: &FaqEntry, by: &str) -> Result<bool> {
        let changed = self
            .db
            .execute(vec![Statement::new(
                "UPDATE knowledge_faqs SET status = 'proposed', question = ?2, answer = ?3, \
                   decided_by = NULL, decided_at = NULL, reason = NULL \
                 WHERE id = ?1 AND status = 'approved' AND decided_by = ?4",
                vec![
                    proposed.id.as_str().into(),
                    proposed.question.as_str().into(),
                    proposed.answer.as_str().into(),
                    by.into(),
                ],
            )])
            .await?;
        Ok(changed.first().copied().unwrap_or(0) > 0)
    }

    async fn add_person(&self, p: &Person, password_hash: Option<&str>) -> Result<bool> {
        let (created, updated) = (iso(p.created_at), iso(p.updated_at));
        let mut statements = vec![Statement::new(
            "INSERT INTO \"user\" (\"id\", \"name\", \"email\", \"emailVerified\", \"createdAt\", \"updatedAt\", \"role\", \"slackUserId\") \
             VALUES (?1, ?2, lower(?3), 0, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
            vec![
                p.id.as_str().into(),
                p.name.as_str().into(),
                p.email.as_str().into(),
                created.as_str().into(),
                updated.as_str().into(),
                p.role.as_str().into(),
                p.slack_user_id.clone().into(),
            ],
        )];
        if let Some(hash) = password_hash {
            // BetterAuth's email-and-password account: provider `credential`, the account
            // id is the user's id. Written only if the user row was.
            statements.push(Statement::new(
                "INSERT INTO \"account\" (\"id\", \"accountId\", \"providerId\", \"userId\", \"password\", \"createdAt\", \"updatedAt\") \
                 SELECT ?1, ?2, 'credential', ?2, ?3, ?4, ?4 WHERE changes() > 0",
                vec![
                    format!("acc{}", &p.id[..p.id.len().min(29)]).into(),
                    p.id.as_str().into(),
                    hash.into(),
                    created.as_str().into(),
                ],
            ));
        }
        let changed = self.db.execute(statements).await?;
        Ok(changed.first().copied().unwrap_or(0) > 0)
    }

    async fn person(&self, id: &str) -> Result<Option<Person>> {
        self.one(Statement::new(
            "SELECT * FROM \"user\" WHERE \"id\" = ?1",
            vec![id.into()],
        ))
        .await?
        .as_ref()
        .map(person_from)
        .transpose()
    }

    async fn update_person(
        &self,
        id: &str,
        role: Option<Role>,
        slack_user_id: Option<Option<String>>,
        now_ms: i64,
    ) -> Result<Option<Person>> {
        let (set_slack, slack) = match slack_user_id {
            Some(value) => (1, value),
            None => (0, None),
        };
        self.db
            .execute(vec![Statement::new(
                "UPDATE \"user\" SET \"role\" = coalesce(?2, \"role\"), \
                   \"slackUserId\" = CASE WHEN ?3 = 1 THEN ?4 ELSE \"slackUserId\" END, \
                   \"updatedAt\" = ?5 WHERE \"id\" = ?1",
                vec![
                    id.into(),
                    role.map(Role::as_str).into(),
                    (set_slack as i64).into(),
                    slack.into(),
                    iso(now_ms).into(),
                ],
            )])
            .await?;
        self.person(id).await
    }

    async fn person_by_email(&self, email: &str) -> Result<Option<Person>> {
        self.one(Statement::new(
            "SELECT * FROM \"user\" WHERE \"email\" = lower(?1)",
            vec![email.trim().into()],
        ))
        .await?
        .as_ref()
        .map(person_from)
        .transpose()
    }

    async fn people(&self) -> Result<Vec<Person>> {
        self.db
            .query(Statement::new(
                "SELECT * FROM \"user\" ORDER BY \"email\"",
                vec![],
            ))
            .await?
            .iter()
            .map(person_from)
            .collect()
    }

    async fn password_hash(&self, user_id: &str) -> Result<Option<String>> {
        Ok(self
            .one(Statement::new(
                "SELECT \"password\" FROM \"account\" WHERE \"userId\" = ?1 AND \"providerId\" = 'credential'",
                vec![user_id.into()],
            ))
            .await?
            .and_then(|row| text(&row, "password")))
    }

    async fn add_session(&self, s: &Session) -> Result<()> {
        self.db
            .execute(vec![Statement::new(
                "INSERT INTO \"session\" (\"id\", \"expiresAt\", \"token\", \"createdAt\", \"updatedAt\", \"ipAddress\", \"userAgent\", \"userId\") \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                vec![
                    s.id.as_str().into(),
                    iso(s.expires_at).into(),
                    s.token.as_str().into(),
                    iso(s.created_at).into(),
                    iso(s.updated_at).into(),
                    s.ip_address.clone().into(),
                    s.user_agent.clone().into(),
                    s.user_id.as_str().into(),
                ],
            )])
            .await?;
        Ok(())
    }

    async fn session(&self, token: &str, now_ms: i64) -> Result<Option<(Session, Person)>> {
        let Some(row) = self
            .one(Statement::new(
                "SELECT s.\"id\" AS session_id, s.\"expiresAt\" AS session_expires, s.\"token\" AS session_token, \
                        s.\"createdAt\" AS session_created, s.\"updatedAt\" AS session_updated, \
                        s.\"ipAddress\" AS session_ip, s.\"userAgent\" AS session_agent, u.* \
                 FROM \"session\" s JOIN \"user\" u ON u.\"id\" = s.\"userId\" WHERE s.\"token\" = ?1",
                vec![token.into()],
            ))
            .await?
        else {
            return Ok(None);
        };
        const T: &str = "session";
        let expires =
            unix_ms(&required(&row, T, "session_expires")?).ok_or_else(|| StoreError::Corrupt {
                table: T,
                detail: "expiresAt is not a date".into(),
            })?;
        if expires <= now_ms {
            return Ok(None);
        }
        let person = person_from(&row)?;
        let date = |c: &str| text(&row, c).and_then(|t| unix_ms(&t)).unwrap_or_default();
        let session = Session {
            id: required(&row, T, "session_id")?,
            token: required(&row, T, "session_token")?,
            user_id: person.id.clone(),
            expires_at: expires,
            created_at: date("session_created"),
            updated_at: date("session_updated"),
            ip_address: text(&row, "session_ip"),
            user_agent: text(&row, "session_agent"),
        };
        Ok(Some((session, person)))
    }

    async fn end_session(&self, token: &str) -> Result<bool> {
        let changed = self
            .db
            .execute(vec![Statement::new(
                "DELETE FROM \"session\" WHERE \"token\" = ?1",
                vec![token.into()],
            )])
            .await?;
        Ok(changed.first().copied().unwrap_or(0) > 0)
    }

    async fn end_sessions_of(&self, user_id: &str) -> Result<u64> {
        let changed = self
            .db
            .execute(vec![Statement::new(
                "DELETE FROM \"session\" WHERE \"userId\" = ?1",
                vec![user_id.into()],
            )])
            .await?;
        Ok(changed.first().copied().unwrap_or(0) as u64)
    }

    async fn person_with_password(&self, email: &str) -> Result<Option<(Person, Option<String>)>> {
        let Some(row) = self
            .one(Statement::new(
                "SELECT u.*, a.\"password\" AS credential FROM \"user\" u \
                 LEFT JOIN \"account\" a ON a.\"userId\" = u.\"id\" AND a.\"providerId\" = 'credential' \
                 WHERE u.\"email\" = lower(?1)",
                vec![email.trim().into()],
            ))
            .await?
        else {
            return Ok(None);
        };
        Ok(Some((person_from(&row)?, text(&row, "credential"))))
    }

    async fn count_login_attempt(&self, key: &str, window_start: i64) -> Result<u32> {
        // Counted, then read: the count read back includes this attempt (MySQL has no
        // RETURNING), so a burst can only be refused sooner, never later.
        self.db
            .execute(vec![
                Statement::new(
                    "INSERT INTO login_failures (key, window_start, failures) VALUES (?1, ?2, 1) \
                     ON CONFLICT (key, window_start) DO UPDATE SET failures = failures + 1",
                    vec![key.into(), window_start.into()],
                ),
                Statement::new(
                    "DELETE FROM login_failures WHERE window_start < ?1",
                    vec![window_start.into()],
                ),
            ])
            .await?;
        let rows = self
            .db
            .query(Statement::new(
                "SELECT failures FROM login_failures WHERE key = ?1 AND window_start = ?2",
                vec![key.into(), window_start.into()],
            ))
            .await?;
        Ok(rows
            .first()
            .and_then(|row| int(row, "failures"))
            .unwrap_or(1) as u32)
    }

    async fn forgive_login_attempt(&self, key: &str, window_start: i64) -> Result<()> {
        self.db
            .execute(vec![Statement::new(
                "UPDATE login_failures SET failures = failures - 1 \
                 WHERE key = ?1 AND window_start = ?2 AND failures > 0",
                vec![key.into(), window_start.into()],
            )])
            .await?;
        Ok(())
    }

    async fn app_inboxes(&self) -> Result<Vec<support_core::apps::App>> {
        self.db
            .query(Statement::new(
                "SELECT slug, front_inbox_id FROM apps WHERE front_inbox_id IS NOT NULL",
                vec![],
            ))
            .await?
            .iter()
            .map(|row| {
                Ok(support_core::apps::App {
                    slug: required(row, "apps", "slug")?,
                    front_inbox_id: text(row, "front_inbox_id"),
                })
            })
            .collect()
    }

    async fn add_intake_counts(&self, counts: &[(&str, u64)], now_ms: i64) -> Result<()> {
        if counts.is_empty() {
            return Ok(());
        }
        let statements = counts
            .iter()
            .map(|(name, n)| {
                Statement::new(
                    "INSERT INTO intake_counters (name, count, updated_at) VALUES (?1, ?2, ?3) \
                     ON CONFLICT(name) DO UPDATE SET count = count + excluded.count, \
                     updated_at = excluded.updated_at",
                    vec![(*name).into(), (*n as i64).into(), now_ms.into()],
                )
            })
            .collect();
        self.db.execute(statements).await?;
        Ok(())
    }

    async fn intake_counts(&self) -> Result<Vec<(String, u64)>> {
        self.db
            .query(Statement::new(
                "SELECT name, count FROM intake_counters ORDER BY name",
                vec![],
            ))
            .await?
            .iter()
            .map(|row| {
                Ok((
                    required(row, "intake_counters", "name")?,
                    int(row, "count").unwrap_or(0).max(0) as u64,
                ))
            })
            .collect()
    }

    async fn record_dead_letters(&self, letters: &[(DeadLetter, &str)]) -> Result<()> {
        if letters.is_empty() {
            return Ok(());
        }
        let statements = letters
            .iter()
            .map(|(letter, body)| {
                Statement::new(
                    "INSERT INTO dead_letters (event_id, conversation_id, name, body, reason, attempts, failed_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(event_id) DO UPDATE SET \
                     body = excluded.body, reason = excluded.reason, attempts = excluded.attempts, \
                     failed_at = excluded.failed_at, replayed_at = NULL",
                    vec![
                        letter.event_id.as_str().into(),
                        letter.conversation_id.as_str().into(),
                        letter.name.as_str().into(),
                        (*body).into(),
                        letter.reason.as_str().into(),
                        i64::from(letter.attempts).into(),
                        letter.failed_at.into(),
                    ],
                )
            })
            .collect();
        self.db.execute(statements).await?;
        Ok(())
    }

    async fn dead_letters(&self, all: bool, limit: u32) -> Result<Vec<DeadLetter>> {
        const T: &str = "dead_letters";
        self.db
            .query(Statement::new(
                "SELECT event_id, conversation_id, name, reason, attempts, failed_at, replayed_at \
                 FROM dead_letters WHERE (?1 = 1 OR replayed_at IS NULL) ORDER BY failed_at DESC LIMIT ?2",
                vec![i64::from(all).into(), i64::from(limit).into()],
            ))
            .await?
            .iter()
            .map(|row| {
                Ok(DeadLetter {
                    event_id: required(row, T, "event_id")?,
                    conversation_id: required(row, T, "conversation_id")?,
                    name: required(row, T, "name")?,
                    reason: required(row, T, "reason")?,
                    attempts: int(row, "attempts").unwrap_or(0).max(0) as u32,
                    failed_at: int(row, "failed_at").unwrap_or(0),
                    replayed_at: int(row, "replayed_at"),
                })
            })
            .collect()
    }

    async fn dead_letter_bodies(&self, event_ids: &[String]) -> Result<Vec<(String, Replay)>> {
        if event_ids.is_empty() {
            return Ok(Vec::new());
        }
        const T: &str = "dead_letters";
        self.db
            .query(Statement::new(
                "SELECT event_id, conversation_id, body FROM dead_letters \
                 WHERE event_id IN (SELECT value FROM json_each(?1)) ORDER BY failed_at, event_id",
                vec![to_json(&event_ids).into()],
            ))
            .await?
            .iter()
            .map(|row| {
                Ok((
                    required(row, T, "conversation_id")?,
                    Replay {
                        event_id: required(row, T, "event_id")?,
                        body: required(row, T, "body")?,
                    },
                ))
            })
            .collect()
    }

    async fn mark_replayed(&self, event_ids: &[String], now_ms: i64) -> Result<()> {
        if event_ids.is_empty() {
            return Ok(());
        }
        self.db
            .execute(vec![Statement::new(
                "UPDATE dead_letters SET replayed_at = ?1 WHERE event_id IN (SELECT value FROM json_each(?2))",
                vec![now_ms.into(), to_json(&event_ids).into()],
            )])
            .await?;
        Ok(())
    }

    async fn app_names(&self) -> Result<Vec<(String, String)>> {
        self.db
            .query(Statement::new(
                "SELECT slug, name FROM apps ORDER BY slug",
                vec![],
            ))
            .await?
            .iter()
            .map(|row| {
                Ok((
                    required(row, "apps", "slug")?,
                    required(row, "apps", "name")?,
                ))
            })
            .collect()
    }

    async fn apps(&self) -> Result<Vec<AppConfig>> {
        let slugs = self
            .db
            .query(Statement::new(
                "SELECT slug FROM apps ORDER BY slug",
                vec![],
            ))
            .await?;
        let mut apps = Vec::with_capacity(slugs.len());
        for row in &slugs {
            if let Some(app) = self.app(&required(row, "apps", "slug")?).await? {
                apps.push(app);
            }
        }
        Ok(apps)
    }

    async fn queue(&self, query: &QueueQuery) -> Result<(Vec<ActionRecord>, u64)> {
        let apps: Param = query.apps.as_ref().map(to_json).into();
        let category: Param = query.category.clone().into();
        // Plain range bounds (never `?3 IS NULL OR ...`), so the pending index is walked
        // from the cursor on, however deep the page.
        let (after_at, after_id) = match &query.after {
            Some((at, id)) => (Param::Int(*at), Param::Text(id.clone())),
            None => (Param::Int(-MAX_SAFE_INT), Param::Text(String::new())),
        };
        let rows = self
            .db
            .query(Statement::new(
                concat!(
                    "SELECT ",
                    action_columns!(),
                    " FROM actions WHERE status = 'pending' \
                     AND (?1 IS NULL OR app_id IN (SELECT value FROM json_each(?1))) \
                     AND (?2 IS NULL OR json_extract(context, '$.category') = ?2) \
                     AND created_at >= ?3 AND (created_at > ?3 OR id > ?4) \
                     ORDER BY created_at, id LIMIT ?5"
                ),
                vec![
                    apps.clone(),
                    category.clone(),
                    after_at,
                    after_id,
                    i64::from(query.limit).into(),
                ],
            ))
            .await?;
        let total = self
            .one(Statement::new(
                "SELECT count(*) AS n FROM actions WHERE status = 'pending' \
                 AND (?1 IS NULL OR app_id IN (SELECT value FROM json_each(?1))) \
                 AND (?2 IS NULL OR json_extract(context, '$.category') = ?2)",
                vec![apps, category],
            ))
            .await?
            .and_then(|row| int(&row, "n"))
            .unwrap_or(0);
        Ok((
            rows.iter().map(action_from).collect::<Result<_>>()?,
            total.max(0) as u64,
        ))
    }

    async fn actions_by_ids(&self, ids: &[String]) -> Result<Vec<ActionRecord>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.db
            .query(Statement::new(
                concat!(
                    "SELECT ",
                    action_columns!(),
                    " FROM actions WHERE id IN (SELECT value FROM json_each(?1))"
                ),
                vec![to_json(&ids).into()],
            ))
            .await?
            .iter()
            .map(action_from)
            .collect()
    }

    async fn actions_of(&self, conversation_id: &str) -> Result<Vec<ActionRecord>> {
        self.db
            .query(Statement::new(
                concat!(
                    "SELECT ",
                    action_columns!(),
                    " FROM actions WHERE conversation_id = ?1 ORDER BY created_at, id"
                ),
                vec![conversation_id.into()],
            ))
            .await?
            .iter()
            .map(action_from)
            .collect()
    }

    async fn approvals_of(&self, action_ids: &[String]) -> Result<Vec<ApprovalRecord>> {
        if action_ids.is_empty() {
            return Ok(Vec::new());
        }
        self.db
            .query(Statement::new(
                "SELECT action_id, app_id, args_hash, status, expires_at, decided_by, decided_at, reason, edited_reply, \
                 slack, created_at FROM approvals WHERE action_id IN (SELECT value FROM json_each(?1))",
                vec![to_json(&action_ids).into()],
            ))
            .await?
            .iter()
            .map(approval_from)
            .collect()
    }

    async fn audit_search(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>> {
        // The most selective filter given picks the statement, so each one walks its own
        // index in (at_ms, id) order and stops at the page's end.
        macro_rules! search {
            ($driving:literal) => {
                concat!(
                    "SELECT * FROM audit_log WHERE ",
                    $driving,
                    " AND (?1 IS NULL OR app_id = ?1) AND (?2 IS NULL OR actor = ?2) \
                     AND (?3 IS NULL OR kind = ?3) \
                     AND (?4 IS NULL OR (?4 = 1 AND error IS NOT NULL) OR (?4 = 0 AND error IS NULL)) \
                     AND at_ms >= ?5 AND at_ms <= ?6 AND (at_ms < ?7 OR id < ?8) \
                     ORDER BY at_ms DESC, id DESC LIMIT ?9"
                )
            };
        }
        let sql = if query.actor.is_some() {
            search!("actor = ?2")
        } else if query.failed == Some(true) {
            search!("error IS NOT NULL")
        } else if query.app.is_some() {
            search!("app_id = ?1")
        } else if query.kind.is_some() {
            search!("kind = ?3")
        } else {
            search!("1 = 1")
        };
        // The dates and the cursor as plain range bounds on at_ms (never `?5 IS NULL OR
        // ...`), so each statement's index is walked from the page's start, however deep.
        let (before_at, before_id) = match &query.before {
            Some((at, id)) => (*at, id.clone()),
            None => (MAX_SAFE_INT, String::new()),
        };
        let newest = query
            .to_ms
            .map_or(MAX_SAFE_INT, |to| to.saturating_sub(1))
            .min(before_at);
        self.db
            .query(Statement::new(
                sql,
                vec![
                    query.app.clone().into(),
                    query.actor.clone().into(),
                    query.kind.map(AuditKind::as_str).into(),
                    query.failed.map(i64::from).into(),
                    query.from_ms.unwrap_or(-MAX_SAFE_INT).into(),
                    newest.into(),
                    before_at.into(),
                    before_id.into(),
                    i64::from(query.limit).into(),
                ],
            ))
            .await?
            .iter()
            .map(audit_from)
            .collect()
    }

    async fn tool_calls_of(&self, conversation_ids: &[String]) -> Result<Vec<AuditEntry>> {
        if conversation_ids.is_empty() {
            return Ok(Vec::new());
        }
        self.db
            .query(Statement::new(
                // What the queue shows of a tool call, not its input and output (a page
                // of 25 approvals can have hundreds of calls; their payloads are the bulk).
                "SELECT id, at_ms, app_id, conversation_id, run_id, action_id, kind, name, '{}' AS input, \
                 error, duration_ms FROM audit_log WHERE conversation_id IN (SELECT value FROM json_each(?1)) \
                 AND kind = 'tool_call' ORDER BY at_ms, id",
                vec![to_json(&conversation_ids).into()],
            ))
            .await?
            .iter()
            .map(audit_from)
            .collect()
    }

    async fn add_invite(
        &self,
        token_hash: &str,
        user_id: &str,
        expires_at: i64,
        now_ms: i64,
    ) -> Result<()> {
        self.db
            .execute(vec![Statement::new(
                "INSERT INTO \"verification\" (\"id\", \"identifier\", \"value\", \"expiresAt\", \"createdAt\", \"updatedAt\") \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                vec![
                    format!("inv{}", &token_hash[..token_hash.len().min(29)]).into(),
                    format!("invite:{token_hash}").into(),
                    user_id.into(),
                    iso(expires_at).into(),
                    iso(now_ms).into(),
                ],
            )])
            .await?;
        Ok(())
    }

    async fn invite(&self, token_hash: &str, now_ms: i64) -> Result<Option<String>> {
        Ok(self
            .one(Statement::new(
                "SELECT \"value\" FROM \"verification\" WHERE \"identifier\" = ?1 AND \"expiresAt\" > ?2",
                vec![format!("invite:{token_hash}").into(), iso(now_ms).into()],
            ))
            .await?
            .and_then(|row| text(&row, "value")))
    }

    async fn take_invite(&self, token_hash: &str, now_ms: i64) -> Result<Option<String>> {
        let Some(user_id) = self.invite(token_hash, now_ms).await? else {
            return Ok(None);
        };
        // The delete decides: of two uses of one invitation, one deletes the row.
        let changed = self
            .db
            .execute(vec![Statement::new(
                "DELETE FROM \"verification\" WHERE \"identifier\" = ?1",
                vec![format!("invite:{token_hash}").into()],
            )])
            .await?;
        Ok((changed.first().copied().unwrap_or(0) > 0).then_some(user_id))
    }

    async fn set_password(&self, user_id: &str, password_hash: &str, now_ms: i64) -> Result<()> {
        let now = iso(now_ms);
        self.db
            .execute(vec![
                Statement::new(
                    "UPDATE \"account\" SET \"password\" = ?2, \"updatedAt\" = ?3 \
                     WHERE \"userId\" = ?1 AND \"providerId\" = 'credential'",
                    vec![user_id.into(), password_hash.into(), now.as_str().into()],
                ),
                Statement::new(
                    "INSERT INTO \"account\" (\"id\", \"accountId\", \"providerId\", \"userId\", \"password\", \"createdAt\", \"updatedAt\") \
                     SELECT ?4, ?1, 'credential', ?1, ?2, ?3, ?3 WHERE changes() = 0",
                    vec![
                        user_id.into(),
                        password_hash.into(),
                        now.as_str().into(),
                        format!("acc{}", &user_id[..user_id.len().min(29)]).into(),
                    ],
                ),
            ])
            .await?;
        Ok(())
    }

    async fn cache_put(&self, key: &str, value: &str, expires_at_ms: Option<i64>) -> Result<()> {
        self.db
            .execute(vec![Statement::new(
                "INSERT INTO platform_cache (key, value, expires_at) VALUES (?1, ?2, ?3) \
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at",
                vec![key.into(), value.into(), expires_at_ms.into()],
            )])
            .await?;
        Ok(())
    }
}

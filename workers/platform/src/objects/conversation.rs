//! The per-conversation Durable Object (SQLite-backed).
//!
//! One object per Front conversation id. It is the one serial place where a
//! conversation's events meet, so it:
//! - drops duplicate deliveries of a Front event (Front retries) atomically;
//! - keeps the conversation's metadata, last messages and last draft for the pipeline;
//! - holds every accepted event in an outbox until Inngest has taken it, retrying with
//!   backoff through the object's alarm, so an Inngest outage loses nothing;
//! - deletes all of its state once the conversation has been quiet for the TTL
//!   (7 days by default, `CONVERSATION_TTL_SECS`), unless events are still waiting.
//!
//! One alarm serves both jobs: it is always set to the earlier of the next outbox
//! attempt and the expiry.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use support_core::conversation::{push_message, CachedMessage, ConversationMeta, DEFAULT_TTL_SECS};
use support_core::events::InngestEvent;
use support_core::retry::next_delay_ms;
use support_http::FetchTransport;
use support_inngest::EventApi;
use worker::{
    durable_object, DurableObject, Env, Method, Request, Response, Result, SqlStorage,
    SqlStorageValue, State,
};

use crate::config;

/// Events handed to Inngest per request from one conversation.
const MAX_BATCH: i64 = 50;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS seen_events (event_id TEXT PRIMARY KEY, received_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL UNIQUE,
  body TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
";

/// What the worker hands the object for one Front event.
#[derive(Debug, Serialize, Deserialize)]
pub struct IntakeRequest {
    /// The platform event; `data.appId` is null when the worker could not tell the app
    /// from the event's inboxes (the object then uses the app it already knows).
    pub event: InngestEvent,
    /// Conversation metadata from the event (its `appId` empty when unknown).
    pub meta: ConversationMeta,
    /// The message or comment to remember.
    pub message: Option<CachedMessage>,
}

/// The object's answer.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum IntakeOutcome {
    /// Stored and queued for Inngest.
    Accepted {
        /// The app the event was attributed to.
        app_id: String,
    },
    /// Seen before; nothing done.
    Duplicate,
    /// Neither the event nor the conversation names a known app.
    UnknownApp,
}

#[derive(Deserialize)]
struct OutboxRow {
    seq: i64,
    body: String,
    attempts: i64,
}

#[derive(Deserialize, Serialize)]
#[serde(rename_all(serialize = "camelCase"))]
struct OutboxView {
    event_id: String,
    attempts: i64,
    next_attempt_at: i64,
    last_error: Option<String>,
}

#[derive(Deserialize)]
struct Count {
    n: i64,
}

#[durable_object]
pub struct Conversation {
    state: State,
    env: Env,
    /// Whether this instance has created its tables (once per instance, and again after
    /// an expiry wiped them) rather than on every request.
    schema_ready: std::cell::Cell<bool>,
}

impl DurableObject for Conversation {
    fn new(state: State, env: Env) -> Self {
        Self {
            state,
            env,
            schema_ready: std::cell::Cell::new(false),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let sql = self.sql()?;
        match (req.method(), req.path().as_str()) {
            (Method::Post, "/intake") => {
                let request: IntakeRequest = req.json().await?;
                let outcome = self.intake(&sql, request)?;
                if matches!(outcome, IntakeOutcome::Accepted { .. }) {
                    self.schedule(&sql).await?;
                }
                Response::from_json(&outcome)
            }
            (Method::Get, "/state") => {
                let mut snapshot = self.snapshot(&sql)?;
                snapshot["alarmAtMs"] = self.state.storage().get_alarm().await?.into();
                Response::from_json(&snapshot)
            }
            (Method::Put, "/draft") => {
                let draft: Value = req.json().await?;
                put(&sql, "last_draft", &draft)?;
                self.touch(&sql)?;
                self.schedule(&sql).await?;
                Response::from_json(&json!({"stored": true}))
            }
            _ => Ok(Response::from_json(&json!({"error": "not found"}))?.with_status(404)),
        }
    }

    async fn alarm(&self) -> Result<Response> {
        let sql = self.sql()?;
        self.deliver(&sql).await?;
        let now = now_ms();
        let pending = count(&sql, "SELECT COUNT(*) AS n FROM outbox", vec![])?;
        let expires_at: Option<i64> = get(&sql, "expires_at")?;
        if pending == 0 && expires_at.is_none_or(|at| at <= now) {
            // Quiet for the whole TTL and nothing left to deliver: forget everything.
            self.state.storage().delete_all().await?;
            self.schema_ready.set(false);
        } else {
            self.schedule(&sql).await?;
        }
        Response::ok("")
    }
}

impl Conversation {
    fn sql(&self) -> Result<SqlStorage> {
        let sql = self.state.storage().sql();
        if !self.schema_ready.get() {
            sql.exec(SCHEMA, None)?;
            self.schema_ready.set(true);
        }
        Ok(sql)
    }

    /// Everything here is synchronous: with no await between the duplicate check and
    /// the writes, no other event can interleave, so a storm of copies yields one event.
    fn intake(&self, sql: &SqlStorage, mut request: IntakeRequest) -> Result<IntakeOutcome> {
        let event_id = request.event.id.clone();
        let seen = count(
            sql,
            "SELECT COUNT(*) AS n FROM seen_events WHERE event_id = ?",
            vec![event_id.as_str().into()],
        )?;
        if seen > 0 {
            return Ok(IntakeOutcome::Duplicate);
        }
        let mut meta: ConversationMeta = get(sql, "meta")?.unwrap_or_default();
        if request.meta.app_id.is_empty() {
            if meta.app_id.is_empty() {
                return Ok(IntakeOutcome::UnknownApp);
            }
            request
                .event
                .data
                .insert("appId".into(), meta.app_id.clone().into());
            if request.event.data.get("inboxId").is_none_or(Value::is_null) {
                request
                    .event
                    .data
                    .insert("inboxId".into(), meta.inbox_id.clone().into());
            }
        }
        meta.merge(request.meta);
        let now = now_ms();
        sql.exec(
            "INSERT INTO seen_events (event_id, received_at) VALUES (?, ?)",
            vec![event_id.as_str().into(), now.into()],
        )?;
        let body = serde_json::to_string(&request.event)
            .map_err(|e| worker::Error::RustError(e.to_string()))?;
        sql.exec(
            "INSERT INTO outbox (event_id, body, next_attempt_at, created_at) VALUES (?, ?, ?, ?)",
            vec![
                event_id.as_str().into(),
                body.into(),
                now.into(),
                now.into(),
            ],
        )?;
        put(sql, "meta", &meta)?;
        if let Some(message) = request.message {
            let mut messages: Vec<CachedMessage> = get(sql, "messages")?.unwrap_or_default();
            push_message(&mut messages, message);
            put(sql, "messages", &messages)?;
        }
        self.touch(sql)?;
        Ok(IntakeOutcome::Accepted {
            app_id: meta.app_id,
        })
    }

    /// Activity: push the expiry out by the TTL.
    fn touch(&self, sql: &SqlStorage) -> Result<()> {
        let now = now_ms();
        put(sql, "last_activity", &now)?;
        put(
            sql,
            "expires_at",
            &(now + config::conversation_ttl_secs(&self.env).unwrap_or(DEFAULT_TTL_SECS) * 1000),
        )
    }

    /// Set the alarm to the earliest thing the object has to do.
    async fn schedule(&self, sql: &SqlStorage) -> Result<()> {
        let next_attempt = sql
            .exec("SELECT MIN(next_attempt_at) AS n FROM outbox", None)?
            .to_array::<OptionalCount>()?
            .first()
            .and_then(|r| r.n);
        let expires_at: Option<i64> = get(sql, "expires_at")?;
        if let Some(at) = [next_attempt, expires_at].into_iter().flatten().min() {
            // An i64 would be read as an offset from now: pass an absolute date.
            let at = worker::js_sys::Date::new(&(at.max(now_ms()) as f64).into());
            self.state
                .storage()
                .set_alarm(worker::ScheduledTime::new(at))
                .await?;
        }
        Ok(())
    }

    /// Hand due events to Inngest; on failure, back off per event.
    async fn deliver(&self, sql: &SqlStorage) -> Result<()> {
        let now = now_ms();
        let due: Vec<OutboxRow> = sql
            .exec(
                "SELECT seq, body, attempts FROM outbox WHERE next_attempt_at <= ? ORDER BY seq LIMIT ?",
                vec![now.into(), MAX_BATCH.into()],
            )?
            .to_array()?;
        if due.is_empty() {
            return Ok(());
        }
        let events: Vec<Value> = due
            .iter()
            .filter_map(|r| serde_json::from_str(&r.body).ok())
            .collect();
        let api = EventApi::new(
            &config::inngest_event_api_base(&self.env),
            &config::inngest_event_key(&self.env),
            FetchTransport,
        );
        match api.send(&events).await {
            Ok(_) => {
                for row in &due {
                    sql.exec("DELETE FROM outbox WHERE seq = ?", vec![row.seq.into()])?;
                }
            }
            Err(err) => {
                worker::console_warn!(
                    "inngest delivery failed for {} event(s) (transient: {}): {}",
                    due.len(),
                    err.is_transient(),
                    err
                );
                let now = now_ms();
                for row in &due {
                    let attempts = row.attempts + 1;
                    let delay = next_delay_ms(
                        attempts as u32,
                        err.retry_after_secs(),
                        worker::js_sys::Math::random(),
                    );
                    sql.exec(
                        "UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE seq = ?",
                        vec![attempts.into(), (now + delay).into(), err.to_string().into(), row.seq.into()],
                    )?;
                }
            }
        }
        Ok(())
    }

    fn snapshot(&self, sql: &SqlStorage) -> Result<Value> {
        let outbox: Vec<OutboxView> = sql
            .exec(
                "SELECT event_id, attempts, next_attempt_at, last_error FROM outbox ORDER BY seq",
                None,
            )?
            .to_array()?;
        Ok(json!({
            "meta": get::<Value>(sql, "meta")?,
            "messages": get::<Value>(sql, "messages")?.unwrap_or_else(|| json!([])),
            "lastDraft": get::<Value>(sql, "last_draft")?,
            "lastActivityMs": get::<i64>(sql, "last_activity")?,
            "expiresAtMs": get::<i64>(sql, "expires_at")?,
            "seenEvents": count(sql, "SELECT COUNT(*) AS n FROM seen_events", vec![])?,
            "outbox": outbox,
        }))
    }
}

#[derive(Deserialize)]
struct OptionalCount {
    n: Option<i64>,
}

fn count(sql: &SqlStorage, query: &str, bindings: Vec<SqlStorageValue>) -> Result<i64> {
    Ok(sql
        .exec(query, bindings)?
        .to_array::<Count>()?
        .first()
        .map(|c| c.n)
        .unwrap_or(0))
}

fn get<T: for<'de> Deserialize<'de>>(sql: &SqlStorage, key: &str) -> Result<Option<T>> {
    #[derive(Deserialize)]
    struct Row {
        value: String,
    }
    let rows: Vec<Row> = sql
        .exec(
            "SELECT value FROM kv WHERE key = ?",
            vec![SqlStorageValue::from(key)],
        )?
        .to_array()?;
    rows.first()
        .map(|r| {
            serde_json::from_str(&r.value)
                .map_err(|e| worker::Error::RustError(format!("stored {key} is invalid: {e}")))
        })
        .transpose()
}

fn put<T: Serialize>(sql: &SqlStorage, key: &str, value: &T) -> Result<()> {
    let value =
        serde_json::to_string(value).map_err(|e| worker::Error::RustError(e.to_string()))?;
    sql.exec(
        "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        vec![key.into(), value.into()],
    )?;
    Ok(())
}

fn now_ms() -> i64 {
    worker::Date::now().as_millis() as i64
}

//! The per-conversation Durable Object (SQLite-backed).
//!
//! One object per Front conversation id: the one serial place where a conversation's
//! events meet. It drops duplicate deliveries atomically, keeps the conversation's
//! metadata and last messages for the pipeline, and holds every accepted
//! event in an outbox until Inngest has it. The policy (the queue: what is due, what
//! goes together, the backoff; the verdicts, the alarm, the dedupe window, expiry) is
//! [`support_core::outbox`], tested natively; this file applies it to storage.
//!
//! Cost per accepted event, on the hot path: one `INSERT … ON CONFLICT DO NOTHING`
//! that is both the dedupe and the outbox row, one upsert of the message, the metadata
//! only when it changed, and one `UPDATE` per delivered batch. State the object owns
//! (metadata, the pending events, the alarm time) lives in memory after the first
//! request. Delivery is tried right after the write has been made durable, within the
//! intake request (one attempt, 3 s at most, so intake is paced by what Inngest takes),
//! not from an alarm. The alarm is the safety net, armed only when an event is left
//! waiting (a failed attempt, a backlog, a concurrent delivery, a duplicate that may be
//! Front retrying after the object died mid-flight) and never moved later; an event
//! delivered at once writes no alarm and leaves none to fire. Otherwise the alarm
//! follows the conversation's expiry, written once per TTL.
//!
//! Storage is created on the write path only: reading an unknown conversation, or an
//! event nobody can attribute to an app, leaves the object without tables.
//!
//! Split along what it does: this file holds the object, its RPC methods, the intake and
//! the one alarm, which [`Inner::reschedule`] alone sets from what each part needs (the
//! outbox its next attempt, the cache its expiry); [`delivery`] sends the outbox to
//! Inngest; [`cache`] keeps the metadata and messages and answers snapshots.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::json;
use support_core::apps::attribute;
use support_core::conversation::ConversationMeta;
use support_core::intake::{IntakeOutcome, IntakeRecord};
use support_core::outbox::{
    self, dedupe_window_ms, expires_at, next_alarm, should_expire, Queue, Queued, Replay,
};
use support_core::settings::Settings;
use worker::wasm_bindgen::prelude::wasm_bindgen;
use worker::wasm_bindgen::JsValue;
use worker::{durable_object, DurableObject, Env, Request, Response, Result, SqlStorage, State};

mod cache;
mod delivery;

use cache::{kv_get, kv_put, put_message, Count, OptionalCount};

use super::Replayed;
use crate::env::{self, now_ms};

/// How long an intake waits for Inngest before leaving the event to the alarm.
const INLINE_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a background attempt (the alarm, a backlog) waits.
const BACKGROUND_TIMEOUT: Duration = Duration::from_secs(10);

/// The object's tables, created with its first write. No index on `received_at`: a
/// conversation's events are few (pruned after the dedupe window), so the pruning scan is
/// cheap, and a brand-new object's first webhook costs about 12 % less CPU without that
/// statement (and each of its events one index entry less). Objects created before keep
/// the index; it is only unused weight there.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
  event_id TEXT PRIMARY KEY,
  received_at INTEGER NOT NULL,
  body TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  last_error TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS messages (id TEXT PRIMARY KEY, sort_at INTEGER NOT NULL, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
";

/// What the object knows about itself once loaded.
#[derive(Debug, Default)]
struct Loaded {
    meta: Option<ConversationMeta>,
    /// The outbox: the events waiting for Inngest (each mirrored in a row).
    queue: Queue,
    /// When the alarm is set for, as far as this instance set or read it.
    alarm_at: Option<i64>,
    /// The oldest remembered event id's arrival (for pruning).
    oldest_seen: Option<i64>,
    last_activity: Option<i64>,
    messages_written: usize,
}

#[derive(Debug)]
enum Mem {
    /// Not looked at yet in this instance.
    Unknown,
    /// No storage at all.
    Empty,
    Loaded(Loaded),
}

struct Inner {
    state: State,
    env: Env,
    /// One handle for the object's life, so its statement cache is kept.
    sql: SqlStorage,
    mem: RefCell<Mem>,
    delivering: std::cell::Cell<bool>,
    /// Where the outbox sends (the Event API port), made once from the settings.
    events: std::cell::OnceCell<Option<Rc<dyn crate::ports::outbox_events::OutboxEvents>>>,
}

#[durable_object]
pub struct Conversation {
    inner: Rc<Inner>,
}

impl DurableObject for Conversation {
    fn new(state: State, env: Env) -> Self {
        Self {
            inner: Rc::new(Inner {
                sql: state.storage().sql(),
                state,
                env,
                mem: RefCell::new(Mem::Unknown),
                delivering: std::cell::Cell::new(false),
                events: std::cell::OnceCell::new(),
            }),
        }
    }

    /// The object is called over RPC (below); a `fetch` is nobody's, and says so.
    async fn fetch(&self, _req: Request) -> Result<Response> {
        let message = "the conversation object is called over RPC: intake, snapshot, replay";
        Ok(Response::from_json(&json!({ "error": message }))?.with_status(404))
    }

    async fn alarm(&self) -> Result<Response> {
        let inner = &self.inner;
        let settings = inner.settings()?;
        inner.load().await?;
        if let Mem::Loaded(loaded) = &mut *inner.mem.borrow_mut() {
            loaded.alarm_at = None; // it is firing
        } else {
            return Response::ok("");
        }
        inner.deliver(&settings).await;
        let now = now_ms();
        let expired = match &*inner.mem.borrow() {
            Mem::Loaded(l) => should_expire(
                l.queue.len(),
                expires_at(l.last_activity.unwrap_or(0), settings.conversation_ttl_secs),
                now,
            ),
            _ => false,
        };
        if expired {
            // Quiet for the whole TTL and nothing left to deliver: forget everything.
            inner.state.storage().delete_alarm().await?;
            inner.state.storage().delete_all().await?;
            *inner.mem.borrow_mut() = Mem::Empty;
            return Response::ok("");
        }
        inner.prune_seen(&settings, now)?;
        inner.reschedule(&settings).await?;
        Response::ok("")
    }
}

/// The object's RPC methods, which [`super::ConversationClient`] calls on its stub: a
/// JSON string in, a JSON string out. No `Request` or `Response` is built on either side
/// and no URL is parsed (they were a measurable share of a webhook's CPU). The runtime
/// serves RPC only on a class deriving from `DurableObject`: `workers/platform/entry.mjs`
/// gives this one that base. An `Err` reaches the caller as a rejected call.
///
/// RPC reaches every method on the class's prototype (wasm-bindgen's `free` and the
/// `fetch` above among them); only this worker holds the binding, and it calls these.
#[wasm_bindgen(
    wasm_bindgen = ::worker::wasm_bindgen,
    wasm_bindgen_futures = ::worker::wasm_bindgen_futures,
    js_sys = ::worker::js_sys
)]
impl Conversation {
    /// Hand it a Front event ([`IntakeRecord`]); answers the [`IntakeOutcome`].
    #[wasm_bindgen(js_name = intake)]
    pub async fn rpc_intake(&self, record: String) -> std::result::Result<String, JsValue> {
        let inner = &self.inner;
        rpc_answer(async {
            let settings = inner.settings()?;
            let record: IntakeRecord = serde_json::from_str(&record)?;
            inner.load().await?;
            let outcome = inner.intake(record, &settings)?;
            if matches!(outcome, IntakeOutcome::Accepted { .. }) {
                // The output gate holds the answer until the write is durable. The
                // caller waits for this one attempt: intake is paced by what Inngest
                // takes, instead of piling up calls behind the answers. No alarm is
                // written first: Front has no 200 until the attempt has ended, so if the
                // object dies mid-flight Front retries, and that retry (a duplicate,
                // below) arms the safety net.
                Inner::deliver_first(inner, &settings).await;
            } else {
                // A duplicate may be that retry: what still waits gets its alarm.
                inner.arm_for_pending().await?;
            }
            Ok(serde_json::to_string(&outcome)?)
        })
        .await
    }

    /// What it holds ([`Snapshot`]).
    #[wasm_bindgen(js_name = snapshot)]
    pub async fn rpc_snapshot(&self) -> std::result::Result<String, JsValue> {
        let inner = &self.inner;
        rpc_answer(async {
            let settings = inner.settings()?;
            inner.load().await?;
            Ok(serde_json::to_string(&inner.snapshot(&settings)?)?)
        })
        .await
    }

    /// Put dead-lettered events ([`Replay`]s) back into the outbox; answers [`Replayed`].
    #[wasm_bindgen(js_name = replay)]
    pub async fn rpc_replay(&self, replays: String) -> std::result::Result<String, JsValue> {
        let inner = &self.inner;
        rpc_answer(async {
            let settings = inner.settings()?;
            let replays: Vec<Replay> = serde_json::from_str(&replays)?;
            inner.load().await?;
            let queued = inner.replay(replays)?;
            inner.arm_for_pending().await?;
            Inner::deliver_first(inner, &settings).await;
            Ok(serde_json::to_string(&Replayed { queued })?)
        })
        .await
    }
}

#[derive(Deserialize)]
struct PendingRow {
    event_id: String,
    body: String,
    attempts: i64,
    next_attempt_at: i64,
    last_error: Option<String>,
}

#[derive(Deserialize)]
struct Span {
    oldest: Option<i64>,
    newest: Option<i64>,
}

/// An RPC method's answer: its error as the JavaScript `Error` worker builds for it, with
/// the cause chain in the message (a bad record says what was wrong with it), so the
/// caller's rejection says what went wrong.
async fn rpc_answer(
    work: impl std::future::Future<Output = Result<String>>,
) -> std::result::Result<String, JsValue> {
    work.await.map_err(JsValue::from)
}

impl Inner {
    /// The platform's settings; a bad configuration fails the call that needs them.
    fn settings(&self) -> Result<Rc<Settings>> {
        env::settings(&self.env)
            .map_err(|err| worker::Error::RustError(format!("misconfigured: {err}")))
    }

    fn sql(&self) -> &SqlStorage {
        &self.sql
    }

    /// Read what the object holds into memory, once per instance. Storage operations
    /// close the input gate, so no other request interleaves with the load.
    async fn load(&self) -> Result<()> {
        if !matches!(*self.mem.borrow(), Mem::Unknown) {
            return Ok(());
        }
        let sql = self.sql();
        let has_tables =
            sql.exec(
                "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'events'",
                None,
            )?
            .one::<Count>()?
            .n > 0;
        if !has_tables {
            *self.mem.borrow_mut() = Mem::Empty;
            return Ok(());
        }
        let meta = kv_get::<ConversationMeta>(sql, "meta")?;
        let pending: Vec<PendingRow> = sql
            .exec(
                "SELECT event_id, body, attempts, next_attempt_at, last_error FROM events \
                 WHERE next_attempt_at IS NOT NULL ORDER BY next_attempt_at",
                None,
            )?
            .to_array()?;
        let span: Span = sql
            .exec(
                "SELECT MIN(received_at) AS oldest, MAX(received_at) AS newest FROM events",
                None,
            )?
            .one()?;
        let messages = sql
            .exec("SELECT COUNT(*) AS n FROM messages", None)?
            .one::<Count>()?
            .n;
        let alarm_at = self.state.storage().get_alarm().await?;
        *self.mem.borrow_mut() = Mem::Loaded(Loaded {
            meta,
            queue: Queue::from_stored(pending.into_iter().map(|row| Queued {
                event_id: row.event_id,
                body: row.body.into(),
                attempts: row.attempts.max(0) as u32,
                next_attempt_at: row.next_attempt_at,
                last_error: row.last_error,
                solo: false,
            })),
            alarm_at,
            oldest_seen: span.oldest,
            last_activity: span.newest,
            messages_written: messages.max(0) as usize,
        });
        Ok(())
    }

    /// Create the tables (the write path only).
    fn create(&self) -> Result<()> {
        let mut mem = self.mem.borrow_mut();
        if !matches!(*mem, Mem::Loaded(_)) {
            self.sql().exec(SCHEMA, None)?;
            *mem = Mem::Loaded(Loaded::default());
        }
        Ok(())
    }

    /// Everything here is synchronous: with no await between the duplicate check and
    /// the writes, no other event can interleave, and the writes commit together.
    fn intake(&self, record: IntakeRecord, settings: &Settings) -> Result<IntakeOutcome> {
        let known = match &*self.mem.borrow() {
            Mem::Loaded(l) => l.meta.clone(),
            _ => None,
        };
        let Some(app) = attribute(record.app.as_ref(), known.as_ref()) else {
            return Ok(IntakeOutcome::UnknownApp);
        };
        self.create()?;
        let sql = self.sql();
        let now = now_ms();
        let body: std::sync::Arc<str> = serde_json::to_string(&record.to_event(&app))?.into();
        let inserted = sql
            .exec(
                "INSERT INTO events (event_id, received_at, body, next_attempt_at) VALUES (?, ?, ?, ?) \
                 ON CONFLICT(event_id) DO NOTHING",
                vec![
                    record.event_id.as_str().into(),
                    now.into(),
                    (&*body).into(),
                    now.into(),
                ],
            )?
            .rows_written()
            > 0;
        if !inserted {
            return Ok(IntakeOutcome::Duplicate);
        }
        let mut meta = known.clone().unwrap_or_default();
        let mut newer = record.meta;
        newer.app_id = Some(app.app_id.clone());
        newer.inbox_id = app.inbox_id.clone().or(newer.inbox_id);
        meta.merge(newer);
        if known.as_ref() != Some(&meta) {
            kv_put(sql, "meta", &meta)?;
        }
        let mut mem = self.mem.borrow_mut();
        let Mem::Loaded(loaded) = &mut *mem else {
            unreachable!("created above")
        };
        if let Some(message) = record.message {
            put_message(sql, &message, &mut loaded.messages_written)?;
        }
        loaded.meta = Some(meta);
        loaded.last_activity = Some(now);
        loaded.oldest_seen.get_or_insert(now);
        loaded.queue.push(record.event_id, body, now, false);
        drop(mem);
        self.prune_seen(settings, now)?;
        Ok(IntakeOutcome::Accepted { app_id: app.app_id })
    }

    /// Make sure waiting events have an alarm due soon: armed once, never moved later.
    /// Called after every intake, a duplicate's too: if an earlier request committed
    /// its rows but could not set the alarm, Front's retry repairs it.
    async fn arm_for_pending(&self) -> Result<()> {
        let wanted = match &*self.mem.borrow() {
            Mem::Loaded(l) if !l.queue.is_empty() => outbox::arm_for_pending(l.alarm_at, now_ms()),
            _ => None,
        };
        if let Some(at) = wanted {
            self.set_alarm(at).await?;
        }
        Ok(())
    }

    /// The alarm's one owner: the outbox's next attempt while events wait, else the
    /// cache's expiry ([`next_alarm`]). An alarm already due sooner is left alone.
    async fn reschedule(&self, settings: &Settings) -> Result<()> {
        let now = now_ms();
        let (wanted, current) = match &*self.mem.borrow() {
            Mem::Loaded(l) => (
                next_alarm(
                    l.queue.next_attempt_at(),
                    expires_at(
                        l.last_activity.unwrap_or(now),
                        settings.conversation_ttl_secs,
                    ),
                    now,
                ),
                l.alarm_at,
            ),
            _ => return Ok(()),
        };
        match current {
            Some(at) if at <= wanted => Ok(()),
            _ => self.set_alarm(wanted).await,
        }
    }

    async fn set_alarm(&self, at: i64) -> Result<()> {
        // An i64 would be read as an offset from now: pass an absolute date.
        let date = worker::js_sys::Date::new(&(at as f64).into());
        self.state
            .storage()
            .set_alarm(worker::ScheduledTime::new(date))
            .await?;
        if let Mem::Loaded(l) = &mut *self.mem.borrow_mut() {
            l.alarm_at = Some(at);
        }
        Ok(())
    }

    /// Forget event ids older than the dedupe window, in batches (a quarter window at
    /// a time), keeping events still waiting and the newest (it dates the activity).
    fn prune_seen(&self, settings: &Settings, now: i64) -> Result<()> {
        let window = dedupe_window_ms(settings.conversation_ttl_secs);
        let due = match &*self.mem.borrow() {
            Mem::Loaded(l) => l.oldest_seen.is_some_and(|o| o < now - window - window / 4),
            _ => false,
        };
        if !due {
            return Ok(());
        }
        let sql = self.sql();
        sql.exec(
            "DELETE FROM events WHERE received_at < ? AND next_attempt_at IS NULL \
             AND received_at < (SELECT MAX(received_at) FROM events)",
            vec![(now - window).into()],
        )?;
        let oldest = sql
            .exec("SELECT MIN(received_at) AS n FROM events", None)?
            .one::<OptionalCount>()?
            .n;
        if let Mem::Loaded(l) = &mut *self.mem.borrow_mut() {
            l.oldest_seen = oldest;
        }
        Ok(())
    }
}

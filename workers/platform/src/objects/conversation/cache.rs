//! The conversation's cache: its metadata, its last messages and a key-value store, read
//! by the pipeline as a snapshot (7-day TTL, with the rest of the object).

use serde::Deserialize;
use support_core::conversation::{CachedMessage, OutboxEntry, Snapshot, MAX_MESSAGES};
use support_core::outbox::expires_at;
use support_core::settings::Settings;
use worker::{Result, SqlStorage};

use super::{Inner, Mem};

impl Inner {
    pub(super) fn snapshot(&self, settings: &Settings) -> Result<Snapshot> {
        let sql = self.sql();
        let mem = self.mem.borrow();
        let Mem::Loaded(l) = &*mem else {
            return Ok(Snapshot {
                storage_bytes: sql.database_size() as u64,
                ..Snapshot::default()
            });
        };
        let mut messages: Vec<CachedMessage> = sql
            .exec(
                "SELECT json FROM messages ORDER BY sort_at DESC, rowid DESC LIMIT ?",
                vec![(MAX_MESSAGES as i64).into()],
            )?
            .to_array::<JsonRow>()?
            .into_iter()
            .filter_map(|row| serde_json::from_str(&row.json).ok())
            .collect();
        messages.reverse();
        let seen = sql
            .exec("SELECT COUNT(*) AS n FROM events", None)?
            .one::<Count>()?
            .n;
        Ok(Snapshot {
            exists: true,
            meta: l.meta.clone(),
            messages,
            last_activity_ms: l.last_activity,
            expires_at_ms: l
                .last_activity
                .map(|at| expires_at(at, settings.conversation_ttl_secs)),
            seen_events: seen.max(0) as u64,
            outbox: l
                .queue
                .iter()
                .map(|p| OutboxEntry {
                    event_id: p.event_id.clone(),
                    attempts: p.attempts,
                    next_attempt_at: p.next_attempt_at,
                    last_error: p.last_error.clone(),
                })
                .collect(),
            alarm_at_ms: l.alarm_at,
            storage_bytes: sql.database_size() as u64,
        })
    }
}

#[derive(Deserialize)]
pub(super) struct KvRow {
    value: String,
}

#[derive(Deserialize)]
pub(super) struct JsonRow {
    json: String,
}

/// Upsert one message and, every so often, keep only the newest [`MAX_MESSAGES`].
pub(super) fn put_message(
    sql: &SqlStorage,
    message: &CachedMessage,
    written: &mut usize,
) -> Result<()> {
    sql.exec(
        "INSERT INTO messages (id, sort_at, json) VALUES (?, ?, ?) \
         ON CONFLICT(id) DO UPDATE SET sort_at = excluded.sort_at, json = excluded.json",
        vec![
            message.id.as_str().into(),
            message.created_at_ms.unwrap_or(i64::MAX).into(),
            serde_json::to_string(message)?.into(),
        ],
    )?;
    *written += 1;
    if *written > 2 * MAX_MESSAGES {
        sql.exec(
            "DELETE FROM messages WHERE id NOT IN \
             (SELECT id FROM messages ORDER BY sort_at DESC, rowid DESC LIMIT ?)",
            vec![(MAX_MESSAGES as i64).into()],
        )?;
        *written = MAX_MESSAGES;
    }
    Ok(())
}

#[derive(Deserialize)]
pub(super) struct Count {
    pub(super) n: i64,
}

#[derive(Deserialize)]
pub(super) struct OptionalCount {
    pub(super) n: Option<i64>,
}

pub(super) fn kv_get<T: for<'de> Deserialize<'de>>(
    sql: &SqlStorage,
    key: &str,
) -> Result<Option<T>> {
    let rows: Vec<KvRow> = sql
        .exec("SELECT value FROM kv WHERE key = ?", vec![key.into()])?
        .to_array()?;
    rows.first()
        .map(|r| {
            serde_json::from_str(&r.value)
                .map_err(|e| worker::Error::RustError(format!("stored {key} is invalid: {e}")))
        })
        .transpose()
}

pub(super) fn kv_put<T: serde::Serialize>(sql: &SqlStorage, key: &str, value: &T) -> Result<()> {
    sql.exec(
        "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        vec![key.into(), serde_json::to_string(value)?.into()],
    )?;
    Ok(())
}

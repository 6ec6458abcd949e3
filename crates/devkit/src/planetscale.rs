//! PlanetScale stand-in: PlanetScale's HTTP database API under `/planetscale`, over a
//! real MySQL-compatible server (the devkit's `--mysql-url`, e.g. the MariaDB that
//! `scripts/mariadb` starts), so `@planetscale/database`, `curl` and the platform's
//! own adapter run real SQL.
//!
//! As the driver speaks it (`@planetscale/database` 1.20):
//! - `POST /planetscale/psdb.v1alpha1.Database/Execute` `{query, session}` and
//!   `POST /planetscale/psdb.v1alpha1.Database/CreateSession` `{}`, with
//!   `Authorization: Basic base64(username:password)`; 401 with an `error` otherwise.
//! - Answers `{session, result: {rowsAffected, insertId, fields: [{name, type, table,
//!   charset, flags}], rows: [{lengths, values}]}, timing}`: cells concatenated and
//!   base64-encoded, `lengths` as strings, `-1` for NULL, 64-bit numbers as strings.
//! - A database error is a 200 with `{session, error: {message, code}}`; the message
//!   ends `(errno N) (sqlstate S)` as Vitess's do, the code is the gRPC name
//!   (`ALREADY_EXISTS` for a duplicate key, `INVALID_ARGUMENT`, `NOT_FOUND`, `UNKNOWN`).
//! - A session is opaque to the client and sent back as it came. `BEGIN` (or `START
//!   TRANSACTION`) pins a connection to the session until `COMMIT` or `ROLLBACK`;
//!   a session idle for [`SESSION_IDLE`] is dropped and its transaction rolled back.
//!
//! Deliberate differences: **each username is its own database** (`ps_<username>`,
//! created on first use) and every username shares one password, so parallel tests
//! each get a fresh branch; the real service has one branch per credential. Without a
//! MySQL server every call is a 503 saying so.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine;
use mysql_async::consts::{ColumnFlags, ColumnType};
use mysql_async::prelude::Queryable;
use mysql_async::{Column, Conn, Opts, OptsBuilder, Pool};
use serde_json::{json, Value};
use subtle::ConstantTimeEq;

/// How long a session with an open transaction may sit idle.
pub const SESSION_IDLE: Duration = Duration::from_secs(120);

/// The stand-in's settings.
#[derive(Debug, Clone, Default)]
pub struct PlanetScaleConfig {
    /// `mysql://user:password@host:port`: the server the databases live on.
    pub mysql_url: Option<String>,
    /// The password every username must present; any non-empty one when `None`.
    pub password: Option<String>,
}

struct Session {
    conn: Conn,
    database: String,
    last_used: Instant,
}

/// The stand-in's state.
#[derive(Clone)]
pub struct PlanetScale {
    config: PlanetScaleConfig,
    pools: Arc<Mutex<HashMap<String, Pool>>>,
    sessions: Arc<Mutex<HashMap<String, Session>>>,
}

impl PlanetScale {
    /// A stand-in with these settings.
    pub fn new(config: PlanetScaleConfig) -> Self {
        Self {
            config,
            pools: Arc::default(),
            sessions: Arc::default(),
        }
    }
}

/// Routes under `/planetscale`.
pub fn router(state: PlanetScale) -> Router {
    Router::new()
        .route("/planetscale/psdb.v1alpha1.Database/Execute", post(execute))
        .route(
            "/planetscale/psdb.v1alpha1.Database/CreateSession",
            post(create_session),
        )
        .with_state(state)
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {"code": code, "message": message}})),
    )
        .into_response()
}

/// The database a request's credentials name, or the answer refusing them.
#[allow(clippy::result_large_err)] // the refusal is the response itself
fn authenticate(state: &PlanetScale, headers: &HeaderMap) -> Result<String, Response> {
    let unauthenticated = |why: &str| error(StatusCode::UNAUTHORIZED, "unauthenticated", why);
    let header = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| unauthenticated("missing authorization header"))?;
    let encoded = header
        .strip_prefix("Basic ")
        .ok_or_else(|| unauthenticated("authorization must be Basic"))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| unauthenticated("malformed Basic credentials"))?;
    let (username, password) = decoded
        .split_once(':')
        .ok_or_else(|| unauthenticated("malformed Basic credentials"))?;
    let valid_name = !username.is_empty()
        && username.len() <= 48
        && username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let password_ok = match &state.config.password {
        Some(expected) => bool::from(password.as_bytes().ct_eq(expected.as_bytes())),
        None => !password.is_empty(),
    };
    if !valid_name || !password_ok {
        return Err(unauthenticated("invalid database credentials"));
    }
    Ok(format!("ps_{}", username.replace('-', "_")))
}

fn session_value(id: &str, in_transaction: bool) -> Value {
    json!({"signature": id, "vitessSession": {"autocommit": true, "inTransaction": in_transaction}})
}

fn new_session_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("pss_{nanos:x}_{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

async fn create_session(State(state): State<PlanetScale>, headers: HeaderMap) -> Response {
    if let Err(refused) = authenticate(&state, &headers) {
        return refused;
    }
    Json(json!({"session": session_value(&new_session_id(), false)})).into_response()
}

impl PlanetScale {
    /// The pool of `database`, created (with the database) on first use.
    async fn pool(&self, database: &str) -> Result<Pool, String> {
        if let Some(pool) = self.pools.lock().map_err(|e| e.to_string())?.get(database) {
            return Ok(pool.clone());
        }
        let url = self.config.mysql_url.as_deref().ok_or(
            "the PlanetScale stand-in has no MySQL server (start the devkit with --mysql-url)",
        )?;
        let opts = Opts::from_url(url).map_err(|e| format!("--mysql-url: {e}"))?;
        let mut admin = Conn::new(opts.clone()).await.map_err(|e| e.to_string())?;
        admin
            .query_drop(format!(
                "CREATE DATABASE IF NOT EXISTS `{database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
            ))
            .await
            .map_err(|e| e.to_string())?;
        let _ = admin.disconnect().await;
        let pool = Pool::new(
            OptsBuilder::from_opts(opts)
                .db_name(Some(database))
                .init(vec!["SET NAMES utf8mb4 COLLATE utf8mb4_bin"]),
        );
        let mut pools = self.pools.lock().map_err(|e| e.to_string())?;
        Ok(pools.entry(database.to_owned()).or_insert(pool).clone())
    }

    /// Drop sessions idle too long: their connections are closed, not pooled, so the
    /// server rolls their transactions back.
    fn expire_sessions(&self) {
        let Ok(mut sessions) = self.sessions.lock() else {
            return;
        };
        let expired: Vec<String> = sessions
            .iter()
            .filter(|(_, s)| s.last_used.elapsed() >= SESSION_IDLE)
            .map(|(id, _)| id.clone())
            .collect();
        for id in expired {
            if let Some(session) = sessions.remove(&id) {
                tokio::spawn(async move {
                    let _ = session.conn.disconnect().await;
                });
            }
        }
    }
}

/// A column's Vitess type name, as the driver casts by it.
fn vitess_type(column: &Column) -> &'static str {
    let unsigned = column.flags().contains(ColumnFlags::UNSIGNED_FLAG);
    let binary = column.character_set() == 63;
    let pick = |signed: &'static str, unsigned_name: &'static str| {
        if unsigned {
            unsigned_name
        } else {
            signed
        }
    };
    match column.column_type() {
        ColumnType::MYSQL_TYPE_TINY => pick("INT8", "UINT8"),
        ColumnType::MYSQL_TYPE_SHORT => pick("INT16", "UINT16"),
        ColumnType::MYSQL_TYPE_INT24 => pick("INT24", "UINT24"),
        ColumnType::MYSQL_TYPE_LONG => pick("INT32", "UINT32"),
        ColumnType::MYSQL_TYPE_LONGLONG => pick("INT64", "UINT64"),
        ColumnType::MYSQL_TYPE_YEAR => "YEAR",
        ColumnType::MYSQL_TYPE_FLOAT => "FLOAT32",
        ColumnType::MYSQL_TYPE_DOUBLE => "FLOAT64",
        ColumnType::MYSQL_TYPE_DECIMAL | ColumnType::MYSQL_TYPE_NEWDECIMAL => "DECIMAL",
        ColumnType::MYSQL_TYPE_TIMESTAMP | ColumnType::MYSQL_TYPE_TIMESTAMP2 => "TIMESTAMP",
        ColumnType::MYSQL_TYPE_DATE | ColumnType::MYSQL_TYPE_NEWDATE => "DATE",
        ColumnType::MYSQL_TYPE_DATETIME | ColumnType::MYSQL_TYPE_DATETIME2 => "DATETIME",
        ColumnType::MYSQL_TYPE_TIME | ColumnType::MYSQL_TYPE_TIME2 => "TIME",
        ColumnType::MYSQL_TYPE_JSON => "JSON",
        ColumnType::MYSQL_TYPE_BIT => "BIT",
        ColumnType::MYSQL_TYPE_ENUM => "ENUM",
        ColumnType::MYSQL_TYPE_SET => "SET",
        ColumnType::MYSQL_TYPE_NULL => "NULL_TYPE",
        ColumnType::MYSQL_TYPE_STRING if binary => "BINARY",
        ColumnType::MYSQL_TYPE_STRING => "CHAR",
        ColumnType::MYSQL_TYPE_VARCHAR | ColumnType::MYSQL_TYPE_VAR_STRING if binary => "VARBINARY",
        ColumnType::MYSQL_TYPE_VARCHAR | ColumnType::MYSQL_TYPE_VAR_STRING => "VARCHAR",
        _ if binary => "BLOB",
        _ => "TEXT",
    }
}

/// What one statement answered.
struct Answer {
    fields: Vec<Value>,
    rows: Vec<Value>,
    rows_affected: u64,
    insert_id: u64,
}

async fn run(conn: &mut Conn, query: &str) -> Result<Answer, mysql_async::Error> {
    let mut result = conn.query_iter(query).await?;
    let columns = result.columns();
    let raw: Vec<mysql_async::Row> = result.collect().await?;
    let rows_affected = result.affected_rows();
    let insert_id = result.last_insert_id().unwrap_or(0);
    drop(result);
    let b64 = base64::engine::general_purpose::STANDARD;
    let fields = columns
        .as_deref()
        .unwrap_or(&[])
        .iter()
        .map(|c| {
            json!({
                "name": c.name_str(),
                "type": vitess_type(c),
                "table": c.table_str(),
                "orgTable": c.org_table_str(),
                "database": c.schema_str(),
                "orgName": c.org_name_str(),
                "columnLength": c.column_length(),
                "charset": c.character_set(),
                "flags": c.flags().bits(),
            })
        })
        .collect();
    let rows = raw
        .into_iter()
        .map(|row| {
            let mut lengths = Vec::new();
            let mut cells = Vec::new();
            for value in row.unwrap_raw() {
                match value {
                    None | Some(mysql_async::Value::NULL) => lengths.push("-1".to_owned()),
                    Some(mysql_async::Value::Bytes(bytes)) => {
                        lengths.push(bytes.len().to_string());
                        cells.extend_from_slice(&bytes);
                    }
                    // The text protocol answers bytes; anything else as its SQL text.
                    Some(other) => {
                        let text = other.as_sql(true);
                        let text = text.trim_matches('\'');
                        lengths.push(text.len().to_string());
                        cells.extend_from_slice(text.as_bytes());
                    }
                }
            }
            json!({"lengths": lengths, "values": b64.encode(cells)})
        })
        .collect();
    Ok(Answer {
        fields,
        rows,
        rows_affected,
        insert_id,
    })
}

/// A MySQL error as Vitess words it: the gRPC code name and errno/sqlstate.
fn database_error(err: &mysql_async::Error) -> Value {
    match err {
        mysql_async::Error::Server(server) => {
            let code = match server.code {
                1062 | 1022 | 1050 | 1007 => "ALREADY_EXISTS",
                1146 | 1049 | 1051 => "NOT_FOUND",
                1064 | 1054 | 1136 | 1048 | 1364 | 1406 | 3819 | 4025 => "INVALID_ARGUMENT",
                1205 | 1213 => "ABORTED",
                _ => "UNKNOWN",
            };
            json!({
                "code": code,
                "message": format!("{} (errno {}) (sqlstate {})", server.message, server.code, server.state),
            })
        }
        other => json!({"code": "UNAVAILABLE", "message": other.to_string()}),
    }
}

fn starts_transaction(query: &str) -> bool {
    let q = query.trim_start().to_ascii_uppercase();
    q.starts_with("BEGIN") || q.starts_with("START TRANSACTION")
}

fn ends_transaction(query: &str) -> bool {
    let q = query.trim_start().to_ascii_uppercase();
    q.starts_with("COMMIT") || q.starts_with("ROLLBACK")
}

async fn execute(State(state): State<PlanetScale>, headers: HeaderMap, body: Bytes) -> Response {
    let database = match authenticate(&state, &headers) {
        Ok(database) => database,
        Err(refused) => return refused,
    };
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_argument",
            "the body is not JSON",
        );
    };
    let Some(query) = request.get("query").and_then(Value::as_str) else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_argument",
            "query is required",
        );
    };
    state.expire_sessions();
    let session_id = request
        .pointer("/session/signature")
        .and_then(Value::as_str)
        .map(str::to_owned);
    // The session's pinned connection, if it has one (a transaction is open).
    let pinned = session_id.as_ref().and_then(|id| {
        let mut sessions = state.sessions.lock().ok()?;
        match sessions.remove(id) {
            Some(s) if s.database == database => Some(s.conn),
            Some(other) => {
                sessions.insert(id.clone(), other);
                None
            }
            None => None,
        }
    });
    let had_pinned = pinned.is_some();
    let mut conn = match pinned {
        Some(conn) => conn,
        None => {
            let pool = match state.pool(&database).await {
                Ok(pool) => pool,
                Err(why) => return error(StatusCode::SERVICE_UNAVAILABLE, "unavailable", &why),
            };
            match pool.get_conn().await {
                Ok(conn) => conn,
                Err(e) => {
                    return error(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "unavailable",
                        &e.to_string(),
                    )
                }
            }
        }
    };
    let started = Instant::now();
    let outcome = run(&mut conn, query).await;
    let timing = started.elapsed().as_secs_f64();
    let id = session_id.unwrap_or_else(new_session_id);
    let in_transaction = if ends_transaction(query) {
        false
    } else {
        had_pinned || starts_transaction(query)
    };
    if in_transaction {
        if let Ok(mut sessions) = state.sessions.lock() {
            sessions.insert(
                id.clone(),
                Session {
                    conn,
                    database,
                    last_used: Instant::now(),
                },
            );
        }
    }
    let session = session_value(&id, in_transaction);
    match outcome {
        Ok(answer) => Json(json!({
            "session": session,
            "result": {
                "rowsAffected": answer.rows_affected.to_string(),
                "insertId": answer.insert_id.to_string(),
                "fields": answer.fields,
                "rows": answer.rows,
            },
            "timing": timing,
        }))
        .into_response(),
        Err(err) => {
            Json(json!({"session": session, "error": database_error(&err)})).into_response()
        }
    }
}

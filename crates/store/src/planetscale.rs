//! [`SqlExec`] on PlanetScale's HTTP API, as its serverless driver
//! (`@planetscale/database`) speaks it, over any [`Transport`]: it runs in the worker
//! on `fetch` and natively on reqwest.
//!
//! Wire facts relied on (the driver's source, v1.20):
//! - `POST {base}/psdb.v1alpha1.Database/Execute`, `Authorization: Basic
//!   base64(username:password)`, JSON `{"query": "...", "session": <opaque|null>}`.
//!   The answer carries a `session` to send with the next query of the same
//!   connection; a transaction is `BEGIN` … `COMMIT` on one session.
//! - `{"session", "result": {"rowsAffected": "1", "insertId": "0", "fields": [{"name",
//!   "type"}], "rows": [{"lengths": ["3", "-1"], "values": base64(cells)}]}}`: a row's
//!   cells are concatenated and cut by `lengths`; `-1` is NULL. 64-bit integers come as
//!   strings in `rowsAffected`.
//! - Errors come as `{"error": {"message", "code"}}`, in a 200 or with another status.
//! - No server-side parameters: statements carry escaped literals ([`crate::mysql`]).

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};
use support_http::{ApiBase, Credential, Secret, Transport};

use crate::mysql::to_mysql;
use crate::sql::{Row, SqlExec, Statement};
use crate::{Result, StoreError, MYSQL_MIGRATIONS};

/// How to reach a PlanetScale database (one branch's credentials).
#[derive(Debug, Clone)]
pub struct PlanetScaleConfig {
    /// `https://<host>` (a bare host gets `https://`); the devkit's stand-in is
    /// `http://127.0.0.1:<port>/planetscale`.
    pub base_url: String,
    /// The branch password's username.
    pub username: String,
    /// The branch password.
    pub password: Secret,
}

impl PlanetScaleConfig {
    /// From `PLANETSCALE_HOST`, `PLANETSCALE_USERNAME` and `PLANETSCALE_PASSWORD`.
    pub fn new(host: &str, username: &str, password: impl Into<Secret>) -> Self {
        let host = host.trim().trim_end_matches('/');
        let base_url = if host.contains("://") {
            host.to_owned()
        } else {
            format!("https://{host}")
        };
        Self {
            base_url,
            username: username.to_owned(),
            password: password.into(),
        }
    }
}

/// The store's executor on PlanetScale.
#[derive(Debug)]
pub struct PlanetScaleExec {
    base: ApiBase,
}

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    session: Value,
    #[serde(default)]
    result: Option<QueryResult>,
    #[serde(default)]
    error: Option<VitessError>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueryResult {
    #[serde(default)]
    rows_affected: Option<Value>,
    #[serde(default)]
    fields: Vec<Field>,
    #[serde(default)]
    rows: Vec<EncodedRow>,
}

#[derive(Deserialize)]
struct Field {
    name: String,
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

#[derive(Deserialize)]
struct EncodedRow {
    lengths: Vec<Value>,
    #[serde(default)]
    values: Option<String>,
}

#[derive(Deserialize)]
struct VitessError {
    #[serde(default)]
    message: String,
    #[serde(default)]
    code: String,
}

fn number(value: &Value) -> Option<i64> {
    match value {
        Value::String(s) => s.parse().ok(),
        other => other.as_i64(),
    }
}

/// One cell as the store reads it: integers as numbers, text as strings.
fn cell(kind: &str, bytes: &[u8]) -> Value {
    let text = String::from_utf8_lossy(bytes);
    let integral = kind.starts_with("INT") || kind.starts_with("UINT") || kind == "YEAR";
    if integral || matches!(kind, "DECIMAL" | "FLOAT32" | "FLOAT64") {
        if let Ok(n) = text.parse::<i64>() {
            return Value::from(n);
        }
        if let Ok(n) = text.parse::<u64>() {
            return Value::from(n);
        }
        if let Some(n) = text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
        {
            return Value::Number(n);
        }
    }
    Value::String(text.into_owned())
}

fn decode(result: QueryResult) -> Result<Vec<Row>> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let corrupt = |detail: String| StoreError::Database(format!("planetscale: {detail}"));
    result
        .rows
        .into_iter()
        .map(|row| {
            let bytes = match &row.values {
                Some(values) => b64
                    .decode(values)
                    .map_err(|e| corrupt(format!("row values: {e}")))?,
                None => Vec::new(),
            };
            if row.lengths.len() != result.fields.len() {
                return Err(corrupt("a row's cells do not match its fields".into()));
            }
            let mut at = 0usize;
            let mut out = Row::new();
            for (field, length) in result.fields.iter().zip(&row.lengths) {
                let length = number(length).ok_or_else(|| corrupt("a cell length".into()))?;
                let value = if length < 0 {
                    Value::Null
                } else {
                    let end = at + length as usize;
                    let slice = bytes
                        .get(at..end)
                        .ok_or_else(|| corrupt("a cell past the row's end".into()))?;
                    at = end;
                    cell(field.kind.as_deref().unwrap_or("NULL"), slice)
                };
                out.insert(field.name.clone(), value);
            }
            Ok(out)
        })
        .collect()
}

impl PlanetScaleExec {
    /// An executor for `config` over `transport`.
    pub fn new(config: &PlanetScaleConfig, transport: Arc<dyn Transport>) -> Self {
        let credential = Credential::Basic {
            user: config.username.clone(),
            password: config.password.clone(),
        };
        Self {
            base: ApiBase::new(
                &config.base_url,
                credential,
                transport,
                Duration::from_secs(15),
            ),
        }
    }

    /// Run one MySQL statement as written on `session` (`Value::Null`: a new one);
    /// the result and the session to go on with.
    async fn run(&self, query: &str, session: &Value) -> Result<(QueryResult, Value)> {
        let body = serde_json::to_vec(&json!({"query": query, "session": session}))
            .map_err(|e| StoreError::Database(e.to_string()))?;
        let request = self.base.request(
            "POST",
            self.base.url("/psdb.v1alpha1.Database/Execute"),
            Some(body),
        );
        let response = self
            .base
            .send(request)
            .await
            .map_err(|e| StoreError::Database(format!("planetscale: {e}")))?;
        let answer: Option<Answer> = serde_json::from_slice(&response.body).ok();
        match answer {
            Some(Answer {
                error: Some(error), ..
            }) => Err(StoreError::Database(format!(
                "planetscale ({}): {}",
                if error.code.is_empty() {
                    "error"
                } else {
                    &error.code
                },
                error.message
            ))),
            Some(answer) if (200..300).contains(&response.status) => Ok((
                answer.result.unwrap_or(QueryResult {
                    rows_affected: None,
                    fields: Vec::new(),
                    rows: Vec::new(),
                }),
                answer.session,
            )),
            _ => Err(StoreError::Database(format!(
                "planetscale: HTTP {} without a database answer",
                response.status
            ))),
        }
    }

    /// Apply the MySQL migrations not applied yet (recorded in `_migrations`), each
    /// statement on its own (MySQL commits DDL as it goes). Answers the names applied.
    pub async fn migrate(&self) -> Result<Vec<&'static str>> {
        let none = Value::Null;
        self.run(
            "CREATE TABLE IF NOT EXISTS _migrations (name VARCHAR(255) PRIMARY KEY, applied_at BIGINT NOT NULL) \
             ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
            &none,
        )
        .await?;
        let (done, _) = self.run("SELECT name FROM _migrations", &none).await?;
        let done: Vec<String> = decode(done)?
            .iter()
            .filter_map(|row| row.get("name").and_then(Value::as_str).map(str::to_owned))
            .collect();
        let mut applied = Vec::new();
        for (name, sql) in MYSQL_MIGRATIONS {
            if done.iter().any(|d| d == name) {
                continue;
            }
            for statement in split_statements(sql) {
                self.run(&statement, &none)
                    .await
                    .map_err(|e| StoreError::Database(format!("{name}: {e}")))?;
            }
            self.run(
                &format!(
                    "INSERT INTO _migrations (name, applied_at) VALUES ({}, CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED))",
                    crate::mysql::quote(name)
                ),
                &none,
            )
            .await?;
            applied.push(*name);
        }
        Ok(applied)
    }
}

/// A migration file's statements: comment lines dropped, split at `;` ending a line.
pub fn split_statements(sql: &str) -> Vec<String> {
    let mut statements = Vec::new();
    let mut current = String::new();
    for line in sql.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with("--") {
            continue;
        }
        current.push_str(line);
        current.push('\n');
        if trimmed.ends_with(';') {
            let statement = current.trim().trim_end_matches(';').trim().to_owned();
            if !statement.is_empty() {
                statements.push(statement);
            }
            current.clear();
        }
    }
    if !current.trim().is_empty() {
        statements.push(current.trim().to_owned());
    }
    statements
}

#[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
#[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
impl SqlExec for PlanetScaleExec {
    async fn query(&self, statement: Statement) -> Result<Vec<Row>> {
        let (result, _) = self.run(&to_mysql(&statement)?, &Value::Null).await?;
        decode(result)
    }

    async fn execute(&self, statements: Vec<Statement>) -> Result<Vec<u64>> {
        // Translate all first: a statement with no MySQL form never opens a transaction.
        let queries = statements
            .iter()
            .map(to_mysql)
            .collect::<Result<Vec<_>>>()?;
        if let [query] = queries.as_slice() {
            let (result, _) = self.run(query, &Value::Null).await?;
            return Ok(vec![affected(&result)]);
        }
        let (_, mut session) = self.run("BEGIN", &Value::Null).await?;
        let mut changed = Vec::with_capacity(queries.len());
        for query in &queries {
            match self.run(query, &session).await {
                Ok((result, next)) => {
                    changed.push(affected(&result));
                    if !next.is_null() {
                        session = next;
                    }
                }
                Err(err) => {
                    // Best effort: the session's transaction also ends when it is dropped.
                    let _ = self.run("ROLLBACK", &session).await;
                    return Err(err);
                }
            }
        }
        self.run("COMMIT", &session).await?;
        Ok(changed)
    }
}

fn affected(result: &QueryResult) -> u64 {
    result
        .rows_affected
        .as_ref()
        .and_then(number)
        .unwrap_or(0)
        .max(0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_cut_by_lengths_with_nulls_and_typed_numbers() {
        let b64 = base64::engine::general_purpose::STANDARD;
        let result: QueryResult = serde_json::from_value(json!({
            "rowsAffected": "0",
            "fields": [{"name": "id", "type": "VARCHAR"}, {"name": "n", "type": "INT64"},
                       {"name": "gone", "type": "TEXT"}, {"name": "total", "type": "DECIMAL"},
                       {"name": "big", "type": "UINT64"}],
            "rows": [{"lengths": ["5", "2", "-1", "1", "20"],
                      "values": b64.encode("ab€42718446744073709551615")}]
        }))
        .unwrap();
        let rows = decode(result).unwrap();
        assert_eq!(
            Value::Object(rows[0].clone()),
            json!({"id": "ab€", "n": 42, "gone": null, "total": 7, "big": 18446744073709551615u64})
        );
    }

    #[test]
    fn a_row_that_does_not_match_its_fields_is_refused() {
        let result: QueryResult = serde_json::from_value(json!({
            "fields": [{"name": "id", "type": "VARCHAR"}],
            "rows": [{"lengths": ["10"], "values": "YWI="}]
        }))
        .unwrap();
        assert!(decode(result).is_err());
    }

    #[test]
    fn migrations_split_into_statements_without_comments() {
        let sql =
            "-- header\nCREATE TABLE a (\n  id BIGINT\n);\n\n-- next\nCREATE INDEX i ON a (id);\n";
        assert_eq!(
            split_statements(sql),
            [
                "CREATE TABLE a (\n  id BIGINT\n)",
                "CREATE INDEX i ON a (id)"
            ]
        );
    }

    #[test]
    fn the_password_never_shows_in_debug() {
        let config = PlanetScaleConfig::new("aws.connect.psdb.cloud", "user", "pscale_pw_secret");
        assert_eq!(config.base_url, "https://aws.connect.psdb.cloud");
        assert!(!format!("{config:?}").contains("pscale_pw_secret"));
    }
}

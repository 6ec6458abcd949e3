//! [`SqlExec`] on an in-process SQLite database (feature `sqlite`), for native tests
//! and tools: the same statements and migrations as D1.

use std::sync::Mutex;

use rusqlite::types::{Value as SqlValue, ValueRef};
use serde_json::Value;

use crate::sql::{Param, Row, SqlExec, Statement};
use crate::{Result, StoreError, MIGRATIONS};

/// A SQLite database in memory, migrated.
pub struct SqliteExec {
    conn: Mutex<rusqlite::Connection>,
}

fn db_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Database(e.to_string())
}

impl SqliteExec {
    /// A fresh in-memory database with every migration applied.
    pub fn migrated() -> Result<Self> {
        let conn = rusqlite::Connection::open_in_memory().map_err(db_error)?;
        for (name, sql) in MIGRATIONS {
            conn.execute_batch(sql)
                .map_err(|e| StoreError::Database(format!("{name}: {e}")))?;
        }
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    /// Run raw SQL (fixtures).
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        self.conn
            .lock()
            .map_err(db_error)?
            .execute_batch(sql)
            .map_err(db_error)
    }
}

fn bind(params: &[Param]) -> Vec<SqlValue> {
    params
        .iter()
        .map(|p| match p {
            Param::Null => SqlValue::Null,
            Param::Int(n) => SqlValue::Integer(*n),
            Param::Text(s) => SqlValue::Text(s.clone()),
        })
        .collect()
}

#[async_trait::async_trait]
impl SqlExec for SqliteExec {
    async fn query(&self, statement: Statement) -> Result<Vec<Row>> {
        let conn = self.conn.lock().map_err(db_error)?;
        let mut prepared = conn.prepare(statement.sql).map_err(db_error)?;
        let names: Vec<String> = prepared
            .column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        let mut rows = prepared
            .query(rusqlite::params_from_iter(bind(&statement.params)))
            .map_err(db_error)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(db_error)? {
            let mut map = Row::new();
            for (i, name) in names.iter().enumerate() {
                let value = match row.get_ref(i).map_err(db_error)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(n) => Value::from(n),
                    ValueRef::Real(f) => Value::from(f),
                    ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(_) => Value::Null,
                };
                map.insert(name.clone(), value);
            }
            out.push(map);
        }
        Ok(out)
    }

    async fn execute(&self, statements: Vec<Statement>) -> Result<Vec<u64>> {
        let mut conn = self.conn.lock().map_err(db_error)?;
        let tx = conn.transaction().map_err(db_error)?;
        let mut changed = Vec::with_capacity(statements.len());
        for statement in &statements {
            let n = tx
                .execute(
                    statement.sql,
                    rusqlite::params_from_iter(bind(&statement.params)),
                )
                .map_err(db_error)?;
            changed.push(n as u64);
        }
        tx.commit().map_err(db_error)?;
        Ok(changed)
    }
}

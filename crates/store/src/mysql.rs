//! The store's statements in MySQL's dialect, for PlanetScale.
//!
//! [`crate::SqlStore`] writes one set of statements, in SQLite's dialect (D1 and the
//! native tests run them as written). PlanetScale speaks MySQL and, like its own
//! serverless driver, takes no server-side parameters: [`to_mysql`] rewrites a
//! statement token by token and inlines every parameter as an escaped literal.
//!
//! The rewrites are the few constructs the store uses that differ:
//!
//! | SQLite                                     | MySQL                                          |
//! |--------------------------------------------|------------------------------------------------|
//! | `"ident"`                                  | `` `ident` ``                                  |
//! | a column named `key`                       | `` `key` `` (reserved in MySQL)                 |
//! | `(SELECT value FROM json_each(?N))`        | `('a', 'b')`: the JSON array's items inlined    |
//! | `json_array_length(?N)`                    | the array's length                             |
//! | `json_extract(col, '$.x')`                 | `JSON_UNQUOTE(JSON_EXTRACT(col, '$.x'))`       |
//! | `changes()`                                | `ROW_COUNT()`                                  |
//! | `INSERT … ON CONFLICT … DO NOTHING`        | `INSERT IGNORE …`                              |
//! | `ON CONFLICT (…) DO UPDATE SET a = excluded.a` | `ON DUPLICATE KEY UPDATE a = VALUES(a)`    |
//! | `SELECT x WHERE …` (no `FROM`)             | `SELECT x FROM DUAL WHERE …`                   |
//!
//! Anything else SQLite-only (`RETURNING`) is refused with an error naming it, so a new
//! statement cannot silently mean something else on MySQL; the store's whole test suite
//! runs on both backends to prove the rest.

use serde_json::Value;

use crate::sql::{Param, Statement};
use crate::{Result, StoreError};

/// A string as a MySQL literal, quoted. The same escapes as PlanetScale's driver: the
/// quote is doubled (so the literal ends where it should whether or not the server
/// treats backslashes as escapes), and backslash, NUL, control characters and `"` are
/// backslash-escaped (so the server reads back the exact string in its default mode).
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        match c {
            '\'' => out.push_str("''"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\0' => out.push_str("\\0"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{1a}' => out.push_str("\\Z"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

fn literal(param: &Param) -> String {
    match param {
        Param::Null => "NULL".into(),
        Param::Int(n) => n.to_string(),
        Param::Text(s) => quote(s),
    }
}

/// The items of a JSON array parameter (`json_each(?N)`), as a literal list.
fn array_items(param: &Param) -> Result<Vec<String>> {
    let text = match param {
        Param::Null => return Ok(Vec::new()),
        Param::Text(text) => text,
        Param::Int(_) => return Err(invalid("json_each over an integer")),
    };
    let Value::Array(items) = serde_json::from_str(text)
        .map_err(|e| invalid(&format!("json_each over text that is not JSON: {e}")))?
    else {
        return Err(invalid("json_each over JSON that is not an array"));
    };
    items
        .iter()
        .map(|item| match item {
            Value::String(s) => Ok(quote(s)),
            Value::Number(n) if n.is_i64() => Ok(n.to_string()),
            Value::Null => Ok("NULL".into()),
            other => Err(invalid(&format!("json_each item {other}"))),
        })
        .collect()
}

fn invalid(what: &str) -> StoreError {
    StoreError::Database(format!("no MySQL form for {what}"))
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok<'a> {
    /// A keyword or bare identifier.
    Word(&'a str),
    /// A single-quoted string literal, quotes included, as written.
    Str(&'a str),
    /// A double-quoted identifier's name.
    Ident(&'a str),
    /// `?N` (1-based).
    Param(usize),
    /// Any other character.
    Sym(char),
    /// Whitespace, kept as one space.
    Space,
}

fn tokens(sql: &str) -> Result<Vec<Tok<'_>>> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        if c.is_ascii_whitespace() {
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            out.push(Tok::Space);
        } else if c == b'\'' {
            i += 1;
            loop {
                match bytes.get(i) {
                    None => return Err(invalid("an unterminated string")),
                    Some(b'\'') if bytes.get(i + 1) == Some(&b'\'') => i += 2,
                    Some(b'\'') => break,
                    Some(_) => i += 1,
                }
            }
            i += 1;
            out.push(Tok::Str(&sql[start..i]));
        } else if c == b'"' {
            let end = sql[i + 1..]
                .find('"')
                .ok_or_else(|| invalid("an unterminated identifier"))?;
            out.push(Tok::Ident(&sql[i + 1..i + 1 + end]));
            i += end + 2;
        } else if c == b'?' {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let n: usize = sql[start + 1..i]
                .parse()
                .map_err(|_| invalid("a bare ? placeholder"))?;
            out.push(Tok::Param(n));
        } else if c.is_ascii_alphanumeric() || c == b'_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            out.push(Tok::Word(&sql[start..i]));
        } else {
            let ch = sql[i..].chars().next().unwrap_or('?');
            i += ch.len_utf8();
            out.push(Tok::Sym(ch));
        }
    }
    Ok(out)
}

/// Column names the store uses that MySQL 8 and MariaDB reserve (checked against
/// every column of the schema).
const RESERVED: &[&str] = &["key", "sensitive", "usage"];

/// The position of the next token that is not a space, from `i`.
fn skip_space(toks: &[Tok<'_>], mut i: usize) -> usize {
    while toks.get(i) == Some(&Tok::Space) {
        i += 1;
    }
    i
}

/// Whether the tokens from `i` (spaces skipped) spell `words` (case-insensitive), and
/// where they end.
fn spells(toks: &[Tok<'_>], i: usize, words: &[&str]) -> Option<usize> {
    let mut at = i;
    for word in words {
        at = skip_space(toks, at);
        match toks.get(at) {
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case(word) => at += 1,
            Some(Tok::Sym(c)) if word.len() == 1 && word.starts_with(*c) => at += 1,
            _ => return None,
        }
    }
    Some(at)
}

fn param_at(params: &[Param], n: usize) -> Result<&Param> {
    n.checked_sub(1)
        .and_then(|i| params.get(i))
        .ok_or_else(|| StoreError::Database(format!("statement has no parameter ?{n}")))
}

/// `?N)` from `i`: the parameter, and where the `)` ends.
fn param_then_close(toks: &[Tok<'_>], i: usize) -> Option<(usize, usize)> {
    let at = skip_space(toks, i);
    let Some(Tok::Param(n)) = toks.get(at) else {
        return None;
    };
    let close = skip_space(toks, at + 1);
    (toks.get(close) == Some(&Tok::Sym(')'))).then_some((*n, close + 1))
}

/// The statement in MySQL's dialect with its parameters inlined.
pub fn to_mysql(statement: &Statement) -> Result<String> {
    let toks = tokens(statement.sql)?;
    let params = &statement.params;
    let ignore = toks.iter().enumerate().any(|(i, t)| {
        matches!(t, Tok::Word(w) if w.eq_ignore_ascii_case("ON"))
            && spells(&toks, i + 1, &["CONFLICT"]).is_some()
            && conflict_clause(&toks, i).is_some_and(|(_, update)| !update)
    });
    let mut out = String::with_capacity(statement.sql.len() + 64);
    // Per open parenthesis: extra `)` to close after it (json_extract's unquote).
    let mut parens: Vec<&'static str> = Vec::new();
    // Per parenthesis depth: whether a SELECT at that depth has seen a FROM yet.
    let mut selects: Vec<Option<bool>> = vec![None];
    let mut i = 0;
    while i < toks.len() {
        let tok = toks[i];
        match tok {
            Tok::Space => out.push(' '),
            Tok::Str(s) => out.push_str(s),
            Tok::Ident(name) => {
                out.push('`');
                out.push_str(name);
                out.push('`');
            }
            Tok::Param(n) => out.push_str(&literal(param_at(params, n)?)),
            Tok::Sym('(') => {
                // `(SELECT value FROM json_each(?N))`: the array's items.
                if let Some(after) =
                    spells(&toks, i + 1, &["SELECT", "value", "FROM", "json_each", "("])
                {
                    if let Some((n, close)) = param_then_close(&toks, after) {
                        let end = skip_space(&toks, close);
                        if toks.get(end) == Some(&Tok::Sym(')')) {
                            let items = array_items(param_at(params, n)?)?;
                            out.push('(');
                            out.push_str(&if items.is_empty() {
                                "NULL".into()
                            } else {
                                items.join(", ")
                            });
                            out.push(')');
                            i = end + 1;
                            continue;
                        }
                    }
                }
                parens.push("");
                selects.push(None);
                out.push('(');
            }
            Tok::Sym(')') => {
                out.push(')');
                out.push_str(parens.pop().unwrap_or(""));
                selects.pop();
            }
            Tok::Sym(c) => out.push(c),
            Tok::Word(word) => {
                let upper = word.to_ascii_uppercase();
                match upper.as_str() {
                    "RETURNING" => return Err(invalid("RETURNING")),
                    "INSERT" if ignore => out.push_str("INSERT IGNORE"),
                    "SELECT" => {
                        if let Some(slot) = selects.last_mut() {
                            *slot = Some(false);
                        }
                        out.push_str(word);
                    }
                    "FROM" => {
                        if let Some(slot @ Some(false)) = selects.last_mut() {
                            *slot = Some(true);
                        }
                        out.push_str(word);
                    }
                    "WHERE" => {
                        if let Some(Some(false)) = selects.last() {
                            out.push_str("FROM DUAL ");
                        }
                        out.push_str(word);
                    }
                    "JSON_EACH" => {
                        return Err(invalid(
                            "json_each outside `(SELECT value FROM json_each(?N))`",
                        ))
                    }
                    "JSON_ARRAY_LENGTH" => {
                        let open = skip_space(&toks, i + 1);
                        let Some((n, end)) = (toks.get(open) == Some(&Tok::Sym('(')))
                            .then(|| param_then_close(&toks, open + 1))
                            .flatten()
                        else {
                            return Err(invalid("json_array_length over anything but a parameter"));
                        };
                        out.push_str(&array_items(param_at(params, n)?)?.len().to_string());
                        i = end;
                        continue;
                    }
                    "JSON_EXTRACT" => {
                        let open = skip_space(&toks, i + 1);
                        if toks.get(open) != Some(&Tok::Sym('(')) {
                            return Err(invalid("json_extract without arguments"));
                        }
                        out.push_str("JSON_UNQUOTE(JSON_EXTRACT(");
                        parens.push(")");
                        selects.push(None);
                        i = open + 1;
                        continue;
                    }
                    "CHANGES" if spells(&toks, i + 1, &["(", ")"]).is_some() => {
                        out.push_str("ROW_COUNT()");
                        i = spells(&toks, i + 1, &["(", ")"]).unwrap_or(i + 1);
                        continue;
                    }
                    "ON" if spells(&toks, i + 1, &["CONFLICT"]).is_some() => {
                        let (end, update) = conflict_clause(&toks, i)
                            .ok_or_else(|| invalid("this ON CONFLICT clause"))?;
                        if update {
                            out.push_str("ON DUPLICATE KEY UPDATE");
                        } else if out.ends_with(' ') {
                            out.pop();
                        }
                        i = end;
                        continue;
                    }
                    "EXCLUDED" if spells(&toks, i + 1, &["."]).is_some() => {
                        let at = skip_space(&toks, i + 1) + 1;
                        let Some(Tok::Word(column)) = toks.get(skip_space(&toks, at)) else {
                            return Err(invalid("excluded. without a column"));
                        };
                        out.push_str("VALUES(");
                        out.push_str(&reserved_quoted(column));
                        out.push(')');
                        i = skip_space(&toks, at) + 1;
                        continue;
                    }
                    _ => out.push_str(&reserved_quoted(word)),
                }
            }
        }
        i += 1;
    }
    Ok(out)
}

fn reserved_quoted(word: &str) -> String {
    if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(word)) {
        format!("`{word}`")
    } else {
        word.to_owned()
    }
}

/// `ON CONFLICT [(cols)] DO NOTHING | DO UPDATE SET` from `i`: where it ends and whether
/// it updates.
fn conflict_clause(toks: &[Tok<'_>], i: usize) -> Option<(usize, bool)> {
    let mut at = spells(toks, i, &["ON", "CONFLICT"])?;
    let open = skip_space(toks, at);
    if toks.get(open) == Some(&Tok::Sym('(')) {
        let close = toks[open..].iter().position(|t| *t == Tok::Sym(')'))?;
        at = open + close + 1;
    }
    if let Some(end) = spells(toks, at, &["DO", "NOTHING"]) {
        return Some((end, false));
    }
    spells(toks, at, &["DO", "UPDATE", "SET"]).map(|end| (end, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mysql(sql: &'static str, params: Vec<Param>) -> String {
        to_mysql(&Statement { sql, params }).unwrap()
    }

    #[test]
    fn parameters_become_escaped_literals() {
        assert_eq!(
            mysql(
                "SELECT * FROM t WHERE a = ?1 AND b = ?2 AND c IS ?3 AND d = ?1",
                vec!["it's".into(), 7.into(), Param::Null]
            ),
            "SELECT * FROM t WHERE a = 'it''s' AND b = 7 AND c IS NULL AND d = 'it''s'"
        );
        assert_eq!(
            quote("a\\b\"c\0d\n\r\t\u{8}\u{1a}é"),
            "'a\\\\b\\\"c\\0d\\n\\r\\t\\b\\Zé'"
        );
    }

    #[test]
    fn a_missing_parameter_or_bare_placeholder_is_an_error() {
        assert!(to_mysql(&Statement {
            sql: "SELECT ?2",
            params: vec![1.into()]
        })
        .is_err());
        assert!(to_mysql(&Statement {
            sql: "SELECT ?",
            params: vec![1.into()]
        })
        .is_err());
    }

    #[test]
    fn question_marks_inside_strings_are_text() {
        assert_eq!(mysql("SELECT '?1', ?1", vec![2.into()]), "SELECT '?1', 2");
    }

    #[test]
    fn json_each_becomes_an_inline_list_and_empty_or_null_matches_nothing() {
        let sql = "SELECT * FROM t WHERE (?1 IS NULL OR id IN (SELECT value FROM json_each(?1)))";
        assert_eq!(
            mysql(sql, vec![r#"["a","b'c"]"#.into()]),
            r#"SELECT * FROM t WHERE ('[\"a\",\"b''c\"]' IS NULL OR id IN ('a', 'b''c'))"#
        );
        assert_eq!(
            mysql(sql, vec![Param::Null]),
            "SELECT * FROM t WHERE (NULL IS NULL OR id IN (NULL))"
        );
        assert_eq!(
            mysql("SELECT json_array_length(?1)", vec!["[1,2,3]".into()]),
            "SELECT 3"
        );
    }

    #[test]
    fn upserts_and_ignores() {
        assert_eq!(
            mysql(
                "INSERT INTO c (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value, n = n + excluded.n",
                vec!["k".into(), "v".into()]
            ),
            "INSERT INTO c (`key`, value) VALUES ('k', 'v') ON DUPLICATE KEY UPDATE value = VALUES(value), n = n + VALUES(n)"
        );
        assert_eq!(
            mysql(
                "INSERT INTO l (key) VALUES (?1) ON CONFLICT(key) DO NOTHING",
                vec!["k".into()]
            ),
            "INSERT IGNORE INTO l (`key`) VALUES ('k')"
        );
        assert_eq!(
            mysql(
                "INSERT INTO f (id) SELECT ?1 WHERE 1 = 1 ON CONFLICT DO NOTHING",
                vec!["x".into()]
            ),
            "INSERT IGNORE INTO f (id) SELECT 'x' FROM DUAL WHERE 1 = 1"
        );
    }

    #[test]
    fn identifiers_functions_and_selects_without_from() {
        assert_eq!(
            mysql(
                "INSERT INTO \"account\" (\"id\") SELECT ?1 WHERE changes() > 0",
                vec!["a".into()]
            ),
            "INSERT INTO `account` (`id`) SELECT 'a' FROM DUAL WHERE ROW_COUNT() > 0"
        );
        assert_eq!(
            mysql(
                "SELECT * FROM a WHERE json_extract(context, '$.category') = ?1 AND id IN (SELECT id FROM b WHERE x = 1)",
                vec!["c".into()]
            ),
            "SELECT * FROM a WHERE JSON_UNQUOTE(JSON_EXTRACT(context, '$.category')) = 'c' AND id IN (SELECT id FROM b WHERE x = 1)"
        );
    }

    #[test]
    fn sqlite_only_constructs_are_refused_by_name() {
        let err = to_mysql(&Statement {
            sql: "INSERT INTO t (a) VALUES (1) RETURNING a",
            params: vec![],
        })
        .unwrap_err();
        assert!(err.to_string().contains("RETURNING"), "{err}");
    }
}

//! The audit log: filtered by app, actor, kind, outcome and date, newest first, paged
//! by cursor, and the same rows as CSV.

use maud::{html, Markup};
use support_store::{AuditEntry, AuditKind, AuditQuery};

use crate::form::{query, Fields};
use crate::page::{page, Frame, Nav};
use crate::time;
use crate::trail::kind_label;

/// Rows per page.
pub const PAGE_ROWS: u32 = 50;
/// Rows per CSV file; the `Link: rel="next"` header continues from there.
pub const CSV_ROWS: u32 = 5_000;

const KINDS: [AuditKind; 7] = [
    AuditKind::Step,
    AuditKind::AgentTurn,
    AuditKind::AgentRun,
    AuditKind::ToolCall,
    AuditKind::Decision,
    AuditKind::Execution,
    AuditKind::Admin,
];

/// The filters as the page's form and links carry them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// App slug.
    pub app: Option<String>,
    /// Who acted (`input.by`).
    pub actor: Option<String>,
    /// Kind, as stored.
    pub kind: Option<String>,
    /// `ok` or `failed`.
    pub outcome: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub from: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub to: Option<String>,
    /// `at_ms:id` of the last row of the previous page.
    pub before: Option<String>,
}

impl Filters {
    /// From a query string.
    pub fn parse(fields: &Fields) -> Filters {
        Filters {
            app: fields.text("app"),
            actor: fields.text("actor"),
            kind: fields.text("kind"),
            outcome: fields.text("outcome"),
            from: fields.text("from"),
            to: fields.text("to"),
            before: fields.text("before"),
        }
    }

    /// The store's query, or what is wrong with the filters.
    pub fn to_query(&self, limit: u32) -> Result<AuditQuery, String> {
        let kind = match self.kind.as_deref() {
            None => None,
            Some(k) => Some(
                KINDS
                    .into_iter()
                    .find(|kind| kind.as_str() == k)
                    .ok_or_else(|| format!("unknown kind {k:?}"))?,
            ),
        };
        let failed = match self.outcome.as_deref() {
            None => None,
            Some("ok") => Some(false),
            Some("failed") => Some(true),
            Some(o) => return Err(format!("unknown outcome {o:?}")),
        };
        let day = |d: &Option<String>, what: &str| -> Result<Option<i64>, String> {
            d.as_deref()
                .map(|d| {
                    time::day_start(d).ok_or_else(|| format!("{what} is not a date (YYYY-MM-DD)"))
                })
                .transpose()
        };
        let before = match self.before.as_deref() {
            None => None,
            Some(c) => Some(crate::queue::parse_cursor(c).ok_or("the page cursor is malformed")?),
        };
        Ok(AuditQuery {
            app: self.app.clone(),
            actor: self.actor.clone(),
            kind,
            failed,
            from_ms: day(&self.from, "from")?,
            to_ms: day(&self.to, "to")?.map(|t| t + 86_400_000),
            before,
            limit,
        })
    }

    /// The query string of these filters (without the cursor unless `with_cursor`).
    pub fn query_string(&self, before: Option<&str>) -> String {
        query(&[
            ("app", self.app.as_deref()),
            ("actor", self.actor.as_deref()),
            ("kind", self.kind.as_deref()),
            ("outcome", self.outcome.as_deref()),
            ("from", self.from.as_deref()),
            ("to", self.to.as_deref()),
            ("before", before),
        ])
    }
}

/// The cursor after `row`.
pub fn cursor(row: &AuditEntry) -> String {
    format!("{}:{}", row.at_ms, row.id)
}

fn outcome(e: &AuditEntry) -> &'static str {
    if e.error.is_some() {
        "failed"
    } else {
        "ok"
    }
}

/// The audit log page: `rows` holds one more than a page when there is a next page.
pub fn audit_page(
    frame: &Frame,
    rows: &[AuditEntry],
    apps: &[(String, String)],
    filters: &Filters,
    error: Option<&str>,
) -> Markup {
    let shown = &rows[..rows.len().min(PAGE_ROWS as usize)];
    let next = (rows.len() > PAGE_ROWS as usize)
        .then(|| shown.last().map(cursor))
        .flatten();
    let body = html! {
        main #audit-page {
            h1 { "Audit log" }
            @if let Some(e) = error { p.error role="alert" { (e) } }
            form #audit-filters.filters method="get" action="/audit" {
                div { label for="a-app" { "App" }
                    select #a-app name="app" {
                        option value="" { "All" }
                        @for (slug, name) in apps { option value=(slug) selected[filters.app.as_deref() == Some(slug.as_str())] { (name) } }
                    }
                }
                div { label for="a-actor" { "Actor" }
                    input #a-actor type="text" name="actor" value=[filters.actor.as_deref()] placeholder="U… or email"; }
                div { label for="a-kind" { "Action type" }
                    select #a-kind name="kind" {
                        option value="" { "All" }
                        @for k in KINDS { option value=(k.as_str()) selected[filters.kind.as_deref() == Some(k.as_str())] { (kind_label(k)) } }
                    }
                }
                div { label for="a-outcome" { "Outcome" }
                    select #a-outcome name="outcome" {
                        option value="" { "Any" }
                        option value="ok" selected[filters.outcome.as_deref() == Some("ok")] { "Succeeded" }
                        option value="failed" selected[filters.outcome.as_deref() == Some("failed")] { "Failed" }
                    }
                }
                div { label for="a-from" { "From" } input #a-from type="date" name="from" value=[filters.from.as_deref()]; }
                div { label for="a-to" { "To" } input #a-to type="date" name="to" value=[filters.to.as_deref()]; }
                button type="submit" { "Filter" }
                a #csv href=(format!("/audit.csv?{}", filters.query_string(None))) download { "Export CSV" }
            }
            div.table-wrap {
                table #audit.stack {
                    thead { tr { th { "When" } th { "Type" } th { "What" } th { "App" } th { "Actor" } th { "Conversation" } th { "Outcome" } th { "Duration" } } }
                    tbody {
                        @for e in shown {
                            tr data-kind=(e.kind.as_str()) {
                                td data-label="When" { time datetime=(time::iso(e.at_ms)) { (time::at(e.at_ms)) } }
                                td data-label="Type" { (kind_label(e.kind)) }
                                td data-label="What" { code { (e.name) } }
                                td data-label="App" { (e.app_id.as_deref().unwrap_or("")) }
                                td data-label="Actor" { (e.input.get("by").and_then(|b| b.as_str()).unwrap_or("agent")) }
                                td data-label="Conversation" {
                                    @if let Some(c) = &e.conversation_id { a href=(format!("/conversations/{c}")) { (c) } }
                                }
                                td data-label="Outcome" {
                                    span.badge.bad[e.error.is_some()].ok[e.error.is_none()] { (outcome(e)) }
                                    @if let Some(err) = &e.error { " " (err) }
                                }
                                td data-label="Duration" { @if let Some(ms) = e.duration_ms { (ms) " ms" } }
                            }
                        }
                    }
                }
            }
            @if shown.is_empty() { p.muted { "No rows match." } }
            p.pager {
                @if filters.before.is_some() { a href=(format!("/audit?{}", filters.query_string(None))) { "← Newest" } }
                @if let Some(next) = &next { a.next-page href=(format!("/audit?{}", filters.query_string(Some(next)))) { "Older →" } }
            }
        }
    };
    page(frame, Nav::Audit, "Audit log", body)
}

/// One CSV field: quoted when it must be (RFC 4180), and a leading `=`, `+`, `-`, `@`,
/// tab or carriage return neutralised with a `'`, so a spreadsheet never runs what a
/// customer wrote as a formula.
fn field(out: &mut String, value: &str) {
    let neutral = match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_owned(),
    };
    if neutral.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&neutral.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(&neutral);
    }
}

/// The CSV header.
pub const CSV_HEADER: &str = "at,kind,name,app,actor,conversation,action,run,outcome,error,duration_ms,input_tokens,output_tokens,input,output\r\n";

/// Rows as CSV lines (after [`CSV_HEADER`]).
pub fn csv_rows(rows: &[AuditEntry], out: &mut String) {
    for e in rows {
        let cells = [
            time::iso(e.at_ms),
            e.kind.as_str().to_owned(),
            e.name.clone(),
            e.app_id.clone().unwrap_or_default(),
            e.input
                .get("by")
                .and_then(|b| b.as_str())
                .unwrap_or("")
                .to_owned(),
            e.conversation_id.clone().unwrap_or_default(),
            e.action_id.clone().unwrap_or_default(),
            e.run_id.clone().unwrap_or_default(),
            outcome(e).to_owned(),
            e.error.clone().unwrap_or_default(),
            e.duration_ms.map(|d| d.to_string()).unwrap_or_default(),
            e.usage
                .as_ref()
                .map(|u| u.input.to_string())
                .unwrap_or_default(),
            e.usage
                .as_ref()
                .map(|u| u.output.to_string())
                .unwrap_or_default(),
            e.input.to_string(),
            e.output.as_ref().map(|o| o.to_string()).unwrap_or_default(),
        ];
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            field(out, c);
        }
        out.push_str("\r\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(name: &str, by: &str) -> AuditEntry {
        AuditEntry {
            id: "r1".into(),
            at_ms: 0,
            app_id: Some("app".into()),
            conversation_id: None,
            run_id: None,
            action_id: None,
            kind: AuditKind::Decision,
            name: name.into(),
            input: json!({"by": by}),
            output: None,
            error: Some("said \"no\", twice".into()),
            duration_ms: Some(5),
            usage: None,
            sensitive: None,
            sensitive_until: None,
        }
    }

    #[test]
    fn csv_quotes_and_never_carries_a_formula() {
        let mut out = String::new();
        csv_rows(
            &[row("=HYPERLINK(\"https://evil.example\")", "U1")],
            &mut out,
        );
        assert!(out.starts_with("1970-01-01T00:00:00.000Z,decision,\"'=HYPERLINK(\"\"https://evil.example\"\")\",app,U1,"), "{out}");
        assert!(
            out.contains(",failed,\"said \"\"no\"\", twice\",5,"),
            "{out}"
        );
        assert!(out.ends_with("\r\n"));
    }

    #[test]
    fn filters_become_the_store_query_or_say_what_is_wrong() {
        let f = Filters::parse(&Fields::parse(
            b"kind=decision&outcome=failed&from=2026-12-01&to=2026-12-01&before=5%3Ar9&actor=U1",
        ));
        let q = f.to_query(10).unwrap();
        assert_eq!(q.kind, Some(AuditKind::Decision));
        assert_eq!(q.failed, Some(true));
        assert_eq!(q.to_ms.unwrap() - q.from_ms.unwrap(), 86_400_000);
        assert_eq!(q.before, Some((5, "r9".into())));
        assert_eq!(q.actor.as_deref(), Some("U1"));
        assert!(Filters::parse(&Fields::parse(b"kind=nope"))
            .to_query(1)
            .is_err());
        assert!(Filters::parse(&Fields::parse(b"from=12/01/2026"))
            .to_query(1)
            .is_err());
        assert_eq!(
            f.query_string(None),
            "actor=U1&kind=decision&outcome=failed&from=2026-12-01&to=2026-12-01"
        );
    }
}

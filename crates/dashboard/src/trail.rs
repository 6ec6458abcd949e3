//! One conversation's whole trail: its messages, each action and its decision, and
//! every audit row (events, classification and route, each agent run with its model
//! turns and tool calls, the decision, each execution step), oldest first.

use maud::{html, Markup};
use serde_json::Value;
use support_core::records::{ActionRecord, ApprovalRecord};
use support_store::{AuditEntry, AuditKind};

use crate::page::{page, Frame, Nav};
pub use crate::queue::Message;
use crate::queue::{article, Decider, Item};
use crate::time;

/// What the conversation page shows.
#[derive(Debug, Clone)]
pub struct Conversation<'a> {
    /// Front's id.
    pub id: &'a str,
    /// The last messages (empty when the cache has expired).
    pub messages: Vec<Message>,
    /// Its actions, oldest first, with their approvals and deciders.
    pub actions: Vec<(
        &'a ActionRecord,
        Option<&'a ApprovalRecord>,
        Option<Decider>,
        &'a str,
    )>,
    /// Its audit rows, oldest first.
    pub trail: &'a [AuditEntry],
    /// Now.
    pub now_ms: i64,
}

/// How a trail row's kind reads.
pub fn kind_label(kind: AuditKind) -> &'static str {
    match kind {
        AuditKind::Step => "Step",
        AuditKind::AgentTurn => "Model turn",
        AuditKind::AgentRun => "Agent run",
        AuditKind::ToolCall => "Tool call",
        AuditKind::Decision => "Decision",
        AuditKind::Execution => "Execution",
        AuditKind::Admin => "Change",
    }
}

fn json_block(label: &str, value: &Value) -> Markup {
    let pretty = serde_json::to_string_pretty(value).unwrap_or_default();
    html! {
        details {
            summary { (label) " (" (pretty.len()) " bytes)" }
            pre.json { (pretty) }
        }
    }
}

/// One audit row as a trail item.
pub fn trail_item(e: &AuditEntry) -> Markup {
    html! {
        li.failed[e.error.is_some()] data-kind=(e.kind.as_str()) {
            div {
                time datetime=(time::iso(e.at_ms)) { (time::at(e.at_ms)) }
                " · " strong { (kind_label(e.kind)) } " " code { (e.name) }
                @if let Some(ms) = e.duration_ms { " · " (ms) " ms" }
                @if let Some(u) = &e.usage { " · " (u.input) " tokens in, " (u.output) " out" }
                @if let Some(by) = e.input.get("by").and_then(Value::as_str) { " · by " (by) }
                @if let Some(via) = e.input.get("via").and_then(Value::as_str) { " via " (via) }
                @if let Some(run) = &e.run_id { " · " span.muted { "run " (run) } }
            }
            @if let Some(err) = &e.error { p.error { (err) } }
            (json_block("Input", &e.input))
            @if let Some(out) = &e.output { (json_block("Output", out)) }
        }
    }
}

/// The conversation page.
pub fn conversation_page(frame: &Frame, c: &Conversation<'_>) -> Markup {
    let body = html! {
        main #conversation {
            h1 { "Conversation " code { (c.id) } }
            p { a.front-link href=(format!("https://app.frontapp.com/open/{}", c.id)) rel="noreferrer noopener" target="_blank" { "Open in Front" } }
            h2 { "Last messages" }
            @if c.messages.is_empty() {
                p.muted { "Neither the conversation's cache nor Front returned messages; open it in Front." }
            }
            @for m in &c.messages {
                div.card.message data-kind=(m.kind) {
                    p.meta { (m.author) " · " (m.kind) " · " (time::at(m.at_ms)) }
                    @if !m.subject.is_empty() { p { strong { (m.subject) } } }
                    pre.text { (m.body) }
                }
            }
            h2 { "Actions" }
            @if c.actions.is_empty() { p.muted { "No action was proposed." } }
            @for (action, approval, decider, app_name) in &c.actions {
                (article(frame, &Item {
                    action, app_name, approval: *approval, messages: Vec::new(),
                    tools: c.trail.iter().filter(|e| e.kind == AuditKind::ToolCall).collect(),
                    decider: decider.clone(), notice: None, now_ms: c.now_ms,
                }))
                @if let Some(result) = &action.result { (json_block("Execution result", result)) }
            }
            h2 { "Trail" }
            @if c.trail.is_empty() { p.muted { "No audit rows for this conversation." } }
            ol.trail { @for e in c.trail { (trail_item(e)) } }
        }
    };
    page(frame, Nav::Conversation, "Conversation", body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use support_auth::Role;
    use support_core::records::{canonical_hash, ActionStatus};

    #[test]
    fn an_action_cleared_by_retention_says_so_and_shows_nothing_it_held() {
        let frame = Frame {
            name: "Ana".into(),
            email: "ana@example.com".into(),
            role: Role::Owner,
            slack_user_id: Some("U1".into()),
            csrf: "c".repeat(64),
        };
        let action = ActionRecord {
            id: "act_1".into(),
            app_id: "total-typescript".into(),
            conversation_id: "cnv_1".into(),
            run_id: "run_1".into(),
            reply: String::new(),
            proposals: vec![],
            args_hash: canonical_hash(&json!([])),
            draft_id: None,
            context: json!({"category": "support_refund", "scrubbedAt": 1_700_000_000_000i64}),
            status: ActionStatus::Rejected,
            executor: None,
            created_at: 1_600_000_000_000,
            updated_at: 1_600_000_000_000,
            result: None,
            error: None,
        };
        let page = conversation_page(
            &frame,
            &Conversation {
                id: "cnv_1",
                messages: vec![],
                actions: vec![(&action, None, None, "Total TypeScript")],
                trail: &[],
                now_ms: 1_800_000_000_000,
            },
        )
        .into_string();
        assert!(
            page.contains("cleared by the retention policy on"),
            "{page}"
        );
    }
}

//! The approvals queue: every pending approval with everything an approver needs, and
//! the same approval once decided (by anyone, anywhere), swapped in place.

use maud::{html, Markup};
use serde_json::Value;
use support_core::classify::Category;
use support_core::records::{ActionRecord, ActionStatus, ApprovalRecord};
use support_store::AuditEntry;
use support_workflows::approvals::blocks::{describe, editable, sources_text, warnings_text};

use crate::form::query;
use crate::page::{csrf_field, page, Frame, Nav};
use crate::time;

/// Who decided, as the dashboard names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decider {
    /// A person's name and Slack id, or the Slack id alone when nobody here has it.
    pub name: String,
    /// `slack`, `dashboard` or `api`, when the decision's audit row says.
    pub via: Option<String>,
}

/// One message of a conversation, as the conversation's cache holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Who wrote it.
    pub author: String,
    /// `inbound` or `outbound`.
    pub kind: String,
    /// Subject.
    pub subject: String,
    /// Text.
    pub body: String,
    /// Unix ms.
    pub at_ms: i64,
}

/// How many of a conversation's last messages an approval shows.
pub const LAST_MESSAGES: usize = 3;

/// One approval, with what the page shows beside its record.
#[derive(Debug, Clone)]
pub struct Item<'a> {
    /// The action.
    pub action: &'a ActionRecord,
    /// Its app's display name.
    pub app_name: &'a str,
    /// Its approval record.
    pub approval: Option<&'a ApprovalRecord>,
    /// The tools the agent called in this conversation, oldest first.
    pub tools: Vec<&'a AuditEntry>,
    /// The conversation's last messages, oldest first (empty when its cache expired).
    pub messages: Vec<Message>,
    /// Who decided, once decided.
    pub decider: Option<Decider>,
    /// Why the viewer's own decision was not applied (already decided, expired...).
    pub notice: Option<String>,
    /// Now (unix ms), for "expires in".
    pub now_ms: i64,
}

/// How the page calls a status: an approval past its expiry is expired even before
/// the workflow writes it, and an approved action stays "approved" while it executes.
pub fn shown_status(
    action: &ActionRecord,
    approval: Option<&ApprovalRecord>,
    now_ms: i64,
) -> &'static str {
    match action.status {
        ActionStatus::Pending => match approval {
            Some(a) if a.expires_at <= now_ms => "expired",
            _ => "pending",
        },
        ActionStatus::Approved
        | ActionStatus::Executing
        | ActionStatus::Executed
        | ActionStatus::Failed => "approved",
        ActionStatus::Rejected => "rejected",
        ActionStatus::Expired => "expired",
        ActionStatus::Superseded => "superseded",
    }
}

/// When the retention policy cleared the action's reply and context (Unix ms). D1 hands
/// numbers over as floats, so either form is read.
pub fn scrubbed_at(context: &Value) -> Option<i64> {
    let at = context.get("scrubbedAt")?;
    at.as_i64().or_else(|| at.as_f64().map(|f| f as i64))
}

fn text<'v>(context: &'v Value, key: &str) -> &'v str {
    context.get(key).and_then(Value::as_str).unwrap_or("")
}

/// The element id of an approval's article (htmx swaps it by id).
pub fn article_id(action_id: &str) -> String {
    format!("approval-{action_id}")
}

fn decided_line(item: &Item<'_>, status: &str) -> Markup {
    let a = item.action;
    let at = item.approval.and_then(|p| p.decided_at).map(time::at);
    let by = item.decider.as_ref();
    html! {
        p.decided {
            @match status {
                "approved" if item.approval.and_then(|p| p.decided_by.as_deref()) == Some(support_workflows::pipeline::respond::AUTOSEND_BY) => {
                    span.badge.ok { "auto-sent" } " Sent by the agent alone: auto-send is on for this category"
                    @if let Some(at) = &at { " (" (at) ")" }
                    "."
                }
                "approved" | "rejected" => {
                    (if status == "approved" { "Approved" } else { "Rejected" })
                    @if let Some(by) = by { " by " (by.name) }
                    @if let Some(via) = by.and_then(|b| b.via.as_deref()) { " via " (via) }
                    @if let Some(at) = &at { " at " (at) }
                    @if let Some(reason) = item.approval.and_then(|p| p.reason.as_deref()).filter(|_| status == "rejected") {
                        ": “" (reason) "”"
                    }
                    "."
                }
                "expired" => { "Expired: nobody decided in time, so nothing ran." }
                "superseded" => {
                    "Superseded"
                    @if let Some(reason) = item.approval.and_then(|p| p.reason.as_deref()) { " (" (reason) ")" }
                    ": nothing ran."
                }
                _ => {}
            }
        }
        @match a.status {
            ActionStatus::Executing => p.meta { "Executing now." },
            ActionStatus::Executed => p.meta { "Executed." },
            ActionStatus::Failed => p.error { "Execution failed: " (a.error.as_deref().unwrap_or("see the trail")) },
            _ => {}
        }
    }
}

/// One approval as an `<article>`: the customer, their message, the classification
/// and route with the reasoning, the tools called, every proposed action with every
/// argument, the reply and what it stands on; then the decision forms (pending, for
/// someone who may decide) or who decided.
pub fn article(frame: &Frame, item: &Item<'_>) -> Markup {
    render(frame, item, false)
}

fn render(frame: &Frame, item: &Item<'_>, out_of_band: bool) -> Markup {
    let a = item.action;
    let ctx = &a.context;
    let status = shown_status(a, item.approval, item.now_ms);
    let sender = text(ctx, "customer");
    let confidence = ctx.get("confidence").and_then(Value::as_f64).unwrap_or(0.0);
    let scrubbed = scrubbed_at(ctx);
    let total = a.proposals.len();
    html! {
        article.approval #(article_id(&a.id)) data-action-id=(a.id) data-status=(status) data-app=(a.app_id)
            hx-swap-oob=[out_of_band.then_some("true")] {
            @if status == "pending" {
                // What the queue's poll sends back, to learn which of these were decided elsewhere.
                input.pending-id type="hidden" name="id" value=(a.id);
            }
            h2 {
                (item.app_name) " · "
                @match total { 0 => { "a reply" }, 1 => { "1 action" }, n => { (n) " actions" } }
                @if total > 0 && !a.reply.trim().is_empty() { " and a reply" }
            }
            p.meta {
                @if scrubbed.is_none() {
                    @match ctx.get("customerName").and_then(Value::as_str) {
                        Some(name) => { (name) " <" (sender) ">" },
                        None => { (sender) },
                    }
                    @match ctx.pointer("/account/userId").and_then(Value::as_str) {
                        Some(id) => { ", account " (id) },
                        None => { ", no account in the app" },
                    }
                    " · "
                }
                span.badge { (text(ctx, "category")) }
                @if scrubbed.is_none() { " " (format!("{:.0}", confidence * 100.0)) "% confident" }
                " · proposed " time datetime=(time::iso(a.created_at)) { (time::at(a.created_at)) }
                @if let (Some(p), "pending") = (item.approval, status) {
                    " · expires in " (time::span(item.now_ms, p.expires_at))
                }
            }
            p.meta {
                a.conversation-link href=(format!("/conversations/{}", a.conversation_id)) { "Conversation trail" }
                " · "
                a href=(format!("https://app.frontapp.com/open/{}", a.conversation_id)) rel="noreferrer noopener" target="_blank" { "Open in Front" }
            }
            @if let Some(at) = scrubbed {
                p.muted.retention { "The reply and the customer's message were cleared by the retention policy on " (time::at(at)) "." }
            } @else {
                h3 { "The customer wrote" }
                p { strong { "Subject: " } (match text(ctx, "subject").trim() { "" => "(none)", s => s }) }
                pre.text.request { (match text(ctx, "request").trim() { "" => "(no text)", r => r }) }
            }
            @if ctx.get("requestCut").and_then(Value::as_bool).unwrap_or(false) {
                p.muted { "Cut here: the whole message is in Front." }
            }
            @if !item.messages.is_empty() {
                details.messages {
                    summary { "The conversation's last " (item.messages.len()) " message(s)" }
                    @for m in item.messages.iter().rev().take(LAST_MESSAGES).rev() {
                        div.message data-kind=(m.kind) {
                            p.meta { (m.author) " · " (m.kind) " · " (time::at(m.at_ms)) }
                            pre.text { (m.body) }
                        }
                    }
                }
            }
            @if !text(ctx, "reasoning").is_empty() || !text(ctx, "route").is_empty() {
                h3 { "Classification and route" }
                @if !text(ctx, "reasoning").is_empty() { p { strong { "Why: " } (text(ctx, "reasoning")) } }
                @if !text(ctx, "route").is_empty() { p { strong { "Route: " } (text(ctx, "route")) } }
            }
            h3 { "Tools the agent called" }
            @if item.tools.is_empty() {
                p.muted { "None." }
            } @else {
                ul.tools {
                    @for t in &item.tools {
                        li {
                            code { (t.name) }
                            @if let Some(ms) = t.duration_ms { " · " (ms) " ms" }
                            @if let Some(e) = &t.error { " · " span.badge.bad { "failed" } " " (e) }
                        }
                    }
                }
            }
            @if let Some(refused) = ctx.get("refused").and_then(Value::as_array).filter(|r| !r.is_empty()) {
                p.notice {
                    "Refused by the records, not proposed: "
                    @for (i, r) in refused.iter().enumerate() {
                        @if i > 0 { ", " }
                        (r["tool"].as_str().unwrap_or("?")) " (" (r["reason"].as_str().unwrap_or("?")) ")"
                    }
                }
            }
            @for (i, effect) in a.proposals.iter().enumerate() {
                @let (heading, details) = describe(i, total, effect, sender);
                section.proposal {
                    h3 { (heading) }
                    pre.text { (details) }
                }
            }
            @if !a.reply.trim().is_empty() {
                h3 { "Reply to the customer (" (a.reply.chars().count()) " characters)" }
                @let reply = item.approval.and_then(|p| p.edited_reply.as_deref()).unwrap_or(&a.reply);
                pre.text.reply { (reply) }
                h3 { "What the reply stands on" }
                pre.text.sources { (sources_text(ctx)) }
                @if let Some(warnings) = warnings_text(ctx) {
                    h3 { "The validator warns" }
                    pre.text.notice.warnings { (warnings) }
                }
            }
            @if let Some(notice) = &item.notice { p.notice role="status" { (notice) } }
            @if status == "pending" {
                (decision_forms(frame, a))
            } @else {
                (decided_line(item, status))
            }
        }
    }
}

fn decision_forms(frame: &Frame, a: &ActionRecord) -> Markup {
    if !frame.can_decide() {
        return html! {
            p.muted {
                @if frame.may(support_auth::Permission::Decide) {
                    "Link your Slack user id (People page) to decide here."
                } @else {
                    "Your role can read the queue, not decide."
                }
            }
        };
    }
    let post = |decision: &str| format!("/approvals/{}/{decision}", a.id);
    let target = format!("#{}", article_id(&a.id));
    html! {
        div.actions {
            form.approve method="post" action=(post("approve")) hx-post=(post("approve")) hx-target=(target) hx-swap="outerHTML" {
                (csrf_field(frame))
                input type="hidden" name="argsHash" value=(a.args_hash);
                button.approve type="submit" { "Approve" }
            }
            form.reject.inline method="post" action=(post("reject")) hx-post=(post("reject")) hx-target=(target) hx-swap="outerHTML" {
                (csrf_field(frame))
                input type="hidden" name="argsHash" value=(a.args_hash);
                label.visually-hidden for=(format!("reason-{}", a.id)) { "Reason" }
                input id=(format!("reason-{}", a.id)) type="text" name="reason" placeholder="Reason (optional)" maxlength="2000";
                button.reject type="submit" { "Reject" }
            }
            @if !a.reply.trim().is_empty() && editable(a) {
                details {
                    summary { "Edit the reply, then approve" }
                    form.edit method="post" action=(post("edit")) hx-post=(post("edit")) hx-target=(target) hx-swap="outerHTML" {
                        (csrf_field(frame))
                        input type="hidden" name="argsHash" value=(a.args_hash);
                        label for=(format!("reply-{}", a.id)) { "Reply" }
                        textarea id=(format!("reply-{}", a.id)) name="reply" required { (a.reply) }
                        button.edit-approve type="submit" { "Approve with this reply" }
                    }
                }
            }
        }
    }
}

/// The queue page's filters and paging.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// App slug.
    pub app: Option<String>,
    /// Category.
    pub category: Option<String>,
}

/// The queue page.
pub fn queue_page(
    frame: &Frame,
    items: &[Item<'_>],
    total: u64,
    apps: &[(String, String)],
    filters: &Filters,
    next_after: Option<&str>,
) -> Markup {
    let body = html! {
        main #queue-page {
            h1 { "Queue" }
            p #queue-count { (count_text(total)) }
            form #filters.filters method="get" action="/" {
                div {
                    label for="f-app" { "App" }
                    select #f-app name="app" {
                        option value="" { "All apps" }
                        @for (slug, name) in apps {
                            option value=(slug) selected[filters.app.as_deref() == Some(slug.as_str())] { (name) }
                        }
                    }
                }
                div {
                    label for="f-category" { "Category" }
                    select #f-category name="category" {
                        option value="" { "All categories" }
                        @for c in Category::ALL {
                            option value=(c.as_str()) selected[filters.category.as_deref() == Some(c.as_str())] { (c.as_str()) }
                        }
                    }
                }
                button type="submit" { "Filter" }
            }
            // Every few seconds: which of the pending approvals on this page were decided
            // elsewhere (Slack, the API, a teammate); those articles are swapped in place.
            div #queue-poll hx-get=(format!("/queue/changes?{}", query(&[("app", filters.app.as_deref()), ("category", filters.category.as_deref())])))
                hx-trigger="every 3s" hx-include=".pending-id" hx-swap="none" {}
            section #queue aria-live="polite" {
                @if items.is_empty() { p.muted { "Nothing waits for a decision." } }
                @for item in items { (article(frame, item)) }
            }
            @if let Some(after) = next_after {
                p.pager {
                    a.next-page href=(format!("/?{}", query(&[("app", filters.app.as_deref()), ("category", filters.category.as_deref()), ("after", Some(after))]))) { "Next page (newer) →" }
                }
            }
        }
    };
    page(frame, Nav::Queue, "Queue", body)
}

fn count_text(total: u64) -> String {
    match total {
        0 => "Nothing pending.".into(),
        1 => "1 approval pending, oldest first.".into(),
        n => format!("{n} approvals pending, oldest first."),
    }
}

/// What the queue's poll answers: the articles decided since the page was drawn and
/// the count, as out-of-band swaps (nothing else on the page moves, so a reply being
/// edited is never replaced).
pub fn changes(frame: &Frame, decided: &[Item<'_>], total: u64) -> Markup {
    html! {
        p #queue-count hx-swap-oob="true" { (count_text(total)) }
        @for item in decided {
            (render(frame, item, true))
        }
    }
}

/// The `after` cursor of the page that follows `items`.
pub fn cursor(action: &ActionRecord) -> String {
    format!("{}:{}", action.created_at, action.id)
}

/// A cursor back into `(created_at, id)`.
pub fn parse_cursor(cursor: &str) -> Option<(i64, String)> {
    let (at, id) = cursor.split_once(':')?;
    Some((at.parse().ok()?, id.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use support_workflows::pipeline::respond::AUTOSEND_BY;

    #[test]
    fn an_auto_sent_reply_says_the_agent_sent_it_alone() {
        let action = ActionRecord {
            id: "act_1".into(),
            app_id: "tt".into(),
            conversation_id: "cnv_1".into(),
            run_id: "run_1".into(),
            reply: "Hi".into(),
            proposals: vec![],
            args_hash: String::new(),
            draft_id: None,
            context: serde_json::json!({"category": "support_billing"}),
            status: ActionStatus::Executed,
            executor: None,
            created_at: 1,
            updated_at: 2,
            result: None,
            error: None,
        };
        let approval = ApprovalRecord {
            action_id: "act_1".into(),
            app_id: "tt".into(),
            args_hash: String::new(),
            status: ActionStatus::Approved,
            expires_at: 10,
            decided_by: Some(AUTOSEND_BY.into()),
            decided_at: Some(2),
            reason: None,
            edited_reply: None,
            slack: None,
            created_at: 1,
        };
        let item = |approval| Item {
            action: &action,
            app_name: "TT",
            approval: Some(approval),
            tools: vec![],
            messages: vec![],
            decider: None,
            notice: None,
            now_ms: 3,
        };
        let line = decided_line(&item(&approval), "approved").into_string();
        assert!(
            line.contains("auto-sent") && line.contains("Sent by the agent alone"),
            "{line}"
        );
        let by_a_person = ApprovalRecord {
            decided_by: Some("U0DEVAPPROVER".into()),
            ..approval.clone()
        };
        let line = decided_line(&item(&by_a_person), "approved").into_string();
        assert!(
            line.contains("Approved") && !line.contains("auto-sent"),
            "{line}"
        );
    }
}

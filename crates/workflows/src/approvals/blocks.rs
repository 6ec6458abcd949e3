//! What approvals look like in Slack (Block Kit). Only what an approver needs: the app,
//! the customer, the conversation, the agent's reasoning, the proposed reply and tool
//! calls with their parameters; never a secret. The buttons carry the action id and the
//! hash of the arguments the approver saw.

use serde_json::Value;
use support_slack::{Block, ButtonStyle, Element, PostMessage, Text, View};
use support_store::{ActionRecord, AppConfig, ApprovalRecord};

/// Button and modal ids.
pub mod ids {
    /// Approve as proposed.
    pub const APPROVE: &str = "approve_action";
    /// Open the edit modal.
    pub const EDIT: &str = "edit_action";
    /// Open the rejection modal.
    pub const REJECT: &str = "reject_action";
    /// The edit modal.
    pub const EDIT_VIEW: &str = "edit_reply";
    /// The rejection modal.
    pub const REJECT_VIEW: &str = "reject_reason";
    /// The input blocks of the modals.
    pub const REPLY_BLOCK: &str = "reply";
    /// The input element of the modals.
    pub const TEXT_INPUT: &str = "text";
    /// The reason block.
    pub const REASON_BLOCK: &str = "reason";
}

/// `<action id>:<arguments hash>`, as the buttons carry it.
pub fn button_value(action: &ActionRecord) -> String {
    format!("{}:{}", action.id, action.args_hash)
}

/// The action id and hash back from a button value or a modal's metadata.
pub fn parse_value(value: &str) -> Option<(&str, &str)> {
    value
        .split_once(':')
        .filter(|(a, h)| a.starts_with("act_") && !h.is_empty())
}

/// A link button to the conversation in Front.
fn open_in_front(conversation_id: &str) -> Element {
    Element::Button {
        action_id: "open_in_front".into(),
        text: Text::plain("Open in Front"),
        value: None,
        style: None,
        url: Some(format!("https://app.frontapp.com/open/{conversation_id}")),
        confirm: None,
    }
}

fn quote(text: &str) -> String {
    text.lines()
        .map(|l| format!("> {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn describe(action: &ActionRecord) -> Vec<String> {
    action
        .proposals
        .iter()
        .map(|p| {
            let params: Vec<String> = p
                .input
                .as_object()
                .map(|o| {
                    o.iter()
                        .map(|(k, v)| {
                            format!(
                                "{k}: {}",
                                v.as_str()
                                    .map(str::to_owned)
                                    .unwrap_or_else(|| v.to_string())
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            format!("• *{}* ({})", p.tool, params.join(", "))
        })
        .collect()
}

fn summary_blocks(action: &ActionRecord, app_name: &str) -> Vec<Block> {
    let ctx = &action.context;
    let text = |k: &str| ctx.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let mut blocks = vec![Block::section(format!(
        "*App:* {app_name}\n*Customer:* {}\n*Subject:* {}\n*Category:* {}",
        text("customer"),
        text("subject"),
        text("category"),
    ))];
    let reasoning = [text("reasoning"), text("route")]
        .into_iter()
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let calls: Vec<String> = ctx
        .get("toolCalls")
        .and_then(Value::as_array)
        .map(|calls| {
            calls
                .iter()
                .map(|c| {
                    format!(
                        "{} ({})",
                        c["name"].as_str().unwrap_or("?"),
                        c["outcome"].as_str().unwrap_or("?")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    if !reasoning.is_empty() || !calls.is_empty() {
        let mut why = format!("*Why:* {reasoning}");
        if !calls.is_empty() {
            why.push_str(&format!("\n*Tools the agent used:* {}", calls.join(", ")));
        }
        blocks.push(Block::section(why));
    }
    let tools = describe(action);
    if !tools.is_empty() {
        blocks.push(Block::section(format!(
            "*Proposed actions*\n{}",
            tools.join("\n")
        )));
    }
    if !action.reply.is_empty() {
        blocks.push(Block::section(format!(
            "*Proposed reply*\n{}",
            quote(&action.reply)
        )));
    }
    blocks
}

/// The approval request.
pub fn approval(
    action: &ActionRecord,
    app: &AppConfig,
    approval: &ApprovalRecord,
) -> (String, Vec<Block>) {
    let what = match action.proposals.first() {
        None => "a reply".to_owned(),
        Some(p) => format!("{} and a reply", p.tool),
    };
    let text = format!("Approval needed for {what} on {}", app.name);
    let mut blocks = vec![Block::header(format!("Approval needed: {}", app.name))];
    blocks.extend(summary_blocks(action, &app.name));
    let value = button_value(action);
    blocks.push(Block::actions(
        "decision",
        vec![
            Element::button(ids::APPROVE, "Approve", value.clone()).styled(ButtonStyle::Primary),
            Element::button(ids::EDIT, "Edit", value.clone()),
            Element::button(ids::REJECT, "Reject", value).styled(ButtonStyle::Danger),
            open_in_front(&action.conversation_id),
        ],
    ));
    let expires = approval.expires_at / 1000;
    blocks.push(Block::context(format!(
        "Expires <!date^{expires}^{{date_short_pretty}} at {{time}}|at {expires} (Unix time)>"
    )));
    (text, blocks)
}

/// The same message once decided (no buttons), with a status line.
pub fn decided(
    action: &ActionRecord,
    approval: &ApprovalRecord,
    status_line: &str,
) -> (String, Vec<Block>) {
    let mut blocks = vec![Block::header("Approval decided")];
    blocks.extend(summary_blocks(action, &action.app_id));
    let by = approval
        .decided_by
        .as_deref()
        .map(|b| format!(" by <@{b}>"))
        .unwrap_or_default();
    blocks.push(Block::context(format!("*{status_line}*{by}")));
    (format!("{status_line}{by}"), blocks)
}

/// A message in a thread.
pub fn thread_reply(channel: &str, ts: &str, text: &str) -> PostMessage {
    PostMessage::new(channel, text, vec![Block::section(text)]).in_thread(ts)
}

/// The edit modal, prefilled with the proposed reply.
pub fn edit_modal(action: &ActionRecord) -> View {
    View::Modal {
        callback_id: ids::EDIT_VIEW.into(),
        title: Text::plain("Edit the reply"),
        submit: Some(Text::plain("Approve and send")),
        close: Some(Text::plain("Cancel")),
        blocks: vec![Block::text_input(
            ids::REPLY_BLOCK,
            "Reply to the customer",
            ids::TEXT_INPUT,
            true,
            Some(action.reply.clone()),
        )],
        private_metadata: button_value(action),
    }
}

/// The rejection modal, asking why.
pub fn reject_modal(action: &ActionRecord) -> View {
    View::Modal {
        callback_id: ids::REJECT_VIEW.into(),
        title: Text::plain("Reject"),
        submit: Some(Text::plain("Reject")),
        close: Some(Text::plain("Cancel")),
        blocks: vec![Block::text_input(
            ids::REASON_BLOCK,
            "Why? (the team sees this)",
            ids::TEXT_INPUT,
            true,
            None,
        )],
        private_metadata: button_value(action),
    }
}

/// An escalation notice.
pub fn escalation(
    channel: &str,
    app_name: &str,
    conversation_id: &str,
    subject: &str,
    priority: &str,
    reason: &str,
) -> PostMessage {
    let here = if priority == "urgent" { "<!here> " } else { "" };
    let text = format!("{here}Escalation ({priority}) on {app_name}: {subject}");
    let blocks = vec![
        Block::section(format!(
            "{here}*Escalation ({priority})* on {app_name}\n*Subject:* {subject}\n*Why:* {reason}"
        )),
        Block::actions("escalation", vec![open_in_front(conversation_id)]),
    ];
    PostMessage::new(channel, text, blocks)
}

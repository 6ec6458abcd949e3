//! What approvals look like in Slack (Block Kit), read the way a person checks them:
//! who wrote (the sender) and what they asked for, then one block per proposed effect
//! with every argument that will execute (money as money, each purchase with its
//! product and date, the sender and the target named where they differ), then the
//! reply, whole. Nothing a customer, the model or an app wrote is markup: such values
//! are escaped for mrkdwn or shown as `plain_text`. A card that cannot show every
//! proposal and argument within Slack's limits is not built ([`CardTooLarge`]); the
//! conversation then goes to a human instead. The buttons carry the action id and the
//! hash of the arguments the approver saw.

use serde_json::Value;
use support_core::approval::MAX_REPLY_CHARS;
use support_core::effect::{Account, Effect, PurchaseFacts, RefundReason, LOGIN_LINK_PLACEHOLDER};
use support_core::escape::mrkdwn;
use support_core::records::{ActionRecord, ApprovalRecord};
use support_slack::limits::{fit_blocks, MAX_INPUT_VALUE, MAX_SECTION_TEXT};
use support_slack::{Block, ButtonStyle, Confirm, Element, PostMessage, Text, View};

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

/// A card that cannot show everything that would execute.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the approval card cannot show everything that would execute: {0}")]
pub struct CardTooLarge(pub String);

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

fn section(text: String) -> Block {
    // `verbatim`: no auto-linking of bare URLs, names or channels in what we show.
    Block::Section {
        block_id: None,
        text: Some(Text::Mrkdwn {
            text,
            verbatim: Some(true),
        }),
        fields: Vec::new(),
        accessory: None,
    }
}

fn plain(text: String) -> Block {
    Block::Section {
        block_id: None,
        text: Some(Text::plain(text)),
        fields: Vec::new(),
        accessory: None,
    }
}

/// `text` cut to `max` characters, saying so: a value shown in part is marked.
fn capped(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        text.to_owned()
    } else {
        let kept: String = text.chars().take(max).collect();
        format!("{kept}… [cut: {} more characters]", count - max)
    }
}

/// Plain text in sections of at most `max` characters, cut at line ends where it can.
fn chunks(text: &str, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest: Vec<char> = text.chars().collect();
    while !rest.is_empty() {
        if rest.len() <= max {
            out.push(rest.iter().collect());
            break;
        }
        let window = &rest[..max];
        let cut = window
            .iter()
            .rposition(|c| *c == '\n')
            .filter(|i| *i > max / 2)
            .map_or(max, |i| i + 1);
        out.push(rest[..cut].iter().collect());
        rest.drain(..cut);
    }
    out
}

fn person(account: &Account) -> String {
    match &account.name {
        Some(name) => format!("{name} <{}>, user {}", account.email, account.user_id),
        None => format!("{}, user {}", account.email, account.user_id),
    }
}

fn purchase(p: &PurchaseFacts) -> String {
    format!(
        "{} ({}), bought {}, paid {}",
        p.product_name,
        p.purchase_id,
        support_agent::toolbox::date(&p.purchased_at),
        p.paid
    )
}

fn note(label: &str, text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!("\n{label}: “{text}”")
    }
}

/// One proposal: a heading of our own words and money, then every argument that will
/// execute, as plain text (Slack shows it as `plain_text`, the dashboard escapes it), so
/// every view of an approval says the same thing.
pub fn describe(
    index: usize,
    total: usize,
    effect: &Effect,
    sender_email: &str,
) -> (String, String) {
    let heading = format!(
        "{} of {total} · {}",
        index + 1,
        match effect {
            Effect::Refund(r) => format!("Refund {}", r.amount),
            Effect::Transfer(_) => "Transfer a purchase to another email".into(),
            Effect::UpdateEmail(_) => "Change the account email".into(),
            Effect::UpdateName(_) => "Change the account name".into(),
            Effect::Assign(_) => "Assign the conversation to the instructor".into(),
            Effect::LoginLink(_) => "Send a login link".into(),
        }
    );
    let details = match effect {
        Effect::Refund(r) => format!(
            "Amount: {} (Stripe reason: {})\n\
             Purchase: {}\n\
             Stripe charge: {}, {} still refundable when proposed\n\
             Customer (the sender): {}\n\
             Then the app revokes access to this purchase.{}",
            r.amount,
            match r.reason {
                RefundReason::RequestedByCustomer => "requested by customer",
                RefundReason::Duplicate => "duplicate",
                RefundReason::Fraudulent => "fraudulent",
            },
            purchase(&r.purchase),
            r.charge_id,
            r.refundable,
            person(&r.customer),
            note("Agent's note", &r.note),
        ),
        Effect::Transfer(t) => format!(
            "Purchase: {}\n\
             From (the sender): {}\n\
             To (the target, not the sender): {}{}",
            purchase(&t.purchase),
            person(&t.from),
            t.to_email,
            note("Agent's note", &t.note),
        ),
        Effect::UpdateEmail(u) => format!(
            "Account (the sender): {}\n\
             From: {}\n\
             To (the target, not the sender): {}",
            person(&u.account),
            u.account.email,
            u.new_email,
        ),
        Effect::UpdateName(u) => format!(
            "Account (the sender): {}\n\
             From: {}\n\
             To: {}",
            person(&u.account),
            u.account.name.as_deref().unwrap_or("(no name)"),
            u.new_name,
        ),
        Effect::Assign(a) => format!(
            "Conversation: {}{}",
            a.conversation_id,
            note("Agent's reason", &a.reason),
        ),
        Effect::LoginLink(l) => format!(
            "For: {} ({})\n\
             Valid for {} hours. Created when the reply is sent, in place of {} in the reply; nobody sees it before.",
            person(&l.account),
            if l.account.email.eq_ignore_ascii_case(sender_email.trim()) { "the sender's own account" } else { "NOT the sender's address" },
            (l.expires_in_secs as f64 / 3600.0).round(),
            LOGIN_LINK_PLACEHOLDER,
        ),
    };
    (heading, details)
}

fn text_of<'a>(context: &'a Value, key: &str) -> &'a str {
    context.get(key).and_then(Value::as_str).unwrap_or("")
}

/// The summary every view of the approval shows: the sender and their request, each
/// proposal, the reply. Our labels are mrkdwn; what others wrote is `plain_text`.
fn body_blocks(action: &ActionRecord, app_name: &str, reply: &str) -> Vec<Block> {
    let ctx = &action.context;
    let sender = text_of(ctx, "customer");
    let confidence = ctx.get("confidence").and_then(Value::as_f64).unwrap_or(0.0);
    let mut blocks = vec![section(format!(
        "*App:* {} · *Conversation:* <https://app.frontapp.com/open/{id}|{id}> · *Category:* {} ({:.0}% confident)",
        mrkdwn(app_name),
        mrkdwn(text_of(ctx, "category")),
        confidence * 100.0,
        id = mrkdwn(&action.conversation_id),
    ))];
    let mut who = match ctx.get("customerName").and_then(Value::as_str) {
        Some(name) => format!("Sender: {name} <{sender}>"),
        None => format!("Sender: {sender}"),
    };
    match ctx.pointer("/account/userId").and_then(Value::as_str) {
        Some(id) => who.push_str(&format!(", account {id}")),
        None => who.push_str(", no account in the app"),
    }
    for (label, key) in [("Why", "reasoning"), ("Route", "route")] {
        let text = text_of(ctx, key);
        if !text.is_empty() {
            who.push_str(&format!("\n{label}: {}", capped(text, 500)));
        }
    }
    if let Some(refused) = ctx
        .get("refused")
        .and_then(Value::as_array)
        .filter(|r| !r.is_empty())
    {
        let list: Vec<String> = refused
            .iter()
            .map(|r| {
                format!(
                    "{} ({})",
                    r["tool"].as_str().unwrap_or("?"),
                    r["reason"].as_str().unwrap_or("?")
                )
            })
            .collect();
        who.push_str(&format!(
            "\nRefused by the records, not in this card: {}",
            list.join(", ")
        ));
    }
    blocks.push(plain(who));

    let subject = text_of(ctx, "subject");
    let request = text_of(ctx, "request");
    let cut = ctx
        .get("requestCut")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    blocks.push(section("*The customer wrote*".into()));
    blocks.push(plain(format!(
        "Subject: {}\n\n{}{}",
        if subject.trim().is_empty() {
            "(none)".to_owned()
        } else {
            capped(subject, 200)
        },
        if request.trim().is_empty() {
            "(no text)"
        } else {
            request.trim()
        },
        if cut {
            "\n[cut here: the whole message is in Front]"
        } else {
            ""
        }
    )));

    let total = action.proposals.len();
    for (i, effect) in action.proposals.iter().enumerate() {
        let (heading, details) = describe(i, total, effect, sender);
        blocks.push(Block::Divider { block_id: None });
        blocks.push(section(format!("*{heading}*")));
        blocks.push(plain(details));
    }
    if !reply.trim().is_empty() {
        blocks.push(Block::Divider { block_id: None });
        blocks.push(section(format!(
            "*Reply to the customer* ({} characters, shown whole)",
            reply.chars().count()
        )));
        for part in chunks(reply, MAX_SECTION_TEXT) {
            blocks.push(plain(part));
        }
        // Apart from the reply, so nobody reads it as part of what the customer gets.
        blocks.push(Block::Divider { block_id: None });
        blocks.push(section(
            "*What the reply stands on* (knowledge retrieved for it; not sent)".into(),
        ));
        blocks.push(plain(sources_text(ctx)));
        if let Some(warnings) = warnings_text(ctx) {
            blocks.push(section(
                "*The validator warns* (check before approving)".into(),
            ));
            blocks.push(plain(warnings));
        }
    }
    blocks
}

/// The validator's warnings about the reply, one per line (errors never reach a card:
/// such a draft goes to a person instead).
pub fn warnings_text(context: &Value) -> Option<String> {
    let lines: Vec<String> = context
        .pointer("/validation/issues")
        .and_then(Value::as_array)?
        .iter()
        .filter(|i| i["severity"] == "warning")
        .filter_map(|i| i["message"].as_str())
        .map(|m| format!("• {}", capped(m, 400)))
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// The knowledge the reply stands on, by citation, then what was only retrieved; or a
/// plain statement that it stands on none.
pub fn sources_text(context: &Value) -> String {
    let sources: Vec<&Value> = context
        .get("sources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let cite = |used: bool| -> Vec<String> {
        sources
            .iter()
            .filter(|s| s.get("used").and_then(Value::as_bool).unwrap_or(false) == used)
            .filter_map(|s| s.get("citation").and_then(Value::as_str))
            .map(|c| capped(c, 120))
            .collect()
    };
    let (used, retrieved) = (cite(true), cite(false));
    let mut out = if used.is_empty() {
        "Stands on: no retrieved source; the reply rests on the app's data and the model".to_owned()
    } else {
        format!("Stands on: {}", used.join("; "))
    };
    if !retrieved.is_empty() {
        out.push_str(&format!("\nAlso retrieved: {}", retrieved.join("; ")));
    }
    out
}

/// `Approval needed · Total TypeScript: 2 actions and a reply`.
fn headline(action: &ActionRecord) -> String {
    let n = action.proposals.len();
    let actions = match n {
        0 => String::new(),
        1 => "1 action".to_owned(),
        n => format!("{n} actions"),
    };
    match (n, action.reply.trim().is_empty()) {
        (0, _) => "a reply".to_owned(),
        (_, true) => actions,
        (_, false) => format!("{actions} and a reply"),
    }
}

/// The notification text: every proposal named.
fn fallback(action: &ActionRecord, app_name: &str) -> String {
    let mut what: Vec<String> = action.proposals.iter().map(Effect::headline).collect();
    if !action.reply.trim().is_empty() {
        what.push("a reply".into());
    }
    format!(
        "Approval needed on {}: {} for {}",
        mrkdwn(app_name),
        what.join("; "),
        mrkdwn(text_of(&action.context, "customer"))
    )
}

/// Whether the blocks fit Slack's limits untouched: a cut would hide what executes.
fn fits(blocks: &[Block]) -> Result<(), CardTooLarge> {
    let mut check = blocks.to_vec();
    match fit_blocks(&mut check) {
        Ok(0) => Ok(()),
        Ok(cuts) => Err(CardTooLarge(format!("{cuts} text(s) over Slack's limits"))),
        Err(e) => Err(CardTooLarge(e.to_string())),
    }
}

/// The approval request: every proposal and the reply, then the buttons.
pub fn approval(
    action: &ActionRecord,
    app_name: &str,
    approval: &ApprovalRecord,
) -> Result<(String, Vec<Block>), CardTooLarge> {
    let mut blocks = vec![Block::header(capped(
        &format!("Approval needed: {} · {app_name}", headline(action)),
        150,
    ))];
    blocks.extend(body_blocks(action, app_name, &action.reply));
    let value = button_value(action);
    let mut approve =
        Element::button(ids::APPROVE, "Approve", value.clone()).styled(ButtonStyle::Primary);
    if let Element::Button { confirm, .. } = &mut approve {
        if !action.proposals.is_empty() {
            let what: Vec<String> = action.proposals.iter().map(Effect::headline).collect();
            *confirm = Some(Confirm {
                title: Text::plain("Approve and run?"),
                text: Text::plain(capped(
                    &format!("This runs: {}; then sends the reply.", what.join("; ")),
                    280,
                )),
                confirm: Text::plain("Approve"),
                deny: Text::plain("Cancel"),
                style: Some(ButtonStyle::Primary),
            });
        }
    }
    let mut buttons = vec![approve];
    let has_reply = !action.reply.trim().is_empty();
    if has_reply && editable(action) {
        buttons.push(Element::button(ids::EDIT, "Edit", value.clone()));
    }
    buttons.push(Element::button(ids::REJECT, "Reject", value).styled(ButtonStyle::Danger));
    buttons.push(open_in_front(&action.conversation_id));
    blocks.push(Block::actions("decision", buttons));
    let mut footer = vec![format!(
        "Expires {} · {}",
        expiry(approval.expires_at),
        mrkdwn(&action.id)
    )];
    if has_reply && !editable(action) {
        footer.push(format!(
            "The reply is too long to edit in Slack ({} characters; Slack's limit is {MAX_INPUT_VALUE}): edit it with POST /api/approvals/{}/edit, or reject it and answer in Front.",
            action.reply.chars().count(),
            mrkdwn(&action.id)
        ));
    }
    blocks.push(Block::context(footer.join("\n")));
    fits(&blocks)?;
    Ok((fallback(action, app_name), blocks))
}

/// `<!date^…|2026-12-08 11:30 UTC>`: the reader's local time in Slack, a UTC date
/// wherever the token is not understood.
fn expiry(expires_at_ms: i64) -> String {
    let secs = expires_at_ms / 1000;
    let utc = chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| secs.to_string());
    format!("<!date^{secs}^{{date_short_pretty}} at {{time}}|{utc}>")
}

/// The same card once decided (no buttons), with a status line. When even that does
/// not fit, a short card that points at Front.
pub fn decided(
    action: &ActionRecord,
    approval: &ApprovalRecord,
    app_name: &str,
    status_line: &str,
) -> (String, Vec<Block>) {
    let by = match approval.decided_by.as_deref() {
        Some("system") | None => String::new(),
        Some(b) => format!(" by <@{}>", mrkdwn(b)),
    };
    let line = format!("*{}*{by} · {}", mrkdwn(status_line), mrkdwn(&action.id));
    let reply = support_core::approval::reply_to_send(action, approval);
    let mut blocks = vec![Block::header(capped(
        &format!("Approval decided · {app_name}"),
        150,
    ))];
    blocks.extend(body_blocks(action, app_name, reply));
    blocks.push(Block::context(line.clone()));
    if fits(&blocks).is_err() {
        blocks = vec![
            Block::header(capped(&format!("Approval decided · {app_name}"), 150)),
            section(line.clone()),
            Block::actions("decided", vec![open_in_front(&action.conversation_id)]),
        ];
    }
    (format!("{}{by}", mrkdwn(status_line)), blocks)
}

/// A message in a thread, as `plain_text` (it carries what apps and Stripe answered):
/// `:emoji:` codes render, nothing else does.
pub fn thread_reply(channel: &str, ts: &str, text: &str) -> PostMessage {
    let block = Block::Section {
        block_id: None,
        text: Some(Text::Plain {
            text: text.to_owned(),
            emoji: Some(true),
        }),
        fields: Vec::new(),
        accessory: None,
    };
    PostMessage::new(channel, mrkdwn(text), vec![block]).in_thread(ts)
}

/// The edit modal, prefilled with the proposed reply (only offered for a reply the
/// modal can hold whole).
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

/// Whether the edit modal can hold the reply whole (Slack's input limit is below the
/// longest reply an approver may write).
pub fn editable(action: &ActionRecord) -> bool {
    action.reply.chars().count() <= MAX_INPUT_VALUE.min(MAX_REPLY_CHARS)
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

/// An escalation notice. The subject and the reason are the customer's and the model's
/// words: escaped, never live.
pub fn escalation(
    channel: &str,
    app_name: &str,
    conversation_id: &str,
    subject: &str,
    priority: &str,
    reason: &str,
) -> PostMessage {
    let here = if priority == "urgent" { "<!here> " } else { "" };
    let app = mrkdwn(app_name);
    let text = format!(
        "{here}Escalation ({priority}) on {app}: {}",
        mrkdwn(&capped(subject, 200))
    );
    let blocks = vec![
        section(format!("{here}*Escalation ({priority})* on {app}")),
        plain(format!(
            "Subject: {}\nWhy: {}",
            capped(subject, 200),
            capped(reason, 1_000)
        )),
        Block::actions("escalation", vec![open_in_front(conversation_id)]),
    ];
    PostMessage::new(channel, text, blocks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use support_core::effect::{LoginLink, Refund, UpdateEmail};
    use support_core::money::Money;
    use support_core::records::ActionStatus;

    fn dana() -> Account {
        Account {
            user_id: "usr_dana".into(),
            email: "dana@example.com".into(),
            name: Some("Dana Lee".into()),
        }
    }

    fn refund(note: &str) -> Effect {
        Effect::Refund(Refund {
            customer: dana(),
            purchase: PurchaseFacts {
                purchase_id: "pur_dana_tt".into(),
                product_name: "Total TypeScript".into(),
                purchased_at: "2026-11-30T10:00:00.000Z".into(),
                paid: Money::new(49_900, "usd"),
            },
            charge_id: "ch_3Dana001".into(),
            amount: Money::new(49_900, "usd"),
            refundable: Money::new(49_900, "usd"),
            reason: RefundReason::RequestedByCustomer,
            note: note.into(),
        })
    }

    fn action(proposals: Vec<Effect>, reply: &str, subject: &str) -> ActionRecord {
        let mut a = ActionRecord {
            id: "act_1".into(),
            app_id: "tt".into(),
            conversation_id: "cnv_1".into(),
            run_id: "run".into(),
            reply: reply.into(),
            proposals,
            args_hash: String::new(),
            draft_id: None,
            context: json!({"customer": "dana@example.com", "customerName": "Dana Lee", "subject": subject,
                            "request": "I bought Total TypeScript and want a refund", "category": "support_refund",
                            "confidence": 0.9, "account": {"userId": "usr_dana"}}),
            status: ActionStatus::Pending,
            executor: None,
            created_at: 0,
            updated_at: 0,
            result: None,
            error: None,
        };
        a.args_hash = a.current_hash();
        a
    }

    fn approval_of(a: &ActionRecord) -> ApprovalRecord {
        ApprovalRecord {
            action_id: a.id.clone(),
            app_id: "tt".into(),
            args_hash: a.args_hash.clone(),
            status: ActionStatus::Pending,
            expires_at: 1_796_000_000_000,
            decided_by: None,
            decided_at: None,
            reason: None,
            edited_reply: None,
            slack: None,
            created_at: 0,
        }
    }

    fn all_text(blocks: &[Block]) -> String {
        serde_json::to_string(blocks).unwrap()
    }

    #[test]
    fn the_card_shows_money_as_money_and_every_argument() {
        let a = action(
            vec![refund("changed my mind")],
            "Hi Dana, refunded.",
            "Refund",
        );
        let (text, blocks) = approval(&a, "Total TypeScript", &approval_of(&a)).unwrap();
        let all = all_text(&blocks);
        for expected in [
            "Refund $499.00 USD",
            "ch_3Dana001",
            "Total TypeScript (pur_dana_tt), bought 2026-11-30, paid $499.00 USD",
            "Customer (the sender): Dana Lee <dana@example.com>, user usr_dana",
            "1 of 1",
            "revokes access",
            "I bought Total TypeScript and want a refund",
            "Hi Dana, refunded.",
            "2026-11-30",
        ] {
            assert!(all.contains(expected), "no {expected:?} in {all}");
        }
        assert!(!all.contains("49900"), "minor units never shown");
        assert!(
            text.contains("refund $499.00 USD") && text.contains("a reply"),
            "{text}"
        );
        assert!(all.contains("Approval needed: 1 action and a reply"));
        assert!(
            all.contains("|2026-12-") || all.contains("|2026-11-"),
            "the expiry as a date: {all}"
        );
    }

    #[test]
    fn the_card_says_what_the_reply_stands_on() {
        let mut a = action(vec![], "STUDENT50 gives 50% off.", "Discount");
        let (_, blocks) = approval(&a, "TT", &approval_of(&a)).unwrap();
        assert!(
            all_text(&blocks).contains("Stands on: no retrieved source"),
            "{}",
            all_text(&blocks)
        );
        a.context["sources"] = serde_json::json!([
            {"id": "course-faq.md#7", "citation": "Course FAQ § Student discounts", "used": true},
            {"id": "learned/faq_1", "citation": "Answered before § <!channel> discount?", "used": true},
            {"id": "course-faq.md#6", "citation": "Course FAQ § Discord community", "used": false}
        ]);
        let (_, blocks) = approval(&a, "TT", &approval_of(&a)).unwrap();
        let all = all_text(&blocks);
        assert!(
            all.contains(
                "\"type\":\"plain_text\",\"text\":\"Stands on: Course FAQ § Student discounts; Answered before § <!channel> discount?\\nAlso retrieved: Course FAQ § Discord community\""
            ),
            "{all}"
        );
        assert!(all.contains("*What the reply stands on*"), "{all}");
    }

    #[test]
    fn the_card_shows_the_validators_warnings_as_text() {
        let mut a = action(vec![], "The player has no dark mode.", "Dark mode");
        let (_, blocks) = approval(&a, "TT", &approval_of(&a)).unwrap();
        assert!(!all_text(&blocks).contains("The validator warns"));
        a.context["validation"] = serde_json::json!({"valid": true, "score": 0.9, "issues": [
            {"kind": "repeats_correction", "severity": "warning", "matched": "x",
             "message": "the reply is 91% like a draft the team corrected; the team sent instead: \"<!channel> yes\""},
            {"kind": "too_short", "severity": "info", "matched": "", "message": "noted only"}
        ]});
        let (_, blocks) = approval(&a, "TT", &approval_of(&a)).unwrap();
        let all = all_text(&blocks);
        assert!(all.contains("*The validator warns*"), "{all}");
        assert!(
            all.contains("\"type\":\"plain_text\",\"text\":\"• the reply is 91% like a draft the team corrected"),
            "{all}"
        );
        assert!(!all.contains("noted only"), "{all}");
    }

    #[test]
    fn nothing_a_customer_or_the_model_wrote_is_live_markup() {
        let evil = "<!channel> <https://evil.example/login|Open in Stripe> & <@U0ADMIN>";
        let a = action(vec![refund(evil)], evil, evil);
        let (text, blocks) = approval(&a, "TT", &approval_of(&a)).unwrap();
        for block in &blocks {
            let Block::Section { text: Some(t), .. } = block else {
                continue;
            };
            if let Text::Mrkdwn { text, .. } = t {
                assert!(
                    !text.contains("<!channel>")
                        && !text.contains("<https://evil")
                        && !text.contains("<@U0ADMIN>"),
                    "{text}"
                );
            }
        }
        assert!(
            !text.contains("<!channel>") && !text.contains("<https://evil"),
            "{text}"
        );
        // Shown as text: literal in plain text.
        let all = all_text(&blocks);
        assert!(
            all.contains("\"type\":\"plain_text\",\"text\":\"Subject: <!channel>"),
            "{all}"
        );
    }

    #[test]
    fn every_proposal_has_its_own_block_and_the_header_counts_them() {
        let change = Effect::UpdateEmail(UpdateEmail {
            account: dana(),
            new_email: "new@example.com".into(),
        });
        let a = action(vec![refund(&"x".repeat(500)), change], "ok", "s");
        let (text, blocks) = approval(&a, "TT", &approval_of(&a)).unwrap();
        let all = all_text(&blocks);
        assert!(all.contains("2 of 2 · Change the account email*"), "{all}");
        assert!(all.contains("To (the target, not the sender): new@example.com"));
        assert!(all.contains("Approval needed: 2 actions and a reply"));
        assert!(text.contains("change the account email"), "{text}");
    }

    #[test]
    fn a_long_reply_is_shown_whole_and_not_offered_for_editing_in_slack() {
        let reply = "A line of the reply.\n".repeat(400);
        let a = action(vec![], &reply, "s");
        let (_, blocks) = approval(&a, "TT", &approval_of(&a)).unwrap();
        let shown: String = blocks
            .iter()
            .filter_map(|b| match b {
                Block::Section {
                    text: Some(Text::Plain { text, .. }),
                    ..
                } if text.starts_with("A line") => Some(text.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(shown, reply, "every character of the reply is on the card");
        let all = all_text(&blocks);
        assert!(
            !all.contains(ids::EDIT),
            "no Edit button for a reply the modal cannot hold"
        );
        assert!(all.contains("too long to edit in Slack"));
    }

    #[test]
    fn a_card_that_cannot_show_everything_is_not_built() {
        let reply = "word ".repeat(40_000);
        let a = action(vec![refund("r")], &reply, "s");
        assert!(approval(&a, "TT", &approval_of(&a)).is_err());
        let many: Vec<Effect> = (0..30).map(|_| refund("r")).collect();
        let a = action(many, "ok", "s");
        assert!(approval(&a, "TT", &approval_of(&a)).is_err());
    }

    #[test]
    fn a_login_link_is_described_and_never_shown() {
        let link = Effect::LoginLink(LoginLink {
            account: dana(),
            expires_in_secs: 86_400,
        });
        let a = action(vec![link], "Log in here: {{login_link}}", "Can't log in");
        let (_, blocks) = approval(&a, "TT", &approval_of(&a)).unwrap();
        let all = all_text(&blocks);
        assert!(
            all.contains(
                "For: Dana Lee <dana@example.com>, user usr_dana (the sender's own account)"
            ),
            "{all}"
        );
        assert!(all.contains("Valid for 24 hours"));
    }

    #[test]
    fn the_decided_card_has_no_buttons_and_names_the_decider() {
        let a = action(vec![refund("r")], "ok", "s");
        let mut ap = approval_of(&a);
        ap.status = ActionStatus::Approved;
        ap.decided_by = Some("U1".into());
        let (text, blocks) = decided(&a, &ap, "TT", "Approved");
        let all = all_text(&blocks);
        assert!(!all.contains(ids::APPROVE));
        assert!(text.contains("<@U1>"));
        assert!(all.contains("Refund $499.00 USD"));
        assert!(all.contains("act_1"), "the decided card names its action");
    }

    #[test]
    fn chunks_keep_every_character() {
        let text = "ab\ncd\nef".repeat(1000);
        let parts = chunks(&text, 100);
        assert!(parts.iter().all(|p| p.chars().count() <= 100));
        assert_eq!(parts.concat(), text);
    }

    #[test]
    fn escalation_notices_show_the_subject_and_reason_as_text() {
        let m = escalation(
            "C1",
            "TT",
            "cnv_1",
            "<!channel> hi",
            "normal",
            "<https://x|y> not_the_senders",
        );
        for block in &m.blocks {
            if let Block::Section {
                text: Some(Text::Mrkdwn { text, .. }),
                ..
            } = block
            {
                assert!(
                    !text.contains("<!channel>")
                        && !text.contains("<https://x|y>")
                        && !text.contains("not_the"),
                    "{text}"
                );
            }
        }
        let all = serde_json::to_string(&m).unwrap();
        assert!(
            all.contains(r#"{"type":"plain_text","text":"Subject: <!channel> hi\nWhy: <https://x|y> not_the_senders"}"#),
            "{all}"
        );
        assert!(!m.text.contains("<!channel>"), "{}", m.text);
    }
}

//! Gather: the verified sender's records (their account and purchases, by the email
//! Front reports as the message's author), the category-aware data, the history from
//! the conversation's cache and the sender's prior conversations from Front. Every
//! call has a timeout and a failure is recorded, never fatal.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use support_agent::{AgentContext, GatherError, HistoryItem, Toolbox};
use support_core::classify::Classification;
use support_core::conversation::MessageKind;
use support_core::gather::wanted;
use support_inngest::serve::FnError;
use support_store::{AuditKind, Store};
use web_time::Instant;

use crate::pipeline::{load_app, redact_email, Audit, AuditRow, Message, Services};
use crate::ports::ConversationStore;

/// What gather found, and what it could not get.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Gathered {
    pub context: AgentContext,
    pub errors: Vec<GatherError>,
    pub company_names: Vec<String>,
}

pub(super) async fn gather(
    message: &Message,
    classification: &Classification,
    conversations: &dyn ConversationStore,
    store: &dyn Store,
    services: &Services,
    audit: &Audit<'_>,
) -> Result<Gathered, FnError> {
    let started = Instant::now();
    let app = load_app(store, &message.app_id).await?;
    let knowledge = services.knowledge_for(&app);
    let toolbox = Toolbox {
        sdk: services.sdk(&app),
        stripe: None,
        knowledge: None,
    };
    let (sender, mut errors) = toolbox
        .sender_records(&message.conversation_id, &message.sender_email)
        .await;
    let mut ctx = AgentContext {
        app_name: app.name.clone(),
        category: classification.category.as_str().to_owned(),
        customer_name: message.sender_name.clone(),
        subject: message.subject.clone(),
        body: message.body.clone(),
        sender,
        knowledge_enabled: knowledge.is_some(),
        ..AgentContext::default()
    };

    // Knowledge for the message itself (hybrid, the app's namespace): the agent starts
    // from it and may search for more.
    if let Some(knowledge) = &knowledge {
        let query = knowledge_query(&message.subject, &message.body);
        match support_agent::knowledge::search(knowledge, &query).await {
            Ok(sources) => ctx.knowledge = sources,
            Err(e) => errors.push(GatherError {
                call: "knowledge".into(),
                error: e.to_string(),
            }),
        }
    }

    // The team's corrections of drafts for questions like this one.
    match crate::corrections::recent(store, &app.slug, services.now_ms()).await {
        Ok(all) => {
            let question = format!("{}\n{}", message.subject, message.body);
            ctx.corrections =
                support_core::correction::similar(&all, &question, support_core::correction::SHOWN)
                    .into_iter()
                    .cloned()
                    .collect();
        }
        Err(e) => errors.push(GatherError {
            call: "corrections".into(),
            error: e.to_string(),
        }),
    }

    let user_id = ctx.sender.account.as_ref().map(|a| a.user_id.clone());
    // A team licence is a purchase the app lists with licenseType "team"; the typed
    // record does not carry it, so the first active purchase stands in when asked.
    let team_purchase = ctx
        .sender
        .purchases
        .iter()
        .find(|p| p.status == "active")
        .map(|p| p.id.clone());
    for want in wanted(
        classification.category,
        user_id.as_deref(),
        team_purchase.as_deref(),
    ) {
        match toolbox.want(&want).await {
            Ok(Some(value)) => {
                ctx.app_data.insert(want.label().to_owned(), value);
            }
            Ok(None) => {}
            Err(error) => errors.push(GatherError {
                call: want.label().to_owned(),
                error,
            }),
        }
    }

    // History from the conversation's cache (no Front call).
    match conversations.snapshot(&message.conversation_id).await {
        Ok(snapshot) => {
            let earlier: Vec<HistoryItem> = snapshot
                .messages
                .iter()
                .filter(|m| m.id != message.message_id)
                .map(|m| HistoryItem {
                    from: match m.kind {
                        MessageKind::Inbound => "customer",
                        MessageKind::Outbound => "teammate",
                        _ => "note",
                    }
                    .into(),
                    body: m.body.chars().take(1_000).collect(),
                })
                .collect();
            let skip = earlier.len().saturating_sub(5);
            ctx.history = earlier.into_iter().skip(skip).collect();
        }
        Err(e) => errors.push(GatherError {
            call: "conversation cache".into(),
            error: e.to_string(),
        }),
    }
    // The sender's prior conversations from Front (one call).
    if let (Some(front), false) = (&services.front, ctx.sender.email.is_empty()) {
        match front
            .list_contact_conversations(&format!("alt:email:{}", ctx.sender.email))
            .await
        {
            Ok(page) => {
                ctx.prior_conversations = page
                    .results
                    .iter()
                    .filter(|c| c.id != message.conversation_id)
                    .take(10)
                    .map(|c| c.subject.clone().unwrap_or_default())
                    .collect()
            }
            // An unknown contact is a new customer, not an error.
            Err(support_front::FrontError::NotFound { .. }) => {}
            Err(e) => errors.push(GatherError {
                call: "priorConversations".into(),
                error: e.to_string(),
            }),
        }
    }
    let mut row = AuditRow::new(
        AuditKind::Step,
        "gather",
        json!({"sender": redact_email(&ctx.sender.email)}),
        started,
    );
    row.output = Some(json!({
        "accountFound": ctx.sender.account.is_some(),
        "purchases": ctx.sender.purchases.len(),
        "history": ctx.history.len(),
        "priorConversations": ctx.prior_conversations.len(),
        "appData": ctx.app_data.keys().collect::<Vec<_>>(),
        "corrections": ctx.corrections.iter().map(|c| &c.id).collect::<Vec<_>>(),
        "knowledge": ctx.knowledge.iter().map(|k| json!({"id": k.id, "score": k.score})).collect::<Vec<_>>(),
    }));
    if !errors.is_empty() {
        row.error = Some(serde_json::to_string(&errors).unwrap_or_default());
    }
    audit.write("gather", row).await?;
    Ok(Gathered {
        context: ctx,
        errors,
        company_names: app.settings.company_names.clone(),
    })
}

/// What the knowledge base is asked for a message: its subject and the start of its
/// body (a query, not the whole email; quoted history below adds only noise).
fn knowledge_query(subject: &str, body: &str) -> String {
    const MAX_CHARS: usize = 1_000;
    let text = format!("{}\n{}", subject.trim(), body.trim());
    text.trim().chars().take(MAX_CHARS).collect()
}

/// What gather could not read, for the approver's card.
pub(super) fn errors_for_card(errors: &[GatherError]) -> Value {
    json!(errors
        .iter()
        .map(|e| json!({"call": e.call, "error": e.error}))
        .collect::<Vec<_>>())
}

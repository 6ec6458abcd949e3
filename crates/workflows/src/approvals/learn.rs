//! Learning from a sent reply: after an approved reply went out, its question and answer
//! (scrubbed) become a candidate; when the same retrieval the agent uses finds at least
//! [`GROUP_SIZE`] similar ungrouped candidates, they are proposed as one FAQ entry for a
//! person to approve (`skill knowledge candidates`). Nothing enters the knowledge base
//! here: candidates live in their own namespace of the index, never searched for
//! customers.

use serde_json::{json, Value};
use support_core::effect::LOGIN_LINK_PLACEHOLDER;
use support_core::learned::{Candidate, FaqEntry, GROUP_SIZE};
use support_inngest::serve::FnError;
use support_knowledge::{DataQuery, DataRecord, QueryMode, VectorError};
use support_store::{ActionRecord, AuditKind, Store};
use web_time::Instant;

use crate::pipeline::{
    candidates_namespace, load_app, retryable, store_error, Audit, AuditRow, Services,
};

/// How close (the index's dense score, 0..1) two questions must be to be "similar".
/// Dense scores have a fixed scale (COSINE similarity mapped to 0..1), unlike fused
/// hybrid scores. 0.85 is a cosine of 0.7: on the devkit's n-gram embedding, rewordings
/// of one question score 0.91 to 0.95 and unrelated support questions 0.51 to 0.62 (a
/// paraphrase sharing few words, 0.75, is left out: a missed grouping costs less than a
/// wrong one).
pub const SIMILAR_SCORE: f64 = 0.85;

/// How many neighbours of a new candidate are looked at.
const NEIGHBOURS: u32 = 20;

/// An index failure as a step error: retried (after Upstash's `Retry-After` on a 429),
/// and not retried when nothing will change (a refused token, a bad request).
fn index_error(what: &str, e: VectorError) -> FnError {
    match &e {
        VectorError::RateLimited { retry_after_secs } => retryable(
            what,
            &e,
            retry_after_secs.map(std::time::Duration::from_secs),
        ),
        _ if e.is_retryable() => retryable(what, &e, None),
        _ => FnError::non_retriable(format!("{what}: {e}")),
    }
}

/// Record the sent reply of `action` as a candidate, and propose an FAQ entry when
/// enough similar candidates have accumulated. Returns what it did, for the run.
pub(crate) async fn learn_from_reply(
    store: &dyn Store,
    services: &Services,
    audit: &Audit<'_>,
    action: &ActionRecord,
    sent: &str,
    edited: bool,
) -> Result<Value, FnError> {
    let started = Instant::now();
    let ctx = &action.context;
    let text = |key: &str| ctx.get(key).and_then(Value::as_str).unwrap_or("");
    // Every name the platform knows for the customer: Front's display name, the app's
    // account name, and the email with its local part ("dana.lee" in a signature).
    let email = text("customer");
    let local_part = email.split('@').next().unwrap_or_default();
    let account_name = ctx
        .pointer("/account/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    let customer: Vec<&str> = [text("customerName"), account_name, email, local_part]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    let reply = sent.replace(LOGIN_LINK_PLACEHOLDER, "[login link]");
    let candidate = Candidate::of_sent_reply(
        &action.app_id,
        &action.id,
        &action.conversation_id,
        text("subject"),
        text("request"),
        &reply,
        edited,
        &customer,
        services.now_ms(),
    );
    store.add_candidate(&candidate).await.map_err(store_error)?;
    let mut outcome = json!({"candidate": candidate.id});

    let write = services.knowledge.as_ref().and_then(|k| k.write.as_ref());
    if let Some(index) = write {
        let app = load_app(store, &action.app_id).await?;
        let namespace = candidates_namespace(&app);
        index
            .upsert_data(
                &namespace,
                &[DataRecord {
                    id: candidate.id.clone(),
                    data: candidate.question.clone(),
                    metadata: Some(
                        json!({"actionId": action.id, "createdAt": candidate.created_at}),
                    ),
                }],
            )
            .await
            .map_err(|e| index_error("record the candidate", e))?;
        let query = DataQuery {
            query_mode: Some(QueryMode::Dense),
            ..DataQuery::new(candidate.question.clone(), NEIGHBOURS)
        };
        let hits = index
            .query_data(&namespace, &query)
            .await
            .map_err(|e| index_error("find similar candidates", e))?;
        let mut ids: Vec<String> = hits
            .into_iter()
            .filter(|h| h.score >= SIMILAR_SCORE)
            .map(|h| h.id)
            .collect();
        // The index may not show a vector right after its upsert: the new one counts.
        if !ids.contains(&candidate.id) {
            ids.insert(0, candidate.id.clone());
        }
        let group: Vec<Candidate> = store
            .candidates(&ids)
            .await
            .map_err(store_error)?
            .into_iter()
            .filter(|c| c.faq_id.is_none() && c.app_id == action.app_id)
            .collect();
        // Zero when a retry or a concurrent learner already grouped this one.
        outcome["similar"] = json!(group.len().saturating_sub(1));
        if group.len() >= GROUP_SIZE {
            if let Some(entry) = FaqEntry::propose(&group, services.now_ms()) {
                if store.propose_faq(&entry).await.map_err(store_error)? {
                    outcome["proposedFaq"] = json!(entry.id);
                }
            }
        }
    } else {
        outcome["grouping"] =
            json!("off: no read-write knowledge token, candidates are kept but not grouped");
    }
    let mut row = AuditRow::new(AuditKind::Step, "learn", json!({"edited": edited}), started);
    row.action_id = Some(action.id.clone());
    row.output = Some(outcome.clone());
    audit.write("learn from the reply", row).await?;
    Ok(outcome)
}

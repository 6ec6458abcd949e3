//! Deciding a proposed FAQ entry (`/admin/knowledge/faqs/{id}/approve|reject`, driven by
//! `skill knowledge candidates`): an approved entry is written into the app's namespace
//! of the knowledge index as `learned/<entry id>`, with its provenance, and from then on
//! it is retrieved like any page. A rejected one never is.

use serde_json::json;
use support_core::learned::{FaqEntry, FaqStatus};
use support_knowledge::faq::{learned_chunk, FaqEntry as FaqText};
use support_knowledge::Origin;
use support_store::{FaqDecision, Store};

use crate::pipeline::Services;

/// Why a decision was not recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecideFaqError {
    /// No such entry.
    #[error("no FAQ entry {0}")]
    NotFound(String),
    /// It was decided already.
    #[error("the FAQ entry was already {0}")]
    AlreadyDecided(&'static str),
    /// The input was refused.
    #[error("{0}")]
    Invalid(String),
    /// Approving needs the index's read-write token.
    #[error("the knowledge index has no read-write token (UPSTASH_VECTOR_REST_TOKEN), so nothing can be added to it")]
    NoWriteToken,
    /// The index or the store failed; try again.
    #[error("{0}")]
    Unavailable(String),
}

/// Approve (with its final wording, which may be edited) or reject a proposed entry.
/// The decision is recorded first (of two people deciding at once, one wins and the
/// other is told), then an approved entry is written into the index; a failed write
/// puts the entry back to proposed, with its proposed wording.
pub async fn decide_faq(
    store: &dyn Store,
    services: &Services,
    decision: FaqDecision,
) -> Result<FaqEntry, DecideFaqError> {
    let unavailable = |e: &dyn std::fmt::Display| DecideFaqError::Unavailable(e.to_string());
    let entry = store
        .faq(&decision.id)
        .await
        .map_err(|e| unavailable(&e))?
        .ok_or_else(|| DecideFaqError::NotFound(decision.id.clone()))?;
    if entry.status != FaqStatus::Proposed {
        return Err(DecideFaqError::AlreadyDecided(entry.status.as_str()));
    }
    if decision.by.trim().is_empty() {
        return Err(DecideFaqError::Invalid(
            "a decision names who made it (`by`)".into(),
        ));
    }
    if decision.status == FaqStatus::Approved {
        if decision.question.trim().is_empty() || decision.answer.trim().is_empty() {
            return Err(DecideFaqError::Invalid(
                "an approved entry needs a question and an answer".into(),
            ));
        }
        let index = services
            .knowledge
            .as_ref()
            .and_then(|k| k.write.as_ref())
            .ok_or(DecideFaqError::NoWriteToken)?;
        let app = store
            .app(&entry.app_id)
            .await
            .map_err(|e| unavailable(&e))?
            .ok_or_else(|| DecideFaqError::Invalid(format!("no app {:?}", entry.app_id)))?;
        // Decided first (one conditional update: of two deciders, one wins), written
        // into the index after; if the write fails the entry goes back to proposed.
        let decided = record_decision(store, &decision).await?;
        let chunk = learned_chunk(
            &entry.id,
            &FaqText {
                question: decision.question.trim().to_owned(),
                answer: decision.answer.trim().to_owned(),
                url: None,
            },
        );
        let mut record = chunk.record(Origin::Learned);
        if let Some(meta) = record.metadata.as_mut() {
            meta["provenance"] = json!({
                "faqId": entry.id,
                "candidates": entry.candidate_ids.len(),
                "approvedBy": decision.by,
                "approvedAt": decision.now_ms,
                "edited": decision.question.trim() != entry.question.trim()
                    || decision.answer.trim() != entry.answer.trim(),
            });
        }
        if let Err(e) = index.upsert_data(&app.id, &[record]).await {
            store
                .reopen_faq(&entry, &decision.by)
                .await
                .map_err(|e| unavailable(&e))?;
            return Err(unavailable(&e));
        }
        return Ok(decided);
    }
    record_decision(store, &decision).await
}

async fn record_decision(
    store: &dyn Store,
    decision: &FaqDecision,
) -> Result<FaqEntry, DecideFaqError> {
    store
        .decide_faq(decision)
        .await
        .map_err(|e| match e {
            support_store::StoreError::Invalid(m) => DecideFaqError::Invalid(m),
            e => DecideFaqError::Unavailable(e.to_string()),
        })?
        .ok_or(DecideFaqError::AlreadyDecided("decided"))
}

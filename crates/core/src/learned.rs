//! Learning from approved answers: every reply a person let go out (approved as drafted
//! or edited) becomes a **candidate** — its question and answer with personal data
//! scrubbed. Similar candidates (three or more, found by the same retrieval the agent
//! uses) are proposed as one **FAQ entry**, which a person approves (possibly edited) or
//! rejects. Only an approved entry enters the knowledge base, with its provenance.

use serde::{Deserialize, Serialize};

use crate::scrub::scrub;

/// How many similar candidates make a proposed FAQ entry.
pub const GROUP_SIZE: usize = 3;

/// Longest question or answer a candidate keeps (characters).
pub const MAX_TEXT_CHARS: usize = 2_000;

/// A sent reply and the message it answered, scrubbed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Candidate {
    /// `kc_…`, from the action it came from (one candidate per sent reply).
    pub id: String,
    /// App slug.
    pub app_id: String,
    /// The action whose reply was sent.
    pub action_id: String,
    /// The Front conversation.
    pub conversation_id: String,
    /// The customer's subject and message, scrubbed.
    pub question: String,
    /// The reply as sent, scrubbed.
    pub answer: String,
    /// Whether the approver edited the reply before it went out.
    pub edited: bool,
    /// The FAQ entry it was grouped into, once grouped.
    pub faq_id: Option<String>,
    /// Unix ms.
    pub created_at: i64,
}

impl Candidate {
    /// The candidate of a sent reply: the customer's names and email, ids, long numbers
    /// and links with tokens are scrubbed from both sides.
    #[allow(clippy::too_many_arguments)]
    pub fn of_sent_reply(
        app_id: &str,
        action_id: &str,
        conversation_id: &str,
        subject: &str,
        request: &str,
        reply: &str,
        edited: bool,
        customer: &[&str],
        now_ms: i64,
    ) -> Candidate {
        let question = if subject.trim().is_empty() {
            request.trim().to_owned()
        } else {
            format!("{}\n\n{}", subject.trim(), request.trim())
        };
        let cap = |s: String| -> String { s.chars().take(MAX_TEXT_CHARS).collect() };
        Candidate {
            id: candidate_id(action_id),
            app_id: app_id.to_owned(),
            action_id: action_id.to_owned(),
            conversation_id: conversation_id.to_owned(),
            question: cap(scrub(&question, customer)),
            answer: cap(scrub(reply.trim(), customer)),
            edited,
            faq_id: None,
            created_at: now_ms,
        }
    }
}

/// `kc_` and the first 24 hex characters of SHA-256 of the action id.
pub fn candidate_id(action_id: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(action_id.as_bytes());
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("kc_{hex}")
}

/// Where a proposed FAQ entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaqStatus {
    /// Waiting for a person.
    Proposed,
    /// Approved and in the knowledge base.
    Approved,
    /// Rejected; never enters the knowledge base.
    Rejected,
}

impl FaqStatus {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            FaqStatus::Proposed => "proposed",
            FaqStatus::Approved => "approved",
            FaqStatus::Rejected => "rejected",
        }
    }

    /// From storage.
    pub fn parse(s: &str) -> Option<FaqStatus> {
        match s {
            "proposed" => Some(FaqStatus::Proposed),
            "approved" => Some(FaqStatus::Approved),
            "rejected" => Some(FaqStatus::Rejected),
            _ => None,
        }
    }
}

/// An FAQ entry proposed from similar candidates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FaqEntry {
    /// `faq_…`.
    pub id: String,
    /// App slug.
    pub app_id: String,
    /// The question (proposed: the shortest of the group's; the reviewer may edit it).
    pub question: String,
    /// The answer (proposed: the newest of the group's; the reviewer may edit it).
    pub answer: String,
    /// Where it stands.
    pub status: FaqStatus,
    /// The candidates it was made from.
    pub candidate_ids: Vec<String>,
    /// Unix ms.
    pub created_at: i64,
    /// Who approved or rejected it.
    pub decided_by: Option<String>,
    /// Unix ms.
    pub decided_at: Option<i64>,
    /// Why it was rejected.
    pub reason: Option<String>,
}

impl FaqEntry {
    /// The entry proposed for a group of similar candidates (at least one): the
    /// shortest question (the most general wording), the newest answer.
    pub fn propose(group: &[Candidate], now_ms: i64) -> Option<FaqEntry> {
        let question = group.iter().min_by_key(|c| c.question.chars().count())?;
        let answer = group.iter().max_by_key(|c| (c.created_at, c.id.clone()))?;
        let mut ids: Vec<String> = group.iter().map(|c| c.id.clone()).collect();
        ids.sort();
        let id = {
            use sha2::{Digest, Sha256};
            let digest = Sha256::digest(ids.join(",").as_bytes());
            let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
            format!("faq_{hex}")
        };
        Some(FaqEntry {
            id,
            app_id: question.app_id.clone(),
            question: question.question.clone(),
            answer: answer.answer.clone(),
            status: FaqStatus::Proposed,
            candidate_ids: ids,
            created_at: now_ms,
            decided_by: None,
            decided_at: None,
            reason: None,
        })
    }

    /// The id of the entry in the knowledge base once approved.
    pub fn knowledge_id(&self) -> String {
        format!("learned/{}", self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(action: &str, question: &str, answer: &str, at: i64) -> Candidate {
        Candidate::of_sent_reply(
            "tt",
            action,
            "cnv_1",
            "",
            question,
            answer,
            false,
            &["Dana Lee"],
            at,
        )
    }

    #[test]
    fn a_candidate_keeps_the_question_and_answer_without_the_customer() {
        let c = Candidate::of_sent_reply(
            "tt",
            "act_1",
            "cnv_1",
            "Student discount?",
            "Hi, Dana Lee here (dana@example.com). Do you have a student discount?",
            "Hi Dana, yes: STUDENT50 gives 50% off.\n\nSam",
            true,
            &["Dana Lee"],
            7,
        );
        assert_eq!(
            c.question,
            "Student discount?\n\nHi, [name] here ([email]). Do you have a student discount?"
        );
        assert_eq!(c.answer, "Hi [name], yes: STUDENT50 gives 50% off.\n\nSam");
        assert_eq!(c.id, candidate_id("act_1"));
        assert!(c.id.starts_with("kc_") && c.id.len() == 27);
    }

    #[test]
    fn a_group_proposes_its_shortest_question_and_newest_answer() {
        let group = vec![
            candidate(
                "act_1",
                "Is there a student discount at all?",
                "old answer",
                1,
            ),
            candidate("act_2", "Student discount?", "newest answer", 3),
            candidate("act_3", "Do students get a discount?", "middle answer", 2),
        ];
        let entry = FaqEntry::propose(&group, 10).unwrap();
        assert_eq!(entry.question, "Student discount?");
        assert_eq!(entry.answer, "newest answer");
        assert_eq!(entry.status, FaqStatus::Proposed);
        assert_eq!(entry.candidate_ids.len(), 3);
        // The same group gives the same id, whatever its order.
        let mut reversed = group.clone();
        reversed.reverse();
        assert_eq!(FaqEntry::propose(&reversed, 11).unwrap().id, entry.id);
        assert!(entry.knowledge_id().starts_with("learned/faq_"));
    }
}

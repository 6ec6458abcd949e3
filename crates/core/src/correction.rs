//! Corrections: what the team changed in the agent's drafts, fed back to the agent.
//!
//! Every edit of a draft (what the agent wrote and what went out instead) and every
//! rejection with its reason is a correction, stored with the category and the
//! customer's question, scrubbed of names, emails, ids and links ([`crate::scrub`]).
//! For a new message the agent is shown the few corrections whose questions are most
//! like it ([`similar`]), and the validator warns when a draft is close to one the team
//! corrected ([`repeats`]: word Jaccard ≥ 0.6 against the corrected draft, the
//! original system's baseline).

use serde::{Deserialize, Serialize};

use crate::outcome::{jaccard, words};

/// What kind of correction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrectionKind {
    /// The draft was edited before it went (in Slack's modal, the dashboard, the API or
    /// Front).
    Edit,
    /// The draft was rejected.
    Rejection,
}

impl CorrectionKind {
    /// Its stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            CorrectionKind::Edit => "edit",
            CorrectionKind::Rejection => "rejection",
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "edit" => Some(CorrectionKind::Edit),
            "rejection" => Some(CorrectionKind::Rejection),
            _ => None,
        }
    }
}

/// One correction, scrubbed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Correction {
    /// The action whose draft was corrected (one correction per draft).
    pub id: String,
    /// App slug.
    pub app_id: String,
    /// The message's category.
    pub category: String,
    /// Edit or rejection.
    pub kind: CorrectionKind,
    /// The customer's question.
    pub question: String,
    /// What the agent drafted.
    pub draft: String,
    /// What went out instead (edits).
    pub corrected: Option<String>,
    /// Why it was rejected, when the approver said.
    pub reason: Option<String>,
    /// When (Unix ms).
    pub at_ms: i64,
}

/// Longest question, draft or correction kept (characters).
pub const MAX_TEXT: usize = 1_500;
/// How many corrections the agent is shown.
pub const SHOWN: usize = 3;
/// A question at least this similar (word Jaccard) is "like" the message.
pub const SIMILAR_AT: f64 = 0.15;
/// A draft at least this similar to a corrected draft repeats it (the original's).
pub const REPEATS_AT: f64 = 0.6;

/// Words that say nothing about what a question is about.
const STOPWORDS: &[&str] = &[
    "a", "an", "the", "i", "i'm", "my", "me", "you", "your", "we", "our", "it", "is", "are", "was",
    "to", "of", "in", "on", "for", "and", "or", "but", "can", "could", "do", "does", "how", "what",
    "where", "when", "why", "hi", "hello", "thanks", "thank", "please", "there", "this", "that",
    "with", "be", "have", "has", "am", "so", "just", "any", "get", "name", "email", "link", "id",
    "number",
];

fn topic_words(text: &str) -> Vec<String> {
    words(text)
        .into_iter()
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
        .collect()
}

/// `text` cut to [`MAX_TEXT`] characters.
pub fn clip(text: &str) -> String {
    text.chars().take(MAX_TEXT).collect()
}

/// The corrections whose questions are most like `question` (at least
/// [`SIMILAR_AT`]), most similar first, then newest; at most `limit`.
pub fn similar<'a>(
    corrections: &'a [Correction],
    question: &str,
    limit: usize,
) -> Vec<&'a Correction> {
    let asked = topic_words(question);
    let mut scored: Vec<(f64, &Correction)> = corrections
        .iter()
        .map(|c| (jaccard(&asked, &topic_words(&c.question)), c))
        .filter(|(score, _)| *score >= SIMILAR_AT)
        .collect();
    scored.sort_by(|a, b| {
        b.0.partial_cmp(&a.0)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(b.1.at_ms.cmp(&a.1.at_ms))
    });
    scored.into_iter().take(limit).map(|(_, c)| c).collect()
}

/// The correction `draft` repeats: the most similar corrected draft at or above
/// [`REPEATS_AT`], with its similarity.
pub fn repeats<'a>(draft: &str, corrections: &'a [Correction]) -> Option<(&'a Correction, f64)> {
    let drafted = words(draft);
    corrections
        .iter()
        .map(|c| (c, jaccard(&drafted, &words(&c.draft))))
        .filter(|(_, score)| *score >= REPEATS_AT)
        .max_by(|a, b| a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal))
}

/// What the agent is told about `corrections`, short.
pub fn guidance(corrections: &[&Correction]) -> String {
    const SHOWN_CHARS: usize = 400;
    let cut = |t: &str| {
        let mut s: String = t.chars().take(SHOWN_CHARS).collect();
        if t.chars().count() > SHOWN_CHARS {
            s.push('…');
        }
        s.replace('\n', " ")
    };
    corrections
        .iter()
        .map(|c| {
            let what = match (c.kind, &c.corrected, &c.reason) {
                (CorrectionKind::Edit, Some(sent), _) => {
                    format!("The team sent instead: {}", cut(sent))
                }
                (CorrectionKind::Rejection, _, Some(reason)) => {
                    format!("The team rejected it: {}", cut(reason))
                }
                _ => "The team rejected it.".to_owned(),
            };
            format!(
                "- A customer asked: {}\n  The draft said: {}\n  {what}\n",
                cut(&c.question),
                cut(&c.draft)
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn correction(id: &str, question: &str, draft: &str, at_ms: i64) -> Correction {
        Correction {
            id: id.into(),
            app_id: "tt".into(),
            category: "support_billing".into(),
            kind: CorrectionKind::Edit,
            question: question.into(),
            draft: draft.into(),
            corrected: Some("Invoices are emailed by our billing team.".into()),
            reason: None,
            at_ms,
        }
    }

    #[test]
    fn the_most_similar_questions_come_first_and_unrelated_ones_not_at_all() {
        let all = [
            correction(
                "a",
                "Where can I download my invoice for the course?",
                "d",
                1,
            ),
            correction("b", "My video player stutters on Firefox", "d", 2),
            correction(
                "c",
                "Can I get an invoice with my company's VAT number?",
                "d",
                3,
            ),
        ];
        let found = similar(&all, "How do I download an invoice?", 3);
        let ids: Vec<&str> = found.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["a", "c"]);
        assert!(similar(&all, "Refund please", 3).is_empty());
    }

    #[test]
    fn a_draft_close_to_a_corrected_one_repeats_it() {
        let all = [correction(
            "a",
            "invoice?",
            "You can download every invoice from the purchases page of your account.",
            1,
        )];
        let (found, score) = repeats(
            "You can download every invoice from the purchases page in your account.",
            &all,
        )
        .unwrap();
        assert_eq!(found.id, "a");
        assert!(score >= REPEATS_AT, "{score}");
        assert!(repeats("Our billing team will email you the invoice today.", &all).is_none());
    }

    #[test]
    fn the_guidance_is_short_and_says_what_the_team_did() {
        let c = correction("a", "invoice?", &"word ".repeat(200), 1);
        let text = guidance(&[&c]);
        assert!(
            text.contains("The team sent instead: Invoices are emailed"),
            "{text}"
        );
        assert!(text.chars().count() < 1_000, "{}", text.len());
        let mut rejected = correction("b", "refund?", "Sure, refunded.", 2);
        rejected.kind = CorrectionKind::Rejection;
        rejected.corrected = None;
        rejected.reason = Some("outside the 30-day window".into());
        assert!(guidance(&[&rejected]).contains("The team rejected it: outside the 30-day window"));
    }
}

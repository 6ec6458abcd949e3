//! What became of a draft: sent as the agent wrote it, edited a little, rewritten, or
//! refused. Every draft gets one outcome; trust ([`crate::trust`]) is computed from them.
//!
//! A sent reply is compared with the draft after both are reduced to their words (HTML
//! rendered to text, case and punctuation ignored). Three measures were compared on 30
//! hand-made pairs labelled unchanged / minor / major (`tests/fixtures/edit_pairs.json`;
//! `cargo test -p support-core --test edit_pairs -- --nocapture` prints each pair):
//!
//! | measure (thresholds unchanged / minor) | agrees with the label |
//! |---|---|
//! | the original's word Jaccard (0.95 / 0.70) | 28 / 30 |
//! | character-level edit distance (0.95 / 0.75) | 25 / 30 |
//! | word-level edit distance (0.95 / 0.75) | 27 / 30 |
//! | **the mean of word Jaccard and word-level similarity (0.95 / 0.70)** | **29 / 30** |
//!
//! Jaccard sees sets, so a reply whose sentences were reordered reads as unchanged; an
//! edit distance sees order, so the same reordering reads as a rewrite, and it punishes
//! a reworded sentence whose words mostly stay. Their mean keeps what each gets right;
//! it uses the original's thresholds, not ones fitted to these pairs. Character-level
//! distance scores a replaced word by its spelling ("five" → "ten" costs four, "will" →
//! "won't" two), which is not what an edit means to the person approving it. Thirty
//! pairs are few: the test keeps the choice honest as pairs are added.

use serde::{Deserialize, Serialize};

/// How much a sent reply differs from its draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Edit {
    /// Sent as written (whitespace, case and punctuation aside).
    Unchanged,
    /// A few words changed.
    MinorEdit,
    /// Rewritten.
    MajorRewrite,
}

/// The words of a reply, lowercased, without punctuation. HTML is rendered to text
/// first.
pub fn words(text_or_html: &str) -> Vec<String> {
    let text = if text_or_html.contains('<') {
        crate::escape::text_of_html(text_or_html)
    } else {
        text_or_html.to_owned()
    };
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '$' || c == '%'))
        .map(|w| w.trim_matches('\'').to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

/// The original's measure: |A ∩ B| / |A ∪ B| over the two sets of words (1 when both
/// are empty).
pub fn jaccard(a: &[String], b: &[String]) -> f64 {
    use std::collections::BTreeSet;
    let a: BTreeSet<&str> = a.iter().map(String::as_str).collect();
    let b: BTreeSet<&str> = b.iter().map(String::as_str).collect();
    let union = a.union(&b).count();
    if union == 0 {
        return 1.0;
    }
    a.intersection(&b).count() as f64 / union as f64
}

/// Levenshtein distance between two sequences (two rows of memory).
fn levenshtein<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, x) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, y) in b.iter().enumerate() {
            let replace = previous[j] + usize::from(x != y);
            current[j + 1] = replace.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// 1 − edit distance / length of the longer sequence (1 when both are empty).
pub fn sequence_similarity<T: PartialEq>(a: &[T], b: &[T]) -> f64 {
    let longest = a.len().max(b.len());
    if longest == 0 {
        return 1.0;
    }
    1.0 - levenshtein(a, b) as f64 / longest as f64
}

/// Character-level similarity of the two texts' words joined by spaces (measured, not
/// used: see the module's docs).
pub fn character_similarity(a: &[String], b: &[String]) -> f64 {
    let a: Vec<char> = a.join(" ").chars().collect();
    let b: Vec<char> = b.join(" ").chars().collect();
    sequence_similarity(&a, &b)
}

/// At least this similar: unchanged (the original's threshold).
pub const UNCHANGED_AT: f64 = 0.95;
/// Below [`UNCHANGED_AT`] and at least this: a minor edit (the original's threshold).
pub const MINOR_AT: f64 = 0.70;

/// The similarity [`classify_edit`] uses: the mean of word Jaccard (which words) and
/// word-level edit similarity (in which order).
pub fn similarity(draft: &str, sent: &str) -> f64 {
    let (a, b) = (words(draft), words(sent));
    (jaccard(&a, &b) + sequence_similarity(&a, &b)) / 2.0
}

/// How `sent` differs from `draft` (either may be HTML).
pub fn classify_edit(draft: &str, sent: &str) -> Edit {
    let similarity = similarity(draft, sent);
    if similarity >= UNCHANGED_AT {
        Edit::Unchanged
    } else if similarity >= MINOR_AT {
        Edit::MinorEdit
    } else {
        Edit::MajorRewrite
    }
}

/// The original's classifier, kept to compare against: word Jaccard with its
/// thresholds (≥ 0.95 unchanged, ≥ 0.70 minor).
pub fn classify_edit_jaccard(draft: &str, sent: &str) -> Edit {
    let similarity = jaccard(&words(draft), &words(sent));
    if similarity >= 0.95 {
        Edit::Unchanged
    } else if similarity >= 0.70 {
        Edit::MinorEdit
    } else {
        Edit::MajorRewrite
    }
}

/// What became of a draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// A teammate sent it from Front; how much they changed it.
    Sent {
        /// The edit's size.
        edit: Edit,
    },
    /// Approved as proposed (the reply went as written).
    Approved,
    /// Edited in the approval, then approved; the edit's size.
    EditedApproved {
        /// The edit's size.
        edit: Edit,
    },
    /// Rejected.
    Rejected,
    /// Nobody decided in time.
    Expired,
    /// The customer wrote again before anyone decided.
    Superseded,
    /// The draft was deleted in Front.
    Deleted,
    /// Sent by the agent alone (auto-send): counted, not a verdict on the agent.
    AutoSent,
    /// Drafted and waiting: nobody has decided yet (replaced by the outcome when one
    /// comes).
    Pending,
    /// A message that needed an answer got no draft: it went to a person, or the agent
    /// chose to stay silent.
    NoDraft,
}

impl Edit {
    /// Its name in rows and figures.
    pub fn as_str(&self) -> &'static str {
        match self {
            Edit::Unchanged => "unchanged",
            Edit::MinorEdit => "minor_edit",
            Edit::MajorRewrite => "major_rewrite",
        }
    }

    /// The edit named `name`.
    pub fn parse(name: &str) -> Option<Edit> {
        [Edit::Unchanged, Edit::MinorEdit, Edit::MajorRewrite]
            .into_iter()
            .find(|e| e.as_str() == name)
    }
}

impl Outcome {
    /// What it says about the draft, for trust: 1 sent as written, 0.5 a minor edit, 0
    /// rewritten, rejected or deleted; `None` when it says nothing (expired,
    /// superseded, sent by the agent itself).
    pub fn value(&self) -> Option<f64> {
        let weight = |edit: &Edit| match edit {
            Edit::Unchanged => 1.0,
            Edit::MinorEdit => 0.5,
            Edit::MajorRewrite => 0.0,
        };
        match self {
            Outcome::Sent { edit } | Outcome::EditedApproved { edit } => Some(weight(edit)),
            Outcome::Approved => Some(1.0),
            Outcome::Rejected | Outcome::Deleted => Some(0.0),
            Outcome::Expired
            | Outcome::Superseded
            | Outcome::AutoSent
            | Outcome::Pending
            | Outcome::NoDraft => None,
        }
    }

    /// Its kind and edit as stored (`("sent", Some(MinorEdit))`).
    pub fn parts(&self) -> (&'static str, Option<Edit>) {
        match self {
            Outcome::Sent { edit } => ("sent", Some(*edit)),
            Outcome::EditedApproved { edit } => ("edited_approved", Some(*edit)),
            Outcome::Approved => ("approved", None),
            Outcome::Rejected => ("rejected", None),
            Outcome::Expired => ("expired", None),
            Outcome::Superseded => ("superseded", None),
            Outcome::Deleted => ("deleted", None),
            Outcome::AutoSent => ("auto_sent", None),
            Outcome::Pending => ("pending", None),
            Outcome::NoDraft => ("no_draft", None),
        }
    }

    /// The outcome stored as `kind` and `edit`; `None` when they name none.
    pub fn from_parts(kind: &str, edit: Option<Edit>) -> Option<Outcome> {
        Some(match (kind, edit) {
            ("sent", Some(edit)) => Outcome::Sent { edit },
            ("edited_approved", Some(edit)) => Outcome::EditedApproved { edit },
            ("approved", None) => Outcome::Approved,
            ("rejected", None) => Outcome::Rejected,
            ("expired", None) => Outcome::Expired,
            ("superseded", None) => Outcome::Superseded,
            ("deleted", None) => Outcome::Deleted,
            ("auto_sent", None) => Outcome::AutoSent,
            ("pending", None) => Outcome::Pending,
            ("no_draft", None) => Outcome::NoDraft,
            _ => return None,
        })
    }

    /// Whether a reply went to the customer, and how much a person changed it
    /// (`Some(None)`: sent by the agent alone).
    pub fn sent(&self) -> Option<Option<Edit>> {
        match self {
            Outcome::Sent { edit } | Outcome::EditedApproved { edit } => Some(Some(*edit)),
            Outcome::Approved => Some(Some(Edit::Unchanged)),
            Outcome::AutoSent => Some(None),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_ignore_html_case_and_punctuation() {
        assert_eq!(
            words("<p>Hi Dana,</p><p>I've <b>refunded</b> $499.</p>"),
            ["hi", "dana", "i've", "refunded", "$499"]
        );
    }

    #[test]
    fn a_reordered_reply_is_an_edit_not_unchanged() {
        let draft = "We will refund the purchase today. You keep access until then.";
        let reordered = "You keep access until then. We will refund the purchase today.";
        let negated = "We will not refund the purchase today. You keep access until then.";
        assert_eq!(classify_edit_jaccard(draft, reordered), Edit::Unchanged);
        assert_ne!(classify_edit(draft, reordered), Edit::Unchanged);
        assert_eq!(classify_edit(draft, negated), Edit::MinorEdit);
        assert_eq!(classify_edit(draft, draft), Edit::Unchanged);
        assert_eq!(classify_edit(draft, "Sorry, no."), Edit::MajorRewrite);
    }

    #[test]
    fn outcomes_weigh_as_the_trust_rules_say() {
        assert_eq!(
            Outcome::Sent {
                edit: Edit::Unchanged
            }
            .value(),
            Some(1.0)
        );
        assert_eq!(
            Outcome::EditedApproved {
                edit: Edit::MinorEdit
            }
            .value(),
            Some(0.5)
        );
        assert_eq!(
            Outcome::Sent {
                edit: Edit::MajorRewrite
            }
            .value(),
            Some(0.0)
        );
        assert_eq!(Outcome::Rejected.value(), Some(0.0));
        assert_eq!(Outcome::Deleted.value(), Some(0.0));
        assert_eq!(Outcome::Approved.value(), Some(1.0));
        assert_eq!(Outcome::Expired.value(), None);
        assert_eq!(Outcome::Superseded.value(), None);
        assert_eq!(Outcome::AutoSent.value(), None);
        assert_eq!(Outcome::Pending.value(), None);
        assert_eq!(Outcome::NoDraft.value(), None);
    }

    #[test]
    fn every_outcome_reads_back_from_its_stored_parts() {
        let all = [
            Outcome::Sent {
                edit: Edit::Unchanged,
            },
            Outcome::Sent {
                edit: Edit::MinorEdit,
            },
            Outcome::EditedApproved {
                edit: Edit::MajorRewrite,
            },
            Outcome::Approved,
            Outcome::Rejected,
            Outcome::Expired,
            Outcome::Superseded,
            Outcome::Deleted,
            Outcome::AutoSent,
            Outcome::Pending,
            Outcome::NoDraft,
        ];
        for outcome in all {
            let (kind, edit) = outcome.parts();
            let edit = edit.map(|e| Edit::parse(e.as_str()).unwrap());
            assert_eq!(Outcome::from_parts(kind, edit), Some(outcome));
        }
        assert_eq!(Outcome::from_parts("sent", None), None);
        assert_eq!(Outcome::from_parts("approved", Some(Edit::Unchanged)), None);
        assert_eq!(Outcome::from_parts("lost", None), None);
    }
}

//! How long the platform keeps what it stores about customers, and what goes when.
//!
//! The policy is a set of windows in days. The platform-wide defaults are the original
//! system's (90 days for conversations, 365 for the audit log, 180 for the knowledge
//! base's reply candidates); an app may shorten or lengthen its own three in its
//! settings (`retention`). Each [`Rule`] applies one window to one kind of record:
//!
//! | rule | window | what happens |
//! |---|---|---|
//! | `scrub_conversations` | conversation | a finished action's reply and context (the customer's message, name, email) are cleared; its category, status, proposals' hash and result stay |
//! | `scrub_audit_payloads` | conversation | the inputs and outputs of steps, model turns and tool calls (message text, customer records) are cleared; decisions and executions keep theirs |
//! | `delete_audit` | audit | audit rows are deleted |
//! | `delete_actions` | audit | finished actions and their approvals are deleted (their proposals name the customer) |
//! | `delete_candidates` | knowledge | reply candidates are deleted, with their vectors |
//! | `delete_corrections` | knowledge | the team's corrections of drafts (scrubbed questions, drafts and edits) are deleted |
//! | `delete_dead_letters` | 30 days | events Inngest refused for good (their bodies carry messages) |
//! | `delete_ledger` | 30 days | idempotency keys of side effects (no execution runs a month after its approval) |
//! | `delete_expired` | now | expired sign-in sessions and cache entries |
//!
//! Actions still pending, approved or executing are never touched. A rule changes at
//! most a batch of rows at a time and only rows it has not changed before, so a pass
//! can stop anywhere and run again.

use serde::{Deserialize, Serialize};

const DAY_MS: i64 = 24 * 3600 * 1000;

/// The platform-wide windows, in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Message bodies and replies.
    pub conversation_days: u32,
    /// The audit log, and finished actions and approvals.
    pub audit_days: u32,
    /// Reply candidates of the knowledge base (rows and vectors).
    pub knowledge_days: u32,
    /// Dead letters.
    pub dead_letter_days: u32,
    /// Idempotency keys.
    pub ledger_days: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            conversation_days: 90,
            audit_days: 365,
            knowledge_days: 180,
            dead_letter_days: 30,
            ledger_days: 30,
        }
    }
}

/// An app's own windows (in its settings); unset ones are the platform's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Overrides {
    /// Days message bodies and replies are kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation_days: Option<u32>,
    /// Days the audit log is kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_days: Option<u32>,
    /// Days reply candidates are kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub knowledge_days: Option<u32>,
}

impl Overrides {
    /// Whether nothing is overridden.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Why these windows are refused: each at least a day and at most ten years, and
    /// the audit log kept at least as long as the conversations it records.
    pub fn check(&self, base: &Policy) -> Result<(), String> {
        for (name, days) in [
            ("conversationDays", self.conversation_days),
            ("auditDays", self.audit_days),
            ("knowledgeDays", self.knowledge_days),
        ] {
            if let Some(days) = days {
                if !(1..=3650).contains(&days) {
                    return Err(format!("retention.{name} must be between 1 and 3650 days"));
                }
            }
        }
        let policy = base.with(self);
        if policy.audit_days < policy.conversation_days {
            return Err(
                "retention.auditDays must be at least retention.conversationDays".to_owned(),
            );
        }
        Ok(())
    }
}

impl Policy {
    /// This policy with an app's overrides.
    pub fn with(&self, overrides: &Overrides) -> Policy {
        Policy {
            conversation_days: overrides
                .conversation_days
                .unwrap_or(self.conversation_days),
            audit_days: overrides.audit_days.unwrap_or(self.audit_days),
            knowledge_days: overrides.knowledge_days.unwrap_or(self.knowledge_days),
            ..*self
        }
    }

    /// Records of `rule` older than this (Unix ms) are due at `now_ms`.
    pub fn cutoff(&self, rule: Rule, now_ms: i64) -> i64 {
        let days = match rule {
            Rule::ScrubConversations | Rule::ScrubAuditPayloads => self.conversation_days,
            Rule::DeleteAudit | Rule::DeleteActions => self.audit_days,
            Rule::DeleteCandidates | Rule::DeleteCorrections => self.knowledge_days,
            Rule::DeleteDeadLetters => self.dead_letter_days,
            Rule::DeleteLedger => self.ledger_days,
            Rule::DeleteExpired => 0,
        };
        now_ms - i64::from(days) * DAY_MS
    }
}

/// One kind of record and what retention does to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// Clear finished actions' replies and contexts.
    ScrubConversations,
    /// Clear steps', model turns' and tool calls' payloads in the audit log.
    ScrubAuditPayloads,
    /// Delete audit rows.
    DeleteAudit,
    /// Delete finished actions and their approvals.
    DeleteActions,
    /// Delete reply candidates (and their vectors).
    DeleteCandidates,
    /// Delete corrections of drafts.
    DeleteCorrections,
    /// Delete dead letters.
    DeleteDeadLetters,
    /// Delete idempotency keys.
    DeleteLedger,
    /// Delete expired sessions and cache entries.
    DeleteExpired,
}

impl Rule {
    /// The rules applied app by app, with the app's windows.
    pub const PER_APP: [Rule; 6] = [
        Rule::ScrubConversations,
        Rule::ScrubAuditPayloads,
        Rule::DeleteCandidates,
        Rule::DeleteCorrections,
        Rule::DeleteActions,
        Rule::DeleteAudit,
    ];
    /// The rules applied once, with the platform's windows.
    pub const GLOBAL: [Rule; 3] = [
        Rule::DeleteDeadLetters,
        Rule::DeleteLedger,
        Rule::DeleteExpired,
    ];

    /// The rule's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Rule::ScrubConversations => "scrub_conversations",
            Rule::ScrubAuditPayloads => "scrub_audit_payloads",
            Rule::DeleteAudit => "delete_audit",
            Rule::DeleteActions => "delete_actions",
            Rule::DeleteCandidates => "delete_candidates",
            Rule::DeleteCorrections => "delete_corrections",
            Rule::DeleteDeadLetters => "delete_dead_letters",
            Rule::DeleteLedger => "delete_ledger",
            Rule::DeleteExpired => "delete_expired",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    #[test]
    fn defaults_are_the_original_windows() {
        let p = Policy::default();
        assert_eq!(p.cutoff(Rule::ScrubConversations, NOW), NOW - 90 * DAY_MS);
        assert_eq!(p.cutoff(Rule::ScrubAuditPayloads, NOW), NOW - 90 * DAY_MS);
        assert_eq!(p.cutoff(Rule::DeleteAudit, NOW), NOW - 365 * DAY_MS);
        assert_eq!(p.cutoff(Rule::DeleteActions, NOW), NOW - 365 * DAY_MS);
        assert_eq!(p.cutoff(Rule::DeleteCandidates, NOW), NOW - 180 * DAY_MS);
        assert_eq!(p.cutoff(Rule::DeleteCorrections, NOW), NOW - 180 * DAY_MS);
        assert_eq!(p.cutoff(Rule::DeleteDeadLetters, NOW), NOW - 30 * DAY_MS);
        assert_eq!(p.cutoff(Rule::DeleteExpired, NOW), NOW);
    }

    #[test]
    fn an_app_overrides_only_what_it_sets() {
        let o: Overrides = serde_json::from_str(r#"{"conversationDays": 30}"#).unwrap();
        let p = Policy::default().with(&o);
        assert_eq!(
            (p.conversation_days, p.audit_days, p.knowledge_days),
            (30, 365, 180)
        );
        assert_eq!(
            serde_json::to_string(&o).unwrap(),
            r#"{"conversationDays":30}"#
        );
        assert!(Overrides::default().is_empty());
    }

    #[test]
    fn windows_out_of_range_or_an_audit_shorter_than_conversations_are_refused() {
        let base = Policy::default();
        let zero = Overrides {
            conversation_days: Some(0),
            ..Overrides::default()
        };
        assert!(zero.check(&base).unwrap_err().contains("conversationDays"));
        let short_audit = Overrides {
            audit_days: Some(30),
            ..Overrides::default()
        };
        assert!(short_audit.check(&base).unwrap_err().contains("auditDays"));
        let fine = Overrides {
            conversation_days: Some(14),
            audit_days: Some(30),
            knowledge_days: Some(60),
        };
        assert_eq!(fine.check(&base), Ok(()));
    }
}

//! The statements of each retention rule ([`support_core::retention::Rule`]): which
//! records are due, and what happens to a batch of them. A batch is chosen by its ids
//! first and changed by those ids, because neither D1 nor MySQL take `LIMIT` in the
//! same `UPDATE`/`DELETE` (SQLite only when compiled for it; MySQL not with a
//! subquery on the same table).
//!
//! Parameters: `?1` the app's slug (NULL: rows of no app, for the audit log), `?2` the
//! cutoff (Unix ms), `?3` the batch size; the changes take `?1` the ids (a JSON array)
//! and `?2` now.

use support_core::retention::Rule;

/// A rule's statements.
pub(crate) struct RuleSql {
    /// `SELECT COUNT(*) AS n …` of every record due.
    pub count: &'static str,
    /// `SELECT <id> AS id …` of the oldest batch due.
    pub select: &'static str,
    /// What happens to a batch, in one transaction.
    pub apply: &'static [&'static str],
}

/// The statements of `rule`; `None` for [`Rule::DeleteExpired`], which spans tables
/// (see [`EXPIRED`]).
pub(crate) fn statements(rule: Rule) -> Option<RuleSql> {
    Some(match rule {
        Rule::ScrubConversations => RuleSql {
            count: "SELECT COUNT(*) AS n FROM actions WHERE app_id = ?1 AND created_at < ?2 \
                    AND status NOT IN ('pending', 'approved', 'executing') \
                    AND json_extract(context, '$.scrubbedAt') IS NULL",
            select: "SELECT id FROM actions WHERE app_id = ?1 AND created_at < ?2 \
                     AND status NOT IN ('pending', 'approved', 'executing') \
                     AND json_extract(context, '$.scrubbedAt') IS NULL \
                     ORDER BY created_at, id LIMIT ?3",
            apply: &[
                "UPDATE actions SET reply = '', \
                 context = json_object('category', json_extract(context, '$.category'), 'scrubbedAt', ?2) \
                 WHERE id IN (SELECT value FROM json_each(?1))",
                "UPDATE approvals SET edited_reply = NULL WHERE action_id IN (SELECT value FROM json_each(?1))",
            ],
        },
        Rule::ScrubAuditPayloads => RuleSql {
            count: "SELECT COUNT(*) AS n FROM audit_log WHERE (app_id = ?1 OR (?1 IS NULL AND app_id IS NULL)) \
                    AND at_ms < ?2 AND kind IN ('step', 'agent_turn', 'agent_run', 'tool_call') \
                    AND (input <> '{}' OR output IS NOT NULL)",
            select: "SELECT id FROM audit_log WHERE (app_id = ?1 OR (?1 IS NULL AND app_id IS NULL)) \
                     AND at_ms < ?2 AND kind IN ('step', 'agent_turn', 'agent_run', 'tool_call') \
                     AND (input <> '{}' OR output IS NOT NULL) ORDER BY at_ms, id LIMIT ?3",
            apply: &["UPDATE audit_log SET input = '{}', output = NULL \
                      WHERE id IN (SELECT value FROM json_each(?1))"],
        },
        Rule::DeleteAudit => RuleSql {
            count: "SELECT COUNT(*) AS n FROM audit_log \
                    WHERE (app_id = ?1 OR (?1 IS NULL AND app_id IS NULL)) AND at_ms < ?2",
            select: "SELECT id FROM audit_log WHERE (app_id = ?1 OR (?1 IS NULL AND app_id IS NULL)) \
                     AND at_ms < ?2 ORDER BY at_ms, id LIMIT ?3",
            apply: &["DELETE FROM audit_log WHERE id IN (SELECT value FROM json_each(?1))"],
        },
        Rule::DeleteActions => RuleSql {
            count: "SELECT COUNT(*) AS n FROM actions WHERE app_id = ?1 AND created_at < ?2 \
                    AND status NOT IN ('pending', 'approved', 'executing')",
            select: "SELECT id FROM actions WHERE app_id = ?1 AND created_at < ?2 \
                     AND status NOT IN ('pending', 'approved', 'executing') \
                     ORDER BY created_at, id LIMIT ?3",
            apply: &[
                "DELETE FROM approvals WHERE action_id IN (SELECT value FROM json_each(?1))",
                "DELETE FROM actions WHERE id IN (SELECT value FROM json_each(?1))",
            ],
        },
        Rule::DeleteCandidates => RuleSql {
            count: "SELECT COUNT(*) AS n FROM knowledge_candidates WHERE app_id = ?1 AND created_at < ?2",
            select: "SELECT id FROM knowledge_candidates WHERE app_id = ?1 AND created_at < ?2 \
                     ORDER BY created_at, id LIMIT ?3",
            apply: &["DELETE FROM knowledge_candidates WHERE id IN (SELECT value FROM json_each(?1))"],
        },
        Rule::DeleteCorrections => RuleSql {
            count: "SELECT COUNT(*) AS n FROM corrections WHERE app_id = ?1 AND at_ms < ?2",
            select: "SELECT id FROM corrections WHERE app_id = ?1 AND at_ms < ?2 \
                     ORDER BY at_ms, id LIMIT ?3",
            apply: &["DELETE FROM corrections WHERE id IN (SELECT value FROM json_each(?1))"],
        },
        Rule::DeleteDeadLetters => RuleSql {
            count: "SELECT COUNT(*) AS n FROM dead_letters WHERE failed_at < ?2",
            select: "SELECT event_id AS id FROM dead_letters WHERE failed_at < ?2 \
                     ORDER BY failed_at, event_id LIMIT ?3",
            apply: &["DELETE FROM dead_letters WHERE event_id IN (SELECT value FROM json_each(?1))"],
        },
        Rule::DeleteLedger => RuleSql {
            count: "SELECT COUNT(*) AS n FROM idempotency_ledger WHERE updated_at < ?2",
            select: "SELECT key AS id FROM idempotency_ledger WHERE updated_at < ?2 \
                     ORDER BY updated_at, key LIMIT ?3",
            apply: &["DELETE FROM idempotency_ledger WHERE key IN (SELECT value FROM json_each(?1))"],
        },
        Rule::DeleteExpired => return None,
    })
}

/// [`Rule::DeleteExpired`]: expired cache entries (cutoff in ms), then expired sign-in
/// sessions (BetterAuth's table keeps ISO-8601 text, which orders like time).
pub(crate) const EXPIRED: [RuleSql; 2] = [
    RuleSql {
        count: "SELECT COUNT(*) AS n FROM platform_cache WHERE expires_at IS NOT NULL AND expires_at < ?2",
        select: "SELECT key AS id FROM platform_cache WHERE expires_at IS NOT NULL AND expires_at < ?2 \
                 ORDER BY expires_at, key LIMIT ?3",
        apply: &["DELETE FROM platform_cache WHERE key IN (SELECT value FROM json_each(?1))"],
    },
    RuleSql {
        count: "SELECT COUNT(*) AS n FROM \"session\" WHERE \"expiresAt\" < ?2",
        select: "SELECT \"id\" AS id FROM \"session\" WHERE \"expiresAt\" < ?2 \
                 ORDER BY \"expiresAt\", \"id\" LIMIT ?3",
        apply: &["DELETE FROM \"session\" WHERE \"id\" IN (SELECT value FROM json_each(?1))"],
    },
];

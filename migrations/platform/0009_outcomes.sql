-- Migration 0009: every draft's outcome (issue 21), one row per proposed action, the
-- first recorded winning: sent from Front as written or edited (with the edit's size),
-- approved, edited then approved, rejected, expired, superseded, deleted, or sent by
-- the agent alone. Trust is computed from these rows whenever it is read.

CREATE TABLE outcomes (
    action_id        TEXT PRIMARY KEY,
    app_id           TEXT NOT NULL,
    category         TEXT NOT NULL,
    conversation_id  TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('sent', 'approved', 'edited_approved', 'rejected', 'expired', 'superseded', 'deleted', 'auto_sent')),
    edit             TEXT CHECK (edit IN ('unchanged', 'minor_edit', 'major_rewrite')),
    drafted_at       INTEGER NOT NULL,
    at_ms            INTEGER NOT NULL
);
CREATE INDEX outcomes_app_category_at ON outcomes (app_id, category, at_ms);

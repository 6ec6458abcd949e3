-- Migration 0009 (MySQL twin of migrations/platform/0009_outcomes.sql): every draft's
-- outcome, one row per proposed action.

CREATE TABLE outcomes (
    action_id        VARCHAR(255) NOT NULL PRIMARY KEY,
    app_id           VARCHAR(255) NOT NULL,
    category         VARCHAR(255) NOT NULL,
    conversation_id  VARCHAR(255) NOT NULL,
    kind             VARCHAR(255) NOT NULL CHECK (kind IN ('sent', 'approved', 'edited_approved', 'rejected', 'expired', 'superseded', 'deleted', 'auto_sent', 'pending', 'no_draft')),
    edit             VARCHAR(255) CHECK (edit IN ('unchanged', 'minor_edit', 'major_rewrite')),
    received_at      BIGINT,
    drafted_at       BIGINT,
    at_ms            BIGINT NOT NULL,
    INDEX outcomes_app_category_at (app_id, category, at_ms)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

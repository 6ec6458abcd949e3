-- Migration 0005: decision safety.
--
-- Proposals are now bound to the sender's records before they are recorded, in a typed
-- shape. Proposals recorded before this migration were not bound, so none of them may
-- ever execute: they are kept for the record under context.legacyProposals, their
-- list is emptied (which voids their approval's hash), and the ones still waiting or
-- approved are superseded.
--
-- actions and approvals are rebuilt (SQLite cannot change a CHECK constraint) to allow
-- the new states: executing (claimed by one execution) and superseded (overtaken
-- before anyone decided). actions.executor names the execution that claimed it.

PRAGMA defer_foreign_keys = true;

CREATE TABLE approvals_new (
    action_id     TEXT PRIMARY KEY REFERENCES actions (id),
    app_id        TEXT NOT NULL,
    args_hash     TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'superseded')),
    expires_at    INTEGER NOT NULL,
    decided_by    TEXT,
    decided_at    INTEGER,
    reason        TEXT,
    edited_reply  TEXT,
    slack         TEXT,
    created_at    INTEGER NOT NULL
);
INSERT INTO approvals_new (action_id, app_id, args_hash, status, expires_at, decided_by, decided_at, reason, edited_reply, slack, created_at)
    SELECT action_id, app_id, args_hash,
           CASE WHEN status IN ('pending', 'approved') THEN 'superseded' ELSE status END,
           expires_at,
           CASE WHEN status IN ('pending', 'approved') THEN 'system' ELSE decided_by END,
           decided_at,
           CASE WHEN status IN ('pending', 'approved') THEN 'proposed before proposals were bound to the sender''s records' ELSE reason END,
           edited_reply, slack, created_at
    FROM approvals;
DROP TABLE approvals;
ALTER TABLE approvals_new RENAME TO approvals;

CREATE TABLE actions_new (
    id               TEXT PRIMARY KEY,
    app_id           TEXT NOT NULL,
    conversation_id  TEXT NOT NULL,
    run_id           TEXT NOT NULL,
    reply            TEXT NOT NULL,
    proposals        TEXT NOT NULL CHECK (json_valid(proposals)),
    -- SHA-256 of the canonical JSON of proposals: approvals are bound to it.
    args_hash        TEXT NOT NULL,
    draft_id         TEXT,
    context          TEXT NOT NULL CHECK (json_valid(context)),
    status           TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'executing', 'rejected', 'expired', 'superseded', 'executed', 'failed')),
    -- The execution (Inngest run id) that claimed the action: approved -> executing.
    executor         TEXT,
    result           TEXT,
    error            TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
INSERT INTO actions_new (id, app_id, conversation_id, run_id, reply, proposals, args_hash, draft_id, context, status, executor, result, error, created_at, updated_at)
    SELECT id, app_id, conversation_id, run_id, reply, '[]', args_hash, draft_id,
           json_set(context, '$.legacyProposals', json(proposals)),
           CASE WHEN status IN ('pending', 'approved') THEN 'superseded' ELSE status END,
           NULL, result,
           CASE WHEN status IN ('pending', 'approved') THEN 'proposed before proposals were bound to the sender''s records' ELSE error END,
           created_at, updated_at
    FROM actions;
DROP TABLE actions;
ALTER TABLE actions_new RENAME TO actions;
CREATE INDEX actions_conversation ON actions (conversation_id, created_at);
CREATE INDEX actions_pending ON actions (status, created_at) WHERE status = 'pending';

-- Who claimed a side effect (an execution's run id): of concurrent claimers, the one
-- whose insert changed a row runs it.
ALTER TABLE idempotency_ledger ADD COLUMN owner TEXT;

-- What people wrote (an edited reply, a rejection's reason) is kept apart from the
-- rest of an audit row, and cleared once its retention window ends.
ALTER TABLE audit_log ADD COLUMN sensitive TEXT;
ALTER TABLE audit_log ADD COLUMN sensitive_until INTEGER;
CREATE INDEX audit_log_sensitive ON audit_log (sensitive_until) WHERE sensitive IS NOT NULL;

-- Approvers' API tokens for /api/approvals: the SHA-256 of the token, never the token;
-- each mapped to a person (their Slack user id) and scoped to apps.
CREATE TABLE api_tokens (
    id             TEXT PRIMARY KEY,
    token_hash     TEXT NOT NULL UNIQUE,
    slack_user_id  TEXT NOT NULL,
    apps           TEXT NOT NULL CHECK (json_valid(apps)),
    label          TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    revoked_at     INTEGER
);

-- Migration 0004: the support pipeline's records.
--
-- App secrets leave the apps table: they live sealed (AES-256-GCM, key id beside each
-- value) in app_secrets, written only by the platform (`skill apps register`, the admin
-- API), never in the clear. The plaintext column is dropped: re-register each app's
-- secrets after applying this migration.

ALTER TABLE apps ADD COLUMN settings TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(settings));
ALTER TABLE apps DROP COLUMN webhook_secrets;

CREATE TABLE app_secrets (
    app_id      TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    -- sdk_secrets (a JSON array, newest first) | stripe_account_id
    name        TEXT NOT NULL,
    -- The key it is sealed under (the sealed value names it too).
    key_id      TEXT NOT NULL,
    sealed      TEXT NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (app_id, name)
);

-- A proposed reply and the tool calls that need approval with it.
CREATE TABLE actions (
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
    status           TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'executed', 'failed')),
    result           TEXT,
    error            TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX actions_conversation ON actions (conversation_id, created_at);
CREATE INDEX actions_pending ON actions (status, created_at) WHERE status = 'pending';

-- One row per approval request; its decision is written once (a conditional update).
CREATE TABLE approvals (
    action_id     TEXT PRIMARY KEY REFERENCES actions (id),
    app_id        TEXT NOT NULL,
    args_hash     TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
    expires_at    INTEGER NOT NULL,
    decided_by    TEXT,
    decided_at    INTEGER,
    reason        TEXT,
    edited_reply  TEXT,
    slack         TEXT,
    created_at    INTEGER NOT NULL
);

-- Every step, agent turn, tool call, decision and execution. Ids are deterministic
-- (run and step), so a retried step writes its row once.
CREATE TABLE audit_log (
    id               TEXT PRIMARY KEY,
    at_ms            INTEGER NOT NULL,
    app_id           TEXT,
    conversation_id  TEXT,
    run_id           TEXT,
    action_id        TEXT,
    kind             TEXT NOT NULL,
    name             TEXT NOT NULL,
    input            TEXT NOT NULL,
    output           TEXT,
    error            TEXT,
    duration_ms      INTEGER,
    usage            TEXT
);
CREATE INDEX audit_log_conversation ON audit_log (conversation_id, at_ms);
CREATE INDEX audit_log_action ON audit_log (action_id, at_ms) WHERE action_id IS NOT NULL;

-- Side effects by the key of their inputs (refund:<purchase>:<amount>): checked
-- before, committed after, so a retry never repeats a completed one.
CREATE TABLE idempotency_ledger (
    key         TEXT PRIMARY KEY,
    action_id   TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('started', 'completed')),
    result      TEXT,
    updated_at  INTEGER NOT NULL
);

-- Small lookups worth keeping between runs (Front tag ids, channel ids), with expiry.
CREATE TABLE platform_cache (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    expires_at  INTEGER
);

-- Migration 0003: events Inngest refused for good (400, 401, 403, 413...), moved out
-- of their conversation's outbox so the rest can flow. Operators list them
-- (GET /admin/dead-letters, `skill outbox dead-letters`) and replay them once the cause
-- is fixed (POST /admin/dead-letters/replay, `skill outbox replay`).

CREATE TABLE dead_letters (
    event_id        TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    name            TEXT NOT NULL,
    -- The event exactly as it was refused (JSON).
    body            TEXT NOT NULL,
    reason          TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    -- Unix epoch milliseconds.
    failed_at       INTEGER NOT NULL,
    replayed_at     INTEGER
);

CREATE INDEX dead_letters_by_failed_at ON dead_letters (failed_at);

-- Migration 0009: what became of every message that needed an answer (issue 21), one
-- row per message, keyed by the id of the action its draft became: `pending` while a
-- draft waits, then its outcome, the first recorded winning (sent from Front as written
-- or edited, with the edit's size; approved; edited then approved; rejected; expired;
-- superseded; deleted; sent by the agent alone), or `no_draft` when it went to a person.
-- Trust and the live figures are computed from these rows whenever they are read.
-- received_at: when the webhook came; drafted_at: when the draft was made (none for
-- no_draft); at_ms: when the outcome happened (the reply's send time when one went).

CREATE TABLE outcomes (
    action_id        TEXT PRIMARY KEY,
    app_id           TEXT NOT NULL,
    category         TEXT NOT NULL,
    conversation_id  TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('sent', 'approved', 'edited_approved', 'rejected', 'expired', 'superseded', 'deleted', 'auto_sent', 'pending', 'no_draft')),
    edit             TEXT CHECK (edit IN ('unchanged', 'minor_edit', 'major_rewrite')),
    received_at      INTEGER,
    drafted_at       INTEGER,
    at_ms            INTEGER NOT NULL
);
CREATE INDEX outcomes_app_category_at ON outcomes (app_id, category, at_ms);

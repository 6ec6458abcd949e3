-- Migration 0011: corrections (issue 21). Every edit the team made to a draft before it
-- went, and every rejection with its reason, with the category and the customer's
-- question: the agent is shown the most similar ones, and the validator warns when a
-- draft repeats one. One row per draft; texts are scrubbed of names, emails, ids and
-- links before they are written, and retention deletes rows past their window.

CREATE TABLE corrections (
    id         TEXT PRIMARY KEY,
    app_id     TEXT NOT NULL,
    category   TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('edit', 'rejection')),
    question   TEXT NOT NULL,
    draft      TEXT NOT NULL,
    corrected  TEXT,
    reason     TEXT,
    at_ms      INTEGER NOT NULL
);
CREATE INDEX corrections_app_at ON corrections (app_id, at_ms);

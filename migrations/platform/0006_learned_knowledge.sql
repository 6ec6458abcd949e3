-- Migration 0006: learning from approved answers.
--
-- Every reply a person let go out becomes a candidate (question and answer, personal
-- data scrubbed). Three or more similar candidates are proposed as one FAQ entry; only
-- an entry a person approves enters the knowledge base (as learned/<faq id>).

CREATE TABLE knowledge_candidates (
    id               TEXT PRIMARY KEY,
    app_id           TEXT NOT NULL,
    -- One candidate per sent reply.
    action_id        TEXT NOT NULL UNIQUE,
    conversation_id  TEXT NOT NULL,
    question         TEXT NOT NULL,
    answer           TEXT NOT NULL,
    edited           INTEGER NOT NULL DEFAULT 0,
    -- The FAQ entry it was grouped into; a candidate joins one entry at most.
    faq_id           TEXT,
    created_at       INTEGER NOT NULL
);
CREATE INDEX knowledge_candidates_ungrouped ON knowledge_candidates (app_id, created_at) WHERE faq_id IS NULL;

CREATE TABLE knowledge_faqs (
    id             TEXT PRIMARY KEY,
    app_id         TEXT NOT NULL,
    question       TEXT NOT NULL,
    answer         TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('proposed', 'approved', 'rejected')),
    candidate_ids  TEXT NOT NULL CHECK (json_valid(candidate_ids)),
    created_at     INTEGER NOT NULL,
    decided_by     TEXT,
    decided_at     INTEGER,
    reason         TEXT
);
CREATE INDEX knowledge_faqs_status ON knowledge_faqs (app_id, status, created_at);

-- Migration 0002: counters of what the Front intake did with each webhook, for
-- operators (GET /admin/intake/stats). Written off the request path.

CREATE TABLE intake_counters (
    name        TEXT PRIMARY KEY,
    count       INTEGER NOT NULL DEFAULT 0,
    updated_at  INTEGER NOT NULL
);

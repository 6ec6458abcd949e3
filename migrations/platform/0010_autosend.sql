-- Migration 0010: auto-send switches per app and category (issue 21). Off unless a row
-- says on; an owner switches one on where trust allows, the platform switches it off
-- when trust falls, and `skill autosend off --all` switches every one off at once.
-- Each change also goes to the audit log with who made it and why.

CREATE TABLE autosend (
    app_id      TEXT NOT NULL,
    category    TEXT NOT NULL,
    enabled     INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    changed_by  TEXT NOT NULL,
    changed_at  INTEGER NOT NULL,
    reason      TEXT,
    PRIMARY KEY (app_id, category)
);

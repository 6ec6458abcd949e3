-- Migration 0010 (MySQL twin of migrations/platform/0010_autosend.sql): auto-send
-- switches per app and category.

CREATE TABLE autosend (
    app_id      VARCHAR(255) NOT NULL,
    category    VARCHAR(255) NOT NULL,
    enabled     BIGINT NOT NULL CHECK (enabled IN (0, 1)),
    changed_by  VARCHAR(255) NOT NULL,
    changed_at  BIGINT NOT NULL,
    reason      TEXT,
    PRIMARY KEY (app_id, category)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Migration 0011 (MySQL twin of migrations/platform/0011_corrections.sql): corrections.

CREATE TABLE corrections (
    id         VARCHAR(255) NOT NULL PRIMARY KEY,
    app_id     VARCHAR(255) NOT NULL,
    category   VARCHAR(255) NOT NULL,
    kind       VARCHAR(255) NOT NULL CHECK (kind IN ('edit', 'rejection')),
    question   LONGTEXT NOT NULL,
    draft      LONGTEXT NOT NULL,
    corrected  LONGTEXT,
    reason     LONGTEXT,
    at_ms      BIGINT NOT NULL,
    INDEX corrections_app_at (app_id, at_ms)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

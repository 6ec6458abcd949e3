-- PlanetScale (MySQL 8) baseline: the schema that migrations/platform/0001_init.sql
-- to 0008_dashboard.sql leave in SQLite (D1), written once in its final form.
--
-- A fresh PlanetScale database starts here. There is no legacy data on MySQL to carry
-- through the SQLite history (0005 rebuilt actions and approvals to migrate old rows),
-- so only the result is kept. Every later SQLite migration gets a MySQL twin with the
-- same file name in this folder, and a test keeps the two schemas equal: the same
-- tables, columns in the same order, NOT NULL, defaults, keys and index names.
-- It also runs on MariaDB 10.11 (scripts/mariadb), which the native tests use.
--
-- How SQLite's schema maps here:
-- - Ids, keys, names and short codes (anything a key or index may use) are
--   VARCHAR(255). InnoDB's DYNAMIC rows take 3072 bytes of key, so even three of them
--   fit one index in utf8mb4. Short free text (names, labels, URLs, tokens) is TEXT,
--   and whatever can grow (JSON, bodies, replies, results, errors, reasons, questions
--   and answers) is LONGTEXT. INTEGER is BIGINT (Unix epoch milliseconds, counters,
--   0 or 1 flags). BetterAuth's dates stay ISO-8601 text, as the store writes them.
-- - Every table is utf8mb4 with the binary collation: SQLite compares text byte by
--   byte and the store relies on case-sensitive equality.
-- - CHECK constraints are kept (MySQL enforces them from 8.0.16), json_valid() is
--   JSON_VALID(). A TEXT column's default must be an expression in MySQL, hence ('{}').
-- - No FOREIGN KEY constraints: PlanetScale discourages them, and the store keeps
--   those relationships itself (app_secrets.app_id to apps, approvals.action_id to
--   actions, session.userId and account.userId to user, deleted with their owner).
-- - MySQL has no partial indexes: each SQLite index with a WHERE clause is a plain
--   index on the same columns under the same name (audit_log_failed_at thereby has
--   the same columns as audit_log_at).
-- - key, usage and sensitive are reserved words in MySQL and MariaDB: always quote
--   them with backticks. The BetterAuth tables are quoted throughout, as in 0007.
-- - A primary key column is NOT NULL in MySQL. SQLite lets a non-integer primary key
--   be NULL unless it says NOT NULL, which the store never relies on.
--
-- One statement per semicolon at the end of a line, comments on their own lines, so
-- the store's splitter can apply it statement by statement.

CREATE TABLE apps (
    id              VARCHAR(255) NOT NULL PRIMARY KEY,
    slug            VARCHAR(255) NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    front_inbox_id  VARCHAR(255),
    integration_url TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    settings        LONGTEXT NOT NULL DEFAULT ('{}') CHECK (JSON_VALID(settings)),
    INDEX apps_front_inbox_id (front_inbox_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE intake_counters (
    name        VARCHAR(255) NOT NULL PRIMARY KEY,
    count       BIGINT NOT NULL DEFAULT 0,
    updated_at  BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE dead_letters (
    event_id        VARCHAR(255) NOT NULL PRIMARY KEY,
    conversation_id VARCHAR(255) NOT NULL,
    name            VARCHAR(255) NOT NULL,
    body            LONGTEXT NOT NULL,
    reason          LONGTEXT NOT NULL,
    attempts        BIGINT NOT NULL,
    failed_at       BIGINT NOT NULL,
    replayed_at     BIGINT,
    INDEX dead_letters_by_failed_at (failed_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE app_secrets (
    app_id      VARCHAR(255) NOT NULL,
    name        VARCHAR(255) NOT NULL,
    key_id      VARCHAR(255) NOT NULL,
    sealed      LONGTEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (app_id, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE actions (
    id               VARCHAR(255) NOT NULL PRIMARY KEY,
    app_id           VARCHAR(255) NOT NULL,
    conversation_id  VARCHAR(255) NOT NULL,
    run_id           VARCHAR(255) NOT NULL,
    reply            LONGTEXT NOT NULL,
    proposals        LONGTEXT NOT NULL CHECK (JSON_VALID(proposals)),
    args_hash        VARCHAR(255) NOT NULL,
    draft_id         VARCHAR(255),
    context          LONGTEXT NOT NULL CHECK (JSON_VALID(context)),
    status           VARCHAR(255) NOT NULL CHECK (status IN ('pending', 'approved', 'executing', 'rejected', 'expired', 'superseded', 'executed', 'failed')),
    executor         VARCHAR(255),
    result           LONGTEXT,
    error            LONGTEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    INDEX actions_conversation (conversation_id, created_at),
    INDEX actions_pending (status, created_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE approvals (
    action_id     VARCHAR(255) NOT NULL PRIMARY KEY,
    app_id        VARCHAR(255) NOT NULL,
    args_hash     VARCHAR(255) NOT NULL,
    status        VARCHAR(255) NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'superseded')),
    expires_at    BIGINT NOT NULL,
    decided_by    VARCHAR(255),
    decided_at    BIGINT,
    reason        LONGTEXT,
    edited_reply  LONGTEXT,
    slack         LONGTEXT,
    created_at    BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- actor is who acted (input.by), virtual and indexed as in SQLite. JSON null gives
-- SQL NULL, as SQLite's json_extract does (JSON_UNQUOTE alone would give 'null').
CREATE TABLE audit_log (
    id               VARCHAR(255) NOT NULL PRIMARY KEY,
    at_ms            BIGINT NOT NULL,
    app_id           VARCHAR(255),
    conversation_id  VARCHAR(255),
    run_id           VARCHAR(255),
    action_id        VARCHAR(255),
    kind             VARCHAR(255) NOT NULL,
    name             VARCHAR(255) NOT NULL,
    input            LONGTEXT NOT NULL,
    output           LONGTEXT,
    error            LONGTEXT,
    duration_ms      BIGINT,
    `usage`          LONGTEXT,
    `sensitive`      LONGTEXT,
    sensitive_until  BIGINT,
    actor            VARCHAR(255) GENERATED ALWAYS AS (CASE WHEN JSON_TYPE(JSON_EXTRACT(input, '$.by')) = 'NULL' THEN NULL ELSE JSON_UNQUOTE(JSON_EXTRACT(input, '$.by')) END) VIRTUAL,
    INDEX audit_log_conversation (conversation_id, at_ms),
    INDEX audit_log_action (action_id, at_ms),
    INDEX audit_log_sensitive (sensitive_until),
    INDEX audit_log_at (at_ms, id),
    INDEX audit_log_app_at (app_id, at_ms, id),
    INDEX audit_log_kind_at (kind, at_ms, id),
    INDEX audit_log_actor_at (actor, at_ms, id),
    INDEX audit_log_failed_at (at_ms, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE idempotency_ledger (
    `key`       VARCHAR(255) NOT NULL PRIMARY KEY,
    action_id   VARCHAR(255) NOT NULL,
    state       VARCHAR(255) NOT NULL CHECK (state IN ('started', 'completed')),
    result      LONGTEXT,
    updated_at  BIGINT NOT NULL,
    owner       VARCHAR(255)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE platform_cache (
    `key`       VARCHAR(255) NOT NULL PRIMARY KEY,
    value       LONGTEXT NOT NULL,
    expires_at  BIGINT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE api_tokens (
    id             VARCHAR(255) NOT NULL PRIMARY KEY,
    token_hash     VARCHAR(255) NOT NULL UNIQUE,
    slack_user_id  VARCHAR(255) NOT NULL,
    apps           LONGTEXT NOT NULL CHECK (JSON_VALID(apps)),
    label          TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    revoked_at     BIGINT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE knowledge_candidates (
    id               VARCHAR(255) NOT NULL PRIMARY KEY,
    app_id           VARCHAR(255) NOT NULL,
    action_id        VARCHAR(255) NOT NULL UNIQUE,
    conversation_id  VARCHAR(255) NOT NULL,
    question         LONGTEXT NOT NULL,
    answer           LONGTEXT NOT NULL,
    edited           BIGINT NOT NULL DEFAULT 0,
    faq_id           VARCHAR(255),
    created_at       BIGINT NOT NULL,
    INDEX knowledge_candidates_ungrouped (app_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE knowledge_faqs (
    id             VARCHAR(255) NOT NULL PRIMARY KEY,
    app_id         VARCHAR(255) NOT NULL,
    question       LONGTEXT NOT NULL,
    answer         LONGTEXT NOT NULL,
    status         VARCHAR(255) NOT NULL CHECK (status IN ('proposed', 'approved', 'rejected')),
    candidate_ids  LONGTEXT NOT NULL CHECK (JSON_VALID(candidate_ids)),
    created_at     BIGINT NOT NULL,
    decided_by     VARCHAR(255),
    decided_at     BIGINT,
    reason         LONGTEXT,
    INDEX knowledge_faqs_status (app_id, status, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE `user` (
    `id`            VARCHAR(255) NOT NULL PRIMARY KEY,
    `name`          TEXT NOT NULL,
    `email`         VARCHAR(255) NOT NULL UNIQUE,
    `emailVerified` BIGINT NOT NULL DEFAULT 0,
    `image`         TEXT,
    `createdAt`     VARCHAR(255) NOT NULL,
    `updatedAt`     VARCHAR(255) NOT NULL,
    `role`          VARCHAR(255) NOT NULL DEFAULT 'viewer' CHECK (`role` IN ('owner', 'agent', 'viewer')),
    `slackUserId`   VARCHAR(255)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE `session` (
    `id`         VARCHAR(255) NOT NULL PRIMARY KEY,
    `expiresAt`  VARCHAR(255) NOT NULL,
    `token`      VARCHAR(255) NOT NULL UNIQUE,
    `createdAt`  VARCHAR(255) NOT NULL,
    `updatedAt`  VARCHAR(255) NOT NULL,
    `ipAddress`  VARCHAR(255),
    `userAgent`  TEXT,
    `userId`     VARCHAR(255) NOT NULL,
    INDEX `session_userId` (`userId`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE `account` (
    `id`                    VARCHAR(255) NOT NULL PRIMARY KEY,
    `accountId`             VARCHAR(255) NOT NULL,
    `providerId`            VARCHAR(255) NOT NULL,
    `userId`                VARCHAR(255) NOT NULL,
    `accessToken`           TEXT,
    `refreshToken`          TEXT,
    `idToken`               TEXT,
    `accessTokenExpiresAt`  VARCHAR(255),
    `refreshTokenExpiresAt` VARCHAR(255),
    `scope`                 TEXT,
    `password`              TEXT,
    `createdAt`             VARCHAR(255) NOT NULL,
    `updatedAt`             VARCHAR(255) NOT NULL,
    INDEX `account_userId` (`userId`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE `verification` (
    `id`         VARCHAR(255) NOT NULL PRIMARY KEY,
    `identifier` VARCHAR(255) NOT NULL,
    `value`      TEXT NOT NULL,
    `expiresAt`  VARCHAR(255) NOT NULL,
    `createdAt`  VARCHAR(255),
    `updatedAt`  VARCHAR(255)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE login_failures (
    `key`         VARCHAR(255) NOT NULL,
    window_start  BIGINT NOT NULL,
    failures      BIGINT NOT NULL,
    PRIMARY KEY (`key`, window_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

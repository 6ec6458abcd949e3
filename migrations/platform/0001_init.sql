-- Migration 0001: the apps the platform serves.
--
-- One row per product app integrated with the support platform. The platform calls
-- the app's integration_url (its SDK endpoint, e.g. https://app.example.com/api/support)
-- and signs each request with the app's current webhook secret.

CREATE TABLE apps (
    id              TEXT PRIMARY KEY,
    slug            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    -- The Front inbox whose conversations belong to this app, if any.
    front_inbox_id  TEXT,
    integration_url TEXT NOT NULL,
    -- JSON array of secrets, newest first. During a rotation the platform signs with
    -- the first and the app accepts any of them; drop the old one once every caller
    -- has moved on.
    webhook_secrets TEXT NOT NULL CHECK (json_valid(webhook_secrets) AND json_type(webhook_secrets) = 'array'),
    -- Unix epoch milliseconds.
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE INDEX apps_front_inbox_id ON apps (front_inbox_id) WHERE front_inbox_id IS NOT NULL;

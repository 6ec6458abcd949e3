-- Migration 0008: what the dashboard reads.
--
-- The audit log page filters by app, actor, kind, outcome and date and pages newest
-- first by (at_ms, id); the actor of a row is who acted (`input.by`: a Slack user id
-- for a decision, a person's email for an owner's change), a virtual column so it is
-- indexed without being written twice. The queue pages pending actions oldest first
-- by (created_at, id) and filters by category.

ALTER TABLE audit_log ADD COLUMN actor TEXT GENERATED ALWAYS AS (json_extract(input, '$.by')) VIRTUAL;
CREATE INDEX audit_log_at ON audit_log (at_ms, id);
CREATE INDEX audit_log_app_at ON audit_log (app_id, at_ms, id);
CREATE INDEX audit_log_kind_at ON audit_log (kind, at_ms, id);
CREATE INDEX audit_log_actor_at ON audit_log (actor, at_ms, id) WHERE actor IS NOT NULL;
-- Failures are rare: filtering by them walks only them.
CREATE INDEX audit_log_failed_at ON audit_log (at_ms, id) WHERE error IS NOT NULL;

DROP INDEX actions_pending;
CREATE INDEX actions_pending ON actions (status, created_at, id) WHERE status = 'pending';

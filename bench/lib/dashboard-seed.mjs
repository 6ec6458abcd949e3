// The dashboard benchmark's data, as one SQL seed for the platform's local D1: 1,000
// pending approvals (each with an approval row, a bound updateName proposal, a realistic
// context and reply), 100,000 audit rows over 1,000 conversations (steps, tool calls,
// model turns, decisions by seven approvers, one in fifty failed), and one signed-in
// owner whose session the targets' cookie carries.
//
//   node bench/lib/dashboard-seed.mjs <out.sql>
//
// Rows are made by recursive CTEs inside SQLite, so applying the seed takes seconds.
import fs from "node:fs";

export const DASHBOARD_SESSION_TOKEN = "benchDashboardSessionToken000001";
export const PENDING = 1000;
export const AUDIT_ROWS = 100000;
// 2026-12-01T00:00:00Z: approvals expire a year later, so none is shown as expired.
const T0 = 1795996800000;

export function dashboardSeed() {
  const proposal = (i) =>
    `json_array(json_object('tool','updateName','input',json_object('account',json_object('userId','usr_'||${i},'email','c'||${i}||'@example.com','name','Casey'),'newName','Casey Jones')))`;
  return `
INSERT INTO actions (id, app_id, conversation_id, run_id, reply, proposals, args_hash, draft_id, context, status, executor, result, error, created_at, updated_at)
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${PENDING - 1})
SELECT printf('act_bench_%06d', i), 'total-typescript', printf('cnv_bench_%06d', i), 'run_' || i,
  'Hi Casey,' || char(10) || char(10) || 'I changed the name on your account to Casey Jones. It shows on your next invoice and on your certificate.' || char(10) || char(10) || 'Anything else, just reply here.',
  ${proposal("i")}, printf('%064d', i), NULL,
  json_object('category', CASE i % 3 WHEN 0 THEN 'support_access' WHEN 1 THEN 'support_refund' ELSE 'support_billing' END,
    'confidence', 0.9, 'customer', 'c' || i || '@example.com', 'customerName', 'Casey', 'account', json_object('userId', 'usr_' || i),
    'reasoning', 'The customer asks to change the name on their account and invoice.', 'route', 'support request: the agent drafts a reply',
    'subject', 'Name on my account', 'request', replace(hex(zeroblob(30)), '00', 'Please change my name. '),
    'sources', json_array(json_object('citation', 'Account FAQ § Changing your name', 'used', json('true')))),
  'pending', NULL, NULL, NULL, ${T0} + i * 1000, ${T0} + i * 1000
FROM n;

INSERT INTO approvals (action_id, app_id, args_hash, status, expires_at, created_at)
SELECT id, app_id, args_hash, 'pending', created_at + 365 * 86400000, created_at FROM actions WHERE id LIKE 'act_bench_%';

INSERT INTO audit_log (id, at_ms, app_id, conversation_id, run_id, action_id, kind, name, input, output, error, duration_ms, usage)
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${AUDIT_ROWS - 1})
SELECT printf('bench:%07d', i), ${T0} + i * 10, CASE i % 2 WHEN 0 THEN 'total-typescript' ELSE 'other-app' END,
  printf('cnv_bench_%06d', i / 100), 'run_' || (i / 20), NULL,
  CASE i % 5 WHEN 0 THEN 'step' WHEN 1 THEN 'tool_call' WHEN 2 THEN 'agent_turn' WHEN 3 THEN 'decision' ELSE 'execution' END,
  CASE i % 5 WHEN 0 THEN 'gather' WHEN 1 THEN 'lookupUser' WHEN 2 THEN 'model' WHEN 3 THEN 'approved' ELSE 'reply' END,
  CASE i % 5 WHEN 3 THEN json_object('by', 'U' || (i % 7), 'via', 'slack') ELSE json_object('email', 'c@example.com', 'turn', i % 4) END,
  json_object('found', json('true'), 'purchases', 2),
  CASE WHEN i % 50 = 0 THEN 'the app did not answer within 10000 ms' END,
  i % 90, CASE i % 5 WHEN 2 THEN json_object('input', 1200, 'output', 300) END
FROM n;

INSERT INTO "user" ("id", "name", "email", "emailVerified", "createdAt", "updatedAt", "role", "slackUserId")
VALUES ('usr_bench_owner', 'Bench Owner', 'bench-owner@example.com', 0, '2026-12-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z', 'owner', 'U0DEVAPPROVER');
INSERT INTO "user" ("id", "name", "email", "emailVerified", "createdAt", "updatedAt", "role", "slackUserId")
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 48)
SELECT 'usr_bench_' || i, 'Person ' || i, 'person' || i || '@example.com', 0, '2026-12-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z', 'agent', 'U' || i FROM n;
INSERT INTO "session" ("id", "expiresAt", "token", "createdAt", "updatedAt", "ipAddress", "userAgent", "userId")
VALUES ('ses_bench', '2099-01-01T00:00:00.000Z', '${DASHBOARD_SESSION_TOKEN}', '2026-12-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z', NULL, 'bench', 'usr_bench_owner');
`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = process.argv[2];
  if (!out) {
    console.error("usage: node bench/lib/dashboard-seed.mjs <out.sql>");
    process.exit(2);
  }
  fs.writeFileSync(out, dashboardSeed());
}

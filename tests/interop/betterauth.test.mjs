// The published better-auth against the platform, on the same schema: migration 0007
// applied to a SQLite database better-auth runs on (sql.js, through Kysely), and the
// platform's own D1 under workerd. Rows move between the two as a shared database
// would hold them, and then:
//   - a user and session better-auth created sign in to / are accepted by the platform;
//   - a user and session the platform created are accepted by better-auth's getSession,
//     and better-auth's own email sign-in verifies the password the platform hashed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { d1 } from "../lib/d1.mjs";
import { betterAuth } from "better-auth";
import { SqliteDialect } from "kysely";
import initSqlJs from "sql.js";

const PLATFORM = process.env.PLATFORM_URL;
const SECRET = process.env.BETTER_AUTH_SECRET;
const SKILL = process.env.SKILL_BIN;
assert.ok(PLATFORM && SECRET && SKILL && process.env.WRANGLER, "run through scripts/test");

const schema = readFileSync(new URL("../../migrations/platform/0007_people.sql", import.meta.url), "utf8");

/// A better-sqlite3-shaped database over sql.js, the interface Kysely's SqliteDialect wants.
function kyselyDatabase(db) {
  const bind = (params) => params.map((p) => (typeof p === "boolean" ? Number(p) : p instanceof Date ? p.toISOString() : p));
  return {
    close() {},
    prepare(sql) {
      return {
        reader: /^\s*(select|with|pragma)\b/i.test(sql) || /\breturning\b/i.test(sql),
        all(params) {
          const stmt = db.prepare(sql);
          stmt.bind(bind(params));
          const rows = [];
          while (stmt.step()) rows.push(stmt.getAsObject());
          stmt.free();
          return rows;
        },
        run(params) {
          db.run(sql, bind(params));
          return { changes: db.getRowsModified(), lastInsertRowid: 0 };
        },
        iterate(params) {
          return this.all(params)[Symbol.iterator]();
        },
      };
    },
  };
}

async function betterAuthOnSchema() {
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  db.exec(schema);
  const auth = betterAuth({
    secret: SECRET,
    baseURL: PLATFORM,
    database: { dialect: new SqliteDialect({ database: kyselyDatabase(db) }), type: "sqlite" },
    emailAndPassword: { enabled: true },
    user: {
      additionalFields: {
        role: { type: "string", required: false, defaultValue: "viewer", input: false },
        slackUserId: { type: "string", required: false, input: false },
      },
    },
    telemetry: { enabled: false },
  });
  return { db, auth };
}

const quote = (v) => (v === null || v === undefined ? "NULL" : typeof v === "number" ? String(v) : `'${String(v).replaceAll("'", "''")}'`);
function insertSql(table, rows) {
  return rows
    .map((row) => {
      const cols = Object.keys(row);
      return `INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(", ")}) VALUES (${cols.map((c) => quote(row[c])).join(", ")});`;
    })
    .join("\n");
}
function rowsOf(db, sql, params = []) {
  const stmt = db.prepare(sql);
  stmt.bind(params);
  const rows = [];
  while (stmt.step()) rows.push(stmt.getAsObject());
  stmt.free();
  return rows;
}

const cookieOf = (response) => (response.headers.get("set-cookie") ?? "").split(";")[0];

test("a user and a session better-auth made are accepted by the platform", async () => {
  const { db, auth } = await betterAuthOnSchema();
  const email = `ba-${process.pid}-${Date.now()}@example.com`;
  const password = "made by better-auth 1";
  const signedUp = await auth.api.signUpEmail({ body: { email, password, name: "From BetterAuth" }, asResponse: true });
  assert.equal(signedUp.status, 200);
  const cookie = cookieOf(signedUp);
  assert.match(cookie, /^better-auth\.session_token=/);
  // better-auth wrote BetterAuth's rows; give them to the platform's D1 as they are.
  const user = rowsOf(db, `SELECT * FROM "user" WHERE "email" = ?`, [email]);
  assert.equal(user.length, 1);
  const id = user[0].id;
  d1([
    insertSql("user", user),
    insertSql("account", rowsOf(db, `SELECT * FROM "account" WHERE "userId" = ?`, [id])),
    insertSql("session", rowsOf(db, `SELECT * FROM "session" WHERE "userId" = ?`, [id])),
  ].join("\n"));

  // The platform accepts better-auth's cookie...
  const session = await (await fetch(`${PLATFORM}/api/auth/get-session`, { headers: { cookie } })).json();
  assert.equal(session?.user?.email, email);
  assert.equal(session.user.role, "viewer");
  // ... and verifies the password better-auth hashed.
  const signIn = await fetch(`${PLATFORM}/api/auth/sign-in/email`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password }),
  });
  assert.equal(signIn.status, 200);
});

test("a user and a session the platform made are accepted by better-auth", async () => {
  const { db, auth } = await betterAuthOnSchema();
  const email = `platform-${process.pid}-${Date.now()}@example.com`;
  const password = "made by the platform 1";
  execFileSync(SKILL, ["users", "add", "--email", email, "--role", "agent", "--slack", "U0DEVAPPROVER"], {
    input: `${password}\n`, env: { ...process.env }, stdio: ["pipe", "pipe", "pipe"],
  });
  const signIn = await fetch(`${PLATFORM}/api/auth/sign-in/email`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password }),
  });
  assert.equal(signIn.status, 200);
  const cookie = cookieOf(signIn);
  // The platform's rows, as a shared database would hold them, into better-auth's.
  const user = d1(`SELECT * FROM "user" WHERE "email" = ${quote(email)}`);
  const id = user[0].id;
  db.exec([
    insertSql("user", user),
    insertSql("account", d1(`SELECT * FROM "account" WHERE "userId" = ${quote(id)}`)),
    insertSql("session", d1(`SELECT * FROM "session" WHERE "userId" = ${quote(id)}`)),
  ].join("\n"));

  const session = await auth.api.getSession({ headers: new Headers({ cookie }) });
  assert.equal(session?.user?.email, email);
  assert.equal(session.user.role, "agent");
  assert.equal(session.user.slackUserId, "U0DEVAPPROVER");
  // better-auth's own sign-in verifies the platform's scrypt hash.
  const again = await auth.api.signInEmail({ body: { email, password }, asResponse: true });
  assert.equal(again.status, 200);
  const wrong = await auth.api.signInEmail({ body: { email, password: "not it" }, asResponse: true });
  assert.equal(wrong.status, 401);
});

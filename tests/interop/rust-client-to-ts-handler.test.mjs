// Our Rust client (through the `skill` binary) calls an app built on the TypeScript SDK.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startTsApp } from "./ts-app.mjs";

const run = promisify(execFile);
const SECRET = "interop-ts-handler-secret";
const SKILL = process.env.SKILL_BIN ?? new URL("../../target/debug/skill", import.meta.url).pathname;

let app;
before(async () => { app = await startTsApp(SECRET); });
after(async () => { await app.close(); });

async function skill(...args) {
  try {
    const { stdout } = await run(SKILL, args, { env: { ...process.env, SUPPORT_WEBHOOK_SECRET: "" } });
    return { code: 0, json: JSON.parse(stdout) };
  } catch (err) {
    return { code: err.code, json: JSON.parse(err.stdout || "null"), stderr: err.stderr };
  }
}

test("the TypeScript handler accepts our signature and returns its data", async () => {
  const r = await skill("sdk", "call", app.url, "--secret", SECRET, "--action", "lookupUser", "--params", '{"email":"dana@example.com"}');
  assert.equal(r.code, 0);
  assert.deepEqual(r.json, { id: "usr_dana", email: "dana@example.com", name: "Dana Lee", createdAt: "2024-01-15T10:30:00.000Z" });

  const p = await skill("sdk", "call", app.url, "--secret", SECRET, "--action", "getPurchases", "--params", '{"userId":"usr_dana"}');
  assert.equal(p.json[0].amount, 49900);
});

test("typed parsing on our side accepts every answer the TypeScript app gives", async () => {
  const search = await skill("sdk", "call", app.url, "--secret", SECRET, "--action", "searchContent",
    "--params", '{"query":"generics","types":["lesson"],"limit":3,"customer":{"email":"dana@example.com","hasPurchased":true}}');
  assert.equal(search.code, 0);
  assert.equal(search.json.results[0].title, "About generics");
});

test("a wrong secret is refused by the TypeScript handler", async () => {
  const r = await skill("sdk", "call", app.url, "--secret", "wrong", "--action", "getRefundPolicy");
  assert.equal(r.code, 1);
  assert.deepEqual(r.json, { error: "Invalid signature" });
});

test("skill health classifies every method of a TypeScript app", async () => {
  const r = await skill("health", app.url, "--secret", SECRET, "--email", "dana@example.com", "--json");
  const outcome = Object.fromEntries(r.json.methods.map((m) => [m.action, m.outcome]));
  assert.equal(outcome.lookupUser, "implemented");
  assert.equal(outcome.getPurchases, "implemented");
  assert.equal(outcome.revokeAccess, "implemented");
  assert.equal(outcome.generateMagicLink, "implemented");
  assert.equal(outcome.getRefundPolicy, "implemented");
  assert.equal(outcome.getSubscriptions, "not_implemented");
  assert.equal(outcome.getAppInfo, "not_implemented");
  assert.equal(r.json.healthy, true);
  assert.equal(r.code, 0);
});

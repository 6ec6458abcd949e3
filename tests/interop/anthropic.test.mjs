// The published @anthropic-ai/sdk (1.17: `Authorization: Bearer` and `anthropic-version:
// 2026-10-21`) against the devkit's Anthropic stand-in: a scripted message and a tool call
// come back in Anthropic's shape, and a wrong key and a bad request surface as the SDK's
// own error classes.
import { test } from "node:test";
import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";

const DEVKIT = process.env.DEVKIT_URL;
const KEY = process.env.ANTHROPIC_API_KEY;
assert.ok(DEVKIT && KEY, "DEVKIT_URL and ANTHROPIC_API_KEY must be set (run through scripts/test)");
const MODEL = "claude-sonnet-4-5";
const client = new Anthropic({ apiKey: KEY, baseURL: `${DEVKIT}/anthropic`, maxRetries: 0 });

async function script(tag, responses) {
  const r = await fetch(`${DEVKIT}/_devkit/anthropic/script`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: MODEL, conversation: tag, responses }),
  });
  assert.equal(r.status, 200, await r.text());
}

test("a scripted answer comes back as a Message, through the SDK's Bearer auth and version", async () => {
  const tag = `interop-anthropic-${process.pid}-${Date.now()}`;
  await script(tag, [{ text: "Hello from the stand-in." }]);
  const message = await client.messages.create({
    model: MODEL,
    max_tokens: 64,
    messages: [{ role: "user", content: `Say hello. ${tag}` }],
  });
  assert.equal(message.type, "message");
  assert.equal(message.role, "assistant");
  assert.match(message.id, /^msg_/);
  assert.deepEqual(message.content.map((b) => b.type), ["text"]);
  assert.equal(message.content[0].text, "Hello from the stand-in.");
  assert.equal(message.stop_reason, "end_turn");
  for (const counter of ["input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"]) {
    assert.equal(typeof message.usage[counter], "number", counter);
  }
  // What the SDK sent, as the stand-in recorded it.
  const requests = await (await fetch(`${DEVKIT}/_devkit/anthropic/requests`)).json();
  const mine = (Array.isArray(requests) ? requests : requests.requests ?? []).filter((r) => JSON.stringify(r).includes(tag));
  assert.ok(mine.length >= 1, "the stand-in recorded the request");
});

test("a tool call and its result make a two-turn exchange", async () => {
  const tag = `interop-anthropic-tool-${process.pid}-${Date.now()}`;
  await script(tag, [
    { tool_use: { name: "lookupUser", input: { email: "dana@example.com" } } },
    { text: "Dana has one purchase." },
  ]);
  const tools = [{ name: "lookupUser", description: "Find a customer", input_schema: { type: "object", properties: { email: { type: "string" } } } }];
  const first = await client.messages.create({
    model: MODEL, max_tokens: 64, tools, messages: [{ role: "user", content: `Who is Dana? ${tag}` }],
  });
  assert.equal(first.stop_reason, "tool_use");
  const call = first.content.find((b) => b.type === "tool_use");
  assert.equal(call.name, "lookupUser");
  assert.deepEqual(call.input, { email: "dana@example.com" });
  assert.match(call.id, /^toolu_/);
  const second = await client.messages.create({
    model: MODEL, max_tokens: 64, tools,
    messages: [
      { role: "user", content: `Who is Dana? ${tag}` },
      { role: "assistant", content: first.content },
      { role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: "{\"purchases\":1}" }] },
    ],
  });
  assert.equal(second.content[0].text, "Dana has one purchase.");
});

test("a wrong key and a bad request are the SDK's AuthenticationError and BadRequestError", async () => {
  const wrong = new Anthropic({ apiKey: "sk-ant-wrong", baseURL: `${DEVKIT}/anthropic`, maxRetries: 0 });
  await assert.rejects(
    wrong.messages.create({ model: MODEL, max_tokens: 8, messages: [{ role: "user", content: "hi" }] }),
    (e) => e instanceof Anthropic.AuthenticationError && e.status === 401,
  );
  await assert.rejects(
    client.messages.create({ model: MODEL, max_tokens: 8, messages: [] }),
    (e) => e instanceof Anthropic.BadRequestError && e.status === 400 && e.error?.error?.type === "invalid_request_error",
  );
});

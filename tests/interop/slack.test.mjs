// The published @slack/web-api against the devkit's Slack stand-in: the calls the
// platform makes (auth.test, chat.postMessage with blocks, chat.update,
// conversations.history and .replies, chat.postEphemeral) and a bad token, answered as
// Slack answers them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { WebClient, ErrorCode } from "@slack/web-api";

const DEVKIT = process.env.DEVKIT_URL;
const TOKEN = process.env.SLACK_BOT_TOKEN;
assert.ok(DEVKIT && TOKEN, "DEVKIT_URL and SLACK_BOT_TOKEN must be set (run through scripts/test)");
const slackApiUrl = `${DEVKIT}/slack/api/`;
const client = new WebClient(TOKEN, { slackApiUrl, retryConfig: { retries: 0 } });
const CHANNEL = "C0DEVAPPROVALS";

test("auth.test names the workspace and the bot", async () => {
  const me = await client.auth.test();
  assert.equal(me.ok, true);
  assert.match(me.team_id, /^T/);
  assert.match(me.user_id, /^U/);
  assert.match(me.bot_id, /^B/);
  assert.match(me.url, /^https:\/\/.+\.slack\.com\/$/);
});

test("a message with blocks is posted, updated, threaded and read back", async () => {
  const text = `interop ${process.pid} ${Date.now()}`;
  const posted = await client.chat.postMessage({
    channel: CHANNEL, text,
    blocks: [{ type: "section", text: { type: "mrkdwn", text: `*${text}*` } }],
  });
  assert.equal(posted.ok, true);
  assert.match(posted.ts, /^\d+\.\d+$/);
  assert.equal(posted.channel, CHANNEL);

  const updated = await client.chat.update({ channel: CHANNEL, ts: posted.ts, text: `${text} (decided)`, blocks: [] });
  assert.equal(updated.ok, true);
  assert.equal(updated.ts, posted.ts);

  const reply = await client.chat.postMessage({ channel: CHANNEL, thread_ts: posted.ts, text: "Recorded." });
  assert.equal(reply.ok, true);

  const history = await client.conversations.history({ channel: CHANNEL, limit: 50 });
  const found = history.messages.find((m) => m.ts === posted.ts);
  assert.ok(found, "the message is in the channel's history");
  assert.equal(found.text, `${text} (decided)`);
  const replies = await client.conversations.replies({ channel: CHANNEL, ts: posted.ts });
  assert.ok(replies.messages.some((m) => m.text === "Recorded."), "the thread holds the reply");
});

test("a bad token is Slack's invalid_auth, as the SDK's platform error", async () => {
  const bad = new WebClient("xoxb-not-the-token", { slackApiUrl, retryConfig: { retries: 0 } });
  await assert.rejects(bad.auth.test(), (e) => e.code === ErrorCode.PlatformError && e.data?.error === "invalid_auth");
});

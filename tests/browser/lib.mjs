// Helpers for the browser tests: headless Chromium on the dashboard, people made with
// `skill users add`, and approvals made by the real pipeline through the devkit's
// stand-ins, the way the Rust e2e tests make them (tests/e2e/tests/common/flow.rs).
//
// Environment (set by scripts/test): PLATFORM_URL, DEVKIT_URL, ADMIN_TOKEN,
// FRONT_API_TOKEN, SKILL_BIN, BETTER_AUTH_SECRET, WRANGLER, PLATFORM_CONFIG,
// APPROVALS_API_TOKEN, PLATFORM_STATE_DIR; SCREENSHOT_DIR and CHROMIUM optional.
import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
export { d1 } from "../lib/d1.mjs";

for (const name of ["PLATFORM_URL", "DEVKIT_URL", "ADMIN_TOKEN", "FRONT_API_TOKEN", "SKILL_BIN", "BETTER_AUTH_SECRET",
  "APPROVALS_API_TOKEN"]) {
  if (!process.env[name]) throw new Error(`${name} is not set: run the browser tests through scripts/test`);
}

export const PLATFORM = process.env.PLATFORM_URL.replace(/\/$/, "");
export const DEVKIT = process.env.DEVKIT_URL.replace(/\/$/, "");
/// The dev app's approver (fixtures/platform-dev-apps.json), and someone who is not one.
export const APPROVER = "U0DEVAPPROVER";
export const NOT_AN_APPROVER = "U0DEVOTHER";
/// The example app's slug: cha_dev → inb_dev → total-typescript.
export const APP = "total-typescript";
/// BetterAuth's session cookie on plain http (no __Secure- prefix).
export const SESSION_COOKIE = "better-auth.session_token";
/// As flow.rs WITHIN: runs take seconds; the margin covers a loaded 2-core machine.
export const WITHIN = 150_000;
/// The agent's model: scripted answers go to it only, so the classifier (haiku) still
/// uses the stand-in's keyword rules.
const AGENT_MODEL = "claude-sonnet-4-5";

// --- browser ------------------------------------------------------------------------

/// Debian's Chromium under playwright-core, as scripts/card-screenshot.mjs launches it
/// (nothing is downloaded at run time).
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
}

/// A desktop-sized context on the platform (relative URLs resolve against PLATFORM_URL).
export function desktop(browser) {
  return browser.newContext({ baseURL: PLATFORM, viewport: { width: 1280, height: 900 } });
}

/// A phone-sized context: mobile layout rules (meta viewport) and touch apply.
export function phone(browser) {
  return browser.newContext({
    baseURL: PLATFORM, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
  });
}

/// Runs `fn(page)` in a new page of `context`; on failure keeps a screenshot named
/// `failed-<name>` (what the page showed is the first thing to read), always closes
/// the context.
export async function withPage(context, name, fn) {
  const page = await context.newPage();
  try {
    return await fn(page);
  } catch (e) {
    await shot(page, `failed-${name}`).catch(() => {});
    throw e;
  } finally {
    await context.close();
  }
}

/// A full-page PNG in $SCREENSHOT_DIR (created when missing); returns its path.
export async function shot(page, name) {
  const dir = process.env.SCREENSHOT_DIR || join(tmpdir(), "support-screenshots");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name.replace(/[^\w.-]+/g, "_")}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

// --- people and sessions ------------------------------------------------------------------

let counter = 0;
/// An id unique to this run and call, as common::unique does: `<prefix>_<ms>_<n>`.
export function unique(prefix) {
  return `${prefix}_${Date.now()}_${counter++}`;
}

/// `skill users add` as an operator runs it, the password on standard input. Returns
/// the platform's JSON answer (`--json`), or the CLI's text if it printed no JSON.
export function addPerson({ email, role, slack, name, password }) {
  const args = ["users", "add", "--email", email, "--role", role, "--json"];
  if (slack) args.push("--slack", slack);
  if (name) args.push("--name", name);
  let out;
  try {
    out = execFileSync(process.env.SKILL_BIN, args, {
      input: `${password}\n`,
      env: { ...process.env, PLATFORM_URL: PLATFORM, ADMIN_TOKEN: process.env.ADMIN_TOKEN },
      stdio: ["pipe", "pipe", "pipe"],
      encoding: "utf8",
    });
  } catch (e) {
    throw new Error(`skill ${args.join(" ")} failed: ${e.stderr || e.message}`);
  }
  try {
    return JSON.parse(out);
  } catch {
    return out.trim();
  }
}

/// Signs in through the sign-in form and waits for the queue (`/`).
export async function signIn(page, email, password) {
  await page.goto("/sign-in");
  await page.fill("form#sign-in input[name=email]", email);
  await page.fill("form#sign-in input[name=password]", password);
  await Promise.all([
    page.waitForURL((url) => url.pathname === "/"),
    page.click("form#sign-in button[type=submit]"),
  ]);
}

/// Opens the queue page that holds this approval and returns its article: the queue is
/// oldest first and paged, and earlier suites leave approvals pending before ours.
export async function openQueueAt(page, actionId) {
  await page.goto("/");
  for (let pages = 1; ; pages++) {
    const card = page.locator(`article.approval[data-action-id="${actionId}"]`);
    if (await card.count()) return card;
    const next = page.locator("a.next-page");
    if (!(await next.count()) || pages >= 100) throw new Error(`no article for ${actionId} on ${pages} queue page(s)`);
    await page.goto(await next.first().getAttribute("href"));
  }
}

/// The value of the context's session cookie (URL-encoded `token.signature`), or null.
export async function sessionCookie(context) {
  const cookie = (await context.cookies(PLATFORM)).find((c) => c.name === SESSION_COOKIE);
  return cookie ? cookie.value : null;
}

/// The session token inside a cookie value.
export function tokenOf(cookieValue) {
  const raw = decodeURIComponent(cookieValue);
  return raw.slice(0, raw.lastIndexOf("."));
}

/// BetterAuth's signed cookie value for `token`: `token.base64(HMAC-SHA256(secret,
/// token))`, URL-encoded.
export function signedCookie(token, secret) {
  const signature = createHmac("sha256", secret).update(token).digest("base64");
  return encodeURIComponent(`${token}.${signature}`);
}

/// Puts a session cookie with this value into `context`, as a browser would hold it.
export function setSessionCookie(context, value) {
  return context.addCookies([{ name: SESSION_COOKIE, value, url: PLATFORM, httpOnly: true, sameSite: "Lax" }]);
}

/// The page's CSRF token, from the sign-out form every signed-in page has.
export function csrfOf(page) {
  return page.locator("form#sign-out input[name=csrf]").getAttribute("value");
}

// --- waiting ------------------------------------------------------------------------------

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/// Polls `fn` until it returns a truthy value, and returns that value. On timeout the
/// error says `what` it waited for and the last value or error seen.
export async function waitFor(fn, { timeout = WITHIN, interval = 200, what = "a condition" } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
      last = value;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) {
      const seen = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeout / 1000} s waiting for ${what} (last: ${seen})`);
    }
    await sleep(interval);
  }
}

// --- the stand-ins and the platform's admin API --------------------------------------------

async function getJson(url, headers = {}) {
  const r = await fetch(url, { headers });
  if (!r.ok) throw new Error(`GET ${url}: ${r.status} ${await r.text()}`);
  return r.json();
}

/// POST to the devkit, with Front's bearer token as flow.rs `post` sends it (the Front
/// stand-in wants it; the control APIs ignore it). Fails unless 2xx.
async function devkitPost(path, body) {
  const r = await fetch(`${DEVKIT}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${process.env.FRONT_API_TOKEN}` },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/// `GET path` on the platform's admin API (ADMIN_TOKEN).
export function admin(path) {
  return getJson(`${PLATFORM}${path}`, { authorization: `Bearer ${process.env.ADMIN_TOKEN}` });
}

/// Whether the approval record still waits for a decision (flow.rs `approval_status`):
/// the approver U0DEVAPPROVER's API token lists the pending ones. Unlike the action's
/// status, which the approval run settles seconds later, this changes with the decision.
export async function approvalPending(actionId) {
  const { approvals } = await getJson(`${PLATFORM}/api/approvals?limit=500`, {
    authorization: `Bearer ${process.env.APPROVALS_API_TOKEN}`,
  });
  return approvals.some((a) => a.actionId === actionId);
}

/// Registers the platform's functions with the devkit's executor (common::inngest_sync).
async function inngestSync() {
  const r = await fetch(`${PLATFORM}/api/inngest`, { method: "PUT" });
  if (r.status !== 200) throw new Error(`PUT /api/inngest: ${r.status} ${await r.text()}`);
}

/// Scripts the agent for one conversation (flow.rs `script`): each agent-model call
/// whose first user message carries `tag` gets the next of `responses`.
function script(tag, responses) {
  return devkitPost("/_devkit/anthropic/script", { model: AGENT_MODEL, conversation: tag, responses });
}

/// A customer writes on a Front channel; the Front conversation id (flow.rs
/// `customer_writes`).
async function customerWrites(channel, from, subject, body) {
  const accepted = await devkitPost(`/front/channels/${channel}/incoming_messages`, {
    sender: { handle: from, name: "Test Customer" }, subject, body,
  });
  const uid = accepted.message_uid;
  const message = await waitFor(
    async () => (await getJson(`${DEVKIT}/_devkit/front/state`)).messages.find((m) => m.message_uid === uid),
    { timeout: 10_000, interval: 100, what: `Front message ${uid}` },
  );
  return message.conversation_id;
}

/// The executor's finished run of `support-platform-<fn>` for a conversation (flow.rs
/// `finished_run`); on timeout, what the executor knows of the conversation.
export async function finishedRun(fn, conversationId, timeout = WITHIN) {
  const id = `support-platform-${fn}`;
  let all = [];
  try {
    return await waitFor(async () => {
      all = await getJson(`${DEVKIT}/_devkit/inngest/runs`);
      return all.find((r) => r.function_id === id && r.event?.data?.conversationId === conversationId && r.status !== "running");
    }, { timeout, interval: 250, what: `${fn} for ${conversationId}` });
  } catch (e) {
    const related = all
      .filter((r) => JSON.stringify(r).includes(conversationId))
      .map((r) => ({ function: r.function_id, status: r.status, steps: Object.keys(r.steps ?? {}), last_calls: (r.calls ?? []).slice(-3) }));
    throw new Error(`${e.message}; runs of it: ${JSON.stringify(related, null, 2)}`);
  }
}

/// A pending approval made by the pipeline, as the Rust approval tests make one:
/// Sam writes on `cha_dev` (the example app's channel), the pipeline proposes, and the
/// approval request reaches Slack. Returns `{conversationId, actionId, action}` with
/// `action` as `GET /admin/actions` lists it (reply, proposals, argsHash, ...).
///
/// - Without `reply`: approvals.rs `an_edited_reply_is_what_gets_sent` ("Login trouble",
///   "I cannot access my course."): the stand-in's keyword agent looks Sam up and
///   proposes a login link (one proposal) with its own reply, which may hold the
///   `{{login_link}}` placeholder.
/// - With `reply`: knowledge.rs `sent_replies_become_a_proposed_faq…`: a question before
///   buying, the agent scripted to answer `reply` and call no tool (no proposals). Keep
///   `reply` free of numbers and links: the platform refuses claims no source gives.
export async function makeApproval({ reply } = {}) {
  await inngestSync();
  const tag = unique("browser");
  let subject = "Login trouble";
  let body = `I cannot access my course. ${tag}`;
  if (reply !== undefined) {
    await script(tag, [{ text: reply }]);
    subject = "Before I buy";
    body = `Is there a certificate when I finish the course? Asking before I look at the price. ${tag}`;
  }
  const conversationId = await customerWrites("cha_dev", "sam@example.com", subject, body);
  const respond = await finishedRun("support-pipeline", conversationId);
  if (respond.status !== "completed" || respond.output?.outcome !== "proposed") {
    throw new Error(`the pipeline proposed nothing for ${conversationId}: ${JSON.stringify(respond.output ?? respond)}`);
  }
  const actionId = respond.output.actionId;
  const action = await waitFor(
    async () => (await admin(`/admin/actions?app=${APP}&limit=500`)).actions.find((a) => a.conversationId === conversationId),
    { what: `the pending action of ${conversationId} in /admin/actions` },
  );
  if (action.id !== actionId) throw new Error(`pending action ${action.id}, support-pipeline proposed ${actionId}`);
  // The card is in Slack and the record is pending: the approval request ran.
  await slackMessage(actionId);
  await waitFor(() => approvalPending(actionId), { what: `the approval of ${actionId} pending in /api/approvals` });
  return { conversationId, actionId, action };
}

/// The Slack message whose blocks carry this action (flow.rs `slack_message`), with its
/// `channel` set.
export function slackMessage(actionId, timeout = WITHIN) {
  return waitFor(async () => {
    const state = await getJson(`${DEVKIT}/_devkit/slack/state`);
    for (const channel of state.channels ?? []) {
      const message = (channel.messages ?? []).find((m) => JSON.stringify(m.blocks ?? []).includes(actionId));
      if (message) return { ...message, channel: channel.id };
    }
    return null;
  }, { timeout, what: `the Slack message for ${actionId}` });
}

/// Everything a person reads on a Slack card: its text and its blocks.
export function cardText(message) {
  return `${message.text ?? ""}\n${JSON.stringify(message.blocks ?? [])}`;
}

/// `user` clicks the card's approve, reject or edit button (flow.rs `click`); the
/// stand-in's answer (the platform's status and body).
export async function slackClick(actionId, decision, user = APPROVER) {
  const message = await slackMessage(actionId);
  return devkitPost("/_devkit/slack/click", {
    channel: message.channel, ts: message.ts, action_id: `${decision}_action`, user,
  });
}

/// The Front stand-in's messages and drafts of a conversation (flow.rs `front_messages`).
export async function frontMessages(conversationId) {
  const state = await getJson(`${DEVKIT}/_devkit/front/state`);
  return state.messages.filter((m) => m.conversation_id === conversationId);
}

/// The replies that went out (flow.rs `sent_replies`): outbound and not drafts.
export function sentReplies(messages) {
  return messages.filter((m) => m.is_inbound === false && m.draft_mode == null);
}

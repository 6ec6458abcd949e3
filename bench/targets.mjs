// What scripts/bench measures over HTTP: the workers it loads into workerd, the D1
// databases they use, the requests it sends, and the ratios it reports.
//
// Adding a target is an entry in `targets` (and, for a new worker, one in `workers`):
//
//   workers.<name>      how to load a worker into workerd (bench/lib/runtime.mjs):
//     script            entry module, relative to the repo root
//     modulesRoot       directory module names are relative to (default: the script's)
//     build             command run before loading (argv array, from the repo root)
//     bundle            true: bundle `script` with esbuild first (npm imports; node
//                       built-ins stay external), as wrangler would
//     compatibilityDate, compatibilityFlags
//     bindings          plain text/JSON bindings (vars and secrets alike), or a function
//                       ({ urlOf }) -> bindings, where urlOf(standin) is the base URL of a
//                       stand-in from `standins` (started first, on a port chosen then)
//     standins          the stand-ins it calls (names in `standins`)
//   standins.<name>     a fake upstream service, its own Node process outside workerd:
//     script            `node <script> <port>`; prints "listening" once it serves
//     d1                { BINDING: "<database key>" } from `databases`
//     miniflare         extra Miniflare worker options, passed through as they are
//                       (e.g. durableObjects: { INTAKE: { className: "Intake", useSQLite: true } })
//   databases.<key>     a local D1 database: `migrations` (directory of *.sql), applied
//                       fresh on every run with `wrangler d1 migrations apply --local`;
//                       `seeds`: more .sql files applied after them (from a generated copy
//                       of the migrations directory)
//   targets[]           one measured route:
//     name, title       short id (table, JSON) and a description
//     worker            key in `workers`
//     socket            "direct" (default): a workerd socket wired straight to the worker;
//                       "entry": Miniflare's entry socket (its router worker in front)
//     request           { method, path, body, headers(nowSecs) -> {header: value} }
//                       headers() runs right before every wrk run, so a signature with
//                       a timestamp is always fresh. Or, instead of body/headers:
//                       distinct: { make(tag, i, nowMs) -> { headers, body }, minRate }:
//                       every wrk run gets its own table of distinct requests (tag is
//                       unique per run and phase, i the entry), sized for
//                       max(minRate, 2 x the best rate seen) requests/s; running past its
//                       end fails the run
//     timeout_s         wrk's --timeout (default wrk's 2 s): a request slower than this is
//                       counted as a timeout error and left out of the latency figures
//     delivery          { standin, key }: after each run, wait until the stand-in
//                       has received as many events under `key` as requests were accepted,
//                       and record both (for workers that forward asynchronously)
//     expect(status, bodyText) -> null when the answer is right, else what is wrong;
//                       checked with one curl before every measurement
//   comparisons[]       ratios reported from the medians: { label, target, baseline }, for
//                       the closed-loop runs and (at the same offered rate) the open-loop
//                       ones; goal: { open_loop_p99_ratio_max } marks a tracked target
//                       (open-loop p99 ratio at most that) as met or missed
import { createHmac } from "node:crypto";
import { DASHBOARD_SESSION_TOKEN } from "./lib/dashboard-seed.mjs";
import fs from "node:fs";
import path from "node:path";

const COMPATIBILITY_DATE = "2026-04-01";

// The secret of the benchmark's own workers (never deployed anywhere). Only the current
// secret is configured: the Rust handler computes one HMAC per configured secret (a
// rotation doubles it), the TypeScript SDK supports just one, so one each is like for like.
const SUPPORT_SECRET = "bench-support-secret";

// The Front webhook intake benchmark (rust-intake vs ts-intake): the application-webhook
// secret both verify with, and the Inngest event keys their events are forwarded under
// (one per worker, so the stand-in counts them apart).
const FRONT_SECRET = "bench-front-secret";

// The platform's Inngest signing key (the inngest-call target signs its call requests as
// Inngest does: t=<s>&s=<hex HMAC-SHA256(key without its signkey-<env>- prefix,
// body + t)>).
const INNGEST_SIGNING_KEY = "signkey-bench-1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a7988";
const INTAKE_KEYS = { rust: "bench-rust-intake", ts: "bench-ts-intake", jsDo: "bench-js-do-intake" };

// The dashboard's session: the seeded owner's token, signed as BetterAuth signs its
// cookie (token "." base64 HMAC-SHA256, URL-encoded).
const DASHBOARD_SECRET = "bench-dashboard-better-auth-secret-0123456789";
function dashboardCookie() {
  const mac = createHmac("sha256", DASHBOARD_SECRET).update(DASHBOARD_SESSION_TOKEN).digest("base64");
  return `better-auth.session_token=${encodeURIComponent(`${DASHBOARD_SESSION_TOKEN}.${mac}`)}`;
}
function dashboardPage(name, path, title, check) {
  return {
    name,
    title: `Dashboard (1,000 pending, 100,000 audit rows): ${title}`,
    worker: "platform-dashboard",
    request: { method: "GET", path, headers: () => ({ Cookie: dashboardCookie() }) },
    expect: (status, body) =>
      status !== 200 ? `status ${status}: ${body.slice(0, 200)}` : body.includes(check) ? null : `no ${JSON.stringify(check)} in the page`,
    timeout_s: 10,
    // Measured closed-loop for their CPU; the open-loop rate is set for the intake and
    // would only queue a page up.
    open_loop: false,
  };
}

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the benchmarks through scripts/bench`);
  return value;
}

export const databases = {
  "example-app": { migrations: "migrations/example-app" },
  // The platform schema plus the dev apps (app total-typescript on inbox inb_dev), as
  // scripts/bench generates them from fixtures/platform-dev-apps.json with their secrets
  // sealed under BENCH_APP_SECRETS_KEYS (the apps-sql tool, as scripts/dev does).
  platform: { migrations: "migrations/platform", seeds: [`${process.env.BENCH_OUT_DIR ?? ".tmp/bench"}/seeds/platform-dev-apps.sql`] },
  // The same, plus the dashboard's scale: 1,000 pending approvals, 100,000 audit rows and
  // a signed-in owner (bench/lib/dashboard-seed.mjs, generated by scripts/bench).
  "platform-dashboard": {
    migrations: "migrations/platform",
    seeds: [
      `${process.env.BENCH_OUT_DIR ?? ".tmp/bench"}/seeds/platform-dev-apps.sql`,
      `${process.env.BENCH_OUT_DIR ?? ".tmp/bench"}/seeds/dashboard.sql`,
    ],
  },
};

// Inngest Event API stand-in: 200 {"ids": [...], "status": 200} at once; counts events.
export const standins = {
  inngest: { script: "bench/standins/inngest.mjs" },
};

export const workers = {
  ok: {
    script: "bench/workers/ok/index.mjs",
    compatibilityDate: COMPATIBILITY_DATE,
  },
  "d1-lookup": {
    script: "bench/workers/d1-lookup/index.mjs",
    compatibilityDate: COMPATIBILITY_DATE,
    d1: { DB: "example-app" },
  },
  "example-app": {
    build: ["scripts/build-worker", "example-app"],
    script: "workers/example-app/build/worker/shim.mjs",
    modulesRoot: "workers/example-app/build",
    compatibilityDate: COMPATIBILITY_DATE, // as workers/example-app/wrangler.toml
    bindings: {
      PUBLIC_URL: "http://127.0.0.1",
      SUPPORT_WEBHOOK_SECRET: SUPPORT_SECRET,
    },
    d1: { DB: "example-app" },
  },
  "ts-sdk-app": {
    script: "bench/workers/ts-sdk-app/index.mjs",
    bundle: true,
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: ["nodejs_compat"],
    bindings: { SUPPORT_WEBHOOK_SECRET: SUPPORT_SECRET },
    d1: { DB: "example-app" },
  },
  platform: {
    build: ["scripts/build-worker", "platform"],
    // build/worker/shim.mjs behind the entry that lets the conversation object serve RPC.
    script: "workers/platform/entry.mjs",
    modulesRoot: "workers/platform",
    compatibilityDate: COMPATIBILITY_DATE, // as wrangler.toml
    standins: ["inngest"],
    bindings: ({ urlOf }) => ({
      FRONT_WEBHOOK_SECRET: FRONT_SECRET,
      INNGEST_EVENT_API_BASE: urlOf("inngest"),
      INNGEST_EVENT_KEY: INTAKE_KEYS.rust,
      CONVERSATION_TTL_SECS: "3600",
      // The key scripts/bench sealed the seeded apps' secrets with.
      APP_SECRETS_KEYS: requiredEnv("BENCH_APP_SECRETS_KEYS"),
      // /api/inngest, with the protocol's conformance functions (inngest-call).
      INNGEST_SIGNING_KEY,
      INNGEST_CONFORMANCE: "1",
    }),
    d1: { DB: "platform" },
    miniflare: { durableObjects: { CONVERSATIONS: { className: "Conversation", useSQLite: true } } },
  },
  // The platform with the dashboard on (BETTER_AUTH_SECRET) over the seeded queue and log.
  "platform-dashboard": {
    build: ["scripts/build-worker", "platform"],
    script: "workers/platform/entry.mjs",
    modulesRoot: "workers/platform",
    compatibilityDate: COMPATIBILITY_DATE,
    bindings: {
      APP_SECRETS_KEYS: requiredEnv("BENCH_APP_SECRETS_KEYS"),
      BETTER_AUTH_SECRET: DASHBOARD_SECRET,
    },
    d1: { DB: "platform-dashboard" },
    miniflare: { durableObjects: { CONVERSATIONS: { className: "Conversation", useSQLite: true } } },
  },
  "js-do-intake": {
    script: "bench/workers/js-do-intake/index.mjs",
    compatibilityDate: COMPATIBILITY_DATE,
    standins: ["inngest"],
    bindings: ({ urlOf }) => ({
      FRONT_WEBHOOK_SECRET: FRONT_SECRET,
      INNGEST_EVENT_API_BASE: urlOf("inngest"),
      INNGEST_EVENT_KEY: INTAKE_KEYS.jsDo,
    }),
    miniflare: { durableObjects: { CONVERSATIONS: { className: "Conversation", useSQLite: true } } },
  },
  "ts-intake": {
    script: "bench/workers/ts-intake/index.ts",
    bundle: true,
    compatibilityDate: COMPATIBILITY_DATE,
    standins: ["inngest"],
    bindings: ({ urlOf }) => ({
      FRONT_WEBHOOK_SECRET: FRONT_SECRET,
      INNGEST_EVENT_API_BASE: urlOf("inngest"),
      INNGEST_EVENT_KEY: INTAKE_KEYS.ts,
    }),
  },
};

// The SDK contract's request signature: X-Support-Signature: timestamp=<t>,v1=<hex
// HMAC-SHA256(secret, "<t>.<body>")>. Both handlers accept a timestamp up to 300 s old.
function supportRequest(secret, payload) {
  const body = JSON.stringify(payload);
  return {
    method: "POST",
    path: "/api/support",
    body,
    headers(nowSecs) {
      const v1 = createHmac("sha256", secret).update(`${nowSecs}.${body}`).digest("hex");
      return {
        "Content-Type": "application/json",
        "X-Support-Signature": `timestamp=${nowSecs},v1=${v1}`,
      };
    },
  };
}

// A Front application webhook, `inbound_received`, small (~600 bytes) and distinct per
// (tag, i): event evt_bench_<tag>_<i> in conversation cnv_bench_<i % 1000> of inbox inb_dev
// (the dev app total-typescript). Signed as Front signs: x-front-signature =
// base64(HMAC-SHA256(secret, "<ms timestamp>:<raw body>")), x-front-request-timestamp = ms.
const INTAKE_CONVERSATIONS = 1000;
function frontWebhook(tag, i, nowMs, { newConversations = false } = {}) {
  const n = `${tag}_${i}`;
  const emitted = nowMs / 1000;
  return {
    type: "inbound_received",
    authorization: { id: "cmp_bench" },
    payload: {
      id: `evt_bench_${n}`,
      type: "inbound",
      emitted_at: emitted,
      conversation: {
        // New conversations: each webhook the first of its own, so every one meets a
        // brand-new object (as a conversation's first message does in production).
        id: newConversations ? `cnv_bench_new_${n}` : `cnv_bench_${i % INTAKE_CONVERSATIONS}`,
        subject: "Cannot access my course",
        recipient: { handle: "dana@example.com", role: "from" },
      },
      source: { _meta: { type: "inboxes" }, data: [{ id: "inb_dev" }] },
      target: {
        _meta: { type: "message" },
        data: {
          id: `msg_bench_${n}`,
          text: "Hi, I bought the course last week but the login link says my account does not exist. Can you help?",
          subject: "Cannot access my course",
          created_at: emitted,
          recipients: [{ handle: "dana@example.com", role: "from" }],
        },
      },
    },
  };
}

function frontIntakeRequest(secret, options) {
  return {
    method: "POST",
    path: "/webhooks/front",
    distinct: {
      minRate: 6000,
      make(tag, i, nowMs) {
        const body = JSON.stringify(frontWebhook(tag, i, nowMs, options));
        const ts = String(Math.floor(nowMs));
        const signature = createHmac("sha256", secret).update(`${ts}:${body}`).digest("base64");
        return {
          body,
          headers: { "Content-Type": "application/json", "x-front-signature": signature, "x-front-request-timestamp": ts },
        };
      },
    },
  };
}

// An Inngest call request to the platform's `conformance-double` (no steps: it returns
// at once), so the target measures what every call costs the worker: the signature, the
// body, the handler and its functions, the answer.
function inngestCall() {
  const event = { name: "conformance/never", data: { n: 21 }, id: "", ts: 1_700_000_000_000 };
  const body = JSON.stringify({
    event,
    events: [event],
    steps: {},
    ctx: {
      fn_id: "support-platform-conformance-double",
      run_id: "01BENCHRUN",
      env: "bench",
      step_id: "step",
      attempt: 0,
      max_attempts: 3,
      stack: { stack: [], current: 0 },
      disable_immediate_execution: false,
      use_api: false,
    },
    version: 2,
    use_api: false,
  });
  const key = INNGEST_SIGNING_KEY.replace(/^signkey-\w+-/, "");
  return {
    method: "POST",
    path: "/api/inngest?fnId=support-platform-conformance-double&stepId=step",
    body,
    headers(nowSecs) {
      const s = createHmac("sha256", key).update(body + String(nowSecs)).digest("hex");
      return { "Content-Type": "application/json", "X-Inngest-Signature": `t=${nowSecs}&s=${s}` };
    },
  };
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const expectText = (want) => (status, text) =>
  status === 200 && text === want ? null : `want 200 "${want}", got ${status}`;

const expectHealthy = (status, text) =>
  status === 200 && parseJson(text)?.status === "ok" ? null : `want 200 {"status":"ok",...}, got ${status}`;

// The seeded user (migrations/example-app/0002_seed.sql).
const expectDana = (status, text) => {
  const user = parseJson(text);
  const ok =
    status === 200 &&
    user?.id === "usr_dana" &&
    user?.email === "dana@example.com" &&
    user?.name === "Dana Lee" &&
    typeof user?.createdAt === "string" &&
    user.createdAt.startsWith("2024-01-15T10:30:00");
  return ok ? null : `want 200 with the user usr_dana (dana@example.com), got ${status}`;
};

// Accepted as a new event for the dev app, not a duplicate, not ignored.
const expectIntakeAccepted = (status, text) => {
  const a = parseJson(text);
  return status === 200 && a?.received === true && a.duplicate === undefined && a.ignored === undefined && a.appId === "total-typescript"
    ? null
    : `want 200 {"received":true,"appId":"total-typescript",...} without duplicate/ignored, got ${status}`;
};
const expectReceived = (status, text) =>
  status === 200 && parseJson(text)?.received === true ? null : `want 200 {"received":true,...}, got ${status}`;

const LOOKUP_DANA = { action: "lookupUser", email: "dana@example.com" };

// The new-conversation targets: each webhook the first of its own conversation. Opt-in
// (name them in BENCH_TARGETS), one short round, no open loop: every request makes a
// Durable Object, and one local workerd holds a few thousand before SQLite fails.
const NEW_CONVERSATIONS = {
  optIn: true,
  max_rounds: 1,
  max_warmup_s: 1,
  max_duration_s: 2,
  open_loop: false,
  request: frontIntakeRequest(FRONT_SECRET, { newConversations: true }),
  expect: expectIntakeAccepted,
};

export const targets = [
  {
    name: "ok",
    title: "baseline: JS worker that returns 200 (bench/workers/ok)",
    worker: "ok",
    request: { method: "GET", path: "/" },
    expect: expectText("ok"),
  },
  {
    name: "ok-entry",
    title: "the same worker through Miniflare's entry socket (its router worker in front)",
    worker: "ok",
    socket: "entry",
    request: { method: "GET", path: "/" },
    expect: expectText("ok"),
  },
  {
    name: "d1-lookup",
    title: "D1 baseline: JS worker running only the lookupUser query (no signature, no SDK)",
    worker: "d1-lookup",
    request: { method: "POST", path: "/", body: JSON.stringify(LOOKUP_DANA), headers: () => ({ "Content-Type": "application/json" }) },
    expect: expectDana,
  },
  {
    name: "rust-inngest-call",
    title: "Rust platform worker: a signed Inngest call request POST /api/inngest (a function with no steps)",
    worker: "platform",
    request: inngestCall(),
    expect: (status, text) =>
      status === 200 && parseJson(text)?.doubled === 42 ? null : `want 200 {"doubled":42}, got ${status}: ${text.slice(0, 200)}`,
    open_loop: false,
  },
  {
    name: "rust-healthz",
    title: "Rust example app: GET /healthz (wasm, no D1)",
    worker: "example-app",
    request: { method: "GET", path: "/healthz" },
    expect: expectHealthy,
  },
  {
    name: "rust-support",
    title: "Rust example app: signed POST /api/support lookupUser (D1)",
    worker: "example-app",
    request: supportRequest(SUPPORT_SECRET, LOOKUP_DANA),
    expect: expectDana,
  },
  {
    name: "ts-support",
    title: "TypeScript SDK 0.5.0 handler: signed POST /api/support lookupUser (D1)",
    worker: "ts-sdk-app",
    request: supportRequest(SUPPORT_SECRET, LOOKUP_DANA),
    expect: expectDana,
  },
  {
    name: "rust-intake",
    title: "Rust platform worker: signed Front webhook POST /webhooks/front (D1 app lookup, conversation DO, outbox)",
    worker: "platform",
    request: frontIntakeRequest(FRONT_SECRET),
    expect: expectIntakeAccepted,
    // Its answers stall past wrk's default 2 s now and then (Durable Object / SQLite
    // pauses under saturation); counted as timeouts they would vanish from p99.
    timeout_s: 10,
    delivery: { standin: "inngest", key: INTAKE_KEYS.rust },
  },
  {
    name: "js-do-intake",
    title: "the intake's design in plain JS (floor): the same webhooks, object per conversation, SQLite outbox, delivery in the request",
    worker: "js-do-intake",
    request: frontIntakeRequest(FRONT_SECRET),
    expect: expectIntakeAccepted,
    timeout_s: 10,
    delivery: { standin: "inngest", key: INTAKE_KEYS.jsDo },
  },
  {
    name: "rust-intake-new",
    ...NEW_CONVERSATIONS,
    title: "Rust platform worker: the same webhooks, each the first of a new conversation (a brand-new object per webhook)",
    worker: "platform",
    timeout_s: 10,
    delivery: { standin: "inngest", key: INTAKE_KEYS.rust },
  },
  {
    name: "js-do-intake-new",
    ...NEW_CONVERSATIONS,
    title: "the intake's design in plain JS: each webhook the first of a new conversation",
    worker: "js-do-intake",
    timeout_s: 10,
    delivery: { standin: "inngest", key: INTAKE_KEYS.jsDo },
  },
  {
    name: "ts-intake",
    title: "TypeScript verify-and-forward worker: the same webhooks, forwarded to Inngest in the request",
    worker: "ts-intake",
    request: frontIntakeRequest(FRONT_SECRET),
    expect: expectReceived,
    timeout_s: 10,
    delivery: { standin: "inngest", key: INTAKE_KEYS.ts },
  },
  dashboardPage("dash-queue", "/", "GET / (the queue's first 25)", "1000 approvals pending"),
  dashboardPage("dash-queue-filtered", "/?category=support_refund", "GET /?category= (filtered queue)", "approvals pending"),
  dashboardPage("dash-audit", "/audit", "GET /audit (newest 50)", 'id="audit"'),
  dashboardPage("dash-audit-actor", "/audit?actor=U3&outcome=failed", "GET /audit?actor&outcome (filtered)", 'id="audit"'),
  dashboardPage("dash-audit-deep", "/audit?app=other-app&before=1796500000000%3Az", "GET /audit?app&before (a deep page)", 'id="audit"'),
  dashboardPage("dash-conversation", "/conversations/cnv_bench_000500", "GET /conversations/{id} (100-row trail)", 'id="conversation"'),
  dashboardPage("dash-apps", "/apps", "GET /apps", 'id="apps"'),
  dashboardPage("dash-people", "/people", "GET /people (50 people)", 'id="people"'),
  dashboardPage("dash-csv", "/audit.csv?kind=decision", "GET /audit.csv (5,000 rows)", "at,kind,name"),
];

export const comparisons = [
  { label: "Rust app / baseline", target: "rust-support", baseline: "ok" },
  { label: "Rust app / TS SDK handler", target: "rust-support", baseline: "ts-support" },
  { label: "Rust app / D1 baseline", target: "rust-support", baseline: "d1-lookup" },
  { label: "TS SDK handler / D1 baseline", target: "ts-support", baseline: "d1-lookup" },
  { label: "Rust /healthz / baseline", target: "rust-healthz", baseline: "ok" },
  { label: "TS SDK handler / baseline", target: "ts-support", baseline: "ok" },
  { label: "entry socket / direct socket", target: "ok-entry", baseline: "ok" },
  // The team's goal: at the same offered rate, the intake's p99 within 2x of the bare route's.
  { label: "Rust intake / baseline", target: "rust-intake", baseline: "ok", goal: { open_loop_p99_ratio_max: 2 } },
  { label: "Rust intake / TS intake", target: "rust-intake", baseline: "ts-intake" },
  { label: "TS intake / baseline", target: "ts-intake", baseline: "ok" },
  // What the design itself costs in this runtime, and what Rust adds to it.
  { label: "Rust intake / JS same design", target: "rust-intake", baseline: "js-do-intake" },
  { label: "JS same design / TS intake", target: "js-do-intake", baseline: "ts-intake" },
  // A brand-new object per webhook against the warm objects of the 1 000 conversations.
  { label: "Rust intake, new conversations / warm", target: "rust-intake-new", baseline: "rust-intake" },
  { label: "Rust intake, new conversations / TS intake", target: "rust-intake-new", baseline: "ts-intake" },
  { label: "JS same design, new conversations / warm", target: "js-do-intake-new", baseline: "js-do-intake" },
];

// A change's before and after from one run, side by side: another build of a Rust worker,
// copied aside (e.g. from before the change), loaded beside the current one, and each of
// the worker's targets measured on it too as `<target>-compare` (rust-intake-compare,
// rust-intake-new-compare, rust-support-compare, ...), on the same requests.
//
//   BENCH_COMPARE_PLATFORM=<dir>      the platform worker; <dir> is a copy of
//                                     workers/platform/build, or of workers/platform with its
//                                     build (entry.mjs beside build/), which builds since the
//                                     conversation object serves RPC need
//   BENCH_COMPARE_DASHBOARD=<dir>     the platform for the dashboard's pages (dash-*), the same
//                                     kind of copy as BENCH_COMPARE_PLATFORM's
//   BENCH_COMPARE_EXAMPLE_APP=<dir>   the example app; <dir> is a copy of
//                                     workers/example-app/build
//
// The compare platform's events go to the stand-in under their own key, so they are
// counted apart.
function addCompare({ env, worker, bindings, against }) {
  const given = process.env[env];
  if (!given) return;
  const dir = path.resolve(given);
  const script = ["entry.mjs", "worker/shim.mjs"].map((entry) => path.join(dir, entry)).find((file) => fs.existsSync(file));
  if (!script) throw new Error(`${env}=${given}: neither entry.mjs nor worker/shim.mjs is there`);
  const name = `${worker}-compare`;
  workers[name] = { ...workers[worker], build: undefined, script, modulesRoot: dir, bindings };
  // Every target of the worker gets a twin on the other build.
  for (const current of targets.filter((t) => t.worker === worker)) {
    const compare = { ...current, name: `${current.name}-compare`, title: `${current.title}, built in ${given}`, worker: name };
    if (current.delivery) compare.delivery = { ...current.delivery, key: COMPARE_KEY };
    targets.push(compare);
    comparisons.push({ label: `${current.name} / compare build`, target: current.name, baseline: compare.name });
  }
  if (against) comparisons.push({ label: `compare build / ${against.label}`, target: `${against.main}-compare`, baseline: against.target });
}

const COMPARE_KEY = "bench-rust-intake-compare";
addCompare({
  env: "BENCH_COMPARE_PLATFORM",
  worker: "platform",
  bindings: (ctx) => ({ ...workers.platform.bindings(ctx), INNGEST_EVENT_KEY: COMPARE_KEY }),
  against: { main: "rust-intake", label: "TS intake", target: "ts-intake" },
});
// BENCH_COMPARE_DASHBOARD=<dir>: the dashboard's pages on another build of the platform
// (a copy of workers/platform with its build), on the same seeded database.
addCompare({
  env: "BENCH_COMPARE_DASHBOARD",
  worker: "platform-dashboard",
  bindings: workers["platform-dashboard"].bindings,
});
addCompare({
  env: "BENCH_COMPARE_EXAMPLE_APP",
  worker: "example-app",
  bindings: workers["example-app"].bindings,
  against: { main: "rust-support", label: "TS SDK handler", target: "ts-support" },
});

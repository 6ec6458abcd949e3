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
//     bindings          plain text/JSON bindings (vars and secrets alike)
//     d1                { BINDING: "<database key>" } from `databases`
//     miniflare         extra Miniflare worker options, passed through as they are
//                       (e.g. durableObjects: { INTAKE: { className: "Intake", useSQLite: true } })
//   databases.<key>     a local D1 database: `migrations` (directory of *.sql), applied
//                       fresh on every run with `wrangler d1 migrations apply --local`
//   targets[]           one measured route:
//     name, title       short id (table, JSON) and a description
//     worker            key in `workers`
//     socket            "direct" (default): a workerd socket wired straight to the worker;
//                       "entry": Miniflare's entry socket (its router worker in front)
//     request           { method, path, body, headers(nowSecs) -> {header: value} }
//                       headers() runs right before every wrk run, so a signature with
//                       a timestamp is always fresh
//     expect(status, bodyText) -> null when the answer is right, else what is wrong;
//                       checked with one curl before every measurement
//   comparisons[]       ratios reported from the medians: { label, target, baseline }
import { createHmac } from "node:crypto";

const COMPATIBILITY_DATE = "2026-04-01";

// The secret of the benchmark's own workers (never deployed anywhere). Only the current
// secret is configured: the Rust handler computes one HMAC per configured secret (a
// rotation doubles it), the TypeScript SDK supports just one, so one each is like for like.
const SUPPORT_SECRET = "bench-support-secret";

export const databases = {
  "example-app": { migrations: "migrations/example-app" },
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

const LOOKUP_DANA = { action: "lookupUser", email: "dana@example.com" };

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
];

export const comparisons = [
  { label: "Rust app / baseline", target: "rust-support", baseline: "ok" },
  { label: "Rust app / TS SDK handler", target: "rust-support", baseline: "ts-support" },
  { label: "Rust app / D1 baseline", target: "rust-support", baseline: "d1-lookup" },
  { label: "TS SDK handler / D1 baseline", target: "ts-support", baseline: "d1-lookup" },
  { label: "Rust /healthz / baseline", target: "rust-healthz", baseline: "ok" },
  { label: "TS SDK handler / baseline", target: "ts-support", baseline: "ok" },
  { label: "entry socket / direct socket", target: "ok-entry", baseline: "ok" },
];

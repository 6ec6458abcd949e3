#!/usr/bin/env node
// Cold starts: a fresh workerd (through Miniflare, as the HTTP part loads workers) for
// every round, then the first request and a second one. What the start-up costs is read
// from workerd's own CPU time (every thread's schedstat, in ns: at ready, after the
// first request, after the second; the local D1 set-up happens before workerd starts and
// is not counted), and set against a plain JS worker's start-up
// measured the same way, so workerd's own boot is not counted as ours. The example app,
// built by the same toolchain with a much smaller wasm, shows how much of it is size.
//
//   node bench/lib/coldstart.mjs      (scripts/bench runs it for BENCH_TARGETS=coldstart)
//
// Knobs: COLDSTART_ROUNDS (default 5). Writes $BENCH_OUT_DIR/coldstart.json.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

import { startRuntime } from "./runtime.mjs";
import * as config from "../targets.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const OUT_DIR = path.resolve(process.env.BENCH_OUT_DIR ?? path.join(ROOT, ".tmp/bench"));
const ROUNDS = Number(process.env.COLDSTART_ROUNDS ?? 5);
const log = (line) => process.stderr.write(`[coldstart] ${line}\n`);

const intake = config.targets.find((t) => t.name === "rust-intake");
const CASES = [
  { name: "js-ok", title: "plain JS worker, GET / (workerd's own start-up)", worker: "ok", request: { method: "GET", path: "/" } },
  { name: "example-app-healthz", title: "example app (a smaller wasm), GET /healthz", worker: "example-app", request: { method: "GET", path: "/healthz" } },
  { name: "platform-healthz", title: "platform, GET /healthz", worker: "platform", request: { method: "GET", path: "/healthz" } },
  { name: "platform-webhook", title: "platform, a signed Front webhook", worker: "platform", request: intake.request },
];

/** The request to send now: a distinct, freshly signed one for the webhook. */
function requestFor(c, i) {
  if (c.request.distinct) {
    const made = c.request.distinct.make(`cold${Date.now()}`, i, Date.now());
    return { method: c.request.method, headers: made.headers, body: made.body };
  }
  return { method: c.request.method };
}

async function timed(url, init) {
  const t0 = performance.now();
  const res = await fetch(url, init);
  const text = await res.text();
  return { ms: performance.now() - t0, status: res.status, text };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};

async function round(c, i) {
  const rt = await startRuntime({
    root: ROOT,
    outDir: OUT_DIR,
    workers: config.workers,
    databases: config.databases,
    targets: [{ name: c.name, worker: c.worker, request: c.request }],
    log: () => {},
    urlOf: () => "http://127.0.0.1:9", // the intake forwards later, from its alarm: not measured here
  });
  try {
    const pid = rt.workerdPids[0];
    const cpuReady = cpuMs(pid);
    const url = rt.urls.get(c.name);
    const first = await timed(url, requestFor(c, 2 * i));
    const cpuFirst = cpuMs(pid) - cpuReady;
    const second = await timed(url, requestFor(c, 2 * i + 1));
    const cpuSecond = cpuMs(pid) - cpuReady - cpuFirst;
    if (first.status !== 200) throw new Error(`${c.name}: the first request answered ${first.status}: ${first.text.slice(0, 200)}`);
    return { cpu_ready_ms: cpuReady, first_ms: first.ms, cpu_first_ms: cpuFirst, second_ms: second.ms, cpu_second_ms: cpuSecond };
  } finally {
    await rt.mf.dispose();
  }
}

/** The size of a worker's wasm, raw and gzipped. */
function wasmSize(dir) {
  const file = fs.readdirSync(path.join(ROOT, dir), { recursive: true }).map(String).find((f) => f.endsWith(".wasm"));
  if (!file) return null;
  const bytes = fs.readFileSync(path.join(ROOT, dir, file));
  return { file: path.join(dir, file), raw_kib: bytes.length / 1024, gzip_kib: gzipSync(bytes, { level: 9 }).length / 1024 };
}

/** CPU time of every thread of `pid` so far, in milliseconds, from schedstat (ns). */
function cpuMs(pid) {
  let ns = 0;
  for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(fs.readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // a thread that ended meanwhile
    }
  }
  return ns / 1e6;
}

// Built once, before any round; each round then loads it as built.
for (const worker of ["platform", "example-app"]) {
  const built = spawnSync("scripts/build-worker", [worker], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, BUILD_WORKER_IF_STALE: "1" },
  });
  if (built.status !== 0) throw new Error(`scripts/build-worker ${worker} failed`);
}
process.env.BENCH_BUILD = "0";

const results = {};
for (const c of CASES) {
  const rounds = [];
  for (let i = 0; i < ROUNDS; i++) {
    rounds.push(await round(c, i));
    log(`${c.name} round ${i + 1}/${ROUNDS}: ${JSON.stringify(rounds.at(-1), (k, v) => (typeof v === "number" ? Math.round(v * 10) / 10 : v))}`);
  }
  const m = (k) => median(rounds.map((r) => r[k]));
  results[c.name] = {
    title: c.title,
    rounds: ROUNDS,
    cpu_ready_ms: m("cpu_ready_ms"),
    first_ms: m("first_ms"),
    cpu_first_ms: m("cpu_first_ms"),
    second_ms: m("second_ms"),
    cpu_second_ms: m("cpu_second_ms"),
  };
}
const base = results["js-ok"];
for (const name of ["example-app-healthz", "platform-healthz", "platform-webhook"]) {
  const r = results[name];
  // Ours: what loading the worker adds to workerd's boot, plus the first request's CPU
  // beyond a warm request's.
  r.startup_cpu_ms = r.cpu_ready_ms - base.cpu_ready_ms + (r.cpu_first_ms - r.cpu_second_ms);
}
const out = {
  generated_at: new Date().toISOString(),
  cases: results,
  wasm: { platform: wasmSize("workers/platform/build"), "example-app": wasmSize("workers/example-app/build") },
};
fs.mkdirSync(OUT_DIR, { recursive: true });
fs.writeFileSync(path.join(OUT_DIR, "coldstart.json"), JSON.stringify(out, null, 2) + "\n");
log(`wrote ${path.join(OUT_DIR, "coldstart.json")}`);

#!/usr/bin/env node
// The HTTP half of scripts/bench: loads the targets' workers into workerd (runtime.mjs),
// checks every target with one curl, then measures them with wrk in interleaved rounds
// (A B C, A B C, ...) and writes the runs and their medians to $BENCH_OUT_DIR/http.json.
//
// Run it through scripts/bench, which installs wrk and the toolchain first. Knobs (env):
//   BENCH_OUT_DIR       output directory (default .tmp/bench)
//   BENCH_THREADS       wrk threads (default 2)
//   BENCH_CONNECTIONS   wrk connections (default 16)
//   BENCH_DURATION      seconds measured per run (default 10)
//   BENCH_WARMUP        seconds of unmeasured load before each run (default 3)
//   BENCH_ROUNDS        interleaved rounds (default 3)
//   BENCH_TARGETS       comma-separated target names (default: all in bench/targets.mjs)
//   BENCH_STATE_DIR     where the local D1 files go (default $BENCH_OUT_DIR/state)
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

import { commOf, cpuMillis, freePort, socketOwner, startRuntime } from "./runtime.mjs";
import { curlOnce, killWrk, parseWraps, parseWrk, runWrk, writeRequestScript, writeTableScript } from "./wrk.mjs";
import * as config from "../targets.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const OUT_DIR = path.resolve(process.env.BENCH_OUT_DIR ?? path.join(ROOT, ".tmp/bench"));
const intEnv = (name, dflt) => {
  const v = process.env[name];
  if (v === undefined || v === "") return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${v}"`);
  return n;
};
const settings = {
  threads: intEnv("BENCH_THREADS", 2),
  connections: intEnv("BENCH_CONNECTIONS", 16),
  duration_s: intEnv("BENCH_DURATION", 10),
  warmup_s: intEnv("BENCH_WARMUP", 3),
  rounds: intEnv("BENCH_ROUNDS", 3),
};

const log = (msg) => process.stderr.write(`${new Date().toTimeString().slice(0, 8)} [bench] ${msg}\n`);

function median(xs) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return undefined;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function selectTargets() {
  const wanted = (process.env.BENCH_TARGETS ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  if (!wanted.length) return config.targets;
  const unknown = wanted.filter((n) => !config.targets.some((t) => t.name === n));
  if (unknown.length) {
    throw new Error(`unknown target(s) ${unknown.join(", ")}; known: ${config.targets.map((t) => t.name).join(", ")}`);
  }
  return config.targets.filter((t) => wanted.includes(t.name));
}

function version(argv) {
  const res = spawnSync(argv[0], argv.slice(1), { encoding: "utf8" });
  return `${res.stdout ?? ""}${res.stderr ?? ""}`.split("\n")[0].trim() || undefined;
}

function otherWorkerds(ours) {
  const res = spawnSync("pgrep", ["-x", "workerd"], { encoding: "utf8" });
  return (res.stdout ?? "").split("\n").filter(Boolean).map(Number).filter((p) => !ours.includes(p));
}

// Every wrk run of a `distinct` target gets ids no other run of this benchmark uses.
const RUN_ID = Date.now().toString(36);
const tableDir = path.join(process.env.BENCH_STATE_DIR ? path.resolve(process.env.BENCH_STATE_DIR) : OUT_DIR, "requests");
const observedRate = {}; // target -> highest requests/s seen, to size its next request table

function checkWraps(t, phase, out, entries) {
  if (entries === undefined) return;
  const wraps = parseWraps(out);
  if (wraps === undefined) throw new Error(`${t.name}: wrk did not report its table wraps (${phase})`);
  if (wraps > 0) {
    throw new Error(`${t.name}: the ${phase} ran past its ${entries} distinct requests (${wraps} wrap(s)), so it replayed events; raise request.distinct.minRate`);
  }
}

/** The stand-in's counters for `delivery.key`: { posts, events, distinct_ids }. */
async function deliveries(delivery) {
  const base = standins.get(delivery.standin)?.url;
  if (!base) throw new Error(`unknown stand-in "${delivery.standin}" (bench/targets.mjs)`);
  const res = await fetch(new URL("/count", base), { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`${delivery.standin}: GET /count answered ${res.status}`);
  const c = (await res.json())[delivery.key] ?? { requests: 0, events: 0, distinct_ids: 0 };
  return { posts: c.requests, events: c.events, distinct_ids: c.distinct_ids };
}

/**
 * Waits until the stand-in has received `accepted` events since `since` (or its count has
 * not moved for 5 s, or 60 s passed); returns what arrived.
 */
async function drain(delivery, since, accepted) {
  const t0 = Date.now();
  let last = await deliveries(delivery);
  let lastChange = Date.now();
  while (Date.now() - t0 < 60_000) {
    if (last.events - since.events >= accepted && Date.now() - lastChange >= 500) break;
    if (Date.now() - lastChange >= 5000) break;
    await new Promise((r) => setTimeout(r, 250));
    const now = await deliveries(delivery);
    if (now.events !== last.events) lastChange = Date.now();
    last = now;
  }
  return {
    accepted,
    received_events: last.events - since.events,
    distinct_ids: last.distinct_ids - since.distinct_ids,
    posts: last.posts - since.posts,
    settle_ms: Math.max(0, lastChange - t0),
  };
}

// Stand-ins (bench/standins), each its own Node process, started before workerd so the
// workers' bindings can name their URLs: name -> { url, child }.
const standins = new Map();

async function startStandins(names) {
  for (const name of names) {
    const def = config.standins?.[name];
    if (!def) throw new Error(`unknown stand-in "${name}" (bench/targets.mjs)`);
    const port = await freePort();
    const child = spawn(process.execPath, [path.join(ROOT, def.script), String(port)], { stdio: ["ignore", "pipe", "pipe"] });
    const logFile = fs.createWriteStream(path.join(OUT_DIR, "logs", `standin-${name}.log`));
    child.stderr.pipe(logFile);
    standins.set(name, { url: `http://127.0.0.1:${port}`, child });
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`stand-in ${name} did not start within 10 s`)), 10_000);
      child.once("exit", (code) => reject(new Error(`stand-in ${name} exited (${code}) before listening`)));
      child.stdout.once("data", () => {
        clearTimeout(timer);
        resolve();
      });
    });
    log(`stand-in ${name}: ${def.script} on http://127.0.0.1:${port} (pid ${child.pid})`);
  }
}

function stopStandins() {
  for (const { child } of standins.values()) if (child.exitCode === null) child.kill("SIGKILL");
}

let runtime; // { mf, ... } once started
let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  killWrk();
  stopStandins();
  if (runtime) {
    log("stopping workerd");
    await runtime.mf.dispose().catch((e) => log(`warning: stopping Miniflare: ${e.message}`));
  }
}
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, () => {
    stop().finally(() => process.exit(128 + os.constants.signals[sig]));
  });
}

async function main() {
  const targets = selectTargets();
  const budget = settings.warmup_s + settings.duration_s;
  if (budget > 240) {
    throw new Error(`BENCH_WARMUP + BENCH_DURATION is ${budget}s: a signed request must stay within 300 s of its timestamp`);
  }
  if (settings.rounds < 1 || settings.duration_s < 1 || settings.threads < 1 || settings.connections < settings.threads) {
    throw new Error("need BENCH_ROUNDS >= 1, BENCH_DURATION >= 1, BENCH_THREADS >= 1 and BENCH_CONNECTIONS >= BENCH_THREADS");
  }
  // A hard bound on the whole run (each wrk is bounded too), so nothing can hang forever.
  const limitSecs = settings.rounds * targets.length * (budget + 45) + 600;
  setTimeout(() => {
    process.stderr.write(`\n[bench] error: the HTTP benchmarks did not finish within ${limitSecs}s\n`);
    stop().finally(() => process.exit(1));
  }, limitSecs * 1000).unref();
  fs.mkdirSync(path.join(OUT_DIR, "logs"), { recursive: true });
  const reqDir = path.join(OUT_DIR, "requests");
  const tStart = Date.now();

  const standinNames = [...new Set(targets.flatMap((t) => config.workers[t.worker]?.standins ?? []))];
  await startStandins(standinNames);
  const urlOf = (name) => {
    if (!standins.has(name)) throw new Error(`stand-in "${name}" is not running (list it in the worker's standins)`);
    return standins.get(name).url;
  };
  runtime = await startRuntime({
    urlOf,
    root: ROOT,
    outDir: OUT_DIR,
    workers: config.workers,
    databases: config.databases,
    targets,
    log,
  });
  const { urls, workerdPids } = runtime;
  fs.writeFileSync(path.join(OUT_DIR, "workerd.pids"), workerdPids.join("\n") + "\n");
  if (workerdPids.length !== 1) throw new Error(`expected one workerd child process, found ${workerdPids.length}`);
  const workerd = workerdPids[0];
  log(`workerd running (pid ${workerd}), started by Miniflare; ready in ${((Date.now() - tStart) / 1000).toFixed(1)}s`);

  // Who answers each URL: the listening socket must belong to workerd, not to Node.
  const servedBy = {};
  for (const t of targets) {
    const owner = socketOwner(urls.get(t.name), [process.pid, workerd]);
    if (!owner) throw new Error(`${t.name}: no process of ours listens on ${urls.get(t.name)}`);
    if (owner.comm !== "workerd") {
      throw new Error(`${t.name}: ${urls.get(t.name)} is served by ${owner.comm} (pid ${owner.pid}), not workerd`);
    }
    servedBy[t.name] = { pid: owner.pid, process: owner.comm };
    log(`  ${t.name.padEnd(14)} ${urls.get(t.name)}  (listening socket owned by workerd pid ${owner.pid})`);
  }
  const foreign = otherWorkerds(workerdPids);
  if (foreign.length) {
    log(`note: ${foreign.length} other workerd process(es) on this machine (not ours: ${foreign.join(", ")}); figures will be noisier`);
  }

  const runs = [];
  for (let round = 1; round <= settings.rounds; round++) {
    for (const t of targets) {
      const url = urls.get(t.name);
      const distinct = t.request.distinct;
      // Sign now: the same header is replayed for warm-up + measurement (well under 300 s).
      // A target with `distinct` requests instead gets a fresh table of distinct, freshly
      // signed requests for every wrk run (and one more for the check), ids never reused.
      const nowSecs = Math.floor(Date.now() / 1000);
      const tag = `${RUN_ID}r${round}`;
      const checkEntry = distinct ? distinct.make(`${tag}c`, 0, Date.now()) : undefined;
      const headers = checkEntry ? checkEntry.headers : t.request.headers ? t.request.headers(nowSecs) : {};
      const checkRequest = checkEntry ? { ...t.request, body: checkEntry.body } : t.request;
      const script = distinct ? undefined : writeRequestScript(reqDir, t.name, t.request, headers);
      const scriptFor = (phase, seconds) => {
        if (!distinct) return { script, entries: undefined };
        const rate = Math.max(distinct.minRate ?? 3000, 2 * (observedRate[t.name] ?? 0));
        const n = Math.ceil(seconds * rate) + settings.connections;
        const now = Date.now();
        const entries = Array.from({ length: n }, (_, i) => distinct.make(`${tag}${phase}`, i, now));
        return { script: writeTableScript(tableDir, `${t.name}-${phase}`, t.request, entries, settings.threads), entries: n };
      };
      const delivered0 = t.delivery ? await deliveries(t.delivery) : undefined;

      const check = curlOnce(url, checkRequest, headers);
      fs.writeFileSync(
        path.join(OUT_DIR, "logs", `check-${t.name}-r${round}.txt`),
        `${t.request.method ?? "GET"} ${url}\n${JSON.stringify(headers)}\n${checkRequest.body ?? ""}\n\n-> ${check.status}\n${check.body}\n`,
      );
      const problem = check.error ? `curl failed: ${check.error}` : t.expect(check.status, check.body);
      if (problem) {
        throw new Error(`${t.name} (${url}) answers wrongly: ${problem}\n  body: ${check.body.slice(0, 500)}`);
      }

      let warmRequests = 0;
      if (settings.warmup_s > 0) {
        const warm = scriptFor("w", settings.warmup_s);
        const { out: warmOut } = await runWrk({ url, script: warm.script, threads: settings.threads, connections: settings.connections, duration: settings.warmup_s, timeout: t.timeout_s });
        const w = parseWrk(warmOut);
        warmRequests = w.requests ?? 0;
        checkWraps(t, "warm-up", warmOut, warm.entries);
        if (w.requests_per_sec) observedRate[t.name] = Math.max(observedRate[t.name] ?? 0, w.requests_per_sec);
        // Let asynchronous deliveries of the warm-up finish before measuring, so they do
        // not land in the measured window.
        if (t.delivery) await drain(t.delivery, delivered0, 1 + warmRequests);
      }
      const measured = scriptFor("m", settings.duration_s);
      const standinPid = t.delivery ? standins.get(t.delivery.standin)?.child.pid : undefined;
      const standinCpu0 = standinPid ? cpuMillis(standinPid) : undefined;
      const cpu0 = cpuMillis(workerd);
      const node0 = process.cpuUsage();
      const load0 = os.loadavg()[0];
      const { args, out } = await runWrk({
        url,
        script: measured.script,
        threads: settings.threads,
        connections: settings.connections,
        duration: settings.duration_s,
        timeout: t.timeout_s,
      });
      const nodeCpu = process.cpuUsage(node0);
      const cpuMs = cpuMillis(workerd) - cpu0;
      const standinCpuMs = standinPid ? cpuMillis(standinPid) - standinCpu0 : undefined;
      const r = parseWrk(out);
      fs.writeFileSync(path.join(OUT_DIR, "logs", `wrk-${t.name}-r${round}.txt`), `wrk ${args.join(" ")}\n${out}`);
      checkWraps(t, "measured run", out, measured.entries);
      if (r.requests_per_sec) observedRate[t.name] = Math.max(observedRate[t.name] ?? 0, r.requests_per_sec);
      let delivery;
      if (t.delivery) {
        // Events accepted in this round: the check, the warm-up and the measured run
        // (wrk counts answered requests; a few cut off at its end may be accepted too).
        const cpuD0 = cpuMillis(workerd);
        const d = await drain(t.delivery, delivered0, 1 + warmRequests + r.requests);
        delivery = { ...d, workerd_cpu_ms_after_run: Math.round(cpuMillis(workerd) - cpuD0) };
        log(
          `  ${t.name}: the Inngest stand-in received ${d.received_events} event(s) (${d.distinct_ids} distinct ids, ` +
            `${d.posts} POSTs) for ${d.accepted} accepted request(s); settled ${(d.settle_ms / 1000).toFixed(1)}s after the run`,
        );
      }
      const run = {
        round,
        target: t.name,
        ...r,
        workerd_cpu_ms: Math.round(cpuMs),
        workerd_cpu_us_per_request: r.requests ? Math.round((cpuMs * 1000) / r.requests) : undefined,
        node_cpu_ms: Math.round((nodeCpu.user + nodeCpu.system) / 1000),
        loadavg_1m_before: load0,
        ...(measured.entries ? { distinct_requests_in_table: measured.entries } : {}),
        ...(standinCpuMs !== undefined ? { standin_cpu_ms: Math.round(standinCpuMs) } : {}),
        ...(delivery
          ? {
              delivery,
              workerd_cpu_us_per_request_incl_delivery: r.requests
                ? Math.round(((cpuMs + delivery.workerd_cpu_ms_after_run) * 1000) / r.requests)
                : undefined,
            }
          : {}),
      };
      runs.push(run);
      log(
        `round ${round}/${settings.rounds} ${t.name.padEnd(14)} ${r.requests_per_sec.toFixed(0).padStart(7)} req/s` +
          `  p50 ${r.latency_ms.p50.toFixed(2)} ms  p99 ${r.latency_ms.p99.toFixed(2)} ms` +
          `  workerd ${run.workerd_cpu_us_per_request} µs CPU/req  node ${run.node_cpu_ms} ms CPU`,
      );
      // Any wrong answer fails the benchmark. A connection the server closed (wrk counts a
      // read error and reconnects) is recorded and tolerated while it stays rare.
      const errs = r.socket_errors;
      const ioErrors = errs.read + errs.write + errs.timeout;
      if (r.non_2xx_3xx > 0 || errs.connect > 0 || ioErrors > Math.max(settings.connections, r.requests / 1000)) {
        throw new Error(
          `${t.name}: ${r.non_2xx_3xx} non-2xx/3xx responses and socket errors ${JSON.stringify(errs)} during the run; see .tmp/bench/logs/wrk-${t.name}-r${round}.txt and logs/workerd.log`,
        );
      }
      if (ioErrors > 0) log(`warning: ${t.name}: socket errors ${JSON.stringify(errs)} in ${r.requests} requests (recorded)`);
    }
  }

  const results = targets.map((t) => {
    const mine = runs.filter((r) => r.target === t.name);
    const rps = mine.map((r) => r.requests_per_sec);
    return {
      name: t.name,
      title: t.title,
      worker: t.worker,
      socket: t.socket ?? "direct",
      url: urls.get(t.name),
      method: t.request.method ?? "GET",
      served_by: servedBy[t.name],
      median: {
        requests_per_sec: median(rps),
        p50_ms: median(mine.map((r) => r.latency_ms.p50)),
        p99_ms: median(mine.map((r) => r.latency_ms.p99)),
        workerd_cpu_us_per_request: median(mine.map((r) => r.workerd_cpu_us_per_request)),
        ...(t.delivery
          ? { workerd_cpu_us_per_request_incl_delivery: median(mine.map((r) => r.workerd_cpu_us_per_request_incl_delivery)) }
          : {}),
      },
      ...(t.delivery
        ? {
            delivery: {
              via: `${t.delivery.worker} (key ${t.delivery.key})`,
              accepted_total: mine.reduce((n, r) => n + r.delivery.accepted, 0),
              received_total: mine.reduce((n, r) => n + r.delivery.received_events, 0),
              distinct_ids_total: mine.reduce((n, r) => n + r.delivery.distinct_ids, 0),
              settle_ms_max: Math.max(...mine.map((r) => r.delivery.settle_ms)),
            },
          }
        : {}),
      // Evidence that requests do not pass through Node: its CPU time stays flat however
      // many requests workerd serves.
      node_cpu_ms_max: Math.max(...mine.map((r) => r.node_cpu_ms)),
      socket_errors_total: mine.reduce((n, r) => n + Object.values(r.socket_errors).reduce((a, b) => a + b, 0), 0),
      workerd_cpu_ms_median: median(mine.map((r) => r.workerd_cpu_ms)),
      requests_per_sec_range: [Math.min(...rps), Math.max(...rps)],
      runs: mine.map(({ target, ...rest }) => rest),
    };
  });
  const byName = Object.fromEntries(results.map((r) => [r.name, r]));
  const comparisons = config.comparisons
    .filter((c) => byName[c.target] && byName[c.baseline])
    .map((c) => {
      const a = byName[c.target].median;
      const b = byName[c.baseline].median;
      return {
        label: c.label,
        target: c.target,
        baseline: c.baseline,
        requests_per_sec_ratio: a.requests_per_sec / b.requests_per_sec,
        p50_ratio: a.p50_ms / b.p50_ms,
        p99_ratio: a.p99_ms / b.p99_ms,
        workerd_cpu_per_request_ratio: a.workerd_cpu_us_per_request / b.workerd_cpu_us_per_request,
      };
    });

  const workerdBin = path.join(ROOT, "node_modules/@cloudflare/workerd-linux-64/bin/workerd");
  const http = {
    settings: { ...settings, order: "interleaved: every target once per round, in the order listed" },
    runtime: {
      how:
        "Miniflare (node_modules/miniflare, the library wrangler runs on) spawns `workerd serve`; " +
        "every worker gets its own workerd socket (unsafeDirectSockets) that hands requests straight to it. " +
        "No wrangler dev, no Node proxy: the listening sockets belong to the workerd process.",
      workerd_pid: workerd,
      workerd_version: version([workerdBin, "--version"]),
      miniflare_version: JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules/miniflare/package.json"), "utf8")).version,
      wrk_version: version(["wrk", "-v"]),
      d1_migrations: runtime.migrated,
      d1_state_dir: runtime.persistTo,
      other_workerd_processes_at_start: foreign.length,
    },
    machine: { cpus: os.cpus().length, node: process.version, loadavg_end: os.loadavg() },
    targets: results,
    comparisons,
    seconds: Math.round((Date.now() - tStart) / 1000),
  };
  await stop();
  // The workerd Miniflare started must be gone now.
  for (let i = 0; i < 50 && commOf(workerd) === "workerd"; i++) await new Promise((r) => setTimeout(r, 100));
  if (commOf(workerd) === "workerd") throw new Error(`workerd (pid ${workerd}) is still running after dispose`);
  fs.writeFileSync(path.join(OUT_DIR, "http.json"), JSON.stringify(http, null, 2) + "\n");
  log(`HTTP benchmarks done in ${http.seconds}s`);
}

main().catch(async (e) => {
  process.stderr.write(`\n[bench] error: ${e.message}\n`);
  await stop();
  process.exit(1);
});

#!/usr/bin/env node
// The HTTP half of scripts/bench: loads the targets' workers into workerd (runtime.mjs),
// checks every target with one curl, then measures them with wrk in interleaved rounds
// (A B C, A B C, ...), then open-loop at one fixed rate for all targets (openloop.mjs), in
// interleaved rounds again, and writes the runs and their medians to $BENCH_OUT_DIR/http.json.
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
//   BENCH_OPEN=0        skip the open-loop rounds
//   BENCH_OPEN_RATE     their offered rate, requests/s (default: half the closed-loop median
//                       requests/s of BENCH_OPEN_REFERENCE)
//   BENCH_OPEN_REFERENCE  target whose throughput sets the rate (default ts-intake when
//                       selected, else the slowest target)
//   BENCH_OPEN_DURATION, BENCH_OPEN_WARMUP   seconds measured / warmed up per open-loop run
//                       (default 10 / 2)
//   BENCH_OPEN_CONNECTIONS  the generator's most connections (default 64)
//   BENCH_IDLE_AFTER    seconds idle after each forwarding target's closed-loop run, its
//                       workerd CPU counted as that run's deferred work (default 0)
//   BENCH_PROFILE=1     a V8 CPU profile of each measured wrk run (profile.mjs), written to
//                       $BENCH_OUT_DIR/profiles/<target>-r<round>.cpuprofile with a summary;
//                       the profiler costs CPU too, so read those runs' figures as profiled
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

import { killOpenLoop, runOpenLoop } from "./openloop.mjs";
import { connectProfiler, writeProfile } from "./profile.mjs";
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
  // Seconds to stay idle after a forwarding target's run (and its deliveries), measuring
  // workerd's CPU meanwhile: work a run leaves for later, such as alarms that fire a
  // minute after the events that armed them.
  idle_after_s: intEnv("BENCH_IDLE_AFTER", 0),
};
// The open-loop rounds (after the closed-loop ones, as many): every target at one offered
// rate, so their latencies compare at equal load instead of each at its own saturation.
const openSettings = {
  enabled: process.env.BENCH_OPEN !== "0",
  rate: intEnv("BENCH_OPEN_RATE", 0) || undefined,
  reference: process.env.BENCH_OPEN_REFERENCE || undefined,
  duration_s: intEnv("BENCH_OPEN_DURATION", 10),
  warmup_s: intEnv("BENCH_OPEN_WARMUP", 2),
  connections: intEnv("BENCH_OPEN_CONNECTIONS", 64),
  rounds: settings.rounds,
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
  // Opt-in targets (see bench/targets.mjs) run only when named.
  if (!wanted.length) return config.targets.filter((t) => !t.optIn);
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

function toolVersions() {
  const workerdBin = path.join(ROOT, "node_modules/@cloudflare/workerd-linux-64/bin/workerd");
  let miniflare;
  try {
    miniflare = JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules/miniflare/package.json"), "utf8")).version;
  } catch {
    miniflare = undefined;
  }
  return { workerd_version: version([workerdBin, "--version"]), miniflare_version: miniflare, wrk_version: version(["wrk", "-v"]) };
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

/** One curl before a run: the target must give the expected answer, or the benchmark stops. */
function checkTarget(t, url, request, headers, logName) {
  const check = curlOnce(url, request, headers);
  fs.writeFileSync(
    path.join(OUT_DIR, "logs", logName),
    `${t.request.method ?? "GET"} ${url}\n${JSON.stringify(headers)}\n${request.body ?? ""}\n\n-> ${check.status}\n${check.body}\n`,
  );
  const problem = check.error ? `curl failed: ${check.error}` : t.expect(check.status, check.body);
  if (problem) {
    throw new Error(`${t.name} (${url}) answers wrongly: ${problem}\n  body: ${check.body.slice(0, 500)}`);
  }
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

// --- open loop ----------------------------------------------------------------------------

/**
 * The one offered rate (requests/s) of the open-loop rounds: BENCH_OPEN_RATE, or half the
 * closed-loop median throughput of the reference target (ts-intake when selected, else the
 * slowest), which every target selected with it should sustain with room to spare.
 */
function chooseOpenRate(targets, runs) {
  if (openSettings.rate) return { rate: openSettings.rate, source: "BENCH_OPEN_RATE" };
  const rps = (name) => median(runs.filter((r) => r.target === name).map((r) => r.requests_per_sec));
  let reference = openSettings.reference;
  if (reference && !targets.some((t) => t.name === reference)) {
    throw new Error(`BENCH_OPEN_REFERENCE=${reference} is not among the selected targets`);
  }
  reference ??= targets.some((t) => t.name === "ts-intake")
    ? "ts-intake"
    : targets.reduce((a, t) => (rps(t.name) < rps(a.name) ? t : a)).name;
  const ref = rps(reference);
  return {
    rate: Math.max(1, Math.round(ref / 2)),
    source: `half the closed-loop median of ${reference} (${ref.toFixed(0)} req/s)`,
    reference,
    reference_requests_per_sec: ref,
  };
}

/**
 * One open-loop run of `t` at `rate`: check, then openloop.mjs for warm-up + duration with a
 * fresh request (fixed targets, signed now) or a fresh table of distinct requests, one per
 * request due; then, for forwarding targets, wait for the deliveries as after wrk runs.
 */
async function openLoopRun(t, round, rate, url, workerd) {
  const distinct = t.request.distinct;
  const tag = `${RUN_ID}r${round}o`;
  const checkEntry = distinct ? distinct.make(`${tag}c`, 0, Date.now()) : undefined;
  const headers = checkEntry ? checkEntry.headers : t.request.headers ? t.request.headers(Math.floor(Date.now() / 1000)) : {};
  const delivered0 = t.delivery ? await deliveries(t.delivery) : undefined;
  checkTarget(t, url, checkEntry ? { ...t.request, body: checkEntry.body } : t.request, headers, `check-${t.name}-open-r${round}.txt`);

  const now = Date.now();
  // Exactly one distinct entry per request due: the generator sends each once.
  const entries = distinct
    ? Array.from({ length: Math.round(rate * openSettings.warmup_s) + Math.round(rate * openSettings.duration_s) }, (_, i) => distinct.make(`${tag}m`, i, now))
    : [{ headers, body: t.request.body }];
  const node0 = process.cpuUsage();
  const load0 = os.loadavg()[0];
  const standinPid = t.delivery ? standins.get(t.delivery.standin)?.child.pid : undefined;
  const standinCpu0 = standinPid ? cpuMillis(standinPid) : undefined;
  const { spec, result: r } = await runOpenLoop({
    dir: tableDir,
    name: `${t.name}-open`,
    url,
    method: t.request.method ?? "GET",
    entries,
    rate,
    warmup_s: openSettings.warmup_s,
    duration_s: openSettings.duration_s,
    connections: openSettings.connections,
    timeout_s: t.timeout_s ?? 2,
    cpuPid: workerd,
  });
  const nodeCpu = process.cpuUsage(node0);
  const standinCpuMs = standinPid ? cpuMillis(standinPid) - standinCpu0 : undefined;
  fs.writeFileSync(path.join(OUT_DIR, "logs", `openloop-${t.name}-r${round}.json`), JSON.stringify({ spec, result: r }, null, 2) + "\n");
  let delivery;
  if (t.delivery) {
    const cpuD0 = cpuMillis(workerd);
    const d = await drain(t.delivery, delivered0, 1 + r.ok_total_incl_warmup);
    delivery = { ...d, workerd_cpu_ms_after_run: Math.round(cpuMillis(workerd) - cpuD0) };
    log(`  ${t.name}: the Inngest stand-in received ${d.received_events} event(s) for ${d.accepted} accepted; settled ${(d.settle_ms / 1000).toFixed(1)}s after the run`);
  }
  const run = {
    round,
    target: t.name,
    ...r,
    node_cpu_ms: Math.round((nodeCpu.user + nodeCpu.system) / 1000),
    generator_nice: spec.nice,
    loadavg_1m_before: load0,
    ...(distinct ? { distinct_requests_in_table: entries.length } : {}),
    ...(standinCpuMs !== undefined ? { standin_cpu_ms: Math.round(standinCpuMs) } : {}),
    ...(delivery
      ? {
          delivery,
          workerd_cpu_us_per_request_incl_delivery: r.answered
            ? Math.round(((r.workerd_cpu_ms + delivery.workerd_cpu_ms_after_run) * 1000) / r.answered)
            : undefined,
        }
      : {}),
  };
  log(
    `open  ${round}/${openSettings.rounds} ${t.name.padEnd(14)} ${r.achieved_rps.toFixed(0).padStart(5)}/${rate} req/s` +
      `  p50 ${r.latency_ms.p50.toFixed(2)}  p90 ${r.latency_ms.p90.toFixed(2)}  p99 ${r.latency_ms.p99.toFixed(2)}  max ${r.latency_ms.max.toFixed(1)} ms` +
      `  workerd ${r.workerd_cpu_us_per_request} µs CPU/req  generator lag p99 ${r.send_lag_ms.p99.toFixed(2)} ms`,
  );
  // As with wrk: a wrong answer fails the benchmark, and so do failed connections beyond a
  // rare few while the target keeps up. A target that cannot sustain the rate (answers
  // fall behind, requests time out, connections drop) is recorded as such: that is the
  // result, and it must not throw away every other target's figures.
  const keptUp = r.achieved_rps >= 0.95 * rate && r.timeouts === 0;
  if (
    r.non_2xx > 0 ||
    (r.error_codes.ECONNREFUSED ?? 0) > 0 ||
    (keptUp && r.socket_errors > Math.max(openSettings.connections, r.requests / 1000))
  ) {
    throw new Error(
      `${t.name}: ${r.non_2xx} non-2xx answers and ${r.socket_errors} failed requests ${JSON.stringify(r.error_codes)} in the open-loop run; see .tmp/bench/logs/openloop-${t.name}-r${round}.json and logs/workerd.log`,
    );
  }
  if (r.socket_errors > 0) log(`warning: ${t.name}: ${r.socket_errors} failed requests ${JSON.stringify(r.error_codes)} (recorded)`);
  if (r.timeouts > 0) log(`warning: ${t.name}: ${r.timeouts} request(s) unanswered ${spec.timeout_s}s after the last was due (timeouts; p99 is a lower bound)`);
  return run;
}

/** A target's open-loop figures: medians of its runs, and the runs. */
function openLoopResult(t, rate, runs) {
  const mine = runs.filter((r) => r.target === t.name);
  const p99s = mine.map((r) => r.latency_ms.p99);
  return {
    rate,
    median: {
      p50_ms: median(mine.map((r) => r.latency_ms.p50)),
      p90_ms: median(mine.map((r) => r.latency_ms.p90)),
      p99_ms: median(p99s),
      max_ms: median(mine.map((r) => r.latency_ms.max)),
      achieved_rps: median(mine.map((r) => r.achieved_rps)),
      errors: median(mine.map((r) => r.errors)),
      timeouts: median(mine.map((r) => r.timeouts)),
      workerd_cpu_us_per_request: median(mine.map((r) => r.workerd_cpu_us_per_request)),
      ...(t.delivery ? { workerd_cpu_us_per_request_incl_delivery: median(mine.map((r) => r.workerd_cpu_us_per_request_incl_delivery)) } : {}),
      send_lag_p99_ms: median(mine.map((r) => r.send_lag_ms.p99)),
      generator_cpu_us_per_request: median(mine.map((r) => r.generator_cpu_us_per_request)),
    },
    p99_ms_range: [Math.min(...p99s), Math.max(...p99s)],
    ...(t.delivery
      ? {
          delivery: {
            accepted_total: mine.reduce((n, r) => n + r.delivery.accepted, 0),
            received_total: mine.reduce((n, r) => n + r.delivery.received_events, 0),
            distinct_ids_total: mine.reduce((n, r) => n + r.delivery.distinct_ids, 0),
            settle_ms_max: Math.max(...mine.map((r) => r.delivery.settle_ms)),
          },
        }
      : {}),
    errors_total: mine.reduce((n, r) => n + r.errors, 0),
    timeouts_total: mine.reduce((n, r) => n + r.timeouts, 0),
    runs: mine.map(({ target, ...rest }) => rest),
  };
}

/**
 * Open-loop ratios (target / baseline, the same offered rate) for one comparison. A goal
 * is met only when the target also kept up with the rate (else its p99 is a lower bound
 * that grows with the run's length).
 */
function openLoopRatios(c, a, b, rate) {
  const ratios = {
    p50_ratio: a.p50_ms / b.p50_ms,
    p90_ratio: a.p90_ms / b.p90_ms,
    p99_ratio: a.p99_ms / b.p99_ms,
    max_ratio: a.max_ms / b.max_ms,
    workerd_cpu_per_request_ratio: a.workerd_cpu_us_per_request / b.workerd_cpu_us_per_request,
  };
  if (c.goal?.open_loop_p99_ratio_max !== undefined) {
    const keptUp = a.achieved_rps >= 0.95 * rate && a.timeouts === 0;
    ratios.goal = { p99_ratio_max: c.goal.open_loop_p99_ratio_max, target_kept_up: keptUp, met: keptUp && ratios.p99_ratio <= c.goal.open_loop_p99_ratio_max };
  }
  return ratios;
}

// --- wasm sizes ---------------------------------------------------------------------------

/** Files under `dir`, skipping dot-directories (worker-build's `.tmp` holds the pre-wasm-opt copy). */
function filesUnder(dir) {
  return fs.readdirSync(dir, { recursive: true }).filter((f) => !f.split(path.sep).some((part) => part.startsWith("."))).map((f) => path.join(dir, f));
}

/**
 * The wasm a worker runs: the .wasm files its JS modules import (`from "./index_bg.wasm"`),
 * else the largest .wasm outside dot-directories.
 */
function workerWasm(dir) {
  const files = filesUnder(dir);
  const imported = new Set();
  for (const js of files.filter((f) => /\.m?js$/.test(f))) {
    for (const m of fs.readFileSync(js, "utf8").matchAll(/from\s*["']([^"']+\.wasm)["']/g)) {
      const wasm = path.resolve(path.dirname(js), m[1]);
      if (fs.existsSync(wasm)) imported.add(wasm);
    }
  }
  const candidates = imported.size ? [...imported] : files.filter((f) => f.endsWith(".wasm"));
  return candidates.map((f) => ({ f, size: fs.statSync(f).size })).sort((x, y) => y.size - x.size)[0]?.f;
}

/**
 * The wasm each loaded Rust worker runs (workerWasm under its modulesRoot): { path, bytes,
 * gzip_bytes (level 9), built_at }. Workers without one (the JS ones) are left out.
 */
function wasmSizes(workerNames) {
  const out = {};
  for (const name of workerNames) {
    const w = config.workers[name];
    if (w.bundle || !w.modulesRoot) continue;
    const file = workerWasm(path.resolve(ROOT, w.modulesRoot));
    if (!file) continue;
    const bytes = fs.readFileSync(file);
    out[name] = {
      wasm: {
        path: path.relative(ROOT, file),
        bytes: bytes.length,
        gzip_bytes: gzipSync(bytes, { level: 9 }).length,
        built_at: fs.statSync(file).mtime.toISOString(),
      },
    };
    log(`${name}: ${out[name].wasm.path} is ${bytes.length} bytes, ${out[name].wasm.gzip_bytes} gzipped (level 9)`);
  }
  return out;
}

let runtime; // { mf, ... } once started
let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  killWrk();
  killOpenLoop();
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
  const openBudget = openSettings.warmup_s + openSettings.duration_s;
  if (openSettings.enabled && (openBudget > 240 || openSettings.duration_s < 1 || openSettings.connections < 1)) {
    throw new Error("need BENCH_OPEN_WARMUP + BENCH_OPEN_DURATION <= 240 (a signed request stays within 300 s), BENCH_OPEN_DURATION >= 1 and BENCH_OPEN_CONNECTIONS >= 1");
  }
  // A hard bound on the whole run (each wrk and generator is bounded too), so nothing can
  // hang forever.
  const openSecs = openSettings.enabled ? openSettings.rounds * targets.length * (openBudget + 10 + 45) : 0;
  const limitSecs = settings.rounds * targets.length * (budget + 45) + openSecs + 600;
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
  const profiling = process.env.BENCH_PROFILE === "1";
  const inspectorPort = profiling ? await freePort() : undefined;
  runtime = await startRuntime({
    inspectorPort,
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
  const workerInfo = wasmSizes([...new Set(targets.map((t) => t.worker))]);
  // Read now, not when the run is over: someone's `npm ci` during a long run replaces
  // node_modules, and the figures must not be lost for a version string.
  const versions = toolVersions();
  const foreign = otherWorkerds(workerdPids);
  if (foreign.length) {
    log(`note: ${foreign.length} other workerd process(es) on this machine (not ours: ${foreign.join(", ")}); figures will be noisier`);
  }

  const runs = [];
  for (let round = 1; round <= settings.rounds; round++) {
    for (const t of targets) {
      if (t.max_rounds && round > t.max_rounds) continue;
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

      checkTarget(t, url, checkRequest, headers, `check-${t.name}-r${round}.txt`);

      // A target may cap its run (each request of the new-conversation targets makes an object).
      const warmupS = Math.min(settings.warmup_s, t.max_warmup_s ?? Infinity);
      const durationS = Math.min(settings.duration_s, t.max_duration_s ?? Infinity);
      let warmRequests = 0;
      if (warmupS > 0) {
        const warm = scriptFor("w", warmupS);
        const { out: warmOut } = await runWrk({ url, script: warm.script, threads: settings.threads, connections: settings.connections, duration: warmupS, timeout: t.timeout_s });
        const w = parseWrk(warmOut);
        warmRequests = w.requests ?? 0;
        checkWraps(t, "warm-up", warmOut, warm.entries);
        if (w.requests_per_sec) observedRate[t.name] = Math.max(observedRate[t.name] ?? 0, w.requests_per_sec);
        // Let asynchronous deliveries of the warm-up finish before measuring, so they do
        // not land in the measured window.
        if (t.delivery) await drain(t.delivery, delivered0, 1 + warmRequests);
      }
      const measured = scriptFor("m", durationS);
      const standinPid = t.delivery ? standins.get(t.delivery.standin)?.child.pid : undefined;
      const standinCpu0 = standinPid ? cpuMillis(standinPid) : undefined;
      const profiler = profiling ? await connectProfiler(inspectorPort, t.worker) : undefined;
      await profiler?.start();
      const cpu0 = cpuMillis(workerd);
      const node0 = process.cpuUsage();
      const load0 = os.loadavg()[0];
      const { args, out } = await runWrk({
        url,
        script: measured.script,
        threads: settings.threads,
        connections: settings.connections,
        duration: durationS,
        timeout: t.timeout_s,
      });
      const nodeCpu = process.cpuUsage(node0);
      const cpuMs = cpuMillis(workerd) - cpu0;
      const standinCpuMs = standinPid ? cpuMillis(standinPid) - standinCpu0 : undefined;
      const r = parseWrk(out);
      if (profiler) {
        const profile = await profiler.stop();
        profiler.close();
        const s = writeProfile(path.join(OUT_DIR, "profiles"), `${t.name}-r${round}`, profile, r.requests);
        log(
          `  ${t.name}: profiled ${s.busy_us_per_request} µs busy/request in the isolate; by kind (ms): ${JSON.stringify(s.by_kind)}; ` +
            `top self: ${s.self.slice(0, 5).map((f) => `${f.name} ${(100 * f.share_of_busy).toFixed(1)}%`).join(", ")}`,
        );
      }
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
        if (settings.idle_after_s > 0) {
          const cpuI0 = cpuMillis(workerd);
          await new Promise((resolve) => setTimeout(resolve, settings.idle_after_s * 1000));
          delivery.idle_after_s = settings.idle_after_s;
          delivery.workerd_cpu_ms_idle_after = Math.round(cpuMillis(workerd) - cpuI0);
          log(`  ${t.name}: workerd used ${delivery.workerd_cpu_ms_idle_after} ms CPU in the ${settings.idle_after_s} s idle after the run`);
        }
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
              ...(delivery.workerd_cpu_ms_idle_after !== undefined && r.requests
                ? {
                    workerd_cpu_us_per_request_incl_deferred: Math.round(
                      ((cpuMs + delivery.workerd_cpu_ms_after_run + delivery.workerd_cpu_ms_idle_after) * 1000) / r.requests,
                    ),
                  }
                : {}),
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

  // Open loop, after all closed-loop rounds (its default rate comes from them), interleaved
  // the same way: A B C, A B C.
  let open;
  const openRuns = [];
  const openTargets = targets.filter((t) => t.open_loop !== false);
  if (openSettings.enabled && openTargets.length) {
    open = chooseOpenRate(openTargets, runs);
    log(`open loop: ${open.rate} req/s offered to every target (${open.source}), ${openSettings.warmup_s}s warm-up + ${openSettings.duration_s}s per run`);
    for (let round = 1; round <= openSettings.rounds; round++) {
      for (const t of openTargets) openRuns.push(await openLoopRun(t, round, open.rate, urls.get(t.name), workerd));
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
        ...(t.delivery && settings.idle_after_s > 0
          ? { workerd_cpu_us_per_request_incl_deferred: median(mine.map((r) => r.workerd_cpu_us_per_request_incl_deferred)) }
          : {}),
      },
      ...(t.delivery
        ? {
            delivery: {
              via: `${t.delivery.standin} (key ${t.delivery.key})`,
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
      ...(open && openTargets.includes(t) ? { open_loop: openLoopResult(t, open.rate, openRuns) } : {}),
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
        ...(byName[c.target].open_loop && byName[c.baseline].open_loop
          ? { open_loop: openLoopRatios(c, byName[c.target].open_loop.median, byName[c.baseline].open_loop.median, open.rate) }
          : {}),
      };
    });

  const http = {
    settings: { ...settings, order: "interleaved: every target once per round, in the order listed" },
    runtime: {
      how:
        "Miniflare (node_modules/miniflare, the library wrangler runs on) spawns `workerd serve`; " +
        "every worker gets its own workerd socket (unsafeDirectSockets) that hands requests straight to it. " +
        "No wrangler dev, no Node proxy: the listening sockets belong to the workerd process.",
      workerd_pid: workerd,
      ...versions,
      d1_migrations: runtime.migrated,
      d1_state_dir: runtime.persistTo,
      other_workerd_processes_at_start: foreign.length,
    },
    machine: { cpus: os.cpus().length, node: process.version, loadavg_end: os.loadavg() },
    targets: results,
    comparisons,
    open_loop: open
      ? {
          method:
            "open loop (bench/lib/openloop.mjs): requests due at a fixed rate whatever the answers, " +
            "latency measured from each request's due time (no coordinated omission)",
          ...open,
          duration_s: openSettings.duration_s,
          warmup_s: openSettings.warmup_s,
          connections: openSettings.connections,
          rounds: openSettings.rounds,
          goals: comparisons
            .filter((c) => c.open_loop?.goal)
            .map((c) => ({ label: c.label, target: c.target, baseline: c.baseline, p99_ratio: c.open_loop.p99_ratio, ...c.open_loop.goal })),
        }
      : null,
    workers: workerInfo,
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

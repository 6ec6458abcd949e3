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
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

import { commOf, cpuMillis, socketOwner, startRuntime } from "./runtime.mjs";
import { curlOnce, killWrk, parseWrk, runWrk, writeRequestScript } from "./wrk.mjs";
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

let runtime; // { mf, ... } once started
let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  killWrk();
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

  runtime = await startRuntime({
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
      // Sign now: the same header is replayed for warm-up + measurement (well under 300 s).
      const nowSecs = Math.floor(Date.now() / 1000);
      const headers = t.request.headers ? t.request.headers(nowSecs) : {};
      const script = writeRequestScript(reqDir, t.name, t.request, headers);

      const check = curlOnce(url, t.request, headers);
      fs.writeFileSync(
        path.join(OUT_DIR, "logs", `check-${t.name}-r${round}.txt`),
        `${t.request.method ?? "GET"} ${url}\n${JSON.stringify(headers)}\n${t.request.body ?? ""}\n\n-> ${check.status}\n${check.body}\n`,
      );
      const problem = check.error ? `curl failed: ${check.error}` : t.expect(check.status, check.body);
      if (problem) {
        throw new Error(`${t.name} (${url}) answers wrongly: ${problem}\n  body: ${check.body.slice(0, 500)}`);
      }

      if (settings.warmup_s > 0) {
        await runWrk({ url, script, threads: settings.threads, connections: settings.connections, duration: settings.warmup_s });
      }
      const cpu0 = cpuMillis(workerd);
      const node0 = process.cpuUsage();
      const load0 = os.loadavg()[0];
      const { args, out } = await runWrk({
        url,
        script,
        threads: settings.threads,
        connections: settings.connections,
        duration: settings.duration_s,
      });
      const nodeCpu = process.cpuUsage(node0);
      const cpuMs = cpuMillis(workerd) - cpu0;
      const r = parseWrk(out);
      fs.writeFileSync(path.join(OUT_DIR, "logs", `wrk-${t.name}-r${round}.txt`), `wrk ${args.join(" ")}\n${out}`);
      const run = {
        round,
        target: t.name,
        ...r,
        workerd_cpu_ms: Math.round(cpuMs),
        workerd_cpu_us_per_request: r.requests ? Math.round((cpuMs * 1000) / r.requests) : undefined,
        node_cpu_ms: Math.round((nodeCpu.user + nodeCpu.system) / 1000),
        loadavg_1m_before: load0,
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
      },
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

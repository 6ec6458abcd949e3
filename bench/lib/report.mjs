#!/usr/bin/env node
// Merges the parts scripts/bench measured into OUT_DIR/results.json and prints the tables.
//
//   node bench/lib/report.mjs OUT_DIR STARTED_EPOCH_SECS
//
// Reads OUT_DIR/signing.json and OUT_DIR/http.json (either may be missing when a part
// was skipped). The table goes to stdout.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const [outDir, started] = process.argv.slice(2);
if (!outDir) {
  console.error("usage: report.mjs OUT_DIR [STARTED_EPOCH_SECS]");
  process.exit(2);
}

function readJson(name) {
  const file = path.join(outDir, name);
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : undefined;
}

const signing = readJson("signing.json");
const http = readJson("http.json");
const pipelineRaw = readJson("pipeline.json");
const coldstart = readJson("coldstart.json") ?? null;

const fmtTime = (ns) =>
  ns < 1e3 ? `${ns.toFixed(1)} ns` : ns < 1e6 ? `${(ns / 1e3).toFixed(2)} µs` : `${(ns / 1e6).toFixed(2)} ms`;
const fmtRatio = (r) => (Number.isFinite(r) ? `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}x` : "n/a");
const fmtMs = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

function table(headers, rows, align) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells
      .map((c, i) => (align[i] === "l" ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

const fmtKiB = (bytes) => (bytes / 1024).toFixed(1);

// An open-loop target that answered less than this share of the offered rate (or left
// requests unanswered) did not keep up: its latencies then grow with the run's length.
const KEPT_UP = 0.95;
const overloaded = (o) => o.median.achieved_rps < KEPT_UP * o.rate || o.timeouts_total > 0;

const goalVerdict = (g) => (g.met ? "met" : g.target_kept_up === false ? "MISSED (did not keep up)" : "MISSED");

/** The open-loop results: one table per target, one of ratios, and the tracked goals. */
function openLoopTables(http) {
  const o = http.open_loop;
  const lines = [
    `Open loop (bench/lib/openloop.mjs): every target offered ${o.rate} req/s (${o.source}), ` +
      `${o.warmup_s}s warm-up + ${o.duration_s}s measured per run, up to ${o.connections} connections, ` +
      `${o.rounds} interleaved round(s); latency from each request's due time; median of the rounds`,
    table(
      ["target", "offered", "achieved", "p50 ms", "p90 ms", "p99 ms", "p99 min-max", "max ms", "errors", "timeouts", "workerd CPU µs/req", "gen. lag p99 ms"],
      http.targets
        .filter((t) => t.open_loop)
        .map((t) => {
          const m = t.open_loop.median;
          return [
            overloaded(t.open_loop) ? `${t.name} !` : t.name,
            t.open_loop.rate,
            m.achieved_rps.toFixed(0),
            fmtMs(m.p50_ms),
            fmtMs(m.p90_ms),
            fmtMs(m.p99_ms),
            `${fmtMs(t.open_loop.p99_ms_range[0])}-${fmtMs(t.open_loop.p99_ms_range[1])}`,
            fmtMs(m.max_ms),
            t.open_loop.errors_total,
            t.open_loop.timeouts_total,
            m.workerd_cpu_us_per_request ?? "n/a",
            fmtMs(m.send_lag_p99_ms),
          ];
        }),
      "lrrrrrrrrrrr",
    ),
  ];
  if (http.targets.some((t) => t.open_loop && overloaded(t.open_loop))) {
    lines.push(
      `! did not keep up: answered under ${KEPT_UP * 100}% of the offered rate or left requests unanswered ` +
        "(timeouts, counted in the percentiles with the time they had waited, so those are lower bounds)",
    );
  }
  lines.push(
    "gen. lag: how late the generator sent requests after they were due (its own delay, included in the latencies); " +
      "the `ok` row shows the floor the generator and the machine set",
  );
  const withOpen = http.comparisons.filter((c) => c.open_loop);
  if (withOpen.length) {
    lines.push("");
    lines.push(`Open-loop ratios at ${o.rate} req/s (target / baseline; latency above 1x = slower)`);
    lines.push(
      table(
        ["comparison", "p50", "p90", "p99", "max", "workerd CPU/req", "goal"],
        withOpen.map((c) => {
          const r = c.open_loop;
          const goal = r.goal ? `p99 <= ${r.goal.p99_ratio_max}x: ${goalVerdict(r.goal)}` : "";
          return [c.label, fmtRatio(r.p50_ratio), fmtRatio(r.p90_ratio), fmtRatio(r.p99_ratio), fmtRatio(r.max_ratio), fmtRatio(r.workerd_cpu_per_request_ratio), goal];
        }),
        "lrrrrrl",
      ),
    );
  }
  for (const g of o.goals ?? []) {
    lines.push(
      `Goal: ${g.target} open-loop p99 within ${g.p99_ratio_max}x of ${g.baseline}'s at ${o.rate} req/s: ` +
        `${fmtRatio(g.p99_ratio)}, ${goalVerdict(g)}`,
    );
  }
  return lines;
}

// A target whose fastest run beat its slowest by more than this is flagged as noisy.
const NOISY = 1.5;
const noisy = (t) => t.requests_per_sec_range[1] > NOISY * t.requests_per_sec_range[0];

const out = [];
if (signing) {
  out.push("Signature verification: sdk_verify vs bare_hmac (criterion, native, `cargo bench -p support-signing --bench verify`)");
  out.push(
    table(
      ["body", "sdk_verify", "bare_hmac", "sdk/bare", "overhead"],
      signing.sizes.map((s) => [s.size, fmtTime(s.sdk_verify_ns), fmtTime(s.bare_hmac_ns), fmtRatio(s.ratio), `${s.overhead_ns < 0 ? "-" : "+"}${fmtTime(Math.abs(s.overhead_ns))}`]),
      "lrrrr",
    ),
  );
  out.push("");
}
if (http) {
  const s = http.settings;
  out.push(
    `HTTP under workerd ${http.runtime.workerd_version?.replace(/^workerd\s*/, "") ?? ""} (Miniflare-spawned, direct sockets, no wrangler dev): ` +
      `wrk -t${s.threads} -c${s.connections} -d${s.duration_s}s, ${s.warmup_s}s warm-up per run, ` +
      `${s.rounds} interleaved round(s); median of the rounds`,
  );
  out.push(
    table(
      ["target", "req/s", "req/s min-max", "p50 ms", "p99 ms", "workerd CPU µs/req", "sock err", "what"],
      http.targets.map((t) => [
        noisy(t) ? `${t.name} *` : t.name,
        t.median.requests_per_sec.toFixed(0),
        `${t.requests_per_sec_range[0].toFixed(0)}-${t.requests_per_sec_range[1].toFixed(0)}`,
        fmtMs(t.median.p50_ms),
        fmtMs(t.median.p99_ms),
        t.median.workerd_cpu_us_per_request ?? "n/a",
        t.socket_errors_total,
        t.title,
      ]),
      "lrrrrrrl",
    ),
  );
  if (http.targets.some(noisy)) {
    out.push(
      `* noisy: its fastest run was more than ${NOISY}x its slowest (the machine was busy); ` +
        "the median still stands, but rerun or raise BENCH_ROUNDS before trusting its ratios",
    );
  }
  out.push("");
  out.push("Ratios of the medians (target / baseline; req/s below 1x = slower, latency above 1x = slower)");
  out.push(
    table(
      ["comparison", "req/s", "p50", "p99", "workerd CPU/req"],
      http.comparisons.map((c) => [
        c.label,
        fmtRatio(c.requests_per_sec_ratio),
        fmtRatio(c.p50_ratio),
        fmtRatio(c.p99_ratio),
        fmtRatio(c.workerd_cpu_per_request_ratio),
      ]),
      "lrrrr",
    ),
  );
  if (http.open_loop) out.push("", ...openLoopTables(http));
  const delivering = http.targets.filter((t) => t.delivery);
  // BENCH_IDLE_AFTER: the seconds each run was followed by, counted as deferred work.
  const deferred = delivering.flatMap((t) => t.runs ?? []).find((r) => r.delivery?.idle_after_s)?.delivery.idle_after_s;
  if (delivering.length) {
    out.push("");
    out.push(
      "Events forwarded to the Inngest stand-in (its own Node process), all rounds: a request accepted = one event; " +
        "a few more may arrive than wrk counted (requests cut off when a wrk run ends are still accepted); " +
        "open-loop runs count every answer, so theirs match",
    );
    out.push(
      table(
        ["target", "accepted", "received", "distinct ids", "settled after run", "workerd CPU µs/req incl. delivery", ...(deferred ? [`incl. ${deferred} s idle after`] : [])],
        delivering.flatMap((t) => [
          [
            t.name,
            t.delivery.accepted_total,
            t.delivery.received_total,
            t.delivery.distinct_ids_total,
            `${(t.delivery.settle_ms_max / 1000).toFixed(1)} s`,
            t.median.workerd_cpu_us_per_request_incl_delivery ?? "n/a",
            ...(deferred ? [t.median.workerd_cpu_us_per_request_incl_deferred ?? "n/a"] : []),
          ],
          ...(t.open_loop?.delivery
            ? [
                [
                  `${t.name} (open loop)`,
                  t.open_loop.delivery.accepted_total,
                  t.open_loop.delivery.received_total,
                  t.open_loop.delivery.distinct_ids_total,
                  `${(t.open_loop.delivery.settle_ms_max / 1000).toFixed(1)} s`,
                  t.open_loop.median.workerd_cpu_us_per_request_incl_delivery ?? "n/a",
                  ...(deferred ? ["n/a"] : []),
                ],
              ]
            : []),
        ]),
        deferred ? "lrrrrrr" : "lrrrrr",
      ),
    );
  }
  const wasm = Object.entries(http.workers ?? {}).filter(([, w]) => w.wasm);
  if (wasm.length) {
    out.push("");
    out.push("Wasm of the Rust workers loaded (as scripts/build-worker last built them)");
    out.push(
      table(
        ["worker", "wasm", "bytes", "KiB", "gzip -9 bytes", "gzip KiB", "built"],
        wasm.map(([name, { wasm: w }]) => [name, w.path, w.bytes, fmtKiB(w.bytes), w.gzip_bytes, fmtKiB(w.gzip_bytes), w.built_at.replace(/\.\d+Z$/, "Z")]),
        "llrrrrl",
      ),
    );
  }
  out.push("");
  const nodeRuns = http.targets.flatMap((t) => t.runs.map((r) => r.node_cpu_ms)).sort((a, b) => a - b);
  const nodeMax = nodeRuns[nodeRuns.length - 1];
  const nodeMedian = nodeRuns[nodeRuns.length >> 1];
  const busiest = http.targets.reduce((a, t) => (t.median.requests_per_sec > a.median.requests_per_sec ? t : a));
  out.push(
    `No Node proxy in the path: every URL's listening socket belongs to workerd (pid ${http.runtime.workerd_pid}); ` +
      `Node (the Miniflare host) used ${nodeMedian} ms CPU in a typical measured run (at most ${nodeMax} ms), ` +
      `workerd ${busiest.workerd_cpu_ms_median} ms while serving ${busiest.name} ` +
      `(${Math.round(busiest.median.requests_per_sec * http.settings.duration_s)} requests).`,
  );
  out.push(
    `Load average (1 min) at the end: ${http.machine.loadavg_end[0].toFixed(2)} on ${http.machine.cpus} CPUs; ` +
      `other workerd processes at start: ${http.runtime.other_workerd_processes_at_start}`,
  );
}

// The dashboard's budget: every page under 50 ms of worker CPU at 1,000 pending approvals
// and 100,000 audit rows. workerd's CPU per request includes local D1's SQLite (in the
// same process here, a separate service at the edge), so it bounds the worker's from above.
const DASHBOARD_BUDGET_MS = 50;
const dashboardPages = (http?.targets ?? []).filter((t) => t.name.startsWith("dash-"));
const dashboard = dashboardPages.length
  ? {
      budget_ms: DASHBOARD_BUDGET_MS,
      pages: Object.fromEntries(
        dashboardPages.map((t) => {
          const cpuMs = t.median.workerd_cpu_us_per_request / 1000;
          // The CSV is a download of up to 5,000 rows, not a page: reported, not budgeted.
          const page = !t.name.startsWith("dash-csv");
          return [t.name, { workerd_cpu_ms: cpuMs, p50_ms: t.median.p50_ms, page, within_budget: page ? cpuMs < DASHBOARD_BUDGET_MS : null }];
        }),
      ),
    }
  : null;
if (dashboard) {
  out.push("");
  out.push(
    `Dashboard pages at 1,000 pending approvals and 100,000 audit rows: workerd CPU per page (worker and local D1 together) ` +
      `against the ${DASHBOARD_BUDGET_MS} ms budget`,
  );
  out.push(
    table(
      ["page", "workerd CPU ms/req", "p50 ms", "budget"],
      Object.entries(dashboard.pages).map(([name, p]) => [
        name, p.workerd_cpu_ms.toFixed(2), fmtMs(p.p50_ms), !p.page ? "export, not a page" : p.within_budget ? "within" : "OVER",
      ]),
      "lrrl",
    ),
  );
}

// The pipeline part: one entry per run (zero, cloud, and each step by step).
const pipeline = pipelineRaw ? { goal_ms: pipelineRaw.goal_ms, ...pipelineRaw.runs } : null;
if (pipeline) {
  out.push("");
  out.push(`Pipeline: ${pipelineRaw.what}; goal with Inngest Cloud's latency: at most ${pipeline.goal_ms} ms`);
  out.push(
    table(
      ["run", "checkpointing", "call ms", "event ms", "checkpoint ms", "messages", "p50 ms", "p90 ms", "calls/message"],
      Object.entries(pipelineRaw.runs).map(([name, r]) => [
        name, r.checkpointing ? "on" : "off", r.latency.call_ms ?? 0, r.latency.event_ms ?? 0, r.latency.checkpoint_ms ?? 0,
        r.messages, fmtMs(r.p50_ms), fmtMs(r.p90_ms), r.calls_per_message.toFixed(1),
      ]),
      "llrrrrrrr",
    ),
  );
}

if (coldstart) {
  out.push("");
  out.push(
    `Cold start (bench/lib/coldstart.mjs): a fresh workerd per round, median of ${coldstart.cases["js-ok"].rounds}; ` +
      `workerd CPU at ready and for the first and second requests; the start-up is what loading the worker adds ` +
      `to a plain JS worker's boot, plus the first request's CPU beyond the second's (goal: under 100 ms)`,
  );
  out.push(
    table(
      ["case", "CPU at ready ms", "1st request ms", "1st CPU ms", "2nd request ms", "2nd CPU ms", "start-up CPU ms"],
      Object.entries(coldstart.cases).map(([name, c]) => [
        name, c.cpu_ready_ms.toFixed(1), fmtMs(c.first_ms), c.cpu_first_ms.toFixed(1), fmtMs(c.second_ms), c.cpu_second_ms.toFixed(1),
        c.startup_cpu_ms === undefined ? "(baseline)" : c.startup_cpu_ms.toFixed(1),
      ]),
      "lrrrrrr",
    ),
  );
  for (const w of Object.values(coldstart.wasm ?? {}).filter(Boolean)) {
    out.push(`${w.file}: ${w.raw_kib.toFixed(0)} KiB raw, ${w.gzip_kib.toFixed(0)} KiB gzipped`);
  }
}

const results = {
  generated_at: new Date().toISOString(),
  command: "scripts/bench",
  machine: { cpus: os.cpus().length, node: process.version, loadavg: os.loadavg() },
  total_seconds: started ? Math.round(Date.now() / 1000 - Number(started)) : undefined,
  signing: signing ?? null,
  http: http ?? null,
  dashboard,
  pipeline,
  coldstart,
};
fs.writeFileSync(path.join(outDir, "results.json"), JSON.stringify(results, null, 2) + "\n");
process.stdout.write(out.join("\n") + "\n");

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
  const delivering = http.targets.filter((t) => t.delivery);
  if (delivering.length) {
    out.push("");
    out.push(
      "Events forwarded to the Inngest stand-in (its own Node process), all rounds: a request accepted = one event; " +
        "a few more may arrive than wrk counted (requests cut off when a wrk run ends are still accepted)",
    );
    out.push(
      table(
        ["target", "accepted", "received", "distinct ids", "settled after run", "workerd CPU µs/req incl. delivery"],
        delivering.map((t) => [
          t.name,
          t.delivery.accepted_total,
          t.delivery.received_total,
          t.delivery.distinct_ids_total,
          `${(t.delivery.settle_ms_max / 1000).toFixed(1)} s`,
          t.median.workerd_cpu_us_per_request_incl_delivery ?? "n/a",
        ]),
        "lrrrrr",
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

const results = {
  generated_at: new Date().toISOString(),
  command: "scripts/bench",
  machine: { cpus: os.cpus().length, node: process.version, loadavg: os.loadavg() },
  total_seconds: started ? Math.round(Date.now() / 1000 - Number(started)) : undefined,
  signing: signing ?? null,
  http: http ?? null,
};
fs.writeFileSync(path.join(outDir, "results.json"), JSON.stringify(results, null, 2) + "\n");
process.stdout.write(out.join("\n") + "\n");

// CPU profiles of a worker under load (BENCH_PROFILE=1), through workerd's V8 inspector as
// Miniflare exposes it (`inspectorPort`): the Chrome DevTools protocol's Profiler domain,
// started right before a measured wrk run and stopped right after it. Durable Objects run
// in their worker's isolate, so a worker's profile covers its objects too.
//
// Each profile is written as a `.cpuprofile` (open it in Chrome DevTools or speedscope)
// and summarised: busy time by kind (wasm, JS glue, GC, ...) and the functions with the
// most self and total time.
import fs from "node:fs";
import path from "node:path";

import WebSocket from "ws";

/** Connects to `worker`'s isolate on Miniflare's inspector port. */
export async function connectProfiler(port, worker) {
  const list = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  // workerd names a user worker's isolate "workerd: worker core:user:<name>".
  const target = list.find((t) => t.title === `workerd: worker core:user:${worker}`);
  if (!target) {
    throw new Error(`no inspector target for worker "${worker}" (have: ${list.map((t) => t.title).join(", ")})`);
  }
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  let nextId = 1;
  const waiting = new Map();
  ws.on("message", (data) => {
    const msg = JSON.parse(data.toString());
    const w = msg.id !== undefined ? waiting.get(msg.id) : undefined;
    if (!w) return;
    waiting.delete(msg.id);
    if (msg.error) w.reject(new Error(`${w.method}: ${msg.error.message}`));
    else w.resolve(msg.result);
  });
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve, reject, method });
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send("Profiler.enable");
  // 100 µs: fine enough for requests that cost a millisecond or two.
  await send("Profiler.setSamplingInterval", { interval: 100 });
  return {
    start: () => send("Profiler.start"),
    stop: async () => (await send("Profiler.stop")).profile,
    close: () => ws.close(),
  };
}

const kindOf = (frame) => {
  const name = frame.functionName;
  if (name === "(idle)" || name === "(program)" || name === "(garbage collector)" || name === "(root)") return name;
  if (frame.url.startsWith("wasm://")) return "wasm";
  if (frame.url) return "JavaScript";
  return "built-ins";
};

/**
 * Self and total time (ms) by function, and busy time by kind. Total time counts a
 * function once per sample however often it is on the stack (recursion).
 */
export function summarize(profile, { top = 25 } = {}) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (f) => {
    const where = f.url ? `${path.basename(f.url)}${f.lineNumber >= 0 ? `:${f.lineNumber + 1}` : ""}` : "";
    return `${f.functionName || "(anonymous)"}${where ? ` ${where}` : ""}`;
  };
  const self = new Map();
  const total = new Map();
  const kinds = new Map();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000;
    const node = nodes.get(id);
    const kind = kindOf(node.callFrame);
    kinds.set(kind, (kinds.get(kind) ?? 0) + dt);
    if (kind === "(idle)") return;
    busy += dt;
    const name = label(node.callFrame);
    self.set(name, (self.get(name) ?? 0) + dt);
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const n = label(nodes.get(cur).callFrame);
      if (seen.has(n)) continue;
      seen.add(n);
      total.set(n, (total.get(n) ?? 0) + dt);
    }
  });
  const rank = (m) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms: Math.round(ms * 10) / 10, share_of_busy: busy ? Math.round((1000 * ms) / busy) / 1000 : 0 }));
  return {
    busy_ms: Math.round(busy),
    by_kind: Object.fromEntries([...kinds.entries()].sort((a, b) => b[1] - a[1]).map(([k, ms]) => [k, Math.round(ms)])),
    self: rank(self),
    total: rank(total),
  };
}

/** Writes `<name>.cpuprofile` and `<name>.summary.json`; returns the summary. */
export function writeProfile(dir, name, profile, requests) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
  const summary = summarize(profile);
  summary.requests = requests;
  summary.busy_us_per_request = requests ? Math.round((summary.busy_ms * 1000) / requests) : undefined;
  fs.writeFileSync(path.join(dir, `${name}.summary.json`), JSON.stringify(summary, null, 2) + "\n");
  return summary;
}

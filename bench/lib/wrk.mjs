// Driving wrk and curl for one target: a Lua script that replays one request, and a
// parser for wrk's report (requests/s, latency percentiles, errors).
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/** A double-quoted Lua string literal for `s` (bytes outside printable ASCII as \ddd). */
function luaString(s) {
  let out = '"';
  for (const byte of Buffer.from(s, "utf8")) {
    const c = String.fromCharCode(byte);
    if (c === '"' || c === "\\") out += `\\${c}`;
    else if (byte >= 0x20 && byte < 0x7f) out += c;
    else out += `\\${String(byte).padStart(3, "0")}`;
  }
  return `${out}"`;
}

/** Writes the request (body file + Lua script) wrk replays; returns the script's path. */
export function writeRequestScript(dir, name, request, headers) {
  fs.mkdirSync(dir, { recursive: true });
  const lines = [`wrk.method = ${luaString(request.method ?? "GET")}`];
  for (const [k, v] of Object.entries(headers)) {
    lines.push(`wrk.headers[${luaString(k)}] = ${luaString(String(v))}`);
  }
  if (request.body !== undefined) {
    const bodyFile = path.join(dir, `${name}.body`);
    fs.writeFileSync(bodyFile, request.body);
    lines.push(
      `local f = assert(io.open(${luaString(bodyFile)}, "rb"))`,
      `wrk.body = f:read("*a")`,
      `f:close()`,
    );
  }
  const script = path.join(dir, `${name}.lua`);
  fs.writeFileSync(script, lines.join("\n") + "\n");
  return script;
}

/** One request with curl; returns { status, body }. */
export function curlOnce(url, request, headers) {
  const args = ["-sS", "--max-time", "10", "-X", request.method ?? "GET", "-w", "\n%{http_code}"];
  for (const [k, v] of Object.entries(headers)) args.push("-H", `${k}: ${v}`);
  if (request.body !== undefined) args.push("--data-binary", "@-");
  args.push(url);
  const res = spawnSync("curl", args, { input: request.body ?? "", encoding: "utf8" });
  if (res.status !== 0) return { status: 0, body: "", error: (res.stderr || res.error?.message || "").trim() };
  const cut = res.stdout.lastIndexOf("\n");
  return { status: Number(res.stdout.slice(cut + 1)), body: res.stdout.slice(0, cut) };
}

let current; // the running wrk, so a signal handler can stop it

export function killWrk() {
  if (current && current.exitCode === null) current.kill("SIGKILL");
}

/** Runs wrk; resolves with its stdout, rejects when it fails or overruns. */
export function runWrk({ url, script, threads, connections, duration, timeout }) {
  const args = [`-t${threads}`, `-c${connections}`, `-d${duration}s`, ...(timeout ? [`--timeout`, `${timeout}s`] : []), "--latency", "-s", script, url];
  return new Promise((resolve, reject) => {
    const child = spawn("wrk", args, { stdio: ["ignore", "pipe", "pipe"] });
    current = child;
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), (duration + 30 + (timeout ?? 0)) * 1000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      current = undefined;
      // wrk reports a broken Lua script on stderr and then runs anyway with a plain GET.
      if (code === 0 && !err.trim()) resolve({ args, out });
      else reject(new Error(`wrk ${args.join(" ")} failed (${signal ?? `exit ${code}`}): ${err || out}`));
    });
  });
}

const UNIT_MS = { us: 0.001, ms: 1, s: 1000, m: 60000 };

function toMs(value, unit) {
  return Number(value) * UNIT_MS[unit];
}

/** Parses wrk's report into numbers (latencies in milliseconds). */
export function parseWrk(out) {
  const num = (re) => {
    const m = re.exec(out);
    return m ? Number(m[1]) : undefined;
  };
  const percentiles = {};
  for (const m of out.matchAll(/^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$/gm)) {
    percentiles[`p${m[1]}`] = toMs(m[2], m[3]);
  }
  const lat = /Latency\s+([\d.]+)(us|ms|s|m)\s+([\d.]+)(us|ms|s|m)\s+([\d.]+)(us|ms|s|m)/.exec(out);
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m)/.exec(out);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const result = {
    requests_per_sec: num(/Requests\/sec:\s+([\d.]+)/),
    requests: total ? Number(total[1]) : undefined,
    seconds: total ? toMs(total[2], total[3]) / 1000 : undefined,
    latency_ms: {
      mean: lat ? toMs(lat[1], lat[2]) : undefined,
      stdev: lat ? toMs(lat[3], lat[4]) : undefined,
      max: lat ? toMs(lat[5], lat[6]) : undefined,
      ...percentiles,
    },
    non_2xx_3xx: num(/Non-2xx or 3xx responses:\s+(\d+)/) ?? 0,
    socket_errors: sock
      ? { connect: +sock[1], read: +sock[2], write: +sock[3], timeout: +sock[4] }
      : { connect: 0, read: 0, write: 0, timeout: 0 },
  };
  if (result.requests_per_sec === undefined || result.latency_ms.p99 === undefined) {
    throw new Error(`could not parse wrk's output:\n${out}`);
  }
  return result;
}

/**
 * Writes a table of distinct requests and a Lua script whose request() cycles through
 * them: `entries` is [{ headers, body }], split round-robin into one file per wrk thread
 * (so no two threads send the same entry), each loaded and pre-formatted in that thread's
 * init(). A thread that runs past the end of its table starts over and counts a wrap;
 * done() prints `bench-table-wraps: <n>` (see parseWraps). Returns the script's path.
 */
export function writeTableScript(dir, name, request, entries, threads) {
  fs.mkdirSync(dir, { recursive: true });
  const files = [];
  const lines = Array.from({ length: threads }, () => []);
  entries.forEach((e, i) => {
    const fields = [e.body ?? ""];
    for (const [k, v] of Object.entries(e.headers)) fields.push(k, String(v));
    for (const f of fields) {
      if (/[\t\n\r]/.test(f) || f === "") throw new Error(`${name}: a table field is empty or holds a tab or newline`);
    }
    lines[i % threads].push(fields.join("\t"));
  });
  for (let t = 0; t < threads; t++) {
    const file = path.join(dir, `${name}.t${t}.tsv`);
    fs.writeFileSync(file, lines[t].join("\n") + "\n");
    files.push(file);
  }
  const lua = `-- ${entries.length} distinct requests, one table file per thread (bench/lib/wrk.mjs)
local files = { ${files.map(luaString).join(", ")} }
local method = ${luaString(request.method ?? "GET")}
local path = ${luaString(request.path)}
local next_tid = 0
local threads = {}

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

local reqs, n, i

function init(args)
  reqs, n, i, wraps = {}, 0, 0, 0
  for line in io.lines(files[tid + 1]) do
    local fields = {}
    for f in string.gmatch(line, "[^\\t]+") do fields[#fields + 1] = f end
    local headers = {}
    for k = 2, #fields - 1, 2 do headers[fields[k]] = fields[k + 1] end
    n = n + 1
    reqs[n] = wrk.format(method, path, headers, fields[1])
  end
end

function request()
  i = i + 1
  if i > n then
    i = 1
    wraps = wraps + 1
  end
  return reqs[i]
end

function done(summary, latency, requests)
  local w = 0
  for _, t in ipairs(threads) do w = w + (t:get("wraps") or 0) end
  io.write(string.format("bench-table-wraps: %d\\n", w))
end
`;
  const script = path.join(dir, `${name}.lua`);
  fs.writeFileSync(script, lua);
  return script;
}

/** How often wrk's threads ran past the end of their request tables (writeTableScript). */
export function parseWraps(out) {
  const m = /^bench-table-wraps: (\d+)$/m.exec(out);
  return m ? Number(m[1]) : undefined;
}

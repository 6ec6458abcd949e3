#!/usr/bin/env node
// Open-loop load: requests sent at a fixed rate whatever the server does, latency measured
// from each request's *scheduled* send time.
//
// wrk is closed-loop: each connection sends its next request only once the previous one is
// answered, so a stalled server also stalls the load, and the requests that would have
// waited during a stall are never sent (coordinated omission). At saturation its p99 is
// mostly queueing behind 16 connections. Here request i is due at t0 + i / rate; if the
// server (or a full connection pool) holds it up, the wait counts in its latency. wrk2 does
// this, but Debian has no package for it, so this is a small Node generator instead.
//
// Two halves in one file:
//   - runOpenLoop() (used by http.mjs) writes the run's spec and request table, runs this
//     file as its own Node process (so its CPU and event loop are apart from the runner's,
//     whose CPU is the evidence that no Node proxy is in the path), and returns its result;
//   - run directly (`node openloop.mjs SPEC.json`), it is the generator: a small HTTP/1.1
//     client over up to `connections` keep-alive sockets, one JSON result line on stdout.
//
// The generator's own cost is visible in what it reports: send_lag_ms (how late the event
// loop sent a request after it was due), its CPU per request, and, the real test, the `ok`
// target's latency at the same rate (see bench/README.md).
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";

import { cpuMillis } from "./proc.mjs";

const SELF = fileURLToPath(import.meta.url);

// --- the runner's half --------------------------------------------------------------------

let current; // the running generator, so a signal handler can stop it

export function killOpenLoop() {
  if (current && current.exitCode === null) current.kill("SIGKILL");
}

// The generator's own scheduling delays land in every latency it measures (they are
// counted from the due time). On 2 cores shared with workerd and whatever else runs (a
// rustc, say), its timer wake-ups can wait behind them for tens of milliseconds; a higher
// priority (it uses a few % of a core) keeps that floor low. Root only; else left as is.
const GENERATOR_NICE = -5;
function raisePriority(pid) {
  try {
    os.setPriority(pid, GENERATOR_NICE);
  } catch {
    // not permitted: the generator runs at the default priority
  }
  try {
    return os.getPriority(pid);
  } catch {
    return undefined;
  }
}

/**
 * One open-loop run against `url`: `rate` requests/s for warmup_s (not recorded) and then
 * duration_s (recorded). `entries` is [{ headers, body }]: one entry is replayed for every
 * request; more must cover every request (each sent once: distinct requests).
 * Resolves with the generator's result (see summarize()); rejects when it fails.
 */
export function runOpenLoop({ dir, name, url, method, entries, rate, warmup_s, duration_s, connections, timeout_s, cpuPid }) {
  fs.mkdirSync(dir, { recursive: true });
  const requestsFile = path.join(dir, `${name}.jsonl`);
  fs.writeFileSync(requestsFile, entries.map((e) => JSON.stringify(e)).join("\n") + "\n");
  const spec = { url, method, rate, warmup_s, duration_s, connections, timeout_s, requests_file: requestsFile, cpu_pid: cpuPid };
  const specFile = path.join(dir, `${name}.json`);
  fs.writeFileSync(specFile, JSON.stringify(spec, null, 2) + "\n");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SELF, specFile], { stdio: ["ignore", "pipe", "pipe"] });
    current = child;
    spec.nice = raisePriority(child.pid);
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    // Bounded like every wrk run: the generator gives up at the end + timeout_s by itself.
    const timer = setTimeout(() => child.kill("SIGKILL"), (warmup_s + duration_s + timeout_s + 30) * 1000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      current = undefined;
      let result;
      try {
        result = JSON.parse(out);
      } catch {
        // reported below
      }
      if (code === 0 && result) resolve({ spec, result });
      else reject(new Error(`open-loop generator for ${url} failed (${signal ?? `exit ${code}`}): ${err || out}`));
    });
  });
}

// --- the generator's half -----------------------------------------------------------------
//
// A raw HTTP/1.1 client on node:net rather than node:http: every request is formatted to
// bytes before the run, and an answer is parsed only as far as its status and its end
// (Content-Length or chunked). On these 2 shared cores node:http cost about three times the
// CPU per request and, at 2000 requests/s against a trivial Node server, let its own event
// loop fall tens of milliseconds behind (p50 26 ms); this client kept p50 near 1 ms there.

/** The table's requests as ready-to-write bytes (one per line of `file`). */
function loadEntries(file, url, method) {
  const head = `${method} ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n`;
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const { headers = {}, body } = JSON.parse(line);
      const payload = body === undefined ? Buffer.alloc(0) : Buffer.from(body, "utf8");
      let text = head;
      for (const [k, v] of Object.entries(headers)) {
        if (k.toLowerCase() !== "content-length" && k.toLowerCase() !== "host") text += `${k}: ${v}\r\n`;
      }
      if (body !== undefined || method !== "GET") text += `Content-Length: ${payload.length}\r\n`;
      return Buffer.concat([Buffer.from(`${text}\r\n`, "utf8"), payload]);
    });
}

const CRLF2 = Buffer.from("\r\n\r\n");

/** Where a chunked body starting at `at` ends (after its last CRLF), or -1 if not yet. */
function chunkedEnd(buf, at) {
  for (;;) {
    const eol = buf.indexOf("\r\n", at, "latin1");
    if (eol < 0) return -1;
    const size = parseInt(buf.toString("latin1", at, eol), 16);
    if (!Number.isFinite(size)) throw new Error("bad chunk size in an answer");
    if (size === 0) {
      // The last chunk, then trailers (none expected) up to an empty line.
      const end = buf.indexOf(CRLF2, eol);
      return end < 0 ? -1 : end + 4;
    }
    at = eol + 2 + size + 2;
    if (at > buf.length) return -1;
  }
}

/**
 * Parses one answer at the start of `buf`: { status, end, close } once it is complete,
 * undefined while more bytes are needed. `end` is where the next answer would start.
 */
function parseAnswer(buf) {
  const h = buf.indexOf(CRLF2);
  if (h < 0) return undefined;
  const head = buf.toString("latin1", 0, h);
  const status = Number(head.slice(9, 12));
  const close = /\r\nconnection:\s*close/i.test(head);
  const len = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (len) {
    const end = h + 4 + Number(len[1]);
    return buf.length >= end ? { status, end, close } : undefined;
  }
  if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(head)) {
    const end = chunkedEnd(buf, h + 4);
    return end < 0 ? undefined : { status, end, close };
  }
  if (status === 204 || status === 304 || (status >= 100 && status < 200)) return { status, end: h + 4, close };
  throw new Error(`an answer with neither Content-Length nor chunked encoding (status ${status})`);
}

// workerd closes a keep-alive connection that has been idle for 5 s (KJ's pipeline timeout;
// measured). A request written just as that close arrives fails (ECONNRESET / ECLOSED), so
// the pool retires idle connections itself well before: it never reuses one idle this long.
const IDLE_MAX_MS = 3000;

/**
 * Up to `max` keep-alive connections, one request in flight on each (no pipelining).
 * A request due while all are busy waits in a FIFO queue: that wait is part of its latency.
 * onAnswer(i, status) / onFailure(i, code, conn) report each request once.
 */
function connectionPool({ host, port, max, entries, onAnswer, onFailure, onOpen }) {
  const free = []; // idle connections, last freed first (the warmest)
  const queue = [];
  let queueHead = 0;
  let open = 0;
  let idleClosed = 0;
  let idleRetired = 0;

  function connect() {
    const socket = net.connect({ host, port });
    socket.setNoDelay(true);
    open++;
    onOpen(open);
    const conn = { socket, current: -1, buf: undefined, dead: false, served: 0, idleSince: 0 };
    socket.on("data", (chunk) => {
      conn.buf = conn.buf ? Buffer.concat([conn.buf, chunk]) : chunk;
      let answer;
      try {
        answer = parseAnswer(conn.buf);
      } catch (e) {
        return fail(conn, e.message);
      }
      if (!answer) return;
      const i = conn.current;
      conn.current = -1;
      conn.buf = answer.end < conn.buf.length ? conn.buf.subarray(answer.end) : undefined;
      conn.served++;
      if (i >= 0) onAnswer(i, answer.status);
      if (answer.close) {
        drop(conn);
        socket.end();
      }
      release(conn);
    });
    socket.on("error", (e) => fail(conn, e.code ?? e.message));
    // The server's FIN: the connection is gone for new requests from this moment on.
    socket.on("end", () => fail(conn, "ECLOSED"));
    socket.on("close", () => fail(conn, "ECLOSED"));
    return conn;
  }

  function fail(conn, code) {
    const i = conn.current;
    conn.current = -1;
    // An idle connection the server closed (keep-alive ended) costs nothing but a reconnect.
    if (i < 0 && !conn.dead) idleClosed++;
    drop(conn);
    conn.socket.destroy();
    if (i >= 0) onFailure(i, code, conn);
    // A request waiting in the queue gets a new connection in its place.
    if (queueHead < queue.length && open < max) start(connect(), queue[queueHead++]);
  }

  function drop(conn) {
    if (conn.dead) return;
    conn.dead = true;
    open--;
  }

  function start(conn, i) {
    conn.current = i;
    conn.socket.write(entries.length > 1 ? entries[i] : entries[0]);
  }

  function release(conn) {
    if (conn.dead) {
      if (queueHead < queue.length) start(connect(), queue[queueHead++]);
      return;
    }
    if (queueHead < queue.length) start(conn, queue[queueHead++]);
    else {
      conn.idleSince = performance.now();
      free.push(conn);
    }
  }

  /** The most recently freed live connection idle for less than IDLE_MAX_MS; retires older ones. */
  function takeFree() {
    const now = performance.now();
    let conn;
    while ((conn = free.pop())) {
      if (conn.dead) continue;
      if (now - conn.idleSince < IDLE_MAX_MS) return conn;
      drop(conn);
      conn.socket.destroy();
      idleRetired++;
    }
    return undefined;
  }

  return {
    send(i) {
      const conn = takeFree();
      if (conn) start(conn, i);
      else if (open < max) start(connect(), i);
      else queue.push(i);
    },
    queued: () => queue.length - queueHead,
    idleClosed: () => idleClosed,
    idleRetired: () => idleRetired,
    close() {
      for (const c of free) {
        drop(c);
        c.socket.destroy();
      }
    },
  };
}

/** Nearest-rank percentile of an ascending Float64Array. */
function percentile(sorted, p) {
  if (!sorted.length) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

const round3 = (x) => (x === undefined || !Number.isFinite(x) ? x : Math.round(x * 1000) / 1000);

function generate(spec) {
  const target = new URL(spec.url);
  const entries = loadEntries(spec.requests_file, target, spec.method ?? "GET");
  const interval = 1000 / spec.rate; // ms between due times
  const warmN = Math.round(spec.rate * spec.warmup_s);
  const total = warmN + Math.round(spec.rate * spec.duration_s);
  const timeoutMs = spec.timeout_s * 1000;
  if (!entries.length) throw new Error("no requests in the table");
  if (entries.length > 1 && entries.length < total) {
    throw new Error(`the table holds ${entries.length} distinct requests, the run needs ${total}`);
  }

  // Per request: how late it was written after it was due (t0 + i * interval), when its
  // answer had fully arrived (NaN until then), its status (0: none yet, 1: failed).
  const lag = new Float64Array(total);
  const done = new Float64Array(total).fill(NaN);
  const status = new Uint16Array(total);
  const errorCodes = {};
  const failures = [];
  let socketsOpened = 0;
  let maxOpen = 0;
  let maxQueued = 0;
  let inFlight = 0;
  let next = 0;
  // A short lead, so the first request is not due before the loop runs.
  const t0 = performance.now() + 20;
  const due = (i) => t0 + i * interval;
  const tMeasure = due(warmN);
  const tEnd = due(total);
  let cpu0;
  let genCpu0;

  return new Promise((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(deadline);
      const workerdCpuMs = spec.cpu_pid ? cpuMillis(spec.cpu_pid) - cpu0 : undefined;
      const genCpu = process.cpuUsage(genCpu0);
      pool.close();
      resolve(
        summarize({
          spec, warmN, total, due, lag, done, status, errorCodes, tMeasure, tEnd, end: performance.now(),
          socketsOpened, idleClosed: pool.idleClosed(), idleRetired: pool.idleRetired(), failures, maxOpen, maxQueued, workerdCpuMs, genCpuMs: (genCpu.user + genCpu.system) / 1000,
        }),
      );
    };
    // Whatever is still unanswered this long after the last request was due is a timeout.
    const deadline = setTimeout(finish, tEnd + timeoutMs - performance.now() + 50);
    const settle = () => {
      inFlight--;
      if (next === total && inFlight === 0) finish();
    };
    const pool = connectionPool({
      host: target.hostname,
      port: Number(target.port || 80),
      max: spec.connections,
      entries,
      onOpen(open) {
        socketsOpened++;
        if (open > maxOpen) maxOpen = open;
      },
      onAnswer(i, code) {
        if (status[i]) return;
        done[i] = performance.now();
        status[i] = code;
        settle();
      },
      onFailure(i, code, conn) {
        if (status[i]) return;
        status[i] = 1;
        errorCodes[code] = (errorCodes[code] ?? 0) + 1;
        // The first few, to tell a reused connection the server dropped from a fresh one.
        if (failures.length < 10) {
          failures.push({ request: i, at_ms: round3(performance.now() - t0), code, answered_before_on_connection: conn.served });
        }
        settle();
      },
    });

    const send = (i) => {
      if (i === warmN) {
        // The measured window starts: sample workerd's and our own CPU from here.
        cpu0 = spec.cpu_pid ? cpuMillis(spec.cpu_pid) : undefined;
        genCpu0 = process.cpuUsage();
      }
      lag[i] = performance.now() - due(i);
      inFlight++;
      pool.send(i);
      const q = pool.queued();
      if (q > maxQueued) maxQueued = q;
    };

    // Sends everything due by now, then sleeps until the next request is due. Timers are
    // 1 ms-grained, so a request can go out up to ~1 ms late; that lateness is part of its
    // latency (measured from the due time) and shows in send_lag_ms.
    const pump = () => {
      const now = performance.now();
      while (next < total && due(next) <= now) send(next++);
      if (next < total) setTimeout(pump, Math.max(0, due(next) - performance.now()));
      else if (inFlight === 0) finish();
    };
    setTimeout(pump, Math.max(0, t0 - performance.now()));
  });
}

/** The measured requests' figures; latencies in ms from each request's due time. */
function summarize({ spec, warmN, total, due, lag, done, status, errorCodes, tMeasure, tEnd, end, socketsOpened, idleClosed, idleRetired, failures, maxOpen, maxQueued, workerdCpuMs, genCpuMs }) {
  const latencies = [];
  let ok = 0;
  let non2xx = 0;
  let failed = 0;
  let timeouts = 0;
  let okTotal = 0; // 2xx answers in the warm-up and the measured window (accepted events)
  let completedInWindow = 0; // answers (any request) that arrived within the window
  for (let i = 0; i < total; i++) {
    if (status[i] >= 200 && status[i] < 300) okTotal++;
    if (done[i] >= tMeasure && done[i] <= tEnd) completedInWindow++;
    if (i < warmN) continue;
    if (status[i] === 1) failed++;
    else if (status[i] === 0) {
      // Never answered: counted as a timeout, and in the percentiles with the time it had
      // waited so far, so they stay a lower bound instead of leaving the worst out.
      timeouts++;
      latencies.push(end - due(i));
    } else {
      latencies.push(done[i] - due(i));
      if (status[i] >= 200 && status[i] < 300) ok++;
      else non2xx++;
    }
  }
  const sorted = Float64Array.from(latencies).sort();
  const lags = lag.slice(warmN).sort();
  const measured = total - warmN;
  const windowS = (tEnd - tMeasure) / 1000;
  const answered = ok + non2xx;
  return {
    offered_rps: spec.rate,
    seconds: round3(windowS),
    requests: measured,
    answered,
    ok,
    non_2xx: non2xx,
    socket_errors: failed,
    error_codes: errorCodes,
    timeouts,
    errors: non2xx + failed,
    achieved_rps: round3(completedInWindow / windowS),
    latency_ms: {
      p50: round3(percentile(sorted, 0.5)),
      p90: round3(percentile(sorted, 0.9)),
      p99: round3(percentile(sorted, 0.99)),
      p999: round3(percentile(sorted, 0.999)),
      max: round3(sorted[sorted.length - 1]),
      mean: round3(sorted.reduce((a, b) => a + b, 0) / (sorted.length || 1)),
    },
    // How late the generator itself sent requests after they were due (its event loop).
    send_lag_ms: { p50: round3(percentile(lags, 0.5)), p99: round3(percentile(lags, 0.99)), max: round3(lags[lags.length - 1]) },
    ok_total_incl_warmup: okTotal,
    sockets_opened: socketsOpened,
    idle_connections_closed_by_server: idleClosed,
    idle_connections_retired: idleRetired,
    first_failures: failures,
    // More than `connections` requests outstanding wait in the generator's queue.
    max_connections_open: maxOpen,
    max_queued: maxQueued,
    workerd_cpu_ms: workerdCpuMs === undefined ? undefined : Math.round(workerdCpuMs),
    workerd_cpu_us_per_request: workerdCpuMs === undefined || !answered ? undefined : Math.round((workerdCpuMs * 1000) / answered),
    generator_cpu_ms: Math.round(genCpuMs),
    generator_cpu_us_per_request: answered ? Math.round((genCpuMs * 1000) / answered) : undefined,
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === SELF) {
  const spec = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  generate(spec).then(
    (result) => {
      process.stdout.write(JSON.stringify(result) + "\n");
      process.exit(0);
    },
    (e) => {
      process.stderr.write(`openloop: ${e.message}\n`);
      process.exit(1);
    },
  );
}

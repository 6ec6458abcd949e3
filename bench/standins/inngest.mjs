#!/usr/bin/env node
// Inngest Event API stand-in for the intake benchmark, run by bench/lib/http.mjs as its
// own Node process (outside workerd, so workerd's CPU per request does not include it):
// answers every `POST /e/<key>` at once with 200 {"ids": [...], "status": 200}, as Inngest
// does, and counts what it received per event key (events, and distinct event ids, so a
// duplicate delivery would show). `GET /count` returns the counters.
//
//   node bench/standins/inngest.mjs PORT     (listens on 127.0.0.1:PORT, prints "listening")
import http from "node:http";

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error("usage: inngest.mjs PORT");
  process.exit(2);
}

const counters = new Map(); // key -> { requests, events, ids: Set }
function counter(key) {
  let c = counters.get(key);
  if (!c) counters.set(key, (c = { requests: 0, events: 0, ids: new Set() }));
  return c;
}

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (d) => chunks.push(d));
  req.on("end", () => {
    const url = new URL(req.url, "http://127.0.0.1");
    if (req.method === "POST" && url.pathname.startsWith("/e/")) {
      let events;
      try {
        events = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        return send(res, 400, { error: "invalid JSON", status: 400 });
      }
      if (!Array.isArray(events)) events = [events];
      const c = counter(decodeURIComponent(url.pathname.slice(3)));
      c.requests += 1;
      c.events += events.length;
      for (const e of events) if (e && typeof e.id === "string") c.ids.add(e.id);
      return send(res, 200, { ids: events.map((_, i) => `bench-${c.events - events.length + i}`), status: 200 });
    }
    if (req.method === "GET" && url.pathname === "/count") {
      const out = {};
      for (const [key, c] of counters) out[key] = { requests: c.requests, events: c.events, distinct_ids: c.ids.size };
      return send(res, 200, out);
    }
    send(res, 404, { error: "not found" });
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, "127.0.0.1", () => console.log("listening"));
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => process.exit(0));

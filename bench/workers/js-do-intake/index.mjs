// The intake's design in plain JavaScript, as a floor: what one Durable Object per
// conversation, an SQLite outbox and delivery right after the durable write cost in this
// runtime before any Rust or wasm-bindgen is involved. Same steps as the platform's
// intake on the benchmark's webhooks (the steady state: the app lookup already cached):
//
//   worker: verify the Front signature (HMAC-SHA256 over "<ms>:<body>", ±5 minutes), parse,
//           map the event, call the conversation's object with it (RPC, as the platform
//           does), answer its outcome
//   object: one INSERT … ON CONFLICT DO NOTHING (dedupe and outbox row), one message
//           upsert, the safety-net alarm armed at most once a minute, one attempt to send
//           the event to Inngest (3 s), and one UPDATE marking it delivered
//
// It is not a product: no retries beyond the alarm's one resend, no cache reads, no
// metadata, no dead letters. Only the benchmark loads it (bench/targets.mjs).

import { DurableObject } from "cloudflare:workers";

const NAMES = {
  inbound_received: "support/inbound.received",
  new_comment_added: "support/comment.received",
  outbound: "support/outbound.message",
  outbound_sent: "support/outbound.message",
};
const GRACE_MS = 60_000;
const encoder = new TextEncoder();
let cachedKey;

async function hmacKey(secret) {
  if (cachedKey?.secret !== secret) {
    const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    cachedKey = { secret, key };
  }
  return cachedKey.key;
}

function base64ToBytes(b64) {
  try {
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

async function verified(request, raw, secret) {
  const signature = request.headers.get("x-front-signature");
  const timestamp = request.headers.get("x-front-request-timestamp");
  if (!signature || !timestamp || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(Date.now() - Number(timestamp)) > 300_000) return false;
  const sig = base64ToBytes(signature);
  if (!sig) return false;
  const prefix = encoder.encode(`${timestamp}:`);
  const signed = new Uint8Array(prefix.length + raw.length);
  signed.set(prefix);
  signed.set(raw, prefix.length);
  return crypto.subtle.verify("HMAC", await hmacKey(secret), sig, signed);
}

export default {
  async fetch(request, env) {
    if (request.method !== "POST") return Response.json({ error: "not found" }, { status: 404 });
    const raw = new Uint8Array(await request.arrayBuffer());
    if (!(await verified(request, raw, env.FRONT_WEBHOOK_SECRET))) {
      return Response.json({ error: "invalid Front signature" }, { status: 401 });
    }
    let webhook;
    try {
      webhook = JSON.parse(new TextDecoder().decode(raw));
    } catch {
      return Response.json({ error: "invalid JSON payload" }, { status: 400 });
    }
    const name = NAMES[webhook.type];
    if (!name) return Response.json({ received: true, ignored: webhook.type });
    const payload = webhook.payload ?? {};
    const conversationId = payload.conversation?.id;
    const message = payload.target?.data;
    const record = {
      eventId: payload.id,
      event: {
        id: payload.id,
        name,
        v: "1",
        ts: Math.round((payload.emitted_at ?? Date.now() / 1000) * 1000),
        data: {
          appId: "total-typescript",
          traceId: crypto.randomUUID().replaceAll("-", ""),
          conversationId,
          frontEventId: payload.id,
          messageId: message?.id,
          subject: message?.subject ?? payload.conversation?.subject ?? "",
          body: message?.text ?? "",
        },
      },
      message: message?.id ? { id: message.id, createdAt: message.created_at ?? null, text: message.text ?? "" } : null,
    };
    const stub = env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(conversationId));
    let outcome;
    try {
      outcome = await stub.intake(record);
    } catch {
      return Response.json({ error: "temporarily unavailable, retry later" }, { status: 503 });
    }
    return Response.json(
      outcome.duplicate
        ? { received: true, duplicate: true, eventId: record.eventId }
        : { received: true, eventId: record.eventId, appId: "total-typescript" },
    );
  },
};

export class Conversation extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.ctx = ctx;
    this.env = env;
    this.sql = ctx.storage.sql;
    this.ready = false;
    this.alarmAt = null;
  }

  async load() {
    if (this.ready) return;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS events (event_id TEXT PRIMARY KEY, received_at INTEGER NOT NULL, body TEXT,
        next_attempt_at INTEGER) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS messages (id TEXT PRIMARY KEY, sort_at INTEGER NOT NULL, json TEXT NOT NULL);`);
    this.alarmAt = await this.ctx.storage.getAlarm();
    this.ready = true;
  }

  async send(bodies) {
    try {
      const res = await fetch(`${this.env.INNGEST_EVENT_API_BASE}/e/${this.env.INNGEST_EVENT_KEY}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: `[${bodies.join(",")}]`,
        signal: AbortSignal.timeout(3000),
      });
      await res.arrayBuffer();
      return res.ok;
    } catch {
      return false;
    }
  }

  async intake(record) {
    await this.load();
    const now = Date.now();
    const body = JSON.stringify(record.event);
    const inserted = this.sql.exec(
      "INSERT INTO events (event_id, received_at, body, next_attempt_at) VALUES (?, ?, ?, ?) ON CONFLICT(event_id) DO NOTHING",
      record.eventId, now, body, now,
    ).rowsWritten;
    if (!inserted) return { duplicate: true };
    if (record.message) {
      this.sql.exec(
        "INSERT INTO messages (id, sort_at, json) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET sort_at = excluded.sort_at, json = excluded.json",
        record.message.id, record.message.createdAt ?? now, JSON.stringify(record.message),
      );
    }
    if (this.alarmAt === null || this.alarmAt > now + GRACE_MS) {
      this.alarmAt = now + GRACE_MS;
      await this.ctx.storage.setAlarm(this.alarmAt);
    }
    if (await this.send([body])) {
      this.sql.exec("UPDATE events SET body = NULL, next_attempt_at = NULL WHERE event_id = ?", record.eventId);
    }
    return { accepted: true };
  }

  async alarm() {
    await this.load();
    this.alarmAt = null;
    const pending = this.sql.exec("SELECT event_id, body FROM events WHERE next_attempt_at IS NOT NULL LIMIT 50").toArray();
    if (pending.length && (await this.send(pending.map((p) => p.body)))) {
      for (const p of pending) this.sql.exec("UPDATE events SET body = NULL, next_attempt_at = NULL WHERE event_id = ?", p.event_id);
    }
    // As the platform does once nothing waits: the alarm goes to the conversation's expiry.
    this.alarmAt = Date.now() + (pending.length ? GRACE_MS : 3600_000);
    await this.ctx.storage.setAlarm(this.alarmAt);
  }
}

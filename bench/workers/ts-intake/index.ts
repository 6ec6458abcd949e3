// Baseline for the intake benchmark: the Front webhook receiver a team would otherwise
// write as a small TypeScript worker. It verifies the application-webhook signature
// (HMAC-SHA256 over "<ms timestamp>:<raw body>", ±5 minutes), maps the event and forwards
// it straight to the Inngest Event API. No dedupe, no outbox: if Inngest is down, the
// webhook fails and Front retries.

interface Env {
  FRONT_WEBHOOK_SECRET: string;
  INNGEST_EVENT_API_BASE: string;
  INNGEST_EVENT_KEY: string;
}

const NAMES: Record<string, string> = {
  inbound_received: "support/inbound.received",
  new_comment_added: "support/comment.received",
  conversation_snoozed: "support/conversation.snoozed",
  conversation_snooze_expired: "support/snooze.expired",
  outbound: "support/outbound.message",
  outbound_sent: "support/outbound.message",
};

const encoder = new TextEncoder();
let cachedKey: { secret: string; key: CryptoKey } | undefined;

async function hmacKey(secret: string): Promise<CryptoKey> {
  if (cachedKey?.secret !== secret) {
    const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    cachedKey = { secret, key };
  }
  return cachedKey.key;
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function base64ToBytes(b64: string): Uint8Array | null {
  try {
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/healthz") return json(200, { status: "ok" });
    if (request.method !== "POST" || url.pathname !== "/webhooks/front") return json(404, { error: "not found" });

    const raw = new Uint8Array(await request.arrayBuffer());
    const signature = request.headers.get("x-front-signature");
    const timestamp = request.headers.get("x-front-request-timestamp");
    if (!signature || !timestamp || !/^\d+$/.test(timestamp)) return json(401, { error: "invalid Front signature" });
    if (Math.abs(Date.now() - Number(timestamp)) > 300_000) return json(401, { error: "invalid Front signature" });
    const sig = base64ToBytes(signature);
    if (!sig) return json(401, { error: "invalid Front signature" });
    const signed = new Uint8Array([...encoder.encode(`${timestamp}:`), ...raw]);
    // crypto.subtle.verify compares in constant time.
    if (!(await crypto.subtle.verify("HMAC", await hmacKey(env.FRONT_WEBHOOK_SECRET), sig, signed))) {
      return json(401, { error: "invalid Front signature" });
    }
    if (request.headers.has("x-front-challenge")) return json(200, { challenge: request.headers.get("x-front-challenge") });

    let webhook: any;
    try {
      webhook = JSON.parse(new TextDecoder().decode(raw));
    } catch {
      return json(400, { error: "invalid JSON payload" });
    }
    const name = NAMES[webhook.type];
    if (!name) return json(200, { received: true, ignored: webhook.type });
    const payload = webhook.payload ?? {};
    const inboxes = payload.source?._meta?.type === "inboxes" ? payload.source.data : [];
    const event = {
      id: payload.id,
      name,
      v: "1",
      ts: Math.round((payload.emitted_at ?? Date.now() / 1000) * 1000),
      data: {
        version: 1,
        appId: "total-typescript",
        traceId: crypto.randomUUID().replaceAll("-", ""),
        conversationId: payload.conversation?.id,
        inboxId: inboxes[0]?.id ?? null,
        frontEventId: payload.id,
        messageId: payload.target?.data?.id,
        subject: payload.target?.data?.subject ?? payload.conversation?.subject ?? "",
        body: payload.target?.data?.text ?? "",
      },
    };
    const sent = await fetch(`${env.INNGEST_EVENT_API_BASE}/e/${env.INNGEST_EVENT_KEY}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([event]),
    });
    if (!sent.ok) return json(503, { error: "could not forward the event, retry later" });
    return json(200, { received: true, eventId: payload.id });
  },
};

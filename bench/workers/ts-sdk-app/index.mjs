// The comparison point for the Rust example app: the published TypeScript SDK's handler
// (@skillrecordings/sdk 0.5.0) serving the same contract route over the same D1 schema and
// seed data. Only `lookupUser` is implemented, with the same SQL the Rust app runs, so the
// two handlers do the same work per request: verify the signature, parse the body, one
// prepared D1 query, serialize the user.
//
// The SDK imports `crypto` (createHmac, timingSafeEqual) and uses `Buffer`, so the worker
// runs with the `nodejs_compat` flag. scripts/bench bundles this file with esbuild (as
// wrangler would) before workerd loads it.
import { createSupportHandler } from "@skillrecordings/sdk/handler";

const SUPPORT_PATH = "/api/support";

function d1Integration(db) {
  const unsupported = (method) => async () => {
    throw new Error(`${method} is not implemented by the benchmark app`);
  };
  return {
    async lookupUser(email) {
      const row = await db
        .prepare("SELECT id, email, name, created_at FROM users WHERE email = ?1")
        .bind(String(email).trim())
        .first();
      if (!row) return null;
      return { id: row.id, email: row.email, name: row.name, createdAt: new Date(row.created_at) };
    },
    getPurchases: unsupported("getPurchases"),
    revokeAccess: unsupported("revokeAccess"),
    transferPurchase: unsupported("transferPurchase"),
    generateMagicLink: unsupported("generateMagicLink"),
  };
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname === SUPPORT_PATH) {
      // Built per request, like the Rust app builds its SupportHandler per request.
      const handler = createSupportHandler({
        integration: d1Integration(env.DB),
        webhookSecret: env.SUPPORT_WEBHOOK_SECRET,
      });
      return handler(request);
    }
    if (pathname === "/healthz") {
      return Response.json({ status: "ok", service: "ts-sdk-app" });
    }
    return Response.json({ error: "not found" }, { status: 404 });
  },
};

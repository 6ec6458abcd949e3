// A product app written against the published TypeScript SDK (@skillrecordings/sdk),
// served by Node's http module. Used to prove our Rust client speaks its wire format.
import http from "node:http";
import { createSupportHandler } from "@skillrecordings/sdk/handler";

export const integration = {
  async lookupUser(email) {
    return email === "dana@example.com"
      ? { id: "usr_dana", email, name: "Dana Lee", createdAt: new Date("2024-01-15T10:30:00Z") }
      : null;
  },
  async getPurchases(userId) {
    return userId === "usr_dana"
      ? [{ id: "pur_1", productId: "prod_tt", productName: "Total TypeScript", purchasedAt: new Date("2024-02-01T09:00:00Z"),
           amount: 49900, currency: "usd", stripeChargeId: "ch_1", status: "active" }]
      : [];
  },
  async revokeAccess({ purchaseId, refundId }) {
    return purchaseId === "pur_1" ? { success: true } : { success: false, error: `purchase ${purchaseId} not found (${refundId})` };
  },
  async transferPurchase({ purchaseId }) {
    return { success: false, error: `purchase ${purchaseId} not found` };
  },
  async generateMagicLink({ email, expiresIn }) {
    return { url: `https://ts-app.example.com/magic?email=${encodeURIComponent(email)}&ttl=${expiresIn}` };
  },
  async getRefundPolicy() {
    return { autoApproveWindowDays: 30, manualApproveWindowDays: 45 };
  },
  async searchContent(request) {
    return { results: [{ id: "l1", type: "lesson", title: `About ${request.query}`, url: "https://ts-app.example.com/l1",
                         metadata: { difficulty: "beginner", custom: 1 } }] };
  },
};

/** Start the TypeScript handler on a free port; resolves to { url, close }. */
export function startTsApp(secret) {
  const handler = createSupportHandler({ integration, webhookSecret: secret });
  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const hasBody = !["GET", "HEAD"].includes(req.method);
    const request = new Request(`http://127.0.0.1${req.url}`, {
      method: req.method,
      headers: req.headers,
      body: hasBody ? Buffer.concat(chunks) : undefined,
    });
    const response = await handler(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      resolve({ url: `http://127.0.0.1:${port}/api/support`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

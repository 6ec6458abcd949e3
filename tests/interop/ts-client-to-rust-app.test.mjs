// The published TypeScript client calls our Rust reference app running in workerd,
// and the TypeScript SDK's own zod schemas accept every answer.
import { test } from "node:test";
import assert from "node:assert/strict";
import { IntegrationClient } from "@skillrecordings/sdk/client";
import {
  AppInfoSchema, ContentAccessSchema, CouponInfoSchema, LicenseInfoSchema, ProductStatusSchema,
  PromotionSchema, RefundPolicySchema, UserActivitySchema,
} from "@skillrecordings/sdk/types";

const BASE = process.env.EXAMPLE_APP_URL;
const SECRET = process.env.EXAMPLE_APP_SECRET;
assert.ok(BASE && SECRET, "EXAMPLE_APP_URL and EXAMPLE_APP_SECRET must be set (run through scripts/test)");

const client = new IntegrationClient({ baseUrl: `${BASE}/api/support`, webhookSecret: SECRET });

test("required read methods", async () => {
  const user = await client.lookupUser("dana@example.com");
  assert.equal(user.id, "usr_dana");
  assert.equal(user.createdAt, "2024-01-15T10:30:00.000Z");
  assert.equal(await client.lookupUser("nobody@example.com"), null);
  const purchases = await client.getPurchases("usr_dana");
  const tt = purchases.find((p) => p.id === "pur_dana_tt");
  assert.equal(tt.status, "active");
  assert.equal(tt.amount, 49900);
});

test("optional methods validate against the TypeScript SDK schemas", async () => {
  ProductStatusSchema.parse(await client.getProductStatus("prod_ws"));
  for (const promo of await client.getActivePromotions()) PromotionSchema.parse(promo);
  CouponInfoSchema.parse(await client.getCouponInfo("STUDENT50"));
  RefundPolicySchema.parse(await client.getRefundPolicy());
  ContentAccessSchema.parse(await client.getContentAccess("usr_team_admin"));
  UserActivitySchema.parse(await client.getRecentActivity("usr_dana"));
  LicenseInfoSchema.parse(await client.getLicenseInfo("pur_acme_team"));
  AppInfoSchema.parse(await client.getAppInfo());
  const seats = await client.getClaimedSeats("bulk_acme");
  assert.equal(seats.length, 2);
  const subs = await client.getSubscriptions("usr_sam");
  assert.equal(subs[0].id, "sub_sam_pro");
  const search = await client.searchContent({ query: "satisfies operator", types: ["article"], limit: 1 });
  assert.equal(search.results[0].id, "art_satisfies");
});

test("mutations", async () => {
  const link = await client.generateMagicLink({ email: "lead@acme.test", expiresIn: 600 });
  assert.match(link.url, /\/auth\/magic\?token=[0-9a-f]{48}$/);
  assert.deepEqual(await client.updateName({ userId: "usr_team_admin", newName: "Morgan L." }), { success: true });
  assert.equal((await client.lookupUser("lead@acme.test")).name, "Morgan L.");
});

test("errors surface the app's message", async () => {
  const wrong = new IntegrationClient({ baseUrl: `${BASE}/api/support`, webhookSecret: "wrong" });
  await assert.rejects(wrong.lookupUser("dana@example.com"), /Invalid signature/);
  await assert.rejects(client.generateMagicLink({ email: "ghost@example.com", expiresIn: 60 }), /no user with email/);
});

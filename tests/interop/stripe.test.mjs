// The published stripe package against the devkit's Stripe stand-in, on a connected
// account as the platform calls it: listing charges, a refund with an idempotency key,
// its replay, a key reused with other parameters, a missing resource and a wrong key,
// each answered and raised as Stripe's own client expects.
import { test } from "node:test";
import assert from "node:assert/strict";
import Stripe from "stripe";

const DEVKIT = process.env.DEVKIT_URL;
const KEY = process.env.STRIPE_SECRET_KEY;
assert.ok(DEVKIT && KEY, "DEVKIT_URL and STRIPE_SECRET_KEY must be set (run through scripts/test)");
const ACCOUNT = "acct_dev_tt";
const devkit = new URL(DEVKIT);

// The stand-in serves Stripe's paths under /stripe: the client's requests are sent there.
const httpClient = Stripe.createFetchHttpClient((url, init) =>
  fetch(String(url).replace(/^(https?:\/\/[^/]+)\/v1\//, "$1/stripe/v1/"), init));
const make = (key) =>
  new Stripe(key, {
    host: devkit.hostname, port: Number(devkit.port), protocol: devkit.protocol.replace(":", ""),
    httpClient, maxNetworkRetries: 0, telemetry: false,
  });
const stripe = make(KEY);

/// A charge of the connected account with money left to refund (seeded by the devkit).
async function refundableCharge() {
  const state = await (await fetch(`${DEVKIT}/_devkit/stripe/state`)).json();
  const account = state.accounts?.[ACCOUNT];
  const charges = (account?.charges ?? []).filter((c) => !c.disputed && c.amount - c.amount_refunded >= 2);
  charges.sort((a, b) => (b.amount - b.amount_refunded) - (a.amount - a.amount_refunded));
  assert.ok(charges.length, "a seeded charge with money left to refund");
  return charges[0];
}

test("charges of a customer are listed on the connected account, newest first", async () => {
  const charge = await refundableCharge();
  const list = await stripe.charges.list({ customer: charge.customer, limit: 3 }, { stripeAccount: ACCOUNT });
  assert.equal(list.object, "list");
  assert.ok(list.data.some((c) => c.id === charge.id));
  const created = list.data.map((c) => c.created);
  assert.deepEqual(created, [...created].sort((a, b) => b - a));
});

test("a refund with an idempotency key is made once and replayed; other parameters are refused", async () => {
  const charge = await refundableCharge();
  const key = `interop-refund-${process.pid}-${Date.now()}`;
  const params = { charge: charge.id, amount: 1, reason: "requested_by_customer", metadata: { interop: "1" } };
  const refund = await stripe.refunds.create(params, { stripeAccount: ACCOUNT, idempotencyKey: key });
  assert.equal(refund.object, "refund");
  assert.match(refund.id, /^re_/);
  assert.equal(refund.amount, 1);
  assert.equal(refund.status, "succeeded");
  assert.equal(refund.metadata.interop, "1");

  const again = await stripe.refunds.create(params, { stripeAccount: ACCOUNT, idempotencyKey: key });
  assert.equal(again.id, refund.id, "the same refund, not a second one");
  // The fetch client hands the headers over as a Headers object.
  assert.equal(again.lastResponse.headers.get("idempotent-replayed"), "true");
  assert.match(again.lastResponse.headers.get("original-request"), /^req_/);

  await assert.rejects(
    stripe.refunds.create({ ...params, amount: 2 }, { stripeAccount: ACCOUNT, idempotencyKey: key }),
    (e) => e instanceof Stripe.errors.StripeIdempotencyError && e.statusCode === 400,
  );
  const refunds = await stripe.refunds.list({ charge: charge.id, limit: 100 }, { stripeAccount: ACCOUNT });
  assert.equal(refunds.data.filter((r) => r.metadata?.interop === "1" && r.id === refund.id).length, 1);
});

test("a missing resource and a wrong key are Stripe's own errors", async () => {
  await assert.rejects(
    stripe.refunds.retrieve("re_does_not_exist", {}, { stripeAccount: ACCOUNT }),
    (e) => e instanceof Stripe.errors.StripeInvalidRequestError && e.statusCode === 404 && e.code === "resource_missing",
  );
  await assert.rejects(
    make("sk_test_wrong").charges.list({ limit: 1 }, { stripeAccount: ACCOUNT }),
    (e) => e instanceof Stripe.errors.StripeAuthenticationError && e.statusCode === 401,
  );
});

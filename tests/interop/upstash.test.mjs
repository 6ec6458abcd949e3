// The published @upstash/vector client against the devkit's Upstash Vector stand-in:
// hybrid retrieval in every mode and fusion, filters, namespaces, fetch, range, update,
// delete, info, the read-only token, and errors surfacing as UpstashError.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Index, QueryMode, FusionAlgorithm, WeightingStrategy } from "@upstash/vector";

const URL = process.env.UPSTASH_VECTOR_REST_URL;
const TOKEN = process.env.UPSTASH_VECTOR_REST_TOKEN;
const READONLY = process.env.UPSTASH_VECTOR_REST_READONLY_TOKEN;
assert.ok(
  URL && TOKEN && READONLY,
  "UPSTASH_VECTOR_REST_URL, UPSTASH_VECTOR_REST_TOKEN and UPSTASH_VECTOR_REST_READONLY_TOKEN must be set (run through scripts/test)",
);
// The devkit's control API sits beside the stand-in's base path.
const DEVKIT = URL.replace(/\/upstash\/?$/, "");

const index = new Index({ url: URL, token: TOKEN, enableTelemetry: false });
const readonly = new Index({ url: URL, token: READONLY, enableTelemetry: false });
// Namespaces of their own, so that nothing else using the devkit is disturbed.
const name = `interop-${process.pid}-${Date.now()}`;
const other = `${name}-other`;
const ns = index.namespace(name);

const corpus = [
  { id: "faq-refund", data: "Refund policy: you can request a full refund within 30 days of purchase, no questions asked.",
    metadata: { type: "faq", product: "tt", tags: ["refund", "billing"], views: 120 } },
  { id: "faq-invoice", data: "Download an invoice or receipt for your purchase from the billing page.",
    metadata: { type: "faq", product: "tt", tags: ["billing"], views: 80 } },
  { id: "faq-login", data: "Magic link login: we email you a sign-in link, no password needed.",
    metadata: { type: "faq", product: "ai", tags: ["access"], views: 300 } },
  { id: "faq-transfer", data: "Transfer a license seat to a teammate's email address from the team dashboard.",
    metadata: { type: "faq", product: "ai", tags: ["team"], views: 15 } },
  { id: "faq-discount", data: "Student and regional discounts: parity pricing coupons are applied at checkout.",
    metadata: { type: "faq", product: "tt", tags: ["pricing"], views: 45 } },
  { id: "doc-generics", data: "Generics and the satisfies operator in TypeScript, explained with exercises.",
    metadata: { type: "article", product: "tt", tags: ["content"], views: 900 } },
  { id: "faq-cancel", data: "Cancel a subscription anytime; access continues until the end of the billing period.",
    metadata: { type: "faq", product: "ai", tags: ["billing", "subscription"], views: 60 } },
  { id: "faq-offline", data: "Download course videos for offline viewing with the desktop app.",
    metadata: { type: "faq", product: "tt", tags: ["content"], views: 33 } },
];

const ids = (results) => results.map((r) => r.id);

test("upsert data into a namespace", async () => {
  assert.equal(await ns.upsert(corpus), "Success");
  assert.equal(await index.upsert({ id: "faq-refund", data: "Another namespace's refund text" }, { namespace: other }), "Success");
  const info = await index.info();
  assert.deepEqual(info.namespaces[name], { vectorCount: 8, pendingVectorCount: 0 });
  assert.deepEqual(info.namespaces[other], { vectorCount: 1, pendingVectorCount: 0 });
  assert.ok(info.vectorCount >= 9);
  assert.equal(info.dimension, 1024);
  assert.equal(info.similarityFunction, "COSINE");
  assert.equal(info.denseIndex.dimension, 1024);
  assert.equal(info.sparseIndex.embeddingModel, "BM25");
  assert.ok((await index.listNamespaces()).includes(name));
});

test("hybrid query with RRF", async () => {
  const results = await ns.query({
    data: "refund policy", topK: 3, includeMetadata: true,
    queryMode: QueryMode.HYBRID, fusionAlgorithm: FusionAlgorithm.RRF,
  });
  assert.equal(results.length, 3);
  assert.equal(results[0].id, "faq-refund");
  // First on both sides: 1/(1 + 60) twice.
  assert.ok(Math.abs(results[0].score - 2 / 61) < 1e-9, String(results[0].score));
  assert.equal(results[0].metadata.product, "tt");
  assert.equal(results[0].data, undefined, "data only when asked for");
  const refunded = await ns.query({ data: "how do I get my money refunded", topK: 1 });
  assert.deepEqual(ids(refunded), ["faq-refund"]);
});

test("hybrid query with DBSF", async () => {
  const results = await ns.query({
    data: "download an invoice", topK: 3, includeData: true, fusionAlgorithm: FusionAlgorithm.DBSF,
  });
  assert.equal(results[0].id, "faq-invoice");
  assert.ok(results[0].score > 1 && results[0].score <= 2, String(results[0].score));
  assert.match(results[0].data, /^Download an invoice/);
});

test("dense and sparse query modes", async () => {
  const dense = await ns.query({ data: "refnud polcy", topK: 8, queryMode: QueryMode.DENSE });
  assert.equal(dense.length, 8);
  assert.equal(dense[0].id, "faq-refund", "n-grams catch the typos");
  assert.ok(dense[0].score > 0.5 && dense[0].score < 1);
  assert.deepEqual(await ns.query({ data: "refnud polcy", topK: 8, queryMode: QueryMode.SPARSE }), []);
  const sparse = await ns.query({ data: "Cancelled subscriptions", topK: 5, queryMode: QueryMode.SPARSE });
  assert.deepEqual(ids(sparse), ["faq-cancel"]);
  const idf = await ns.query({
    data: "download videos", topK: 5, queryMode: QueryMode.SPARSE, weightingStrategy: WeightingStrategy.IDF,
  });
  assert.deepEqual(ids(idf), ["faq-offline", "faq-invoice"]);
  const many = await index.queryMany(
    [{ data: "magic link login", topK: 1 }, { data: "student discount coupon", topK: 1 }],
    { namespace: name },
  );
  assert.deepEqual(many.map(ids), [["faq-login"], ["faq-discount"]]);
});

test("metadata filter", async () => {
  const results = await ns.query({
    data: "download", topK: 10, includeMetadata: true,
    filter: "product = 'tt' AND tags CONTAINS 'content'",
  });
  assert.deepEqual(ids(results), ["faq-offline", "doc-generics"]);
  assert.ok(results.every((r) => r.metadata.product === "tt"));
  const glob = await ns.query({ data: "billing", topK: 10, filter: "id GLOB 'x*' OR type GLOB 'art*'" });
  assert.deepEqual(ids(glob), ["doc-generics"]);
  await assert.rejects(ns.query({ data: "x", topK: 1, filter: "views >" }), {
    name: "UpstashError",
    message: "Invalid filter: expected a value but the filter ended at position 7",
  });
});

test("namespaces are isolated", async () => {
  const mine = await ns.query({ data: "refund", topK: 1, includeMetadata: true });
  assert.equal(mine[0].metadata.product, "tt");
  const theirs = await index.query({ data: "refund", topK: 10, includeData: true }, { namespace: other });
  assert.deepEqual(theirs.map((r) => r.data), ["Another namespace's refund text"]);
  assert.deepEqual(await index.namespace(`${name}-nowhere`).query({ data: "refund", topK: 3 }), []);
});

test("fetch by ids and by prefix", async () => {
  const fetched = await ns.fetch(["faq-login", "nope"], { includeData: true, includeMetadata: true });
  assert.equal(fetched.length, 2);
  assert.equal(fetched[0].id, "faq-login");
  assert.match(fetched[0].data, /Magic link/);
  assert.equal(fetched[0].metadata.views, 300);
  assert.equal(fetched[1], null);
  const prefixed = await ns.fetch({ prefix: "doc-" }, { includeVectors: true });
  assert.deepEqual(ids(prefixed), ["doc-generics"]);
  assert.equal(prefixed[0].vector.length, 1024);
  assert.equal(prefixed[0].sparseVector.indices.length, prefixed[0].sparseVector.values.length);
});

test("range pages through a prefix", async () => {
  const seen = [];
  let cursor = "0";
  do {
    const page = await ns.range({ cursor, limit: 3, prefix: "faq-", includeMetadata: true });
    seen.push(...ids(page.vectors));
    assert.ok(page.vectors.every((v) => v.metadata.type === "faq"));
    cursor = page.nextCursor;
  } while (cursor !== "");
  assert.deepEqual(seen, [
    "faq-cancel", "faq-discount", "faq-invoice", "faq-login", "faq-offline", "faq-refund", "faq-transfer",
  ]);
});

test("the read-only token reads but cannot write", async () => {
  const ro = readonly.namespace(name);
  assert.deepEqual(ids(await ro.query({ data: "magic link", topK: 1 })), ["faq-login"]);
  assert.equal((await ro.fetch(["faq-login"]))[0].id, "faq-login");
  await assert.rejects(ro.upsert({ id: "x", data: "y" }), { name: "UpstashError", message: /^Unauthorized/ });
  await assert.rejects(ro.delete("faq-login"), { name: "UpstashError", message: /^Unauthorized/ });
  const wrong = new Index({ url: URL, token: "wrong-token", enableTelemetry: false });
  await assert.rejects(wrong.info(), { name: "UpstashError", message: "Unauthorized: Invalid auth token" });

  const log = await (await fetch(`${DEVKIT}/_devkit/upstash/requests`)).json();
  const mine = log.filter((r) => r.namespace === name && r.command === "query-data");
  assert.ok(mine.some((r) => r.token === "readonly" && r.status === 200));
  assert.ok(mine.some((r) => r.token === "readwrite"));
  assert.ok(log.some((r) => r.namespace === name && r.command === "upsert-data" && r.token === "readonly" && r.status === 401));
});

test("update and delete", async () => {
  assert.deepEqual(
    await ns.update({ id: "faq-offline", metadata: { views: 34, tags: null }, metadataUpdateMode: "PATCH" }),
    { updated: 1 },
  );
  assert.deepEqual((await ns.fetch(["faq-offline"], { includeMetadata: true }))[0].metadata,
    { type: "faq", product: "tt", views: 34 });
  assert.deepEqual(await ns.delete("faq-login"), { deleted: 1 });
  assert.deepEqual(await ns.delete(["faq-transfer", "ghost"]), { deleted: 1 });
  assert.deepEqual(await ns.delete({ prefix: "doc-" }), { deleted: 1 });
  assert.deepEqual(await ns.delete({ filter: "tags CONTAINS 'billing'" }), { deleted: 3 });
  await assert.rejects(ns.delete({ ids: ["a"], prefix: "a" }), {
    message: "Only and only one of the ids, prefix, or filter must be provided.",
  });
  assert.deepEqual(ids((await ns.range({ cursor: 0, limit: 10 })).vectors), ["faq-discount", "faq-offline"]);
  assert.equal((await index.info()).namespaces[name].vectorCount, 2);
});

test("reset and delete namespaces", async () => {
  assert.equal(await ns.reset(), "Success");
  assert.equal((await index.info()).namespaces[name].vectorCount, 0);
  assert.equal(await index.deleteNamespace(name), "Success");
  assert.equal(await index.deleteNamespace(other), "Success");
  const names = await index.listNamespaces();
  assert.ok(!names.includes(name) && !names.includes(other) && names.includes(""));
  await assert.rejects(index.deleteNamespace(name), { message: /^Namespace interop-.* does not exist$/ });
});

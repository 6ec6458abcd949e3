// The published @planetscale/database driver against the devkit's PlanetScale stand-in
// (PlanetScale's HTTP API over a real MariaDB): queries with the driver's own escaping,
// a transaction committed and one rolled back, NULLs, 64-bit integers, dates, decimals,
// JSON, and the errors the driver raises for a duplicate key, bad SQL and a wrong
// password. Each run uses its own username, which the stand-in maps to a fresh database.
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect, DatabaseError } from "@planetscale/database";

const BASE = process.env.PLANETSCALE_URL;
const PASSWORD = process.env.PLANETSCALE_PASSWORD;
assert.ok(BASE && PASSWORD, "PLANETSCALE_URL and PLANETSCALE_PASSWORD must be set (run through scripts/test)");
const base = new URL(BASE);
const USERNAME = `interop_${process.pid}_${Date.now().toString(36)}`;

// The driver posts to /psdb.v1alpha1.Database/*; the stand-in serves those under
// /planetscale, so the driver's requests are sent there.
const viaStandIn = (url, init) => fetch(String(url).replace(/^(https?:\/\/[^/]+)\//, `$1${base.pathname}/`), init);
const open = (password = PASSWORD) =>
  connect({ url: `${base.protocol}//${USERNAME}:${encodeURIComponent(password)}@${base.host}`, fetch: viaStandIn });
const db = open();

test("a table is created, written with escaped arguments and read back typed", async () => {
  await db.execute(`CREATE TABLE notes (
    id BIGINT NOT NULL PRIMARY KEY,
    small INT NULL,
    body TEXT NULL,
    price DECIMAL(10, 2) NULL,
    at DATETIME(3) NULL,
    meta JSON NULL
  )`);
  const tricky = "it's \"quoted\" \\ back\\slashed; DROP TABLE notes; -- \u0000 é 🦀";
  const inserted = await db.execute(
    "INSERT INTO notes (id, small, body, price, at, meta) VALUES (?, ?, ?, ?, ?, ?)",
    [1, 42, tricky, "19.90", new Date(Date.UTC(2026, 11, 7, 10, 11, 12, 345)), JSON.stringify({ a: [1, "x"] })],
  );
  assert.equal(inserted.rowsAffected, 1);
  const { rows, types, headers } = await db.execute("SELECT * FROM notes WHERE body = ?", [tricky]);
  assert.deepEqual(headers, ["id", "small", "body", "price", "at", "meta"]);
  assert.equal(types.id, "INT64");
  assert.equal(types.small, "INT32");
  assert.equal(rows.length, 1);
  const row = rows[0];
  assert.equal(row.id, "1", "64-bit integers come back as strings");
  assert.equal(row.small, 42);
  assert.equal(row.body, tricky, "the driver's escaping round-trips through the stand-in");
  assert.equal(row.price, "19.90");
  assert.equal(row.at, "2026-12-07 10:11:12.345");
  // MariaDB keeps JSON as text (LONGTEXT), so the driver hands it over as a string.
  assert.deepEqual(JSON.parse(row.meta), { a: [1, "x"] });
});

test("NULLs and integers beyond 2^53 survive exactly", async () => {
  await db.execute("CREATE TABLE big (id BIGINT NOT NULL PRIMARY KEY, label VARCHAR(20) NULL)");
  await db.execute("INSERT INTO big (id, label) VALUES (?, ?), (?, ?)", [9007199254740993n, null, -9223372036854775808n, "min"]);
  const { rows } = await db.execute("SELECT id, label FROM big ORDER BY id");
  assert.deepEqual(rows, [
    { id: "-9223372036854775808", label: "min" },
    { id: "9007199254740993", label: null },
  ]);
  const { rows: arrays } = await db.execute("SELECT NULL AS nothing, 1 + 1 AS two", null, { as: "array" });
  assert.deepEqual(arrays, [[null, 2]]);
});

test("a transaction commits on one session, and a failing one rolls back", async () => {
  await db.execute("CREATE TABLE ledger (k VARCHAR(40) NOT NULL PRIMARY KEY, n INT NOT NULL)");
  const result = await db.transaction(async (tx) => {
    await tx.execute("INSERT INTO ledger (k, n) VALUES (?, ?)", ["a", 1]);
    // Inside the transaction its own write is visible...
    const inside = await tx.execute("SELECT n FROM ledger WHERE k = ?", ["a"]);
    assert.equal(inside.rows.length, 1);
    await tx.execute("UPDATE ledger SET n = n + 1 WHERE k = ?", ["a"]);
    return "done";
  });
  assert.equal(result, "done");
  assert.deepEqual((await db.execute("SELECT n FROM ledger WHERE k = 'a'")).rows, [{ n: 2 }]);

  await assert.rejects(
    db.transaction(async (tx) => {
      await tx.execute("INSERT INTO ledger (k, n) VALUES (?, ?)", ["b", 1]);
      // ...but not to another connection until it commits.
      const outside = await db.execute("SELECT n FROM ledger WHERE k = 'b'");
      assert.equal(outside.rows.length, 0);
      throw new Error("changed my mind");
    }),
    /changed my mind/,
  );
  assert.deepEqual((await db.execute("SELECT k FROM ledger ORDER BY k")).rows, [{ k: "a" }]);
});

test("a duplicate key and bad SQL raise DatabaseError with Vitess-style messages", async () => {
  await db.execute("CREATE TABLE once (id VARCHAR(10) NOT NULL PRIMARY KEY)");
  await db.execute("INSERT INTO once (id) VALUES ('x')");
  await assert.rejects(db.execute("INSERT INTO once (id) VALUES ('x')"), (err) => {
    assert.ok(err instanceof DatabaseError);
    assert.equal(err.status, 400, "an error in a 200 answer is raised with status 400 by the driver");
    assert.equal(err.body.code, "ALREADY_EXISTS");
    assert.match(err.message, /Duplicate entry 'x'.*\(errno 1062\) \(sqlstate 23000\)/);
    return true;
  });
  await assert.rejects(db.execute("SELEC 1"), (err) => {
    assert.ok(err instanceof DatabaseError);
    assert.equal(err.body.code, "INVALID_ARGUMENT");
    assert.match(err.message, /errno 1064/);
    return true;
  });
});

test("a wrong password is refused with 401 before any SQL runs", async () => {
  await assert.rejects(open("not-the-password").execute("SELECT 1"), (err) => {
    assert.ok(err instanceof DatabaseError);
    assert.equal(err.status, 401);
    assert.equal(err.body.code, "unauthenticated");
    return true;
  });
});

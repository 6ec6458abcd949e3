// Loads the benchmark's workers into one workerd process through Miniflare (the library
// wrangler runs on), without wrangler dev and without its Node proxy.
//
// Every worker gets its own workerd socket (Miniflare's `unsafeDirectSockets`): workerd
// accepts the connection and hands the request straight to that worker. Miniflare's usual
// entry socket (the `ready` URL) has Miniflare's router worker in front, still inside
// workerd; targets can pick it with socket: "entry" for comparison. Node only starts
// and stops workerd; `socketOwner` checks from /proc which process listens on each URL.
import { spawnSync } from "node:child_process";
import { builtinModules } from "node:module";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";

import { Miniflare } from "miniflare";

export { cpuMillis } from "./proc.mjs";

const HOST = "127.0.0.1";

/** Runs `argv` from `root`, streaming its output; throws when it fails. */
function run(argv, { root, env, label }) {
  const res = spawnSync(argv[0], argv.slice(1), {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (res.error) throw new Error(`${label}: ${res.error.message}`);
  if (res.status !== 0) throw new Error(`${label} failed (exit ${res.status ?? res.signal})`);
}

/** Bundles a worker with esbuild (npm imports inlined, node built-ins left to nodejs_compat). */
async function bundle(root, name, script, outDir) {
  const esbuild = await import("esbuild");
  const outfile = path.join(outDir, "build", name, "index.mjs");
  const builtins = builtinModules.flatMap((m) => [m, `node:${m}`]);
  await esbuild.build({
    entryPoints: [path.join(root, script)],
    outfile,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "import"],
    mainFields: ["module", "main"],
    external: ["cloudflare:*", ...builtins],
    logLevel: "warning",
  });
  return outfile;
}

/** Applies a database's migrations to a fresh local D1 under `persistTo` (wrangler's layout). */
function applyMigrations(root, key, db, persistTo, outDir) {
  const id = databaseId(key);
  const dir = path.join(outDir, "d1-config", key);
  fs.mkdirSync(dir, { recursive: true });
  // Seed files (`seeds`, e.g. fixtures that are never migrations) are applied after the
  // migrations: both are copied into a generated migrations directory, seeds numbered last.
  let migrationsDir = path.join(root, db.migrations);
  if (db.seeds?.length) {
    migrationsDir = path.join(dir, "migrations");
    fs.rmSync(migrationsDir, { recursive: true, force: true });
    fs.mkdirSync(migrationsDir, { recursive: true });
    for (const f of fs.readdirSync(path.join(root, db.migrations)).filter((f) => f.endsWith(".sql"))) {
      fs.copyFileSync(path.join(root, db.migrations, f), path.join(migrationsDir, f));
    }
    db.seeds.forEach((seed, i) => {
      fs.copyFileSync(path.resolve(root, seed), path.join(migrationsDir, `9${String(i).padStart(3, "0")}_bench_seed_${path.basename(seed)}`));
    });
  }
  const config = path.join(dir, "wrangler.json");
  fs.writeFileSync(
    config,
    JSON.stringify(
      {
        name: `bench-d1-${key}`,
        compatibility_date: "2026-04-01",
        d1_databases: [
          { binding: "DB", database_name: key, database_id: id, migrations_dir: migrationsDir },
        ],
      },
      null,
      2,
    ),
  );
  const wrangler = path.join(root, "node_modules", ".bin", "wrangler");
  const res = spawnSync(
    wrangler,
    ["d1", "migrations", "apply", key, "--local", "--config", config, "--persist-to", persistTo],
    { cwd: dir, env: { ...process.env, CI: "true" }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 180_000 },
  );
  if (res.status !== 0) {
    process.stderr.write(`${res.stdout}\n${res.stderr}\n`);
    throw new Error(`applying ${db.migrations} to the local D1 database ${key} failed`);
  }
  const applied = [...new Set((res.stdout.match(/[\w.-]+\.sql/g) ?? []))];
  return applied;
}

const databaseId = (key) => `bench-${key}`;

/**
 * Prepares and starts the workers the selected targets need, in one workerd.
 * Returns { mf, urls: Map(target name -> URL), workerdPids, databases, log }.
 */
export async function startRuntime({ root, outDir, workers, databases, targets, log, urlOf, inspectorPort }) {
  const workerNames = [...new Set(targets.map((t) => t.worker))];
  for (const name of workerNames) {
    if (!workers[name]) throw new Error(`target uses unknown worker "${name}" (bench/targets.mjs)`);
  }
  const entryWorkers = [...new Set(targets.filter((t) => t.socket === "entry").map((t) => t.worker))];
  if (entryWorkers.length > 1) {
    throw new Error(`only one worker can sit behind the entry socket, got ${entryWorkers.join(", ")}`);
  }
  // Miniflare's entry socket routes to the first worker.
  workerNames.sort((a, b) => (b === entryWorkers[0]) - (a === entryWorkers[0]));

  // 1. Build and bundle.
  const scripts = {};
  for (const name of workerNames) {
    const w = workers[name];
    if (w.build && process.env.BENCH_BUILD === "0") {
      // Others may be mid-change in the worker's sources: load what was last built as it is.
      log(`not building ${name} (BENCH_BUILD=0): loading ${w.script} as last built`);
    } else if (w.build) {
      log(`building ${name}: ${w.build.join(" ")}`);
      run(w.build, { root, label: `building ${name}`, env: { BUILD_WORKER_IF_STALE: process.env.BUILD_WORKER_IF_STALE ?? "1" } });
    }
    if (w.bundle) {
      log(`bundling ${name} (${w.script}) with esbuild`);
      scripts[name] = await bundle(root, name, w.script, outDir);
    } else {
      scripts[name] = path.resolve(root, w.script);
    }
    if (!fs.existsSync(scripts[name])) throw new Error(`${name}: ${scripts[name]} does not exist`);
  }

  // 2. Fresh local D1 databases with migrations (and seed data) applied. Local D1 fsyncs
  // even for read-only queries, so on a shared disk other people's I/O would stall the D1
  // targets; scripts/bench points BENCH_STATE_DIR at a tmpfs (/dev/shm) when there is one.
  const persistTo = process.env.BENCH_STATE_DIR
    ? path.join(path.resolve(process.env.BENCH_STATE_DIR), "d1")
    : path.join(outDir, "state");
  fs.rmSync(persistTo, { recursive: true, force: true });
  fs.mkdirSync(persistTo, { recursive: true });
  const dbKeys = [...new Set(workerNames.flatMap((n) => Object.values(workers[n].d1 ?? {})))];
  const migrated = {};
  for (const key of dbKeys) {
    const db = databases[key];
    if (!db) throw new Error(`unknown database "${key}" (bench/targets.mjs)`);
    log(`applying ${db.migrations} to a fresh local D1 database "${key}"`);
    migrated[key] = applyMigrations(root, key, db, persistTo, outDir);
    log(`  applied: ${migrated[key].join(" ") || "(none)"}`);
  }

  // 3. One workerd for all workers; each worker on its own direct socket.
  const workerdLog = fs.createWriteStream(path.join(outDir, "logs", "workerd.log"));
  const mf = new Miniflare({
    host: HOST,
    port: 0,
    cf: false, // no Request.cf download; Miniflare's built-in placeholder
    // BENCH_PROFILE: V8's inspector for every worker (bench/lib/profile.mjs).
    ...(inspectorPort ? { inspectorPort } : {}),
    logRequests: false, // the entry worker would otherwise log every request (to Node)
    d1Persist: path.join(persistTo, "v3", "d1"),
    // Durable Objects' SQLite files beside D1's (tmpfs under scripts/bench), not in
    // Miniflare's default temporary directory on disk.
    durableObjectsPersist: path.join(persistTo, "v3", "do"),
    handleRuntimeStdio(stdout, stderr) {
      stdout.pipe(workerdLog);
      stderr.pipe(workerdLog);
    },
    workers: workerNames.map((name) => {
      const w = workers[name];
      const script = scripts[name];
      return {
        name,
        modules: true,
        scriptPath: script,
        modulesRoot: w.bundle || !w.modulesRoot ? path.dirname(script) : path.resolve(root, w.modulesRoot),
        // Every .js here is an ES module (worker-build writes "type": "module").
        modulesRules: [
          { type: "ESModule", include: ["**/*.mjs", "**/*.js"] },
          { type: "CompiledWasm", include: ["**/*.wasm"] },
        ],
        compatibilityDate: w.compatibilityDate,
        compatibilityFlags: w.compatibilityFlags ?? [],
        bindings: typeof w.bindings === "function" ? w.bindings({ urlOf }) : w.bindings ?? {},
        d1Databases: Object.fromEntries(Object.entries(w.d1 ?? {}).map(([b, key]) => [b, databaseId(key)])),
        unsafeDirectSockets: [{ host: HOST, port: 0 }],
        ...(w.miniflare ?? {}),
      };
    }),
  });
  let entry;
  try {
    entry = await mf.ready;
  } catch (e) {
    await mf.dispose().catch(() => {});
    throw new Error(`workerd did not start (${e.message}); see .tmp/bench/logs/workerd.log`);
  }

  const urls = new Map();
  for (const t of targets) {
    const base = t.socket === "entry" ? entry : await mf.unsafeGetDirectURL(t.worker);
    urls.set(t.name, new URL(t.request.path, base).href);
  }
  const workerdPids = childPids(process.pid).filter((pid) => commOf(pid) === "workerd");
  return { mf, urls, workerdPids, migrated, persistTo };
}

/** A TCP port on 127.0.0.1 that is free right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// --- which process serves a URL -----------------------------------------------------------

function childPids(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
    return text ? text.split(/\s+/).map(Number) : [];
  } catch {
    return [];
  }
}

export function commOf(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return undefined;
  }
}

/** Inodes of TCP sockets listening on 127.0.0.1:port. */
function listeningInodes(port) {
  const inodes = new Set();
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const localPort = parseInt(f[1].split(":")[1], 16);
      if (localPort === port && f[3] === "0A") inodes.add(f[9]);
    }
  }
  return inodes;
}

/**
 * The process (among `candidates`) holding the listening socket of `url`:
 * { pid, comm } or undefined. Looks the socket's inode up in /proc.
 */
export function socketOwner(url, candidates) {
  const port = Number(new URL(url).port);
  const inodes = listeningInodes(port);
  for (const pid of candidates) {
    let fds;
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link;
      try {
        link = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m && inodes.has(m[1])) return { pid, comm: commOf(pid) };
    }
  }
  return undefined;
}

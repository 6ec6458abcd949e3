// SQL on the platform's local D1 for the node test suites (tests/interop, tests/browser),
// as an operator runs it through wrangler; scripts/test exports where it is.
import { execFileSync } from "node:child_process";

/// `sql` on the platform's local D1 (retried while the running worker holds SQLite's
/// lock); the rows of a SELECT.
export function d1(sql) {
  for (let attempt = 0; ; attempt++) {
    try {
      const out = execFileSync(
        process.env.WRANGLER,
        ["d1", "execute", "support-platform", "--local", "--json", "--config", process.env.PLATFORM_CONFIG,
          "--persist-to", process.env.PLATFORM_STATE_DIR, "--command", sql],
        { env: { ...process.env, CI: "true" }, stdio: ["ignore", "pipe", "pipe"] },
      );
      return JSON.parse(out.toString())[0].results;
    } catch (e) {
      const stderr = String(e.stderr ?? "");
      const busy = /SQLITE_BUSY|database is locked/.test(stderr);
      // wrangler sometimes exits non-zero with nothing on stderr while the worker writes
      // to the same file: tried again a few times, like a lock.
      const silent = stderr.trim() === "" && attempt < 3;
      if ((!busy && !silent) || attempt > 20) {
        throw new Error(`wrangler d1 execute failed (exit ${e.status ?? "?"}): ${stderr || e.stdout || e}`);
      }
    }
  }
}

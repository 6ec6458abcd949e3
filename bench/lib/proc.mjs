// Reading a process's CPU time from /proc, shared by the runner (runtime.mjs, http.mjs) and
// the open-loop generator (openloop.mjs), which samples workerd itself at the edges of its
// measured window and must not load Miniflare to do so.
import { spawnSync } from "node:child_process";
import fs from "node:fs";

const CLK_TCK = (() => {
  const res = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
  return Number(res.stdout?.trim()) || 100;
})();

/** CPU time (user + system, all threads) a process has used so far, in milliseconds. */
export function cpuMillis(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[11] = utime, fields[12] = stime (stat fields 14 and 15), in clock ticks.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return NaN;
  }
}

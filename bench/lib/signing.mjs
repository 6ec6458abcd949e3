#!/usr/bin/env node
// Reads what `cargo bench -p support-signing --bench verify` just measured (criterion's
// <target>/criterion/<group>/<size>/new/estimates.json) and writes the ratio
// sdk_verify / bare_hmac per body size.
//
//   node bench/lib/signing.mjs CRITERION_DIR SINCE_EPOCH_SECS OUT.json
//
// SINCE_EPOCH_SECS guards against stale files: every estimate must be newer than that.
// Criterion prints the slope estimate ("time: [low est high]") when it sampled linearly
// and the mean otherwise; this takes the same figure (and records the mean and median).
import fs from "node:fs";
import path from "node:path";

const [criterionDir, since, outFile] = process.argv.slice(2);
if (!criterionDir || !since || !outFile) {
  console.error("usage: signing.mjs CRITERION_DIR SINCE_EPOCH_SECS OUT.json");
  process.exit(2);
}

const SIZES = ["1KiB", "64KiB"];
const GROUPS = { sdk: "sdk_verify", bare: "bare_hmac" };

function estimate(group, size) {
  const file = path.join(criterionDir, group, size, "new", "estimates.json");
  let stat;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new Error(`${file} is missing: did the criterion bench run?`);
  }
  if (stat.mtimeMs / 1000 < Number(since) - 1) {
    throw new Error(`${file} is older than this run (stale criterion output)`);
  }
  const e = JSON.parse(fs.readFileSync(file, "utf8"));
  const pick = (k) => e[k] && { ns: e[k].point_estimate, ci95_ns: [e[k].confidence_interval.lower_bound, e[k].confidence_interval.upper_bound] };
  const typical = e.slope ? "slope" : "mean";
  return { ns: e[typical].point_estimate, estimate: typical, mean: pick("mean"), median: pick("median"), slope: pick("slope") };
}

try {
  const sizes = SIZES.map((size) => {
    const sdk = estimate(GROUPS.sdk, size);
    const bare = estimate(GROUPS.bare, size);
    return {
      size,
      sdk_verify_ns: sdk.ns,
      bare_hmac_ns: bare.ns,
      ratio: sdk.ns / bare.ns,
      overhead_ns: sdk.ns - bare.ns,
      sdk_verify: sdk,
      bare_hmac: bare,
    };
  });
  const out = {
    command: "cargo bench -p support-signing --bench verify",
    what: "sdk::verify (header parsing, hex decoding, timestamp check, constant-time compare, one HMAC) vs the bare HMAC-SHA256 over the same bytes",
    sizes,
  };
  fs.writeFileSync(outFile, JSON.stringify(out, null, 2) + "\n");
} catch (e) {
  console.error(`[bench] error: ${e.message}`);
  process.exit(1);
}

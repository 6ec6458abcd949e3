#!/usr/bin/env bash
# Knowledge ingestion throughput: `skill knowledge ingest` of the example app's corpus,
# copied COPIES times (so a run sends several hundred chunks), into a fresh namespace of
# the devkit's Upstash stand-in, ROUNDS times; then a re-ingest of the same files (the
# incremental path: one `range` read, nothing sent). Prints chunks per second per round
# and the median, and writes $BENCH_OUT_DIR/knowledge.json.
#
# What it measures: the CLI's chunking, hashing, planning and batching plus the
# stand-in's embedding (BM25 and hashed n-grams) over local HTTP. A hosted index embeds
# with a model and answers over the internet, so its throughput is lower and bounded by
# its plan's limits; this figure is the floor our side adds.
#
#   bench/knowledge.sh                      (scripts/bench runs it; BENCH_SKIP_KNOWLEDGE=1 skips)
#   KNOWLEDGE_COPIES=20 KNOWLEDGE_ROUNDS=5 bench/knowledge.sh
set -euo pipefail

LOG_PREFIX="bench"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../scripts/lib/common.sh
source "$ROOT/scripts/lib/common.sh"
cd "$ROOT"

OUT_DIR="${BENCH_OUT_DIR:-$ROOT/.tmp/bench}"
COPIES="${KNOWLEDGE_COPIES:-10}"
ROUNDS="${KNOWLEDGE_ROUNDS:-3}"
PORT="${KNOWLEDGE_DEVKIT_PORT:-8392}"
mkdir -p "$OUT_DIR/logs"

cargo build -q --release -p support-cli --bin skill -p support-devkit --bin devkit
target="$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')"
SKILL="$target/release/skill"
DEVKIT="$target/release/devkit"

corpus="$(mktemp -d "${TMPDIR:-/tmp}/knowledge-bench.XXXXXX")"
"$DEVKIT" --addr "127.0.0.1:$PORT" >"$OUT_DIR/logs/knowledge-devkit.log" 2>&1 &
devkit_pid=$!
trap 'kill "$devkit_pid" 2>/dev/null || true; rm -rf "$corpus"' EXIT
for i in $(seq 1 "$COPIES"); do
    mkdir -p "$corpus/copy-$i"
    cp -r "$ROOT/fixtures/knowledge/app_dev_tt/." "$corpus/copy-$i/"
done
for _ in $(seq 1 50); do
    curl -fsS "http://127.0.0.1:$PORT/_devkit/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done

export UPSTASH_VECTOR_REST_URL="http://127.0.0.1:$PORT/upstash" UPSTASH_VECTOR_REST_TOKEN="bench-token"
rates=()
for round in $(seq 1 "$ROUNDS"); do
    summary="$("$SKILL" knowledge ingest "$corpus" --app "bench-$round" 2>&1 | tail -n 1)"
    rate="$(sed -nE 's/.*\(([0-9.]+) chunks\/s\).*/\1/p' <<<"$summary")"
    [[ -n "$rate" ]] || die "no rate in: $summary"
    log "round $round: $summary"
    rates+=("$rate")
done
t0=$(date +%s%N)
again="$("$SKILL" knowledge ingest "$corpus" --app bench-1 2>&1 | tail -n 1)"
reingest_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
log "re-ingest without changes: $again (${reingest_ms} ms wall, the process included)"
median="$(printf '%s\n' "${rates[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
chunks="$(sed -nE 's/^([0-9]+) chunks:.*/\1/p' <<<"$again")"
printf '{"chunks": %s, "rounds": [%s], "medianChunksPerSecond": %s, "reingestUnchangedMs": %s}\n' \
    "${chunks:-0}" "$(IFS=,; echo "${rates[*]}")" "$median" "$reingest_ms" >"$OUT_DIR/knowledge.json"
log "knowledge ingest: ${chunks:-?} chunks, median ${median} chunks/s over $ROUNDS rounds; unchanged re-ingest ${reingest_ms} ms"

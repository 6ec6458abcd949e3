# shellcheck shell=bash
# Running workers under `wrangler dev` (real workerd, local mode, offline) for tests and dev.
#
#   source scripts/lib/workers.sh
#   trap stop_wranglers EXIT
#   apply_d1_migrations wrangler.toml support-platform "$state/platform"
#   start_wrangler platform wrangler.toml 8787 "$logs/platform.log" --persist-to "$state/platform"
#   ...
#   stop_wranglers
#
# Each wrangler runs in its own process group (wrangler, its esbuild and workerd), so
# stop_wranglers ends all of it and leaves no workerd behind.
#
# Knobs:
#   WRANGLER_READY_TIMEOUT  seconds to wait for a worker to answer (default 120)
#   WRANGLER_READY_PATH     path polled for readiness (default /healthz)
#   WRANGLER_LOG_LEVEL      wrangler's --log-level (default log)

if [[ -n "${__SUPPORT_WORKERS_SH:-}" ]]; then return 0; fi
__SUPPORT_WORKERS_SH=1

# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

WRANGLER="$ROOT/node_modules/.bin/wrangler"

# Keep wrangler off the network and non-interactive:
# - miniflare fetches the `Request.cf` object from the internet at start-up (3 s timeout,
#   then a warning) unless CLOUDFLARE_CF_FETCH_ENABLED=false; it then uses a built-in
#   placeholder `cf` object (CLOUDFLARE_CF_FETCH_PATH=file.json would load one instead).
# - WRANGLER_SEND_METRICS=false: no usage metrics and no telemetry consent prompt.
# - WRANGLER_SEND_ERROR_REPORTS=false: no error reports and no "report this error?" prompt.
# - WRANGLER_HIDE_BANNER=true: the start-up banner is what runs wrangler's update check
#   (a registry query with up to a 3 s wait); without the banner there is no check.
export CLOUDFLARE_CF_FETCH_ENABLED=false
export WRANGLER_SEND_METRICS=false
export WRANGLER_SEND_ERROR_REPORTS=false
export WRANGLER_HIDE_BANNER=true

# Parallel arrays: one entry per started wrangler.
__WRANGLER_NAMES=()
__WRANGLER_PGIDS=()
__WRANGLER_LOGS=()
__RESERVED_PORTS=()

__port_reserved() {
    local p
    for p in "${__RESERVED_PORTS[@]}"; do [[ "$p" == "$1" ]] && return 0; done
    return 1
}

# A free port at or above START that no wrangler started here has claimed yet.
__claim_port() {
    local port="$1"
    while port_in_use "$port" || __port_reserved "$port"; do
        port=$((port + 1))
    done
    __RESERVED_PORTS+=("$port")
    echo "$port"
}

# start_wrangler NAME CONFIG PORT LOGFILE [extra wrangler dev args...]
# Starts `wrangler dev` for CONFIG in the background (local mode, 127.0.0.1:PORT, its own
# inspector port) and waits until the worker answers WRANGLER_READY_PATH. Wrangler runs
# from CONFIG's directory, so give absolute paths in the extra args. Add
# `--persist-to DIR` to keep state somewhere other than .wrangler/state next to CONFIG.
# The build command in CONFIG runs but skips the build when the output is fresh
# (scripts/build-worker), so build the worker first.
start_wrangler() {
    local name="$1" config="$2" port="$3" logfile="$4"
    shift 4
    [[ -f "$config" ]] || die "start_wrangler $name: no config at $config"
    [[ -x "$WRANGLER" ]] || die "wrangler is not installed (run ensure_toolchain)"
    if port_in_use "$port"; then
        die "port $port is already in use: stop whatever listens there or pick another port for $name"
    fi
    __RESERVED_PORTS+=("$port")
    local inspector
    inspector="$(__claim_port 9230)"
    mkdir -p "$(dirname "$logfile")"

    local t0 pid
    t0=$(now)
    log "starting $name on http://127.0.0.1:$port (wrangler dev, log: ${logfile#"$ROOT"/})"
    # setsid: a new process group (and session) led by wrangler itself; in a script
    # (no job control) the background child is not a group leader, so setsid does not fork.
    # --cwd: wrangler runs the [build] command from its working directory (not the
    # config's), so start it where the config lives, as a developer would.
    setsid "$WRANGLER" dev \
        --cwd "$(cd "$(dirname "$config")" && pwd)" \
        --config "$(readlink -f "$config")" \
        --local \
        --ip 127.0.0.1 \
        --port "$port" \
        --inspector-port "$inspector" \
        --show-interactive-dev-session=false \
        --log-level "${WRANGLER_LOG_LEVEL:-log}" \
        "$@" \
        </dev/null >"$logfile" 2>&1 &
    pid=$!

    # The child becomes its own group leader once setsid has run (a moment after the fork).
    local pgid="" i
    for i in $(seq 50); do
        pgid="$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ')" || true
        [[ "$pgid" == "$pid" || -z "$pgid" ]] && break
        sleep 0.02
    done
    [[ "$pgid" == "$pid" || -z "$pgid" ]] || warn "$name: wrangler is not its own process group leader (pgid $pgid)"
    __WRANGLER_NAMES+=("$name")
    __WRANGLER_PGIDS+=("$pid")
    __WRANGLER_LOGS+=("$logfile")

    local url="http://127.0.0.1:$port${WRANGLER_READY_PATH:-/healthz}"
    if ! wait_for_http "$url" "${WRANGLER_READY_TIMEOUT:-120}" "$pid"; then
        if kill -0 "$pid" 2>/dev/null; then
            warn "$name did not answer $url within ${WRANGLER_READY_TIMEOUT:-120}s; last lines of its log:"
        else
            warn "$name: wrangler dev exited before answering $url; last lines of its log:"
        fi
        tail -n 40 "$logfile" >&2 || true
        return 1
    fi
    log "$name is ready on http://127.0.0.1:$port after $(( $(now) - t0 ))s"
}

# stop_wranglers: stops every wrangler started by start_wrangler, with everything it
# started (esbuild, workerd): TERM to each process group, KILL to what is left after
# 5 s. Safe to call twice, and from a trap.
stop_wranglers() {
    local i alive=() pgid
    for i in "${!__WRANGLER_PGIDS[@]}"; do
        pgid="${__WRANGLER_PGIDS[$i]}"
        if kill -0 -- "-$pgid" 2>/dev/null; then
            log "stopping ${__WRANGLER_NAMES[$i]}"
            kill -TERM -- "-$pgid" 2>/dev/null && alive+=("$pgid")
        fi
    done
    for i in $(seq 50); do
        (( ${#alive[@]} )) || break
        local still=()
        for pgid in "${alive[@]}"; do
            kill -0 -- "-$pgid" 2>/dev/null && still+=("$pgid")
        done
        alive=("${still[@]}")
        (( ${#alive[@]} )) && sleep 0.1
    done
    for pgid in "${alive[@]}"; do
        warn "process group $pgid ignored SIGTERM for 5 s; killing it"
        kill -KILL -- "-$pgid" 2>/dev/null || true
    done
    for pgid in "${__WRANGLER_PGIDS[@]}"; do
        wait "$pgid" 2>/dev/null || true
    done
    __WRANGLER_NAMES=()
    __WRANGLER_PGIDS=()
    __WRANGLER_LOGS=()
    __RESERVED_PORTS=()
}

# wranglers_alive: true while every started wrangler is still running; names the first
# one that exited.
wranglers_alive() {
    local i
    for i in "${!__WRANGLER_PGIDS[@]}"; do
        if ! kill -0 "${__WRANGLER_PGIDS[$i]}" 2>/dev/null; then
            warn "${__WRANGLER_NAMES[$i]} (wrangler dev) exited; see ${__WRANGLER_LOGS[$i]#"$ROOT"/}"
            return 1
        fi
    done
}

# print_wrangler_logs [LINES]: the tail of every started wrangler's log, for failures.
print_wrangler_logs() {
    local lines="${1:-60}" i
    for i in "${!__WRANGLER_LOGS[@]}"; do
        printf '\n----- last %s lines of %s (%s) -----\n' "$lines" "${__WRANGLER_NAMES[$i]}" "${__WRANGLER_LOGS[$i]}" >&2
        tail -n "$lines" "${__WRANGLER_LOGS[$i]}" >&2 || true
    done
}

# apply_d1_migrations CONFIG DBNAME PERSIST_DIR
# Applies CONFIG's D1 migrations for DBNAME to the local database under PERSIST_DIR
# (pass the same directory to start_wrangler as --persist-to).
apply_d1_migrations() {
    local config="$1" db="$2" persist="$3"
    mkdir -p "$persist"
    log "applying D1 migrations: $db (${config#"$ROOT"/}) -> ${persist#"$ROOT"/}"
    local out
    if ! out="$(CI=true "$WRANGLER" d1 migrations apply "$db" --local --config "$config" --persist-to "$persist" </dev/null 2>&1)"; then
        printf '%s\n' "$out" >&2
        die "D1 migrations failed for $db"
    fi
    local applied
    applied="$(printf '%s\n' "$out" | grep '│.*✅' | awk -F'│' '{ gsub(/ /, "", $2); if (!seen[$2]++) printf "%s ", $2 }')" || true
    if [[ -n "$applied" ]]; then
        log "  applied: $applied"
    else
        log "  no migrations to apply"
    fi
}

# execute_d1_file CONFIG DBNAME PERSIST_DIR FILE
# Runs an SQL file against the local database (fixtures for dev and tests).
execute_d1_file() {
    local config="$1" db="$2" persist="$3" file="$4" out
    log "loading ${file#"$ROOT"/} into $db"
    if ! out="$(CI=true "$WRANGLER" d1 execute "$db" --local --config "$config" --persist-to "$persist" --file "$file" </dev/null 2>&1)"; then
        printf '%s\n' "$out" >&2
        die "loading ${file#"$ROOT"/} into $db failed"
    fi
}

# start_devkit PORT LOGFILE [devkit args...]
# Builds and starts the native stand-ins (crates/devkit) in the background, in their own
# process group, and waits until they answer. stop_devkit (or stop_wranglers' caller)
# ends them.
DEVKIT_PGID=""
start_devkit() {
    local port="$1" logfile="$2"
    shift 2
    cargo build -q -p support-devkit --bin devkit || die "building the devkit failed"
    local bin="${CARGO_TARGET_DIR:-$ROOT/target}/debug/devkit"
    setsid "$bin" --addr "127.0.0.1:$port" "$@" >"$logfile" 2>&1 </dev/null &
    DEVKIT_PGID=$!
    wait_for_http "http://127.0.0.1:$port/_devkit/healthz" 30 || {
        cat "$logfile" >&2
        die "the devkit did not start on port $port"
    }
    log "devkit ready on http://127.0.0.1:$port"
}

stop_devkit() {
    [[ -n "$DEVKIT_PGID" ]] || return 0
    kill -TERM -- "-$DEVKIT_PGID" 2>/dev/null || true
    wait "$DEVKIT_PGID" 2>/dev/null || true
    DEVKIT_PGID=""
}

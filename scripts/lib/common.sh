# shellcheck shell=bash
# Helpers shared by every script in scripts/. Source it; do not run it.
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
#
# Provides ROOT (the repo root), log/warn/die, step, wait_for_http, free_port and
# ensure_dev_vars. Messages go to stderr so that stdout stays usable for data.

if [[ -n "${__SUPPORT_COMMON_SH:-}" ]]; then return 0; fi
__SUPPORT_COMMON_SH=1

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export ROOT

# The prefix in front of every message: the calling script's name, e.g. [test].
LOG_PREFIX="${LOG_PREFIX:-$(basename "${0:-sh}")}"

__ts() { date +%H:%M:%S; }

if [[ -t 2 && -z "${NO_COLOR:-}" ]]; then
    __C_DIM=$'\e[2m' __C_BOLD=$'\e[1m' __C_YELLOW=$'\e[33m' __C_RED=$'\e[31m' __C_OFF=$'\e[0m'
else
    __C_DIM='' __C_BOLD='' __C_YELLOW='' __C_RED='' __C_OFF=''
fi

log()  { printf '%s%s [%s]%s %s\n' "$__C_DIM" "$(__ts)" "$LOG_PREFIX" "$__C_OFF" "$*" >&2; }
warn() { printf '%s%s [%s] warning:%s %s\n' "$__C_YELLOW" "$(__ts)" "$LOG_PREFIX" "$__C_OFF" "$*" >&2; }
die()  { printf '%s%s [%s] error:%s %s\n' "$__C_RED" "$(__ts)" "$LOG_PREFIX" "$__C_OFF" "$*" >&2; exit 1; }

# step "message": a visible progress header for a long or important stage.
step() { printf '\n%s%s [%s] ==> %s%s\n' "$__C_BOLD" "$(__ts)" "$LOG_PREFIX" "$*" "$__C_OFF" >&2; }

# Seconds since the epoch, for timing stages: t0=$(now); ...; log "took $(( $(now) - t0 ))s".
now() { date +%s; }

# wait_for_http URL TIMEOUT_SECS [PID]
# Polls URL until it answers with any HTTP status below 500. Returns 1 on timeout, or
# as soon as PID (if given) has exited.
wait_for_http() {
    local url="$1" timeout="${2:-30}" pid="${3:-}"
    local deadline=$(( $(now) + timeout )) code
    while :; do
        code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null || true)"
        if [[ "$code" =~ ^[1-4][0-9][0-9]$ ]]; then
            return 0
        fi
        if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
            return 1
        fi
        if (( $(now) >= deadline )); then
            return 1
        fi
        sleep 0.2
    done
}

# port_in_use PORT: true when something listens on 127.0.0.1:PORT.
port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# free_port [START]: prints the first free TCP port at or above START (default 9300).
free_port() {
    local port="${1:-9300}"
    while port_in_use "$port"; do
        port=$((port + 1))
        (( port < 65535 )) || die "no free port found"
    done
    echo "$port"
}

# ensure_dev_vars DIR: copies DIR/.dev.vars.example to DIR/.dev.vars when the latter
# is missing (wrangler dev reads .dev.vars next to the wrangler config).
ensure_dev_vars() {
    local dir="$1"
    if [[ -f "$dir/.dev.vars" ]]; then
        return 0
    fi
    if [[ ! -f "$dir/.dev.vars.example" ]]; then
        warn "no $dir/.dev.vars.example to copy; skipping"
        return 0
    fi
    cp "$dir/.dev.vars.example" "$dir/.dev.vars"
    local rel="${dir#"$ROOT"}"
    rel="${rel#/}"
    log "created ${rel:+$rel/}.dev.vars from .dev.vars.example (edit it to change local secrets)"
}

# dev_var FILE NAME: prints NAME's value from a .dev.vars-style file (KEY=VALUE lines).
dev_var() {
    local file="$1" name="$2" line
    [[ -f "$file" ]] || return 1
    line="$(grep -E "^[[:space:]]*${name}[[:space:]]*=" "$file" | tail -n 1)" || return 1
    line="${line#*=}"
    line="${line#"${line%%[![:space:]]*}"}"
    line="${line%"${line##*[![:space:]]}"}"
    line="${line#\"}" && line="${line%\"}"
    printf '%s\n' "$line"
}

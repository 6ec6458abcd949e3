# shellcheck shell=bash
# The build toolchain for the Rust workers, installed from package registries only.
#
#   source scripts/lib/toolchain.sh
#   ensure_toolchain     # rust wasm target, worker-build, wasm-bindgen-cli, npm packages
#   ensure_wrk           # the wrk load generator (Debian package), for benchmarks only
#   ensure_chromium      # Debian's chromium, for the browser tests (playwright-core drives it)
#
# Failures end the calling script (die), also inside `if`/`||` contexts where bash's
# errexit is off. Everything already present is skipped, so a second call takes well under a second.
# After ensure_toolchain, worker-build finds wasm-bindgen, esbuild and wasm-opt through
# WASM_BINDGEN_BIN, ESBUILD_BIN and WASM_OPT_BIN and downloads nothing.
#
# Knobs:
#   WORKER_BUILD_VERSION   worker-build to install (default 0.8.7, matches the `worker` crate)
#   WASM_BINDGEN_VERSION   override the wasm-bindgen version read from Cargo.lock (rarely useful)

if [[ -n "${__SUPPORT_TOOLCHAIN_SH:-}" ]]; then return 0; fi
__SUPPORT_TOOLCHAIN_SH=1

# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

WORKER_BUILD_VERSION="${WORKER_BUILD_VERSION:-0.8.7}"
CARGO_BIN_DIR="${CARGO_HOME:-$HOME/.cargo}/bin"

export PATH="$CARGO_BIN_DIR:$ROOT/node_modules/.bin:$PATH"
export ESBUILD_BIN="$ROOT/node_modules/@esbuild/linux-x64/bin/esbuild"
export WASM_OPT_BIN="$ROOT/node_modules/.bin/wasm-opt"
export WASM_BINDGEN_BIN="$CARGO_BIN_DIR/wasm-bindgen"

# __version_is CMD VERSION: true when `CMD --version` prints exactly VERSION as a word.
__version_is() {
    local out
    out="$("$1" --version 2>/dev/null)" || return 1
    [[ " $out " =~ [^0-9.]${2//./\\.}[^0-9.] ]]
}

# __cargo_install CRATE VERSION ESTIMATE: cargo install, streaming cargo's progress.
# Tries the crate's own lock file first (reproducible), then a fresh resolution: a
# locked dependency can be missing from the registry (a yanked version).
__cargo_install() {
    local crate="$1" version="$2" estimate="$3" t0
    t0=$(now)
    step "installing $crate $version ($estimate on 2 cores)..."
    if ! cargo install "$crate" --version "$version" --locked; then
        warn "$crate $version does not install with its own lock file; retrying with fresh dependency resolution"
        cargo install "$crate" --version "$version" || die "cargo install $crate $version failed"
    fi
    log "installed $crate $version in $(( $(now) - t0 ))s"
}

# The exact wasm-bindgen version in Cargo.lock, or nothing.
__locked_wasm_bindgen_version() {
    [[ -f "$ROOT/Cargo.lock" ]] || return 0
    awk '
        /^\[\[package\]\]/ { in_wb = 0 }
        /^name = "wasm-bindgen"$/ { in_wb = 1 }
        in_wb && /^version = / { gsub(/"/, "", $3); print $3; exit }
    ' "$ROOT/Cargo.lock"
}

wasm_bindgen_version() {
    if [[ -n "${WASM_BINDGEN_VERSION:-}" ]]; then
        echo "$WASM_BINDGEN_VERSION"
        return
    fi
    local v
    v="$(__locked_wasm_bindgen_version)"
    if [[ -z "$v" ]]; then
        log "Cargo.lock has no wasm-bindgen entry yet; resolving the workspace (cargo metadata)"
        (cd "$ROOT" && cargo metadata --format-version 1 >/dev/null) ||
            die "cargo metadata failed: the workspace does not resolve, so the wasm-bindgen version is unknown"
        v="$(__locked_wasm_bindgen_version)"
    fi
    [[ -n "$v" ]] || die "no wasm-bindgen in Cargo.lock even after resolving: does a worker depend on the worker crate?"
    echo "$v"
}

ensure_rust_target() {
    command -v cargo >/dev/null || die "cargo is not installed (install Rust with rustup first)"
    if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
        return 0
    fi
    step "adding the rust target wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown || die "rustup target add wasm32-unknown-unknown failed"
}

ensure_worker_build() {
    if __version_is worker-build "$WORKER_BUILD_VERSION"; then
        return 0
    fi
    __cargo_install worker-build "$WORKER_BUILD_VERSION" "about 4-10 minutes"
}

ensure_wasm_bindgen() {
    local v
    v="$(wasm_bindgen_version)" || exit 1
    if __version_is "$WASM_BINDGEN_BIN" "$v"; then
        return 0
    fi
    __cargo_install wasm-bindgen-cli "$v" "about 5 minutes"
}

# npm ci when node_modules is missing or older than package-lock.json. The stamp file
# records the last successful install.
NPM_STAMP="$ROOT/node_modules/.support-npm-ci.stamp"
ensure_node_modules() {
    command -v npm >/dev/null || die "node/npm are not installed (Node 20 or newer is needed)"
    if [[ -f "$NPM_STAMP" && ! "$ROOT/package-lock.json" -nt "$NPM_STAMP" ]]; then
        return 0
    fi
    local t0
    t0=$(now)
    step "installing npm packages (npm ci: wrangler/workerd, esbuild, binaryen)..."
    (cd "$ROOT" && npm ci --no-audit --no-fund) || die "npm ci failed"
    local bin
    for bin in "$ESBUILD_BIN" "$WASM_OPT_BIN" "$ROOT/node_modules/.bin/wrangler"; do
        [[ -x "$bin" ]] || die "npm ci finished but $bin is missing"
    done
    touch "$NPM_STAMP"
    log "npm packages installed in $(( $(now) - t0 ))s"
}

ensure_toolchain() {
    ensure_rust_target
    ensure_worker_build
    ensure_wasm_bindgen
    ensure_node_modules
}

# wrk, for load tests only: a Debian package.
ensure_wrk() {
    if command -v wrk >/dev/null; then
        return 0
    fi
    step "installing wrk (apt-get)"
    local sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q || die "apt-get update failed"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk || die "apt-get install wrk failed"
}

# Chromium for the browser tests: Debian's package, which playwright-core drives (it
# downloads no browser of its own). CHROMIUM=<path> uses another one, never installed here.
ensure_chromium() {
    if [[ -n "${CHROMIUM:-}" ]]; then
        [[ -x "$CHROMIUM" ]] || die "CHROMIUM=$CHROMIUM is not an executable"
        return 0
    fi
    if [[ -x /usr/bin/chromium ]]; then
        return 0
    fi
    step "installing chromium (apt-get)"
    local sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q || die "apt-get update failed"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium || die "apt-get install chromium failed"
    [[ -x /usr/bin/chromium ]] || die "chromium installed but /usr/bin/chromium is missing"
}

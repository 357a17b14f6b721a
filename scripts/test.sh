#!/usr/bin/env bash
# polytrack's single test command.
#
#   scripts/test.sh [extra args for the first `cargo test`]
#   e.g. scripts/test.sh -p polytrack -- offline
#
# 1. scripts/test-env.sh: the pinned Python venv (.venv-test) with the real Polyaxon server,
#    CLI and readers (built on first use, about a minute; needs python3 and PyPI).
# 2. A fresh data dir .test-data/run-<timestamp>-<pid> and a real Polyaxon server on a free
#    loopback port (scripts/polyaxon-server.sh), with project default/demo.
# 3. Exports POLYTRACK_TEST_HOST / _STORE / _CONTEXT_ROOT / _VENV / _PGID and
#    POLYTRACK_REQUIRE_SERVER=1, then runs
#      cargo test --workspace --all-targets "$@"
#      cargo test --workspace --doc            (only if the first passed)
#      cargo bench -p polytrack --bench '*' -- --test   (benchmark smoke, release; same)
# 4. Always stops the server; exits with cargo's exit code. The data dir is removed after a
#    passing run and kept (for its server.log) after a failing one, or always when
#    POLYTRACK_KEEP_TEST_DATA=1; only the 5 newest kept dirs survive the next run.
set -euo pipefail

log() { echo "[test.sh] $*" >&2; }
die() { echo "[test.sh] ERROR: $*" >&2; exit 1; }

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
cd "$REPO_ROOT"

command -v cargo >/dev/null 2>&1 || die "cargo not found (install Rust: https://rustup.rs)"

log "preparing the Python test venv"
VENV="$("$SCRIPT_DIR/test-env.sh")" || die "scripts/test-env.sh failed"

# Prune old data dirs kept by failed runs: keep the 5 newest, never one whose server still runs.
if [[ -d "$REPO_ROOT/.test-data" ]]; then
    mapfile -t old_runs < <(find "$REPO_ROOT/.test-data" -mindepth 1 -maxdepth 1 -type d -name 'run-*' | sort -r | tail -n +6)
    for d in "${old_runs[@]}"; do
        pg="$(sed -n 's/^POLYTRACK_TEST_PGID=//p' "$d/server.env" 2>/dev/null || true)"
        [[ -z "$pg" && -f "$d/server.pgid" ]] && pg="$(head -n 1 "$d/server.pgid")"
        if [[ -n "$pg" ]] && kill -0 -- "-$pg" 2>/dev/null; then
            continue
        fi
        rm -rf -- "$d"
    done
fi

DATA="$REPO_ROOT/.test-data/run-$(date -u +%Y%m%dT%H%M%SZ)-$$"
mkdir -p -- "$DATA"

rc=1
server_started=0
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ $server_started -eq 1 ]]; then
        "$SCRIPT_DIR/polyaxon-server.sh" stop "$DATA" || log "WARNING: stopping the server failed"
    fi
    if [[ $rc -eq 0 && $status -eq 0 && "${POLYTRACK_KEEP_TEST_DATA:-0}" != "1" ]]; then
        rm -rf -- "$DATA"
    else
        log "test data kept in $DATA (server log: $DATA/server.log)"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "starting the Polyaxon server (data $DATA)"
server_started=1
POLYTRACK_TEST_VENV="$VENV" "$SCRIPT_DIR/polyaxon-server.sh" start "$DATA" \
    || die "could not start the Polyaxon server"

set -a
# shellcheck disable=SC1091
source "$DATA/server.env"
set +a
export POLYTRACK_REQUIRE_SERVER=1
log "server: $POLYTRACK_TEST_HOST (store $POLYTRACK_TEST_STORE)"

log "cargo test --workspace --all-targets $*"
set +e
cargo test --workspace --all-targets "$@"
rc=$?
set -e
if [[ $rc -eq 0 ]]; then
    log "cargo test --workspace --doc"
    set +e
    cargo test --workspace --doc
    rc=$?
    set -e
fi
if [[ $rc -eq 0 ]]; then
    log "cargo bench -p polytrack --bench '*' -- --test (each benchmark once, release build)"
    set +e
    cargo bench -p polytrack --bench '*' -- --test
    rc=$?
    set -e
fi

if [[ $rc -eq 0 ]]; then
    log "all tests passed"
else
    log "tests FAILED (cargo exit code $rc)"
fi
exit "$rc"

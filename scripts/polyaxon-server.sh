#!/usr/bin/env bash
# Starts / stops a real Polyaxon server (haupt 2.18.0 sandbox) for polytrack's tests.
#
#   scripts/polyaxon-server.sh start <datadir>
#   scripts/polyaxon-server.sh stop  <datadir>
#
# start: picks a free loopback port, runs `haupt sandbox start` in its own session (setsid)
#   with HOME=<datadir>/home, the artifacts store at <datadir>/ctx/artifacts and SQLite
#   transactions that lock at once (POLYAXON_DB_OPTIONS, see below), waits until
#   GET /api/v1/installation answers 200 (timeout $POLYTRACK_SERVER_TIMEOUT, default 90 s),
#   creates the project default/demo and writes <datadir>/server.env:
#     POLYTRACK_TEST_HOST=http://127.0.0.1:<port>
#     POLYTRACK_TEST_STORE=<datadir>/ctx/artifacts
#     POLYTRACK_TEST_CONTEXT_ROOT=<datadir>/ctx
#     POLYTRACK_TEST_VENV=<venv>
#     POLYTRACK_TEST_PGID=<process group of the server>
#   The server log is <datadir>/server.log.
# stop: TERM to the recorded process group, KILL after a grace period
#   ($POLYTRACK_SERVER_GRACE, default 10 s). Never kills anything by name.
#
# The venv is $POLYTRACK_TEST_VENV if set, else the one scripts/test-env.sh provides.
set -euo pipefail

log() { echo "[polyaxon-server.sh] $*" >&2; }
die() { echo "[polyaxon-server.sh] ERROR: $*" >&2; exit 1; }

usage() { echo "usage: $0 start|stop <datadir>" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
cmd="$1"
[[ -n "$2" ]] || usage

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

group_alive() { kill -0 -- "-$1" 2>/dev/null; }

# Signals the recorded group, after checking that it still is our server: the kernel never
# reuses a pid while it is some group's id, so a live group whose leader is gone is still ours;
# a live leader must be the haupt process we started.
stop_group() {
    local pgid="$1" grace="${POLYTRACK_SERVER_GRACE:-10}"
    [[ "$pgid" =~ ^[0-9]+$ && "$pgid" -gt 1 ]] || die "invalid process group id '$pgid'"
    if ! group_alive "$pgid"; then
        log "server process group $pgid is not running"
        return 0
    fi
    if [[ -r "/proc/$pgid/cmdline" ]]; then
        local leader
        leader="$(tr '\0' ' ' < "/proc/$pgid/cmdline" 2>/dev/null || true)"
        if [[ -n "$leader" && "$leader" != *haupt* ]]; then
            die "process $pgid is not the haupt server we started ('$leader'); not signalling it"
        fi
    fi
    log "stopping server (process group $pgid)"
    kill -TERM -- "-$pgid" 2>/dev/null || true
    local waited=0
    while group_alive "$pgid"; do
        if (( waited >= grace * 10 )); then
            log "server still running after ${grace}s: sending KILL to group $pgid"
            kill -KILL -- "-$pgid" 2>/dev/null || true
            sleep 0.2
            break
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    if group_alive "$pgid"; then
        die "process group $pgid survived SIGKILL"
    fi
    log "server stopped"
}

read_env_var() { # <file> <NAME>
    sed -n "s/^$2=//p" "$1" | tail -n 1
}

case "$cmd" in
start)
    mkdir -p -- "$2"
    DATA="$(cd "$2" && pwd)"
    ENV_FILE="$DATA/server.env"
    if [[ -f "$ENV_FILE" ]]; then
        old_pgid="$(read_env_var "$ENV_FILE" POLYTRACK_TEST_PGID)"
        if [[ -n "$old_pgid" ]] && group_alive "$old_pgid"; then
            die "a server recorded in $ENV_FILE is still running (pgid $old_pgid); stop it first"
        fi
        rm -f -- "$ENV_FILE"
    fi
    if [[ -f "$DATA/server.pgid" ]]; then
        old_pgid="$(head -n 1 "$DATA/server.pgid")"
        if [[ -n "$old_pgid" ]] && group_alive "$old_pgid"; then
            die "a server recorded in $DATA/server.pgid is still running (pgid $old_pgid); stop it first"
        fi
    fi

    if [[ -n "${POLYTRACK_TEST_VENV:-}" ]]; then
        VENV="$POLYTRACK_TEST_VENV"
    else
        VENV="$("$SCRIPT_DIR/test-env.sh")"
    fi
    PY="$VENV/bin/python"
    [[ -x "$PY" && -x "$VENV/bin/haupt" ]] || die "no haupt in venv '$VENV' (run scripts/test-env.sh)"

    STORE="$DATA/ctx/artifacts"
    LOG="$DATA/server.log"
    mkdir -p -- "$DATA/home" "$STORE"

    # A free loopback port: bind port 0, read it, release it (tiny race; a clash makes the
    # server exit, which the readiness loop reports).
    PORT="$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
    HOST="http://127.0.0.1:$PORT"

    # Start with a clean POLYAXON_* environment: the sandbox reads e.g. POLYAXON_SANDBOX_PORT /
    # POLYAXON_SANDBOX_WORKERS as strings and dies ("Your sandbox configuration was purged!"),
    # and a caller's POLYAXON_HOST etc. must not leak into it.
    unset_args=()
    while IFS= read -r name; do
        unset_args+=("-u" "$name")
    done < <(env | sed -n 's/^\(POLYAXON_[A-Za-z0-9_]*\)=.*/\1/p')

    # The sandbox keeps its database in SQLite with Django's default deferred transactions.
    # Under the suite's concurrent writes, a request whose transaction must upgrade its read
    # lock gets "database is locked" at once (the busy timeout cannot help a deadlock), and
    # the sandbox answers that 500 through a GET-only error page: an empty HTTP 405 for a
    # sound POST or PATCH. Python's client gives up on it (a CI run lost a reference run so).
    # Transactions that take the write lock when they begin, and a 30 s busy timeout, remove
    # it: 16 writers x 10 create/patch/status rounds gave 72 such 405s without, 0 with.
    # polytrack itself still retries an empty-bodied 405 a few times, as a user's server
    # can give it.
    DB_OPTIONS='{"timeout": 30, "transaction_mode": "IMMEDIATE"}'

    log "starting haupt sandbox on $HOST (data $DATA, log $LOG)"
    # In a non-interactive shell a background job is not a process-group leader, so setsid
    # execs in place: $! is the server's pid, session id and process-group id.
    (
        cd "$DATA"
        exec env "${unset_args[@]}" HOME="$DATA/home" POLYAXON_DB_OPTIONS="$DB_OPTIONS" \
            setsid "$VENV/bin/haupt" sandbox start \
            --host 127.0.0.1 --port "$PORT" --workers 1 --path "$STORE"
    ) >"$LOG" 2>&1 </dev/null &
    PID=$!
    # Record the group at once, so that `stop` finds it even if this script is interrupted
    # before server.env is written.
    echo "$PID" > "$DATA/server.pgid"
    sleep 0.2
    PGID="$("$PY" -c 'import os, sys
try:
    print(os.getpgid(int(sys.argv[1])))
except ProcessLookupError:
    pass' "$PID")"
    if [[ -z "$PGID" ]]; then
        # Already exited; the readiness loop below reports it with the log.
        PGID="$PID"
    elif [[ "$PGID" != "$PID" ]]; then
        kill -TERM "$PID" 2>/dev/null || true
        die "server pid $PID is not its own process-group leader (pgid $PGID)"
    fi

    fail_start() {
        log "server log tail ($LOG):"
        tail -n 60 "$LOG" >&2 || true
        if group_alive "$PGID"; then stop_group "$PGID" || true; fi
        die "$1"
    }

    timeout="${POLYTRACK_SERVER_TIMEOUT:-90}"
    if ! "$PY" - "$HOST" "$timeout" "$PGID" <<'PY'
import os, sys, time, urllib.request, urllib.error
host, timeout, pgid = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
deadline = time.monotonic() + timeout
last = "no answer"
while time.monotonic() < deadline:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        print("[polyaxon-server.sh] server process exited before it was ready", file=sys.stderr)
        sys.exit(1)
    try:
        with urllib.request.urlopen(host + "/api/v1/installation", timeout=5) as r:
            if r.status == 200:
                print("[polyaxon-server.sh] ready: " + r.read().decode(errors="replace"), file=sys.stderr)
                sys.exit(0)
            last = "HTTP %s" % r.status
    except urllib.error.HTTPError as e:
        last = "HTTP %s" % e.code
    except Exception as e:  # connection refused while starting
        last = repr(e)
    time.sleep(0.25)
print("[polyaxon-server.sh] not ready after %ss (last: %s)" % (timeout, last), file=sys.stderr)
sys.exit(1)
PY
    then
        fail_start "the server did not become ready on $HOST"
    fi

    if ! "$PY" - "$HOST" <<'PY'
import json, sys, urllib.request, urllib.error
host = sys.argv[1]
req = urllib.request.Request(
    host + "/api/v1/default/projects/create",
    data=json.dumps({"name": "demo"}).encode(),
    headers={"Content-Type": "application/json"},
    method="POST",
)
try:
    with urllib.request.urlopen(req, timeout=30) as r:
        print("[polyaxon-server.sh] created project default/demo (HTTP %s)" % r.status, file=sys.stderr)
except urllib.error.HTTPError as e:
    body = e.read()[:500]
    # A data dir used before (POLYTRACK_KEEP_TEST_DATA, a rerun by hand) already holds the
    # project: the sandbox refuses to create it again (HTTP 400), and it is there to use.
    try:
        with urllib.request.urlopen(host + "/api/v1/default/demo", timeout=30) as r:
            print("[polyaxon-server.sh] project default/demo already exists (HTTP %s)" % r.status,
                  file=sys.stderr)
            sys.exit(0)
    except urllib.error.URLError:
        pass
    print("[polyaxon-server.sh] creating project default/demo failed: HTTP %s %s"
          % (e.code, body), file=sys.stderr)
    sys.exit(1)
PY
    then
        fail_start "could not create project default/demo"
    fi

    tmp="$ENV_FILE.tmp.$$"
    {
        echo "POLYTRACK_TEST_HOST=$HOST"
        echo "POLYTRACK_TEST_STORE=$STORE"
        echo "POLYTRACK_TEST_CONTEXT_ROOT=$DATA/ctx"
        echo "POLYTRACK_TEST_VENV=$VENV"
        echo "POLYTRACK_TEST_PGID=$PGID"
    } > "$tmp"
    mv -f -- "$tmp" "$ENV_FILE"
    log "server running: $HOST (pgid $PGID); environment in $ENV_FILE"
    ;;
stop)
    [[ -d "$2" ]] || die "no such data dir: $2"
    DATA="$(cd "$2" && pwd)"
    ENV_FILE="$DATA/server.env"
    pgid=""
    if [[ -f "$ENV_FILE" ]]; then
        pgid="$(read_env_var "$ENV_FILE" POLYTRACK_TEST_PGID)"
        [[ -n "$pgid" ]] || die "no POLYTRACK_TEST_PGID in $ENV_FILE"
    elif [[ -f "$DATA/server.pgid" ]]; then
        pgid="$(head -n 1 "$DATA/server.pgid")"
    fi
    if [[ -z "$pgid" ]]; then
        log "no $ENV_FILE: nothing to stop"
        exit 0
    fi
    stop_group "$pgid"
    ;;
*)
    usage
    ;;
esac

#!/usr/bin/env bash
# Creates (idempotently) the pinned Python venv that polytrack's integration tests use as the
# reference peer: the real Polyaxon server (haupt sandbox), the official CLI/client (polyaxon)
# and traceml's readers.
#
#   scripts/test-env.sh            # prints the venv path on stdout when ready
#
# Location: <repo>/.venv-test (git-ignored), or $POLYTRACK_TEST_VENV_DIR if set (a venv shared
# by several checkouts: updated in place, never removed).
# Pins: scripts/requirements-test.txt (top level) + scripts/constraints-test.txt (full lock).
# A marker file inside the venv records a hash of both files and of the interpreter version;
# when it differs (a pin changed), the venv is rebuilt from scratch.
# Needs only python3 (3.11 to 3.14) and access to PyPI (or a pip mirror). Without ensurepip
# (Debian's python3 without python3-venv) pip comes from Debian's python3-pip-whl wheel.
set -euo pipefail

log() { echo "[test-env.sh] $*" >&2; }
die() { echo "[test-env.sh] ERROR: $*" >&2; exit 1; }

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
VENV="${POLYTRACK_TEST_VENV_DIR:-$REPO_ROOT/.venv-test}"
REQS="$SCRIPT_DIR/requirements-test.txt"
CONSTRAINTS="$SCRIPT_DIR/constraints-test.txt"
MARKER="$VENV/.polytrack-requirements.sha256"
PYTHON="${PYTHON:-python3}"

[[ -f "$REQS" ]] || die "missing $REQS"
[[ -f "$CONSTRAINTS" ]] || die "missing $CONSTRAINTS"
command -v "$PYTHON" >/dev/null 2>&1 || die "'$PYTHON' not found: install CPython 3.11 to 3.14"

py_version="$("$PYTHON" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')" \
    || die "'$PYTHON' does not run"
# The pins resolve (wheels for every compiled package) on CPython 3.11.0 and later up to 3.14:
# Debian 12's own python3 (3.11.2) included. numpy 2.4 needs 3.11; nothing older is tried.
case "$py_version" in
    3.11.*|3.12.*|3.13.*|3.14.*) ;;
    *) die "'$PYTHON' is CPython $py_version; the pinned test venv needs CPython 3.11 to 3.14 (set PYTHON=/path/to/python3.X)" ;;
esac

# The pins (comments and blank lines ignored) plus the interpreter version.
pin_lines() {
    { sed -e 's/#.*$//' -e 's/[[:space:]]*$//' "$REQS" "$CONSTRAINTS" | grep -v '^$' || true; }
    echo "python=$py_version"
}
hash_inputs() {
    if command -v sha256sum >/dev/null 2>&1; then
        pin_lines | sha256sum | cut -d' ' -f1
    else
        pin_lines | "$PYTHON" -c 'import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())'
    fi
}
want_hash="$(hash_inputs)"

# Serialize concurrent callers (two test runs starting at once) on a lock file outside the
# repository, named after the venv path.
if command -v flock >/dev/null 2>&1; then
    lock_id="$(printf '%s' "$VENV" | cksum | cut -d' ' -f1)"
    exec 9>"${TMPDIR:-/tmp}/polytrack-test-env-$lock_id.lock"
    flock 9
fi

if [[ -f "$MARKER" && -x "$VENV/bin/python" && -x "$VENV/bin/haupt" && -x "$VENV/bin/polyaxon" ]] \
    && [[ "$(cat "$MARKER")" == "$want_hash" ]]; then
    log "venv up to date: $VENV"
    echo "$VENV"
    exit 0
fi

# A venv named by POLYTRACK_TEST_VENV_DIR may be shared by several checkouts (worktrees on
# different branches, test runs in flight): it is never removed. When its pins differ, the
# pins of this checkout are installed into it in place (pip adds or changes only what differs),
# so a running server keeps its files.
if [[ -n "${POLYTRACK_TEST_VENV_DIR:-}" && -x "$VENV/bin/python" && -x "$VENV/bin/haupt" ]]; then
    log "shared venv $VENV differs from this checkout's pins: installing them in place"
    "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q \
        -r "$REQS" -c "$CONSTRAINTS" >&2 \
        || die "installing this checkout's pins into the shared venv $VENV failed (see pip output above)"
    echo "$want_hash" > "$MARKER"
    log "venv ready: $VENV"
    echo "$VENV"
    exit 0
fi

if [[ -e "$VENV" ]]; then
    # Never pull the venv from under a running server/CLI (e.g. another test run).
    busy=""
    for f in /proc/[0-9]*/cmdline; do
        if tr '\0' ' ' < "$f" 2>/dev/null | grep -qF -- "$VENV/bin/"; then
            busy+=" $(basename "$(dirname "$f")")"
        fi
    done
    if [[ -n "$busy" ]]; then
        die "$VENV is out of date but in use by process(es)$busy; stop them (scripts/polyaxon-server.sh stop <datadir>) and rerun"
    fi
    log "venv missing, incomplete or out of date: rebuilding $VENV"
    rm -rf -- "$VENV"
else
    log "creating venv $VENV (python $py_version)"
fi

"$PYTHON" -c 'import venv' >/dev/null 2>&1 \
    || die "'$PYTHON' lacks the standard 'venv' module (a stripped-down build); install a full CPython 3.11 to 3.14"

# A pip wheel for a venv made without ensurepip: Debian's and Ubuntu's python3 ship without
# ensurepip's wheels unless python3-venv is installed. The wheel comes from the system's
# python3-pip-whl if present, else from Debian's own package archive through apt (the
# ordinary client, no root needed once its package lists exist; as root they are refreshed
# when empty). Prints the wheel's path.
find_pip_wheel() {
    local whl
    whl="$(ls "${POLYTRACK_SYSTEM_WHEELS:-/usr/share/python-wheels}"/pip-*.whl 2>/dev/null | sort -V | tail -n 1 || true)"
    if [[ -n "$whl" ]]; then
        echo "$whl"
        return 0
    fi
    command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1 || return 1
    local dir="$PIP_TMP"
    if ! (cd "$dir" && apt-get download python3-pip-whl >&2); then
        [[ "$(id -u)" -eq 0 ]] || return 1
        log "apt's package lists look empty: apt-get update"
        apt-get update >&2 || return 1
        (cd "$dir" && apt-get download python3-pip-whl >&2) || return 1
    fi
    dpkg-deb -x "$dir"/python3-pip-whl_*.deb "$dir/x" || return 1
    whl="$(ls "$dir"/x/usr/share/python-wheels/pip-*.whl 2>/dev/null | sort -V | tail -n 1 || true)"
    [[ -n "$whl" ]] || return 1
    echo "$whl"
}

# POLYTRACK_TEST_ENV_NO_ENSUREPIP=1 takes the no-ensurepip path on any machine, and
# POLYTRACK_SYSTEM_WHEELS=<empty dir> the apt path within it (to test them).
if [[ "${POLYTRACK_TEST_ENV_NO_ENSUREPIP:-0}" != "1" ]] && "$PYTHON" -m venv "$VENV" >&2; then
    :
else
    rm -rf -- "$VENV"
    log "'$PYTHON -m venv' cannot install pip here (no ensurepip, e.g. Debian without python3-venv): a venv without pip, then pip from a wheel"
    "$PYTHON" -m venv --without-pip "$VENV" >&2 || { rm -rf -- "$VENV"; die "'$PYTHON -m venv --without-pip $VENV' failed"; }
    PIP_TMP="$(mktemp -d "${TMPDIR:-/tmp}/polytrack-pip.XXXXXX")"
    chmod 755 "$PIP_TMP"   # apt downloads as its own user
    pip_whl="$(find_pip_wheel)" || {
        rm -rf -- "$VENV" "$PIP_TMP"
        die "no pip for the venv: install python3-venv (Debian/Ubuntu: apt-get install python3-venv) or python3-pip-whl"
    }
    log "installing pip from $pip_whl"
    "$VENV/bin/python" "$pip_whl/pip" install --disable-pip-version-check --no-input -q --no-index "$pip_whl" >&2 \
        || { rm -rf -- "$VENV" "$PIP_TMP"; die "installing pip from $pip_whl into $VENV failed"; }
    rm -rf -- "$PIP_TMP"
fi

install_ok=1
log "installing pinned requirements (about a minute on a fresh machine)"
# The pip bundled by ensurepip is used as is (no self-upgrade): fewer moving parts.
"$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q \
    -r "$REQS" -c "$CONSTRAINTS" >&2 || install_ok=0
if [[ $install_ok -eq 1 ]]; then
    # Smoke test: every module the tests rely on imports, and the CLIs exist.
    "$VENV/bin/python" - >&2 <<'PY' || install_ok=0
import haupt, polyaxon, traceml, pandas, numpy, pyarrow, uvicorn  # noqa: F401
from traceml.events import V1Events  # noqa: F401
from polyaxon.schemas import V1Run, V1RunArtifact  # noqa: F401
from polyaxon import tracking  # noqa: F401
PY
    [[ -x "$VENV/bin/haupt" && -x "$VENV/bin/polyaxon" ]] || install_ok=0
fi
if [[ $install_ok -ne 1 ]]; then
    rm -rf -- "$VENV"
    die "installing the test requirements failed (see pip output above); removed $VENV"
fi

echo "$want_hash" > "$MARKER"
log "venv ready: $VENV"
echo "$VENV"

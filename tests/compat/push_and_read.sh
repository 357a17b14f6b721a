#!/usr/bin/env bash
# Pushes an offline run with the OFFICIAL Polyaxon CLI and prints the metrics the server's
# streams API then returns for it (the end-to-end proof that Polyaxon reads our files).
#
#   tests/compat/push_and_read.sh <offline_root> <uuid> <name1,name2,...>
#
# <offline_root> is the folder holding runs/<uuid>/ (POLYAXON_OFFLINE_ROOT).
# Needs a running server (scripts/polyaxon-server.sh): the host is $POLYAXON_HOST, else
# $POLYTRACK_TEST_HOST. The CLI is $POLYTRACK_TEST_VENV/bin/polyaxon (else the venv from
# scripts/test-env.sh). The project is $POLYTRACK_TEST_PROJECT (default default/demo).
#
# Runs `polyaxon ops push -p <project> -uid <uuid> --path <offline_root>` from an empty
# temporary directory with a temporary HOME (so no .polyaxonignore or ~/.polyaxon config of
# the caller applies), then prints on stdout exactly the JSON body of
#   GET $HOST/streams/v1/polyaxon/<owner>/<project>/runs/<uuid>/events/metric?names=<names>&orient=dict
# i.e. {"data":[{"name":..,"kind":"metric","data":{"step":[..],"timestamp":[..],"metric":[..]}},..]}
# (order of the items is the server's, not the order of <names>; nan and inf come back as null).
# All CLI output goes to stderr. Exits non-zero if the push or the read fails. The CLI itself
# exits 0 even when the sync is rejected (400, e.g. the uuid already exists) or when it skips the
# upload because lineages.plx.json is missing or empty, so the script checks the CLI's messages
# ("Offline artifacts for run <uuid> uploaded" must appear).
set -euo pipefail

die() { echo "[push_and_read.sh] ERROR: $*" >&2; exit 1; }

[[ $# -eq 3 ]] || { echo "usage: $0 <offline_root> <uuid> <name1,name2,...>" >&2; exit 2; }
ROOT="$(cd "$1" && pwd)" || die "no such offline root: $1"
UUID="$2"
NAMES="$3"
[[ -f "$ROOT/runs/$UUID/run.plx.json" ]] || die "$ROOT/runs/$UUID/run.plx.json not found"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
HOST="${POLYAXON_HOST:-${POLYTRACK_TEST_HOST:-}}"
[[ -n "$HOST" ]] || die "set POLYAXON_HOST or POLYTRACK_TEST_HOST (see scripts/polyaxon-server.sh)"
HOST="${HOST%/}"
PROJECT="${POLYTRACK_TEST_PROJECT:-default/demo}"
OWNER="${PROJECT%%/*}"
PNAME="${PROJECT#*/}"
if [[ -n "${POLYTRACK_TEST_VENV:-}" ]]; then
    VENV="$POLYTRACK_TEST_VENV"
else
    VENV="$("$REPO_ROOT/scripts/test-env.sh")"
fi
[[ -x "$VENV/bin/polyaxon" ]] || die "no polyaxon CLI in $VENV"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/plx-push.XXXXXX")"
trap 'rm -rf -- "$WORK"' EXIT
mkdir -p "$WORK/home" "$WORK/cwd"

# haupt answers an exception inside a request (e.g. SQLite busy under a loaded machine) with an
# empty-bodied 405, and the CLI does not retry it; polytrack's own client retries such an
# ambiguous 405 a few times. So does this script, saying so: up to 3 tries, only for that answer
# (a rolled-back sync created nothing, so a retry cannot duplicate the run).
for try in 1 2 3; do
    echo "[push_and_read.sh] polyaxon ops push -p $PROJECT -uid $UUID --path $ROOT (host $HOST), try $try" >&2
    push_rc=0
    (
        cd "$WORK/cwd"
        # Only the variables the CLI needs; nothing of the caller's POLYAXON_* environment.
        exec env -i PATH="$VENV/bin:/usr/local/bin:/usr/bin:/bin" HOME="$WORK/home" LANG=C.UTF-8 \
            COLUMNS=200 POLYAXON_HOST="$HOST" \
            "$VENV/bin/polyaxon" ops push -p "$PROJECT" -uid "$UUID" --path "$ROOT"
    ) >"$WORK/push.log" 2>&1 || push_rc=$?
    cat "$WORK/push.log" >&2
    if [[ $try -lt 3 ]] && grep -q "POST /api/v1/$PROJECT/runs/sync" "$WORK/push.log" \
        && grep -q "Status: 405" "$WORK/push.log"; then
        echo "[push_and_read.sh] the server answered the sync with 405 (an exception inside haupt); trying again in 2 s" >&2
        sleep 2
        continue
    fi
    break
done
[[ $push_rc -eq 0 ]] || die "polyaxon ops push exited with $push_rc"
# The CLI exits 0 even when the sync call fails (e.g. 400 "A run with uuid ... already
# exists") or when it skips the upload because there is no lineage: check its own messages.
if grep -q "No lineage data found" "$WORK/push.log"; then
    die "the CLI found no lineage (lineages.plx.json missing or empty) and uploaded NO artifacts"
fi
if ! grep -q "Offline artifacts for run $UUID uploaded" "$WORK/push.log"; then
    die "polyaxon ops push did not upload the artifacts (see its output above)"
fi

"$VENV/bin/python" - "$HOST" "$OWNER" "$PNAME" "$UUID" "$NAMES" <<'PY'
import sys, urllib.error, urllib.parse, urllib.request
host, owner, project, uuid, names = sys.argv[1:]
url = "{}/streams/v1/polyaxon/{}/{}/runs/{}/events/metric?{}".format(
    host, owner, project, uuid, urllib.parse.urlencode({"names": names, "orient": "dict"}, safe=",")
)
print("[push_and_read.sh] GET " + url, file=sys.stderr)
try:
    with urllib.request.urlopen(url, timeout=60) as r:
        body = r.read()
        if r.headers.get("Content-Encoding") == "gzip":
            import gzip
            body = gzip.decompress(body)
except urllib.error.HTTPError as e:
    print("[push_and_read.sh] ERROR: HTTP {}: {}".format(e.code, e.read()[:1000]), file=sys.stderr)
    sys.exit(1)
sys.stdout.write(body.decode())
sys.stdout.write("\n")
PY

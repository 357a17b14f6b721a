#!/usr/bin/env bash
# Side by side: the same end-to-end workload with Polyaxon's Python client and with polytrack.
#
#   scripts/compare-python.sh [CALLS] [NAMES] [REPEATS]      (default 100000 100 3)
#
# Each tool starts an offline run in a fresh temporary folder, makes CALLS `log_metric` calls
# over NAMES metric names (step i / NAMES, value 1 / (i + 1)), then ends the run (its event
# files written, their summaries computed, run.plx.json and lineages.plx.json written). Each
# repeat is a new process; the table shows the median of REPEATS runs of:
#   - µs per call for the loop alone, and for the loop plus end();
#   - the process's peak resident memory (VmHWM of /proc/self/status), interpreter included.
#
# Python: Polyaxon's client (polyaxon==2.18.0 in the pinned venv of scripts/test-env.sh) runs
# scripts/bench/polyaxon_workload.py. polytrack: the release build of the `process` benchmark
# (runtime/benches/process.rs, `--child workload`). Both use their default settings otherwise
# (both sample resource metrics in the background, as offline runs do by default).
# Prints the machine, a Markdown table and the ratios.
set -euo pipefail

log() { echo "[compare-python.sh] $*" >&2; }
die() { echo "[compare-python.sh] ERROR: $*" >&2; exit 1; }

CALLS="${1:-100000}"
NAMES="${2:-100}"
REPEATS="${3:-3}"
[[ "$CALLS" =~ ^[0-9]+$ && "$NAMES" =~ ^[1-9][0-9]*$ && "$REPEATS" =~ ^[1-9][0-9]*$ ]] \
    || die "usage: $0 [CALLS] [NAMES] [REPEATS] (positive integers)"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
cd "$REPO_ROOT"

log "preparing the Python venv (polyaxon 2.18.0)"
VENV="$("$SCRIPT_DIR/test-env.sh")" || die "scripts/test-env.sh failed"

log "building the polytrack benchmark (release)"
BIN="$(cargo bench -p polytrack --bench process --no-run --message-format=json 2>/dev/null \
    | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)"
[[ -n "$BIN" && -x "$BIN" ]] || die "could not build runtime/benches/process.rs (try: cargo bench -p polytrack --no-run)"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/polytrack-compare.XXXXXX")"
trap 'rm -rf -- "$WORK"' EXIT

# field NAME LINE: the value of NAME=... in a key=value line.
field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

py_loop=() py_end=() py_rss=() rs_loop=() rs_end=() rs_rss=()
for i in $(seq "$REPEATS"); do
    log "run $i/$REPEATS: Polyaxon Python client, $CALLS calls"
    line="$("$VENV/bin/python" "$SCRIPT_DIR/bench/polyaxon_workload.py" "$CALLS" "$NAMES" "$WORK/py-$i")"
    py_loop+=("$(field loop_us_per_call "$line")")
    py_end+=("$(field end_us_per_call "$line")")
    py_rss+=("$(field peak_rss_bytes "$line")")
    rm -rf -- "$WORK/py-$i"

    log "run $i/$REPEATS: polytrack, $CALLS calls"
    line="$(TMPDIR="$WORK" "$BIN" --child workload "$CALLS" "$NAMES")"
    rs_loop+=("$(field loop_us_per_call "$line")")
    rs_end+=("$(field end_us_per_call "$line")")
    rs_rss+=("$(field peak_rss_bytes "$line")")
done

m() { printf '%s\n' "$@" | median; }
PL="$(m "${py_loop[@]}")" PE="$(m "${py_end[@]}")" PR="$(m "${py_rss[@]}")"
RL="$(m "${rs_loop[@]}")" RE="$(m "${rs_end[@]}")" RR="$(m "${rs_rss[@]}")"

cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
mem="$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "Machine: ${cpu:-unknown CPU}, $(nproc) cores, $mem, Linux $(uname -r); $(rustc --version | cut -d' ' -f1,2), Python $("$VENV/bin/python" -c 'import platform; print(platform.python_version())')"
echo "Workload: $CALLS log_metric calls over $NAMES names, then end(), offline; median of $REPEATS runs"
echo
echo "| tool | µs per call, loop | µs per call, loop + end | peak RSS |"
echo "| --- | --- | --- | --- |"
awk -v pl="$PL" -v pe="$PE" -v pr="$PR" -v rl="$RL" -v re="$RE" -v rr="$RR" 'BEGIN {
    printf "| Polyaxon Python client 2.18.0 | %.2f | %.2f | %.0f MB |\n", pl, pe, pr / 1e6
    printf "| polytrack | %.3f | %.3f | %.1f MB |\n", rl, re, rr / 1e6
    printf "| ratio (Python / polytrack) | %.0f× | %.0f× | %.0f× |\n", pl / rl, pe / re, pr / rr
}'

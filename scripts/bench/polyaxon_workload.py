#!/usr/bin/env python3
"""The end-to-end workload of scripts/compare-python.sh, with Polyaxon's own Python client.

Usage (with the pinned test venv's python, see scripts/test-env.sh):

    .venv-test/bin/python scripts/bench/polyaxon_workload.py CALLS NAMES OFFLINE_ROOT

Starts an offline run (POLYAXON_IS_OFFLINE=true into OFFLINE_ROOT, default settings otherwise),
makes CALLS `tracking.log_metric` calls over NAMES names (step i // NAMES, value 1 / (i + 1):
the same workload as polytrack's `process` benchmark), then `tracking.end()`, which writes the
event files' last rows, computes their summaries and writes run.plx.json and lineages.plx.json.
Prints one line of key=value fields: microseconds per call for the loop and for the loop plus
end(), and the process's peak resident memory (VmHWM, as polytrack's benchmark reads it).
"""

import os
import sys
import tempfile
import time


def peak_rss_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def main() -> int:
    calls, names_count, root = int(sys.argv[1]), int(sys.argv[2]), os.path.abspath(sys.argv[3])
    os.makedirs(root, exist_ok=True)
    os.environ["POLYAXON_IS_OFFLINE"] = "true"
    os.environ["POLYAXON_OFFLINE_ROOT"] = root
    for k in ("POLYAXON_HOST", "POLYAXON_RUN_INSTANCE", "POLYAXON_IS_MANAGED"):
        os.environ.pop(k, None)
    os.environ.setdefault("POLYAXON_HOME", tempfile.mkdtemp(prefix="plx-home-", dir=root))

    from polyaxon import tracking

    names = ["metric_%03d" % i for i in range(max(names_count, 1))]
    n = len(names)
    tracking.init()
    start = time.perf_counter()
    for i in range(calls):
        tracking.log_metric(name=names[i % n], value=1.0 / (i + 1), step=i // n)
    looped = time.perf_counter() - start
    tracking.end()
    total = time.perf_counter() - start
    per_call = lambda s: s * 1e6 / max(calls, 1)  # noqa: E731
    print(
        "calls=%d names=%d loop_us_per_call=%.4f end_us_per_call=%.4f "
        "ended_events_per_s=%.0f peak_rss_bytes=%d"
        % (calls, n, per_call(looped), per_call(total), calls / total, peak_rss_bytes())
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

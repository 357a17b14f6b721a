#!/usr/bin/env python3
"""Writes a REFERENCE offline run with Polyaxon's own Python client (polyaxon 2.18.0).

Usage (with the test venv's python, see scripts/test-env.sh):

    .venv-test/bin/python tests/compat/make_reference_run.py <offline_root> [--uuid UUID]
        [--no-resources]

It reproduces the documented seed script (docs "Tracking in-cluster", see
the shared seed page tracking-in-cluster.md) with fixed values instead of random ones, in offline
mode (POLYAXON_IS_OFFLINE=true, POLYAXON_OFFLINE_ROOT=<offline_root>), logs a few steps of
metrics including nan / inf / -inf / 1e-05, a single-value metric, a step-less metric, one
ending with nan, one logged with unordered steps and one with explicit timestamps, then ends
the run (`tracking.end()`), which computes the event summaries and writes run.plx.json /
lineages.plx.json.

The run dir is <offline_root>/runs/<uuid>/. Prints one JSON line on stdout:
{"uuid": ..., "run_dir": ..., "metrics": {name: [[step, value], ...]}}
(values as Python repr strings, so nan/inf survive JSON).
"""

import argparse
import datetime
import json
import os
import sys
import tempfile


# What the script logs, fixed. [step, value]; step None = no step.
METRIC1 = [(1, 0.5), (2, 0.25), (3, float("nan")), (4, float("inf")), (5, 1e-05)]
METRICS_23 = [(1, 0.1, 2.0), (2, 0.2, 4.0), (3, 0.3, 8.0)]
SINGLE = [(1, 0.75)]
NEG = [(1, -1.5), (2, float("-inf")), (3, 3.0)]
NOSTEP = [(None, 1.0), (None, 2.0)]
LAST_NAN = [(1, 1.0), (2, float("nan"))]  # summary last (and outputs value) become null
UNORDERED = [(3, 0.3), (1, 0.1), (2, 0.2)]  # summary step min/max are the first/last ROWS
FIXED_TS = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
FIXED_TS_METRIC = [(1, 42.0, FIXED_TS), (2, 43.0, FIXED_TS + datetime.timedelta(seconds=1, microseconds=250))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("offline_root")
    parser.add_argument("--uuid", default=None, help="run uuid (32 hex chars); default: generated")
    parser.add_argument(
        "--no-resources",
        action="store_true",
        help="disable the resource (system metrics) logger",
    )
    args = parser.parse_args()

    root = os.path.abspath(args.offline_root)
    os.makedirs(root, exist_ok=True)
    os.environ["POLYAXON_IS_OFFLINE"] = "true"
    os.environ["POLYAXON_OFFLINE_ROOT"] = root
    # Keep the client away from the caller's ~/.polyaxon config and from any server.
    for k in ("POLYAXON_HOST", "POLYAXON_RUN_INSTANCE", "POLYAXON_IS_MANAGED"):
        os.environ.pop(k, None)
    if "POLYAXON_HOME" not in os.environ:
        os.environ["POLYAXON_HOME"] = tempfile.mkdtemp(prefix="plx-home-")

    from polyaxon import tracking
    from polyaxon.schemas import V1ArtifactKind

    # --- the seed script, with fixed values -------------------------------------------------
    run = tracking.init(
        run_uuid=args.uuid,
        collect_resources=False if args.no_resources else None,
    )

    tracking.log_inputs(param1=42)
    tracking.log_tags(["foo", "bar"])

    for step, value in METRIC1:
        tracking.log_metric(name="metric1", value=value, step=step)
    for step, m2, m3 in METRICS_23:
        tracking.log_metrics(metric2=m2, metric3=m3, step=step)
    for step, value in SINGLE:
        tracking.log_metric(name="single", value=value, step=step)
    for step, value in NEG:
        tracking.log_metric(name="neg", value=value, step=step)
    for step, value in NOSTEP:
        tracking.log_metric(name="nostep", value=value, step=step)
    for step, value in LAST_NAN:
        tracking.log_metric(name="last_nan", value=value, step=step)
    for step, value in UNORDERED:
        tracking.log_metric(name="unordered", value=value, step=step)
    for step, value, ts in FIXED_TS_METRIC:
        tracking.log_metric(name="fixed_ts", value=value, step=step, timestamp=ts)

    tracking.log_outputs(res1=7, res2="test value")

    asset_path = tracking.get_outputs_path("test.txt")
    with open(asset_path, "w") as f:
        f.write("Artifact content.")
    tracking.log_artifact_ref(path=asset_path, kind=V1ArtifactKind.FILE)

    asset_path = tracking.get_outputs_path("file.csv")
    with open(asset_path, "w") as f:
        f.write("Artifact content.")
    tracking.log_artifact_ref(path=asset_path, kind=V1ArtifactKind.CSV, name="my-csv")
    # -----------------------------------------------------------------------------------------

    uuid = run.run_uuid
    tracking.end()

    logged = {
        "metric1": METRIC1,
        "metric2": [(s, a) for s, a, _ in METRICS_23],
        "metric3": [(s, b) for s, _, b in METRICS_23],
        "single": SINGLE,
        "neg": NEG,
        "nostep": NOSTEP,
        "unordered": UNORDERED,
        "last_nan": LAST_NAN,
        "fixed_ts": [(s, v) for s, v, _ in FIXED_TS_METRIC],
    }
    print(
        json.dumps(
            {
                "uuid": uuid,
                "run_dir": os.path.join(root, "runs", uuid),
                "metrics": {k: [[s, repr(v)] for s, v in pts] for k, pts in logged.items()},
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Reads ONE event file with traceml's own reader and prints what Polyaxon sees, as JSON.

Usage (with the test venv's python):

    .venv-test/bin/python tests/compat/read_events.py <file.plx> [--kind KIND]

KIND defaults to the parent directory's name (events/<kind>/<name>.plx; resources/metric/
files are kind metric). Prints one JSON object on stdout:

    {"name": ..., "kind": ..., "rows": n,
     "steps": [int or null, ...], "timestamps": [raw text, ...],
     "values": [...],                  # metric: floats, nan/inf/-inf as strings
     "summary": {...} or null,         # traceml's V1Events.get_summary() (null if no rows)
     "streams": {...} or null}         # what the server's streams API returns for orient=dict

Exit code 1 (and {"error": "..."} on stdout) when traceml cannot read the file.
"""

import argparse
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _plxcompat  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--kind", default=None)
    args = parser.parse_args()

    path = os.path.abspath(args.file)
    name = os.path.basename(path).split(".plx")[0]
    kind = args.kind or os.path.basename(os.path.dirname(path))
    out = {"name": name, "kind": kind}
    try:
        columns = _plxcompat.events_columns(kind, path)
        out.update(columns)
        ev = _plxcompat.read_client(kind, name, path)
        from clipped.utils.json import orjson_dumps, orjson_loads

        out["summary"] = None if ev.df.empty else orjson_loads(orjson_dumps(ev.get_summary()))
        sev = _plxcompat.read_streams(kind, name, path)
        out["streams"] = None if sev is None else orjson_loads(orjson_dumps(sev.to_dict()))
    except Exception as e:
        out["error"] = f"{type(e).__name__}: {e}"
        print(json.dumps(out, default=str))
        return 1
    print(json.dumps(out, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())

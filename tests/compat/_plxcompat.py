"""Shared helpers for the compatibility scripts in tests/compat (run with the test venv's python).

Everything here reads files the way Polyaxon's own code does:
- `read_client`: what the tracking client / sidecar uses to compute summaries
  (`RunClient._collect_events_summaries`: `V1Events.read(kind, name, data=<path>)`, i.e. pandas
  `read_csv(sep="|", parse_dates=["timestamp"])` with the default engine);
- `read_streams`: what the server's streams API uses for `?orient=dict`
  (`haupt.streams.controllers.events.process_operation_event`:
  `V1Events.read(kind, name, data=<contents>, parse_dates=False, engine="pyarrow")`).
"""

import math
import os
import warnings
from typing import Any, Dict, List, Optional

# pandas/numpy emit RuntimeWarnings for inf/nan arithmetic in describe(); they are expected.
warnings.filterwarnings("ignore")


def read_client(kind: str, name: str, path: str):
    from traceml.events import V1Events

    return V1Events.read(kind=kind, name=name, data=path)


def read_streams(kind: str, name: str, path: str):
    from traceml.events import V1Events

    with open(path, "r") as f:
        contents = f.read()
    if not contents:
        return None
    return V1Events.read(
        kind=kind, name=name, data=contents, parse_dates=False, engine="pyarrow"
    )


def json_float(v: Any) -> Any:
    """A float as JSON: finite floats as numbers, nan/inf/-inf as strings, None as null."""
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if math.isnan(f):
        return "nan"
    if math.isinf(f):
        return "inf" if f > 0 else "-inf"
    return f


def json_step(v: Any) -> Optional[int]:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return v
    if math.isnan(f):
        return None
    if f == int(f):
        return int(f)
    return f


def raw_rows(path: str) -> List[List[str]]:
    """The data rows of a pipe-separated event file, split in 3 (no parsing)."""
    with open(path, "r", encoding="utf-8") as f:
        text = f.read()
    lines = text.split("\n")[1:]
    return [line.split("|", 2) for line in lines if line != ""]


def events_columns(kind: str, path: str) -> Dict[str, Any]:
    """steps / timestamps (raw text) / values of one event file, read by traceml (client path)."""
    import numpy as np

    name = os.path.basename(path).split(".plx")[0]
    ev = read_client(kind, name, path)
    df = ev.df
    out: Dict[str, Any] = {"rows": int(df.shape[0])}
    out["steps"] = [json_step(v) for v in df["step"].tolist()] if "step" in df else []
    # Raw timestamp text as written in the file (pandas may or may not have parsed it).
    if kind in ("html", "text", "chart", "span"):
        out["timestamps"] = [
            (str(v) if v is not None and not (isinstance(v, float) and np.isnan(v)) else None)
            for v in (df["timestamp"].tolist() if "timestamp" in df else [])
        ]
    else:
        out["timestamps"] = [r[1] if len(r) > 1 else None for r in raw_rows(path)]
    if kind in df:
        col = df[kind]
        if kind == "metric":
            out["values"] = [json_float(v) for v in col.tolist()]
        else:
            out["values"] = [
                None if (isinstance(v, float) and np.isnan(v)) else v for v in col.tolist()
            ]
    else:
        out["values"] = []
    return out

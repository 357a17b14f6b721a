#!/usr/bin/env python3
"""Checks that an OFFLINE run directory is what Polyaxon's own Python client would write and can
read back, using Polyaxon's own code (polyaxon 2.18.0 / traceml 1.5.0).

Usage (with the test venv's python, see scripts/test-env.sh):

    .venv-test/bin/python tests/compat/check_offline_run.py <offline_root>/runs/<uuid>

Prints ONE JSON object on stdout and exits 0 when ok, 1 otherwise:

    {"ok": bool,
     "errors": ["..."],            # any error makes ok false
     "warnings": ["..."],          # Python's own output can trigger these; never fatal
     "uuid": "<dir name>",
     "metrics": {name: {"steps": [...], "timestamps": [...], "values": [...]}},  # events/metric
     "system":  {name: {...same...}},                                            # resources/metric
     "events":  {kind: [name, ...]},  # every event file found, by kind (metric included)
     "lineage": [name, ...]}          # names in lineages.plx.json, in file order

`steps` are ints (null for a row without a step); `timestamps` are the raw text of the file;
`values` are floats, with nan / inf / -inf as the strings "nan", "inf", "-inf".

What is checked:
- run.plx.json: strict JSON (orjson); loads with `V1Run(**data)` exactly like
  `RunClient.load_offline_run`; no key outside V1Run's fields; no top-level null (Python omits
  them); `uuid` equals the directory name; for every metric, `outputs[name]` equals the
  summary's `last` (Python's final sync does `log_outputs(**last_values)`).
- lineages.plx.json: strict JSON array; each item loads with `V1RunArtifact.from_dict` (extra
  keys forbidden), like `load_offline_run`; names unique. It must exist when any event file has
  rows (Python always writes the event summaries there, and `polyaxon ops push` uploads no
  artifacts without lineage).
- events/<kind>/<name>.plx and resources/metric/<name>.plx: the exact text format (header
  `step|timestamp|<kind>`, no trailing newline, `<int or empty>|<str(datetime)>|<value>` rows,
  metric values in Python's `str(float)` form; JSONL kinds start with an empty line); readable
  by traceml both the way the client computes summaries and the way the server's streams API
  answers `orient=dict` (pyarrow engine).
- for every non-empty event file, a lineage item with name, kind (`system` for resources), path
  `events/<kind>/<name>.plx`, `is_input: false` and a summary equal to traceml's own
  `V1Events.read(...).get_summary()` recomputed from the file (floats within 1e-9 relative).
- file refs whose summary has an absolute existing path: `hash` = md5(file)[:12].
"""

import argparse
import hashlib
import json
import math
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _plxcompat  # noqa: E402  (sets the warnings filter before pandas is imported)

JSONL_KINDS = ("html", "text", "chart", "span")
TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{6})?([+-]\d{2}:\d{2}(:\d{2})?)?$")
STEP_RE = re.compile(r"^-?\d+$")
REL_TOL = 1e-9


class Report:
    def __init__(self):
        self.errors = []
        self.warnings = []

    def error(self, msg):
        self.errors.append(msg)

    def warn(self, msg):
        self.warnings.append(msg)


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def compare(expected, actual, where, rep, float_kinds_ok=True):
    """Deep comparison; floats within REL_TOL relative. Reports every difference."""
    if is_num(expected) and is_num(actual):
        e, a = float(expected), float(actual)
        if math.isnan(e) and math.isnan(a):
            return
        if e == a or abs(e - a) <= REL_TOL * max(abs(e), abs(a)):
            if type(expected) is not type(actual):
                rep.warn(
                    f"{where}: {actual!r} is a JSON {type(actual).__name__}, "
                    f"Python writes a {type(expected).__name__} ({expected!r})"
                )
            return
        rep.error(f"{where}: expected {expected!r}, found {actual!r}")
        return
    if isinstance(expected, dict) and isinstance(actual, dict):
        for k in expected:
            if k not in actual:
                rep.error(f"{where}: missing key {k!r} (expected {expected[k]!r})")
            else:
                compare(expected[k], actual[k], f"{where}.{k}", rep)
        for k in actual:
            if k not in expected:
                rep.error(f"{where}: unexpected key {k!r} = {actual[k]!r} (Python has no such key)")
        return
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            rep.error(f"{where}: expected {len(expected)} items, found {len(actual)}")
            return
        for i, (e, a) in enumerate(zip(expected, actual)):
            compare(e, a, f"{where}[{i}]", rep)
        return
    if expected is None and actual is None:
        return
    if type(expected) is not type(actual) or expected != actual:
        rep.error(f"{where}: expected {expected!r}, found {actual!r}")


def load_json_strict(path, rep):
    from clipped.utils.json import orjson_loads

    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        rep.error(f"{path}: cannot read: {e}")
        return None
    try:
        return orjson_loads(raw)
    except Exception as e:  # orjson rejects NaN/Infinity literals, like the server would
        rep.error(f"{path}: not strict JSON: {e}")
        return None


def check_run_json(run_dir, uuid, rep):
    from polyaxon.schemas import V1Run

    path = os.path.join(run_dir, "run.plx.json")
    if not os.path.isfile(path):
        rep.error("run.plx.json is missing")
        return None
    data = load_json_strict(path, rep)
    if data is None:
        return None
    if not isinstance(data, dict):
        rep.error(f"run.plx.json: expected a JSON object, found {type(data).__name__}")
        return None
    try:
        V1Run(**data)
    except Exception as e:
        rep.error(f"run.plx.json: V1Run rejects it: {e}")
    unknown = sorted(set(data) - set(V1Run.model_fields))
    if unknown:
        rep.error(f"run.plx.json: keys that are not V1Run fields: {unknown}")
    nulls = sorted(k for k, v in data.items() if v is None)
    if nulls:
        rep.error(f"run.plx.json: null values (Python omits them): {nulls}")
    if data.get("uuid") != uuid:
        rep.error(f"run.plx.json: uuid {data.get('uuid')!r} != run directory name {uuid!r}")
    if "status" in data and data.get("status") not in ("succeeded", "failed", "stopped", "done"):
        rep.warn(f"run.plx.json: status {data.get('status')!r} is not final (run not ended?)")
    # What the server's POST /api/v1/{o}/{p}/runs/sync (OfflineRunSerializer), used by
    # `polyaxon ops push`, requires (checked against haupt 2.18.0): uuid, created_at, kind, and
    # an unmanaged run (managed_by "user" or is_managed false) unless there is a `content`.
    for key in ("uuid", "created_at", "kind"):
        if key not in data:
            rep.error(f"run.plx.json: no {key!r} (the server's /runs/sync, used by `polyaxon ops push`, requires it)")
    unmanaged = data.get("managed_by") == "user" or (
        "managed_by" not in data and data.get("is_managed") is False
    )
    if not unmanaged and not data.get("content"):
        rep.error(
            "run.plx.json: managed_by is not \"user\" (and no content): the server's /runs/sync "
            "answers 400 \"Run expects a `content`.\""
        )
    for key in ("started_at", "finished_at", "status", "status_conditions", "is_managed", "runtime"):
        if key not in data:
            rep.warn(f"run.plx.json: no {key!r} (Python writes it for an ended offline run)")
    return data


def check_lineages_json(run_dir, rep):
    from traceml.artifacts import V1RunArtifact

    path = os.path.join(run_dir, "lineages.plx.json")
    if not os.path.isfile(path):
        return None
    data = load_json_strict(path, rep)
    if data is None:
        return []
    if not isinstance(data, list):
        rep.error(f"lineages.plx.json: expected a JSON array, found {type(data).__name__}")
        return []
    items = []
    seen = set()
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            rep.error(f"lineages.plx.json[{i}]: expected an object, found {item!r}")
            continue
        try:
            V1RunArtifact.from_dict(item)
        except Exception as e:
            rep.error(f"lineages.plx.json[{i}] ({item.get('name')!r}): V1RunArtifact rejects it: {e}")
        nulls = sorted(k for k, v in item.items() if v is None)
        if nulls:
            rep.error(f"lineages.plx.json[{i}] ({item.get('name')!r}): null values (Python omits them): {nulls}")
        name = item.get("name")
        if name in seen:
            rep.error(f"lineages.plx.json: duplicate name {name!r} (Python keys lineage by name)")
        seen.add(name)
        if "summary" not in item:
            rep.error(f"lineages.plx.json[{i}] ({name!r}): no summary (the server requires one)")
        items.append(item)
    return items


def check_event_text(kind, path, rel, is_resource, rep):
    """The exact text format. Returns False if the file is unusable."""
    try:
        with open(path, "r", encoding="utf-8", newline="") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        rep.error(f"{rel}: cannot read as UTF-8: {e}")
        return False
    if "\r" in text:
        rep.error(f"{rel}: contains \\r (Python writes \\n only)")
    if text.endswith("\n") and text.strip("\n"):
        rep.error(
            f"{rel}: ends with a newline (Python appends '\\n'+row and never ends with one; "
            "a Python writer appending to this file would create an empty row)"
        )
    lines = text.split("\n")
    if kind in JSONL_KINDS:
        if text and lines[0] != "":
            rep.error(f"{rel}: a JSONL event file must start with an empty line (created empty, then '\\n'+json per event)")
        for n, line in enumerate(lines[1:], start=2):
            if line == "":
                if n != len(lines):
                    rep.error(f"{rel}:{n}: empty line")
                continue
            try:
                obj = json.loads(line)
            except ValueError as e:
                rep.error(f"{rel}:{n}: not JSON: {e}")
                continue
            if not isinstance(obj, dict) or set(obj) != {"timestamp", "step", kind}:
                rep.error(f"{rel}:{n}: expected keys timestamp, step, {kind}; found {obj!r}"[:300])
                continue
            if not isinstance(obj["timestamp"], str) or not TS_RE.match(obj["timestamp"]):
                rep.error(f"{rel}:{n}: timestamp {obj['timestamp']!r} is not Python's str(datetime)")
            if obj["step"] is not None and not (isinstance(obj["step"], int) and not isinstance(obj["step"], bool)):
                rep.error(f"{rel}:{n}: step {obj['step']!r} is not an int or null")
            if json.dumps(obj) != line:
                rep.warn(f"{rel}:{n}: not in Python json.dumps form (', ' and ': ' separators, key order timestamp, step, {kind})")
        return True

    header = f"step|timestamp|{kind}"
    if lines[0] != header:
        rep.error(f"{rel}: header {lines[0]!r}, expected {header!r}")
        return False
    frac = set()
    for n, line in enumerate(lines[1:], start=2):
        if line == "":
            if n != len(lines):
                rep.error(f"{rel}:{n}: empty line")
            continue
        parts = line.split("|", 2)
        if len(parts) != 3:
            rep.error(f"{rel}:{n}: expected 3 '|'-separated fields: {line!r}")
            continue
        step, ts, value = parts
        if step and not STEP_RE.match(step):
            rep.error(f"{rel}:{n}: step {step!r} is not an integer")
        if is_resource and step:
            rep.warn(f"{rel}:{n}: resource rows have no step in Python")
        if not TS_RE.match(ts):
            rep.error(f"{rel}:{n}: timestamp {ts!r} is not Python's str(datetime) ('YYYY-MM-DD HH:MM:SS[.ffffff][+HH:MM]')")
        else:
            frac.add("." in ts)
        if kind == "metric":
            try:
                f = float(value)
            except ValueError:
                rep.error(f"{rel}:{n}: metric value {value!r} is not a float")
                continue
            if repr(f) != value:
                msg = f"{rel}:{n}: metric value {value!r} is not Python's str(float) ({repr(f)!r})"
                (rep.warn if is_resource else rep.error)(msg)
        else:
            try:
                obj = json.loads(value)
            except ValueError as e:
                rep.error(f"{rel}:{n}: value is not JSON: {e}")
                continue
            if "|" in value:
                rep.error(f"{rel}:{n}: value contains '|' (breaks the CSV reader)")
            if json.dumps(obj, separators=(",", ":")) != value:
                rep.warn(f"{rel}:{n}: value is not compact JSON (Python writes orjson, no spaces)")
    if len(frac) > 1:
        rep.warn(
            f"{rel}: some timestamps have microseconds and some do not (Python's str(datetime) "
            "drops '.000000'); pandas then cannot parse the column, so traceml's summary has no "
            "'timestamp' (Python itself does this)"
        )
    return True


def check_event_file(kind, path, rel, is_resource, rep):
    """Reads one event file like Polyaxon does; returns (summary or None, columns or None)."""
    if not check_event_text(kind, path, rel, is_resource, rep):
        return None, None
    name = os.path.basename(path).split(".plx")[0]
    try:
        ev = _plxcompat.read_client(kind, name, path)
    except Exception as e:
        rep.error(f"{rel}: traceml's reader (client/summary path) fails: {type(e).__name__}: {e}")
        return None, None
    try:
        sev = _plxcompat.read_streams(kind, name, path)
        if sev is not None:
            sev.to_dict()
            if sev.df.shape[0] != ev.df.shape[0]:
                rep.error(f"{rel}: streams reader sees {sev.df.shape[0]} rows, client reader {ev.df.shape[0]}")
    except Exception as e:
        rep.error(f"{rel}: the server's streams reader (pyarrow, orient=dict) fails: {type(e).__name__}: {e}")
    try:
        columns = _plxcompat.events_columns(kind, path)
    except Exception as e:
        rep.error(f"{rel}: cannot extract columns: {type(e).__name__}: {e}")
        columns = None
    if ev.df.empty:
        return None, columns
    if kind == "metric":
        import pandas as pd

        if not pd.api.types.is_float_dtype(ev.df["metric"]):
            rep.error(f"{rel}: pandas reads the metric column as {ev.df['metric'].dtype}, not float64")
    try:
        summary = ev.get_summary()
    except Exception as e:
        rep.error(f"{rel}: traceml's get_summary fails: {type(e).__name__}: {e}")
        return None, columns
    if "timestamp" not in summary and "timestamp" in ev.df and ev.df["timestamp"].count() > 0:
        rep.warn(
            f"{rel}: pandas did not parse the timestamps as datetimes, so traceml's summary "
            "has no 'timestamp'"
        )
    # Normalize through orjson like persist_run does (tuples -> lists, numpy -> python).
    from clipped.utils.json import orjson_dumps, orjson_loads

    return orjson_loads(orjson_dumps(summary)), columns


def collect_event_files(run_dir, rep):
    """[(kind, name, abs path, rel path, is_resource)]"""
    from traceml.artifacts import V1ArtifactKind

    kinds = {k.value for k in V1ArtifactKind}
    found = []
    events_dir = os.path.join(run_dir, "events")
    if os.path.isdir(events_dir):
        for kind in sorted(os.listdir(events_dir)):
            kdir = os.path.join(events_dir, kind)
            if not os.path.isdir(kdir):
                rep.warn(f"events/{kind}: not a directory")
                continue
            if kind not in kinds:
                rep.error(f"events/{kind}: {kind!r} is not a V1ArtifactKind")
                continue
            for fname in sorted(os.listdir(kdir)):
                rel = f"events/{kind}/{fname}"
                if not fname.endswith(".plx") or not os.path.isfile(os.path.join(kdir, fname)):
                    rep.warn(f"{rel}: not a .plx event file")
                    continue
                found.append((kind, fname[: -len(".plx")], os.path.join(kdir, fname), rel, False))
    res_dir = os.path.join(run_dir, "resources")
    if os.path.isdir(res_dir):
        for kind in sorted(os.listdir(res_dir)):
            kdir = os.path.join(res_dir, kind)
            if kind != "metric" or not os.path.isdir(kdir):
                rep.warn(f"resources/{kind}: unexpected (Python only writes resources/metric/)")
                continue
            for fname in sorted(os.listdir(kdir)):
                rel = f"resources/{kind}/{fname}"
                if not fname.endswith(".plx"):
                    rep.warn(f"{rel}: not a .plx event file")
                    continue
                found.append((kind, fname[: -len(".plx")], os.path.join(kdir, fname), rel, True))
    return found


def check_ref(item, run_dir, rep):
    """Lineage items that are not event summaries."""
    name, kind, path = item.get("name"), item.get("kind"), item.get("path")
    summary = item.get("summary") or {}
    if path and not os.path.isabs(path) and kind in ("file", "env", "csv", "tsv", "psv", "ssv", "dockerfile", "model", "data", "dir", "tensorboard"):
        if not os.path.exists(os.path.join(run_dir, path)):
            rep.warn(f"lineage {name!r}: path {path!r} does not exist under the run dir")
    spath, shash = summary.get("path"), summary.get("hash")
    if shash is not None and not (isinstance(shash, str) and re.fullmatch(r"[0-9a-f]{12}", shash)):
        rep.error(f"lineage {name!r}: summary.hash {shash!r} is not 12 lowercase hex chars")
    if kind == "env":
        env_path = os.path.join(run_dir, path or "outputs/env.json")
        if os.path.isfile(env_path):
            try:
                with open(env_path, "rb") as f:
                    content = json.loads(f.read())
                if not isinstance(content, dict):
                    rep.error(f"lineage {name!r}: {path} is not a JSON object")
                elif shash:
                    # Python: md5(str(<dict>))[:12], where "packages" is a list of tuples.
                    cands = set()
                    cands.add(hashlib.md5(str(content).encode()).hexdigest()[:12])
                    if isinstance(content.get("packages"), list):
                        c2 = dict(content)
                        c2["packages"] = [tuple(p) if isinstance(p, list) else p for p in content["packages"]]
                        cands.add(hashlib.md5(str(c2).encode()).hexdigest()[:12])
                    if shash not in cands:
                        rep.warn(f"lineage {name!r}: hash {shash} is not Python's md5(str(env dict))[:12] of {path}")
            except ValueError as e:
                rep.error(f"lineage {name!r}: {path} is not JSON: {e}")
        else:
            rep.warn(f"lineage {name!r}: {path!r} not found")
    elif isinstance(spath, str) and os.path.isabs(spath) and os.path.isfile(spath) and shash:
        with open(spath, "rb") as f:
            want = hashlib.md5(f.read()).hexdigest()[:12]
        if want != shash:
            rep.error(f"lineage {name!r}: summary.hash {shash} != md5({spath})[:12] = {want}")


def main():
    parser = argparse.ArgumentParser(description="Check an offline Polyaxon run dir with Polyaxon's own code.")
    parser.add_argument("run_dir", help="<offline_root>/runs/<uuid>")
    args = parser.parse_args()

    rep = Report()
    run_dir = os.path.abspath(args.run_dir)
    uuid = os.path.basename(run_dir.rstrip("/"))
    out = {"ok": False, "errors": rep.errors, "warnings": rep.warnings, "uuid": uuid,
           "metrics": {}, "system": {}, "events": {}, "lineage": []}

    if not os.path.isdir(run_dir):
        rep.error(f"{run_dir}: not a directory")
        print(json.dumps(out, default=str))
        return 1
    if not re.fullmatch(r"[0-9a-f]{32}", uuid):
        rep.warn(f"run dir name {uuid!r} is not a 32-hex uuid")
    if not os.path.isdir(os.path.join(run_dir, "outputs")):
        rep.warn("no outputs/ directory")

    run = check_run_json(run_dir, uuid, rep)
    lineage = check_lineages_json(run_dir, rep)
    out["lineage"] = [i.get("name") for i in (lineage or [])]
    by_name = {i.get("name"): i for i in (lineage or [])}

    files = collect_event_files(run_dir, rep)
    event_names = {}
    expected_last = {}
    for kind, name, path, rel, is_resource in files:
        summary, columns = check_event_file(kind, path, rel, is_resource, rep)
        if not is_resource:
            out["events"].setdefault(kind, []).append(name)
        if columns is not None and kind == "metric":
            target = out["system"] if is_resource else out["metrics"]
            target[name] = {k: columns[k] for k in ("steps", "timestamps", "values")}
        if summary is None:
            if lineage is not None and name in by_name and by_name[name].get("path") == rel:
                rep.warn(f"{rel}: has no rows, yet lineage has an item for it (Python skips empty files)")
            continue
        if name in event_names:
            rep.warn(f"{rel}: name {name!r} also used by {event_names[name]}; lineage keeps only one item per name")
        event_names[name] = rel
        if lineage is None:
            continue
        item = by_name.get(name)
        if item is None:
            rep.error(f"lineages.plx.json: no item for {rel} (Python adds one per non-empty event file)")
            continue
        want_kind = "system" if is_resource else kind
        if item.get("kind") != want_kind:
            rep.error(f"lineage {name!r}: kind {item.get('kind')!r}, expected {want_kind!r}")
        if item.get("path") != rel:
            rep.error(f"lineage {name!r}: path {item.get('path')!r}, expected {rel!r}")
        if item.get("is_input") is not False:
            rep.error(f"lineage {name!r}: is_input {item.get('is_input')!r}, expected false")
        compare(summary, item.get("summary"), f"lineage {name!r} summary", rep)
        if kind == "metric" and not is_resource:
            expected_last[name] = summary.get("metric", {}).get("last")

    if lineage is None:
        if event_names:
            rep.error(
                "lineages.plx.json is missing although event files have rows (Python writes their "
                "summaries there; `polyaxon ops push` uploads no artifacts without lineage)"
            )
        else:
            rep.warn("no lineages.plx.json (Python writes none when there is no lineage at all)")
    else:
        for item in lineage:
            summary = item.get("summary") or {}
            if isinstance(summary, dict) and summary.get("is_event"):
                if item.get("name") not in event_names or event_names[item.get("name")] != item.get("path"):
                    rep.error(f"lineage {item.get('name')!r}: an event summary for {item.get('path')!r}, which is missing or empty")
            else:
                check_ref(item, run_dir, rep)

    if run is not None and expected_last:
        outputs = run.get("outputs") or {}
        for name, last in sorted(expected_last.items()):
            if name not in outputs:
                rep.error(f"run.plx.json: outputs has no {name!r} (Python sets outputs[<metric>] = last value)")
            else:
                compare(last, outputs[name], f"run.plx.json outputs.{name}", rep)
        meta = run.get("meta_info") or {}
        if out["metrics"] and not meta.get("has_metrics"):
            rep.warn("run.plx.json: meta_info.has_metrics is not true although metrics were logged")

    out["ok"] = not rep.errors
    print(json.dumps(out, default=str))
    return 0 if out["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())

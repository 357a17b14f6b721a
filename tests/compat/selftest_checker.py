#!/usr/bin/env python3
"""Self-test of check_offline_run.py against REAL Python output.

    .venv-test/bin/python tests/compat/selftest_checker.py [<workdir>]

1. writes a reference offline run with Polyaxon's own client (make_reference_run.py);
2. checks it with check_offline_run.py: it must pass;
3. applies mutations that a buggy writer could make (wrong summary, trailing newline,
   non-Python float text, 'T' in timestamps, NaN literal in JSON, ...) to copies of the run
   and checks that each one is reported as an error (or, for benign ones, as a warning only).
Exits 0 when every expectation holds; prints one line per case.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PY = sys.executable


def run_checker(run_dir):
    p = subprocess.run(
        [PY, os.path.join(HERE, "check_offline_run.py"), run_dir],
        capture_output=True,
        text=True,
    )
    try:
        report = json.loads(p.stdout)
    except ValueError:
        raise SystemExit(f"checker printed no JSON (rc {p.returncode}):\n{p.stdout}\n{p.stderr}")
    if (p.returncode == 0) != report["ok"]:
        raise SystemExit(f"checker exit code {p.returncode} disagrees with ok={report['ok']}")
    return report


def edit_json(path, fn):
    with open(path) as f:
        data = json.load(f)
    data = fn(data)
    with open(path, "w") as f:
        f.write(json.dumps(data, separators=(",", ":")))


def lineage_item(data, name):
    return next(i for i in data if i["name"] == name)


def sub_file(path, pattern, repl, count=0):
    with open(path) as f:
        text = f.read()
    new = re.sub(pattern, repl, text, count=count)
    assert new != text, (path, pattern)
    with open(path, "w") as f:
        f.write(new)


def main():
    work = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="plx-selftest-")
    root = os.path.join(work, "ref")
    p = subprocess.run(
        [PY, os.path.join(HERE, "make_reference_run.py"), root],
        capture_output=True,
        text=True,
    )
    if p.returncode != 0:
        raise SystemExit(f"make_reference_run.py failed:\n{p.stderr}")
    info = json.loads(p.stdout.strip().splitlines()[-1])
    ref = info["run_dir"]

    failures = 0

    def expect(name, report, want_error=None, want_ok=None, want_warning=None):
        nonlocal failures
        ok = True
        if want_ok is not None and report["ok"] != want_ok:
            ok = False
        if want_error and not any(re.search(want_error, e) for e in report["errors"]):
            ok = False
        if want_warning and not any(re.search(want_warning, w) for w in report["warnings"]):
            ok = False
        print(("PASS " if ok else "FAIL ") + name)
        if not ok:
            failures += 1
            print(json.dumps({"errors": report["errors"], "warnings": report["warnings"]}, indent=1))

    report = run_checker(ref)
    expect("reference run passes", report, want_ok=True)
    m = report["metrics"]
    expect(
        "reference metric1 read back",
        {"ok": m["metric1"]["values"] == [0.5, 0.25, "nan", "inf", 1e-05]
         and m["metric1"]["steps"] == [1, 2, 3, 4, 5], "errors": [], "warnings": []},
        want_ok=True,
    )

    cases = []

    def case(name, mutate, **want):
        cases.append((name, mutate, want))

    L = "lineages.plx.json"
    R = "run.plx.json"
    M1 = "events/metric/metric1.plx"

    case("summary mean off", lambda d: edit_json(os.path.join(d, L), lambda x: (
        lineage_item(x, "metric2")["summary"]["metric"].__setitem__("mean", 0.2001), x)[1]),
        want_ok=False, want_error=r"metric2.*mean")
    case("summary std for n=1 is 0.0 instead of null", lambda d: edit_json(os.path.join(d, L), lambda x: (
        lineage_item(x, "single")["summary"]["metric"].__setitem__("std", 0.0), x)[1]),
        want_ok=False, want_error=r"single.*std")
    case("summary last wrong", lambda d: edit_json(os.path.join(d, L), lambda x: (
        lineage_item(x, "metric1")["summary"]["metric"].__setitem__("last", 0.5), x)[1]),
        want_ok=False, want_error=r"metric1.*last")
    case("summary step max = max step instead of last row", lambda d: edit_json(os.path.join(d, L), lambda x: (
        lineage_item(x, "metric1")["summary"]["step"].__setitem__("max", 6), x)[1]),
        want_ok=False, want_error=r"metric1.*step\.max")
    case("summary timestamp with Z", lambda d: edit_json(os.path.join(d, L), lambda x: (
        lineage_item(x, "metric2")["summary"]["timestamp"].__setitem__(
            "min", lineage_item(x, "metric2")["summary"]["timestamp"]["min"].replace("+00:00", "Z")), x)[1]),
        want_ok=False, want_error=r"metric2.*timestamp\.min")
    case("summary count int instead of float (warning only)", lambda d: edit_json(os.path.join(d, L), lambda x: (
        lineage_item(x, "metric2")["summary"]["metric"].__setitem__("count", 3), x)[1]),
        want_ok=True, want_warning=r"metric2.*count")
    case("summary extra key", lambda d: edit_json(os.path.join(d, L), lambda x: (
        lineage_item(x, "metric2")["summary"]["metric"].__setitem__("sum", 0.6), x)[1]),
        want_ok=False, want_error=r"unexpected key 'sum'")
    case("lineage item missing", lambda d: edit_json(os.path.join(d, L), lambda x: [
        i for i in x if i["name"] != "metric3"]),
        want_ok=False, want_error=r"no item for events/metric/metric3.plx")
    case("lineage extra field", lambda d: edit_json(os.path.join(d, L), lambda x: (
        x[0].__setitem__("bogus", 1), x)[1]),
        want_ok=False, want_error=r"V1RunArtifact rejects")
    case("lineage wrong kind for resources", lambda d: edit_json(os.path.join(d, L), lambda x: (
        lineage_item(x, "cpu").__setitem__("kind", "metric"), x)[1]),
        want_ok=False, want_error=r"'cpu': kind")
    case("lineages.plx.json missing", lambda d: os.remove(os.path.join(d, L)),
        want_ok=False, want_error=r"lineages.plx.json is missing")
    case("trailing newline in metric file", lambda d: open(os.path.join(d, M1), "a").write("\n"),
        want_ok=False, want_error=r"ends with a newline")
    case("metric value not Python str(float)", lambda d: sub_file(os.path.join(d, M1), r"\|1e-05$", "|0.00001"),
        want_ok=False, want_error=r"not Python's str\(float\)")
    case("metric value NaN spelled differently", lambda d: sub_file(os.path.join(d, M1), r"\|nan\n", "|NaN\n"),
        want_ok=False, want_error=r"'NaN' is not Python's str")
    case("timestamp with T", lambda d: sub_file(os.path.join(d, M1), r"(\d) (\d\d:)", r"\1T\2"),
        want_ok=False, want_error=r"not Python's str\(datetime\)")
    case("bad header", lambda d: sub_file(os.path.join(d, M1), r"^step\|timestamp\|metric", "step|timestamp|value"),
        want_ok=False, want_error=r"header")
    case("non-numeric metric", lambda d: sub_file(os.path.join(d, M1), r"\|0\.25\n", "|abc\n"),
        want_ok=False, want_error=r"not a float")
    case("run.plx.json NaN literal", lambda d: sub_file(os.path.join(d, R), r'"res1":7', '"res1":NaN'),
        want_ok=False, want_error=r"not strict JSON")
    case("run.plx.json unknown key", lambda d: edit_json(os.path.join(d, R), lambda x: (
        x.__setitem__("bogus", 1), x)[1]),
        want_ok=False, want_error=r"not V1Run fields")
    case("run.plx.json null", lambda d: edit_json(os.path.join(d, R), lambda x: (
        x.__setitem__("name", None), x)[1]),
        want_ok=False, want_error=r"null values")
    case("run.plx.json bad status", lambda d: edit_json(os.path.join(d, R), lambda x: (
        x.__setitem__("status", "finished"), x)[1]),
        want_ok=False, want_error=r"V1Run rejects")
    case("run.plx.json outputs missing last", lambda d: edit_json(os.path.join(d, R), lambda x: (
        x["outputs"].pop("metric2"), x)[1]),
        want_ok=False, want_error=r"outputs has no 'metric2'")
    case("file ref hash wrong", lambda d: edit_json(os.path.join(d, L), lambda x: (
        lineage_item(x, "test")["summary"].__setitem__("hash", "000000000000"), x)[1]),
        want_ok=False, want_error=r"'test'.*hash")

    for name, mutate, want in cases:
        d = os.path.join(work, "mut", re.sub(r"\W+", "_", name), "runs", os.path.basename(ref))
        shutil.copytree(ref, d)
        # file refs keep absolute paths into the reference dir: fine for the hash check.
        mutate(d)
        expect(name, run_checker(d), **want)

    print(f"{failures} failure(s); work dir {work}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

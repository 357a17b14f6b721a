#!/usr/bin/env python3
"""Checks the rich events of an offline run against Polyaxon's readers and the references.

Usage (with the test venv's python):

    .venv-test/bin/python tests/compat/check_events.py <run_dir> <inputs.json>

<inputs.json> holds what the Rust test logged (see tests/events.rs). Every event file is read
with traceml's own reader (`V1Events.read` + `get_event_at`, which parses each row into its
`V1Event*` schema); the numbers are recomputed from the inputs with numpy, scikit-learn and
traceml's own image processors (`convert_to_HWC`, `make_grid`, `_draw_single_box` via PIL),
and each asset is decoded (PIL for PNG, `wave` for WAV, pandas for CSV).

Prints one JSON object on stdout: {"<check>": {"ok": true|false, "detail": "..."}, ...}.
"""

import json
import math
import os
import sys
import wave

sys.dont_write_bytecode = True

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from PIL import Image  # noqa: E402
from sklearn.metrics import (  # noqa: E402
    auc,
    average_precision_score,
    precision_recall_curve,
    roc_curve,
)
from traceml.events import V1Events  # noqa: E402
from traceml.processors.events_processors import events_image_processors as ip  # noqa: E402

RUN = sys.argv[1]
INPUTS = json.load(open(sys.argv[2]))
REPORT = {}


def check(name, ok, detail=""):
    REPORT[name] = {"ok": bool(ok), "detail": str(detail)[:2000]}


def events(kind, name):
    """Every row of events/<kind>/<name>.plx as a V1Event, through traceml's reader."""
    path = os.path.join(RUN, "events", kind, name + ".plx")
    with open(path) as f:
        data = f.read()
    ev = V1Events.read(kind=kind, name=name, data=data)
    return [ev.get_event_at(i) for i in range(len(ev.df))]


def same_floats(a, b):
    """Bit-for-bit equality of two float lists (NaN equal to NaN)."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        x = float("nan") if x is None else float(x)
        y = float("nan") if y is None else float(y)
        if not (x == y or (math.isnan(x) and math.isnan(y))):
            return False
    return True


def asset(rel):
    return os.path.join(RUN, rel)


def guarded(fn):
    try:
        fn()
    except Exception as e:  # a crash is a failed check, with its reason
        check(fn.__name__, False, "%s: %s" % (type(e).__name__, e))


@guarded
def text_and_html():
    t = events("text", INPUTS["text"]["name"])
    check("text", [e.text for e in t] == [INPUTS["text"]["value"]] and t[0].step == 1, t)
    h = events("html", INPUTS["html"]["name"])
    check("html", h[0].html == INPUTS["html"]["value"] and h[0].step is None, h)


@guarded
def histograms():
    for spec in INPUTS["histograms"]:
        ev = events("histogram", spec["name"])[0]
        counts, edges = np.histogram(np.array(spec["values"], dtype=float), bins=spec["bins"])
        ok = same_floats(ev.histogram.values, counts.tolist()) and same_floats(
            ev.histogram.counts, edges.tolist()
        )
        check("histogram:" + spec["name"], ok, (ev.histogram.values, counts.tolist()))
    spec = INPUTS["np_histogram"]
    ev = events("histogram", spec["name"])[0]
    check(
        "np_histogram",
        same_floats(ev.histogram.values, spec["counts"])
        and same_floats(ev.histogram.counts, spec["edges"]),
        ev,
    )


@guarded
def curves():
    for spec in INPUTS["curves"]:
        y = np.array(spec["labels"], dtype=int)
        s = np.array(spec["scores"], dtype=float)
        ev = events("curve", spec["name"])[0].curve
        if spec["kind"] == "roc":
            fpr, tpr, _ = roc_curve(y, s)
            x_ref, y_ref, score = fpr, tpr, auc(fpr, tpr)
        else:
            p, r, _ = precision_recall_curve(y, s)
            x_ref, y_ref, score = p, r, average_precision_score(y, s)
        ok = (
            ev.kind == spec["kind"]
            and same_floats(ev.x, x_ref.tolist())
            and same_floats(ev.y, y_ref.tolist())
            and ev.annotation == str(score)
        )
        check("curve:" + spec["name"], ok, (ev.kind, ev.annotation, str(score), len(ev.x), len(x_ref)))
    spec = INPUTS["custom_curve"]
    ev = events("curve", spec["name"])[0].curve
    check(
        "curve:custom",
        ev.kind == "custom" and same_floats(ev.x, spec["x"]) and same_floats(ev.y, spec["y"])
        and ev.annotation == spec["annotation"],
        ev,
    )


@guarded
def confusion():
    spec = INPUTS["confusion"]
    ev = events("confusion", spec["name"])[0].confusion
    from sklearn.metrics import confusion_matrix

    labels = sorted(set(spec["truth"]) | set(spec["predicted"]))
    z = confusion_matrix(spec["truth"], spec["predicted"], labels=labels).tolist()
    check("confusion", ev.x == labels and ev.y == labels and ev.z == z, (ev, z))


def png_pixels(rel):
    return np.array(Image.open(asset(rel)).convert("RGBA" if Image.open(asset(rel)).mode == "RGBA" else "RGB"))


@guarded
def images():
    for spec in INPUTS["images"]:
        ev = events("image", spec["name"])[0]
        img = ev.image
        data = np.array(spec["data"], dtype=np.uint8 if spec["dtype"] == "u8" else np.float32)
        data = data.reshape(spec["shape"])
        # Polyaxon's own conversion: convert_to_HWC (make_grid for a batch), scale, uint8.
        hwc = ip.convert_to_HWC(data, spec["layout"])
        scale = 1 if data.dtype == np.uint8 else 255
        ref = (hwc.astype(np.float32) * scale).astype(np.uint8)
        if spec.get("boxes"):
            pil = Image.fromarray(ref)
            pil = ip.draw_boxes(pil, np.array(spec["boxes"]))
            ref = np.array(pil)
        got = png_pixels(img.path)
        h, w, c = ref.shape
        ok = (
            (img.height, img.width, img.colorspace) == (h, w, c)
            and got.shape == ref.shape
            and (got == ref).all()
            and img.path == "assets/image/%s%s.png" % (spec["name"], "_%d" % spec["step"] if spec["step"] is not None else "")
        )
        check("image:" + spec["name"], ok, (img, got.shape, ref.shape))
    spec = INPUTS["image_file"]
    ev = events("image", spec["name"])[0].image
    with open(asset(ev.path), "rb") as f:
        copied = f.read()
    check(
        "image:file",
        ev.path == spec["path"] and ev.height is None and copied == bytes(spec["bytes"]),
        ev,
    )


@guarded
def audio():
    spec = INPUTS["audio"]
    ev = events("audio", spec["name"])[0].audio
    with wave.open(asset(ev.path)) as w:
        frames = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        rate, channels = w.getframerate(), w.getnchannels()
    # traceml's own conversion: clip to [-1, 1], int(32767.0 * x).
    t = np.array(spec["samples"], dtype=np.float32).clip(-1, 1)
    ref = [int(32767.0 * x) for x in t]
    ok = (
        frames.tolist() == ref
        and (rate, channels) == (spec["sample_rate"], 1)
        and (ev.sample_rate, ev.num_channels, ev.length_frames) == (float(spec["sample_rate"]), 1, len(ref))
        and ev.content_type == "audio/wav"
    )
    check("audio", ok, (ev, frames[:8].tolist(), ref[:8]))


def python_file_event(kind, processor, path, step, default_ext):
    """What Python's own `log_audio(data=path)` / `log_video(data=path)` stores for the same
    file (`tracking/run.py`, in a scratch run folder): its name, and its event value."""
    import tempfile

    from clipped.utils.paths import get_base_filename, get_path_extension
    from traceml.events import get_asset_path

    name = get_base_filename(path)
    ext = get_path_extension(filepath=path) or default_ext
    with tempfile.TemporaryDirectory() as run_path:
        asset_path = get_asset_path(run_path=run_path, kind=kind, name=name, step=step, ext=ext)
        # log_audio passes its `content_type` argument (None); log_video the extension.
        value = processor(
            from_path=path,
            asset_path=asset_path,
            content_type=ext if kind == "video" else None,
            asset_rel_path=os.path.relpath(asset_path, run_path),
        )
        return name, value.to_dict()


@guarded
def audio_file():
    from traceml.processors.events_processors import events_audio_processors as ap

    spec = INPUTS["audio_file"]
    name, python = python_file_event("audio", ap.audio_path, spec["source"], 2, "wav")
    ev = events("audio", name)[0]
    with open(asset(ev.audio.path), "rb") as f, open(spec["source"], "rb") as g:
        same = f.read() == g.read()
    with wave.open(asset(ev.audio.path)) as w:
        frames = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        rate, channels = w.getframerate(), w.getnchannels()
    ok = (
        same
        and name == spec["name"]
        and ev.step == 2
        and ev.audio.to_dict() == python
        and ev.audio.path == spec["path"]
        and (rate, channels) == (spec["sample_rate"], spec["channels"])
        and frames.tolist() == spec["samples"]
    )
    check("audio:file", ok, (ev, python, rate, channels))


@guarded
def video_file():
    from traceml.processors.events_processors import events_video_processors as vp

    spec = INPUTS["video_file"]
    name, python = python_file_event("video", vp.video_path, spec["source"], None, "gif")
    ev = events("video", name)[0]
    with open(asset(ev.video.path), "rb") as f:
        same = f.read() == bytes(spec["bytes"])
    ok = (
        same
        and name == spec["name"]
        and ev.step is None
        and ev.video.to_dict() == python
        and (ev.video.path, ev.video.content_type) == (spec["path"], spec["content_type"])
    )
    check("video:file", ok, (ev, python))


@guarded
def video():
    spec = INPUTS["video"]
    ev = events("video", spec["name"])[0].video
    gif = Image.open(asset(ev.path))
    frames = []
    for i in range(gif.n_frames):
        gif.seek(i)
        frames.append(np.array(gif.convert("RGB")))
    ref = np.array(spec["data"], dtype=np.uint8).reshape(spec["shape"])
    # A GIF has 256 colors a frame: these frames have fewer, so they come back exact.
    ok = (
        len(frames) == ref.shape[0]
        and all((f == r).all() for f, r in zip(frames, ref))
        and (ev.height, ev.width, ev.colorspace, ev.content_type) == (ref.shape[1], ref.shape[2], 3, "gif")
    )
    check("video", ok, (ev, len(frames)))


@guarded
def chart():
    spec = INPUTS["chart"]
    ev = events("chart", spec["name"])[0].chart
    check("chart", ev.kind == "vega" and ev.figure == spec["figure"], ev)


@guarded
def dataframe():
    spec = INPUTS["dataframe"]
    ev = events("dataframe", spec["name"])[0].dataframe
    got = pd.read_csv(asset(ev.path), index_col=0)
    ref = pd.DataFrame(spec["rows"])
    with open(asset(ev.path)) as f:
        text = f.read()
    ok = (
        ev.content_type == "csv"
        and ev.path == "assets/dataframe/%s_%d.csv" % (spec["name"], spec["step"])
        and got.equals(ref)
        and text == ref.to_csv()
    )
    check("dataframe", ok, (text, ref.to_csv()))


@guarded
def models_and_artifacts():
    spec = INPUTS["model"]
    ev = events("model", spec["name"])[0].model
    with open(asset(ev.path), "rb") as f:
        same = f.read() == spec["content"].encode()
    check(
        "model:step",
        same and ev.framework == spec["framework"] and ev.spec == spec["spec"]
        and ev.path == "assets/model/%s_%d.bin" % (spec["name"], spec["step"]),
        ev,
    )
    spec = INPUTS["artifact"]
    # traceml's V1Event has no field per artifact kind (`tensor`), so `get_event_at` cannot
    # parse these rows (Python's own files alike): read the table, parse the cell.
    from traceml.events import V1EventArtifact

    path = os.path.join(RUN, "events", spec["kind"], spec["name"] + ".plx")
    df = V1Events.read(kind=spec["kind"], name=spec["name"], data=open(path).read()).df
    ev = V1EventArtifact.from_dict(json.loads(df[spec["kind"]][0]))
    with open(asset(ev.path), "rb") as f:
        same = f.read() == spec["content"].encode()
    check("artifact:step", same and ev.kind == spec["kind"], ev)
    lineage = json.load(open(os.path.join(RUN, "lineages.plx.json")))
    by_name = {a["name"]: a for a in lineage}
    m = by_name.get(INPUTS["model_outputs"]["name"], {})
    check(
        "model:outputs",
        m.get("kind") == "model"
        and m.get("path") == INPUTS["model_outputs"]["path"]
        and m.get("summary", {}).get("framework") == INPUTS["model_outputs"]["framework"]
        and os.path.exists(asset(INPUTS["model_outputs"]["path"])),
        m,
    )
    a = by_name.get(INPUTS["artifact_outputs"]["name"], {})
    check(
        "artifact:outputs",
        a.get("kind") == "file" and a.get("path") == INPUTS["artifact_outputs"]["path"]
        and os.path.exists(asset(a.get("path", "-"))),
        a,
    )
    # Every event file has its lineage entry with an event summary, as Python's sync writes.
    missing = []
    for kind in os.listdir(os.path.join(RUN, "events")):
        for f in os.listdir(os.path.join(RUN, "events", kind)):
            name = f[: -len(".plx")]
            e = by_name.get(name)
            if not e or e["kind"] != kind or e["path"] != "events/%s/%s" % (kind, f) or not e.get("summary", {}).get("is_event"):
                missing.append((kind, name))
    check("lineage:events", not missing, missing)
    meta = json.load(open(os.path.join(RUN, "run.plx.json"))).get("meta_info", {})
    check("meta_info", meta.get("has_events") is True and meta.get("has_model") is True, meta)


print(json.dumps(REPORT))

#!/usr/bin/env python3
"""The rich-event workloads of runtime/benches/events.rs, with Polyaxon's own Python client.

Usage (with the pinned test venv's python, which has numpy and Pillow):

    .venv-test/bin/python scripts/bench/polyaxon_events.py [IMAGES] [HISTOGRAMS]

Starts an offline run in a temporary folder (default settings otherwise) and times, on the
caller's thread as Python runs them (Python encodes the PNG and bins the histogram in the
call itself):
  - IMAGES (default 100) `tracking.log_image` calls of the same 224 x 224 RGB uint8 array
    (noise, dataformats="HWC"), as benches/events.rs logs them;
  - HISTOGRAMS (default 20) `tracking.log_histogram` calls of the same 1,000,000 float64
    values, bins=30;
then `tracking.end()`. Prints one line of key=value fields: the median microseconds per call
of each, and the seconds until end() returned for each workload (the background throughput
polytrack's `images_until_end` / `histograms_until_end` measure).
"""

import os
import statistics
import sys
import tempfile
import time


def main() -> int:
    images = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    hists = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    root = tempfile.mkdtemp(prefix="plx-events-bench-")
    os.environ["POLYAXON_IS_OFFLINE"] = "true"
    os.environ["POLYAXON_OFFLINE_ROOT"] = root
    os.environ["POLYAXON_HOME"] = tempfile.mkdtemp(prefix="plx-home-", dir=root)
    for k in ("POLYAXON_HOST", "POLYAXON_RUN_INSTANCE", "POLYAXON_IS_MANAGED"):
        os.environ.pop(k, None)

    import numpy as np
    from polyaxon import tracking

    rng = np.random.default_rng(7)
    pixels = rng.integers(0, 256, size=(224, 224, 3), dtype=np.uint8)
    values = rng.random(1_000_000) + rng.random(1_000_000) + rng.random(1_000_000) - 1.5

    out = {}
    tracking.init(collect_resources=False)
    times = []
    start = time.perf_counter()
    for step in range(images):
        t = time.perf_counter()
        tracking.log_image(pixels, name="sample", step=step, dataformats="HWC")
        times.append(time.perf_counter() - t)
    tracking.end()
    out["log_image_224_rgb_us"] = statistics.median(times) * 1e6
    out["images_until_end_s"] = time.perf_counter() - start

    tracking.init(collect_resources=False)
    times = []
    start = time.perf_counter()
    for step in range(hists):
        t = time.perf_counter()
        tracking.log_histogram("weights", values, bins=30, step=step)
        times.append(time.perf_counter() - t)
    tracking.end()
    out["log_histogram_1m_us"] = statistics.median(times) * 1e6
    out["histograms_until_end_s"] = time.perf_counter() - start
    print(" ".join("%s=%.1f" % kv for kv in out.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

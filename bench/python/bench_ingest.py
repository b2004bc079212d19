"""The Python host contender of `npm run bench`: simingest's ctypes binding.

Modes (one per process, SPEC.json written by bench/run.mjs; the library is the
one SIMINGEST_LIBRARY names, i.e. the Release build of build-bench/):

  throughput SPEC.json   large frames, wall time first ingest -> committed (flush + close)
  small SPEC.json        one-row frames of eight float64 scalars
  hostcost SPEC.json     ingest() on this thread vs numpy copy of the same frame

Prints one JSON object.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "bindings" / "python"))
from frames import load_case, peak_rss_bytes, rss_bytes  # noqa: E402

import simingest  # noqa: E402


def throughput(spec: dict) -> dict:
    data = load_case(spec)
    fields = spec["fields"]
    frames, dt, stream = spec["frames"], spec["dt"], spec["stream"]
    frame_columns = [{name: data[name][i] for name in fields} for i in range(frames)]
    rss_after_load = rss_bytes()
    ingestor = simingest.Ingestor(spec["out"], config=json.dumps(spec["config"]))
    start = time.perf_counter()
    for i, columns in enumerate(frame_columns):
        ingestor.ingest(stream, i, i * dt, columns)
    ingest_seconds = time.perf_counter() - start
    ingestor.flush()
    stats = ingestor.stats()
    ingestor.close()
    seconds = time.perf_counter() - start
    item = np.dtype(spec["dtype"]).itemsize
    return {
        "seconds": seconds, "ingestSeconds": ingest_seconds, "frames": frames,
        "fieldBytes": frames * spec["elements"] * item * len(fields),
        "memoryPeak": stats["memoryPeak"], "memoryLimit": stats["memoryLimit"],
        "framesCommitted": stats["framesCommitted"],
        "peakRssBytes": peak_rss_bytes(), "rssAfterLoadBytes": rss_after_load,
    }


def small(spec: dict) -> dict:
    frames = min(spec.get("count", spec["frames"]), spec["frames"])
    rows = load_case(spec, frames)["rows"]
    names = spec["fields"]
    dt, stream = spec["dt"], spec["stream"]
    # Python floats, as a simulation's diagnostics would be; built before the clock.
    frame_columns = [dict(zip(names, row)) for row in rows.tolist()]
    rss_after_load = rss_bytes()
    ingestor = simingest.Ingestor(spec["out"], config=json.dumps(spec["config"]))
    ingest = ingestor.ingest
    start = time.perf_counter()
    for i, columns in enumerate(frame_columns):
        ingest(stream, i, i * dt, columns)
    ingest_seconds = time.perf_counter() - start
    ingestor.flush()
    ingestor.close()
    seconds = time.perf_counter() - start
    return {
        "frames": frames, "seconds": seconds, "ingestSeconds": ingest_seconds,
        "framesPerSecond": frames / seconds, "callsPerSecond": frames / ingest_seconds,
        "peakRssBytes": peak_rss_bytes(), "rssAfterLoadBytes": rss_after_load,
    }


def hostcost(spec: dict) -> dict:
    data = load_case(spec)
    fields = spec["fields"]
    frames, dt, stream = spec["frames"], spec["dt"], spec["stream"]
    destination = {name: np.ones(spec["elements"], dtype=spec["dtype"]) for name in fields}
    ingestor = simingest.Ingestor(spec["out"], config=json.dumps(spec["config"]))
    copy_ns, ingest_ns = [], []
    for i in range(frames):
        columns = {name: data[name][i] for name in fields}
        # The first of the two reads the frame from memory, the second from
        # cache: the order alternates so neither gets that for free.
        for which in (("copy", "ingest") if i % 2 == 0 else ("ingest", "copy")):
            t0 = time.perf_counter_ns()
            if which == "copy":
                for name in fields:
                    np.copyto(destination[name], columns[name])
                copy_ns.append(time.perf_counter_ns() - t0)
            else:
                ingestor.ingest(stream, i, i * dt, columns)
                ingest_ns.append(time.perf_counter_ns() - t0)
    stats = ingestor.stats()
    ingestor.close()
    m, g = statistics.median(copy_ns), statistics.median(ingest_ns)
    return {
        "frames": frames, "memcpyMedianNs": m, "ingestMedianNs": g, "ratio": g / m,
        "memoryPeak": stats["memoryPeak"], "memoryLimit": stats["memoryLimit"],
    }


def main() -> int:
    mode, spec_path = sys.argv[1], sys.argv[2]
    spec = json.loads(Path(spec_path).read_text())
    result = {"throughput": throughput, "small": small, "hostcost": hostcost}[mode](spec)
    result.update(host="python", mode=mode)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

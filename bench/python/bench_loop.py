"""Small frames inside a real solver loop from Python (issue 15 goal 3), and the check of
every host's output with pyarrow.

  bench_loop.py run OUT_DIR FRAMES [SUBSTEPS]  -> one JSON line (host cost per ingest())
  bench_loop.py verify OUT_DIR FRAMES          -> one JSON line; exit 1 at the first difference

The solver is bench/loop_bench.cpp's two-link arm (semi-implicit Euler) written in Python,
one substep by default (a few microseconds here); SUBSTEPS 0 runs the frames back to back.
Each step builds a fresh dict of eight Python floats, as users write it, and only the
ingest() call is timed (time.perf_counter_ns around it). After the run (untimed) the
values go to OUT_DIR.expected.f64: frames x [time, 8 values], float64, native order, the
layout every host's loop bench writes, which `verify` compares bit for bit with what
pyarrow reads from the committed dataset.
"""

from __future__ import annotations

import json
import math
import sys
import time as clock
from pathlib import Path

# The package of this checkout (SIMINGEST_LIBRARY names the library to load).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bindings" / "python"))

NAMES = ("q1", "q2", "w1", "w2", "tip_x", "tip_y", "energy", "torque")
CONFIG = {"streams": {"joints": {"columns": {name: "float64" for name in NAMES}}}}
DT, G, L1, L2, M1, M2 = 1e-4, 9.81, 1.0, 0.8, 1.5, 1.0


def percentiles(samples: list) -> dict:
    samples.sort()
    n = len(samples)
    return {"p50": samples[int(0.5 * (n - 1))], "p99": samples[int(0.99 * (n - 1))], "max": samples[-1],
            "mean": sum(samples) / n}


def run(out: str, frames: int, substeps: int) -> dict:
    import simingest

    sin, cos = math.sin, math.cos
    q1, q2, w1, w2 = 1.2, -0.4, 0.0, 0.0
    ingest_ns = [0] * frames
    solver_ns = [0] * frames
    expected = []
    now = clock.perf_counter_ns
    start = clock.perf_counter()
    with simingest.Ingestor(out, **CONFIG) as ing:
        ingest = ing.ingest
        for s in range(frames):
            t0 = now()
            torque = 0.0
            for _ in range(substeps):
                torque = -2.0 * (q1 - 0.5) - 0.3 * w1
                d = q1 - q2
                sd, cd = sin(d), cos(d)
                den = 2 * M1 + M2 - M2 * cos(2 * d)
                a1 = (-G * (2 * M1 + M2) * sin(q1) - M2 * G * sin(q1 - 2 * q2)
                      - 2 * sd * M2 * (w2 * w2 * L2 + w1 * w1 * L1 * cd) + torque / L1) / (L1 * den)
                a2 = (2 * sd * (w1 * w1 * L1 * (M1 + M2) + G * (M1 + M2) * cos(q1) + w2 * w2 * L2 * M2 * cd)) / (L2 * den)
                w1 += DT * a1
                w2 += DT * a2
                q1 += DT * w1
                q2 += DT * w2
            x2 = L1 * sin(q1) + L2 * sin(q2)
            y2 = -L1 * cos(q1) - L2 * cos(q2)
            energy = 0.5 * (M1 + M2) * (L1 * w1) ** 2 + G * (M1 + M2) * (-L1 * cos(q1)) - M2 * G * L2 * cos(q2)
            t = s * DT * max(substeps, 1)
            t1 = now()
            ingest("joints", step=s, time=t, columns={
                "q1": q1, "q2": q2, "w1": w1, "w2": w2, "tip_x": x2, "tip_y": y2, "energy": energy, "torque": torque})
            t2 = now()
            solver_ns[s] = t1 - t0
            ingest_ns[s] = t2 - t1
            expected.append((t, q1, q2, w1, w2, x2, y2, energy, torque))
        loop_seconds = clock.perf_counter() - start
    total = clock.perf_counter() - start
    import numpy as np

    np.asarray(expected, dtype=np.float64).tofile(out + ".expected.f64")
    return {"host": "python", "frames": frames, "substeps": substeps, "ingestNs": percentiles(ingest_ns),
            "solverNs": percentiles(solver_ns), "loopSeconds": loop_seconds, "totalSeconds": total}


def verify(out: str, frames: int) -> dict:
    import numpy as np
    import pyarrow.parquet as pq

    files = sorted((Path(out) / "joints").glob("part=*/*.parquet"),
                   key=lambda p: (int(p.parent.name.split("=")[1]), p.name))
    tables = [pq.read_table(file) for file in files]
    got_steps = np.concatenate([t["step"].to_numpy() for t in tables]) if tables else np.zeros(0, np.int64)
    expected = np.fromfile(out + ".expected.f64", dtype=np.float64).reshape(-1, 1 + len(NAMES))
    if len(expected) != frames or not np.array_equal(got_steps, np.arange(frames, dtype=np.int64)):
        raise SystemExit(f"verify: {out}: {len(got_steps)} rows, steps differ from 0..{frames - 1}")
    columns = ("time",) + NAMES
    for j, name in enumerate(columns):
        got = np.concatenate([t[name].to_numpy() for t in tables])
        if not np.array_equal(got.view(np.uint64), np.ascontiguousarray(expected[:, j]).view(np.uint64)):
            raise SystemExit(f"verify: {out}: column {name} differs")
    return {"verified": True, "rows": frames, "files": len(files)}


if __name__ == "__main__":
    mode, out, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    substeps = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    print(json.dumps(run(out, count, substeps) if mode == "run" else verify(out, count)))

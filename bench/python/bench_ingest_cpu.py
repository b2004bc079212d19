"""CPU time of one small-frame ingest() on the calling thread (issue 15 goal 3, Python).

  bench_ingest_cpu.py OUT_DIR [FRAMES]   -> one JSON line

bench_loop.py times ingest() by the wall clock inside a solver loop, where
preemption by other processes shows up in every percentile. This measures
what the binding itself costs: time.thread_time_ns (CPU of this thread only,
so neither the engine's workers nor other processes count) over FRAMES
back-to-back calls, each with a fresh dict of eight Python floats as in
bench_loop.py, minus the same loop building the dict without the call
(`dictOnlyNs`). Repeated three times; the lowest is the least disturbed.
"""

from __future__ import annotations

import json
import sys
import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bindings" / "python"))

NAMES = ("q1", "q2", "w1", "w2", "tip_x", "tip_y", "energy", "torque")
CONFIG = {"streams": {"joints": {"columns": {name: "float64" for name in NAMES}}}}


def dict_only(frames: int) -> int:
    cpu = clock.thread_time_ns
    sink = None
    a = 0.5
    start = cpu()
    for s in range(frames):
        sink = {"q1": a, "q2": a, "w1": a, "w2": a, "tip_x": a, "tip_y": a, "energy": a, "torque": a}
    del sink
    return cpu() - start


def with_ingest(ing, first: int, frames: int) -> int:
    ingest = ing.ingest
    cpu = clock.thread_time_ns
    a = 0.5
    start = cpu()
    for s in range(first, first + frames):
        ingest("joints", step=s, time=a, columns={
            "q1": a, "q2": a, "w1": a, "w2": a, "tip_x": a, "tip_y": a, "energy": a, "torque": a})
    return cpu() - start


def main(out: str, frames: int) -> dict:
    import simingest

    rounds = []
    with simingest.Ingestor(out, **CONFIG) as ing:
        ing.ingest("joints", step=-1, time=0.0, columns={name: 0.0 for name in NAMES})  # plan built
        for r in range(3):
            total = with_ingest(ing, r * frames, frames)
            rounds.append({"callNs": total / frames, "dictOnlyNs": dict_only(frames) / frames})
    best = min(rounds, key=lambda x: x["callNs"])
    return {"host": "python", "frames": frames, "cpuPerCallNs": best["callNs"] - best["dictOnlyNs"],
            "rounds": rounds}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 100_000)))

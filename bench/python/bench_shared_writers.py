"""Shared datasets (issue 17, docs/adr/0020-shared-datasets.md): what many
writers cost.

  throughput   the same total (FRAMES frames of a 256x256 float32 grid, two
               columns) written by 1, 2 and 4 writer processes of one shared
               dataset, each writing its share; wall time from start to every
               process closed, timed from the moment all are open. Aggregate
               MB/s, and the ratio to one writer.
  commits      WRITERS processes each committing COMMITS times (a flush after
               every small frame), then the time to open the dataset for
               reading + one query, and simingest_inspect_json, median of 5;
               the same for one single-writer dataset with as many commits.

  SIMINGEST_LIBRARY=build-rel/libsimingest.so python3 bench/python/bench_shared_writers.py \
      [--frames 400] [--writers 8] [--commits 1250]

Prints one JSON object. The library is the one SIMINGEST_LIBRARY names (use a
Release build).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "bindings" / "python"))

import simingest  # noqa: E402

GRID = (256, 256)
STREAMS = {"fields": {"columns": {"u": "float32", "v": "float32"}, "grid": list(GRID)}}
SMALL = {"diag": {"columns": {"e": "float64"}}}


def write_share(path, writer, count, frames, ready, go):
    u = np.random.default_rng(writer).random(GRID, dtype=np.float32)
    # As many encoding threads in all as the machine has cores (2 here).
    workers = max(1, 2 // count)
    with simingest.Ingestor(path, streams=STREAMS, writer=(writer, count), workers=workers) as ingestor:
        ready.wait()  # every process started, imported and opened: time the writing only
        go.wait()
        for i in range(frames):
            ingestor.ingest("fields", step=i, time=float(i), columns={"u": u, "v": u})


def throughput(total_frames):
    out = {}
    bytes_total = total_frames * GRID[0] * GRID[1] * 4 * 2
    context = multiprocessing.get_context("spawn")
    for count in (1, 2, 4):
        with tempfile.TemporaryDirectory() as top:
            path = f"{top}/ds"
            ready, go = context.Barrier(count + 1), context.Event()
            processes = [context.Process(target=write_share, args=(path, k, count, total_frames // count, ready, go))
                         for k in range(count)]
            for p in processes:
                p.start()
            ready.wait()
            start = time.perf_counter()
            go.set()
            for p in processes:
                p.join()
            seconds = time.perf_counter() - start  # first ingest to every writer closed (all committed)
            assert all(p.exitcode == 0 for p in processes)
        out[f"{count}_writers"] = {"seconds": round(seconds, 3), "MBps": round(bytes_total / seconds / 1e6, 1)}
    for count in (2, 4):
        out[f"{count}_writers"]["ratio_to_1"] = round(out["1_writers"]["seconds"] / out[f"{count}_writers"]["seconds"], 3)
    return out


def commit_many(path, writer, count, commits):
    latencies = []
    shared = {"writer": (writer, count)} if count else {}
    with simingest.Ingestor(path, streams=SMALL, workers=1, **shared) as ingestor:
        for step in range(commits):
            ingestor.ingest("diag", step=step, time=float(step), columns={"e": np.array([step * 0.5])})
            start = time.perf_counter()
            ingestor.flush()
            latencies.append(time.perf_counter() - start)
    return latencies


def read_times(path, frames):
    open_query, inspect = [], []
    for _ in range(5):
        t0 = time.perf_counter()
        with simingest.open_dataset(path) as ds:
            ds.query("diag", steps=(0, 0))
        open_query.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        report = simingest.inspect_dataset(path)
        inspect.append(time.perf_counter() - t0)
    assert report["streams"][0]["frames"] == frames
    return round(statistics.median(open_query) * 1e3, 1), round(statistics.median(inspect) * 1e3, 1)


def commits(writers, per_writer):
    """`writers` processes committing `per_writer` times each, and, for scale,
    one single-writer dataset with as many commits."""
    with tempfile.TemporaryDirectory() as top:
        path = f"{top}/ds"
        context = multiprocessing.get_context("spawn")
        start = time.perf_counter()
        with context.Pool(writers) as pool:
            latencies = [x for part in pool.starmap(commit_many, [(path, k, writers, per_writer) for k in range(writers)])
                         for x in part]
        write_seconds = time.perf_counter() - start
        shared_open, shared_inspect = read_times(path, writers * per_writer)
        single = f"{top}/single"
        commit_many(single, 0, 0, writers * per_writer)
        single_open, single_inspect = read_times(single, writers * per_writer)
        latencies.sort()
        return {
            "writers": writers,
            "commits": writers * per_writer,
            "write_seconds": round(write_seconds, 2),
            "commit_latency_ms_p50": round(latencies[len(latencies) // 2] * 1e3, 2),
            "commit_latency_ms_p99": round(latencies[int(len(latencies) * 0.99)] * 1e3, 2),
            "open_and_query_ms_median": shared_open,
            "inspect_ms_median": shared_inspect,
            "single_writer_same_commits": {"open_and_query_ms_median": single_open, "inspect_ms_median": single_inspect},
        }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=400)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--commits", type=int, default=1250, help="per writer")
    args = parser.parse_args()
    print(json.dumps({"library": simingest.library_path(), "throughput": throughput(args.frames),
                      "commits": commits(args.writers, args.commits)}, indent=2))


if __name__ == "__main__":
    main()

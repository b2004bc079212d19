"""kill -9 with many writers (issue 17): N writer processes share one dataset
(writer=(k, N)); the harness kills one of them at random moments while the
others keep writing, and restarts it. At the end every writer is killed, each
part is recovered by reopening it, and the harness checks with pyarrow (and
DuckDB over the whole dataset) that every frame a writer flushed is present
exactly once with exact values, that each writer's steps form a contiguous
prefix per stream (salvaged frames beyond the last flush included), that no
in-progress file is left and that every file opens.

The workload is kill9.py's (workload.py) without the realtime stream (a
shared dataset is batch only): values are a pure function of (stream, step,
row), the same for every writer, so each writer's part is checked on its own.

  python test/crash/kill9_writers.py --writers 4 --seconds 60 [--seed N] [--keep DIR]
  python test/crash/kill9.py --writers 4 ...   (the same)
exits 1 on any failure.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent.parent / "bindings" / "python"))

from workload import CONFIG, expected_columns, ingest_round, rows_of  # noqa: E402

SHARED_CONFIG = {**CONFIG, "streams": {k: v for k, v in CONFIG["streams"].items() if v.get("route", "batch") == "batch"}}
STREAMS = tuple(SHARED_CONFIG["streams"])


def child(dataset, writer, count, record_path, seed):
    """A writer: continues every stream after its last durable step, flushing
    now and then and recording (fsynced) what each flush() promised."""
    import simingest

    rng = random.Random(seed)
    config = {**SHARED_CONFIG, "writer": {"id": writer, "count": count}}
    fd = os.open(record_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    ing = simingest.Ingestor(dataset, config=config)
    durable = ing.checkpoint()
    next_step = {s: (durable[s] + 1 if durable[s] is not None else 0) for s in STREAMS}
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    until_flush = rng.randint(1, 12)
    while True:
        ingest_round(ing, next_step, STREAMS)
        until_flush -= 1
        if until_flush == 0:
            ing.flush()
            os.write(fd, (json.dumps({s: next_step[s] - 1 for s in STREAMS}) + "\n").encode())
            os.fsync(fd)
            until_flush = rng.randint(1, 12)


def start_writer(dataset, writer, count, records, rng):
    process = subprocess.Popen(
        [sys.executable, __file__, "child", dataset, str(writer), str(count), str(records / f"{writer}.jsonl"),
         str(rng.randrange(1 << 30))],
        stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    if line.strip() != "ready":
        raise RuntimeError(f"writer {writer} did not start: {line!r}")
    return process


def flushed(records, writer):
    """The last step of each stream that writer's flush() promised durable."""
    path = records / f"{writer}.jsonl"
    last = {s: -1 for s in STREAMS}
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip():
                for stream, step in json.loads(line).items():
                    last[stream] = max(last[stream], step)
    return last


def check_writer(dataset, writer, promised, problems):
    import pyarrow.dataset as pads
    import pyarrow.parquet as pq

    part = Path(dataset) / f"writer={writer}"
    for leftover in part.rglob("*.inprogress*"):
        problems.append(f"writer {writer}: in-progress file left: {leftover}")
    for stream in STREAMS:
        files = sorted((part / stream).rglob("*.parquet"))
        for file in files:
            pq.ParquetFile(file).metadata  # every file opens
        table = pads.dataset([str(f) for f in files], format="parquet").to_table() if files else None
        steps = np.sort(np.unique(table["step"].to_numpy())) if table is not None else np.array([], dtype=np.int64)
        if len(steps) and not np.array_equal(steps, np.arange(len(steps))):
            problems.append(f"writer {writer} {stream}: steps are not a contiguous prefix")
        if len(steps) <= promised[stream]:
            problems.append(f"writer {writer} {stream}: flushed through {promised[stream]}, only {len(steps)} steps left")
        if table is None:
            continue
        rows = sum(rows_of(stream, int(s)) for s in steps)
        if table.num_rows != rows:
            problems.append(f"writer {writer} {stream}: {table.num_rows} rows, expected {rows} (a frame twice?)")
            continue
        order = np.argsort(table["step"].to_numpy(), kind="stable")
        for name in expected_columns(stream, 0):
            want = np.concatenate([expected_columns(stream, int(s))[name] for s in steps])
            got = table[name].to_numpy()[order]
            if got.dtype != want.dtype or not np.array_equal(got.view(f"u{got.itemsize}"), want.view(f"u{want.itemsize}")):
                problems.append(f"writer {writer} {stream}.{name}: values differ")


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--keep")
    args = parser.parse_args(argv)
    import simingest

    rng = random.Random(args.seed)
    top = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="kill9-writers-"))
    dataset, records = str(top / "ds"), top / "records"
    records.mkdir(parents=True, exist_ok=True)
    writers = [start_writer(dataset, k, args.writers, records, rng) for k in range(args.writers)]
    kills = 0
    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline:
        time.sleep(rng.uniform(0.05, 1.0))  # the moment of the next kill (not synchronisation)
        victim = rng.randrange(args.writers)
        writers[victim].send_signal(signal.SIGKILL)
        writers[victim].wait()
        kills += 1
        writers[victim] = start_writer(dataset, victim, args.writers, records, rng)
    for process in writers:
        process.send_signal(signal.SIGKILL)
        process.wait()
    for k in range(args.writers):  # recovery of each part
        with simingest.Ingestor(dataset, config={**SHARED_CONFIG, "writer": {"id": k, "count": args.writers}}):
            pass
    problems = []
    for k in range(args.writers):
        check_writer(dataset, k, flushed(records, k), problems)
    report = simingest.inspect_dataset(dataset)
    frames = {s["name"]: s["frames"] for s in report["streams"]}
    try:
        import duckdb

        count = duckdb.connect().execute(
            f"SELECT count(DISTINCT (writer, step)) FROM read_parquet('{dataset}/writer=*/diag/*/*.parquet', hive_partitioning=true)"
        ).fetchone()[0]
        if count != frames["diag"]:
            problems.append(f"DuckDB sees {count} diag frames, the manifests list {frames['diag']}")
    except ImportError:
        pass
    for problem in problems:
        print("FAIL", problem)
    print(f"writers={args.writers} seconds={args.seconds} seed={args.seed} kills={kills} "
          f"frames={frames} jobDurableSteps={report['writers']['jobDurableSteps']} failures={len(problems)}")
    if not args.keep and not problems:
        shutil.rmtree(top)
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], int(sys.argv[6]))
    else:
        sys.exit(main())

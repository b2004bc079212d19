"""Rows one call each through the appender from Python (issue 15 item 4, ADR 0021), and the
check of every host's output with pyarrow.

  bench_appender.py run OUT_DIR ROWS      -> one JSON line (append loop and total to a closed dataset)
  bench_appender.py run-rows OUT_DIR ROWS -> the same rows through append_rows(), 10 000 a call
                                             (arrays built before the clock starts)
  bench_appender.py verify OUT_DIR ROWS   -> one JSON line; exit 1 at the first difference

Rows: step s, time s * 0.001, q_j = s * 1.5 + j * 0.125 (exact in float64), in step order.
"""

from __future__ import annotations

import json
import sys
import time as clock
from pathlib import Path

# The package of this checkout (SIMINGEST_LIBRARY names the library to load).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bindings" / "python"))

CONFIG = {"streams": {"joints": {"columns": {f"q{j}": "float64" for j in range(8)}}}}


def run(out: str, rows: int) -> dict:
    import simingest

    start = clock.perf_counter()
    with simingest.Ingestor(out, **CONFIG) as ing:
        app = ing.appender("joints")
        append = app.append
        loop = clock.perf_counter()
        for step in range(rows):
            base = step * 1.5
            append(step, step * 0.001, base, base + 0.125, base + 0.25, base + 0.375,
                   base + 0.5, base + 0.625, base + 0.75, base + 0.875)
        append_seconds = clock.perf_counter() - loop
        app.close()
    total = clock.perf_counter() - start
    return {"host": "python", "rows": rows, "appendSeconds": append_seconds, "totalSeconds": total,
            "appendRowsPerSecond": rows / append_seconds, "rowsPerSecond": rows / total}


def run_rows(out: str, rows: int, batch: int = 10_000) -> dict:
    import numpy as np

    import simingest

    steps = np.arange(rows, dtype=np.int64)
    times = steps * 0.001
    values = steps[:, None] * 1.5 + np.arange(8) * 0.125
    start = clock.perf_counter()
    with simingest.Ingestor(out, **CONFIG) as ing:
        app = ing.appender("joints")
        loop = clock.perf_counter()
        for begin in range(0, rows, batch):
            end = begin + batch
            app.append_rows(steps[begin:end], times[begin:end], values[begin:end])
        append_seconds = clock.perf_counter() - loop
        app.close()
    total = clock.perf_counter() - start
    return {"host": "python-rows", "rows": rows, "batch": batch, "appendSeconds": append_seconds,
            "totalSeconds": total, "appendRowsPerSecond": rows / append_seconds, "rowsPerSecond": rows / total}


def verify(out: str, rows: int) -> dict:
    import numpy as np
    import pyarrow.parquet as pq

    files = sorted((Path(out) / "joints").glob("part=*/*.parquet"),
                   key=lambda p: (int(p.parent.name.split("=")[1]), p.name))
    steps, times, values = [], [], {f"q{j}": [] for j in range(8)}
    for file in files:
        table = pq.read_table(file)
        steps.append(table["step"].to_numpy())
        times.append(table["time"].to_numpy())
        for name in values:
            values[name].append(table[name].to_numpy())
    step = np.concatenate(steps) if steps else np.zeros(0, np.int64)
    expected = np.arange(rows, dtype=np.int64)
    if not np.array_equal(step, expected):
        raise SystemExit(f"verify: {out}: {len(step)} rows, steps differ from 0..{rows - 1}")
    if not np.array_equal(np.concatenate(times).view(np.uint64), (expected * 0.001).view(np.uint64)):
        raise SystemExit(f"verify: {out}: a time differs")
    for j, name in enumerate(values):
        want = expected * 1.5 + j * 0.125
        if not np.array_equal(np.concatenate(values[name]).view(np.uint64), want.view(np.uint64)):
            raise SystemExit(f"verify: {out}: column {name} differs")
    return {"verified": True, "rows": rows, "files": len(files)}


if __name__ == "__main__":
    mode, out, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    modes = {"run": run, "run-rows": run_rows, "verify": verify}
    print(json.dumps(modes[mode](out, count)))

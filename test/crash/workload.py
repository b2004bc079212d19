"""The kill -9 workload: the streams the writer child ingests and the values of
every frame, a pure function of (stream, step, row), so that a verifier that
never talked to the writer can recompute each value bit for bit.

Shared by the writer child (kill9_child.py) and the verifier (kill9.py)."""
import numpy as np

# Four kinds of stream: a grid of fields (several dtypes), one-row
# diagnostics passed as scalars, a stream whose frames vary in length, and a
# stream routed to the realtime log, which close() and the recovering open
# compact into Parquet (issue 13 item 4): kills land in its group commits
# and in its compactions.
# Small row groups and partitions make files commit (and row groups
# accumulate in the file in progress) without any flush(), so a kill lands
# at every stage of a file's life.
CONFIG = {
    "streams": {
        "fields": {"columns": {"u": "float64", "v": "float32", "k": "int64"}, "grid": [32, 32],
                   "partition": {"steps": 8}},
        "diag": {"columns": {"energy": "float64", "iters": "int32"}, "partition": {"steps": 50}},
        "tracers": {"columns": {"id": "int64", "x": "float64"}},
        "events": {"columns": {"a": "float32", "b": "int16"}, "route": "realtime", "partition": {"steps": 40}},
    },
    "rowGroupBytes": 16384,
    "fileBytes": 1 << 20,
    "workers": 2,
}
STREAMS = tuple(CONFIG["streams"])


def rows_of(stream, step):
    if stream == "fields":
        return 32 * 32
    if stream == "diag":
        return 1
    if stream == "events":
        return 5
    return 1 + (step * 7) % 13  # tracers: 1..13 rows


def frame(stream, step):
    """The columns of `stream` at `step`, as the writer passes them to ingest()."""
    if stream == "fields":
        row = np.arange(32 * 32, dtype=np.int64)
        return {"u": step + row / 4096.0 - 0.5,
                "v": (row * 0.25 - step).astype(np.float32),
                "k": (step << 20) | row}
    if stream == "diag":
        return {"energy": float(step) * 1.5 + 0.125, "iters": np.int32(step % 1000)}
    if stream == "events":
        return {"a": (np.arange(5, dtype=np.float32) - step) / np.float32(3), "b": np.int16(step % 30000 - 15000)}
    row = np.arange(rows_of(stream, step), dtype=np.int64)
    return {"id": step * 100 + row, "x": np.sin(step + row * 0.5)}


def expected_columns(stream, step):
    """Every column of `stream` at `step` as arrays of rows_of(stream, step) values."""
    n = rows_of(stream, step)
    out = {}
    for name, value in frame(stream, step).items():
        array = np.asarray(value)
        out[name] = np.full(n, array, dtype=array.dtype) if array.ndim == 0 else array
    return out


def time_of(step):
    return step * 0.25


def ingest_round(ing, next_step, streams=STREAMS):
    """One frame of each of `streams` at its next step (the writers' loop of
    kill9_child.py and kill9_writers.py); advances `next_step`."""
    for stream in streams:
        step = next_step[stream]
        ing.ingest(stream, step=step, time=time_of(step), columns=frame(stream, step))
        next_step[stream] = step + 1

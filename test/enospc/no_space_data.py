"""The ENOSPC tests' frames (issue 6, test 3): every host fills a small tmpfs
with the same stream, whose values are a pure function of (step, row) written
identically in C (native/capi/capi_no_space_test.cpp), Python
(test/python/test_no_space.py) and TypeScript (test/node/no_space.test.ts):

    u = (step * ROWS + row) mod 2^32
    k = lowbias32(u)                          (int64)
    x = lowbias32(u ^ 0x5bd1e995) / 2^32      (float64, exact)

lowbias32 scrambles bits so the data does not compress: the disk fills after a
few frames. Short frames (the manifest fills the disk) are the first rows of
the full ones. `python3 no_space_data.py verify DATASET LAST_COMMITTED_STEP
[ROWS]` checks with pyarrow that a dataset left by an ENOSPC failure holds every step
up to LAST_COMMITTED_STEP (-1: none) exactly once with exact values, anything
after it exact too, every manifest-listed file readable, and no visible file
missing from the manifest. Exit 0: ok; 1: a problem (printed); 77: pyarrow
is not installed."""
import json
import sys
from pathlib import Path

import numpy as np

STREAM = "fill"
ROWS = 4096
CONFIG = {
    "streams": {STREAM: {"columns": {"k": "int64", "x": "float64"}, "partition": {"steps": 4}}},
    "rowGroupBytes": 65536,
    "workers": 2,
}


def lowbias32(x):
    x = np.asarray(x, dtype=np.uint32).copy()
    x ^= x >> np.uint32(16)
    x *= np.uint32(0x7FEB352D)
    x ^= x >> np.uint32(15)
    x *= np.uint32(0x846CA68B)
    x ^= x >> np.uint32(16)
    return x


def frame(step, rows=ROWS):
    """The columns at `step`: its first `rows` rows (a short frame is a prefix of the full one)."""
    u = (np.uint64(step) * np.uint64(ROWS) + np.arange(rows, dtype=np.uint64)).astype(np.uint32)
    k = lowbias32(u).astype(np.int64)
    x = lowbias32(u ^ np.uint32(0x5BD1E995)).astype(np.float64) / 4294967296.0
    return {"k": k, "x": x}


def verify(dataset, last_committed, rows=ROWS):
    """The problems found, as text; empty if the dataset is as promised."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    dataset = Path(dataset)
    problems = []
    manifest = json.loads((dataset / "_simingest" / "manifest.json").read_text())
    listed = {f["path"] for f in manifest["files"] if f["stream"] == STREAM}
    visible = {str(p.relative_to(dataset)) for p in (dataset / STREAM).rglob("*.parquet")
               if not p.name.startswith(".")} if (dataset / STREAM).exists() else set()
    problems += [f"visible but not in the manifest: {p}" for p in sorted(visible - listed)]
    problems += [f"listed but missing: {p}" for p in sorted(listed - visible)]
    tables = []
    for path in sorted(listed & visible):
        try:
            tables.append(pq.read_table(dataset / path))
        except Exception as error:  # noqa: BLE001 - a file pyarrow cannot read is the finding
            problems.append(f"pyarrow cannot read {path}: {error}")
    if not tables:
        if last_committed >= 0:
            problems.append(f"no readable file, but steps 0..{last_committed} were committed")
        return problems
    table = pa.concat_tables(tables)
    steps = table.column("step").to_numpy()
    order = np.argsort(steps, kind="stable")
    steps = steps[order]
    present, counts = np.unique(steps, return_counts=True)
    missing = np.setdiff1d(np.arange(last_committed + 1), present)
    if len(missing):
        problems.append(f"committed steps missing: {missing[:10].tolist()}")
    if np.any(counts != rows):
        problems.append(f"steps without {rows} rows: {present[counts != rows][:10].tolist()}")
        return problems
    for name in ("k", "x"):
        got = table.column(name).to_numpy()[order]
        want = np.concatenate([frame(int(s), rows)[name] for s in present])
        if got.dtype != want.dtype or not np.array_equal(got.view(np.uint64), want.view(np.uint64)):
            problems.append(f"column {name!r} differs from the values written")
    return problems


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5) or sys.argv[1] != "verify":
        sys.exit("usage: no_space_data.py verify DATASET LAST_COMMITTED_STEP [ROWS]")
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        print("pyarrow is not installed")
        sys.exit(77)
    found = verify(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) == 5 else ROWS)
    for problem in found:
        print(problem)
    sys.exit(1 if found else 0)

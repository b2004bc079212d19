"""Reads a contender's output back with pyarrow and checks it against the frames.

Every field value must be bit-identical to the generated frame (compared as
unsigned integers, so -0.0 vs +0.0 or a changed NaN payload would count), the
rows must come in frame order (C order within a frame), and `step`/`time` must
be the ones ingested (step i, time i * dt). A simingest dataset is read file by
file in commit order (the file names carry the sequence number); pyarrow's
output is one file.

Usage: verify.py SPEC.json  (the contender's spec; `count` = frames written).
Exit status 0 and one JSON line when identical, 1 with the first difference otherwise.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from frames import load_case  # noqa: E402


def parquet_files(spec: dict) -> list:
    out = Path(spec["out"])
    if spec["host"] == "pyarrow":
        return [out / "data.parquet"]
    files = sorted((out / spec["stream"]).glob("part=*/*.parquet"),
                   key=lambda p: (int(p.parent.name.split("=")[1]), p.name))
    if not files:
        raise SystemExit(f"verify: no Parquet files under {out / spec['stream']}")
    return files


def as_bits(values: np.ndarray) -> np.ndarray:
    return values.view(np.uint32 if values.dtype.itemsize == 4 else np.uint64)


def first_difference(name: str, got: np.ndarray, expected: np.ndarray) -> str:
    if got.shape != expected.shape:
        return f"column {name}: {got.shape[0]} values read, {expected.shape[0]} expected"
    index = int(np.flatnonzero(as_bits(got) != as_bits(expected))[0])
    return f"column {name}: value {index} is {got[index]!r}, expected {expected[index]!r}"


def main() -> int:
    spec = json.loads(Path(sys.argv[1]).read_text())
    frames = min(spec.get("count", spec["frames"]), spec["frames"])
    names = spec["fields"]
    table = pa.concat_tables(
        [pq.read_table(path, columns=["step", "time"] + names) for path in parquet_files(spec)]
    )
    if spec["layout"] == "frame-major":
        rows = load_case(spec, frames)["rows"]
        expected = {name: np.ascontiguousarray(rows[:, k]) for k, name in enumerate(names)}
        per_frame = 1
    else:
        data = load_case(spec, frames)
        expected = {name: data[name].reshape(-1) for name in names}
        per_frame = spec["elements"]
    steps = np.arange(frames, dtype=np.int64)
    expected["step"] = np.repeat(steps, per_frame)
    expected["time"] = np.repeat(steps * spec["dt"], per_frame)
    problems = []
    for name in ["step", "time"] + names:
        got = table.column(name).to_numpy()
        want = expected[name]
        if got.dtype != want.dtype:
            problems.append(f"column {name}: dtype {got.dtype}, expected {want.dtype}")
        elif got.shape != want.shape or not np.array_equal(as_bits(got), as_bits(want)):
            problems.append(first_difference(name, got, want))
    if problems:
        print(f"verify: {spec['host']} {spec['name']}: output differs from the frames: "
              + "; ".join(problems), file=sys.stderr)
        return 1
    print(json.dumps({"ok": True, "rows": table.num_rows, "files": len(parquet_files(spec))}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

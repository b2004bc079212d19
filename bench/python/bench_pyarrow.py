"""The reference contender of `npm run bench`: pyarrow's ParquetWriter.

Configured as issue 5 describes the fastest thing a user reaches for today:
ZSTD level 1, BYTE_STREAM_SPLIT and no dictionary for the float fields,
dictionary for `step` and `time` (as simingest stores them), 1 MiB data pages,
and `rowGroupFrames` frames per write_table call, each call one row group:
1 since issue 15 (one batch per frame, as its user writes frames as they
come). The file is fsynced after close, because simingest's "committed"
includes fsync.

Usage: bench_pyarrow.py SPEC.json  (written by bench/run.mjs); prints one JSON object.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from frames import load_case, peak_rss_bytes, rss_bytes  # noqa: E402


def main() -> int:
    spec = json.loads(Path(sys.argv[1]).read_text())
    data = load_case(spec)
    fields = spec["fields"]
    frames = spec["frames"]
    elements = spec["elements"]
    dt = spec["dt"]
    per_group = max(1, int(spec["rowGroupFrames"]))
    rss_after_load = rss_bytes()
    arrow_type = pa.float32() if spec["dtype"] == "float32" else pa.float64()
    schema = pa.schema(
        [pa.field("step", pa.int64(), nullable=False), pa.field("time", pa.float64(), nullable=False)]
        + [pa.field(name, arrow_type, nullable=False) for name in fields]
    )
    out = Path(spec["out"])
    out.mkdir(parents=True, exist_ok=True)
    path = out / "data.parquet"

    start = time.perf_counter()
    writer = pq.ParquetWriter(
        path, schema,
        compression="zstd", compression_level=1,
        use_dictionary=["step", "time"],
        use_byte_stream_split=fields,
        data_page_size=1 << 20,
        write_statistics=True,
    )
    for first in range(0, frames, per_group):
        last = min(frames, first + per_group)
        steps = np.arange(first, last, dtype=np.int64)
        columns = [
            pa.array(np.repeat(steps, elements)),
            pa.array(np.repeat(steps * dt, elements)),
        ] + [pa.array(data[name][first:last].reshape(-1)) for name in fields]
        writer.write_table(pa.Table.from_arrays(columns, schema=schema),
                           row_group_size=(last - first) * elements)
    writer.close()
    fd = os.open(path, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)
    seconds = time.perf_counter() - start

    item = np.dtype(spec["dtype"]).itemsize
    print(json.dumps({
        "host": "pyarrow", "mode": "throughput", "seconds": seconds, "frames": frames,
        "fieldBytes": frames * elements * item * len(fields),
        "peakRssBytes": peak_rss_bytes(), "rssAfterLoadBytes": rss_after_load,
        "pyarrowVersion": pa.__version__,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""simingest.inspect_dataset() against what was written.

Frames, rows, steps and times are the ones ingested here; files, row groups and
per-column bytes are what pyarrow (a reader we did not write) finds in the
Parquet footers, and bytes what the file system reports.
"""

import os
from collections import defaultdict

import numpy as np
import pytest

from simingest_under_test import load

simingest = load()

pq = pytest.importorskip("pyarrow.parquet")

GRID = (4, 8)
STEPS = 23


def write(path):
    streams = {
        "fields": {"columns": {"u": "float32", "k": "int64"}, "grid": list(GRID), "partition": {"steps": 10}},
        "diag": {"columns": {"energy": "float64"}},
    }
    rng = np.random.default_rng(7)
    with simingest.Ingestor(path, streams=streams, workers=1) as ingestor:
        for step in range(STEPS):
            u = rng.standard_normal(GRID).astype(np.float32)
            k = np.arange(GRID[0] * GRID[1], dtype=np.int64) + step
            ingestor.ingest("fields", step=step, time=step * 0.125, columns={"u": u, "k": k})
            ingestor.ingest("diag", step=step, time=step * 0.125, columns={"energy": float(u.sum())})
            if step % 7 == 6:
                ingestor.flush()


def footers(path, stream):
    """Per file of `stream`: pyarrow's FileMetaData, and the file's size."""
    out = []
    for root, _, names in os.walk(os.path.join(path, stream)):
        for name in names:
            if name.endswith(".parquet"):
                full = os.path.join(root, name)
                out.append((pq.ParquetFile(full).metadata, os.path.getsize(full)))
    return out


def test_inspect_dataset_matches_what_was_written(tmp_path):
    path = str(tmp_path / "ds")
    write(path)
    summary = simingest.inspect_dataset(tmp_path / "ds")

    assert summary["path"] == path
    assert summary["formatVersion"] == 2
    assert summary["manifestSource"] == "manifest.json"
    assert summary["quarantined"] == []
    streams = {s["name"]: s for s in summary["streams"]}
    assert list(streams) == ["fields", "diag"]

    fields = streams["fields"]
    assert fields["grid"] == list(GRID)
    assert fields["partitioning"] == {"steps": 10}
    assert fields["partitions"] == [0, 1, 2]
    assert fields["frames"] == STEPS
    assert fields["rows"] == STEPS * GRID[0] * GRID[1]
    assert fields["steps"] == {"min": 0, "max": STEPS - 1}
    assert fields["time"] == {"min": 0.0, "max": (STEPS - 1) * 0.125}
    assert [(c["name"], c["dtype"]) for c in fields["columns"]] == [
        ("step", "int64"), ("time", "float64"), ("u", "float32"), ("k", "int64")]
    assert streams["diag"]["rows"] == STEPS
    assert streams["diag"]["grid"] == []

    total_files = total_bytes = 0
    for name, stream in streams.items():
        found = footers(path, name)
        raw, stored = defaultdict(int), defaultdict(int)
        for metadata, _ in found:
            for g in range(metadata.num_row_groups):
                group = metadata.row_group(g)
                for c in range(group.num_columns):
                    chunk = group.column(c)
                    raw[chunk.path_in_schema] += chunk.total_uncompressed_size
                    stored[chunk.path_in_schema] += chunk.total_compressed_size
        assert stream["files"] == len(found)
        assert stream["rowGroups"] == sum(m.num_row_groups for m, _ in found)
        assert stream["rows"] == sum(m.num_rows for m, _ in found)
        assert stream["bytes"] == sum(size for _, size in found)
        for column in stream["columns"]:
            assert column["uncompressedBytes"] == raw[column["name"]], column
            assert column["compressedBytes"] == stored[column["name"]], column
            assert column["compressionRatio"] == pytest.approx(raw[column["name"]] / stored[column["name"]])
        total_files += len(found)
        total_bytes += stream["bytes"]
    assert summary["files"] == total_files
    assert summary["bytes"] == total_bytes


def test_inspect_dataset_errors_are_typed(tmp_path):
    with pytest.raises(simingest.StorageError, match="not a simingest dataset \\(no manifest\\)") as caught:
        simingest.inspect_dataset(tmp_path)
    assert caught.value.status == simingest.Status.ERR_IO
    assert str(tmp_path / "_simingest" / "manifest.json") in str(caught.value)
    with pytest.raises(simingest.InvalidArgumentError, match="path is empty"):
        simingest.inspect_dataset("")
    with pytest.raises(simingest.InvalidArgumentError, match="NUL"):
        simingest.inspect_dataset(str(tmp_path) + "\0x")

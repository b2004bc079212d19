"""The manifest's time index (rowGroupIndex) against what pyarrow, a reader we
did not write, finds in the files: row ranges, frames, steps, times and per
column min/max per row group, and per-frame row offsets that slice out exactly
that frame's step. Also inspect's index statistics and verify_dataset on a
good dataset and on one with a flipped byte.
"""

import json
import math
import os

import numpy as np
import pytest

from simingest_under_test import load

simingest = load()

pa = pytest.importorskip("pyarrow")
pc = pytest.importorskip("pyarrow.compute")
pq = pytest.importorskip("pyarrow.parquet")

GRID = (4, 8)  # 32 rows a frame: row groups of fields record their frames
STEPS = 23


def write(path):
    streams = {
        "fields": {"columns": {"u": "float32", "k": "int64", "c": "uint8"}, "grid": list(GRID),
                   "partition": {"steps": 10}},
        "diag": {"columns": {"energy": "float64"}},
    }
    rng = np.random.default_rng(11)
    with simingest.Ingestor(path, streams=streams, workers=1) as ingestor:
        for step in range(STEPS):
            u = rng.standard_normal(GRID).astype(np.float32)
            if step == 5:
                u[0, 0] = np.nan
                u[1, 1] = -np.inf
            k = np.arange(GRID[0] * GRID[1], dtype=np.int64) - (1 << 62) * (step % 2)
            c = np.full(GRID, step % 256, dtype=np.uint8)
            ingestor.ingest("fields", step=step, time=step * 0.125, columns={"u": u, "k": k, "c": c})
            ingestor.ingest("diag", step=step, time=step * 0.1, columns={"energy": float(step) * 1.5})
            if step % 7 == 6:
                ingestor.flush()


def manifest(path):
    with open(os.path.join(path, "_simingest", "manifest.json")) as f:
        return json.load(f)


def as_python(value):
    return None if value is None else value


def stat_of(column):
    """min, max, NaN count of a pyarrow column, NaN never a min or max."""
    values = column.to_numpy(zero_copy_only=False)
    if values.dtype.kind == "f":
        nans = int(np.isnan(values).sum())
        finite = values[~np.isnan(values)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (None, None)
        return lo, hi, nans
    return int(values.min()), int(values.max()), 0


def expected_index_value(value):
    if value is None or not isinstance(value, float) or math.isfinite(value):
        return value
    return "Infinity" if value > 0 else "-Infinity"


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("ti") / "ds")
    write(path)
    return path


def test_every_row_group_index_matches_pyarrow(dataset):
    files = manifest(dataset)["files"]
    assert files
    checked_frames = 0
    for entry in files:
        index = entry["rowGroupIndex"]
        parquet = pq.ParquetFile(os.path.join(dataset, entry["path"]))
        assert len(index) == parquet.metadata.num_row_groups == entry["rowGroups"]
        declared = parquet.schema_arrow.names[2:]
        first_row = 0
        for g, group in enumerate(index):
            table = parquet.read_row_group(g)
            assert group["firstRow"] == first_row
            assert group["rows"] == table.num_rows
            first_row += table.num_rows
            steps = table.column("step").to_numpy()
            times = table.column("time").to_numpy()
            assert (group["stepMin"], group["stepMax"]) == (int(steps.min()), int(steps.max()))
            assert (group["timeMin"], group["timeMax"]) == (float(times.min()), float(times.max()))
            assert group["bytes"] == sum(parquet.metadata.row_group(g).column(c).total_compressed_size
                                         for c in range(parquet.metadata.num_columns))
            # One frame per step here: the frames are the distinct steps.
            assert group["frames"] == len(np.unique(steps))
            for name, stats in zip(declared, group["columnStats"]):
                lo, hi, nans = stat_of(table.column(name))
                assert stats == [expected_index_value(lo), expected_index_value(hi), nans], (entry["path"], g, name)
            if entry["stream"] == "fields":
                frames = group["frameIndex"]
                assert len(frames) == group["frames"]
                row = group["firstRow"]
                for step, time, rows in frames:
                    # The recorded rows of the file slice out exactly that frame.
                    piece = pq.read_table(os.path.join(dataset, entry["path"])).slice(row, rows)
                    assert set(piece.column("step").to_pylist()) == {step}
                    assert set(piece.column("time").to_pylist()) == {time}
                    assert rows == GRID[0] * GRID[1]
                    row += rows
                    checked_frames += 1
            else:
                assert "frameIndex" not in group  # one row a frame: the step column is the index
    assert checked_frames == STEPS


def test_inspect_shows_index_statistics_and_the_parquet_schema(dataset):
    summary = simingest.inspect_dataset(dataset)
    streams = {s["name"]: s for s in summary["streams"]}
    fields = streams["fields"]
    index = fields["index"]
    assert index["frames"] == STEPS and index["rows"] == STEPS * GRID[0] * GRID[1]
    assert index["steps"] == {"min": 0, "max": STEPS - 1}
    assert index["time"] == {"min": 0.0, "max": (STEPS - 1) * 0.125}
    assert index["averageTimeDelta"] == pytest.approx(0.125)
    counts = index["timeHistogram"]["counts"]
    assert len(counts) == 20 and sum(counts) == STEPS
    times = np.arange(STEPS) * 0.125
    expected, _ = np.histogram(times, bins=20, range=(0.0, times.max()))
    assert counts == expected.tolist()
    # Whole-stream column statistics, against pyarrow over every file.
    table = pq.read_table(os.path.join(dataset, "fields"))
    by_name = {c["name"]: c for c in fields["columns"]}
    for name in ("u", "k", "c"):
        lo, hi, nans = stat_of(table.column(name))
        assert [by_name[name]["min"], by_name[name]["max"], by_name[name]["nanCount"]] == \
            [expected_index_value(lo), expected_index_value(hi), nans]
    schema = {c["name"]: c for c in fields["parquetSchema"]}
    assert schema["u"]["physicalType"] == "FLOAT" and schema["u"]["logicalType"] is None
    assert schema["c"]["physicalType"] == "INT32" and schema["c"]["logicalType"] == "INTEGER(8,unsigned)"
    assert schema["step"]["encodings"] and schema["step"]["codec"] == "ZSTD"
    arrow_schema = pq.ParquetFile(os.path.join(dataset, fields["parquetSchemaFile"])).metadata.schema
    assert [arrow_schema.column(i).physical_type for i in range(len(arrow_schema))] == \
        [c["physicalType"] for c in fields["parquetSchema"]]
    listed = {f["path"] for f in summary["fileList"]}
    assert listed == {f["path"] for f in manifest(dataset)["files"]}
    assert all(f["indexed"] for f in summary["fileList"])
    diag = streams["diag"]["index"]
    assert diag["averageTimeDelta"] == pytest.approx(0.1)
    assert sum(diag["timeHistogram"]["counts"]) == STEPS


def test_stats_show_the_same_index_statistics_as_inspect(tmp_path):
    """stats() of an open ingestor: the index statistics of its committed
    files, equal to inspect's (one implementation), kept up to date at each
    commit and found again by the next open."""
    path = str(tmp_path / "ds")
    write(path)
    expected = {s["name"]: s["index"] for s in simingest.inspect_dataset(path)["streams"]}
    streams = {"fields": {"columns": {"u": "float32", "k": "int64", "c": "uint8"}, "grid": list(GRID),
                          "partition": {"steps": 10}},
               "diag": {"columns": {"energy": "float64"}}}
    with simingest.Ingestor(path, streams=streams, workers=1) as ingestor:
        stats = ingestor.stats()
        assert stats["streams"]["fields"]["index"] == expected["fields"]
        assert stats["streams"]["diag"]["index"] == expected["diag"]
        ingestor.ingest("diag", step=STEPS, time=STEPS * 0.1, columns={"energy": 7.0})
        # Not committed yet: the index holds committed files only.
        assert ingestor.stats()["streams"]["diag"]["index"]["frames"] == STEPS
        ingestor.flush()
        index = ingestor.stats()["streams"]["diag"]["index"]
        assert index["frames"] == STEPS + 1 and index["rows"] == STEPS + 1
        assert index["steps"] == {"min": 0, "max": STEPS}
        assert index["time"]["max"] == STEPS * 0.1
        assert sum(index["timeHistogram"]["counts"]) == STEPS + 1
        assert index["columns"] == [{"name": "energy", "min": 0.0, "max": (STEPS - 1) * 1.5, "nanCount": 0}]
    reread = {s["name"]: s["index"] for s in simingest.inspect_dataset(path)["streams"]}
    assert reread["diag"] == index


def test_stats_of_a_new_dataset_show_an_empty_index(tmp_path):
    with simingest.Ingestor(str(tmp_path / "ds"), streams={"d": {"columns": {"e": "float64"}}}) as ingestor:
        index = ingestor.stats()["streams"]["d"]["index"]
    assert index == {"files": 0, "indexedFiles": 0, "frames": 0, "rows": 0, "steps": None, "time": None,
                     "averageTimeDelta": None, "timeHistogram": None, "columns": []}


def test_verify_passes_a_good_dataset_and_names_a_flipped_file(tmp_path):
    path = str(tmp_path / "ds")
    write(path)
    report = simingest.verify_dataset(path)
    assert report["ok"] is True
    assert report["filesFailed"] == 0
    assert report["filesChecked"] == len(manifest(path)["files"])
    assert report["bytesChecked"] == sum(f["bytes"] for f in manifest(path)["files"])

    victim = manifest(path)["files"][1]["path"]
    full = os.path.join(path, victim)
    with open(full, "r+b") as f:
        f.seek(100)  # inside the first row group's pages: only the whole-file CRC sees it
        byte = f.read(1)
        f.seek(100)
        f.write(bytes([byte[0] ^ 0x01]))
    report = simingest.verify_dataset(path)
    assert report["ok"] is False and report["filesFailed"] == 1
    failed = [f for f in report["files"] if not f["ok"]]
    assert [f["path"] for f in failed] == [victim]
    assert "CRC-32C" in failed[0]["problem"]

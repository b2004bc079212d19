"""Compaction of the realtime log into Parquet (issue 13 item 4), read by readers simingest did not write.

The same frames go to a `realtime` stream and to a `batch` stream. After close the realtime
stream's log is gone and its frames are Parquet files that pyarrow, DuckDB and polars read
exactly like the batch stream's: the same hive layout, Arrow schema, encodings, compression,
statistics and page index, and values bit for bit as ingested (random bit patterns in the
float columns: NaN payloads, -0.0, infinities; integers at their extremes). The query API
returns every frame once, and a session killed with SIGKILL leaves every acknowledged frame
exactly once after the next open compacts its log.
"""
import json
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from simingest_under_test import REPO, load

simingest = load()
pa = pytest.importorskip("pyarrow")
pads = pytest.importorskip("pyarrow.dataset")
pq = pytest.importorskip("pyarrow.parquet")

GRID = (4, 6)
CELLS = GRID[0] * GRID[1]
STEPS = 25
COLUMNS = {"f32": "float32", "f64": "float64", "i8": "int8", "u16": "uint16", "i32": "int32",
           "u32": "uint32", "i64": "int64", "lvl": "int16"}


def streams():
    common = {"columns": COLUMNS, "grid": list(GRID), "partition": {"steps": 10}}
    return {"rt": dict(common, route="realtime"), "b": dict(common)}


def frame(step):
    rng = np.random.default_rng(step)
    f32 = rng.integers(0, 2**32 - 1, CELLS, dtype=np.uint32, endpoint=True).view(np.float32)
    f32[0] = -0.0
    f64 = rng.integers(0, 2**64 - 1, CELLS, dtype=np.uint64, endpoint=True).view(np.float64)
    f64[1] = np.inf
    return {
        "f32": f32.reshape(GRID),
        "f64": f64.reshape(GRID),
        "i8": rng.integers(-128, 128, CELLS, dtype=np.int8).reshape(GRID),
        "u16": rng.integers(0, 2**16, CELLS, dtype=np.uint16).reshape(GRID),
        "i32": np.full(CELLS, np.iinfo(np.int32).min + step, dtype=np.int32).reshape(GRID),
        "u32": rng.integers(0, 2**32, CELLS, dtype=np.uint32).reshape(GRID),
        "i64": (np.arange(CELLS, dtype=np.int64) * (step + 1) + np.iinfo(np.int64).min).reshape(GRID),
        "lvl": np.int16(step - 12),  # a scalar: one value for the whole frame
    }


def bits(array):
    array = np.ascontiguousarray(np.asarray(array))
    return array.view(f"u{array.dtype.itemsize}")


def expected(name, steps):
    values = []
    for step in steps:
        value = np.asarray(frame(step)[name])
        values.append(np.full(CELLS, value, dtype=value.dtype) if value.ndim == 0 else value.reshape(-1))
    return np.concatenate(values)


def by_step(table):
    table = table.drop_columns([c for c in table.column_names if c == "part"])
    return table.take(pa.compute.sort_indices(table, [("step", "ascending")]))


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("compaction") / "ds"
    with simingest.Ingestor(root, config={"workers": 1, "streams": streams()}) as ing:
        for step in range(STEPS):
            for stream in ("rt", "b"):
                ing.ingest(stream, step=step, time=step * 0.125, columns=frame(step))
        stats_before_close = ing.stats()["realtime"]
    assert stats_before_close["frames"] == STEPS
    return root


def test_the_log_is_gone_and_the_manifest_records_the_mark(dataset):
    assert list((dataset / "_realtime" / "rt").glob("log-*.avro")) == []
    manifest = json.loads((dataset / "_simingest" / "manifest.json").read_text())
    assert manifest["realtimeCompacted"] == {"rt": {"segment": 1, "records": 0}}
    rt = [f for f in manifest["files"] if f["stream"] == "rt"]
    assert sorted(f["partition"] for f in rt) == [0, 1, 2]
    assert sum(f["frames"] for f in rt) == STEPS
    assert all(f["path"].startswith(f"rt/part={f['partition']}/part-") and f["rowGroupIndex"] for f in rt)


def test_pyarrow_reads_every_value_bit_for_bit(dataset):
    table = by_step(pads.dataset(dataset / "rt", format="parquet", partitioning="hive").to_table())
    steps = np.repeat(np.arange(STEPS), CELLS)
    assert np.array_equal(table.column("step").to_numpy(), steps)
    assert np.array_equal(bits(table.column("time").to_numpy()), bits(steps * 0.125))
    for name in COLUMNS:
        got = table.column(name).to_numpy()
        want = expected(name, range(STEPS))
        assert got.dtype == want.dtype, name
        assert np.array_equal(bits(got), bits(want)), name


def test_compacted_files_are_laid_out_like_the_batch_streams(dataset):
    def files(stream):
        return sorted((dataset / stream).glob("part=*/part-*.parquet"))

    rt, batch = files("rt"), files("b")
    assert [p.parent.name for p in rt] == [p.parent.name for p in batch]
    for a, b in zip(rt, batch):
        ma, mb = pq.ParquetFile(a).metadata, pq.ParquetFile(b).metadata
        assert pq.ParquetFile(a).schema_arrow == pq.ParquetFile(b).schema_arrow
        assert ma.schema.equals(mb.schema)
        assert (ma.num_rows, ma.num_row_groups) == (mb.num_rows, mb.num_row_groups)
        assert ma.created_by == mb.created_by
        meta_a, meta_b = dict(ma.metadata), dict(mb.metadata)
        assert meta_a.pop(b"simingest.stream") == b"rt" and meta_b.pop(b"simingest.stream") == b"b"
        assert meta_a.keys() == meta_b.keys()
        for g in range(ma.num_row_groups):
            for c in range(ma.num_columns):
                ca, cb = ma.row_group(g).column(c), mb.row_group(g).column(c)
                assert (ca.path_in_schema, ca.encodings, ca.compression) == (cb.path_in_schema, cb.encodings,
                                                                             cb.compression)
                assert (ca.has_column_index, ca.has_offset_index) == (cb.has_column_index, cb.has_offset_index)
                assert ca.statistics.has_min_max == cb.statistics.has_min_max
                if ca.statistics.has_min_max:
                    assert bits(np.array([ca.statistics.min])) == bits(np.array([cb.statistics.min]))
                    assert bits(np.array([ca.statistics.max])) == bits(np.array([cb.statistics.max]))
                assert ca.total_compressed_size == cb.total_compressed_size, ca.path_in_schema


def test_duckdb_and_polars_read_it_like_a_batch_stream(dataset):
    duckdb = pytest.importorskip("duckdb")
    pl = pytest.importorskip("polars")
    sql = "SELECT count(*), count(DISTINCT step) FROM read_parquet('{}/*/*.parquet', hive_partitioning = true)"
    assert duckdb.sql(sql.format(dataset / "rt")).fetchone() == duckdb.sql(sql.format(dataset / "b")).fetchone()
    frame_rt = pl.read_parquet(str(dataset / "rt" / "**" / "*.parquet")).sort("step", maintain_order=True)
    frame_b = pl.read_parquet(str(dataset / "b" / "**" / "*.parquet")).sort("step", maintain_order=True)
    assert frame_rt.drop("part", strict=False).equals(frame_b.drop("part", strict=False))


def test_the_query_api_returns_every_frame_once(dataset):
    ds = simingest.open_dataset(dataset)
    got = ds.query("rt")
    want = by_step(pads.dataset(dataset / "rt", format="parquet", partitioning="hive").to_table())
    assert got.num_rows == STEPS * CELLS
    steps, counts = np.unique(got.column("step").to_numpy(), return_counts=True)
    assert np.array_equal(steps, np.arange(STEPS)) and set(counts.tolist()) == {CELLS}
    for name in ("step", "time", *COLUMNS):
        assert np.array_equal(bits(got.column(name).to_numpy()), bits(want.column(name).to_numpy())), name


def test_a_reader_sees_every_frame_once_while_the_session_runs_and_after_close(tmp_path):
    root = tmp_path / "ds"
    config = {"workers": 1, "durability": "ack-after-fsync", "streams": {"rt": streams()["rt"]}}
    with simingest.Ingestor(root, config=config) as ing:
        for step in range(12):
            ing.ingest("rt", step=step, time=step * 0.125, columns=frame(step))
        live = simingest.open_dataset(root).query("rt")  # every frame from the log: no Parquet yet
        assert list((root / "rt").glob("part=*/*.parquet")) == []
    after = simingest.open_dataset(root).query("rt")  # every frame from Parquet: no log left
    assert list((root / "_realtime" / "rt").glob("log-*.avro")) == []
    for table in (live, after):
        assert np.array_equal(table.column("step").to_numpy(), np.repeat(np.arange(12), CELLS))
        for name in COLUMNS:
            assert np.array_equal(bits(table.column(name).to_numpy()), bits(expected(name, range(12)))), name


WRITER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {repo!r} + "/test/python")
    from simingest_under_test import load
    from test_compaction import frame, streams
    simingest = load()
    config = {{"workers": 1, "durability": "ack-after-fsync", "streams": {{"rt": streams()["rt"]}}}}
    ing = simingest.Ingestor(sys.argv[1], config=config)
    step = int(sys.argv[2])
    while True:
        ing.ingest("rt", step=step, time=step * 0.125, columns=frame(step))
        print(step, flush=True)  # acknowledged: fsynced
        step += 1
    """
)


def test_every_acknowledged_frame_is_in_parquet_once_after_kill_9_and_the_next_open(tmp_path):
    root = tmp_path / "ds"
    env = dict(os.environ, PYTHONPATH=str(REPO / "test" / "python"))
    acknowledged = []
    # The second session compacts what the first left at its open, then is killed too.
    for first in (0, 1000):
        child = subprocess.Popen([sys.executable, "-c", WRITER.format(repo=str(REPO)), str(root), str(first)],
                                 stdout=subprocess.PIPE, env=env, text=True)
        try:
            for line in child.stdout:
                acknowledged.append(int(line))
                if acknowledged[-1] == first + 29:
                    break
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
        assert acknowledged[-1] == first + 29, "the writer stopped before 30 frames were acknowledged"
    with simingest.Ingestor(root, config={"workers": 1, "streams": {"rt": streams()["rt"]}}) as ing:
        compaction = ing.stats()["realtime"]["compaction"]
    assert compaction["lastError"] is None
    assert compaction["frames"] >= 30  # at least the second session's acknowledged frames
    assert list((root / "_realtime" / "rt").glob("log-*.avro")) == []
    table = simingest.open_dataset(root).query("rt")
    steps, counts = np.unique(table.column("step").to_numpy(), return_counts=True)
    assert set(acknowledged) <= set(steps.tolist())  # nothing acknowledged is lost
    assert set(counts.tolist()) == {CELLS}  # and nothing is there twice
    # Frames written but not yet acknowledged when the kill came may be there too, in order.
    for first in (0, 1000):
        session = steps[(steps >= first) & (steps < first + 1000)]
        assert np.array_equal(session, np.arange(first, first + len(session)))
    pa_table = by_step(pads.dataset(root / "rt", format="parquet", partitioning="hive").to_table())
    assert np.array_equal(pa_table.column("step").to_numpy(), np.repeat(steps, CELLS))
    for name in COLUMNS:
        assert np.array_equal(bits(pa_table.column(name).to_numpy()), bits(expected(name, steps.tolist()))), name

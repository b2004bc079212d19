"""Queries from Python (Dataset, Ingestor) against readers we did not write.

The reference is what pyarrow reads from the committed Parquet files, rows in
ingest order; every query result is compared with it bit for bit (random bit
patterns in the float columns: NaN payloads, -0.0, infinities). The raw
stream is also handed to pyarrow, polars and DuckDB through the PyCapsule
protocol, and read without pyarrow into numpy.
"""

import gc
import pathlib

import numpy as np
import pytest

from simingest_under_test import load

simingest = load()

pa = pytest.importorskip("pyarrow")
pads = pytest.importorskip("pyarrow.dataset")

if not hasattr(simingest._native.library(), "simingest_dataset_open"):
    pytest.skip("the loaded libsimingest has no query support yet", allow_module_level=True)

GRID = (4, 6)
STEPS = 25
CELLS = GRID[0] * GRID[1]
STREAMS = {
    "fields": {"columns": {"u": "float32", "k": "int64", "n": "uint16"}, "grid": list(GRID), "partition": {"steps": 10}},
    "diag": {"columns": {"energy": "float64", "count": "int32"}},
}


def fields_frame(step):
    rng = np.random.default_rng(step)
    u = rng.integers(0, 2**32 - 1, CELLS, dtype=np.uint32, endpoint=True).view(np.float32).reshape(GRID)
    u.flat[0] = -0.0
    k = np.arange(CELLS, dtype=np.int64) * (step + 1) - 2**40
    n = rng.integers(0, 2**16, CELLS, dtype=np.uint16)
    return {"u": u, "k": k, "n": n}


def diag_frame(step):
    rng = np.random.default_rng(1000 + step)
    energy = rng.integers(0, 2**64 - 1, 1, dtype=np.uint64, endpoint=True).view(np.float64)
    return {"energy": energy, "count": np.array([step * 7 - 30], dtype=np.int32)}


def time_of(step):
    return step * 0.125


def write(ingestor, steps):
    for step in steps:
        ingestor.ingest("fields", step=step, time=time_of(step), columns=fields_frame(step))
        ingestor.ingest("diag", step=step, time=time_of(step), columns=diag_frame(step))


@pytest.fixture(scope="module")
def dataset_path(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("query") / "ds")
    with simingest.Ingestor(path, streams=STREAMS, workers=1) as ingestor:
        write(ingestor, range(STEPS))
        ingestor.flush()
    return path


def reference(path, stream):
    """pyarrow's reading of the committed files, rows in ingest order (the
    steps are ingested in increasing order; Arrow's sort is stable)."""
    table = pads.dataset(f"{path}/{stream}", format="parquet", partitioning="hive").to_table()
    table = table.drop_columns([c for c in table.column_names if c == "part"])
    return table.take(pa.compute.sort_indices(table, [("step", "ascending")]))


def bits(array):
    array = np.ascontiguousarray(np.asarray(array))
    return array.view(f"u{array.dtype.itemsize}")


def assert_same(result, expected, columns):
    """result (pyarrow Table or dict of numpy arrays) equals the reference bit for bit."""
    for name in columns:
        got = result[name].to_numpy() if isinstance(result, pa.Table) else result[name]
        want = expected[name].to_numpy()
        assert got.dtype == want.dtype, name
        np.testing.assert_array_equal(bits(got), bits(want), err_msg=name)


def select(expected, steps=None, time=None, every=1):
    step = expected["step"].to_numpy()
    t = expected["time"].to_numpy()
    mask = np.ones(len(step), dtype=bool)
    if steps is not None:
        mask &= (step >= steps[0]) & (step <= steps[1])
    if time is not None:
        mask &= (t >= time[0]) & (t <= time[1])
    anchor = steps[0] if steps is not None else 0
    mask &= (step - anchor) % every == 0
    return expected.filter(pa.array(mask))


def test_dataset_query_equals_pyarrow_reading_the_files(dataset_path):
    with simingest.open_dataset(dataset_path) as ds:
        assert sorted(ds.streams()) == ["diag", "fields"]
        assert ds.schema("fields")["grid"] == list(GRID)
        for stream, columns in (("fields", ["u", "k", "n"]), ("diag", ["energy", "count"])):
            result = ds.query(stream)
            expected = reference(dataset_path, stream)
            assert result.column_names == ["step", "time", *columns]
            assert result.num_rows == expected.num_rows == STEPS * (CELLS if stream == "fields" else 1)
            assert_same(result, expected, ["step", "time", *columns])


@pytest.mark.parametrize(
    "steps,time,every,columns",
    [
        ((3, 17), None, 1, None),
        (None, (0.5, 1.5), 1, ["k"]),
        ((2, 22), None, 3, ["n", "u"]),
        (None, None, 4, ["u"]),
        ((5, 5), (0.0, 100.0), 1, None),
        ((40, 50), None, 1, None),
    ],
)
def test_dataset_query_selects_what_the_same_filter_selects_in_pyarrow(dataset_path, steps, time, every, columns):
    expected = select(reference(dataset_path, "fields"), steps, time, every)
    with simingest.open_dataset(dataset_path) as ds:
        result = ds.query("fields", steps=steps, time=time, columns=columns, every=every)
    names = columns if columns is not None else ["u", "k", "n"]
    assert result.column_names == ["step", "time", *names]
    assert result.num_rows == expected.num_rows
    assert_same(result, expected, ["step", "time", *names])


def test_scan_yields_the_rows_of_query(dataset_path):
    with simingest.open_dataset(dataset_path) as ds:
        batches = list(ds.scan("fields", steps=(4, 20)))
        whole = ds.query("fields", steps=(4, 20))
    assert all(isinstance(b, pa.RecordBatch) for b in batches)
    assert len(batches) >= 2  # two partitions at least: more than one row group
    assert_same(pa.Table.from_batches(batches), whole, ["step", "time", "u", "k", "n"])  # NaNs: bits, not equals()
    per_frame = list(simingest.open_dataset(dataset_path).scan("fields", steps=(4, 20), per_frame=True))
    assert [b.num_rows for b in per_frame] == [CELLS] * 17


def test_as_grid_stacks_frames_by_the_grid(dataset_path):
    with simingest.open_dataset(dataset_path) as ds:
        grid = ds.query("fields", steps=(3, 9), as_grid=True, columns=["u", "n"])
        diag = ds.query("diag", as_grid=True)
    assert set(grid) == {"step", "time", "u", "n"}
    np.testing.assert_array_equal(grid["step"], np.arange(3, 10))
    np.testing.assert_array_equal(grid["time"], [time_of(s) for s in range(3, 10)])
    assert grid["u"].shape == (7, *GRID) and grid["u"].dtype == np.float32
    for i, step in enumerate(range(3, 10)):
        frame = fields_frame(step)
        np.testing.assert_array_equal(bits(grid["u"][i]), bits(frame["u"]))
        np.testing.assert_array_equal(grid["n"][i], frame["n"].reshape(GRID))
    assert diag["energy"].shape == (STEPS, 1)
    np.testing.assert_array_equal(bits(diag["energy"][:, 0]), bits(np.concatenate([diag_frame(s)["energy"] for s in range(STEPS)])))


def test_the_raw_stream_goes_to_pyarrow_polars_and_duckdb_through_the_capsule(dataset_path):
    pl = pytest.importorskip("polars")
    duckdb = pytest.importorskip("duckdb")
    expected = select(reference(dataset_path, "fields"), (2, 12))
    with simingest.open_dataset(dataset_path) as ds:
        table = pa.table(ds.query_stream("fields", steps=(2, 12)))
        assert_same(table, expected, ["step", "time", "u", "k", "n"])

        reader = pa.RecordBatchReader.from_stream(ds.query_stream("fields", steps=(2, 12)))
        assert_same(reader.read_all(), table, ["step", "time", "u", "k", "n"])

        frame = pl.DataFrame(ds.query_stream("fields", steps=(2, 12)))
        assert frame.columns == ["step", "time", "u", "k", "n"]
        np.testing.assert_array_equal(bits(frame["u"].to_numpy()), bits(expected["u"].to_numpy()))
        np.testing.assert_array_equal(frame["k"].to_numpy(), expected["k"].to_numpy())
        # (pl.from_arrow takes it too, but warns that polars 2.0 will make that a Series.)

        result = ds.query_stream("fields", steps=(2, 12))
        sums = duckdb.sql("SELECT count(*) AS n, sum(k) AS k, max(step) AS s FROM result").fetchone()
        assert sums == (expected.num_rows, int(expected["k"].to_numpy().sum()), 12)

        # Asked again, the capsule is a new run of the same query (DuckDB asks twice).
        again = ds.query_stream("fields", steps=(2, 12))
        assert_same(pa.table(again), pa.table(again), ["step", "time", "u", "k", "n"])
        pulled = ds.query_stream("fields")
        pulled.next_arrow_batch()
        with pytest.raises(simingest.InvalidArgumentError, match="partly read"):
            pa.table(pulled)
        pulled.close()
        with pytest.raises(simingest.InvalidArgumentError, match="consumed or closed"):
            pulled.next_arrow_batch()
        # A capsule nobody imports releases the stream when it is collected.
        capsule = ds.query_stream("diag").__arrow_c_stream__()
        del capsule
        gc.collect()


def test_without_pyarrow_results_are_numpy_views_that_keep_the_batch_alive(dataset_path, monkeypatch):
    from simingest import _query_stream

    monkeypatch.setattr(_query_stream, "_pyarrow", lambda: None)
    from simingest import _query

    monkeypatch.setattr(_query, "_pyarrow", lambda: None)
    expected = select(reference(dataset_path, "fields"), (11, 13))
    with simingest.open_dataset(dataset_path) as ds:
        result = ds.query("fields", steps=(11, 13))  # one partition, one row group: zero-copy
        batches = list(ds.scan("diag"))
    assert isinstance(result, dict) and list(result) == ["step", "time", "u", "k", "n"]
    gc.collect()  # the stream is gone; the arrays still own their batch
    assert_same(result, expected, ["step", "time", "u", "k", "n"])
    assert not result["u"].flags.writeable
    assert all(isinstance(b, dict) for b in batches)
    assert sum(len(b["step"]) for b in batches) == STEPS


def test_ingestor_query_sees_committed_frames(tmp_path):
    path = str(tmp_path / "ds")
    with simingest.Ingestor(path, streams=STREAMS, workers=1) as ingestor:
        write(ingestor, range(12))
        ingestor.flush()
        result = ingestor.query("fields", steps=(1, 10), every=3)
        grid = ingestor.query("fields", as_grid=True, columns=["k"])
        expected = select(reference(path, "fields"), (1, 10), every=3)
        assert_same(result, expected, ["step", "time", "u", "k", "n"])
        assert grid["k"].shape == (12, *GRID)
        assert pa.table(ingestor.query_stream("diag")).num_rows == 12
    with pytest.raises(simingest.ClosedError):
        ingestor.query("fields")


def test_ingestor_query_sees_frames_not_yet_committed(tmp_path):
    # Nothing is flushed and the row groups are far larger than the frames: the
    # frames are in the engine's memory (or the open file) when queried. The
    # same query after close, on the committed dataset, must give the same table.
    path = str(tmp_path / "ds")
    ingestor = simingest.Ingestor(path, streams=STREAMS, workers=1, row_group_bytes=64 << 20)
    write(ingestor, range(12))
    in_flight = ingestor.query("fields")
    assert ingestor.stats()["streams"]["fields"]["framesCommitted"] < 12
    ingestor.close()
    assert_same(in_flight, reference(path, "fields"), ["step", "time", "u", "k", "n"])


def test_the_query_memory_limit_is_a_typed_error(dataset_path):
    with simingest.open_dataset(dataset_path) as ds:
        with pytest.raises(simingest.ResourceLimitError, match="memory limit"):
            ds.query("fields", memory_limit=64)
        with pytest.raises(simingest.InvalidArgumentError, match="memory_limit"):
            ds.query("fields", memory_limit=-1)
        assert ds.query("fields", memory_limit=1 << 30).num_rows == ds.query("fields").num_rows


def test_bad_queries_raise_typed_errors_naming_the_problem(dataset_path, tmp_path):
    with simingest.open_dataset(dataset_path) as ds:
        with pytest.raises(simingest.UnknownStreamError, match="nope"):
            ds.query("nope")
        with pytest.raises(simingest.UnknownColumnError, match="vx"):
            ds.query("fields", columns=["u", "vx"])
        with pytest.raises(simingest.InvalidArgumentError):
            ds.query("fields", steps=(9, 3))
        with pytest.raises(simingest.InvalidArgumentError):
            ds.query("fields", time=(float("nan"), 1.0))
        with pytest.raises(simingest.InvalidArgumentError):
            ds.query("fields", every=0)
        with pytest.raises(simingest.InvalidArgumentError, match="steps"):
            ds.query("fields", steps=5)
        with pytest.raises(simingest.InvalidArgumentError, match="columns"):
            ds.query("fields", columns="u")
        with pytest.raises(simingest.InvalidArgumentError, match="int64"):
            ds.query("fields", steps=(0, 2**63))
    with pytest.raises(simingest.ClosedError):
        ds.query("fields")
    with pytest.raises(simingest.StorageError):
        simingest.open_dataset(tmp_path)  # a directory without a manifest


def test_a_failing_read_raises_the_class_of_the_stream_status(tmp_path):
    path = str(tmp_path / "ds")
    with simingest.Ingestor(path, streams=STREAMS, workers=1) as ingestor:
        write(ingestor, range(STEPS))
    with simingest.open_dataset(path) as ds:
        stream = ds.query_stream("fields")
        files = sorted(pathlib.Path(path, "fields").rglob("*.parquet"))
        with open(files[-1], "r+b") as damaged:  # after the query began: its read fails, not its start
            damaged.truncate(100)
        with pytest.raises(simingest.CorruptDatasetError, match=files[-1].name):
            list(simingest._query.batches(stream))
        with pytest.raises(simingest.CorruptDatasetError):
            ds.query("fields", columns=["k"])

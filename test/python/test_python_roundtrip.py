"""Frames ingested from Python read back bit for bit with pyarrow, DuckDB and polars.

Every value is generated here with numpy from a fixed seed and kept; what the
readers return is compared bit for bit (NaN payloads, -0.0, subnormals and
the extremes of every integer type included) against those arrays, never
against anything simingest produced.
"""

import gc
import weakref

import numpy as np
import pytest

from simingest_under_test import REPO, load  # noqa: E402

simingest = load()

pa = pytest.importorskip("pyarrow")
ds = pytest.importorskip("pyarrow.dataset")
pd = pytest.importorskip("pandas")
duckdb = pytest.importorskip("duckdb")
pl = pytest.importorskip("polars")

DTYPES = ["float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
GRID = (8, 16)
STEPS = 24
PARTITION_STEPS = 10


def column_values(dtype, step, n):
    """n values of dtype for a step, covering the type's awkward values."""
    rng = np.random.default_rng(1000 * step + DTYPES.index(dtype))
    dt = np.dtype(dtype)
    if dt.kind == "f":
        bits_type = np.uint32 if dt.itemsize == 4 else np.uint64
        bits = rng.integers(0, np.iinfo(bits_type).max, n, dtype=bits_type, endpoint=True)
        values = bits.view(dt).copy()
        specials = np.array([np.nan, -0.0, np.inf, -np.inf, np.finfo(dt).smallest_subnormal,
                             np.finfo(dt).max, np.finfo(dt).min], dtype=dt)
        values[: min(n, len(specials))] = specials[: min(n, len(specials))]
        if n > 8:  # a NaN with a payload and the sign bit set
            values.view(bits_type)[8] = bits_type(0xFFC00123) if dt.itemsize == 4 else bits_type(0xFFF8000000000123)
        return values
    info = np.iinfo(dt)
    values = rng.integers(info.min, info.max, n, dtype=dt, endpoint=True)
    values[: min(n, 2)] = [info.min, info.max][: min(n, 2)]
    return values


def bits(a):
    a = np.ascontiguousarray(a)
    if a.dtype.kind == "f":
        return a.view(np.uint32 if a.dtype.itemsize == 4 else np.uint64)
    return a


CONFIG = {
    "streams": {
        "table": {"columns": {d: d for d in DTYPES}, "partition": {"steps": PARTITION_STEPS}},
        "grid": {"columns": {"u": "float32", "w": {"dtype": "float64", "encoding": "plain"}, "level": "int16"},
                 "grid": list(GRID), "partition": {"steps": PARTITION_STEPS}},
    },
    "compression": {"codec": "zstd", "level": 3},
    "workers": 2,
}


def table_rows(step):
    return 0 if step == 5 else 50 + 7 * step


def make_frames():
    """{stream: [(step, time, {column: numpy values per row})]} and the ingest inputs."""
    frames = {"table": [], "grid": []}
    for step in range(STEPS):
        n = table_rows(step)
        frames["table"].append((step, step * 0.5, {d: column_values(d, step, n) for d in DTYPES}))
        u = column_values("float32", step, GRID[0] * GRID[1]).reshape(GRID)
        w = column_values("float64", step, GRID[0] * GRID[1]).reshape(GRID)
        frames["grid"].append((step, step * 0.5, {"u": u, "w": w, "level": np.int16(step - 12)}))
    return frames


def ingest_input(step, columns):
    """The same frame in the different shapes ingest() takes, by step."""
    kind = step % 5
    if kind == 0:
        return columns  # dict of numpy arrays
    if kind == 1:
        return pd.DataFrame(columns)
    if kind == 2:
        return pa.table(columns)
    if kind == 3:
        return pa.RecordBatch.from_pydict(columns)
    return {name: pa.array(v) for name, v in columns.items()}  # dict of Arrow arrays


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    path = tmp_path_factory.mktemp("roundtrip") / "ds"
    frames = make_frames()
    with simingest.Ingestor(path, config=CONFIG) as ing:
        for i in range(STEPS):
            step, time, columns = frames["table"][i]
            ing.ingest("table", step=step, time=time, columns=ingest_input(step, columns))
            step, time, columns = frames["grid"][i]
            # Scalars: numpy scalars, Python ints (and a 0-d array) alike.
            level = columns["level"] if step % 3 == 0 else int(columns["level"]) if step % 3 == 1 \
                else np.array(columns["level"])
            ing.ingest("grid", step, time, {"u": columns["u"], "w": columns["w"], "level": level})
        ing.flush()
        stats = ing.stats()
    return path, frames, stats


def expected(frames, stream):
    out = {}
    rows = []
    for step, time, columns in frames[stream]:
        n = table_rows(step) if stream == "table" else GRID[0] * GRID[1]
        rows.append(n)
        for name, values in columns.items():
            values = np.asarray(values)
            out.setdefault(name, []).append(np.broadcast_to(values.reshape(-1), (n,)) if values.ndim == 0
                                            else values.reshape(-1))
    result = {name: np.concatenate(parts) for name, parts in out.items()}
    steps = np.repeat(np.arange(STEPS, dtype=np.int64), rows)
    result["step"] = steps
    result["time"] = steps * 0.5
    result["part"] = steps // PARTITION_STEPS
    return result


def check(reader, stream, frames, actual):
    want = expected(frames, stream)
    order = np.argsort(np.asarray(actual["step"]), kind="stable")
    assert len(order) == len(want["step"]), f"{reader}: {stream}: row count"
    for name, values in want.items():
        got = np.asarray(actual[name])[order]
        if name == "part":
            got = got.astype(np.int64)
        assert got.dtype == values.dtype, f"{reader}: {stream}.{name}: {got.dtype} != {values.dtype}"
        diff = np.flatnonzero(bits(got) != bits(values))
        assert diff.size == 0, f"{reader}: {stream}.{name}: {diff.size} values differ, first at row {diff[:1]}"


STREAM_COLUMNS = {"table": DTYPES, "grid": ["u", "w", "level"]}


@pytest.mark.parametrize("stream", ["table", "grid"])
def test_pyarrow_reads_back_every_value_bit_exact(written, stream):
    path, frames, _ = written
    table = ds.dataset(path / stream, format="parquet", partitioning="hive").to_table()
    for name in STREAM_COLUMNS[stream]:
        assert table.schema.field(name).type == pa.from_numpy_dtype(expected(frames, stream)[name].dtype)
    check("pyarrow", stream, frames, {n: table.column(n).to_numpy() for n in table.column_names})


@pytest.mark.parametrize("stream", ["table", "grid"])
def test_duckdb_reads_back_every_value_bit_exact(written, stream):
    path, frames, _ = written
    names = ", ".join(["step", "time", "part", *STREAM_COLUMNS[stream]])
    result = duckdb.connect().sql(
        f"SELECT {names} FROM read_parquet('{path}/{stream}/**/*.parquet', hive_partitioning=true, "
        "file_row_number=true) ORDER BY step, file_row_number").fetchnumpy()
    check("duckdb", stream, frames, {k: np.asarray(v) for k, v in result.items()})


@pytest.mark.parametrize("stream", ["table", "grid"])
def test_polars_reads_back_every_value_bit_exact(written, stream):
    path, frames, _ = written
    frame = pl.read_parquet(f"{path}/{stream}/**/*.parquet", hive_partitioning=True)
    check("polars", stream, frames, {n: frame.get_column(n).to_numpy() for n in frame.columns})


def test_stats_count_every_frame_and_row(written):
    _, _, stats = written
    assert stats["framesAccepted"] == stats["framesCommitted"] == 2 * STEPS
    assert stats["framesRejected"] == stats["framesDropped"] == stats["framesInFlight"] == 0
    assert stats["rowsCommitted"] == sum(table_rows(s) for s in range(STEPS)) + STEPS * GRID[0] * GRID[1]
    assert stats["streams"]["grid"]["framesCommitted"] == STEPS
    assert set(stats["stages"]) >= {"queue", "validate", "stats", "encode", "compress", "write", "fsync"}


# ---- how arrays cross into C ------------------------------------------------------


class IngestSpy:
    """Stands in for the library: records the simingest_column array of each ingest."""

    def __init__(self, lib):
        self._lib = lib
        self.calls = []

    def __getattr__(self, name):
        return getattr(self._lib, name)

    def simingest_ingest(self, handle, stream, step, time, columns, ncolumns):
        self.calls.append([(columns[i].name, columns[i].dtype, columns[i].data, columns[i].length)
                           for i in range(ncolumns)])
        return self._lib.simingest_ingest(handle, stream, step, time, columns, ncolumns)

    def simingest_ingest_raw(self, handle, stream, step, time, columns, ncolumns):
        # Ingestor.ingest()'s fast path: the same call with every argument a ctypes object.
        table = columns._obj  # byref(the plan's simingest_column array)
        self.calls.append([(c.name, c.dtype, c.data, c.length) for c in table])
        return self._lib.simingest_ingest_raw(handle, stream, step, time, columns, ncolumns)


def test_numpy_arrays_are_passed_by_pointer_without_a_copy(tmp_path):
    config = {"streams": {"g": {"columns": {"a": "float32", "b": "int64"}, "grid": [4, 8]}}}
    a = np.arange(32, dtype=np.float32).reshape(4, 8)
    b = np.arange(32, dtype=np.int64)
    with simingest.Ingestor(tmp_path / "ds", config=config) as ing:
        spy = ing._lib = IngestSpy(ing._lib)
        ing.ingest("g", 0, 0.0, {"a": a, "b": b})
        view = b[::-1].copy()[::-1]  # a reversed view: a copy only with convert=True
        ing.ingest("g", 1, 0.0, {"a": a, "b": view}, convert=True)
    (first, second) = spy.calls
    assert first == [(b"a", 1, a.ctypes.data, 32), (b"b", 6, b.ctypes.data, 32)]
    assert second[0][2] == a.ctypes.data and second[1][2] != view.ctypes.data


def test_scalars_take_the_declared_dtype(tmp_path):
    config = {"streams": {"s": {"columns": {"f": "float32", "u": "uint8", "i": "int64"}}}}
    with simingest.Ingestor(tmp_path / "ds", config=config) as ing:
        spy = ing._lib = IngestSpy(ing._lib)
        ing.ingest("s", 0, 0.0, {"f": 2, "u": np.int64(255), "i": np.uint8(7)})
        ing.ingest("s", 1, 0.0, {"f": np.float64(0.1), "u": 0, "i": -(1 << 63)})
        ing.ingest("s", 2, 0.0, {"f": 1.0, "u": 3.0, "i": 1}, convert=True)
    assert [[c[1] for c in call] for call in spy.calls] == [[1, 7, 6]] * 3
    assert all(c[3] == (1 << 64) - 1 for call in spy.calls for c in call)  # SIMINGEST_SCALAR
    table = pa.dataset.dataset(tmp_path / "ds" / "s", partitioning="hive").to_table().sort_by("step")
    assert table.column("f").to_pylist() == [2.0, float(np.float32(0.1)), 1.0]
    assert table.column("u").to_pylist() == [255, 0, 3]
    assert table.column("i").to_pylist() == [7, -(1 << 63), 1]


def test_engine_copies_so_the_caller_may_reuse_its_buffer_and_no_reference_is_kept(tmp_path):
    config = {"streams": {"s": {"columns": {"x": "float64"}}}}
    with simingest.Ingestor(tmp_path / "ds", config=config) as ing:
        buffer = np.arange(100, dtype=np.float64)
        ref = weakref.ref(buffer)
        ing.ingest("s", 0, 0.0, {"x": buffer})
        buffer[:] = -1.0  # reused at once, before the engine has written anything
        ing.ingest("s", 1, 0.0, {"x": buffer})
        del buffer
        gc.collect()
        assert ref() is None, "the ingestor kept a reference to the array"
    table = pa.dataset.dataset(tmp_path / "ds" / "s", partitioning="hive").to_table().sort_by("step")
    x = table.column("x").to_numpy()
    np.testing.assert_array_equal(x[:100], np.arange(100, dtype=np.float64))
    np.testing.assert_array_equal(x[100:], np.full(100, -1.0))


def test_convert_true_converts_dtype_layout_and_sequences(tmp_path):
    config = {"streams": {"g": {"columns": {"a": "float32", "n": "int16"}, "grid": [3, 4]}}}
    source = np.arange(24, dtype=np.float64).reshape(3, 8)[:, ::2]  # float64 and strided
    with simingest.Ingestor(tmp_path / "ds", config=config) as ing:
        ing.ingest("g", 0, 0.0, {"a": source, "n": list(range(12))}, convert=True)
        with pytest.raises(simingest.DtypeMismatchError) as info:
            ing.ingest("g", 1, 0.0, {"a": source, "n": np.full(12, 40000, dtype=np.int64)}, convert=True)
        assert "out of range for int16" in str(info.value)
    table = pa.dataset.dataset(tmp_path / "ds" / "g", partitioning="hive").to_table()
    np.testing.assert_array_equal(table.column("a").to_numpy(), source.astype(np.float32).reshape(-1))
    np.testing.assert_array_equal(table.column("n").to_numpy(), np.arange(12, dtype=np.int16))


def test_multi_chunk_arrow_column_needs_convert(tmp_path):
    config = {"streams": {"s": {"columns": {"x": "int32"}}}}
    chunked = pa.chunked_array([pa.array([1, 2], pa.int32()), pa.array([3], pa.int32())])
    with simingest.Ingestor(tmp_path / "ds", config=config) as ing:
        with pytest.raises(simingest.InvalidArgumentError, match="2 chunks"):
            ing.ingest("s", 0, 0.0, pa.table({"x": chunked}))
        ing.ingest("s", 0, 0.0, pa.table({"x": chunked}), convert=True)
    table = pa.dataset.dataset(tmp_path / "ds" / "s", partitioning="hive").to_table()
    assert table.column("x").to_pylist() == [1, 2, 3]


def test_reopen_appends_with_the_same_schema(tmp_path):
    config = {"streams": {"s": {"columns": {"x": "int64"}}}}
    for session in range(3):
        with simingest.Ingestor(tmp_path / "ds", streams=config["streams"]) as ing:
            ing.ingest("s", session, float(session), {"x": np.array([session] * 3, dtype=np.int64)})
    frame = pl.read_parquet(f"{tmp_path}/ds/s/**/*.parquet").sort("step")
    assert frame.get_column("x").to_list() == [0, 0, 0, 1, 1, 1, 2, 2, 2]

"""simingest_dataset_query through the raw C ABI, imported by pyarrow as an Arrow C stream.

A dataset is written with the Python package (several files, several row groups
per file, partitions, a grid stream with a scalar column, a table stream of
every dtype with frames of varying length). Each query is made with ctypes
only (the ArrowArrayStream struct lives in memory this test allocates), the
stream imported with pyarrow.RecordBatchReader._import_from_c, and the result
compared bit for bit with pyarrow.dataset reading the same files and filtering
them itself, and again with DuckDB reading the imported table.
"""

import ctypes

import numpy as np
import pytest

from simingest_under_test import load

from simingest import _arrow_abi  # after simingest_under_test, which puts the package on the path

simingest = load()

pa = pytest.importorskip("pyarrow")
ds = pytest.importorskip("pyarrow.dataset")
pc = pytest.importorskip("pyarrow.compute")
duckdb = pytest.importorskip("duckdb")

DTYPES = ["float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
GRID = (8, 16)
STEPS = 60
CONFIG = {
    "streams": {
        "table": {"columns": {d: d for d in DTYPES}, "partition": {"steps": 25}},
        "grid": {"columns": {"u": "float32", "w": "float64", "level": "int16"}, "grid": list(GRID),
                 "partition": {"steps": 20}},
    },
    "rowGroupBytes": 4096,
    "fileBytes": 1 << 20,
    "workers": 2,
}


# The C structs as the package declares them (bindings/python/simingest/_arrow_abi.py);
# this test drives the C functions itself.
QuerySpec = _arrow_abi.QuerySpec
ArrowArrayStream = _arrow_abi.ArrowArrayStream


def c_library():
    lib = ctypes.CDLL(simingest.library_path())
    # simingest_status simingest_dataset_open(const char* path, simingest_dataset** out, char** out_error);
    lib.simingest_dataset_open.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p),
                                           ctypes.POINTER(ctypes.c_void_p)]
    lib.simingest_dataset_open.restype = ctypes.c_int
    # simingest_status simingest_dataset_query(simingest_dataset*, const char*, const simingest_query_spec*,
    #                                          struct ArrowArrayStream*);
    lib.simingest_dataset_query.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(QuerySpec),
                                            ctypes.POINTER(ArrowArrayStream)]
    lib.simingest_dataset_query.restype = ctypes.c_int
    # const char* simingest_dataset_last_error(const simingest_dataset*);
    lib.simingest_dataset_last_error.argtypes = [ctypes.c_void_p]
    lib.simingest_dataset_last_error.restype = ctypes.c_char_p
    # void simingest_dataset_close(simingest_dataset**);
    lib.simingest_dataset_close.argtypes = [ctypes.POINTER(ctypes.c_void_p)]
    lib.simingest_dataset_close.restype = None
    # void simingest_free(void*);
    lib.simingest_free.argtypes = [ctypes.c_void_p]
    lib.simingest_free.restype = None
    return lib


def values(dtype, step, n):
    rng = np.random.default_rng(1000 * step + DTYPES.index(dtype))
    dt = np.dtype(dtype)
    if dt.kind == "f":
        bits_type = np.uint32 if dt.itemsize == 4 else np.uint64
        out = rng.integers(0, np.iinfo(bits_type).max, n, dtype=bits_type, endpoint=True).view(dt)
        out[: min(n, 3)] = np.array([np.nan, -0.0, np.inf], dtype=dt)[: min(n, 3)]
        return out
    info = np.iinfo(dt)
    return rng.integers(info.min, info.max, n, dtype=dt, endpoint=True)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    path = tmp_path_factory.mktemp("query") / "ds"
    with simingest.Ingestor(path, config=CONFIG) as ing:
        for step in range(STEPS):
            n = 0 if step == 7 else 5 + 3 * step
            ing.ingest("table", step, step * 0.25, {d: values(d, step, n) for d in DTYPES})
            ing.ingest("grid", step, step * 0.25, {"u": values("float32", step, GRID[0] * GRID[1]),
                                                  "w": values("float64", step, GRID[0] * GRID[1]),
                                                  "level": np.int16(step - 30)})
            if step % 17 == 16:
                ing.flush()  # commits files mid-partition: several files per partition
    lib = c_library()
    handle = ctypes.c_void_p()
    error = ctypes.c_void_p()
    status = lib.simingest_dataset_open(str(path).encode(), ctypes.byref(handle), ctypes.byref(error))
    assert status == 0, ctypes.string_at(error.value).decode() if error.value else status
    yield lib, handle, path
    lib.simingest_dataset_close(ctypes.byref(handle))
    assert handle.value is None


def query(dataset, stream, columns=None, steps=None, time=None, every=1, flags=0):
    lib, handle, _ = dataset
    spec = QuerySpec(ctypes.sizeof(QuerySpec), None, 0, 0, 0, 0, 0, 0.0, 0.0, every, flags, 0)
    keep = None
    if columns is not None:
        keep = (ctypes.c_char_p * max(1, len(columns)))(*[c.encode() for c in columns])
        spec.columns = ctypes.cast(keep, ctypes.POINTER(ctypes.c_char_p))
        spec.ncolumns = len(columns)
    if steps is not None:
        spec.has_steps, spec.step_from, spec.step_to = 1, steps[0], steps[1]
    if time is not None:
        spec.has_time, spec.time_from, spec.time_to = 1, time[0], time[1]
    stream_struct = ArrowArrayStream()
    status = lib.simingest_dataset_query(handle, stream.encode(), ctypes.byref(spec), ctypes.byref(stream_struct))
    if status != 0:
        return status, lib.simingest_dataset_last_error(handle).decode()
    reader = pa.RecordBatchReader._import_from_c(ctypes.addressof(stream_struct))
    batches = list(reader)
    return batches, reader.schema


def reference(dataset, stream, columns, expression):
    """pyarrow.dataset over the same files, in step order (files are in step order per stream)."""
    _, _, path = dataset
    table = ds.dataset(str(path / stream), format="parquet", partitioning="hive").to_table(
        columns=["step", "time"] + columns, filter=expression)
    order = pc.sort_indices(table, sort_keys=[("step", "ascending")])  # stable: rows of a frame keep order
    return table.take(order)


def assert_bit_identical(got, want):
    assert got.column_names == want.column_names
    assert got.num_rows == want.num_rows
    for name in got.column_names:
        a = got.column(name).to_numpy()
        b = want.column(name).to_numpy()
        assert a.dtype == b.dtype, name
        if a.dtype.kind == "f":
            a = a.view(np.uint32 if a.itemsize == 4 else np.uint64)
            b = b.view(np.uint32 if b.itemsize == 4 else np.uint64)
        np.testing.assert_array_equal(a, b, err_msg=name)


@pytest.mark.parametrize("stream,columns", [("table", DTYPES), ("grid", ["u", "w", "level"])])
def test_whole_stream_matches_pyarrow_dataset(dataset, stream, columns):
    batches, schema = query(dataset, stream)
    assert schema.names == ["step", "time"] + columns
    got = pa.Table.from_batches(batches, schema)
    assert_bit_identical(got, reference(dataset, stream, columns, None))
    assert len(batches) > 3  # one per row group of several files


def test_step_time_range_every_and_column_subset(dataset):
    columns = ["uint16", "float32", "int8"]
    batches, schema = query(dataset, "table", columns=columns, steps=(11, 52), time=(4.0, 12.0), every=3)
    got = pa.Table.from_batches(batches, schema)
    step = ds.field("step")
    expression = (step >= 11) & (step <= 52) & (ds.field("time") >= 4.0) & (ds.field("time") <= 12.0) & \
        step.isin(list(range(11, 53, 3)))
    want = reference(dataset, "table", columns, expression)
    assert want.num_rows > 0
    assert_bit_identical(got, want)


def test_batch_per_frame_gives_one_grid_frame_per_batch(dataset):
    batches, schema = query(dataset, "grid", columns=["level"], steps=(18, 23), flags=1)
    assert [b.num_rows for b in batches] == [GRID[0] * GRID[1]] * 6
    for batch, step in zip(batches, range(18, 24)):
        assert set(batch.column("step").to_pylist()) == {step}
        assert set(batch.column("level").to_pylist()) == {step - 30}


def test_duckdb_reads_the_imported_result(dataset):
    batches, schema = query(dataset, "grid", columns=["w"], steps=(40, 44))
    result = pa.Table.from_batches(batches, schema)  # noqa: F841 (DuckDB finds it by name)
    con = duckdb.connect()
    got = con.execute("SELECT step, count(*), sum(hash(w)) FROM result GROUP BY step ORDER BY step").fetchall()
    want_table = reference(dataset, "grid", ["w"], (ds.field("step") >= 40) & (ds.field("step") <= 44))  # noqa: F841
    want = con.execute("SELECT step, count(*), sum(hash(w)) FROM want_table GROUP BY step ORDER BY step").fetchall()
    assert got == want and len(got) == 5


def test_bad_input_gives_typed_status_and_message(dataset):
    assert query(dataset, "nope") == (3, 'query: unknown stream "nope" (the dataset holds: table, grid)')
    status, message = query(dataset, "grid", columns=["vz"])
    assert (status, message) == (4, 'stream "grid": query: unknown column "vz"')
    status, message = query(dataset, "grid", steps=(5, 4))
    assert status == 1 and "inverted step range [5, 4]" in message
    status, message = query(dataset, "grid", time=(float("nan"), 1.0))
    assert status == 1 and "time range [NaN, 1]" in message
    status, message = query(dataset, "grid", every=0)
    assert status == 1 and "every must be >= 1 but is 0" in message

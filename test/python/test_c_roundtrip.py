"""Reads back the dataset test/c_roundtrip/roundtrip.c wrote through the C ABI.

pyarrow (dataset API, hive partitioning), DuckDB (read_parquet over a glob) and
polars must each return exactly the committed frames, every value bit for bit
as the C program produced it, with the logical types the stream declares.

The expected values are regenerated here with numpy from the same formulas as
roundtrip.c (never read back from simingest), so a change to one must be
mirrored in the other.

Environment:
  SIMINGEST_ROUNDTRIP_DATASET  the dataset the program wrote (ctest sets it);
  SIMINGEST_ROUNDTRIP_STATS    optional: the stats JSON the program saved;
  SIMINGEST_ROUNDTRIP_BIN      without a dataset: the program, run into a temp dir.
"""

import json
import math
import os
import pathlib
import subprocess

import numpy as np
import pytest

pa = pytest.importorskip("pyarrow")
ds = pytest.importorskip("pyarrow.dataset")
pq = pytest.importorskip("pyarrow.parquet")
duckdb = pytest.importorskip("duckdb")
pl = pytest.importorskip("polars")

STEPS = 200
GRID = (512, 512)
GRID_N = GRID[0] * GRID[1]
STREAM_IDS = {"fields": 1, "diagnostics": 2, "particles": 3}
VERSION = "0.1.0"

# Columns in configuration order, with the Arrow type readers must see.
COLUMNS = {
    "fields": {"vx": pa.float32(), "vy": pa.float32(), "p": pa.float32()},
    "diagnostics": {"energy": pa.float64(), "residual": pa.float64(), "dt": pa.float64()},
    "particles": {"id": pa.int64(), "x": pa.float64(), "y": pa.float64(), "tag": pa.uint32()},
}
DTYPE_NAMES = {
    pa.float32(): "float32",
    pa.float64(): "float64",
    pa.int64(): "int64",
    pa.uint32(): "uint32",
}
PARTITION = {"fields": {"steps": 50}, "diagnostics": {}, "particles": {"time": 0.04}}
GRIDS = {"fields": [512, 512], "diagnostics": [], "particles": []}


# ---- the dataset under test ------------------------------------------------


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """(dataset path, stats dict or None)."""
    dataset = os.environ.get("SIMINGEST_ROUNDTRIP_DATASET")
    if dataset:
        stats_path = os.environ.get("SIMINGEST_ROUNDTRIP_STATS")
        stats = json.loads(pathlib.Path(stats_path).read_text()) if stats_path else None
        return pathlib.Path(dataset), stats
    program = os.environ.get("SIMINGEST_ROUNDTRIP_BIN")
    if not program:
        pytest.skip(
            "set SIMINGEST_ROUNDTRIP_DATASET to a dataset written by test/c_roundtrip/roundtrip.c, "
            "or SIMINGEST_ROUNDTRIP_BIN to that program (ctest -R c_roundtrip does this)"
        )
    work = tmp_path_factory.mktemp("c_roundtrip")
    dataset = work / "dataset"
    stats_path = work / "stats.json"
    subprocess.run([program, str(dataset), str(stats_path)], check=True, stdout=subprocess.DEVNULL)
    return dataset, json.loads(stats_path.read_text())


@pytest.fixture(scope="module")
def dataset(run):
    return run[0]


@pytest.fixture(scope="module")
def manifest(dataset):
    return json.loads((dataset / "_simingest" / "manifest.json").read_text())


def parquet_files(dataset, stream):
    return sorted(p for p in (dataset / stream).rglob("*.parquet"))


# ---- the expected values: a numpy mirror of roundtrip.c ---------------------


def mix32(x):
    x = np.asarray(x, dtype=np.uint32).copy()
    x ^= x >> np.uint32(16)
    x *= np.uint32(0x7FEB352D)
    x ^= x >> np.uint32(15)
    x *= np.uint32(0x846CA68B)
    x ^= x >> np.uint32(16)
    return x


def hash_value(stream, column, step, rows):
    seed = mix32(np.array([(stream << 24) | (column << 16) | step], dtype=np.uint32))
    return mix32(seed + np.asarray(rows, dtype=np.uint32))


def finite_bits32(bits):
    return np.where((bits & 0x7F800000) == 0x7F800000, bits & np.uint32(0xBFFFFFFF), bits)


def finite_bits64(bits):
    exp = np.uint64(0x7FF0000000000000)
    return np.where((bits & exp) == exp, bits & np.uint64(0xBFFFFFFFFFFFFFFF), bits)


def join64(high, low):
    return (high.astype(np.uint64) << np.uint64(32)) | low.astype(np.uint64)


def step_time(step):
    return np.float64(step) * np.float64(0.001)


def particle_rows(step):
    return 0 if step in (13, 150) else 1000 + (step * 37) % 500


def fields_frame(step):
    i = np.arange(GRID_N, dtype=np.uint32)
    vx = finite_bits32(hash_value(1, 1, step, i)).view(np.float32)
    vy = ((i % 512).astype(np.int32) - 256).astype(np.float32) * np.float32(0.25) + np.float32(step)
    vy_bits = vy.view(np.uint32)
    vy_bits[i % 4096 == 7] = 0x80000000
    vy_bits[i % 4096 == 9] = 0x00000001
    p_bits = hash_value(1, 3, step, i)
    p_bits[:5] = [0x7FC00001, 0x7F800000, 0xFF800000, 0x80000000, 0x7F800001]
    return {"vx": vx, "vy": vy, "p": p_bits.view(np.float32)}


def diagnostics_frame(step):
    energy = finite_bits64(join64(hash_value(2, 1, step, [0]), hash_value(2, 1, step, [1])))
    if step % 10 == 0:
        residual = 0x8000000000000000
    elif step % 10 == 1:
        residual = step + 1
    else:
        residual = (1023 - 5 * step) << 52
    if step == 198:
        dt = np.array([0x7FF8000000000123], dtype=np.uint64).view(np.float64)
    elif step == 199:
        dt = np.array([np.inf])
    else:
        dt = np.array([np.float64(1e-3) * np.float64(1 + step % 3)])
    return {
        "energy": energy.view(np.float64),
        "residual": np.array([residual], dtype=np.uint64).view(np.float64),
        "dt": dt,
    }


def particles_frame(step):
    n = particle_rows(step)
    i = np.arange(n, dtype=np.uint32)
    even, odd = 2 * i, 2 * i + 1
    return {
        "id": join64(hash_value(3, 1, step, even), hash_value(3, 1, step, odd)).view(np.int64),
        "x": finite_bits64(join64(hash_value(3, 2, step, even), hash_value(3, 2, step, odd))).view(
            np.float64
        ),
        "y": i.astype(np.float64) * np.float64(0.125) - np.float64(step),
        "tag": hash_value(3, 4, step, i),
    }


FRAME = {"fields": fields_frame, "diagnostics": diagnostics_frame, "particles": particles_frame}


def partition_of(stream, step, time):
    spec = PARTITION[stream]
    if "steps" in spec:
        return step // spec["steps"]
    if "time" in spec:
        return np.floor(time / np.float64(spec["time"])).astype(np.int64)
    return np.zeros_like(step)


_expected_cache = {}


def expected(stream):
    """Every row of the stream in step order: {column: numpy array}."""
    if stream not in _expected_cache:
        frames = [FRAME[stream](s) for s in range(STEPS)]
        rows = [len(next(iter(f.values()))) for f in frames]
        out = {name: np.concatenate([f[name] for f in frames]) for name in COLUMNS[stream]}
        out["step"] = np.repeat(np.arange(STEPS, dtype=np.int64), rows)
        out["time"] = step_time(out["step"])
        out["part"] = partition_of(stream, out["step"], out["time"])
        _expected_cache[stream] = out
    return _expected_cache[stream]


def bits(a):
    a = np.ascontiguousarray(a)
    if a.dtype == np.float32:
        return a.view(np.uint32)
    if a.dtype == np.float64:
        return a.view(np.uint64)
    return a


def assert_bit_exact(reader, stream, actual):
    """actual: {column: numpy array} in step order, rows of a step in C order."""
    want = expected(stream)
    assert len(actual["step"]) == len(want["step"]), f"{reader}: {stream}: row count"
    steps, counts = np.unique(actual["step"], return_counts=True)
    want_steps, want_counts = np.unique(want["step"], return_counts=True)
    np.testing.assert_array_equal(steps, want_steps, err_msg=f"{reader}: {stream}: steps present")
    np.testing.assert_array_equal(counts, want_counts, err_msg=f"{reader}: {stream}: rows per step")
    for name in ["step", "time", "part", *COLUMNS[stream]]:
        got = np.asarray(actual[name])
        if name == "part":
            got = got.astype(np.int64)
        exp = want[name]
        assert got.dtype == exp.dtype, f"{reader}: {stream}.{name}: dtype {got.dtype} != {exp.dtype}"
        mismatch = np.flatnonzero(bits(got) != bits(exp))
        if mismatch.size:
            k = mismatch[0]
            pytest.fail(
                f"{reader}: {stream}.{name}: {mismatch.size} values differ; first at row {k} "
                f"(step {want['step'][k]}): got bits {bits(got)[k]:#x}, expected {bits(exp)[k]:#x}"
            )


def in_step_order(columns):
    """Stable reorder by step: rows of one frame keep their file order."""
    order = np.argsort(np.asarray(columns["step"]), kind="stable")
    return {name: np.asarray(values)[order] for name, values in columns.items()}


# ---- what readers can see -----------------------------------------------------


def test_no_hidden_or_in_progress_file_is_left_or_visible(dataset):
    for stream in COLUMNS:
        for path in (dataset / stream).rglob("*"):
            assert not path.name.startswith((".", "_")), f"leftover hidden file {path}"
            assert not path.name.endswith(".inprogress"), f"leftover in-progress file {path}"
            if path.is_file():
                assert path.suffix == ".parquet", f"non-Parquet file in a stream directory: {path}"
    # Only the streams and _simingest/ live at the top.
    assert sorted(p.name for p in dataset.iterdir()) == sorted([*COLUMNS, "_simingest"])


def test_readers_see_exactly_the_manifests_files(dataset, manifest):
    for stream in COLUMNS:
        listed = sorted(f["path"] for f in manifest["files"] if f["stream"] == stream)
        on_disk = sorted(p.relative_to(dataset).as_posix() for p in parquet_files(dataset, stream))
        assert on_disk == listed, stream
        arrow = sorted(
            pathlib.Path(f).relative_to(dataset).as_posix()
            for f in ds.dataset(dataset / stream, format="parquet", partitioning="hive").files
        )
        assert arrow == listed, stream
        duck = duckdb.sql(
            f"SELECT DISTINCT filename FROM read_parquet('{dataset}/{stream}/**/*.parquet', "
            "hive_partitioning=true, filename=true)"
        ).fetchall()
        assert sorted(pathlib.Path(r[0]).relative_to(dataset).as_posix() for r in duck) == listed


def test_manifest_entries_describe_their_files(dataset, manifest):
    assert manifest["format"] == "simingest-manifest"
    for entry in manifest["files"]:
        path = dataset / entry["path"]
        meta = pq.read_metadata(path)
        assert entry["bytes"] == path.stat().st_size, entry["path"]
        assert entry["rows"] == meta.num_rows, entry["path"]
        assert entry["rowGroups"] == meta.num_row_groups, entry["path"]
        assert path.parent.name == f"part={entry['partition']}", entry["path"]
        steps = pq.read_table(path, columns=["step"]).column("step").to_numpy()
        assert entry["stepMin"] == steps.min() and entry["stepMax"] == steps.max(), entry["path"]


def test_stats_count_every_frame_committed_and_none_lost(run, dataset):
    stats = run[1]
    if stats is None:
        pytest.skip("SIMINGEST_ROUNDTRIP_STATS not given")
    assert stats["framesAccepted"] == 3 * STEPS
    assert stats["framesCommitted"] == 3 * STEPS
    assert stats["framesDropped"] == 0
    assert stats["framesInFlight"] == 0
    assert stats["framesRejected"] == 0
    particle_total = sum(particle_rows(s) for s in range(STEPS))
    assert stats["rowsCommitted"] == STEPS * GRID_N + STEPS + particle_total
    files = [p for s in COLUMNS for p in parquet_files(dataset, s)]
    assert stats["filesCommitted"] == len(files)
    assert stats["bytesWritten"] == sum(p.stat().st_size for p in files)
    for stream in COLUMNS:
        s = stats["streams"][stream]
        assert (s["framesAccepted"], s["framesCommitted"], s["framesRejected"]) == (STEPS, STEPS, 0)


# ---- schema, logical types, metadata -----------------------------------------


@pytest.mark.parametrize("stream", list(COLUMNS))
def test_files_have_the_declared_columns_and_logical_types(dataset, stream):
    want = pa.schema([("step", pa.int64()), ("time", pa.float64())] + list(COLUMNS[stream].items()))
    for path in parquet_files(dataset, stream):
        schema = pq.read_schema(path)
        assert schema.names == want.names, path
        assert [f.type for f in schema] == [f.type for f in want], path
        assert not any(f.nullable for f in schema), f"{path}: columns must be REQUIRED"
        pschema = pq.ParquetFile(path).schema
        for i, name in enumerate(want.names):
            col = pschema.column(i)
            if name == "tag":  # readers must see uint32 as unsigned
                assert col.physical_type == "INT32"
                assert str(col.logical_type) == "Int(bitWidth=32, isSigned=false)"
                assert col.converted_type == "UINT_32"


@pytest.mark.parametrize("stream", list(COLUMNS))
def test_key_value_metadata_records_version_stream_schema_and_grid(dataset, stream):
    want_schema = {
        "columns": [{"name": n, "dtype": DTYPE_NAMES[t]} for n, t in COLUMNS[stream].items()],
        "grid": GRIDS[stream],
        "partition": PARTITION[stream],
    }
    for path in parquet_files(dataset, stream):
        kv = {k.decode(): v.decode() for k, v in pq.read_metadata(path).metadata.items()}
        assert kv["simingest.version"] == VERSION
        assert kv["simingest.stream"] == stream
        assert json.loads(kv["simingest.schema"]) == want_schema
        if GRIDS[stream]:
            assert json.loads(kv["simingest.grid"]) == GRIDS[stream]
            assert kv["simingest.grid"] == "[512,512]"
        else:
            assert "simingest.grid" not in kv


def test_streams_span_several_row_groups_files_and_partitions(dataset):
    # rowGroupBytes is 1 MiB and a fields frame is 3 MiB: one frame per row group.
    fields = parquet_files(dataset, "fields")
    assert len(fields) > 4, "fileBytes 16 MiB: several files per partition"
    assert {p.parent.name for p in fields} == {"part=0", "part=1", "part=2", "part=3"}
    for path in fields:
        meta = pq.read_metadata(path)
        assert all(meta.row_group(g).num_rows == GRID_N for g in range(meta.num_row_groups)), path
    particles = parquet_files(dataset, "particles")
    assert sum(pq.read_metadata(p).num_row_groups for p in particles) > len(
        {p.parent for p in particles}
    ), "particles: some partition must hold several row groups"


def test_a_frame_never_straddles_two_row_groups(dataset):
    for stream in COLUMNS:
        for path in parquet_files(dataset, stream):
            pfile = pq.ParquetFile(path)
            for g in range(pfile.metadata.num_row_groups):
                steps = pfile.read_row_group(g, columns=["step"]).column("step").to_numpy()
                present, counts = np.unique(steps, return_counts=True)
                for step, count in zip(present, counts):
                    want = {"fields": GRID_N, "diagnostics": 1}.get(stream) or particle_rows(step)
                    assert count == want, f"{path} row group {g}: step {step} has {count} rows"


def test_encodings_follow_the_on_disk_spec(dataset):
    want = {
        "step": "RLE_DICTIONARY",
        "time": "RLE_DICTIONARY",
        "vx": "BYTE_STREAM_SPLIT",
        "p": "BYTE_STREAM_SPLIT",
        "energy": "RLE_DICTIONARY",
        "id": "DELTA_BINARY_PACKED",
        "tag": "DELTA_BINARY_PACKED",
        "x": "BYTE_STREAM_SPLIT",
        "y": "PLAIN",  # "encoding": "plain" in the configuration
    }
    for stream in COLUMNS:
        meta = pq.read_metadata(parquet_files(dataset, stream)[0])
        rg = meta.row_group(0)
        for c in range(rg.num_columns):
            col = rg.column(c)
            if col.path_in_schema in want:
                assert want[col.path_in_schema] in col.encodings, (stream, col.path_in_schema)
            assert col.compression == "ZSTD", (stream, col.path_in_schema)


def test_float_statistics_never_take_nan_as_min_or_max(dataset):
    # Column p holds NaNs (with payloads), +-inf and -0.0 in every frame.
    path = parquet_files(dataset, "fields")[0]
    pfile = pq.ParquetFile(path)
    for g in range(pfile.metadata.num_row_groups):
        stats = pfile.metadata.row_group(g).column(4).statistics
        assert stats is not None and stats.has_min_max
        assert not math.isnan(stats.min) and not math.isnan(stats.max)
        assert stats.min == -math.inf and stats.max == math.inf
        assert stats.null_count == 0


# ---- every value, three readers ----------------------------------------------


@pytest.mark.parametrize("stream", list(COLUMNS))
def test_pyarrow_reads_every_value_bit_exact(dataset, stream):
    dset = ds.dataset(dataset / stream, format="parquet", partitioning="hive")
    assert dset.schema.field("part").type in (pa.int32(), pa.int64())
    for name, arrow_type in COLUMNS[stream].items():
        assert dset.schema.field(name).type == arrow_type, name
    table = dset.to_table()
    columns = {name: table.column(name).to_numpy() for name in table.column_names}
    del table
    assert_bit_exact("pyarrow", stream, in_step_order(columns))


@pytest.mark.parametrize("stream", list(COLUMNS))
def test_duckdb_reads_every_value_bit_exact(dataset, stream):
    con = duckdb.connect()
    names = ", ".join(["step", "time", "part", *COLUMNS[stream]])
    source = (
        f"read_parquet('{dataset}/{stream}/**/*.parquet', hive_partitioning=true, "
        "file_row_number=true)"
    )
    types = {r[0]: r[1] for r in con.sql(f"DESCRIBE SELECT * FROM {source}").fetchall()}
    duck_types = {"float32": "FLOAT", "float64": "DOUBLE", "int64": "BIGINT", "uint32": "UINTEGER"}
    for name, arrow_type in COLUMNS[stream].items():
        assert types[name] == duck_types[DTYPE_NAMES[arrow_type]], name
    assert types["step"] == "BIGINT" and types["time"] == "DOUBLE"
    # One frame lives in one file, so (step, row number in file) is frame order.
    result = con.sql(f"SELECT {names} FROM {source} ORDER BY step, file_row_number").fetchnumpy()
    columns = {k: np.asarray(v) for k, v in result.items()}
    assert_bit_exact("duckdb", stream, columns)


@pytest.mark.parametrize("stream", list(COLUMNS))
def test_polars_reads_every_value_bit_exact(dataset, stream):
    frame = pl.read_parquet(f"{dataset}/{stream}/**/*.parquet", hive_partitioning=True)
    polars_types = {"float32": pl.Float32, "float64": pl.Float64, "int64": pl.Int64, "uint32": pl.UInt32}
    for name, arrow_type in COLUMNS[stream].items():
        assert frame.schema[name] == polars_types[DTYPE_NAMES[arrow_type]], name
    columns = {name: frame.get_column(name).to_numpy() for name in frame.columns}
    del frame
    assert_bit_exact("polars", stream, in_step_order(columns))

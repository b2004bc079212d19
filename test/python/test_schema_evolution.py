"""Schema evolution (issue 16 items 1-2): one dataset written over three schema
versions — v2 adds a column, v3 widens two and removes one — read back as one
table by the query API (a Dataset and the live Ingestor), DuckDB
(`union_by_name`), pyarrow.dataset (the `_common_metadata` summary's schema)
and polars (`missing_columns="insert"` + upcasting cast options), each
compared bit for bit with the table the rules define: widened values
converted exactly, nulls where a version lacks the column (docs/ON_DISK.md
"Schema evolution").
"""

import json

import numpy as np
import pytest

from simingest_under_test import load

simingest = load()
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pads = pytest.importorskip("pyarrow.dataset")

ROWS = 5  # per frame
V1 = {"a": "int16", "b": "float32", "r": "int32", "n": "uint32"}
V2 = {"a": "int16", "b": "float32", "r": "int32", "n": "uint32", "c": "uint8"}  # added c
V3 = {"a": "int64", "b": "float64", "n": "float64", "c": "uint8"}  # widened a, b, n (int→double); removed r
VERSIONS = [(V1, range(0, 4)), (V2, range(4, 8)), (V3, range(8, 12))]
UNIFIED = [("a", pa.int64()), ("b", pa.float64()), ("r", pa.int32()), ("n", pa.float64()), ("c", pa.uint8())]


def config(columns, evolution="additive"):
    return {"streams": {"fields": {"columns": columns}}, "workers": 1, "commit_interval_ms": 0,
            "schema_evolution": evolution}


def frame(columns, step):
    rng = np.random.default_rng(step)
    out = {}
    for name, dtype in columns.items():
        if dtype.startswith("float"):
            values = rng.standard_normal(ROWS).astype(dtype) * 1e3
            values[0] = -0.0 if step % 2 else np.inf
        elif dtype == "int64":
            values = rng.integers(-2**62, 2**62, ROWS, dtype=np.int64)  # beyond int16: the widening is used
        else:
            info = np.iinfo(dtype)
            values = rng.integers(info.min, info.max, ROWS, dtype=dtype, endpoint=True)
        out[name] = values
    return out


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    path = tmp_path_factory.mktemp("evolution") / "ds"
    expected = {name: [] for name, _ in UNIFIED}
    valid = {name: [] for name, _ in UNIFIED}
    steps = []
    for version, (columns, frame_steps) in enumerate(VERSIONS):
        # Version 1 is written strictly (the default), as any dataset was before.
        with simingest.Ingestor(path, config=config(columns, "strict" if version == 0 else "additive")) as ing:
            for step in frame_steps:
                data = frame(columns, step)
                ing.ingest("fields", step, step * 0.5, data)
                steps += [step] * ROWS
                for name, arrow_type in UNIFIED:
                    present = name in data
                    values = data[name] if present else np.zeros(ROWS)
                    expected[name].append(np.asarray(values).astype(arrow_type.to_pandas_dtype()))
                    valid[name].append(np.full(ROWS, present))
    reference = {name: (np.concatenate(expected[name]), np.concatenate(valid[name])) for name, _ in UNIFIED}
    return path, np.array(steps, dtype=np.int64), reference


def bits(values):
    values = np.ascontiguousarray(values)
    return values.view(f"u{values.dtype.itemsize}")


def assert_unified(table, steps, reference, columns=None):
    """`table` (a pyarrow.Table, rows in ingest order) holds exactly the reference values."""
    assert np.array_equal(table.column("step").to_numpy(), steps)
    for name, arrow_type in UNIFIED:
        if columns is not None and name not in columns:
            continue
        column = table.column(name).combine_chunks()
        assert column.type == arrow_type, name
        values, valid = reference[name]
        assert np.array_equal(column.is_valid().to_numpy(zero_copy_only=False), valid), name
        stored = column.fill_null(0).to_numpy()
        assert np.array_equal(bits(stored[valid]), bits(values[valid])), name


def manifest(path):
    return json.loads((path / "_simingest" / "manifest.json").read_text())


def test_the_manifest_records_three_versions_and_each_file_its_own(written):
    path, _, _ = written
    document = manifest(path)
    assert document["version"] == 3
    stream = document["streams"]["fields"]
    assert stream["schemaVersion"] == 3
    history = stream["schemaHistory"]
    assert [v["version"] for v in history] == [1, 2, 3]
    assert [v["fromStep"] for v in history] == [0, 4, 8]
    assert [v["fromTime"] for v in history] == [0.0, 2.0, 4.0]
    assert [[c["name"] for c in v["schema"]["columns"]] for v in history] == [list(V1), list(V2), list(V3)]
    for entry in document["files"]:
        version = 1 if entry["stepMin"] < 4 else 2 if entry["stepMin"] < 8 else 3
        assert entry["schemaVersion"] == version
        metadata = pq.read_schema(path / entry["path"]).metadata
        assert metadata[b"simingest.schemaVersion"] == str(version).encode()
        # Within a file every column is REQUIRED: no definition levels.
        schema = pq.ParquetFile(path / entry["path"]).schema
        assert all(schema.column(i).max_definition_level == 0 for i in range(len(schema)))


def test_the_summary_file_holds_the_unified_schema(written):
    path, _, _ = written
    schema = pq.read_schema(path / "fields" / "_common_metadata")
    assert [(f.name, f.type, f.nullable) for f in schema] == [
        ("step", pa.int64(), False), ("time", pa.float64(), False), ("a", pa.int64(), False),
        ("b", pa.float64(), False), ("r", pa.int32(), True), ("n", pa.float64(), False), ("c", pa.uint8(), True)]
    assert schema.metadata[b"simingest.schemaVersion"] == b"3"


def test_the_query_api_returns_the_unified_table(written):
    path, steps, reference = written
    with simingest.open_dataset(path) as dataset:
        table = dataset.query("fields")
    assert table.column_names == ["step", "time", "a", "b", "r", "n", "c"]
    assert [table.schema.field(n).nullable for n in ("a", "b", "r", "n", "c")] == [False, False, True, False, True]
    assert_unified(table, steps, reference)
    # A selection of steps inside one version, and of columns.
    with simingest.open_dataset(path) as dataset:
        part = dataset.query("fields", steps=(2, 5), columns=["c", "a"])
    rows = (steps >= 2) & (steps <= 5)
    assert part.column_names == ["step", "time", "c", "a"]
    assert np.array_equal(part.column("c").is_valid().to_numpy(zero_copy_only=False), rows[rows] & (steps[rows] >= 4))
    assert np.array_equal(part.column("a").to_numpy(), reference["a"][0][rows])


def test_a_live_ingestor_reads_older_files_through_its_own_columns(written):
    path, steps, reference = written
    with simingest.Ingestor(path, config=config(V3)) as ing:
        table = ing.query("fields")
        stats = ing.stats()["streams"]["fields"]
    assert stats["schemaVersion"] == 3
    assert [(v["version"], v["fromStep"], v["fromTime"]) for v in stats["schemaHistory"]] == [
        (1, 0, 0.0), (2, 4, 2.0), (3, 8, 4.0)]
    assert table.column_names == ["step", "time", "a", "b", "n", "c"]
    assert_unified(table, steps, reference, columns=V3)


def test_duckdb_union_by_name(written):
    duckdb = pytest.importorskip("duckdb")
    path, steps, reference = written
    glob = str(path / "fields" / "**" / "*.parquet")
    table = duckdb.sql(
        f"SELECT step, time, a, b, r, n, c FROM read_parquet('{glob}', union_by_name = true, hive_partitioning = false, "
        "file_row_number = true, filename = true) ORDER BY filename, file_row_number").arrow()
    if not isinstance(table, pa.Table):  # DuckDB 1.4+: a RecordBatchReader
        table = table.read_all()
    assert_unified(table, steps, reference)


def test_pyarrow_dataset_with_the_summary_schema(written):
    path, steps, reference = written
    schema = pq.read_schema(path / "fields" / "_common_metadata")
    table = pads.dataset(path / "fields", schema=schema, format="parquet").to_table()
    assert_unified(table, steps, reference)


def test_polars_missing_columns_and_upcast(written):
    pl = pytest.importorskip("polars")
    path, steps, reference = written
    frame = pl.scan_parquet(
        str(path / "fields" / "**" / "*.parquet"),
        schema=pl.read_parquet_schema(path / "fields" / "_common_metadata"),
        missing_columns="insert",
        # "allow-float": uint32 → float64 (n) is an integer-to-float cast.
        cast_options=pl.ScanCastOptions(integer_cast=["upcast", "allow-float"], float_cast="upcast"),
        hive_partitioning=False,
    ).collect()
    assert_unified(frame.to_arrow(), steps, reference)


def test_a_conflicting_evolution_names_the_rule_and_changes_nothing(written):
    path, _, _ = written
    before = (path / "_simingest" / "manifest.json").read_bytes()
    narrowed = dict(V3, a="int32")
    with pytest.raises(simingest.SchemaConflictError, match=r'column "a": int64 → int32 \(narrowing\) breaks the rule'):
        simingest.Ingestor(path, config=config(narrowed))
    with pytest.raises(simingest.SchemaConflictError, match="schema differs from the dataset's"):
        simingest.Ingestor(path, config=config(dict(V3, d="int8"), "strict"))
    assert (path / "_simingest" / "manifest.json").read_bytes() == before


def test_inspect_shows_the_history(written):
    path, _, _ = written
    report = simingest.inspect_dataset(path)
    stream = report["streams"][0]
    assert stream["schemaVersion"] == 3
    assert [v["fromStep"] for v in stream["schemaHistory"]] == [0, 4, 8]
    assert sorted({f["schemaVersion"] for f in report["fileList"]}) == [1, 2, 3]


def test_a_live_query_joins_older_files_with_frames_still_in_memory(written, tmp_path):
    import shutil

    source, steps, reference = written
    path = tmp_path / "copy"
    shutil.copytree(source, path)
    extra = frame(V3, 12)
    with simingest.Ingestor(path, config=dict(config(V3), commit_interval_ms=0)) as ing:
        ing.ingest("fields", 12, 6.0, extra)  # not flushed: read from the engine's memory
        table = ing.query("fields")
    assert np.array_equal(table.column("step").to_numpy(), np.concatenate([steps, np.full(ROWS, 12)]))
    assert np.array_equal(table.column("a").to_numpy(), np.concatenate([reference["a"][0], extra["a"]]))
    c = table.column("c").combine_chunks()
    assert np.array_equal(c.is_valid().to_numpy(zero_copy_only=False), np.concatenate([reference["c"][1], np.full(ROWS, True)]))
    assert np.array_equal(c.fill_null(0).to_numpy()[-ROWS:], extra["c"])


def test_resume_cuts_an_older_version_file_and_keeps_its_version(written, tmp_path):
    import shutil

    source, steps, reference = written
    path = tmp_path / "copy"
    shutil.copytree(source, path)
    with simingest.Ingestor(path, config=dict(config(V3), resume_from_step=5)):
        pass
    entries = manifest(path)["files"]
    assert [(e["stepMin"], e["stepMax"], e["schemaVersion"]) for e in entries] == [(0, 3, 1), (4, 5, 2)]
    for entry in entries:
        assert pq.read_schema(path / entry["path"]).metadata[b"simingest.schemaVersion"] == str(
            entry["schemaVersion"]).encode()
    with simingest.open_dataset(path) as dataset:
        table = dataset.query("fields")
    kept = steps <= 5
    assert_unified(table, steps[kept], {name: (v[kept], ok[kept]) for name, (v, ok) in reference.items()})


def test_a_realtime_log_of_a_newer_version_is_a_typed_refusal_offline_until_compaction_moves_it(tmp_path):
    """Found in review: the offline reader read the log with the unified schema, failed
    on the header and silently returned the query without the log's frames. While the
    writer runs it is now ERR_SCHEMA_CONFLICT naming the log; after close (compaction)
    every step is there once."""
    root = tmp_path / "ds"

    def realtime(columns):
        return {"streams": {"s": {"columns": columns, "route": "realtime"}}, "workers": 1,
                "schema_evolution": "additive"}

    with simingest.Ingestor(root, config=realtime({"a": "float64", "b": "float64"})) as ing:
        for step in range(2):
            ing.ingest("s", step, float(step), {"a": np.full(3, step, np.float64), "b": np.ones(3)})
    with simingest.Ingestor(root, config=realtime({"a": "float64"})) as ing:
        for step in range(2, 5):
            ing.ingest("s", step, float(step), {"a": np.full(3, step, np.float64)})
        ing.flush()
        with simingest.open_dataset(root) as ds:
            with pytest.raises(simingest.SchemaConflictError, match=r"_realtime/s/log-.*newest schema version"):
                ds.query("s")
    with simingest.open_dataset(root) as ds:
        table = ds.query("s")
    assert sorted(table.column("step").to_pylist()) == [s for s in range(5) for _ in range(3)]
    assert table.column("a").to_pylist() == [float(s) for s in range(5) for _ in range(3)]
    assert table.column("b").to_pylist() == [1.0] * 6 + [None] * 9

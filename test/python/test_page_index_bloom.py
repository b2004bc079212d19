"""The page index and bloom filters, checked by readers simingest did not write.

Every file must carry an OffsetIndex for every column chunk and a ColumnIndex
for every chunk but those with a page of only NaNs (parquet.thrift forbids
one there); pyarrow's step filters and DuckDB's WHERE must return exactly the
rows written; DuckDB's parquet_bloom_probe must never exclude a value that was
written, and must exclude most values that were not (measured rate of false
positives within the configured fpp, with slack for sampling).
"""
import numpy as np
import pytest

from simingest_under_test import load  # noqa: E402

simingest = load()

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
duckdb = pytest.importorskip("duckdb")

STEPS = 30
ROWS = 1500
NAN_STEP = 7  # the frame whose x is all NaN: several pages of only NaN
FPP = 0.01
CONFIG = {
    "streams": {
        "particles": {
            "columns": {
                "id": {"dtype": "int64", "bloomFilter": {"fpp": FPP}},
                "kind": {"dtype": "uint16", "bloomFilter": True},
                "x": "float64",
            },
        },
    },
    "pageBytes": 4096,          # 512 rows of 8 bytes: many pages per chunk
    "rowGroupBytes": 256 << 10,
    "workers": 2,
}


def frame(step):
    rng = np.random.default_rng(step)
    ids = rng.integers(-(1 << 62), 1 << 62, ROWS, dtype=np.int64)
    kind = (rng.integers(0, 200, ROWS) * 3).astype(np.uint16)  # multiples of 3 only
    x = np.full(ROWS, np.nan) if step == NAN_STEP else rng.normal(size=ROWS)
    return {"id": ids, "kind": kind, "x": x}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    path = tmp_path_factory.mktemp("pageindex") / "ds"
    frames = {step: frame(step) for step in range(STEPS)}
    with simingest.Ingestor(path, config=CONFIG) as ing:
        for step in range(STEPS):
            ing.ingest("particles", step=step, time=step * 0.25, columns=frames[step])
        ing.flush()
    files = sorted(str(p) for p in path.rglob("*.parquet") if not p.name.startswith("."))
    assert files
    return files, frames


def chunks(files):
    for f in files:
        meta = pq.ParquetFile(f).metadata
        for g in range(meta.num_row_groups):
            group = meta.row_group(g)
            for c in range(group.num_columns):
                yield f, g, group.column(c)


def test_every_chunk_has_an_offset_index_and_a_column_index_unless_a_page_is_all_nan(dataset):
    files, _ = dataset
    groups = 0
    for f, g, column in chunks(files):
        assert column.has_offset_index, (f, g, column.path_in_schema)
        if column.path_in_schema == "x":
            # A chunk holding the all-NaN frame has a page of only NaNs.
            table = pq.ParquetFile(f).read_row_group(g, columns=["step"])
            has_nan_frame = NAN_STEP in set(table.column("step").to_pylist())
            assert column.has_column_index == (not has_nan_frame), (f, g)
        else:
            assert column.has_column_index, (f, g, column.path_in_schema)
        groups += column.path_in_schema == "step"
    assert groups > 3  # several row groups, so several chunks of each column


def test_bloom_filters_only_where_configured(dataset):
    files, _ = dataset
    for _, _, column in chunks(files):
        has_filter = column.bloom_filter_offset is not None and column.bloom_filter_offset > 0
        assert has_filter == (column.path_in_schema in ("id", "kind")), column.path_in_schema


@pytest.mark.parametrize("step", [0, 1, NAN_STEP, 16, STEPS - 1])
def test_pyarrow_step_filter_returns_exactly_the_frame(dataset, step):
    files, frames = dataset
    table = pq.read_table(files, filters=[("step", "==", step)])
    assert table.num_rows == ROWS
    np.testing.assert_array_equal(table.column("id").to_numpy(), frames[step]["id"])
    np.testing.assert_array_equal(table.column("x").to_numpy().view(np.uint64),
                                  frames[step]["x"].view(np.uint64))


@pytest.mark.parametrize("step", [0, 3, NAN_STEP, 22, STEPS - 1, STEPS + 5])
def test_duckdb_where_step_returns_exactly_the_frame(dataset, step):
    files, frames = dataset
    rows = duckdb.sql(f"SELECT id FROM read_parquet({files!r}) WHERE step = {step} ORDER BY id").fetchnumpy()["id"]
    want = np.sort(frames[step]["id"]) if step in frames else np.array([], dtype=np.int64)
    np.testing.assert_array_equal(rows, want)


def probe(files, column, values):
    """{value: excluded from every row group of every file} by DuckDB's own bloom check."""
    con = duckdb.connect()
    out = {}
    for v in values:
        excluded = True
        for f in files:
            rows = con.execute("SELECT bloom_filter_excludes FROM parquet_bloom_probe(?, ?, ?)",
                               [f, column, int(v)]).fetchall()
            excluded = excluded and all(r[0] for r in rows)
        out[int(v)] = excluded
    return out


def test_duckdb_bloom_probe_finds_every_value_written(dataset):
    files, frames = dataset
    rng = np.random.default_rng(99)
    ids = np.concatenate([frames[s]["id"] for s in range(STEPS)])
    sample = rng.choice(ids, 300, replace=False)
    assert not any(probe(files, "id", sample).values())
    assert not any(probe(files, "kind", range(0, 600, 3)).values())


def test_duckdb_bloom_probe_excludes_most_values_not_written(dataset):
    files, frames = dataset
    written = set(np.concatenate([frames[s]["id"] for s in range(STEPS)]).tolist())
    rng = np.random.default_rng(1_000_003)  # not a frame's seed: frames use 0..STEPS-1
    absent = [v for v in rng.integers(-(1 << 62), 1 << 62, 400, dtype=np.int64).tolist() if v not in written]
    # A value is a false positive in a file if any of its row groups may hold it.
    con = duckdb.connect()
    trials = positives = 0
    for v in absent:
        for f in files:
            for (excluded,) in con.execute("SELECT bloom_filter_excludes FROM parquet_bloom_probe(?, ?, ?)",
                                           [f, "id", v]).fetchall():
                trials += 1
                positives += not excluded
    rate = positives / trials
    assert trials >= 400
    assert rate <= 3 * FPP, f"false positive rate {rate:.4f} over {trials} row-group probes"
    # uint16 'kind' holds multiples of 3 only: the others are absent.
    missing = [v for v in range(1, 600) if v % 3]
    assert sum(probe(files, "kind", missing).values()) >= 0.9 * len(missing)


def test_resume_rewrite_keeps_page_index_and_bloom_filters(dataset, tmp_path):
    """resumeFromStep rewrites the file straddling the step: row groups kept
    whole are copied with their index and filter, the straddling one is
    re-encoded with new ones; readers must still find every kept value."""
    import shutil
    files, frames = dataset
    root = files[0].split("/particles/")[0]
    path = tmp_path / "ds"
    shutil.copytree(root, path)
    last = 17
    with simingest.Ingestor(path, config={**CONFIG, "resumeFromStep": last}):
        pass
    kept = sorted(str(p) for p in (path / "particles").rglob("*.parquet") if not p.name.startswith("."))
    steps = duckdb.sql(f"SELECT DISTINCT step FROM read_parquet({kept!r}) ORDER BY step").fetchnumpy()["step"]
    np.testing.assert_array_equal(steps, np.arange(last + 1))
    for f, g, column in chunks(kept):
        assert column.has_offset_index, (f, g, column.path_in_schema)
        if column.path_in_schema != "x":
            assert column.has_column_index, (f, g, column.path_in_schema)
    ids = np.concatenate([frames[s]["id"] for s in range(last + 1)])
    sample = np.random.default_rng(5_000_011).choice(ids, 200, replace=False)
    assert not any(probe(kept, "id", sample).values())
    table = pq.read_table(kept, filters=[("step", "==", last)])
    np.testing.assert_array_equal(table.column("id").to_numpy(), frames[last]["id"])

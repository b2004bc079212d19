"""Units, descriptions and stream metadata (issue 16 item 3), read back by pyarrow.

They are in the Parquet key-value metadata `simingest.schema` of every file,
which pyarrow shows as the schema's metadata, in the manifest's stream
schema, and — units and descriptions — as Arrow field metadata through the
`ARROW:schema` entry (docs/ON_DISK.md). That entry also states the columns'
types, so every dtype is read back by pyarrow, polars and DuckDB bit for bit
with it present.
"""

import json

import numpy as np
import pytest

from simingest_under_test import load

simingest = load()
pq = pytest.importorskip("pyarrow.parquet")

METADATA = {"solver": "tgv2d", "version": "1.2.0", "parameters": {"re": 1600, "cfl": 0.5, "grid": [64, 64]},
            "note": "Taylor–Green"}
CONFIG = {
    "streams": {
        "fields": {
            "columns": {
                "u": {"dtype": "float32", "unit": "m/s", "description": "velocity, x component"},
                "p": {"dtype": "float64", "unit": "Pa", "non_finite": "reject"},
                "n": "int32",
            },
            "metadata": METADATA,
        },
    },
    "workers": 1,
    "commit_interval_ms": 0,
}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    path = tmp_path_factory.mktemp("annotations") / "ds"
    rng = np.random.default_rng(5)
    frames = []
    with simingest.Ingestor(path, config=CONFIG) as ing:
        for step in range(2):
            columns = {"u": rng.standard_normal(50).astype(np.float32), "p": rng.standard_normal(50),
                       "n": rng.integers(-1000, 1000, 50, dtype=np.int32)}
            frames.append(columns)
            ing.ingest("fields", step, step * 0.5, columns)
    return path, frames


def manifest(path):
    return json.loads((path / "_simingest" / "manifest.json").read_text())


def test_pyarrow_shows_units_descriptions_and_metadata_in_every_file(written):
    path, frames = written
    files = manifest(path)["files"]
    assert files
    for entry in files:
        schema = pq.read_schema(path / entry["path"])
        stored = json.loads(schema.metadata[b"simingest.schema"])
        assert stored["columns"] == [
            {"name": "u", "dtype": "float32", "unit": "m/s", "description": "velocity, x component"},
            {"name": "p", "dtype": "float64", "unit": "Pa"},
            {"name": "n", "dtype": "int32"},
        ]
        assert stored["metadata"] == METADATA
    # The values are untouched by the annotations (files in manifest order = ingest order).
    stored_u = np.concatenate([pq.read_table(path / f["path"]).column("u").to_numpy() for f in files])
    assert np.array_equal(stored_u.view(np.uint32), np.concatenate([f["u"] for f in frames]).view(np.uint32))


def test_manifest_keeps_them_in_the_stream_schema(written):
    path, _ = written
    schema = manifest(path)["streams"]["fields"]["schema"]
    assert schema["columns"][0]["unit"] == "m/s"
    assert schema["columns"][0]["description"] == "velocity, x component"
    assert "unit" not in schema["columns"][2]
    assert schema["metadata"] == METADATA


def test_annotated_dataset_reads_back_through_the_query_api(written):
    path, frames = written
    table = simingest.open_dataset(path).query("fields")
    assert table.num_rows == 100
    assert np.array_equal(table.column("p").to_numpy(), np.concatenate([f["p"] for f in frames]))


def test_reopening_with_another_unit_is_a_schema_conflict(written):
    path, _ = written
    changed = json.loads(json.dumps(CONFIG))
    changed["streams"]["fields"]["columns"]["u"]["unit"] = "km/h"
    with pytest.raises(simingest.SimingestError) as error:
        simingest.Ingestor(path, config=changed)
    assert error.value.status == simingest.Status.ERR_SCHEMA_CONFLICT
    assert '"unit":"km/h"' in str(error.value)


@pytest.mark.parametrize(
    "metadata, message",
    [
        ({"tags": {1, 2}}, r"config: cannot be written as JSON: cannot write set"),
        ({"cfl": float("nan")}, r"config: cannot be written as JSON: Out of range float"),
        ([1, 2], r"streams\.s\.metadata: expected an object but received an array of 2 elements"),
        ({"blob": "x" * 70000}, r"streams\.s\.metadata: expected an object of at most 65536 bytes"),
    ],
)
def test_bad_metadata_is_a_config_error(tmp_path, metadata, message):
    with pytest.raises(simingest.ConfigError, match=message):
        simingest.Ingestor(tmp_path / "ds", config={"streams": {"s": {"columns": {"v": "float64"},
                                                                        "metadata": metadata}}})


def test_a_unit_that_is_not_a_string_is_a_config_error(tmp_path):
    with pytest.raises(simingest.ConfigError, match=r"streams\.s\.columns\.v\.unit: expected a string of at most 256"):
        simingest.Ingestor(tmp_path / "ds", config={"streams": {"s": {"columns": {"v": {"dtype": "float64",
                                                                                        "unit": 5}}}}})


DTYPES = ["float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
ARROW_TYPES = {"float32": "float", "float64": "double", "int8": "int8", "int16": "int16", "int32": "int32",
               "int64": "int64", "uint8": "uint8", "uint16": "uint16", "uint32": "uint32", "uint64": "uint64"}


def extremes(dtype, n):
    rng = np.random.default_rng(DTYPES.index(dtype))
    dt = np.dtype(dtype)
    if dt.kind == "f":
        bits_type = np.uint32 if dt.itemsize == 4 else np.uint64
        values = rng.integers(0, np.iinfo(bits_type).max, n, dtype=bits_type, endpoint=True).view(dt).copy()
        values[:3] = [np.nan, -0.0, np.inf]
        return values
    info = np.iinfo(dt)
    values = rng.integers(info.min, info.max, n, dtype=dt, endpoint=True)
    values[:2] = [info.min, info.max]
    return values


def test_arrow_field_metadata_for_every_dtype_and_readers_agree_bit_for_bit(tmp_path):
    path = tmp_path / "ds"
    columns = {d: {"dtype": d, "unit": f"u_{d}", "description": f"column of {d} — ünïcode"} for d in DTYPES}
    columns["plain"] = "float64"  # no annotation: no field metadata
    data = {d: extremes(d, 40) for d in DTYPES}
    data["plain"] = np.linspace(0, 1, 40)
    with simingest.Ingestor(path, config={"streams": {"s": {"columns": columns}}, "workers": 1}) as ing:
        ing.ingest("s", 3, 1.5, data)
    (entry,) = manifest(path)["files"]
    file = path / entry["path"]
    schema = pq.read_schema(file)
    assert [f.name for f in schema] == ["step", "time"] + DTYPES + ["plain"]
    assert all(not f.nullable for f in schema)
    assert str(schema.field("step").type) == "int64" and schema.field("step").metadata is None
    for d in DTYPES:
        field = schema.field(d)
        assert str(field.type) == ARROW_TYPES[d]
        assert field.metadata == {b"unit": f"u_{d}".encode(), b"description": f"column of {d} — ünïcode".encode()}
    assert schema.field("plain").metadata is None
    assert b"simingest.schema" in schema.metadata

    def same(a, b):
        a, b = np.asarray(a), np.asarray(b)
        return a.dtype == b.dtype and a.tobytes() == b.tobytes()

    table = pq.read_table(file)
    pl = pytest.importorskip("polars")
    duckdb = pytest.importorskip("duckdb")
    frame = pl.read_parquet(file)
    rows = duckdb.sql(f"SELECT * FROM read_parquet('{file}', hive_partitioning = false)").fetchnumpy()
    for name, values in data.items():
        assert same(table.column(name).to_numpy(), values), name
        assert same(frame[name].to_numpy(), values), name
        assert same(rows[name], values), name

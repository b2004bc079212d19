"""The appender from Python (ADR 0021): rows one call each, checked against pyarrow and
DuckDB bit-exactly, each row with its own step and time; bad rows refused with typed
errors naming the problem."""

import math
import struct

import numpy as np
import pytest

from simingest_under_test import load  # noqa: E402

simingest = load()

pa = pytest.importorskip("pyarrow")
ds = pytest.importorskip("pyarrow.dataset")
duckdb = pytest.importorskip("duckdb")

NAMES = [f"q{j}" for j in range(8)]
NAN_WITH_PAYLOAD = struct.unpack("<d", struct.pack("<Q", 0x7FF8_0000_DEAD_BEEF))[0]
MIXED = {"f": "float32", "i8": "int8", "u16": "uint16", "i64": "int64", "u64": "uint64", "d": "float64"}


def config(rows=1000, partition=None):
    joints = {"columns": {n: "float64" for n in NAMES}, "appender": {"rows": rows, "intervalMs": 0}}
    if partition:
        joints["partition"] = partition
    return {
        "streams": {
            "joints": joints,
            "mixed": {"columns": dict(MIXED)},
            "checked": {"columns": {"a": "int32", "b": {"dtype": "float64", "nonFinite": "reject"}}},
            "grid": {"columns": {"v": "float32"}, "grid": [2, 2]},
        },
        "workers": 2,
    }


def row_of(step):
    values = [step * 1.5 + j / 7.0 for j in range(8)]
    if step % 97 == 0:
        values[3] = NAN_WITH_PAYLOAD  # NaN payloads travel untouched (nonFinite "allow")
    if step % 89 == 0:
        values[5] = -0.0
    return values


def bits(values):
    return np.asarray(values, dtype=np.float64).view(np.uint64)


def check_rows(steps, got_steps, got_times, got_values):
    assert list(got_steps) == steps
    assert (bits(got_times) == bits([s / 100 for s in steps])).all()
    for j, name in enumerate(NAMES):
        assert (bits(got_values[name]) == bits([row_of(s)[j] for s in steps])).all(), name


@pytest.fixture
def written(tmp_path):
    path = tmp_path / "ds"
    steps = [s * 3 - 40 for s in range(2500)]
    with simingest.Ingestor(path, **config()) as ing:
        with ing.appender("joints") as app:
            for step in steps:
                app.append(step, step / 100, *row_of(step))
    return path, steps


def test_pyarrow_reads_every_row_with_its_own_step_and_time(written):
    path, steps = written
    table = ds.dataset(path / "joints", format="parquet", partitioning="hive").to_table()
    check_rows(steps, table["step"].to_pylist(), table["time"].to_numpy(),
               {n: table[n].to_numpy() for n in NAMES})


def test_duckdb_reads_every_row_with_its_own_step_and_time(written):
    path, steps = written
    names = ", ".join(["step", "time"] + NAMES)
    result = duckdb.connect().sql(
        f"SELECT {names} FROM read_parquet('{path}/joints/**/*.parquet', hive_partitioning=true) ORDER BY step"
    ).fetchnumpy()
    check_rows(steps, result["step"].tolist(), result["time"], {n: np.asarray(result[n]) for n in NAMES})


def test_a_query_of_the_open_ingestor_sees_rows_handed_over_and_not_yet_committed(tmp_path):
    with simingest.Ingestor(tmp_path / "ds", **config(rows=64)) as ing:
        app = ing.appender("joints")
        steps = list(range(100, 300))
        for step in steps:
            app.append(step, step / 100, *row_of(step))
        app.flush()
        table = ing.query("joints")
        check_rows(steps, table["step"].to_pylist(), table["time"].to_numpy(),
                   {n: table[n].to_numpy() for n in NAMES})
        assert ing.stats()["streams"]["joints"]["framesAccepted"] == 200  # a row counts as a frame
        app.close()


def test_rows_of_each_partition_go_to_that_partition(tmp_path):
    path = tmp_path / "ds"
    with simingest.Ingestor(path, **config(rows=100000, partition={"steps": 100})) as ing:
        with ing.appender("joints") as app:
            for step in range(350):
                app.append(step, step / 100, *row_of(step))
    table = ds.dataset(path / "joints", format="parquet", partitioning="hive").to_table()
    assert sorted(set(table["part"].to_pylist())) == [0, 1, 2, 3]
    for part, step in zip(table["part"].to_pylist(), table["step"].to_pylist()):
        assert part == step // 100


def test_every_dtype_round_trips_bit_exact(tmp_path):
    path = tmp_path / "ds"
    rows = [
        (0, 0.0, (1.5, -128, 65535, -(1 << 63), (1 << 64) - 1, NAN_WITH_PAYLOAD)),
        (1, 0.5, (np.float32(-0.0), 127, 0, (1 << 63) - 1, 0, np.float64(2.25))),
        (7, 9.75, (3, np.int8(-1), np.uint16(7), np.int64(-5), np.uint64(1 << 63), 7)),
    ]
    with simingest.Ingestor(path, **config()) as ing:
        with ing.appender("mixed") as app:
            for step, time, values in rows:
                app.append(step, time, *values)
    table = ds.dataset(path / "mixed", format="parquet").to_table()
    assert table["step"].to_pylist() == [0, 1, 7]
    assert table["time"].to_pylist() == [0.0, 0.5, 9.75]
    for j, name in enumerate(MIXED):
        expected = np.array([np.asarray(r[2][j]).astype(MIXED[name]) for r in rows], dtype=MIXED[name])
        got = table[name].to_numpy()
        assert got.dtype == np.dtype(MIXED[name])
        assert got.tobytes() == expected.tobytes(), name


def test_bad_rows_are_refused_with_typed_errors_naming_the_problem(tmp_path):
    with simingest.Ingestor(tmp_path / "ds", **config()) as ing:
        with pytest.raises(simingest.UnknownStreamError):
            ing.appender("nope")
        with pytest.raises(simingest.InvalidArgumentError, match="a stream with a grid takes whole frames"):
            ing.appender("grid")
        app = ing.appender("checked")
        with pytest.raises(simingest.InvalidArgumentError, match=r"a row has 2 values \(a, b\) but 3 were given"):
            app.append(1, 0.5, 1, 2.0, 3)
        with pytest.raises(simingest.DtypeMismatchError, match='column "a": expected int32 but received float'):
            app.append(1, 0.5, 1.5, 2.0)
        with pytest.raises(simingest.DtypeMismatchError, match='column "b": expected float64 but received str'):
            app.append(1, 0.5, 1, "2")
        with pytest.raises(simingest.InvalidArgumentError, match='column "a": 4294967296 is out of range for int32'):
            app.append(1, 0.5, 1 << 32, 2.0)
        with pytest.raises(simingest.NonFiniteError, match='column "b" is NaN but its nonFinite policy is "reject"'):
            app.append(1, 0.5, 1, math.nan)
        with pytest.raises(simingest.InvalidArgumentError, match="time must be finite"):
            app.append(1, math.inf, 1, 2.0)
        app.flush()  # no rows: nothing to do, not an error
        assert ing.stats()["streams"]["checked"]["framesAccepted"] == 0
        app.append(1, 0.5, 1, 2.0)
        app.close()
        app.close()  # twice: nothing
        with pytest.raises(simingest.ClosedError):
            app.append(2, 0.5, 1, 2.0)
        assert ing.stats()["streams"]["checked"]["framesAccepted"] == 1
        late = ing.appender("checked")
        late.append(3, 1.5, 3, 4.0)
    # The ingestor's close handed the late appender's row over; the appender is closed now.
    with pytest.raises(simingest.ClosedError, match="the ingestor is closed"):
        late.append(4, 2.0, 4, 5.0)
    late.close()
    table = ds.dataset(tmp_path / "ds" / "checked", format="parquet").to_table()
    assert table["step"].to_pylist() == [1, 3]
    assert table["a"].to_pylist() == [1, 3]

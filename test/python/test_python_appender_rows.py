"""Appender.append_rows(): many rows in one call (issue 15 goal 4), read back bit for bit
with pyarrow; the bad-input cases raise typed errors naming the problem."""

import struct

import numpy as np
import pytest

from simingest_under_test import load  # noqa: E402

simingest = load()

pa = pytest.importorskip("pyarrow")
ds = pytest.importorskip("pyarrow.dataset")

NAMES = [f"q{j}" for j in range(8)]
MIXED = {"f": "float32", "i8": "int8", "u16": "uint16", "i64": "int64", "u64": "uint64", "d": "float64"}
CONFIG = {
    "streams": {
        "joints": {"columns": {n: "float64" for n in NAMES}, "appender": {"rows": 1000, "intervalMs": 0}},
        "mixed": {"columns": dict(MIXED)},
        "checked": {"columns": {"a": "float64", "b": {"dtype": "float64", "nonFinite": "reject"}}},
    },
    "workers": 2,
}


def read(path, stream):
    return ds.dataset(path / stream, format="parquet", partitioning="hive").to_table().sort_by("step")


def test_rows_in_a_few_calls_read_back_bit_exact(tmp_path):
    steps = np.arange(2500, dtype=np.int64) * 3 - 40
    times = steps / 100
    values = steps[:, None] * 1.5 + np.arange(8) / 7.0
    values[::97, 3] = struct.unpack("<d", struct.pack("<Q", 0x7FF8_0000_DEAD_BEEF))[0]  # a NaN payload
    values[::89, 5] = -0.0
    with simingest.Ingestor(tmp_path / "ds", **CONFIG) as ing:
        with ing.appender("joints") as app:
            app.append_rows(steps[:1], times[:1], values[:1])
            app.append_rows(steps[1:1700], times[1:1700], values[1:1700])  # hand-offs inside the call
            app.append_rows(steps[1700:].tolist(), times[1700:].tolist(), values[1700:])  # lists convert
            app.append_rows([], [], np.zeros((0, 8)))
    table = read(tmp_path / "ds", "joints")
    assert table["step"].to_numpy().tolist() == steps.tolist()
    assert (table["time"].to_numpy().view(np.uint64) == times.view(np.uint64)).all()
    for j, name in enumerate(NAMES):
        assert (table[name].to_numpy().view(np.uint64) == values[:, j].view(np.uint64)).all(), name


def test_a_structured_array_carries_columns_of_different_dtypes(tmp_path):
    packed = np.dtype([(name, dtype) for name, dtype in MIXED.items()])
    rows = np.array([(1.5, -128, 65535, -(1 << 63), (1 << 64) - 1, 2.25), (-0.0, 127, 0, (1 << 63) - 1, 0, -7.0)],
                    dtype=packed)
    with simingest.Ingestor(tmp_path / "ds", **CONFIG) as ing:
        with ing.appender("mixed") as app:
            app.append_rows(np.array([3, 9], dtype=np.int32), [0.5, 1.0], rows)  # int32 steps: a safe cast
    table = read(tmp_path / "ds", "mixed")
    assert table["step"].to_pylist() == [3, 9]
    for name, dtype in MIXED.items():
        assert table[name].to_numpy().tobytes() == rows[name].astype(dtype).tobytes(), name


def test_bad_rows_raise_typed_errors_and_keep_the_rows_before_them(tmp_path):
    with simingest.Ingestor(tmp_path / "ds", **CONFIG) as ing:
        with ing.appender("checked") as app:
            with pytest.raises(simingest.DtypeMismatchError, match="steps must be int64"):
                app.append_rows([0.5], [0.0], [[1.0, 2.0]])  # float steps: not a safe cast
            with pytest.raises(simingest.InvalidArgumentError, match=r"rows x 2 columns \(a, b\)"):
                app.append_rows([0], [0.0], [[1.0, 2.0, 3.0]])
            with pytest.raises(simingest.InvalidArgumentError, match="one entry per row"):
                app.append_rows([0, 1], [0.0], [[1.0, 2.0], [3.0, 4.0]])
            with pytest.raises(simingest.NonFiniteError, match="row 2: "):
                app.append_rows([0, 1, 2, 3], [0.0] * 4, [[1.0, 1.0], [2.0, 2.0], [3.0, np.inf], [4.0, 4.0]])
        with ing.appender("mixed") as app:
            with pytest.raises(simingest.InvalidArgumentError, match="structured array"):
                app.append_rows([0], [0.0], np.zeros((1, 6)))
        closed = ing.appender("checked")
        closed.close()
        with pytest.raises(simingest.ClosedError):
            closed.append_rows([5], [0.0], [[1.0, 1.0]])
    table = read(tmp_path / "ds", "checked")
    assert table["step"].to_pylist() == [0, 1]  # the rows before the bad one
    assert table["b"].to_pylist() == [1.0, 2.0]

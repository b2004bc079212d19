"""The per-thread FramePlan fast path of Ingestor.ingest(): a dict of built-in or
numpy values shaped like an earlier frame reuses a prebuilt simingest_column[].
It must write exactly what the general path writes, raise exactly what it
raises, and never let two threads share its buffers."""

import collections
import struct
import threading

import numpy as np
import pytest

from simingest_under_test import load  # noqa: E402

simingest = load()

pa = pytest.importorskip("pyarrow")
ds = pytest.importorskip("pyarrow.dataset")
pq = pytest.importorskip("pyarrow.parquet")
CColumn = simingest._native.CColumn

DTYPES = ["float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
NAN_WITH_PAYLOAD = np.frombuffer(struct.pack("<Q", 0x7FF8_0000_DEAD_BEEF), dtype=np.float64)[0]
# A signaling NaN: a float32 -> double -> float32 round trip would quiet it (0x7FC00001).
SIGNALING_NAN32 = np.frombuffer(struct.pack("<I", 0x7F80_0001), dtype=np.float32)[0]

CONFIG = {
    "streams": {
        "scalars": {"columns": {d: d for d in DTYPES}},
        "mixed": {"columns": {"x": "float64", "n": "int32", "level": "int16", "e": "float32"}},
    },
    "workers": 2,
}


def scalar_frames():
    """Frames of every dtype with the value types the fast path takes, edge values included."""
    frames = []
    for step in range(40):
        k = step - 20
        frames.append({
            "float32": [0.1 * k, k, np.float64(1e30 * k), np.int32(k), float("inf"), SIGNALING_NAN32][step % 6],
            "float64": [0.1 * k, k, NAN_WITH_PAYLOAD, np.float32(0.1 * k), -0.0, np.uint64(k + 20)][step % 6],
            "int8": [-128, 127, np.int8(k), np.int64(k)][step % 4],
            "int16": [k * 1000, np.int16(-32768)][step % 2],
            "int32": [k << 20, np.uint16(65535)][step % 2],
            "int64": [-(1 << 63), (1 << 63) - 1, np.int64(k)][step % 3],
            "uint8": [255, np.uint8(step)][step % 2],
            "uint16": [65535, step][step % 2],
            "uint32": [(1 << 32) - 1, np.uint32(step)][step % 2],
            "uint64": [(1 << 64) - 1, np.uint64(1 << 63), step][step % 3],
        })
    return frames


def mixed_frames():
    rng = np.random.default_rng(3)
    frames = []
    for step in range(30):
        n = [0, 1, 17][step % 3]
        frames.append({
            "x": rng.standard_normal(n),
            "n": np.arange(n, dtype=np.int32) - step,
            "level": step - 15,
            "e": float(step) / 3,
        })
    return frames


def read(path, stream):
    table = ds.dataset(path / stream, partitioning="hive").to_table()
    return table.sort_by([("step", "ascending")])


def assert_tables_bit_identical(left, right):
    assert left.schema == right.schema
    assert left.num_rows == right.num_rows
    for name in left.schema.names:
        a = left.column(name).to_numpy()
        b = right.column(name).to_numpy()
        if a.dtype.kind == "f":  # compare bits: NaN payloads and -0.0 included
            a, b = a.view(f"u{a.dtype.itemsize}"), b.view(f"u{b.dtype.itemsize}")
        np.testing.assert_array_equal(a, b, err_msg=name)


def plans_of(ing):
    return [plan for plan in getattr(ing._local, "plans", {}).values() if plan is not None]


def test_fast_path_writes_exactly_what_the_general_path_writes(tmp_path):
    fast, general = tmp_path / "fast", tmp_path / "general"
    with simingest.Ingestor(fast, config=CONFIG) as a, simingest.Ingestor(general, config=CONFIG) as b:
        for stream, frames in (("scalars", scalar_frames()), ("mixed", mixed_frames())):
            for step, columns in enumerate(frames):
                a.ingest(stream, step, step * 0.25, columns)
                # An OrderedDict is a Mapping but not a dict: always the general path.
                b.ingest(stream, step, step * 0.25, collections.OrderedDict(columns))
        assert plans_of(a), "the fast path was never taken"
        assert not plans_of(b)
    for stream in ("scalars", "mixed"):
        assert_tables_bit_identical(read(fast, stream), read(general, stream))
    scalars = read(fast, "scalars")
    # Spot checks against values written here, not read from the general path.
    assert scalars.column("float64").to_numpy()[2].tobytes() == NAN_WITH_PAYLOAD.tobytes()
    assert scalars.column("uint64").to_pylist()[:3] == [(1 << 64) - 1, 1 << 63, 2]
    assert scalars.column("float32").to_numpy()[0] == np.float32(0.1 * -20)
    assert scalars.column("float32").to_numpy()[5].tobytes() == SIGNALING_NAN32.tobytes()


def test_fast_path_passes_numpy_arrays_by_pointer(tmp_path):
    seen = []

    class Spy:
        def __init__(self, lib):
            self._lib = lib

        def __getattr__(self, name):
            return getattr(self._lib, name)

        def simingest_ingest_raw(self, handle, stream, step, time, columns, ncolumns):
            # The fast path's call: simingest_ingest with every argument a ctypes object.
            table = columns._obj  # byref(the plan's simingest_column array)
            seen.append([(c.name, c.data, c.length) for c in table])
            return self._lib.simingest_ingest_raw(handle, stream, step, time, columns, ncolumns)

    config = {"streams": {"s": {"columns": {"x": "float64", "k": "int64"}}}}
    with simingest.Ingestor(tmp_path / "ds", config=config) as ing:
        ing._lib = Spy(ing._lib)
        arrays = [np.arange(5.0) + i for i in range(3)]
        for step, x in enumerate(arrays):
            ing.ingest("s", step, 0.0, {"x": x, "k": step})
        assert plans_of(ing)
    assert [call[0] for call in seen] == [(b"x", x.ctypes.data, 5) for x in arrays]
    assert all(call[1][0] == b"k" and call[1][2] == (1 << 64) - 1 for call in seen)


def test_fast_path_failure_raises_the_engine_message(tmp_path):
    # The fast path checks the status itself (no errcheck): a refusal must raise
    # the same typed error, with the engine's message, as the general path.
    config = {"streams": {"s": {"columns": {"x": {"dtype": "float64", "nonFinite": "reject"}}}}}
    with simingest.Ingestor(tmp_path / "ds", config=config) as ing:
        ing.ingest("s", 0, 0.0, {"x": 1.0})
        assert plans_of(ing)
        with pytest.raises(simingest.SimingestError) as raised:
            ing.ingest("s", 1, 0.0, {"x": float("nan")})
        assert raised.value.status == simingest.Status.ERR_NON_FINITE
        assert "x" in str(raised.value)
        ing.ingest("s", 2, 0.0, {"x": 2.0})
    steps = pq.read_table(next((tmp_path / "ds" / "s").glob("part=*/*.parquet"))).column("step").to_pylist()
    assert steps == [0, 2]


@pytest.mark.parametrize(
    "column, bad",
    [
        ("int8", 300),
        ("uint64", -1),
        ("int64", 1 << 63),
        ("uint32", np.int64(-5)),
        ("float32", 1e300),
        ("float64", 10**400),
        ("int16", True),
        ("int32", 2.5),
        ("float64", "1.0"),
    ],
)
def test_fast_path_shaped_frame_with_a_bad_value_raises_the_general_path_error(tmp_path, column, bad):
    good = scalar_frames()[0]
    with simingest.Ingestor(tmp_path / "ds", config=CONFIG) as ing:
        ing.ingest("scalars", 0, 0.0, good)
        ing.ingest("scalars", 1, 0.0, good)  # the plan for this shape exists now
        frame = dict(good, **{column: bad})
        with pytest.raises(simingest.SimingestError) as fast:
            ing.ingest("scalars", 2, 0.0, frame)
        with pytest.raises(simingest.SimingestError) as general:
            ing.ingest("scalars", 2, 0.0, collections.OrderedDict(frame))
        assert type(fast.value) is type(general.value)
        assert str(fast.value) == str(general.value)
        assert column in str(fast.value)
        ing.ingest("scalars", 2, 0.0, good)  # the plan still works after a refusal
        assert ing.stats()["framesAccepted"] == 3


def test_fast_path_takes_wrong_arrays_to_the_general_path(tmp_path):
    config = {"streams": {"s": {"columns": {"x": "float64"}}}}
    with simingest.Ingestor(tmp_path / "ds", config=config) as ing:
        ing.ingest("s", 0, 0.0, {"x": np.zeros(4)})
        with pytest.raises(simingest.DtypeMismatchError, match="expected float64 but received float32"):
            ing.ingest("s", 1, 0.0, {"x": np.zeros(4, dtype=np.float32)})
        with pytest.raises(simingest.InvalidArgumentError, match="not C-contiguous"):
            ing.ingest("s", 1, 0.0, {"x": np.zeros(8)[::2]})
        with pytest.raises(simingest.DtypeMismatchError, match="big-endian"):
            ing.ingest("s", 1, 0.0, {"x": np.zeros(4, dtype=">f8")})
        ing.ingest("s", 1, 0.0, {"x": np.arange(8.0)[::2]}, convert=True)
        ing.ingest("s", 2, 0.0, {"x": np.float64(7.0) * np.ones(())})  # 0-d: a scalar
    x = read(tmp_path / "ds", "s").column("x").to_pylist()
    assert x == [0.0] * 4 + [0.0, 2.0, 4.0, 6.0] + [7.0]


def test_closed_ingestor_raises_closed_on_the_fast_path(tmp_path):
    config = {"streams": {"s": {"columns": {"x": "float64"}}}}
    ing = simingest.Ingestor(tmp_path / "ds", config=config)
    ing.ingest("s", 0, 0.0, {"x": 1.0})
    ing.close()
    with pytest.raises(simingest.ClosedError):
        ing.ingest("s", 1, 0.0, {"x": 1.0})


def test_threads_using_the_cache_at_once_never_mix_their_values(tmp_path):
    # Every thread ingests the same stream with the same column names and value
    # types, so all of them hit a plan for the same key at once, while the
    # engine reads their buffers with the GIL released. Every value is a
    # function of (thread, frame): a shared buffer would let one thread's values
    # land in another thread's row.
    threads, frames_each = 4, 3000
    names = [f"c{i}" for i in range(8)]
    config = {"streams": {"s": {"columns": dict({n: "float64" for n in names}, who="int32", tag="int64")}},
              "workers": 2, "memoryLimit": 256 << 20}
    errors = []
    plans_built = []
    start = threading.Barrier(threads)

    def feed(ing, who):
        try:
            start.wait()
            for i in range(frames_each):
                step = who * frames_each + i
                columns = {n: step + k / 8 for k, n in enumerate(names)}
                columns["who"] = who
                columns["tag"] = step * 7
                ing.ingest("s", step, float(i), columns)
            plans_built.append(len(plans_of(ing)))
        except Exception as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    with simingest.Ingestor(tmp_path / "ds", config=config) as ing:
        workers = [threading.Thread(target=feed, args=(ing, w)) for w in range(threads)]
        for t in workers:
            t.start()
        for t in workers:
            t.join()
        assert not errors, errors
        assert plans_built == [1] * threads  # each thread used its own plan...
        assert not plans_of(ing)  # ...and the main thread has none
    table = read(tmp_path / "ds", "s")
    step = table.column("step").to_numpy()
    np.testing.assert_array_equal(step, np.arange(threads * frames_each))
    for k, n in enumerate(names):
        np.testing.assert_array_equal(table.column(n).to_numpy(), step + k / 8, err_msg=n)
    np.testing.assert_array_equal(table.column("who").to_numpy(), step // frames_each)
    np.testing.assert_array_equal(table.column("tag").to_numpy(), step * 7)

"""Every bad input of the native core, through Python: the same status and the
same message as a C caller gets for the same input.

The C side is a direct ctypes call, declared here independently of the
package (its own simingest_column struct, no errcheck), on the same handle,
so a difference in the package's marshalling or error mapping shows up as a
mismatch. A few messages are also pinned to the exact texts the C tests assert
(native/capi/capi_test.cpp, native/core/config_test.cpp).
"""

import ctypes
import json
import math
import sys

import numpy as np
import pytest

from simingest_under_test import REPO, load  # noqa: E402

simingest = load()
LIBRARY_PATH = simingest.library_path()

pa = pytest.importorskip("pyarrow")

# The configuration of capi_test.cpp: a 4x4 grid stream whose vx rejects
# NaN/Inf and a table stream whose b rejects them.
CONFIG = {
    "streams": {
        "fields": {
            "columns": {"vx": {"dtype": "float32", "nonFinite": "reject"}, "vy": "float32"},
            "grid": [4, 4],
            "partition": {"steps": 10},
        },
        "table": {"columns": {"a": "int32", "b": {"dtype": "float64", "nonFinite": "reject"}}},
    },
    "memoryLimit": 4194304,
    "workers": 2,
}
REJECTED_STEP = 666

# ---- the C side, declared independently --------------------------------------


class RawColumn(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("dtype", ctypes.c_int), ("data", ctypes.c_void_p),
                ("length", ctypes.c_size_t)]


raw = ctypes.CDLL(LIBRARY_PATH)
raw.simingest_ingest.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int64, ctypes.c_double,
                                 ctypes.POINTER(RawColumn), ctypes.c_size_t]
raw.simingest_ingest.restype = ctypes.c_int
raw.simingest_last_error.argtypes = [ctypes.c_void_p]
raw.simingest_last_error.restype = ctypes.c_char_p
raw.simingest_open.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p),
                               ctypes.POINTER(ctypes.c_void_p)]
raw.simingest_open.restype = ctypes.c_int
raw.simingest_close.argtypes = [ctypes.POINTER(ctypes.c_void_p)]
raw.simingest_close.restype = ctypes.c_int
raw.simingest_free.argtypes = [ctypes.c_void_p]
raw.simingest_free.restype = None
raw.simingest_status_string.argtypes = [ctypes.c_int]
raw.simingest_status_string.restype = ctypes.c_char_p

C_DTYPE = {"float32": 1, "float64": 2, "int8": 3, "int16": 4, "int32": 5, "int64": 6,
           "uint8": 7, "uint16": 8, "uint32": 9, "uint64": 10}
SCALAR = (1 << (8 * ctypes.sizeof(ctypes.c_size_t))) - 1


def c_ingest(ing, stream, columns, time=6.66):
    """columns: [(name, numpy array, or (dtype name, python value) for a scalar)]."""
    keep = []
    array = (RawColumn * len(columns))()
    for i, (name, value) in enumerate(columns):
        if isinstance(value, tuple):
            buffer = np.array([value[1]], dtype=value[0])
            length = SCALAR
        else:
            buffer = value
            length = value.size
        keep.append(buffer)
        array[i] = RawColumn(name.encode(), C_DTYPE[buffer.dtype.name], buffer.ctypes.data, length)
    handle = ctypes.cast(ing._handle, ctypes.c_void_p)
    status = raw.simingest_ingest(handle, stream.encode(), REJECTED_STEP, time, array, len(columns))
    return status, raw.simingest_last_error(handle).decode()


def c_open(path, document_text):
    handle = ctypes.c_void_p()
    error = ctypes.c_void_p()
    status = raw.simingest_open(str(path).encode(), document_text.encode(), ctypes.byref(handle),
                                ctypes.byref(error))
    message = ctypes.string_at(error.value).decode() if error.value else ""
    raw.simingest_free(error)
    if handle.value:
        raw.simingest_close(ctypes.byref(handle))
    return status, message


def py_error(call):
    with pytest.raises(simingest.SimingestError) as info:
        call()
    return info.value


# ---- fixtures -------------------------------------------------------------------


@pytest.fixture
def ing(tmp_path):
    with simingest.Ingestor(tmp_path / "ds", config=CONFIG) as ingestor:
        yield ingestor


VX = np.arange(16, dtype=np.float32) * np.float32(0.5)
VY = np.arange(16, dtype=np.float32) * np.float32(-0.25)


def with_value(array, index, value):
    out = array.copy()
    out[index] = value
    return out


# Each case: (id, stream, python columns, C columns, expected class).
FRAME_CASES = [
    ("unknown_stream", "nope", {"vx": VX, "vy": VY}, [("vx", VX), ("vy", VY)],
     simingest.UnknownStreamError),
    ("stream_name_with_path", "../fields", {"vx": VX, "vy": VY}, [("vx", VX), ("vy", VY)],
     simingest.InvalidArgumentError),
    ("empty_stream_name", "", {"vx": VX, "vy": VY}, [("vx", VX), ("vy", VY)],
     simingest.InvalidArgumentError),
    ("stream_name_starting_with_digit", "9fields", {"vx": VX}, [("vx", VX)],
     simingest.InvalidArgumentError),
    ("stream_name_too_long", "f" * 65, {"vx": VX}, [("vx", VX)], simingest.InvalidArgumentError),
    ("stream_name_with_control_byte", "fie\nlds", {"vx": VX}, [("vx", VX)],
     simingest.InvalidArgumentError),
    ("unknown_column", "fields", {"vx": VX, "vy": VY, "vz": VY},
     [("vx", VX), ("vy", VY), ("vz", VY)], simingest.UnknownColumnError),
    ("reserved_column", "fields", {"vx": VX, "vy": VY, "step": np.zeros(16, np.int64)},
     [("vx", VX), ("vy", VY), ("step", np.zeros(16, np.int64))], simingest.InvalidArgumentError),
    ("invalid_column_name", "fields", {"vx": VX, "v-y": VY}, [("vx", VX), ("v-y", VY)],
     simingest.InvalidArgumentError),
    ("missing_column", "fields", {"vx": VX}, [("vx", VX)], simingest.MissingColumnError),
    ("no_columns", "fields", {}, [], simingest.MissingColumnError),
    ("mismatched_lengths", "table",
     {"a": np.arange(4, dtype=np.int32), "b": np.arange(3, dtype=np.float64)},
     [("a", np.arange(4, dtype=np.int32)), ("b", np.arange(3, dtype=np.float64))],
     simingest.LengthMismatchError),
    ("arrays_not_matching_grid", "fields", {"vx": VX[:15], "vy": VY[:15]},
     [("vx", VX[:15]), ("vy", VY[:15])], simingest.LengthMismatchError),
    ("empty_arrays_on_grid", "fields", {"vx": VX[:0], "vy": VY[:0]},
     [("vx", VX[:0]), ("vy", VY[:0])], simingest.LengthMismatchError),
    ("wrong_dtype", "fields", {"vx": VX.astype(np.float64), "vy": VY},
     [("vx", VX.astype(np.float64)), ("vy", VY)], simingest.DtypeMismatchError),
    ("wrong_integer_dtype", "table", {"a": np.arange(3, dtype=np.int64), "b": np.zeros(3)},
     [("a", np.arange(3, dtype=np.int64)), ("b", np.zeros(3))], simingest.DtypeMismatchError),
    ("nan_under_reject", "fields", {"vx": with_value(VX, 11, np.nan), "vy": VY},
     [("vx", with_value(VX, 11, np.nan)), ("vy", VY)], simingest.NonFiniteError),
    ("infinity_under_reject", "fields", {"vx": with_value(VX, 3, np.inf), "vy": VY},
     [("vx", with_value(VX, 3, np.inf)), ("vy", VY)], simingest.NonFiniteError),
    ("negative_infinity_under_reject", "fields", {"vx": with_value(VX, 0, -np.inf), "vy": VY},
     [("vx", with_value(VX, 0, -np.inf)), ("vy", VY)], simingest.NonFiniteError),
    ("nan_scalar_under_reject", "table", {"a": 1, "b": math.nan},
     [("a", ("int32", 1)), ("b", ("float64", math.nan))], simingest.NonFiniteError),
]


@pytest.mark.parametrize("case", FRAME_CASES, ids=[c[0] for c in FRAME_CASES])
def test_bad_frame_gives_the_status_and_message_of_the_c_abi(ing, case):
    _, stream, py_columns, c_columns, error_class = case
    c_status, c_message = c_ingest(ing, stream, c_columns)
    assert c_status != 0, "the C ABI accepted the frame"
    error = py_error(lambda: ing.ingest(stream, REJECTED_STEP, 6.66, py_columns))
    assert type(error) is error_class
    assert error.status == c_status
    assert str(error) == c_message
    assert error.message == c_message
    # Both rejections were counted by the engine; nothing was accepted.
    stats = ing.stats()
    assert stats["framesRejected"] == 2
    assert stats["framesAccepted"] == 0


def test_duplicate_column_from_an_arrow_table_gives_the_c_message(ing):
    table = pa.table([pa.array(VX), pa.array(VY), pa.array(VY)], names=["vx", "vy", "vx"])
    c_status, c_message = c_ingest(ing, "fields", [("vx", VX), ("vy", VY), ("vx", VY)])
    error = py_error(lambda: ing.ingest("fields", REJECTED_STEP, 0.0, table))
    assert isinstance(error, simingest.UnknownColumnError)
    assert (error.status, str(error)) == (c_status, c_message)
    assert str(error) == 'stream "fields": column "vx": given twice in one frame'


def test_non_finite_time_gives_the_c_message(ing):
    c_status, c_message = c_ingest(ing, "fields", [("vx", VX), ("vy", VY)], time=math.inf)
    error = py_error(lambda: ing.ingest("fields", 1, math.inf, {"vx": VX, "vy": VY}))
    assert isinstance(error, simingest.InvalidArgumentError)
    assert (error.status, str(error)) == (c_status, c_message)


def test_messages_are_the_exact_texts_the_c_tests_assert(ing, tmp_path):
    error = py_error(lambda: ing.ingest("fields", 1, 0.0, {"vx": VX.astype(np.float64), "vy": VY}))
    assert str(error) == 'stream "fields": column "vx": expected float32 but received float64'
    assert error.status == simingest.Status.ERR_DTYPE_MISMATCH == 7
    error = py_error(lambda: simingest.Ingestor(tmp_path / "other",
                                                streams={"fields": {"columns": {"vx": "float16"}}}))
    assert type(error) is simingest.ConfigError
    assert str(error) == 'streams.fields.columns.vx: unknown dtype "float16"'
    assert not (tmp_path / "other" / "fields").exists()


def test_status_numbers_match_the_loaded_library():
    # Each Status names the description simingest_status_string() gives its number.
    expected = {
        "ERR_INVALID_ARGUMENT": 1, "ERR_CONFIG": 2, "ERR_UNKNOWN_STREAM": 3, "ERR_UNKNOWN_COLUMN": 4,
        "ERR_MISSING_COLUMN": 5, "ERR_LENGTH_MISMATCH": 6, "ERR_DTYPE_MISMATCH": 7,
        "ERR_NON_FINITE": 8, "ERR_BACKPRESSURE": 9, "ERR_FRAME_TOO_LARGE": 10,
        "ERR_SCHEMA_CONFLICT": 11, "ERR_IO": 12, "ERR_CLOSED": 13, "ERR_OUT_OF_MEMORY": 14,
        "ERR_DATASET_LOCKED": 15, "WOULD_BLOCK": 16, "ERR_NO_SPACE": 17, "ERR_CORRUPT": 18,
        "ERR_DATASET_LOST": 19, "ERR_RESOURCE_LIMIT": 20, "ERR_UNSAFE_LAYOUT": 21, "ERR_BUSY": 22,
        "ERR_BLOCK_MISMATCH": 23, "ERR_INTERNAL": 99,
    }
    for name, number in expected.items():
        assert simingest.Status[name] == number
        assert simingest.status_string(number) != "unknown status", name
    assert simingest.status_string(simingest.Status.ERR_UNKNOWN_STREAM) == "unknown stream"
    texts = {simingest.status_string(s) for s in simingest.Status}
    assert len(texts) == len(simingest.Status)


def test_error_classes_form_a_hierarchy_users_can_catch():
    for cls in (simingest.UnknownColumnError, simingest.MissingColumnError,
                simingest.LengthMismatchError, simingest.DtypeMismatchError):
        assert issubclass(cls, simingest.ColumnError)
    assert issubclass(simingest.ColumnError, simingest.SimingestError)
    assert issubclass(simingest.ConfigError, ValueError)
    error = simingest.SimingestError(42, "from the future")
    assert error.status == 42 and str(error) == "from the future"


# ---- open: configuration, lock, schema --------------------------------------------


CONFIG_CASES = [
    ("malformed_json", '{"streams": {'),
    ("empty_text", ""),
    ("not_an_object", "[]"),
    ("unknown_key", json.dumps({"streams": {"s": {"columns": {"a": "int32"}}}, "rowGroupByte": 4096})),
    ("unknown_nested_key", json.dumps({"streams": {"s": {"columns": {"a": "int32"}, "grids": [2]}}})),
    ("unknown_dtype", json.dumps({"streams": {"fields": {"columns": {"vx": "float16"}}}})),
    ("wrong_type", json.dumps({"streams": {"s": {"columns": {"a": "int32"}}}, "memoryLimit": "big"})),
    ("zero_grid_extent", json.dumps({"streams": {"s": {"columns": {"a": "int32"}, "grid": [0, 4]}}})),
    ("bad_stream_name", json.dumps({"streams": {"a-b": {"columns": {"a": "int32"}}}})),
    ("reserved_column_name", json.dumps({"streams": {"s": {"columns": {"step": "int64"}}}})),
]


@pytest.mark.parametrize("case", CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES])
def test_bad_configuration_gives_the_status_and_message_of_the_c_abi(tmp_path, case):
    _, text = case
    c_status, c_message = c_open(tmp_path / "c", text)
    assert c_status == simingest.Status.ERR_CONFIG
    error = py_error(lambda: simingest.Ingestor(tmp_path / "py", config=text))
    assert type(error) is simingest.ConfigError
    assert (error.status, str(error)) == (c_status, c_message)
    if text.startswith("{") and text.endswith("}"):
        # The same document given as a dict (and so re-serialised) fails the same way.
        error = py_error(lambda: simingest.Ingestor(tmp_path / "py", config=json.loads(text)))
        assert (error.status, str(error)) == (c_status, c_message)


def test_snake_case_keyword_arguments_become_camel_case_keys(tmp_path):
    # An unknown snake_case key stays as written, so the message names it as the caller wrote it.
    error = py_error(lambda: simingest.Ingestor(tmp_path / "ds", streams={"s": {"columns": {"a": "int8"}}},
                                                row_group_size=1))
    assert str(error) == "row_group_size: unknown key"
    # Known ones are renamed at every level; stream and column names are kept.
    error = py_error(lambda: simingest.Ingestor(
        tmp_path / "ds",
        streams={"my_stream": {"columns": {"my_col": {"dtype": "float32", "non_finite": "maybe"}}}}))
    assert str(error).startswith("streams.my_stream.columns.my_col.nonFinite: "), str(error)
    error = py_error(lambda: simingest.Ingestor(tmp_path / "ds", streams={"s": {"columns": {"a": "int8"}}},
                                                backpressure={"policy": "block", "timeout_ms": "x"}))
    assert str(error).startswith("backpressure.timeoutMs: "), str(error)
    error = py_error(lambda: simingest.Ingestor(tmp_path / "ds", streams={"s": {"columns": {"a": "int8"}}},
                                                memory_limit=1))
    assert str(error).startswith("memoryLimit: "), str(error)


def test_second_open_is_locked_with_the_c_message(tmp_path):
    with simingest.Ingestor(tmp_path / "ds", config=CONFIG):
        c_status, c_message = c_open(tmp_path / "ds", json.dumps(CONFIG))
        assert c_status == simingest.Status.ERR_DATASET_LOCKED
        error = py_error(lambda: simingest.Ingestor(tmp_path / "ds", config=CONFIG))
        assert type(error) is simingest.DatasetLockedError
        assert (error.status, str(error)) == (c_status, c_message)
        assert str(tmp_path / "ds") in str(error)
    simingest.Ingestor(tmp_path / "ds", config=CONFIG).close()  # released after close


def test_changed_schema_is_a_conflict_with_the_c_message(tmp_path):
    with simingest.Ingestor(tmp_path / "ds", config=CONFIG) as ing:
        ing.ingest("fields", 0, 0.0, {"vx": VX, "vy": VY})
    changed = json.loads(json.dumps(CONFIG))
    changed["streams"]["fields"]["columns"]["p"] = "float32"
    c_status, c_message = c_open(tmp_path / "ds", json.dumps(changed))
    assert c_status == simingest.Status.ERR_SCHEMA_CONFLICT
    error = py_error(lambda: simingest.Ingestor(tmp_path / "ds", config=changed))
    assert type(error) is simingest.SchemaConflictError
    assert (error.status, str(error)) == (c_status, c_message)
    assert '"fields"' in str(error)


# ---- budget -------------------------------------------------------------------------


def test_frame_larger_than_the_budget_gives_the_c_message(tmp_path):
    config = {"streams": {"big": {"columns": {"x": "float64"}}}, "memoryLimit": 1 << 20}
    big = np.zeros(1 << 18)  # 2 MiB
    with simingest.Ingestor(tmp_path / "ds", config=config) as ing:
        c_status, c_message = c_ingest(ing, "big", [("x", big)])
        error = py_error(lambda: ing.ingest("big", 1, 0.0, {"x": big}))
        assert type(error) is simingest.FrameTooLargeError
        assert (error.status, str(error)) == (c_status, c_message)
        assert "memoryLimit" in str(error)


def test_error_policy_raises_backpressure_error_when_the_budget_is_full(tmp_path):
    config = {"streams": {"s": {"columns": {"x": "float64"}}}, "memoryLimit": 4 << 20,
              "backpressure": "error", "workers": 1, "compression": {"codec": "zstd", "level": 19}}
    x = np.random.default_rng(1).random(20_000)  # 160 KB (more with its encode reserve)
    with simingest.Ingestor(tmp_path / "ds", config=config) as ing:
        with pytest.raises(simingest.BackpressureError) as info:
            for step in range(10_000):
                ing.ingest("s", step, 0.0, {"x": x})
        assert type(info.value) is simingest.BackpressureError
        assert info.value.status == simingest.Status.ERR_BACKPRESSURE
        assert str(info.value).startswith('stream "s": memory budget full (')
        assert ing.stats()["framesRejected"] >= 1


# ---- failures found in Python (the engine never sees these frames) ---------------


def test_scalar_out_of_range_of_the_declared_integer_dtype_is_a_dtype_error(ing):
    error = py_error(lambda: ing.ingest("table", 1, 0.0, {"a": 1 << 31, "b": 1.0}))
    assert type(error) is simingest.DtypeMismatchError
    assert str(error) == 'stream "table": column "a": 2147483648 is out of range for int32 ' \
                         '(-2147483648 to 2147483647)'
    error = py_error(lambda: ing.ingest("table", 1, 0.0, {"a": 1.5, "b": 1.0}))
    assert str(error).startswith('stream "table": column "a": expected int32 but received the float 1.5')
    error = py_error(lambda: ing.ingest("table", 1, 0.0, {"a": True, "b": 1.0}))
    assert "bool" in str(error)
    error = py_error(lambda: ing.ingest("table", 1, 0.0, {"a": 1, "b": "x"}))
    assert type(error) is simingest.InvalidArgumentError
    assert str(error) == 'stream "table": column "b": expected a numpy array or a number but received str'
    error = py_error(lambda: ing.ingest("fields", 1, 0.0, {"vx": 1e300, "vy": 0.0}))
    assert str(error) == 'stream "fields": column "vx": 1e+300 is out of range for float32'
    assert ing.stats()["framesRejected"] == 0


def test_non_contiguous_array_is_an_error_that_says_so(ing):
    grid = np.zeros((4, 8), dtype=np.float32)[:, ::2]
    error = py_error(lambda: ing.ingest("fields", 1, 0.0, {"vx": grid, "vy": VY}))
    assert type(error) is simingest.InvalidArgumentError
    assert str(error).startswith('stream "fields": column "vx": the array is not C-contiguous')
    assert "convert=True" in str(error)


def test_unsupported_or_foreign_byte_order_dtype_is_an_error_that_names_it(ing):
    error = py_error(lambda: ing.ingest("fields", 1, 0.0, {"vx": VX.astype(np.float16), "vy": VY}))
    assert type(error) is simingest.DtypeMismatchError
    assert str(error) == ('stream "fields": column "vx": expected float32 but received float16 '
                          "(pass convert=True to convert)")
    swapped = VX.astype(VX.dtype.newbyteorder())
    error = py_error(lambda: ing.ingest("fields", 1, 0.0, {"vx": swapped, "vy": VY}))
    assert "float32 in big-endian byte order" in str(error) or "little-endian" in str(error)


def test_lists_need_convert_and_bad_step_or_time_types_are_rejected(ing):
    error = py_error(lambda: ing.ingest("table", 1, 0.0, {"a": [1, 2], "b": [1.0, 2.0]}))
    assert type(error) is simingest.InvalidArgumentError
    assert "convert=True" in str(error)
    error = py_error(lambda: ing.ingest("table", 1.5, 0.0, {"a": 1, "b": 1.0}))
    assert str(error) == "step must be an integer but is 1.5"
    error = py_error(lambda: ing.ingest("table", 1 << 63, 0.0, {"a": 1, "b": 1.0}))
    assert type(error) is simingest.InvalidArgumentError
    error = py_error(lambda: ing.ingest("table", 1, "soon", {"a": 1, "b": 1.0}))
    assert type(error) is simingest.InvalidArgumentError


def test_arrow_column_with_nulls_is_rejected(ing):
    table = pa.table({"a": pa.array([1, None], pa.int32()), "b": pa.array([1.0, 2.0])})
    error = py_error(lambda: ing.ingest("table", 1, 0.0, table))
    assert type(error) is simingest.InvalidArgumentError
    assert str(error) == 'stream "table": column "a": has 1 null values; simingest columns cannot hold nulls'


def test_library_not_found_error_lists_where_it_looked(tmp_path):
    import subprocess

    missing = tmp_path / "nowhere" / "libsimingest.so"
    code = ("import simingest\n"
            "try:\n    simingest.library_version()\n"
            "except simingest.LibraryNotFoundError as e:\n    print(e)\n")
    env = {"SIMINGEST_LIBRARY": str(missing), "PYTHONPATH": str(REPO / "bindings" / "python"),
           "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True,
                         text=True, check=True).stdout
    assert "cannot load libsimingest" in out
    assert f"SIMINGEST_LIBRARY={missing}" in out

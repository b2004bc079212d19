"""One frame's columns as the C ABI takes them (`simingest_column[]`).

Only what the engine cannot see is checked here: whether a Python object can
be handed over as it is (a C-contiguous numpy array of a simingest dtype in
native byte order) and whether a Python/numpy scalar fits the declared dtype.
Everything the engine checks (names, missing or unknown columns, lengths, the
grid, a numpy array of another simingest dtype, NaN/Inf) it checks, so C and
Python report those failures with the same status and message. Failures found
here never reach the engine, so they are not counted in `framesRejected`.

Arrays are passed by pointer: the engine copies them before simingest_ingest()
returns, so the frame keeps references only for the duration of the call.
"""

from __future__ import annotations

import ctypes
import math
import numbers
import sys
from typing import Any, Dict, List, Mapping, Optional, Tuple

import numpy as np

from ._errors import DtypeMismatchError, InvalidArgumentError
from ._native import SCALAR, CColumn

# simingest_dtype codes of include/simingest.h.
DTYPE_CODES: Dict[str, int] = {
    "float32": 1,
    "float64": 2,
    "int8": 3,
    "int16": 4,
    "int32": 5,
    "int64": 6,
    "uint8": 7,
    "uint16": 8,
    "uint32": 9,
    "uint64": 10,
}
_NUMPY_DTYPES = {name: np.dtype(name) for name in DTYPE_CODES}


def _quote(name: str) -> str:
    return '"' + name + '"'


def _label(stream: str, column: str) -> str:
    # The engine's prefix for column messages (native/pipeline/frame_validation.cpp).
    return f"stream {_quote(stream)}: column {_quote(column)}: "


def _dtype_name(dtype: np.dtype) -> str:
    """The simingest name of a numpy dtype in native order, else numpy's description."""
    if dtype.isnative and dtype.name in DTYPE_CODES:
        return dtype.name
    if not dtype.isnative and dtype.newbyteorder("=").name in DTYPE_CODES:
        order = "big" if dtype.byteorder == ">" else "little"
        return f"{dtype.newbyteorder('=').name} in {order}-endian byte order"
    return str(dtype)


def _code_of(dtype: np.dtype) -> Optional[int]:
    if not dtype.isnative:
        return None
    return DTYPE_CODES.get(dtype.name)


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (numbers.Number, np.generic)) and not isinstance(value, np.ndarray)


def _scalar_buffer(stream: str, column: str, value: Any, declared: Optional[str], convert: bool) -> np.ndarray:
    """A one-element array of the declared dtype holding `value`, or an error saying why not.

    _frame_plan's fast path must convert the value types it takes exactly as this
    does: a change here needs the matching change to its accepted types there."""
    label = _label(stream, column)
    if isinstance(value, (bool, np.bool_)):
        raise DtypeMismatchError(7, f"{label}a bool is not a column value; pass 0 or 1")
    is_integer = isinstance(value, (numbers.Integral, np.integer))
    is_real = is_integer or isinstance(value, (numbers.Real, np.floating))
    if not is_real:
        raise DtypeMismatchError(7, f"{label}expected a number but received {type(value).__name__}")
    if declared is None or declared not in DTYPE_CODES:
        # An undeclared column: the engine reports it (unknown stream or column).
        declared = "int64" if is_integer else "float64"
    target = _NUMPY_DTYPES[declared]
    if target.kind == "f":
        try:
            as_float = float(value)
        except OverflowError:
            as_float = math.inf
        if isinstance(value, np.floating) and value.dtype == target:
            return np.array([value], dtype=target)  # keeps a NaN's payload bit for bit
        with np.errstate(over="ignore"):
            converted = np.array([as_float], dtype=np.float64).astype(target)
        # A finite value must not turn into an infinity on the way (1e300 into float32).
        if not math.isfinite(float(converted[0])) and _finite(value):
            raise DtypeMismatchError(7, f"{label}{value!r} is out of range for {declared}")
        return converted
    # Integer column.
    if not is_integer:
        number = float(value)
        if not (convert and math.isfinite(number) and number.is_integer()):
            raise DtypeMismatchError(
                7,
                f"{label}expected {declared} but received the float {value!r}"
                + ("" if convert else " (convert=True accepts integral floats)"),
            )
        value = int(number)
    integer = int(value)
    info = np.iinfo(target)
    if not info.min <= integer <= info.max:
        raise DtypeMismatchError(
            7, f"{label}{integer} is out of range for {declared} ({info.min} to {info.max})"
        )
    return np.array([integer], dtype=target)


def _finite(value: Any) -> bool:
    if isinstance(value, (numbers.Integral, np.integer)):
        return True
    return math.isfinite(float(value))


def _arrow_to_numpy(stream: str, column: str, array: Any, convert: bool) -> np.ndarray:
    """A pyarrow Array/ChunkedArray without nulls as a numpy view (a copy only with convert)."""
    label = _label(stream, column)
    if array.null_count:
        raise InvalidArgumentError(
            1, f"{label}has {array.null_count} null values; simingest columns cannot hold nulls"
        )
    if hasattr(array, "num_chunks"):  # ChunkedArray
        if array.num_chunks == 1:
            array = array.chunk(0)
        elif array.num_chunks == 0:
            return np.empty(0, dtype=array.type.to_pandas_dtype())
        elif convert:
            array = array.combine_chunks()
        else:
            raise InvalidArgumentError(
                1,
                f"{label}the Arrow column has {array.num_chunks} chunks and joining them copies; "
                "pass convert=True or combine_chunks() first",
            )
    try:
        return array.to_numpy(zero_copy_only=True)
    except Exception:  # noqa: BLE001 - pyarrow raises ArrowInvalid for non-numeric types
        if convert:
            return array.to_numpy(zero_copy_only=False)
        raise InvalidArgumentError(
            1, f"{label}the Arrow type {array.type} has no zero-copy numpy view"
        ) from None


def _as_array(stream: str, column: str, value: Any, convert: bool) -> Any:
    """numpy arrays as they are; other array-likes as numpy views; scalars unchanged."""
    if isinstance(value, np.ndarray) or _is_scalar(value):
        return value
    pa = sys.modules.get("pyarrow")
    if pa is not None and isinstance(value, (pa.Array, pa.ChunkedArray)):
        return _arrow_to_numpy(stream, column, value, convert)
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(value, (pd.Series, pd.Index)):
        return value.to_numpy()
    if hasattr(value, "__array_interface__") or hasattr(value, "__array__") or isinstance(value, memoryview):
        return np.asarray(value)
    if convert and isinstance(value, (list, tuple)):
        return np.asarray(value)
    raise InvalidArgumentError(
        1,
        f"{_label(stream, column)}expected a numpy array or a number but received "
        f"{type(value).__name__}" + (" (convert=True accepts sequences)" if isinstance(value, (list, tuple)) else ""),
    )


def _converted(stream: str, column: str, array: np.ndarray, declared: Optional[str]) -> np.ndarray:
    """convert=True: a C-contiguous copy in the declared dtype (numpy's same_kind casting;
    integers that do not fit the declared type are an error, never wrapped)."""
    target = _NUMPY_DTYPES.get(declared or "") or (
        array.dtype.newbyteorder("=") if array.dtype.newbyteorder("=").name in DTYPE_CODES else None
    )
    if target is None:
        raise DtypeMismatchError(
            7, f"{_label(stream, column)}cannot convert {array.dtype} to a simingest dtype"
        )
    if array.dtype.kind in "iu" and target.kind in "iu" and not np.can_cast(array.dtype, target, "safe"):
        info = np.iinfo(target)
        if array.size and (array.min() < info.min or array.max() > info.max):
            raise DtypeMismatchError(
                7, f"{_label(stream, column)}values out of range for {target.name} ({info.min} to {info.max})"
            )
    try:
        return np.ascontiguousarray(array.astype(target, casting="same_kind", copy=False))
    except TypeError as error:
        raise DtypeMismatchError(
            7, f"{_label(stream, column)}cannot convert {array.dtype} to {target.name}: {error}"
        ) from None


def _frame_items(stream: str, columns: Any, convert: bool) -> List[Tuple[Any, Any]]:
    """(name, value) pairs of a mapping, a pandas DataFrame or a pyarrow Table/RecordBatch."""
    pa = sys.modules.get("pyarrow")
    if pa is not None and isinstance(columns, (pa.Table, pa.RecordBatch)):
        return [(name, columns.column(i)) for i, name in enumerate(columns.schema.names)]
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(columns, pd.DataFrame):
        if not columns.columns.is_unique:
            raise InvalidArgumentError(1, f"stream {_quote(stream)}: the DataFrame has duplicate column names")
        return [(name, columns[name]) for name in columns.columns]
    if isinstance(columns, Mapping):
        return list(columns.items())
    raise InvalidArgumentError(
        1,
        f"stream {_quote(stream)}: columns must be a mapping of name to array or number, a pandas "
        f"DataFrame or a pyarrow Table/RecordBatch, not {type(columns).__name__}",
    )


def prepare_columns(
    stream: str, columns: Any, declared: Mapping[str, str], convert: bool
) -> Tuple["ctypes.Array[CColumn]", List[Any]]:
    """The simingest_column array for one frame and the objects it points into.

    `declared` maps the stream's column names to their dtype names ({} for an
    undeclared stream). The caller must keep the second element alive until
    the C call has returned.
    """
    items = _frame_items(stream, columns, convert)
    c_columns = (CColumn * len(items))()
    keep: List[Any] = []
    for i, (name, value) in enumerate(items):
        if not isinstance(name, str):
            raise InvalidArgumentError(
                1, f"stream {_quote(stream)}: column names must be str, not {type(name).__name__} ({name!r})"
            )
        if "\0" in name:
            # A C string to the engine: "a\0b" would be taken for column "a".
            raise InvalidArgumentError(
                1, f"columns.{name.partition(chr(0))[0]}: a column name contains a NUL byte"
            )
        encoded_name = name.encode("utf-8")
        keep.append(encoded_name)
        dtype_name = declared.get(name)
        value = _as_array(stream, name, value, convert)
        if isinstance(value, np.ndarray) and value.ndim == 0:
            value = value[()]
        if _is_scalar(value):
            buffer = _scalar_buffer(stream, name, value, dtype_name, convert)
            keep.append(buffer)
            c_columns[i].name = encoded_name
            c_columns[i].dtype = DTYPE_CODES[buffer.dtype.name]
            c_columns[i].data = buffer.ctypes.data
            c_columns[i].length = SCALAR
            continue
        array: np.ndarray = value
        code = _code_of(array.dtype)
        wrong_dtype_we_can_convert = dtype_name in DTYPE_CODES and array.dtype != _NUMPY_DTYPES[dtype_name]
        if convert and (code is None or not array.flags.c_contiguous or wrong_dtype_we_can_convert):
            array = _converted(stream, name, array, dtype_name)
            code = _code_of(array.dtype)
        if code is None:
            expected = dtype_name if dtype_name in DTYPE_CODES else "a simingest dtype"
            raise DtypeMismatchError(
                7,
                f"{_label(stream, name)}expected {expected} but received {_dtype_name(array.dtype)} "
                "(pass convert=True to convert)",
            )
        if not array.flags.c_contiguous:
            raise InvalidArgumentError(
                1,
                f"{_label(stream, name)}the array is not C-contiguous (shape {array.shape}, strides "
                f"{array.strides}); pass np.ascontiguousarray(...) or convert=True",
            )
        keep.append(array)
        c_columns[i].name = encoded_name
        c_columns[i].dtype = code
        # An empty array may have any pointer; the engine accepts NULL for length 0.
        c_columns[i].data = array.ctypes.data if array.size else None
        c_columns[i].length = array.size
    return c_columns, keep

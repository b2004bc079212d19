"""The fast path for a frame whose shape repeats: a prebuilt `simingest_column[]`.

A simulation ingests the same columns, with values of the same Python types,
frame after frame. `prepare_columns` rebuilds the C array and a one-element
numpy array per scalar on every call, which costs far more than the engine's
copy for small frames. A FramePlan is built once per (stream, column names,
value types) and holds:

- the `simingest_column[]` with the names, dtype codes and lengths filled in;
- one buffer of 8-byte slots, one per scalar column, that the C array points
  into, written per call by one `struct.pack_into` (native byte order,
  standard sizes: the integer codes check the range, `f` rejects a finite
  value that would overflow float32);
- for numpy array columns, the slots whose data pointer and length are set
  per call (the array is passed by pointer, as in the general path);
- the arguments of `simingest_ingest_raw`, bound once (`bind()`), so the
  call converts nothing it need not: handle, column table and count as
  ctypes' own argument objects (what argtypes would make of them per call),
  and a c_int64 and a c_double that the caller sets to the frame's step and
  time;
- its `key`, `shape_key()` of the frames it takes, which Ingestor.ingest()
  compares with a frame's own before it uses the plan.

What must stay true: a plan only ever produces the C call the general path
produces for the same frame. It takes a frame only when every value's exact
type is one whose conversion to the declared dtype is the same as
`_frame._scalar_buffer`'s (or an array already of the declared dtype, in
native order, C-contiguous, not 0-d). Anything else (bool, a float for an
integer column, a float32 scalar whose NaN payload must survive, an undeclared
stream or column, a value out of range) is left to the general path, which
accepts, converts or raises with its own message. A plan is never used by two
calls at once: the ingestor keeps plans per thread and marks one busy while in
use.
"""

from __future__ import annotations

import ctypes
import functools
import struct
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

import numpy as np

from ._frame import _NUMPY_DTYPES, DTYPE_CODES
from ._native import SCALAR, CColumn

# Each scalar takes one 8-byte slot; the padding keeps every slot's offset a
# multiple of 8 so the engine reads aligned values.
_SLOT_FORMAT: Dict[str, str] = {
    "float32": "f4x",
    "float64": "d",
    "int8": "b7x",
    "int16": "h6x",
    "int32": "i4x",
    "int64": "q",
    "uint8": "B7x",
    "uint16": "H6x",
    "uint32": "I4x",
    "uint64": "Q",
}

_NUMPY_INTEGERS = frozenset(
    np.dtype(name).type for name in ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
)
# Exact value types a slot takes. For a float column the general path converts
# through float(value), as struct's `d`/`f` do; a numpy float of the column's
# own dtype keeps its bits there, which `d` does for float64 (np.float64 is a
# float) but `f` does not for float32 (it goes through a double), so
# np.float32 stays on the general path. For an integer column both paths take
# the integer value (operator.index) and reject what does not fit. bool is not
# listed: the general path rejects it.
_INTEGER_SCALARS = frozenset({int}) | _NUMPY_INTEGERS
_FLOAT32_SCALARS = frozenset({float, int, np.float64}) | _NUMPY_INTEGERS
_FLOAT64_SCALARS = _FLOAT32_SCALARS | {np.float32}

# What FramePlan.fill raises for a value it may not pass on: struct's for a value
# that does not fit its slot, NotTaken (a ValueError) for an array.
PACK_ERRORS = (struct.error, OverflowError, TypeError, ValueError)


def _scalar_types(dtype: str) -> frozenset:
    if dtype == "float64":
        return _FLOAT64_SCALARS
    if dtype == "float32":
        return _FLOAT32_SCALARS
    return _INTEGER_SCALARS


class NotTaken(ValueError):
    """An array column the plan may not pass on as it is (the general path says why)."""


class FramePlan:
    """The C call's arguments for one (stream, column names, value types)."""

    __slots__ = ("key", "stream", "columns", "count", "busy", "fill", "call", "c_step", "c_time",
                 "_pack", "_buffer", "_scalars", "_arrays")

    def __init__(
        self,
        key: Tuple[Any, ...],
        stream: bytes,
        names: List[bytes],
        dtypes: List[str],
        is_array: List[bool],
    ) -> None:
        self.key = key
        self.stream = stream
        self.count = len(names)
        self.columns = (CColumn * self.count)()
        self.busy = False
        # simingest_ingest_raw's arguments; step and time are set per call.
        self.c_step = ctypes.c_int64()
        self.c_time = ctypes.c_double()
        self.call: Optional[Callable[[], int]] = None  # set by bind()
        scalars = [i for i in range(self.count) if not is_array[i]]
        layout = struct.Struct("=" + "".join(_SLOT_FORMAT[dtypes[i]] for i in scalars))
        assert layout.size == 8 * len(scalars)
        self._pack = layout.pack_into
        self._buffer = (ctypes.c_uint64 * max(1, len(scalars)))()
        base = ctypes.addressof(self._buffer)
        for i, name in enumerate(names):
            self.columns[i].name = name
            self.columns[i].dtype = DTYPE_CODES[dtypes[i]]
        for slot, i in enumerate(scalars):
            self.columns[i].data = base + 8 * slot
            self.columns[i].length = SCALAR
        self._scalars = scalars
        self._arrays: List[Tuple[int, np.dtype]] = [
            (i, _NUMPY_DTYPES[dtypes[i]]) for i in range(self.count) if is_array[i]
        ]
        # fill(*values) writes one frame's values (the dict's values, in the plan's
        # column order), or raises one of PACK_ERRORS, with nothing to undo, when a
        # value is not one the plan may pass on. When every column is a scalar it is
        # pack_into itself with the buffer bound: a partial costs less per call
        # (~0.2 µs here) than a Python method around the same pack.
        self.fill: Callable[..., None] = (
            functools.partial(self._pack, self._buffer, 0) if not self._arrays else self._fill_with_arrays
        )

    def bind(self, function: Callable[..., int], handle: int) -> None:
        """call() becomes simingest_ingest_raw(handle, stream, step, time, columns, count)
        with the step and time last stored in c_step and c_time.

        The constant arguments are bound as the argument objects `from_param()` and
        `byref()` make (what argtypes would make per call): ctypes passes those as they
        are, while a ctypes instance (c_step, c_time) costs it one allocation per call
        (~0.2 µs for three of them here). `byref(columns)` keeps the table alive."""
        self.call = functools.partial(
            function, ctypes.c_void_p.from_param(handle), self.stream, self.c_step, self.c_time,
            ctypes.byref(self.columns), ctypes.c_size_t.from_param(self.count))

    def _fill_with_arrays(self, *values: Any) -> None:
        self._pack(self._buffer, 0, *[values[i] for i in self._scalars])
        columns = self.columns
        for i, dtype in self._arrays:
            array = values[i]
            # dtype equality also tells native from swapped byte order.
            if array.dtype != dtype or not array.ndim or not array.flags.c_contiguous:
                raise NotTaken(i)
            size = array.size
            # An empty array may have any pointer; the engine accepts NULL for length 0.
            columns[i].data = array.ctypes.data if size else None
            columns[i].length = size


def shape_key(stream: str, columns: Mapping[Any, Any]) -> Tuple[Any, ...]:
    """What a plan depends on: the stream, the column names in order, then the values'
    exact types (the tuple's length fixes where the names end). Ingestor.ingest()
    builds the same tuple inline."""
    return (stream, *columns, *map(type, columns.values()))


def build_plan(stream: str, columns: Mapping[Any, Any], declared: Mapping[str, str]) -> Optional[FramePlan]:
    """A plan for frames shaped like `columns`, or None when such frames take the general path."""
    if not columns:
        return None
    names: List[bytes] = []
    dtypes: List[str] = []
    is_array: List[bool] = []
    try:
        encoded_stream = stream.encode("utf-8")
        for name, value in columns.items():
            if type(name) is not str:
                return None
            dtype = declared.get(name)
            if dtype not in DTYPE_CODES:
                return None  # undeclared: the general path lets the engine report it
            kind = type(value)
            if kind is np.ndarray:
                is_array.append(True)
            elif kind in _scalar_types(dtype):
                is_array.append(False)
            else:
                return None
            names.append(name.encode("utf-8"))
            dtypes.append(dtype)
    except UnicodeEncodeError:
        return None  # the general path raises it
    return FramePlan(shape_key(stream, columns), encoded_stream, names, dtypes, is_array)

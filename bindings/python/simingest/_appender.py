"""Appender: rows of one stream, one call per row (include/simingest.h "Appender", ADR 0021).

The rows gather in the library's column buffers (allocated once when the appender
opens), not here: `append()` packs its values into one preallocated row buffer with a
precompiled `struct.Struct` and makes one foreign call. The engine hands the rows over
as one frame every ``appender.rows`` rows or ``appender.intervalMs`` ms (stream
configuration), before a row of another partition, and at `flush()` / `close()`; each
row keeps its own step and time.
"""

from __future__ import annotations

import ctypes
import struct
from typing import Any, Dict, Optional

from ._errors import ClosedError, DtypeMismatchError, InvalidArgumentError, Status, error_for

# struct format characters of the column dtypes ("=": native byte order, no padding).
_FORMAT = {
    "float32": "f", "float64": "d", "int8": "b", "int16": "h", "int32": "i", "int64": "q",
    "uint8": "B", "uint16": "H", "uint32": "I", "uint64": "Q",
}


class AppenderPointer(ctypes.c_void_p):
    """simingest_appender* (opaque)."""


def declare(lib: ctypes.CDLL, ingestor_pointer) -> None:
    """The appender's C functions, each with its prototype from include/simingest.h.
    No errcheck on append: the hot call checks its status inline (cheaper)."""
    if getattr(lib, "_appender_declared", False):
        return
    # simingest_status simingest_appender_open(simingest_ingestor* ingestor, const char* stream,
    #                                          simingest_appender** out);
    lib.simingest_appender_open.argtypes = [ingestor_pointer, ctypes.c_char_p, ctypes.POINTER(AppenderPointer)]
    lib.simingest_appender_open.restype = ctypes.c_int
    # simingest_status simingest_appender_row_bytes(const simingest_appender* appender, size_t* out_bytes);
    lib.simingest_appender_row_bytes.argtypes = [AppenderPointer, ctypes.POINTER(ctypes.c_size_t)]
    lib.simingest_appender_row_bytes.restype = ctypes.c_int
    # simingest_status simingest_appender_append_row(simingest_appender* appender, int64_t step,
    #                                                double time, const void* values);
    lib.simingest_appender_append_row.argtypes = [AppenderPointer, ctypes.c_int64, ctypes.c_double, ctypes.c_void_p]
    lib.simingest_appender_append_row.restype = ctypes.c_int
    # simingest_status simingest_appender_append_rows(simingest_appender* appender, size_t rows,
    #     const int64_t* steps, const double* times, const void* values, size_t* out_appended);
    lib.simingest_appender_append_rows.argtypes = [
        AppenderPointer, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
        ctypes.POINTER(ctypes.c_size_t),
    ]
    lib.simingest_appender_append_rows.restype = ctypes.c_int
    # simingest_status simingest_appender_flush(simingest_appender* appender);
    lib.simingest_appender_flush.argtypes = [AppenderPointer]
    lib.simingest_appender_flush.restype = ctypes.c_int
    # simingest_status simingest_appender_close(simingest_appender** appender);
    lib.simingest_appender_close.argtypes = [ctypes.POINTER(AppenderPointer)]
    lib.simingest_appender_close.restype = ctypes.c_int
    # const char* simingest_appender_last_error(const simingest_appender* appender);
    lib.simingest_appender_last_error.argtypes = [AppenderPointer]
    lib.simingest_appender_last_error.restype = ctypes.c_char_p
    lib._appender_declared = True


class Appender:
    """Rows of one stream: ``append(step, time, *values)``, values in the stream's column
    order, each a Python number of its column's dtype (a float column takes int or
    float; an integer column takes int only). Not thread-safe: one thread at a time (a
    second thread's call raises `BusyError`). A context manager; `close()` hands the
    pending rows to the engine and is safe to call twice."""

    def __init__(self, lib: ctypes.CDLL, handle: AppenderPointer, stream: str, dtypes: Dict[str, str]) -> None:
        self._lib = lib
        self._handle: Optional[AppenderPointer] = handle
        self._stream = stream
        self._columns = list(dtypes)
        self._arity = len(self._columns)
        self._row = struct.Struct("=" + "".join(_FORMAT[dtypes[c]] for c in self._columns))
        self._buffer = ctypes.create_string_buffer(self._row.size)
        self._address = ctypes.addressof(self._buffer)
        self._append_row = lib.simingest_appender_append_row
        self._pack = self._row.pack_into
        self._dtypes = dtypes

    def append(self, step: int, time: float, *values: Any) -> None:
        """Appends one row; its values are copied before this returns."""
        if len(values) != self._arity:
            raise InvalidArgumentError(
                Status.ERR_INVALID_ARGUMENT,
                f'appender: stream "{self._stream}": a row has {self._arity} values '
                f"({', '.join(self._columns)}) but {len(values)} were given",
            )
        try:
            self._pack(self._buffer, 0, *values)
        except struct.error:
            raise self._value_error(values) from None
        status = self._append_row(self._handle, step, time, self._address)
        if status:
            raise self._failure(status)

    def append_rows(self, steps: Any, times: Any, values: Any) -> None:
        """Appends many rows in one call, as `append()` would one at a time: row i has
        step ``steps[i]``, time ``times[i]`` and the values ``values[i]``. `values` is a
        2-D array (rows x columns, column order) when every column has one dtype, or a
        structured array with one field per column in order; arrays of another dtype are
        converted only where numpy calls it safe. For row data that is already in arrays:
        the per-row call of `append()` costs far more than a row (issue 15 goal 4).
        Stops at the first bad row; the rows before it are appended, and the error names
        that row's index."""
        import numpy as np

        rows = _as(np.asarray(steps), np.dtype(np.int64), "steps")
        n = len(rows) if rows.ndim == 1 else -1
        when = _as(np.asarray(times), np.dtype(np.float64), "times")
        table = self._values_array(np.asarray(values))
        if n < 0 or when.ndim != 1 or len(when) != n or len(table) != n:
            raise InvalidArgumentError(
                Status.ERR_INVALID_ARGUMENT,
                f'appender: stream "{self._stream}": steps, times and values must have one entry per row '
                f"(shapes {np.shape(steps)}, {np.shape(times)}, {np.shape(values)})",
            )
        if n == 0:
            return
        status = self._lib.simingest_appender_append_rows(
            self._handle, n, rows.ctypes.data, when.ctypes.data, table.ctypes.data, None
        )
        if status:
            raise self._failure(status)

    def _values_array(self, values: Any) -> Any:
        """`values` as one C-contiguous block of packed rows, or raise naming the problem."""
        import numpy as np

        from ._frame import _NUMPY_DTYPES

        kinds = [np.dtype(_NUMPY_DTYPES[self._dtypes[c]]).newbyteorder("=") for c in self._columns]
        if values.dtype.names is not None:
            packed = np.dtype([(c, k) for c, k in zip(self._columns, kinds)])
            if values.dtype != packed or values.ndim != 1:
                raise DtypeMismatchError(
                    Status.ERR_DTYPE_MISMATCH,
                    f'appender: stream "{self._stream}": a structured values array must have the packed '
                    f"dtype {packed} (one field per column, in order) and one dimension, not {values.dtype}",
                )
            return np.ascontiguousarray(values)
        if any(k != kinds[0] for k in kinds):
            raise InvalidArgumentError(
                Status.ERR_INVALID_ARGUMENT,
                f'appender: stream "{self._stream}": its columns differ in dtype; pass a structured array',
            )
        table = _as(values, kinds[0], "values")
        if table.ndim != 2 or table.shape[1] != self._arity:
            raise InvalidArgumentError(
                Status.ERR_INVALID_ARGUMENT,
                f'appender: stream "{self._stream}": values must be rows x {self._arity} columns '
                f"({', '.join(self._columns)}), not of shape {table.shape}",
            )
        return table

    def flush(self) -> None:
        """Hands the pending rows to the engine now (queries see them; `Ingestor.flush()`
        makes them durable). With none pending, does nothing."""
        status = self._lib.simingest_appender_flush(self._handle)
        if status:
            raise self._failure(status)

    def close(self) -> None:
        """Flushes and frees the appender; raises if that flush failed (freed either way)."""
        if self._handle is None:
            return
        handle, self._handle = self._handle, None
        status = self._lib.simingest_appender_close(ctypes.byref(handle))
        if status:
            raise self._failure(status, None)

    @property
    def closed(self) -> bool:
        return self._handle is None

    def __enter__(self) -> "Appender":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - a destructor cannot report
            pass

    def _failure(self, status: int, handle: Any = ...) -> Exception:
        if self._handle is None and handle is ...:
            return ClosedError(Status.ERR_CLOSED, "appender: the appender is closed")
        text = self._lib.simingest_appender_last_error(self._handle if handle is ... else handle)
        message = text.decode("utf-8", "replace") if text else ""
        return error_for(status, message or self._lib.simingest_status_string(status).decode())

    def _value_error(self, values: Any) -> Exception:
        # Which value does not fit its column, named as ingest() names a column.
        for column, value in zip(self._columns, values):
            dtype = self._dtypes[column]
            try:
                struct.pack("=" + _FORMAT[dtype], value)
            except struct.error:
                kind = type(value).__name__
                if dtype.startswith(("int", "uint")) and isinstance(value, int):
                    return InvalidArgumentError(
                        Status.ERR_INVALID_ARGUMENT,
                        f'appender: stream "{self._stream}": column "{column}": {value} is out of range for {dtype}',
                    )
                return DtypeMismatchError(
                    Status.ERR_DTYPE_MISMATCH,
                    f'appender: stream "{self._stream}": column "{column}": expected {dtype} but received {kind}',
                )
        return InvalidArgumentError(Status.ERR_INVALID_ARGUMENT, f'appender: stream "{self._stream}": bad row')


def _as(array: Any, dtype: Any, what: str) -> Any:
    """`array` C-contiguous in `dtype`, converted only where numpy calls the cast safe."""
    import numpy as np

    if array.dtype != dtype:
        if not np.can_cast(array.dtype, dtype, casting="safe"):
            raise DtypeMismatchError(
                Status.ERR_DTYPE_MISMATCH, f"appender: {what} must be {dtype} (or safely castable), not {array.dtype}"
            )
        array = array.astype(dtype)
    return np.ascontiguousarray(array)

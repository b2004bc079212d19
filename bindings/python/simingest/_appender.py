"""Appender: rows of one stream, one call per row (include/simingest.h "Appender", ADR 0021).

The rows gather HERE first, in a host-side buffer (`_row_buffer.RowBuffer`): `append()`
packs step, time and values with one precompiled `struct.Struct` at the next offset and
makes no foreign call; every ``HOST_ROWS`` rows (fewer if the stream's
``appender.rows`` is smaller), and at `flush()` / `close()` / the ingestor's close, the
batch crosses into the engine in one `simingest_appender_append_rows()` call. The engine
then hands the rows over as frames every ``appender.rows`` rows or
``appender.intervalMs`` ms, before a row of another partition, and at flush; each row
keeps its own step and time. Rows still in the host buffer wait for the next batch
boundary or flush (as DuckDB's appender keeps rows until flush/close): the interval
counts from when a batch reaches the engine.
"""

from __future__ import annotations

import ctypes
import struct
import threading
from _thread import get_ident as _get_ident
from collections.abc import Mapping
from typing import Any, Dict, Optional

import numpy as np

from ._errors import BusyError, ClosedError, DtypeMismatchError, InvalidArgumentError, Status, error_for
from ._frame import _NUMPY_DTYPES
from ._append_fast import fast_append
from ._row_buffer import HOST_ROWS, RowBuffer, failing_row_message, hand, reject_columns

_INF = float("inf")
_NEG_INF = -_INF

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
    float; an integer column takes int only). Not thread-safe: one thread at a time
    (while one thread's rows wait in the host buffer, another thread's call raises
    `BusyError`). A context manager; `close()` hands the pending rows to the engine and
    is safe to call twice."""

    def __init__(self, lib: ctypes.CDLL, handle: AppenderPointer, stream: str, dtypes: Dict[str, str],
                 stream_config: Any = None) -> None:
        self._lib = lib
        self._handle: Optional[AppenderPointer] = handle
        self._detached = False  # the ingestor closed: every call raises ClosedError
        self._stream = stream
        self._columns = list(dtypes)
        self._arity = len(self._columns)
        self._dtypes = dtypes
        row_format = "".join(_FORMAT[dtypes[c]] for c in self._columns)
        appender = stream_config.get("appender") if isinstance(stream_config, Mapping) else None
        engine_rows = appender.get("rows") if isinstance(appender, Mapping) else None
        capacity = min(HOST_ROWS, engine_rows) if isinstance(engine_rows, int) and engine_rows > 0 else HOST_ROWS
        self._rows = RowBuffer(row_format, struct.calcsize("=" + row_format), capacity)
        self._buffer = self._rows.buffer
        self._pack = self._rows.record.pack_into
        self._size = self._rows.record_size
        self._end = self._size * capacity  # the offset past the last record
        self._offset = 0  # where the next record goes
        self._taken = ctypes.c_size_t()
        # The thread whose rows wait in the buffer (None: none wait). append() compares
        # it with the caller's: the one check on the hot path that keeps two threads
        # out of one buffer. _claim holds while rows wait, so two threads racing for an
        # empty buffer cannot both win.
        self._owner: Optional[int] = None
        self._claim = threading.Lock()
        self._reject = reject_columns(stream_config, self._columns, dtypes)
        if not self._reject and self._arity:
            # The same steps without the star's two tuples (_append_fast.py). A class, not
            # an instance attribute: a bound method stored on the instance would be a
            # reference cycle, and a dropped appender would wait for the cyclic GC to hand
            # its rows and free its handle.
            self.__class__ = _fast_class(self._arity)

    def append(self, step: int, time: float, *values: Any) -> None:
        """Appends one row; its values are copied before this returns."""
        if self._owner != _get_ident():
            self._take()
        offset = self._offset
        try:
            self._pack(self._buffer, offset, step, time, *values)
        except struct.error:
            raise self._row_error(step, time, values) from None
        offset += self._size
        self._offset = offset
        # A time not finite, or a non-finite value in a nonFinite "reject" column: the
        # engine refuses the row; hand it now so the error reaches this call, in the
        # engine's words.
        if (offset == self._end or not _NEG_INF < time < _INF
                or not all(_NEG_INF < values[i] < _INF for i in self._reject)):
            self._hand()

    def append_rows(self, steps: Any, times: Any, values: Any) -> None:
        """Appends many rows in one call, as `append()` would one at a time: row i has
        step ``steps[i]``, time ``times[i]`` and the values ``values[i]``. `values` is a
        2-D array (rows x columns, column order) when every column has one dtype, or a
        structured array with one field per column in order; arrays of another dtype are
        converted only where numpy calls it safe. For row data that is already in arrays.
        Rows waiting in the host buffer go first. Stops at the first bad row; the rows
        before it are appended, and the error names that row's index."""
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
        self._check_thread()
        self._hand()
        if n == 0:
            return
        status = self._lib.simingest_appender_append_rows(
            self._handle, n, rows.ctypes.data, when.ctypes.data, table.ctypes.data, None
        )
        if status:
            raise self._failure(status)

    def _values_array(self, values: Any) -> Any:
        """`values` as one C-contiguous block of packed rows, or raise naming the problem."""
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
        self._check_thread()
        self._hand()
        status = self._lib.simingest_appender_flush(self._handle)
        if status:
            raise self._failure(status)

    def close(self) -> None:
        """Flushes and frees the appender; raises if that flush failed (freed either way)."""
        if self._handle is None:
            return
        owner = self._owner
        if owner is not None and owner != _get_ident() and self._owner_alive():
            raise self._busy()
        self._close()

    def _close(self) -> None:
        error: Optional[Exception] = None
        try:
            self._hand()
        except Exception as e:  # noqa: BLE001 - reported after the handle is freed
            error = e
        handle, self._handle = self._handle, None
        self._release()
        status = self._lib.simingest_appender_close(ctypes.byref(handle))
        if error is not None:
            raise error
        if status:
            raise self._failure(status, None)

    def _detach(self) -> Optional[Exception]:
        """The ingestor is about to close: hand the rows waiting here to the engine (the
        engine's close then hands them on), and refuse every later call. Returns the
        hand-off's error instead of raising it (the ingestor closes regardless)."""
        error: Optional[Exception] = None
        if self._handle is not None and self._offset:
            try:
                self._hand()
            except Exception as e:  # noqa: BLE001 - the ingestor reports it after closing
                error = e
        self._detached = True
        self._release()
        return error

    @property
    def closed(self) -> bool:
        return self._handle is None

    def __enter__(self) -> "Appender":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            if getattr(self, "_handle", None) is not None:
                self._close()  # unreachable: no thread can be appending
        except Exception:  # noqa: BLE001 - a destructor cannot report
            pass

    # -- the host buffer --------------------------------------------------------

    def _take(self) -> None:
        """append() by a thread that does not own the buffer: claim it, or say why not."""
        if self._handle is None:
            raise ClosedError(Status.ERR_CLOSED, "appender: the appender is closed")
        if self._detached:
            raise ClosedError(Status.ERR_CLOSED, "appender: the ingestor is closed")
        if not self._claim.acquire(blocking=False) and self._owner_alive():
            raise self._busy()
        self._owner = _get_ident()  # (a finished thread's rows are the caller's now)

    def _owner_alive(self) -> bool:
        """Whether the thread whose rows wait here still runs (a finished one's rows are
        taken over by the next caller rather than stuck)."""
        owner = self._owner  # None while the lock is held: a thread is between claim and owner
        return owner is None or any(t.ident == owner for t in threading.enumerate())

    def _check_thread(self) -> None:
        owner = self._owner
        if owner is not None and owner != _get_ident() and self._owner_alive():
            raise self._busy()
        if self._handle is None:
            raise ClosedError(Status.ERR_CLOSED, "appender: the appender is closed")
        if self._detached:
            raise ClosedError(Status.ERR_CLOSED, "appender: the ingestor is closed")

    def _release(self) -> None:
        if self._owner is not None:
            self._owner = None
            self._claim.release()

    def _hand(self) -> None:
        """Hands the buffered rows to the engine in one call; the buffer is free again."""
        rows = self._offset // self._size
        if rows == 0:
            self._release()
            return
        status, kept, failed, step = hand(self._lib, self._handle, self._rows, rows, self._taken)
        self._offset = kept * self._size
        if kept == 0:
            self._release()
        if status:
            text = self._lib.simingest_appender_last_error(self._handle)
            message = text.decode("utf-8", "replace") if text else self._lib.simingest_status_string(status).decode()
            raise error_for(status, failing_row_message(message, failed, rows, step))

    def _busy(self) -> Exception:
        return BusyError(
            Status.ERR_BUSY,
            f'appender: stream "{self._stream}": in use by another thread (its rows wait in the host buffer; '
            "an appender is for one thread at a time)",
        )

    def _failure(self, status: int, handle: Any = ...) -> Exception:
        if self._handle is None and handle is ...:
            return ClosedError(Status.ERR_CLOSED, "appender: the appender is closed")
        text = self._lib.simingest_appender_last_error(self._handle if handle is ... else handle)
        message = text.decode("utf-8", "replace") if text else ""
        return error_for(status, message or self._lib.simingest_status_string(status).decode())

    def _row_error(self, step: Any, time: Any, values: Any) -> Exception:
        """Why struct refused a row: its arity, its step or time, or the value that does
        not fit its column (named as ingest() names a column)."""
        if len(values) != self._arity:
            return InvalidArgumentError(
                Status.ERR_INVALID_ARGUMENT,
                f'appender: stream "{self._stream}": a row has {self._arity} values '
                f"({', '.join(self._columns)}) but {len(values)} were given",
            )
        for what, value, code, kind in (("step", step, "q", "an int64"), ("time", time, "d", "a number")):
            try:
                struct.pack("=" + code, value)
            except struct.error:
                return InvalidArgumentError(
                    Status.ERR_INVALID_ARGUMENT,
                    f'appender: stream "{self._stream}": {what} must be {kind}, not {value!r}',
                )
        return self._value_error(values)

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


_fast_classes: Dict[int, type] = {}


def _fast_class(arity: int) -> type:
    """Appender with append() compiled for `arity` values (one class per arity)."""
    cls = _fast_classes.get(arity)
    if cls is None:
        cls = _fast_classes[arity] = type("Appender", (Appender,), {"append": fast_append(arity),
                                                                  "__module__": Appender.__module__})
    return cls


def _as(array: Any, dtype: Any, what: str) -> Any:
    """`array` C-contiguous in `dtype`, converted only where numpy calls the cast safe."""
    if array.dtype != dtype:
        # An empty list is float64 to numpy; with no values there is nothing to lose.
        if array.size and not np.can_cast(array.dtype, dtype, casting="safe"):
            raise DtypeMismatchError(
                Status.ERR_DTYPE_MISMATCH, f"appender: {what} must be {dtype} (or safely castable), not {array.dtype}"
            )
        array = array.astype(dtype)
    return np.ascontiguousarray(array)

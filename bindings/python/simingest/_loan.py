"""`LoanedFrame`: a frame whose columns are numpy arrays over the engine's own buffer.

The solver writes (or computes) each column in place and commits: the engine
encodes that very memory, no copy (include/simingest.h "Loaned frames",
docs/adr/0022-loaned-frames.md).

What Python can and cannot guarantee after commit() or abort(): the frame drops
its arrays, ``frame["vx"]`` and ``frame.columns`` raise (the engine's typed error
naming how the frame ended), and every array the frame handed out is flagged
read-only, so ``a[...] = x`` on it raises ValueError. numpy cannot revoke memory
an array points at: a *view* made before commit (``a[1:]``, ``a.reshape(...)``)
keeps its own writeable flag, and reading any of them afterwards reads engine
memory that is already being encoded or reused (or unmapped: a crash). Do not
keep references past commit.
"""

from __future__ import annotations

import ctypes
from typing import Any, Dict, Optional, Tuple

import numpy as np

from . import _native
from ._errors import ClosedError, Status, error_for
from ._frame import DTYPE_CODES

_NUMPY_BY_CODE = {code: np.dtype(name) for name, code in DTYPE_CODES.items()}


class LoanedFrame:
    """One loaned frame of an open `Ingestor` (made by `Ingestor.frame_begin`).

    ``frame["vx"]`` is the column as a numpy array of the declared dtype, shaped
    like the stream's grid (C order), or 1-D with the frame's rows without one.
    Its initial values are undefined: write every element. Then ``commit()``
    (or ``abort()``). As a context manager it commits on a clean exit and
    aborts if the block raises. Not thread-safe: one thread per frame.
    """

    __slots__ = ("_lib", "_ingestor", "_owner", "_handle", "_arrays", "_stream", "_step")

    def __init__(self, owner: Any, handle: _native.IngestorPointer, stream: str, step: int, time: float,
                 rows: int, grid: Optional[Tuple[int, ...]]) -> None:
        self._lib = _native.library()
        self._owner = owner  # keeps the Ingestor (and so its handle) alive while the frame is open
        self._ingestor = handle
        self._handle = _native.FramePointer()
        self._arrays: Optional[Dict[str, np.ndarray]] = None
        self._stream = stream
        self._step = step
        self._check(self._lib.simingest_frame_begin_rows(
            handle, stream.encode("utf-8"), step, time, rows, ctypes.byref(self._handle)))
        self._arrays = self._make_arrays(grid)

    def _check(self, status: int) -> None:
        if status == 0:
            return
        message = self._lib.simingest_last_error(self._ingestor) or self._lib.simingest_last_error(None)
        text = message.decode("utf-8", "replace") if message else ""
        raise error_for(status, text or _native.status_string(status))

    def _make_arrays(self, grid: Optional[Tuple[int, ...]]) -> Dict[str, np.ndarray]:
        count = ctypes.c_size_t()
        self._check(self._lib.simingest_frame_column_count(self._handle, ctypes.byref(count)))
        name = ctypes.c_char_p()
        dtype = ctypes.c_int()
        data = ctypes.c_void_p()
        length = ctypes.c_size_t()
        arrays: Dict[str, np.ndarray] = {}
        for index in range(count.value):
            self._check(self._lib.simingest_frame_column_at(
                self._handle, index, ctypes.byref(name), ctypes.byref(dtype), ctypes.byref(data),
                ctypes.byref(length)))
            numpy_dtype = _NUMPY_BY_CODE[dtype.value]
            raw = (ctypes.c_char * (length.value * numpy_dtype.itemsize)).from_address(data.value)
            array = np.frombuffer(raw, dtype=numpy_dtype)
            if grid:
                array = array.reshape(grid)
            arrays[name.value.decode("utf-8")] = array
        return arrays

    def __getitem__(self, column: str) -> np.ndarray:
        if self._arrays is None:
            self._refuse_ended(column)
        try:
            return self._arrays[column]  # type: ignore[index]
        except KeyError:
            self._refuse_ended(column)  # the engine names the unknown column
            raise

    def _refuse_ended(self, column: str) -> None:
        data = ctypes.c_void_p()
        length = ctypes.c_size_t()
        self._check(self._lib.simingest_frame_column(
            self._handle, column.encode("utf-8"), ctypes.byref(data), ctypes.byref(length)))

    @property
    def columns(self) -> Dict[str, np.ndarray]:
        """Every column by name (the arrays `frame[name]` returns)."""
        if self._arrays is None:
            self._refuse_ended("")
        return dict(self._arrays)  # type: ignore[arg-type]

    @property
    def is_open(self) -> bool:
        return self._arrays is not None

    def _end(self) -> None:
        # The arrays this frame handed out become read-only: a write through
        # them after the engine took the buffer raises instead of corrupting it.
        if self._arrays is not None:
            for array in self._arrays.values():
                array.flags.writeable = False
            self._arrays = None

    def _call(self, function) -> None:
        # Like every call on the ingestor, a frame's end must not race with its
        # close() on another thread: it runs inside the ingestor's call guard.
        # Once the ingestor closes, the engine has reclaimed the frame (or is
        # about to): the library is then asked only after close() finished.
        try:
            self._owner._enter()
        except ClosedError:
            if self._owner._handle is not None:  # close() in progress elsewhere
                raise ClosedError(Status.ERR_CLOSED, "loaned frame: its ingestor is closing, which reclaims the "
                                  "frames still open") from None
            self._check(function(self._handle))
            return
        try:
            self._check(function(self._handle))
        finally:
            self._owner._leave()

    def commit(self) -> None:
        """Hands the buffer to the engine (no copy); the arrays are unusable from here on."""
        self._end()
        self._call(self._lib.simingest_frame_commit)

    def abort(self) -> None:
        """Gives the buffer back without writing the frame."""
        self._end()
        self._call(self._lib.simingest_frame_abort)

    def __enter__(self) -> "LoanedFrame":
        return self

    def __exit__(self, exc_type: Any, *rest: Any) -> None:
        if self._arrays is None:
            return  # ended inside the block
        if exc_type is None:
            self.commit()
        else:
            self.abort()

    def __del__(self) -> None:
        # An open frame freed here is given back and counted as leaked
        # (stats()["loans"]["leaked"]).
        handle = getattr(self, "_handle", None)
        if handle:
            self._end()
            self._lib.simingest_frame_free(ctypes.byref(handle))

    def __repr__(self) -> str:
        state = "open" if self._arrays is not None else "ended"
        return f"<simingest.LoanedFrame {self._stream!r} step {self._step} ({state})>"


__all__ = ["LoanedFrame"]

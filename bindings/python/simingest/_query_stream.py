"""`QueryStream`: the Arrow C stream a query returns, owned by Python.

Two ways out, both without copying the engine's buffers:

* handed over whole, through the PyCapsule protocol (``__arrow_c_stream__``),
  to pyarrow, polars, DuckDB or any other Arrow consumer; the consumer moves
  the struct out of the capsule and calls ``release`` itself;
* pulled batch by batch here (`next_batch`), so a failing ``get_next`` becomes
  this package's typed exception (its status from
  ``simingest_query_stream_status``); each batch is imported into pyarrow
  (``RecordBatch._import_from_c``) or, without pyarrow, its buffers are wrapped
  in read-only numpy arrays that keep the batch alive until the last is gone.

The stream struct lives in memory from ``PyMem_RawCalloc``, not in a ctypes
object, because a capsule may outlive this object: the capsule's destructor
releases a stream nobody consumed and frees the memory.
"""

from __future__ import annotations

import ctypes
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

from . import _native
from ._arrow_abi import ArrowArray, ArrowArrayStream, ArrowSchema, is_released
from ._errors import InvalidArgumentError, Status, error_for

# Arrow C data interface format strings of the dtypes a query returns.
NUMPY_OF_FORMAT: Dict[bytes, np.dtype] = {
    b"f": np.dtype("float32"),
    b"g": np.dtype("float64"),
    b"c": np.dtype("int8"),
    b"s": np.dtype("int16"),
    b"i": np.dtype("int32"),
    b"l": np.dtype("int64"),
    b"C": np.dtype("uint8"),
    b"S": np.dtype("uint16"),
    b"I": np.dtype("uint32"),
    b"L": np.dtype("uint64"),
}

_CAPSULE_NAME = b"arrow_array_stream"  # a module constant: the capsule keeps a pointer to it
_STREAM_POINTER = ctypes.POINTER(ArrowArrayStream)

_api = ctypes.pythonapi
_api.PyMem_RawCalloc.argtypes = [ctypes.c_size_t, ctypes.c_size_t]
_api.PyMem_RawCalloc.restype = ctypes.c_void_p
_api.PyMem_RawFree.argtypes = [ctypes.c_void_p]
_api.PyMem_RawFree.restype = None
_api.PyCapsule_GetPointer.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
_api.PyCapsule_GetPointer.restype = ctypes.c_void_p
# The destructor gets the dying capsule as a bare pointer: as a py_object ctypes
# would take a new reference to an object whose count already reached zero.
_CapsuleDestructor = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
_api.PyCapsule_New.argtypes = [ctypes.c_void_p, ctypes.c_char_p, _CapsuleDestructor]
_api.PyCapsule_New.restype = ctypes.py_object


def _release_and_free(address: int) -> None:
    stream = ArrowArrayStream.from_address(address)
    if not is_released(stream):
        stream.release(ctypes.cast(address, _STREAM_POINTER))
    _api.PyMem_RawFree(address)


@_CapsuleDestructor
def _destroy_capsule(capsule: int) -> None:
    address = _api.PyCapsule_GetPointer(capsule, _CAPSULE_NAME)
    if address:
        _release_and_free(address)


def _pyarrow() -> Any:
    try:
        import pyarrow
    except ImportError:
        return None
    return pyarrow


class _Batch:
    """One ArrowArray the engine gave us; released when the last numpy view of it is gone."""

    __slots__ = ("array",)

    def __init__(self) -> None:
        self.array = ArrowArray()

    def __del__(self) -> None:
        if not is_released(self.array):
            self.array.release(ctypes.byref(self.array))


class _BufferView:
    """A numpy-importable view of one child buffer; holds the batch, so the
    array numpy builds on it (its base) keeps the engine's memory alive."""

    __slots__ = ("__array_interface__", "batch")

    def __init__(self, batch: _Batch, address: int, length: int, dtype: np.dtype) -> None:
        self.batch = batch
        self.__array_interface__ = {
            "shape": (length,),
            "typestr": dtype.str,
            "data": (address, True),  # read-only: the buffer belongs to the engine
            "version": 3,
        }


class Field:
    """A column of the result: name and numpy dtype."""

    __slots__ = ("name", "dtype")

    def __init__(self, name: str, dtype: np.dtype) -> None:
        self.name = name
        self.dtype = dtype

    def __repr__(self) -> str:
        return f"Field({self.name!r}, {self.dtype})"


class QueryStream:
    """The result of a query as an Arrow C stream, consumed once.

    ``pyarrow.table(s)``, ``polars.DataFrame(s)`` and ``duckdb`` take it
    through ``__arrow_c_stream__`` without a copy; `scan()` and `read_all()`
    pull it here. Either consumes it: pulling again, or handing over what was
    pulled here, raises InvalidArgumentError; asking for the capsule again
    runs the query anew. `close()` (or garbage collection) releases a stream
    nobody consumed.
    """

    def __init__(self, rerun: Optional[Callable[[], "QueryStream"]] = None) -> None:
        self._lib = _native.library()
        self._rerun = rerun
        self._address: Optional[int] = _api.PyMem_RawCalloc(1, ctypes.sizeof(ArrowArrayStream))
        if not self._address:
            raise MemoryError("simingest: no memory for an ArrowArrayStream")
        self._fields: Optional[List[Field]] = None
        self._pa_schema: Any = None
        self._handed_over = False

    # ---- the C struct --------------------------------------------------------

    def c_pointer(self):
        """The `struct ArrowArrayStream*` a query fills."""
        return ctypes.cast(self._live_address(), _STREAM_POINTER)

    def _live_address(self) -> int:
        if self._handed_over or self._address is None:
            raise InvalidArgumentError(
                Status.ERR_INVALID_ARGUMENT, "the query stream was already consumed or closed"
            )
        return self._address

    def _struct(self) -> ArrowArrayStream:
        return ArrowArrayStream.from_address(self._live_address())

    def _fail(self, code: int) -> None:
        stream = self._struct()
        status = self._lib.simingest_query_stream_status(self.c_pointer())
        text = stream.get_last_error(self.c_pointer())
        message = text.decode("utf-8", "replace") if text else ""
        if status == Status.OK:  # a failure the engine did not classify: still a failure
            status = Status.ERR_IO
        raise error_for(status, message or f"the query stream failed (errno {code})")

    # ---- the PyCapsule protocol ---------------------------------------------

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        """A PyCapsule "arrow_array_stream" owning the stream. A requested schema is
        ignored (the protocol allows that): the columns are what the query selected.

        Asked again once handed over, it runs the same query anew (a snapshot
        taken then): DuckDB asks twice, once for the schema and once for the rows."""
        if self._handed_over and self._rerun is not None:
            return self._rerun().__arrow_c_stream__(requested_schema)
        address = self._live_address()
        if self._fields is not None:
            raise InvalidArgumentError(
                Status.ERR_INVALID_ARGUMENT, "the query stream was partly read here; it cannot be handed over"
            )
        capsule = _api.PyCapsule_New(address, _CAPSULE_NAME, _destroy_capsule)
        self._handed_over = True  # the capsule owns the memory now
        return capsule

    # ---- pulled here --------------------------------------------------------

    def fields(self) -> List[Field]:
        """The result's columns (step, time, then the selected ones)."""
        if self._fields is None:
            schema = ArrowSchema()
            stream = self._struct()
            code = stream.get_schema(self.c_pointer(), ctypes.byref(schema))
            if code != 0:
                self._fail(code)
            try:
                fields = []
                for i in range(schema.n_children):
                    child = schema.children[i].contents
                    dtype = NUMPY_OF_FORMAT.get(child.format)
                    if dtype is None:
                        raise error_for(
                            Status.ERR_INTERNAL, f"query result column {child.name!r}: unexpected format {child.format!r}"
                        )
                    fields.append(Field(child.name.decode("utf-8"), dtype))
                pa = _pyarrow()
                if pa is not None:
                    self._pa_schema = pa.Schema._import_from_c(ctypes.addressof(schema))  # moves it out
            finally:
                if not is_released(schema):
                    schema.release(ctypes.byref(schema))
            self._fields = fields
        return self._fields

    def _next(self) -> Optional[_Batch]:
        self.fields()
        batch = _Batch()
        stream = self._struct()
        code = stream.get_next(self.c_pointer(), ctypes.byref(batch.array))
        if code != 0:
            self._fail(code)
        if is_released(batch.array):  # the end of the stream
            return None
        return batch

    def next_arrow_batch(self) -> Any:
        """The next batch as a pyarrow.RecordBatch (moved, not copied), or None at the end."""
        batch = self._next()
        if batch is None:
            return None
        pa = _pyarrow()
        return pa.RecordBatch._import_from_c(ctypes.addressof(batch.array), self._pa_schema)

    def next_numpy_batch(self) -> Optional[Tuple[int, Dict[str, np.ndarray]]]:
        """The next batch as (rows, {name: read-only numpy array over the engine's buffer}),
        or None at the end."""
        batch = self._next()
        if batch is None:
            return None
        parent = batch.array
        columns: Dict[str, np.ndarray] = {}
        for i, field in enumerate(self.fields()):
            child = parent.children[i].contents
            length = int(child.length)
            data = child.buffers[1] if child.n_buffers > 1 else None
            if length == 0 or not data:
                columns[field.name] = np.empty(0, dtype=field.dtype)
                continue
            address = data + (int(child.offset) + int(parent.offset)) * field.dtype.itemsize
            columns[field.name] = np.asarray(_BufferView(batch, address, length, field.dtype))
        return int(parent.length), columns

    def schema(self) -> Any:
        """The result's pyarrow.Schema (needs pyarrow)."""
        self.fields()
        return self._pa_schema

    def close(self) -> None:
        """Releases the stream unless it was handed over; safe to call twice."""
        address, self._address = self._address, None
        if address is not None and not self._handed_over:
            _release_and_free(address)

    def __enter__(self) -> "QueryStream":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - at interpreter shutdown
            pass

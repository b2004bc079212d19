"""`simingest.open_dataset`: a read-only view of a dataset, for any process.

The engine's `simingest_dataset` handle takes no lock and changes nothing, so a
Dataset works beside an `Ingestor` writing the same directory (in this or
another process); each query reads the manifest as it is at that moment and
sees committed files only.
"""

from __future__ import annotations

import ctypes
import json
import os
import threading
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Union

from . import _native
from ._arrow_abi import DatasetPointer
from ._errors import ClosedError, InvalidArgumentError, Status
from ._query import Queryable, Source

if TYPE_CHECKING:
    from ._subscription import Subscription

PathLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]


class Dataset(Queryable):
    """Open with `open_dataset(path)`; `query`, `scan`, `query_stream`, `streams`,
    `schema`; `close()` or a ``with`` block. Queries may run from several threads;
    close() waits for those in progress. Streams a query returned stay valid after
    close() until they are consumed or closed."""

    def __init__(self, path: PathLike) -> None:
        self._handle: Optional[DatasetPointer] = None  # first: __del__ may run on failure
        self._lib = _native.library()
        if not hasattr(self._lib, "simingest_dataset_open"):
            raise InvalidArgumentError(
                Status.ERR_INVALID_ARGUMENT, f"the library {_native.library_path()} has no query support"
            )
        self._path = os.fsdecode(path)
        encoded = os.fsencode(path)
        if b"\0" in encoded:
            raise InvalidArgumentError(Status.ERR_INVALID_ARGUMENT, "path: contains a NUL byte")
        self._lock = threading.Condition()
        self._calls = 0
        handle = DatasetPointer()
        error = ctypes.c_void_p()
        self._lib.simingest_dataset_open(encoded, ctypes.byref(handle), ctypes.byref(error))
        self._handle = handle

    def _call(self, function, *args: Any) -> None:
        with self._lock:
            if not self._handle:
                raise ClosedError(Status.ERR_CLOSED, "the dataset is closed")
            self._calls += 1
            handle = self._handle
        try:
            function(handle, *args)
        finally:
            with self._lock:
                self._calls -= 1
                if self._calls == 0:
                    self._lock.notify_all()

    def _query_source(self) -> Source:
        return lambda stream, spec, out: self._call(self._lib.simingest_dataset_query, stream, spec, out)

    def _streams_document(self) -> List[Dict[str, Any]]:
        out = ctypes.c_void_p()
        self._call(self._lib.simingest_dataset_streams_json, ctypes.byref(out))
        try:
            text = ctypes.string_at(out.value).decode("utf-8")
        finally:
            self._lib.simingest_free(out)
        return list(json.loads(text)["streams"])

    def streams(self) -> List[str]:
        """The names of the dataset's streams."""
        return [entry["name"] for entry in self._streams_document()]

    def schema(self, stream: str) -> Dict[str, Any]:
        """The configuration of `stream` (columns and dtypes, grid, partitioning)."""
        for entry in self._streams_document():
            if entry["name"] == stream:
                return dict(entry["schema"])
        from ._errors import UnknownStreamError

        raise UnknownStreamError(Status.ERR_UNKNOWN_STREAM, f'unknown stream "{stream}" in {self._path}')

    def _stream_schema(self, stream: str) -> Dict[str, Any]:
        try:
            return self.schema(stream)
        except LookupError:
            return {}  # the query itself reports the unknown stream, in the engine's words

    def subscribe(self, stream: str, from_step: Optional[int] = None, *, max_buffered: int = 1024,
                  timeout: Optional[float] = None) -> "Subscription":
        """Follows ``stream``'s realtime log on disk, written by an ingestor in this or
        another process, as a blocking iterator (``for frame in ds.subscribe("diag")``;
        frames are dicts as from ``Ingestor.subscribe``). Without ``from_step`` it starts
        at the end of the log now; with it, at the oldest segment on disk, skipping
        earlier steps. Iterating raises CorruptDatasetError (a damaged block, naming the
        file) or BackpressureError (segments compacted into Parquet before they were
        read: query those steps). The subscription outlives close()."""
        from ._subscription import Subscription

        def start(stream_bytes, options, callback, out) -> None:
            self._call(self._lib.simingest_dataset_subscribe, stream_bytes, options, callback, None, out)

        return Subscription(self._lib, None, stream, from_step, 0, "dropOldest", max_buffered, timeout, start=start)

    def close(self) -> None:
        """Closes the handle (waits for queries in progress); safe to call twice."""
        with self._lock:
            while self._calls:
                self._lock.wait()
            handle, self._handle = self._handle, None
        if handle:
            self._lib.simingest_dataset_close(ctypes.byref(handle))

    @property
    def closed(self) -> bool:
        return not self._handle

    @property
    def path(self) -> str:
        return self._path

    def __enter__(self) -> "Dataset":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_handle", None):
            self.close()

    def __repr__(self) -> str:
        return f"<simingest.Dataset {self._path!r} ({'closed' if self.closed else 'open'})>"


def open_dataset(path: PathLike) -> Dataset:
    """Opens the dataset at `path` read-only. Raises StorageError when `path` holds
    no dataset (no manifest), CorruptDatasetError when no manifest copy is good."""
    return Dataset(path)

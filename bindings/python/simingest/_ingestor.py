"""`simingest.Ingestor`: one open dataset, fed from any number of Python threads."""

from __future__ import annotations

import ctypes
import json
import operator
import os
import threading
import warnings
from typing import Any, Dict, Mapping, Optional, Union

from . import _native
from ._config import config_document, config_json, declared_dtypes
from ._errors import ClosedError, InvalidArgumentError, Status
from ._frame import prepare_columns

PathLike = Union[str, "os.PathLike[str]"]

_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1


class Ingestor:
    """Writes the frames of a running simulation into the dataset at `path`.

    Configuration: either keyword arguments (the snake_case forms of the
    configuration document's keys, e.g. ``memory_limit=512 << 20``; camelCase
    works too) or a whole document as ``config=`` (a mapping, or JSON text that
    is passed to the engine verbatim), or both (keywords win). See
    docs/PYTHON.md for every key.

    Thread safety: ingest(), try_ingest(), flush() and stats() may be called
    from any number of threads at once; the GIL is released inside the engine.
    close() waits for calls in progress, and any call after it raises
    ClosedError.
    """

    def __init__(
        self,
        path: PathLike,
        config: Union[Mapping[str, Any], str, None] = None,
        **settings: Any,
    ) -> None:
        self._handle: Optional[_native.IngestorPointer] = None  # first: __del__ may run on failure
        self._lib = _native.library()
        if isinstance(config, str):
            if settings:
                raise InvalidArgumentError(
                    1, "config: pass either JSON text or keyword settings, not both"
                )
            text = config
            try:
                document = json.loads(text)
            except ValueError:
                document = {}  # the engine reports malformed JSON, with the byte position
        else:
            merged: Dict[str, Any] = dict(config_document(config or {}))
            merged.update(config_document(settings))
            document = merged
            text = config_json(document)
        self._dtypes = declared_dtypes(document if isinstance(document, Mapping) else {})
        self._path = os.fspath(path)
        self._calls = 0  # calls in progress; close() waits for them
        self._closing = False
        self._state = threading.Condition(threading.Lock())
        handle = _native.IngestorPointer()
        error = ctypes.c_void_p()
        self._lib.simingest_open(
            os.fsencode(self._path), text.encode("utf-8"), ctypes.byref(handle), ctypes.byref(error)
        )
        self._handle = handle

    # ---- guard: no call may race with close() ------------------------------

    def _enter(self) -> _native.IngestorPointer:
        with self._state:
            if self._closing or not self._handle:
                raise ClosedError(Status.ERR_CLOSED, "the ingestor is closed")
            self._calls += 1
            return self._handle

    def _leave(self) -> None:
        with self._state:
            self._calls -= 1
            if self._calls == 0:
                self._state.notify_all()

    # ---- frames -------------------------------------------------------------

    def ingest(
        self,
        stream: str,
        step: int,
        time: float,
        columns: Any,
        *,
        convert: bool = False,
    ) -> None:
        """Ingests one frame of `stream`: columns is a mapping of column name to a numpy
        array (C-contiguous, the declared dtype, any shape: rows in C order) or a number
        (recorded for every row), or a pandas DataFrame / pyarrow Table or RecordBatch.

        The arrays are copied before this returns; wrong dtypes and non-contiguous
        arrays are errors unless `convert=True`, which converts them (a copy).
        Under the "block" policy this waits for room in the memory budget.
        """
        self._ingest(self._lib.simingest_ingest, stream, step, time, columns, convert)

    def try_ingest(
        self, stream: str, step: int, time: float, columns: Any, *, convert: bool = False
    ) -> bool:
        """As ingest(), but under the "block" policy returns False instead of waiting when
        the frame does not fit in the memory budget yet (nothing was copied)."""
        status = self._ingest(self._lib.simingest_ingest_nowait, stream, step, time, columns, convert)
        return status != Status.WOULD_BLOCK

    def _ingest(self, function, stream: str, step: int, time: float, columns: Any, convert: bool) -> int:
        if not isinstance(stream, str):
            raise InvalidArgumentError(1, f"stream must be a str, not {type(stream).__name__}")
        try:
            step = operator.index(step)
        except TypeError:
            raise InvalidArgumentError(1, f"step must be an integer but is {step!r}") from None
        if not _INT64_MIN <= step <= _INT64_MAX:
            raise InvalidArgumentError(1, f"step {step} does not fit int64")
        try:
            time = float(time)
        except (TypeError, ValueError):
            raise InvalidArgumentError(1, f"time must be a number but is {time!r}") from None
        handle = self._enter()
        try:
            c_columns, keep = prepare_columns(stream, columns, self._dtypes.get(stream, {}), convert)
            status = function(handle, stream.encode("utf-8"), step, time, c_columns, len(c_columns))
            del keep  # the engine has copied every array
            return status
        finally:
            self._leave()

    # ---- flush, statistics, close --------------------------------------------

    def flush(self) -> None:
        """Returns once every frame ingested before the call is committed and visible to readers."""
        handle = self._enter()
        try:
            self._lib.simingest_flush(handle)
        finally:
            self._leave()

    def stats(self) -> Dict[str, Any]:
        """The engine's counters (docs/STATS.md) as a dict with camelCase keys."""
        handle = self._enter()
        try:
            out = ctypes.c_void_p()
            self._lib.simingest_stats_json(handle, ctypes.byref(out))
            try:
                text = ctypes.string_at(out.value).decode("utf-8")
            finally:
                self._lib.simingest_free(out)
        finally:
            self._leave()
        return json.loads(text)

    def close(self) -> None:
        """Flushes, stops the engine's threads and releases the dataset. Waits for calls in
        progress on other threads. Raises if the final flush failed (the ingestor is closed
        either way). Closing a closed ingestor does nothing."""
        with self._state:
            if self._closing or not self._handle:
                return
            self._closing = True
            while self._calls:
                self._state.wait()
            handle = self._handle
        try:
            self._lib.simingest_close(ctypes.byref(handle))
        finally:
            self._handle = None

    @property
    def closed(self) -> bool:
        return self._closing or not self._handle

    @property
    def path(self) -> str:
        return self._path

    def __enter__(self) -> "Ingestor":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_handle", None):
            try:
                self.close()
            except Exception as error:  # noqa: BLE001 - nothing can be raised from __del__
                try:
                    warnings.warn(f"simingest: closing {self._path} failed: {error}", ResourceWarning)
                except Exception:  # noqa: BLE001 - at interpreter shutdown
                    pass

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<simingest.Ingestor {self._path!r} ({state})>"

"""`simingest.Ingestor`: one open dataset, fed from any number of Python threads."""

from __future__ import annotations

import ctypes
import json
import operator
import os
import threading
import weakref
import warnings
from typing import Any, Dict, Mapping, Optional, Union

from . import _native
from ._call_guard import LOCK_FREE, CallGuard
from ._config import config_document, config_json, declared_dtypes
from ._errors import ClosedError, InvalidArgumentError, Status, error_for
from ._frame import prepare_columns
from ._frame_plan import PACK_ERRORS, FramePlan, build_plan, shape_key
from ._loan import LoanedFrame
from ._query import Queryable, Source

PathLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]

_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1
# Plans kept per thread and ingestor; a program that keeps changing its frames'
# shape starts over instead of growing without bound.
_MAX_PLANS = 64


def _encode_path(path: Union[str, bytes]) -> bytes:
    """The path as the C string the engine takes; a NUL would cut it short there."""
    encoded = os.fsencode(path)
    if b"\0" in encoded:
        raise InvalidArgumentError(Status.ERR_INVALID_ARGUMENT, "path: contains a NUL byte")
    return encoded


class Ingestor(Queryable):
    """Writes the frames of a running simulation into the dataset at `path`.

    Configuration: either keyword arguments (the snake_case forms of the
    configuration document's keys, e.g. ``memory_limit=512 << 20``; camelCase
    works too) or a whole document as ``config=`` (a mapping, or JSON text, str
    or bytes, that is passed to the engine verbatim), or both (keywords win). See
    docs/PYTHON.md for every key. `path` is a str, bytes or os.PathLike; a NUL
    byte in it raises InvalidArgumentError.

    Queries (query(), scan(), query_stream()) see every frame ingested before
    they begin, committed or not (see `simingest._query.Queryable`).

    Thread safety: ingest(), try_ingest(), flush(), stats() and checkpoint() may be called
    from any number of threads at once; the GIL is released inside the engine.
    close() waits for calls in progress, and any call after it raises
    ClosedError.
    """

    def __init__(
        self,
        path: PathLike,
        config: Union[Mapping[str, Any], str, bytes, None] = None,
        **settings: Any,
    ) -> None:
        self._handle: Optional[_native.IngestorPointer] = None  # first: __del__ may run on failure
        self._lib = _native.library()
        if isinstance(config, (str, bytes)):
            if settings:
                raise InvalidArgumentError(
                    1, "config: pass either JSON text or keyword settings, not both"
                )
            # JSON text goes to the engine as it is: the engine bounds its
            # nesting and size, and reports a problem in every host's words.
            text = config if isinstance(config, bytes) else config.encode("utf-8")
            try:
                document = json.loads(text)
            except (ValueError, RecursionError):
                document = {}  # the engine reports it (malformed JSON with the byte position, depth)
        else:
            merged: Dict[str, Any] = dict(config_document(config or {}))
            merged.update(config_document(settings))
            document = merged
            text = config_json(document).encode("utf-8")
        if b"\0" in text:  # the engine reads a C string: it would end there
            raise InvalidArgumentError(Status.ERR_INVALID_ARGUMENT, "config: contains a NUL byte")
        self._dtypes = declared_dtypes(document if isinstance(document, Mapping) else {})
        streams = document.get("streams") if isinstance(document, Mapping) else None
        self._stream_configs = dict(streams) if isinstance(streams, Mapping) else {}
        self._path = os.fspath(path)
        encoded_path = _encode_path(self._path)
        self._guard = CallGuard()  # calls in progress; close() waits for them
        self._appenders: "weakref.WeakSet" = weakref.WeakSet()
        # Each thread's own FramePlans (`plans`, by shape_key(), and `last`, the
        # latest plan of each stream): a plan's buffers are written per call, so
        # two threads must never share one.
        self._local = threading.local()
        handle = _native.IngestorPointer()
        error = ctypes.c_void_p()
        self._lib.simingest_open(
            encoded_path, text, ctypes.byref(handle), ctypes.byref(error)
        )
        self._handle = handle
        # The handle as an address, for FramePlan.bind (valid while _handle is).
        self._address = ctypes.cast(handle, ctypes.c_void_p).value

    # ---- guard: no call may race with close() ------------------------------

    def _enter(self) -> _native.IngestorPointer:
        self._guard.enter()
        return self._handle  # not None: close() clears it only after every call has left

    def _leave(self) -> None:
        self._guard.leave()

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
        # The fast path, inline because its cost per call is the point: built-in
        # types and a dict shaped like the last frame of this stream on this thread
        # (or an earlier one). What it does not take goes the general way in _ingest,
        # which also uses the plan.
        if type(columns) is dict and type(stream) is str and type(step) is int and type(time) is float:
            values = (*columns.values(),)  # one pass over the dict for the key and fill()
            key = (stream, *columns, *map(type, values))  # shape_key(), inline
            try:
                plan = self._local.last[stream]
            except (AttributeError, KeyError):  # this thread's first frame (of this stream)
                plan = None
            if plan is None or plan.key != key:
                plan = self._plan(stream, columns, key)
            if plan is not None and not plan.busy and LOCK_FREE and -0x8000000000000000 <= step <= 0x7FFFFFFFFFFFFFFF:
                guard = self._guard
                inflight = guard.inflight
                try:
                    # guard.enter_unlocked(), inline; inside the try, so that a
                    # KeyboardInterrupt raised as the append returns still pops.
                    inflight.append(None)
                    if guard.closing:
                        raise ClosedError(Status.ERR_CLOSED, "the ingestor is closed")
                    plan.busy = True
                    try:
                        plan.fill(*values)
                    except PACK_ERRORS:
                        pass  # the general path below takes it, or says why not
                    else:
                        plan.c_step.value = step
                        plan.c_time.value = time
                        status = plan.call()  # simingest_ingest_raw
                        if status:
                            _native.raise_for_status(self._lib, self._handle, status)
                        return
                    finally:
                        plan.busy = False
                finally:
                    inflight.pop()  # guard.leave(), inline
                    if guard.closing:
                        guard.wake_closer()
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
        if "\0" in stream:
            # The engine reads a C string: "t\0x" would be ingested into stream "t".
            # The fast path never sees one: no declared stream has a NUL in its name.
            raise InvalidArgumentError(Status.ERR_INVALID_ARGUMENT, "stream: contains a NUL byte")
        if type(step) is not int:
            try:
                step = operator.index(step)
            except TypeError:
                raise InvalidArgumentError(1, f"step must be an integer but is {step!r}") from None
        if not _INT64_MIN <= step <= _INT64_MAX:
            raise InvalidArgumentError(1, f"step {step} does not fit int64")
        if type(time) is not float:
            try:
                time = float(time)
            except (TypeError, ValueError):
                raise InvalidArgumentError(1, f"time must be a number but is {time!r}") from None
        handle = self._enter()
        try:
            # The fast path: a plain dict shaped like an earlier frame of this thread.
            # convert= changes nothing there: a plan only takes values that need no
            # conversion, and leaves the rest to the general path below.
            plan = self._plan(stream, columns) if type(columns) is dict else None
            if plan is not None and not plan.busy:
                plan.busy = True  # a re-entrant call on this thread (a finalizer) goes the general way
                try:
                    plan.fill(*columns.values())
                except PACK_ERRORS:
                    pass  # prepare_columns() below converts it or says why not
                else:
                    # `columns` keeps the arrays alive until the engine has copied them.
                    return function(handle, plan.stream, step, time, plan.columns, plan.count)
                finally:
                    plan.busy = False
            c_columns, keep = prepare_columns(stream, columns, self._dtypes.get(stream, {}), convert)
            status = function(handle, stream.encode("utf-8"), step, time, c_columns, len(c_columns))
            del keep  # the engine has copied every array
            return status
        finally:
            self._leave()

    def frame_begin(self, stream: str, step: int, time: float, rows: Optional[int] = None) -> "LoanedFrame":
        """Lends a frame of `stream`: its columns are numpy arrays over the engine's own
        buffer (`simingest.LoanedFrame`). Write them, then ``commit()`` (no copy is made);
        or use it as a context manager. `rows`: the row count of a stream without a grid
        (on a grid stream the grid's product). The ingestor must stay open until the
        frame ends; closing it reclaims a frame still open (counted as leaked)."""
        if not isinstance(step, int) or not _INT64_MIN <= step <= _INT64_MAX:
            raise InvalidArgumentError(Status.ERR_INVALID_ARGUMENT, f"step: expected an int64 but received {step!r}")
        spec = self._stream_configs.get(stream)
        grid = spec.get("grid") if isinstance(spec, Mapping) else None
        handle = self._enter()
        try:
            return LoanedFrame(self, handle, stream, step, float(time), int(rows or 0),
                               tuple(grid) if grid else None)
        finally:
            self._leave()

    def _plan(self, stream: str, columns: Dict[Any, Any], key: Optional[tuple] = None) -> Optional[FramePlan]:
        """This thread's plan for frames of `stream` with these names and value types
        (`key`: their shape_key(), if the caller has it), now the stream's last plan."""
        if key is None:
            key = shape_key(stream, columns)
        local = self._local
        try:
            plans, last = local.plans, local.last
        except AttributeError:
            plans, last = local.plans, local.last = {}, {}
        try:
            plan = plans[key]
        except KeyError:
            if len(plans) >= _MAX_PLANS:
                plans.clear()
                last.clear()
            plan = plans[key] = build_plan(stream, columns, self._dtypes.get(stream, {}))
            if plan is not None:
                plan.bind(self._lib.simingest_ingest_raw, self._address)
        if plan is not None:
            last[stream] = plan
        return plan

    # ---- queries (query, scan, query_stream: see _query.Queryable) -----------

    def _query_source(self) -> Source:
        def run(stream: bytes, spec: Any, out: Any) -> None:
            if not hasattr(self._lib, "simingest_query"):
                raise InvalidArgumentError(
                    Status.ERR_INVALID_ARGUMENT, f"the library {_native.library_path()} has no query support"
                )
            handle = self._enter()
            try:
                self._lib.simingest_query(handle, stream, spec, out)
            finally:
                self._leave()

        return run

    def _stream_schema(self, stream: str) -> Dict[str, Any]:
        config = self._stream_configs.get(stream)
        return dict(config) if isinstance(config, Mapping) else {}

    # ---- flush, statistics, close --------------------------------------------

    def subscribe(self, stream: str, from_step: Optional[int] = None, *, queue_frames: int = 0,
                  policy: str = "dropOldest", max_buffered: int = 1024,
                  timeout: Optional[float] = None) -> "Subscription":
        """Frames the router sends to ``stream``'s realtime path, from now on, as a blocking
        iterator (``for frame in ing.subscribe("diag")``); see _subscription.py."""
        from ._subscription import Subscription

        handle = self._enter()
        try:
            return Subscription(self._lib, handle, stream, from_step, queue_frames, policy, max_buffered, timeout)
        finally:
            self._leave()

    def subscribe_async(self, stream: str, from_step: Optional[int] = None, *, queue_frames: int = 0,
                        policy: str = "dropOldest", max_buffered: int = 1024) -> "AsyncSubscription":
        """The same frames as ``subscribe()``, as an asyncio async iterator bound to the running
        loop (``async for frame in ing.subscribe_async("diag")``); see _subscription_async.py."""
        from ._subscription_async import AsyncSubscription

        handle = self._enter()
        try:
            return AsyncSubscription(self._lib, handle, stream, from_step, queue_frames, policy, max_buffered)
        finally:
            self._leave()

    def appender(self, stream: str):
        """An `Appender` of `stream`: rows one call each, ``append(step, time, *values)``
        (ADR 0021). Close it (or use it as a context manager) before closing the
        ingestor, or let the ingestor's close hand its pending rows to the engine; after
        that every call on it raises `ClosedError`."""
        from ._appender import Appender, AppenderPointer, declare

        declare(self._lib, _native.IngestorPointer)
        dtypes = self._dtypes.get(stream)
        handle = self._enter()
        try:
            out = AppenderPointer()
            status = self._lib.simingest_appender_open(handle, stream.encode("utf-8"), ctypes.byref(out))
            if status:
                text = self._lib.simingest_last_error(handle)
                raise error_for(status, text.decode("utf-8", "replace") if text else "")
        finally:
            self._leave()
        app = Appender(self._lib, out, stream, dtypes or {}, self._stream_configs.get(stream))
        self._appenders.add(app)  # close() hands the rows waiting in its host buffer
        return app

    def flush(self) -> None:
        """Returns once every frame ingested before the call is committed and visible to readers."""
        handle = self._enter()
        try:
            self._lib.simingest_flush(handle)
        finally:
            self._leave()

    def stats(self) -> Dict[str, Any]:
        """The engine's counters (docs/STATS.md) as a dict with camelCase keys."""
        return self._json_document(self._lib.simingest_stats_json)

    def checkpoint(self) -> Dict[str, Optional[int]]:
        """The last durable step of each configured stream: the largest step of a frame
        in a committed file (flushed, or committed before this ingestor opened the
        dataset), or None if the stream has none yet. A solver restarting from its own
        checkpoint at step N reopens with ``resume_from_step=N``."""
        return self._json_document(self._lib.simingest_checkpoint)

    def _json_document(self, function) -> Any:
        """Calls a `simingest_status f(handle, char** out_json)` and parses what it returns."""
        handle = self._enter()
        try:
            out = ctypes.c_void_p()
            function(handle, ctypes.byref(out))
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
        if not self._handle or not self._guard.begin_close():
            return
        handle = self._handle
        # Rows waiting in an appender's host buffer reach the engine before it closes.
        errors = [e for e in (app._detach() for app in list(self._appenders)) if e is not None]
        try:
            self._lib.simingest_close(ctypes.byref(handle))
        finally:
            self._handle = None
        if errors:
            raise errors[0]

    @property
    def closed(self) -> bool:
        return self._guard.closing or not self._handle

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

"""Ingestor.subscribe(): a blocking iterator over the frames the router sends
to a stream's realtime path (simingest_subscribe).

The engine's delivery thread runs the ctypes callback, which takes the GIL,
copies the frame into numpy arrays and puts it into a bounded deque: it never
waits (a full deque drops its oldest frame and counts the gap into the next
frame's ``dropped_before``, like the engine's own queue). ``__next__`` waits
on a condition variable, which releases the GIL, in slices so Ctrl-C is seen;
``timeout`` bounds the wait (``TimeoutError``).
"""

from __future__ import annotations

import collections
import ctypes
import threading
import time as _time
from typing import Any, Deque, Dict, Optional

import numpy as np

from . import _native
from ._errors import InvalidArgumentError, Status, error_for
from ._frame import DTYPE_CODES
from ._native import SubscribeOptions, SubscriptionCallback, SubscriptionFrame, SubscriptionPointer

_DTYPE_OF_CODE = {code: np.dtype(name) for name, code in DTYPE_CODES.items()}
_WAIT_SLICE = 0.2  # seconds: how soon a KeyboardInterrupt is seen while waiting


def _copy_frame(frame: SubscriptionFrame) -> Dict[str, Any]:
    columns: Dict[str, Any] = {}
    for j in range(frame.ncolumns):
        column = frame.columns[j]
        dtype = _DTYPE_OF_CODE[column.dtype]
        scalar = column.length == _native.SCALAR
        count = 1 if scalar else column.length
        # One copy, straight into the array the caller keeps.
        values = np.empty(count, dtype=dtype)
        if count:
            ctypes.memmove(values.ctypes.data, column.data, count * dtype.itemsize)
        columns[column.name.decode("utf-8")] = values[0] if scalar else values
    return {
        "stream": frame.stream.decode("utf-8"),
        "step": frame.step,
        "time": frame.time,
        "dropped_before": frame.dropped_before,
        "columns": columns,
    }


class Subscription:
    """Iterate for frames (dicts: stream, step, time, dropped_before, columns);
    ``close()`` (or leaving a ``with`` block) unsubscribes. The iteration ends
    when the ingestor closes; a subscription ended by its queue (policy
    ``"disconnect"``) raises that error."""

    def __init__(self, lib: ctypes.CDLL, handle, stream: str, from_step: Optional[int], queue_frames: int,
                 policy: str, max_buffered: int, timeout: Optional[float], start=None) -> None:
        # `start(stream, options, callback, out)` makes the C subscription; default
        # simingest_subscribe on `handle`. Dataset.subscribe passes simingest_dataset_subscribe.
        if policy not in ("dropOldest", "disconnect"):
            raise InvalidArgumentError(Status.ERR_INVALID_ARGUMENT,
                                       f"policy must be 'dropOldest' or 'disconnect', not {policy!r}")
        if max_buffered < 1:
            raise InvalidArgumentError(Status.ERR_INVALID_ARGUMENT, "max_buffered must be at least 1")
        self._lib = lib
        self._timeout = timeout
        self._max_buffered = max_buffered
        self._cond = threading.Condition()
        self._frames: Deque[Dict[str, Any]] = collections.deque()
        self._dropped = 0
        self._ended = False
        self._failure: Optional[Exception] = None
        self._callback = SubscriptionCallback(self._on_frame)  # kept alive as long as the subscription
        options = SubscribeOptions(ctypes.sizeof(SubscribeOptions), queue_frames,
                                   1 if policy == "disconnect" else 0,
                                   0 if from_step is None else 1, 0 if from_step is None else int(from_step))
        self._handle = SubscriptionPointer()
        if start is None:
            lib.simingest_subscribe(handle, stream.encode("utf-8"), ctypes.byref(options), self._callback,
                                    None, ctypes.byref(self._handle))
        else:
            start(stream.encode("utf-8"), ctypes.byref(options), self._callback, ctypes.byref(self._handle))

    # The engine's delivery thread (with the GIL, taken by ctypes). Never waits.
    def _on_frame(self, _user, frame, status, message) -> int:
        try:
            with self._cond:
                if not frame:
                    self._ended = True
                    if status not in (0, Status.ERR_CLOSED):  # a close ends the iteration normally
                        self._failure = error_for(status, message.decode("utf-8", "replace") if message else "")
                else:
                    copied = _copy_frame(frame.contents)
                    if len(self._frames) == self._max_buffered:
                        oldest = self._frames.popleft()
                        self._dropped += 1 + oldest["dropped_before"]
                    copied["dropped_before"] += self._dropped
                    self._dropped = 0
                    self._frames.append(copied)
                self._cond.notify_all()
        except BaseException:  # noqa: BLE001 - nothing may propagate into the engine's thread
            return 0
        return 0

    def __iter__(self) -> "Subscription":
        return self

    def __next__(self) -> Dict[str, Any]:
        deadline = None if self._timeout is None else _time.monotonic() + self._timeout
        with self._cond:
            while not self._frames:
                if self._ended:
                    if self._failure is not None:
                        failure, self._failure = self._failure, None
                        raise failure
                    raise StopIteration
                wait = _WAIT_SLICE
                if deadline is not None:
                    left = deadline - _time.monotonic()
                    if left <= 0:
                        raise TimeoutError(f"no frame within {self._timeout} s")
                    wait = min(wait, left)
                self._cond.wait(wait)
            return self._frames.popleft()

    def close(self) -> None:
        """Unsubscribe. A second call does nothing."""
        if not self._handle:
            return
        self._lib.simingest_unsubscribe(ctypes.byref(self._handle))
        with self._cond:
            self._ended = True
            self._frames.clear()

    def __enter__(self) -> "Subscription":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - nothing to report to at collection
            pass

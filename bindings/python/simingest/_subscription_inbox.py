"""What the blocking (_subscription.py) and the asyncio (_subscription_async.py)
subscriptions share: the inbox the ctypes callback fills, and the
subscription handle over it (Subscribed).

The engine's delivery thread runs the callback, which takes the GIL, copies
the frame into numpy arrays and appends it to a bounded deque: it never waits
(a full deque drops its oldest frame and counts the gap into the next frame's
``dropped_before``, like the engine's own queue). After each change it calls
the inbox's ``wake`` with the inbox lock held; the two fronts differ only in
that hook and in how their consumer waits.

The callback holds the inbox, never the front object: dropping the last
reference to a front (``break`` out of a loop over a temporary) then collects
it at once and its ``__del__`` unsubscribes, and that never happens on the
delivery thread (where an unsubscribe would be refused).
"""

from __future__ import annotations

import collections
import ctypes
from typing import Any, Callable, Deque, Dict, Optional

import numpy as np

from . import _native
from ._errors import InvalidArgumentError, Status, error_for
from ._frame import DTYPE_CODES
from ._native import SubscribeOptions, SubscriptionCallback, SubscriptionFrame, SubscriptionPointer

_DTYPE_OF_CODE = {code: np.dtype(name) for name, code in DTYPE_CODES.items()}

END = object()  # Inbox.take(): the subscription has ended and every frame was taken


def copy_frame(frame: SubscriptionFrame) -> Dict[str, Any]:
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


class Inbox:
    """Frames delivered and not yet taken, the end and its status. Every
    field is guarded by ``lock``; ``wake`` is called with it held."""

    def __init__(self, max_buffered: int, lock: Any, wake: Callable[[], None]) -> None:
        self.lock = lock
        self.wake = wake
        self.max_buffered = max_buffered
        self.frames: Deque[Dict[str, Any]] = collections.deque()
        self.ended = False
        self.end_status: Optional[Status] = None
        self.failure: Optional[Exception] = None

    # The engine's delivery thread (with the GIL, taken by ctypes), or the
    # unsubscribing thread for the end call. Never waits but for the lock,
    # which a consumer holds only to move a frame.
    def on_frame(self, _user, frame, status, message) -> int:
        try:
            with self.lock:
                if not frame:
                    self.ended = True
                    self.end_status = Status(status) if status in Status._value2member_map_ else None
                    if status not in (0, Status.ERR_CLOSED):  # a close ends the iteration normally
                        self.failure = error_for(status, message.decode("utf-8", "replace") if message else "")
                elif not self.ended:
                    copied = copy_frame(frame.contents)
                    if len(self.frames) == self.max_buffered:
                        # The gap goes to the frame that followed the dropped one: the new
                        # head, or this frame when the deque holds one.
                        oldest = self.frames.popleft()
                        (self.frames[0] if self.frames else copied)["dropped_before"] += 1 + oldest["dropped_before"]
                    self.frames.append(copied)
                self.wake()
        except BaseException:  # noqa: BLE001 - nothing may propagate into the engine's thread
            return 0
        return 0

    def take(self) -> Any:
        """With ``lock`` held: the oldest frame; END once ended and empty (raising
        the failure of a subscription the engine ended, once); None: wait."""
        if self.frames:
            return self.frames.popleft()
        if not self.ended:
            return None
        if self.failure is not None:
            failure, self.failure = self.failure, None
            raise failure
        return END

    def discard(self) -> None:
        """After an unsubscribe: nothing more is delivered or kept."""
        with self.lock:
            self.ended = True
            self.frames.clear()
            self.wake()


def check_arguments(policy: str, max_buffered: int) -> None:
    if policy not in ("dropOldest", "disconnect"):
        raise InvalidArgumentError(Status.ERR_INVALID_ARGUMENT,
                                   f"policy must be 'dropOldest' or 'disconnect', not {policy!r}")
    if max_buffered < 1:
        raise InvalidArgumentError(Status.ERR_INVALID_ARGUMENT, "max_buffered must be at least 1")


class Subscribed:
    """What both iterators share: the subscription handle over an Inbox, why it ended, and
    unsubscribing (close, or at collection)."""

    _lib: ctypes.CDLL
    _inbox: Inbox

    def _subscribe(self, lib: ctypes.CDLL, handle, stream: str, from_step: Optional[int], queue_frames: int,
                   policy: str, inbox: Inbox, start: Optional[Callable[..., None]] = None) -> None:
        """simingest_subscribe() on ``handle`` into ``inbox``, or ``start(stream, options, callback,
        out)`` when given (Dataset.subscribe passes simingest_dataset_subscribe). The ctypes
        callback is kept as long as the handle: the engine calls it until the unsubscribe."""
        self._lib = lib
        self._inbox = inbox
        options = SubscribeOptions(ctypes.sizeof(SubscribeOptions), queue_frames,
                                   1 if policy == "disconnect" else 0,
                                   0 if from_step is None else 1, 0 if from_step is None else int(from_step))
        self._callback = SubscriptionCallback(inbox.on_frame)
        subscription = SubscriptionPointer()
        if start is None:
            lib.simingest_subscribe(handle, stream.encode("utf-8"), ctypes.byref(options), self._callback,
                                    None, ctypes.byref(subscription))
        else:
            start(stream.encode("utf-8"), ctypes.byref(options), self._callback, ctypes.byref(subscription))
        self._handle = subscription

    @property
    def end_status(self) -> Optional[Status]:
        """None while running; then OK (unsubscribed), ERR_CLOSED (the ingestor closed) or the
        status of the error the iteration raised (e.g. ERR_BACKPRESSURE)."""
        return self._inbox.end_status

    def close(self) -> None:
        """Unsubscribe (waits for a callback in progress, a few microseconds). A second call
        does nothing."""
        if not self._handle:
            return
        self._lib.simingest_unsubscribe(ctypes.byref(self._handle))  # runs the end call
        self._inbox.discard()  # drops what was queued

    def __del__(self) -> None:
        try:
            if hasattr(self, "_handle"):
                self.close()
        except Exception:  # noqa: BLE001 - nothing to report to at collection
            pass

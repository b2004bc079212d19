"""Ingestor.subscribe(): a blocking iterator over the frames the router sends
to a stream's realtime path (simingest_subscribe).

The callback fills an Inbox (_subscription_inbox.py) and notifies a condition
variable; ``__next__`` waits on it, which releases the GIL, in slices so
Ctrl-C is seen; ``timeout`` bounds the wait (``TimeoutError``).
"""

from __future__ import annotations

import ctypes
import threading
import time as _time
from typing import Any, Dict, Optional

from . import _subscription_inbox as inbox_

_WAIT_SLICE = 0.2  # seconds: how soon a KeyboardInterrupt is seen while waiting


class Subscription(inbox_.Subscribed):
    """Iterate for frames (dicts: stream, step, time, dropped_before, columns);
    ``close()`` (or leaving a ``with`` block) unsubscribes. The iteration ends
    when the ingestor closes; a subscription ended by its queue (policy
    ``"disconnect"``) raises that error. ``end_status`` is why it ended."""

    def __init__(self, lib: ctypes.CDLL, handle, stream: str, from_step: Optional[int], queue_frames: int,
                 policy: str, max_buffered: int, timeout: Optional[float], start=None) -> None:
        inbox_.check_arguments(policy, max_buffered)
        self._timeout = timeout
        self._cond = threading.Condition()
        self._subscribe(lib, handle, stream, from_step, queue_frames, policy,
                        inbox_.Inbox(max_buffered, self._cond, self._cond.notify_all), start)

    def __iter__(self) -> "Subscription":
        return self

    def __next__(self) -> Dict[str, Any]:
        deadline = None if self._timeout is None else _time.monotonic() + self._timeout
        with self._cond:
            while True:
                frame = self._inbox.take()
                if frame is inbox_.END:
                    raise StopIteration
                if frame is not None:
                    return frame
                wait = _WAIT_SLICE
                if deadline is not None:
                    left = deadline - _time.monotonic()
                    if left <= 0:
                        raise TimeoutError(f"no frame within {self._timeout} s")
                    wait = min(wait, left)
                self._cond.wait(wait)

    def __enter__(self) -> "Subscription":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

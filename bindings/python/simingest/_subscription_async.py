"""Ingestor.subscribe_async(): the frames of a stream's realtime path as an
asyncio async iterator, on the event loop that created it.

The callback fills the same bounded Inbox as the blocking iterator
(_subscription_inbox.py: never waits, drops the oldest, counts gaps). Its
wake hook posts at most one ``loop.call_soon_threadsafe`` at a time, and only
while ``__anext__`` waits on a future: a loop that falls behind costs at most
``max_buffered`` frames and one pending wake-up, never a queue of callbacks.

Cancelling a waiting ``__anext__`` (task cancel, ``asyncio.wait_for``
timeout) ends the subscription: the unsubscribe runs before the
CancelledError propagates, and no engine callback runs after it.
"""

from __future__ import annotations

import asyncio
import ctypes
import threading
from typing import Any, Dict, Optional

from . import _subscription_inbox as inbox_


class _LoopWaker:
    """The inbox's wake hook: resolves the consumer's future on its loop.
    Holds no reference to the AsyncSubscription (see _subscription_inbox)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, lock: threading.Lock) -> None:
        self.loop = loop
        self.lock = lock  # the inbox's: guards waiter and posted
        self.waiter: Optional[asyncio.Future] = None
        self.posted = False  # a _resolve is scheduled and has not yet run

    # Any thread, inbox lock held.
    def __call__(self) -> None:
        if self.waiter is None or self.posted:
            return
        # Set before posting: the loop may run _resolve before call_soon_threadsafe returns.
        self.posted = True
        try:
            self.loop.call_soon_threadsafe(self._resolve)
        except RuntimeError:  # the loop is closed: nobody waits any more
            self.posted = False

    # The loop's thread.
    def _resolve(self) -> None:
        with self.lock:
            self.posted = False
            waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


class AsyncSubscription(inbox_.Subscribed):
    """``async for frame in ing.subscribe_async("diag")`` (frames as dicts like the blocking
    iterator's). ``aclose()``/``close()``, leaving an ``async with`` block, or cancelling a
    waiting ``__anext__`` unsubscribes. The iteration ends when the ingestor closes
    (``end_status`` ERR_CLOSED); a subscription ended by its queue (policy ``"disconnect"``)
    raises that error."""

    def __init__(self, lib: ctypes.CDLL, handle, stream: str, from_step: Optional[int], queue_frames: int,
                 policy: str, max_buffered: int) -> None:
        inbox_.check_arguments(policy, max_buffered)
        self._loop = asyncio.get_running_loop()  # RuntimeError outside a coroutine: say so early
        # A plain lock: it is held only to move a frame, never across an await.
        lock = threading.Lock()
        self._waker = _LoopWaker(self._loop, lock)
        self._subscribe(lib, handle, stream, from_step, queue_frames, policy,
                        inbox_.Inbox(max_buffered, lock, self._waker))

    def __aiter__(self) -> "AsyncSubscription":
        return self

    async def __anext__(self) -> Dict[str, Any]:
        while True:
            with self._inbox.lock:
                frame = self._inbox.take()
                if frame is inbox_.END:
                    raise StopAsyncIteration
                if frame is not None:
                    return frame
                waiter = self._loop.create_future()
                self._waker.waiter = waiter
            try:
                await waiter
            except asyncio.CancelledError:
                self.close()
                raise

    async def aclose(self) -> None:
        self.close()

    async def __aenter__(self) -> "AsyncSubscription":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.close()

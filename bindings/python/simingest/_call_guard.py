"""The calls in progress on one Ingestor, and close()'s wait for them.

close() must not free the engine while another thread is inside a call on it,
and no call may start once close() has begun. The count of calls in progress
is the length of a list: `list.append` and `list.pop` are atomic in CPython
(each is one C call under the GIL; in a free-threaded build, under the list's
own lock), so entering and leaving need no lock of ours. That matters on the
small-frame path, where the two `with lock:` sections this replaces cost
~0.4 µs of a ~5 µs ingest() (issue 15 goal 3, docs/PERFORMANCE_ISSUE15.md).

What must stay true (a Dekker-style handshake):
- a call appends *before* it reads `closing`; close() sets `closing` *before*
  it reads the list. So either the call sees `closing` and backs out, or
  close() sees the call and waits for it — never neither.
- a call that leaves pops *before* it reads `closing`, and wakes close() under
  the Condition's lock, which close() holds from its check of the list to its
  wait(): a wake-up cannot fall between the two.
That ordering is sequentially consistent only when every step is a bytecode
run under the GIL; a free-threaded interpreter gives no such order between
two objects, so there `enter_unlocked()` is never used (`LOCK_FREE` is False)
and every call enters under the lock, as close() does.
"""

from __future__ import annotations

import sys
import threading
from typing import List

from ._errors import ClosedError, Status

# True under a GIL: the fast path may then enter without the lock (see above).
LOCK_FREE: bool = getattr(sys, "_is_gil_enabled", lambda: True)()


class CallGuard:
    """Counts calls in progress; close() waits for them and refuses new ones."""

    __slots__ = ("inflight", "closing", "_state")

    def __init__(self) -> None:
        # One entry per call in progress (the values mean nothing; the length does).
        self.inflight: List[None] = []
        self.closing = False
        self._state = threading.Condition(threading.Lock())

    def enter(self) -> None:
        """Counts a call in, or raises ClosedError once close() has begun."""
        with self._state:
            if self.closing:
                raise ClosedError(Status.ERR_CLOSED, "the ingestor is closed")
            self.inflight.append(None)

    def enter_unlocked(self) -> None:
        """enter() without the lock; only where LOCK_FREE. Ingestor.ingest() inlines it,
        with the append inside its try/finally: Python checks for signals as a call
        returns, so a KeyboardInterrupt raised there must still find leave() ahead."""
        self.inflight.append(None)
        if self.closing:
            self.leave()
            raise ClosedError(Status.ERR_CLOSED, "the ingestor is closed")

    def leave(self) -> None:
        """Counts a call out; the last one out after close() began wakes it."""
        self.inflight.pop()
        if self.closing:
            self.wake_closer()

    def wake_closer(self) -> None:
        with self._state:
            self._state.notify_all()

    def begin_close(self) -> bool:
        """Refuses new calls and waits for those in progress. False if close() had begun already."""
        with self._state:
            if self.closing:
                return False
            self.closing = True
            while self.inflight:
                self._state.wait()
        return True

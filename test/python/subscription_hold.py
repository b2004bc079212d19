"""DeliveryThreadHeld: for the subscription tests that need an engine queue
to fill up, which only happens while the ingestor's one delivery thread is
busy."""


class DeliveryThreadHeld:
    """Holds the ingestor's delivery thread: a blocking subscription made
    before the one under test, whose inbox lock is held inside the ``with``
    block, so the thread waits in that subscription's callback (it handles
    subscribers round robin, so the one under test gets at most one frame
    before the thread is held). A test hook through a private attribute:
    nothing public blocks that thread, by design."""

    def __init__(self, ing, stream):
        self.blocker = ing.subscribe(stream)

    def __enter__(self):
        self.blocker._cond.acquire()
        return self

    def __exit__(self, *exc):
        self.blocker._cond.release()
        self.blocker.close()

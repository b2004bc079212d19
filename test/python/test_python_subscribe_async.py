"""Ingestor.subscribe_async(): the realtime path's frames as an asyncio async
iterator. Frames ingested from another thread while the loop waits arrive in
order, bit for bit; a consumer that does not keep up keeps the newest frames
and counts every gap; cancelling a waiting task, breaking out of a loop or
leaving ``async with`` unsubscribes; closing twice is harmless; closing the
ingestor ends the iteration with end_status ERR_CLOSED. Synchronisation is by
awaiting frames and events, never by sleeping."""

import asyncio

import numpy as np
import pytest

from simingest_under_test import load  # noqa: E402
from subscription_hold import DeliveryThreadHeld  # noqa: E402

simingest = load()
Status = simingest.Status


def config(route="realtime"):
    return {
        "workers": 1,
        "streams": {
            "diag": {"columns": {"e": "float64", "v": "float32"}, "route": route,
                     **({"realtime": {"everySteps": 3}} if route == "both" else {})},
        },
    }


def values(step):
    return np.random.default_rng(step).standard_normal(4).astype(np.float32)


def ingest(ing, steps):
    for step in steps:
        ing.ingest("diag", step, step / 10, {"e": step * 0.5, "v": values(step)})


def subscribers(ing):
    return ing.stats()["realtime"]["subscriptions"]["subscribers"]


def test_frames_ingested_by_another_thread_arrive_in_order_bit_exact(tmp_path):
    async def main():
        with simingest.Ingestor(str(tmp_path / "ds"), config()) as ing:
            got = []
            async with ing.subscribe_async("diag", from_step=2) as frames:
                # The loop waits in __anext__ while a thread ingests: the wake-up path.
                producer = asyncio.ensure_future(asyncio.to_thread(ingest, ing, range(20)))
                async for frame in frames:
                    got.append(frame)
                    if len(got) == 18:
                        break
                await producer
            assert frames.end_status == Status.OK
            assert subscribers(ing) == 0
            return got

    got = asyncio.run(main())
    assert [f["step"] for f in got] == list(range(2, 20))
    for f in got:
        assert f["stream"] == "diag" and f["time"] == f["step"] / 10 and f["dropped_before"] == 0
        assert f["columns"]["e"] == f["step"] * 0.5
        assert f["columns"]["v"].dtype == np.float32
        assert f["columns"]["v"].tobytes() == values(f["step"]).tobytes()


def test_a_slow_consumer_keeps_the_newest_frames_and_counts_every_gap(tmp_path):
    async def main():
        ing = simingest.Ingestor(str(tmp_path / "ds"), config())
        frames = ing.subscribe_async("diag", max_buffered=3)
        ingest(ing, range(50))  # the loop is busy here: nothing is consumed meanwhile
        ing.close()  # delivers what the engine queued, then ends the iteration
        got = [frame async for frame in frames]
        assert frames.end_status == Status.ERR_CLOSED
        return got

    got = asyncio.run(main())
    assert [f["step"] for f in got] == [47, 48, 49]
    # Every frame is either received or counted in a gap, exactly once.
    assert len(got) + sum(f["dropped_before"] for f in got) == 50


def test_a_full_engine_queue_drops_oldest_and_counts_the_gap(tmp_path):
    async def main():
        ing = simingest.Ingestor(str(tmp_path / "ds"), config())
        frames = ing.subscribe_async("diag", queue_frames=2)
        with DeliveryThreadHeld(ing, "diag"):
            ingest(ing, range(40))
        ing.close()
        got = [frame async for frame in frames]
        assert frames.end_status == Status.ERR_CLOSED
        assert ing.closed
        return got

    got = asyncio.run(main())
    steps = [f["step"] for f in got]
    assert steps == sorted(steps) and steps[-1] == 39 and len(got) <= 3  # at most one before the hold
    assert len(got) + sum(f["dropped_before"] for f in got) == 40


def test_policy_disconnect_ends_with_backpressure_after_what_was_queued(tmp_path):
    async def main():
        with simingest.Ingestor(str(tmp_path / "ds"), config()) as ing:
            frames = ing.subscribe_async("diag", queue_frames=1, policy="disconnect")
            with DeliveryThreadHeld(ing, "diag"):
                ingest(ing, range(6))
            got = []
            with pytest.raises(simingest.BackpressureError):
                async for frame in frames:
                    got.append(frame["step"])
            assert frames.end_status == Status.ERR_BACKPRESSURE
            assert ing.stats()["realtime"]["subscriptions"]["disconnected"] == 1
            ingest(ing, [6])  # ingest goes on
            return got

    got = asyncio.run(main())
    assert got in ([0], [0, 1])  # frame 0 may be delivered before the hold, then one queued


def test_cancelling_a_waiting_task_unsubscribes(tmp_path):
    async def main():
        with simingest.Ingestor(str(tmp_path / "ds"), config()) as ing:
            frames = ing.subscribe_async("diag")
            first = asyncio.Event()
            got = []

            async def consume():
                async for frame in frames:
                    got.append(frame["step"])
                    first.set()  # then the task parks in __anext__: nothing more is queued

            task = asyncio.ensure_future(consume())
            await asyncio.to_thread(ingest, ing, [0])
            await first.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert frames.end_status == Status.OK
            assert subscribers(ing) == 0
            delivered = ing.stats()["realtime"]["subscriptions"]["delivered"]
            ingest(ing, [1, 2])  # nobody listens: ingest goes on, nothing is delivered
            assert ing.stats()["realtime"]["subscriptions"]["delivered"] == delivered
            # A closed subscription iterates no further.
            assert [f async for f in frames] == []
            return got

    assert asyncio.run(main()) == [0]


def test_breaking_out_of_a_loop_over_a_temporary_unsubscribes(tmp_path):
    async def main():
        with simingest.Ingestor(str(tmp_path / "ds"), config()) as ing:
            ingest_later = asyncio.ensure_future(asyncio.to_thread(ingest, ing, range(5)))
            async for frame in ing.subscribe_async("diag"):
                if frame["step"] == 1:
                    break
            # No reference is left, so the subscription is collected and unsubscribes at once.
            assert subscribers(ing) == 0
            await ingest_later

    asyncio.run(main())


def test_unsubscribing_twice_is_harmless(tmp_path):
    async def main():
        with simingest.Ingestor(str(tmp_path / "ds"), config()) as ing:
            frames = ing.subscribe_async("diag")
            assert subscribers(ing) == 1
            await frames.aclose()
            frames.close()  # documented: a second call does nothing
            assert subscribers(ing) == 0
            ingest(ing, [0])
            with pytest.raises(StopAsyncIteration):
                await frames.__anext__()

    asyncio.run(main())


def test_closing_the_ingestor_wakes_a_waiting_loop_and_ends_it(tmp_path):
    async def main():
        ing = simingest.Ingestor(str(tmp_path / "ds"), config("both"))
        frames = ing.subscribe_async("diag")
        started = asyncio.Event()

        async def consume():
            started.set()
            return [frame["step"] async for frame in frames]

        task = asyncio.ensure_future(consume())
        await started.wait()  # the consumer now waits in __anext__
        await asyncio.to_thread(ingest, ing, range(7))
        await asyncio.to_thread(ing.close)
        steps = await task
        assert frames.end_status == Status.ERR_CLOSED
        frames.close()  # after the end: harmless
        return steps

    assert asyncio.run(main()) == [0, 3, 6]


def test_bad_arguments_and_a_missing_loop_are_refused(tmp_path):
    with simingest.Ingestor(str(tmp_path / "ds"), config()) as ing:
        with pytest.raises(RuntimeError):
            ing.subscribe_async("diag")  # no running loop

        async def main():
            with pytest.raises(simingest.InvalidArgumentError, match="policy"):
                ing.subscribe_async("diag", policy="dropNewest")
            with pytest.raises(simingest.InvalidArgumentError, match="max_buffered"):
                ing.subscribe_async("diag", max_buffered=0)
            with pytest.raises(simingest.UnknownStreamError):
                ing.subscribe_async("nope")

        asyncio.run(main())
        assert subscribers(ing) == 0

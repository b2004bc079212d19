"""Ingestor.subscribe(): a blocking iterator over the realtime path's frames.
Values are compared bit for bit with what was ingested; a timeout ends a wait
with no frame; close ends the iteration; a batch stream is refused; a full
engine queue drops its oldest frames (counted) or, with policy "disconnect",
ends the iteration with BackpressureError."""

import numpy as np
import pytest

from simingest_under_test import load  # noqa: E402
from subscription_hold import DeliveryThreadHeld  # noqa: E402

simingest = load()


def config(route):
    return {
        "workers": 1,
        "streams": {
            "diag": {"columns": {"e": "float64", "v": "float32"}, "route": route,
                     **({"realtime": {"everySteps": 3}} if route == "both" else {})},
            "bulk": {"columns": {"x": "float32"}},
        },
    }


def values(step):
    return np.random.default_rng(step).standard_normal(4).astype(np.float32)


def test_frames_arrive_in_order_with_their_values(tmp_path):
    with simingest.Ingestor(str(tmp_path / "ds"), config("realtime")) as ing:
        with ing.subscribe("diag", from_step=2, timeout=30) as frames:
            for step in range(10):
                ing.ingest("diag", step, step / 10, {"e": step * 0.5, "v": values(step)})
            got = [next(frames) for _ in range(8)]
        assert [f["step"] for f in got] == list(range(2, 10))
        for f in got:
            assert f["stream"] == "diag" and f["time"] == f["step"] / 10 and f["dropped_before"] == 0
            assert f["columns"]["e"] == f["step"] * 0.5
            assert f["columns"]["v"].tobytes() == values(f["step"]).tobytes()
        assert ing.stats()["realtime"]["subscriptions"]["subscribers"] == 0


def test_a_wait_times_out_and_close_ends_the_iteration(tmp_path):
    ing = simingest.Ingestor(str(tmp_path / "ds"), config("both"))
    frames = ing.subscribe("diag", timeout=0.05)
    with pytest.raises(TimeoutError):
        next(frames)
    for step in range(7):
        ing.ingest("diag", step, float(step), {"e": 1.0, "v": values(step)})
    ing.close()
    assert [f["step"] for f in frames] == [0, 3, 6]
    frames.close()


def test_a_batch_stream_is_refused(tmp_path):
    with simingest.Ingestor(str(tmp_path / "ds"), config("realtime")) as ing:
        with pytest.raises(simingest.InvalidArgumentError, match='route is "batch"'):
            ing.subscribe("bulk")
        with pytest.raises(simingest.UnknownStreamError):
            ing.subscribe("nope")


def test_a_subscriber_that_never_reads_keeps_the_newest_frames_and_counts_the_gap(tmp_path):
    ing = simingest.Ingestor(str(tmp_path / "ds"), config("realtime"))
    frames = ing.subscribe("diag", max_buffered=2, timeout=30)
    for step in range(10):  # never waits for the reader
        ing.ingest("diag", step, float(step), {"e": 1.0, "v": values(step)})
    ing.close()  # delivers what the engine queued, then ends the iteration
    got = list(frames)
    frames.close()
    assert [f["step"] for f in got] == [8, 9]
    # Every frame is either received or counted in a gap.
    assert len(got) + sum(f["dropped_before"] for f in got) == 10



@pytest.mark.parametrize("max_buffered", [1, 3])
def test_a_kept_frame_counts_the_frames_dropped_just_before_it(tmp_path, max_buffered):
    ing = simingest.Ingestor(str(tmp_path / "ds"), config("realtime"))
    frames = ing.subscribe("diag", max_buffered=max_buffered, timeout=30)
    for step in range(10):
        ing.ingest("diag", step, float(step), {"e": 1.0, "v": values(step)})
    ing.close()  # the callback ran for every frame before close returned: nothing was read yet
    got = [(f["step"], f["dropped_before"]) for f in frames]
    kept = list(range(10 - max_buffered, 10))
    assert got == [(step, 10 - max_buffered if step == kept[0] else 0) for step in kept]

def test_unsubscribing_twice_is_harmless(tmp_path):
    with simingest.Ingestor(str(tmp_path / "ds"), config("realtime")) as ing:
        frames = ing.subscribe("diag", timeout=30)
        frames.close()
        frames.close()  # documented: a second call does nothing
        assert ing.stats()["realtime"]["subscriptions"]["subscribers"] == 0
        ing.ingest("diag", 0, 0.0, {"e": 1.0, "v": values(0)})


def test_a_full_engine_queue_drops_oldest_and_counts_the_gap(tmp_path):
    ing = simingest.Ingestor(str(tmp_path / "ds"), config("realtime"))
    frames = ing.subscribe("diag", queue_frames=2, timeout=30)
    with DeliveryThreadHeld(ing, "diag"):
        for step in range(40):
            ing.ingest("diag", step, float(step), {"e": 1.0, "v": values(step)})
    ing.close()
    got = list(frames)
    assert frames.end_status == simingest.Status.ERR_CLOSED
    steps = [f["step"] for f in got]
    assert steps == sorted(steps) and steps[-1] == 39 and len(got) <= 3  # at most one before the hold
    assert len(got) + sum(f["dropped_before"] for f in got) == 40


def test_policy_disconnect_raises_backpressure_after_what_was_queued(tmp_path):
    with simingest.Ingestor(str(tmp_path / "ds"), config("realtime")) as ing:
        frames = ing.subscribe("diag", queue_frames=1, policy="disconnect", timeout=30)
        with DeliveryThreadHeld(ing, "diag"):
            for step in range(6):
                ing.ingest("diag", step, float(step), {"e": 1.0, "v": values(step)})
        got = []
        with pytest.raises(simingest.BackpressureError):
            for frame in frames:
                got.append(frame["step"])
        assert got in ([0], [0, 1])  # frame 0 may be delivered before the hold, then one queued
        assert frames.end_status == simingest.Status.ERR_BACKPRESSURE
        assert ing.stats()["realtime"]["subscriptions"]["disconnected"] == 1

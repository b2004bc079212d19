"""The count of calls in progress that Ingestor.close() waits for (`_call_guard.CallGuard`):
close() waits for every call that got in, and no call gets in once close() has begun,
whether it enters under the lock or, as ingest()'s small-frame path does, without it."""

import threading

import numpy as np
import pytest

from simingest_under_test import load  # noqa: E402

simingest = load()

from simingest._call_guard import CallGuard  # noqa: E402

ds = pytest.importorskip("pyarrow.dataset")


def _close_in_thread(guard):
    result = []
    closer = threading.Thread(target=lambda: result.append(guard.begin_close()))
    closer.start()
    while not guard.closing:  # close() has begun: it set the flag under its lock
        pass
    return closer, result


@pytest.mark.parametrize("enter", ["enter", "enter_unlocked"])
def test_close_waits_for_a_call_in_progress_and_refuses_new_ones(enter):
    guard = CallGuard()
    getattr(guard, enter)()
    closer, result = _close_in_thread(guard)
    assert closer.is_alive(), "close() returned while a call was in progress"
    with pytest.raises(simingest.ClosedError, match="closed"):
        guard.enter()
    with pytest.raises(simingest.ClosedError, match="closed"):
        guard.enter_unlocked()  # backs out: it must not hold close() up
    assert closer.is_alive()
    guard.leave()
    closer.join()
    assert result == [True]
    assert guard.inflight == []
    assert guard.begin_close() is False  # a second close() does nothing


def test_close_with_no_call_in_progress_returns_at_once():
    guard = CallGuard()
    guard.enter_unlocked()
    guard.leave()
    assert guard.begin_close() is True
    with pytest.raises(simingest.ClosedError):
        guard.enter_unlocked()
    assert guard.inflight == []


def test_close_while_threads_ingest_small_frames_keeps_every_accepted_frame(tmp_path):
    # The small-frame path enters without a lock; four threads ingest eight scalars
    # per frame as fast as they can while the main thread closes. Every frame that
    # returned must be committed, every thread must end with ClosedError, nothing
    # else may be raised (a call racing into a freed engine would crash or fail).
    names = [f"c{i}" for i in range(8)]
    config = {"streams": {"s": {"columns": {n: "float64" for n in names}}}, "workers": 2}
    ing = simingest.Ingestor(tmp_path / "ds", config=config)
    threads, stride = 4, 10_000_000
    accepted = [0] * threads
    running = [threading.Event() for _ in range(threads)]
    outcomes = []

    def writer(w):
        try:
            while True:
                step = w * stride + accepted[w]
                ing.ingest("s", step, 0.5, {n: step + k / 8 for k, n in enumerate(names)})
                accepted[w] += 1
                if accepted[w] == 500:
                    running[w].set()
        except simingest.ClosedError:
            outcomes.append("closed")
        except Exception as error:  # noqa: BLE001 - reported below
            outcomes.append(repr(error))
        finally:
            running[w].set()

    pool = [threading.Thread(target=writer, args=(w,)) for w in range(threads)]
    for t in pool:
        t.start()
    for event in running:
        event.wait()
    ing.close()
    for t in pool:
        t.join()
    assert outcomes == ["closed"] * threads
    table = ds.dataset(tmp_path / "ds" / "s", partitioning="hive").to_table().sort_by("step")
    expected = np.sort(np.concatenate([w * stride + np.arange(n) for w, n in enumerate(accepted)]))
    step = table.column("step").to_numpy()
    np.testing.assert_array_equal(step, expected)
    for k, n in enumerate(names):
        np.testing.assert_array_equal(table.column(n).to_numpy(), step + k / 8, err_msg=n)


def test_a_keyboard_interrupt_as_the_fast_path_enters_leaves_no_call_counted(tmp_path):
    # Python raises KeyboardInterrupt when a call returns; if the small-frame path's
    # count of calls in progress were taken outside its try/finally, a Ctrl-C landing
    # just after it would leave one call counted for ever and close() would wait for
    # it for ever. The tracer raises it at the first instruction after that append.
    import dis
    import sys

    from simingest import _ingestor

    code = _ingestor.Ingestor.ingest.__code__
    instructions = list(dis.get_instructions(code))
    appends = [i for i, ins in enumerate(instructions) if ins.argval == "append"]
    assert len(appends) == 1, "expected one append (the count of calls in progress) in ingest()"
    call = next(i for i in range(appends[0], len(instructions))
                if instructions[i].opname in ("CALL", "CALL_METHOD"))  # 3.11+, older
    after = instructions[call + 1].offset  # the append has returned: where Python checks for signals

    def tracer(frame, event, arg):
        if frame.f_code is code:
            frame.f_trace_opcodes = True
            if event == "opcode" and frame.f_lasti == after:
                sys.settrace(None)
                frame.f_trace = None
                raise KeyboardInterrupt
        return tracer

    config = {"streams": {"s": {"columns": {"x": "float64", "y": "float64"}}}}
    ing = simingest.Ingestor(tmp_path / "ds", config=config)
    ing.ingest("s", 0, 0.0, {"x": 1.0, "y": 2.0})  # the plan exists: the next call takes the fast path
    sys.settrace(tracer)
    try:
        with pytest.raises(KeyboardInterrupt):
            ing.ingest("s", 1, 0.0, {"x": 1.0, "y": 2.0})
    finally:
        sys.settrace(None)
    assert ing._guard.inflight == []
    ing.close()  # returns: nothing is counted in
    assert ds.dataset(tmp_path / "ds" / "s", partitioning="hive").count_rows() == 1

"""The appender's host-side row buffer (ADR 0021, issue 15 goal 4): rows wait in Python
until a batch is full, flush(), close() or the ingestor's close, and none is lost or
torn on the way; a second thread is refused with BusyError, not let into the buffer."""

import sys
import threading

import numpy as np
import pytest

from simingest_under_test import load  # noqa: E402

simingest = load()

ds = pytest.importorskip("pyarrow.dataset")

NAMES = [f"q{j}" for j in range(8)]


def config(rows=65536):
    return {
        "streams": {
            "joints": {"columns": {n: "float64" for n in NAMES}, "appender": {"rows": rows, "intervalMs": 0}},
            "other": {"columns": {"a": "int16", "b": "float32"}},
            "timed": {"columns": {"x": "float64"}, "partition": {"time": 2.5}},
        },
        "workers": 2,
    }


def row_of(step):
    return [step * 1.5 + j / 7.0 for j in range(8)]


def read(path, stream):
    return ds.dataset(path / stream, format="parquet", partitioning="hive").to_table().sort_by("step")


def check_joints(table, steps):
    assert table["step"].to_pylist() == steps
    assert (table["time"].to_numpy().view(np.uint64) == np.asarray([s / 100 for s in steps]).view(np.uint64)).all()
    for j, name in enumerate(NAMES):
        expected = np.asarray([row_of(s)[j] for s in steps])
        assert (table[name].to_numpy().view(np.uint64) == expected.view(np.uint64)).all(), name


def test_the_ingestors_close_hands_the_rows_waiting_in_every_open_appender(tmp_path):
    # 2500 rows: two full batches went in, 452 wait host-side; 3 rows of another
    # stream wait too. Neither appender is flushed or closed before the ingestor.
    steps = list(range(2500))
    with simingest.Ingestor(tmp_path / "ds", **config()) as ing:
        joints = ing.appender("joints")
        other = ing.appender("other")
        for step in steps:
            joints.append(step, step / 100, *row_of(step))
        for step in range(3):
            other.append(step, 0.5, -step, step + 0.25)
        assert ing.stats()["streams"]["other"]["framesAccepted"] == 0  # still host-side
    check_joints(read(tmp_path / "ds", "joints"), steps)
    table = read(tmp_path / "ds", "other")
    assert table["a"].to_pylist() == [0, -1, -2]
    assert table["b"].to_pylist() == [0.25, 1.25, 2.25]
    with pytest.raises(simingest.ClosedError, match="the ingestor is closed"):
        joints.append(1, 0.5, *row_of(1))
    with pytest.raises(simingest.ClosedError, match="the ingestor is closed"):
        joints.flush()
    joints.close()  # the handle is freed; nothing else to do


def test_a_small_appender_rows_makes_batches_small_and_flush_hands_a_partial_one(tmp_path):
    with simingest.Ingestor(tmp_path / "ds", **config(rows=10)) as ing:
        app = ing.appender("joints")
        for step in range(25):
            app.append(step, step / 100, *row_of(step))
        # Host batches of 10 (the stream's appender.rows, not 1024): 20 rows reached
        # the engine, which handed the first 10 on when the 11th came.
        assert ing.stats()["streams"]["joints"]["framesAccepted"] == 10
        app.flush()
        assert ing.stats()["streams"]["joints"]["framesAccepted"] == 25
        check_joints(ing.query("joints").sort_by("step"), list(range(25)))
        app.close()


def test_a_bad_row_is_refused_at_its_own_call_and_the_waiting_rows_before_it_are_kept(tmp_path):
    with simingest.Ingestor(tmp_path / "ds", **config()) as ing:
        app = ing.appender("joints")
        for step in range(5):
            app.append(step, step / 100, *row_of(step))
        with pytest.raises(simingest.InvalidArgumentError, match="time must be finite"):
            app.append(5, float("nan"), *row_of(5))
        with pytest.raises(simingest.InvalidArgumentError, match=r"a row has 8 values \(q0, .*q7\) but 7 were given"):
            app.append(5, 0.05, *row_of(5)[:7])
        with pytest.raises(simingest.InvalidArgumentError, match=r"a row has 8 values \(q0, .*q7\) but 9 were given"):
            app.append(5, 0.05, *row_of(5), 9.0)
        with pytest.raises(simingest.InvalidArgumentError, match=r"but 0 were given"):
            app.append(5, 0.05)
        with pytest.raises(simingest.InvalidArgumentError, match="step must be an int64, not 5.5"):
            app.append(5.5, 0.05, *row_of(5))
        with pytest.raises(simingest.InvalidArgumentError, match="time must be a number, not '0.05'"):
            app.append(5, "0.05", *row_of(5))
        with pytest.raises(simingest.DtypeMismatchError, match='column "q2": expected float64 but received str'):
            app.append(5, 0.05, 1.0, 2.0, "3", 4.0, 5.0, 6.0, 7.0, 8.0)
        app.append(5, 0.05, *row_of(5))
    check_joints(read(tmp_path / "ds", "joints"), list(range(6)))


def test_a_second_thread_is_refused_while_the_first_ones_rows_wait(tmp_path):
    with simingest.Ingestor(tmp_path / "ds", **config()) as ing:
        app = ing.appender("joints")
        app.append(0, 0.0, *row_of(0))  # this thread's row waits host-side
        seen = []

        def other():
            for call in (lambda: app.append(1, 0.01, *row_of(1)), app.flush, app.close):
                try:
                    call()
                    seen.append("ok")
                except simingest.BusyError as e:
                    seen.append(str(e))

        worker = threading.Thread(target=other)
        worker.start()
        worker.join()
        assert len(seen) == 3 and all("in use by another thread" in s for s in seen), seen
        app.flush()  # the buffer is free again: another thread may take over
        worker = threading.Thread(target=lambda: (app.append(1, 0.01, *row_of(1)), app.flush()))
        worker.start()
        worker.join()
        app.append(2, 0.02, *row_of(2))
        app.flush()
        # A thread that finished with rows waiting leaves them to the next caller.
        worker = threading.Thread(target=lambda: app.append(3, 0.03, *row_of(3)))
        worker.start()
        worker.join()
        app.append(4, 0.04, *row_of(4))
        app.close()
    check_joints(read(tmp_path / "ds", "joints"), [0, 1, 2, 3, 4])


def test_two_threads_appending_at_once_lose_no_accepted_row_and_tear_none(tmp_path):
    # Frequent GIL switches put the two threads inside append() at once; every
    # row either raises BusyError or is stored whole with its own step.
    accepted = [[], []]
    busy = [0, 0]
    start = threading.Barrier(2)

    def run(k, app):
        start.wait()
        for i in range(20000):
            step = k * 1_000_000 + i
            try:
                app.append(step, step / 100, *row_of(step))
                accepted[k].append(step)
            except simingest.BusyError:
                busy[k] += 1

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with simingest.Ingestor(tmp_path / "ds", **config()) as ing:
            app = ing.appender("joints")
            threads = [threading.Thread(target=run, args=(k, app)) for k in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            app.close()
    finally:
        sys.setswitchinterval(interval)
    assert sum(busy) > 0  # they did collide
    assert len(accepted[0]) + len(accepted[1]) + sum(busy) == 40000
    check_joints(read(tmp_path / "ds", "joints"), sorted(accepted[0] + accepted[1]))


def test_a_row_the_engine_refuses_at_a_later_hand_off_is_named_by_its_step_and_the_rest_kept(tmp_path):
    # A time past the last time partition is the engine's check alone: the row waits
    # host-side like any other, and the hand-off at flush() finds it.
    with simingest.Ingestor(tmp_path / "ds", **config()) as ing:
        app = ing.appender("timed")
        for step, time in [(0, 0.0), (1, 1.0), (2, 1e300), (3, 3.0), (4, 4.0)]:
            app.append(step, time, step * 0.5)
        with pytest.raises(simingest.InvalidArgumentError) as refused:
            app.flush()
        assert str(refused.value).startswith('appender: the row at step 2: stream "timed": time 1')
        assert "e+300 is beyond the last partition" in str(refused.value)
        # The rows before it are in the engine's buffer (the flush stopped at the error).
        assert ing.stats()["streams"]["timed"]["framesAccepted"] == 0
        app.flush()  # the rows after it waited and go now
        assert ing.stats()["streams"]["timed"]["framesAccepted"] == 4
        app.close()
    table = read(tmp_path / "ds", "timed")
    assert table["step"].to_pylist() == [0, 1, 3, 4]
    assert table["x"].to_pylist() == [0.0, 0.5, 1.5, 2.0]


def test_a_dropped_appender_hands_its_rows_at_once(tmp_path):
    # No reference cycle keeps it alive until the cyclic GC: dropping the last
    # reference closes it, handing its waiting rows.
    import gc

    gc.disable()
    try:
        with simingest.Ingestor(tmp_path / "ds", **config()) as ing:
            app = ing.appender("joints")
            app.append(0, 0.0, *row_of(0))
            del app
            assert ing.stats()["streams"]["joints"]["framesAccepted"] == 1
    finally:
        gc.enable()
    check_joints(read(tmp_path / "ds", "joints"), [0])

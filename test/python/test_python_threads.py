"""Python threads and the ingestor: the GIL is released inside the engine, many
threads can feed one ingestor, and closing (twice, from __del__, while other
threads are ingesting) never crashes."""

import gc
import threading
import time

import numpy as np
import pytest

from simingest_under_test import REPO, load  # noqa: E402

simingest = load()

ds = pytest.importorskip("pyarrow.dataset")


def test_gil_is_released_while_the_engine_works(tmp_path):
    # A flush of incompressible data at zstd level 19 on one worker keeps the
    # calling thread inside C for a long while. A Python thread that notes
    # every pause of its own loop longer than 1 ms can only keep running
    # meanwhile if the call released the GIL; held, the flush would show up as
    # one pause as long as the call (checked with ctypes.PyDLL, which holds it).
    config = {"streams": {"s": {"columns": {"x": "float64"}}}, "workers": 1,
              "memoryLimit": 256 << 20, "compression": {"codec": "zstd", "level": 19}}
    rng = np.random.default_rng(7)
    pauses = []
    stop = threading.Event()

    def spin():
        now = time.perf_counter
        last = now()
        while not stop.is_set():
            t = now()
            if t - last > 0.001:
                pauses.append((last, t))
            last = t

    with simingest.Ingestor(tmp_path / "ds", config=config) as ing:
        for step in range(8):
            ing.ingest("s", step, 0.0, {"x": rng.random(1 << 19)})  # 4 MiB each
        spinner = threading.Thread(target=spin)
        spinner.start()
        try:
            time.sleep(0.05)
            t0 = time.perf_counter()
            ing.flush()
            t1 = time.perf_counter()
        finally:
            stop.set()
            spinner.join()
    elapsed = t1 - t0
    assert elapsed > 0.1, f"flush took only {elapsed:.3f}s: too short to tell"
    longest = max((min(b, t1) - max(a, t0) for a, b in pauses), default=0.0)
    assert longest < elapsed / 2, f"the other thread stood still {longest:.3f}s of a {elapsed:.3f}s flush"


def test_threads_ingest_into_one_ingestor_and_every_frame_arrives(tmp_path):
    threads, frames_each, n = 6, 40, 1000
    config = {"streams": {"s": {"columns": {"writer": "int32", "x": "float64"}, "partition": {"steps": 50}}},
              "workers": 2, "memoryLimit": 8 << 20}
    errors = []
    with simingest.Ingestor(tmp_path / "ds", config=config) as ing:
        barrier = threading.Barrier(threads)

        def writer(w):
            try:
                barrier.wait()
                for k in range(frames_each):
                    step = w * frames_each + k
                    x = np.arange(n, dtype=np.float64) + step * n
                    ing.ingest("s", step, step * 0.1, {"writer": w, "x": x})
                    if k % 10 == 0:
                        ing.stats()
                ing.flush()
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

        pool = [threading.Thread(target=writer, args=(w,)) for w in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        stats = ing.stats()
    assert errors == []
    total = threads * frames_each
    assert stats["framesAccepted"] == stats["framesCommitted"] == total
    assert stats["rowsCommitted"] == total * n
    table = ds.dataset(tmp_path / "ds" / "s", partitioning="hive").to_table().sort_by("step")
    steps = table.column("step").to_numpy()
    np.testing.assert_array_equal(steps, np.repeat(np.arange(total), n))
    np.testing.assert_array_equal(table.column("x").to_numpy(), np.arange(total * n, dtype=np.float64))
    np.testing.assert_array_equal(table.column("writer").to_numpy(), (steps // frames_each).astype(np.int32))


def test_close_twice_is_safe_and_use_after_close_raises(tmp_path):
    ing = simingest.Ingestor(tmp_path / "ds", streams={"s": {"columns": {"x": "int8"}}})
    ing.ingest("s", 0, 0.0, {"x": 1})
    ing.close()
    ing.close()
    assert ing.closed
    for call in (lambda: ing.ingest("s", 1, 0.0, {"x": 1}), ing.flush, ing.stats,
                 lambda: ing.try_ingest("s", 1, 0.0, {"x": 1})):
        with pytest.raises(simingest.ClosedError) as info:
            call()
        assert info.value.status == simingest.Status.ERR_CLOSED
        assert str(info.value) == "the ingestor is closed"
    with ing:  # the context manager on a closed ingestor closes nothing more
        pass


def test_del_closes_and_releases_the_dataset(tmp_path):
    ing = simingest.Ingestor(tmp_path / "ds", streams={"s": {"columns": {"x": "int8"}}})
    ing.ingest("s", 0, 0.0, {"x": 5})
    del ing
    gc.collect()
    # The lock is free and the frame was committed by the closing flush.
    with simingest.Ingestor(tmp_path / "ds", streams={"s": {"columns": {"x": "int8"}}}) as again:
        again.ingest("s", 1, 0.0, {"x": 6})
    table = ds.dataset(tmp_path / "ds" / "s", partitioning="hive").to_table().sort_by("step")
    assert table.column("x").to_pylist() == [5, 6]


def test_close_while_threads_ingest_waits_for_them_then_they_get_closed_error(tmp_path):
    config = {"streams": {"s": {"columns": {"x": "float64"}}}, "workers": 2}
    ing = simingest.Ingestor(tmp_path / "ds", config=config)
    accepted = [0] * 4
    outcomes = []

    def writer(w):
        x = np.ones(10_000)
        try:
            while True:
                ing.ingest("s", w, 0.0, {"x": x})
                accepted[w] += 1
        except simingest.ClosedError:
            outcomes.append("closed")
        except Exception as error:  # noqa: BLE001
            outcomes.append(repr(error))

    pool = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in pool:
        t.start()
    time.sleep(0.2)
    ing.close()
    for t in pool:
        t.join(timeout=30)
    assert outcomes == ["closed"] * 4
    # Every frame accepted before close was committed by its final flush.
    rows = ds.dataset(tmp_path / "ds" / "s", partitioning="hive").count_rows()
    assert rows == sum(accepted) * 10_000


def test_try_ingest_returns_false_when_the_block_budget_is_full(tmp_path):
    config = {"streams": {"s": {"columns": {"x": "float64"}}}, "memoryLimit": 4 << 20, "workers": 1,
              "compression": {"codec": "zstd", "level": 19}}
    x = np.random.default_rng(3).random(40_000)
    with simingest.Ingestor(tmp_path / "ds", config=config) as ing:
        results = [ing.try_ingest("s", step, 0.0, {"x": x}) for step in range(200)]
        assert results[0] is True
        assert False in results, "the budget never filled"
        accepted = sum(results)
        ing.flush()
        assert ing.stats()["framesCommitted"] == accepted

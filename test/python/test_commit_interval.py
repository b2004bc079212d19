"""commitIntervalMs: a slow writer's frames reach readers without a flush.

Frames are ingested far apart (each only after the previous one is visible);
each must appear in the manifest one interval after it was accepted, and
pyarrow, reading the file the manifest lists, must return its values bit for
bit. The test waits on the manifest with a deadline; it never sleeps in
place of looking.
"""

import json
import time

import numpy as np
import pytest

from simingest_under_test import load

simingest = load()
pq = pytest.importorskip("pyarrow.parquet")

INTERVAL_MS = 150
PATIENCE_S = 20.0  # sanitizer builds on a shared machine; the bound proven is the lower one


def manifest_files(path):
    try:
        text = (path / "_simingest" / "manifest.json").read_text()
    except FileNotFoundError:
        return []
    return json.loads(text)["files"]


def wait_for(condition):
    give_up = time.monotonic() + PATIENCE_S
    while not condition():
        assert time.monotonic() < give_up, "not committed without a flush"
        time.sleep(0.005)


def values(step):
    rng = np.random.default_rng(step)
    v = rng.integers(0, 2**64 - 1, 100, dtype=np.uint64, endpoint=True).view(np.float64).copy()
    v[:3] = [np.nan, -0.0, np.inf]
    return v, rng.integers(-(2**31), 2**31 - 1, 100, dtype=np.int32)


def test_slow_writer_is_visible_to_pyarrow_one_interval_after_each_frame(tmp_path):
    path = tmp_path / "ds"
    config = {"streams": {"diag": {"columns": {"e": "float64", "n": "int32"}}},
              "workers": 2, "commit_interval_ms": INTERVAL_MS}
    with simingest.Ingestor(path, config=config) as ing:
        for step in range(3):
            e, n = values(step)
            accepted = time.monotonic()
            ing.ingest("diag", step=step, time=step * 10.0, columns={"e": e, "n": n})
            wait_for(lambda: len(manifest_files(path)) == step + 1)
            assert time.monotonic() - accepted >= INTERVAL_MS / 1000
            # The manifest is the commit point; the counters follow it.
            wait_for(lambda: ing.stats()["streams"]["diag"]["framesCommitted"] == step + 1)
            entry = manifest_files(path)[-1]
            assert (entry["stepMin"], entry["stepMax"], entry["frames"]) == (step, step, 1)
            table = pq.read_table(path / entry["path"])
            assert table.column("step").to_pylist() == [step] * 100
            assert table.column("time").to_pylist() == [step * 10.0] * 100
            stored = table.column("e").to_numpy()
            assert np.array_equal(stored.view(np.uint64), e.view(np.uint64))
            assert np.array_equal(table.column("n").to_numpy(), n)
            assert ing.checkpoint() == {"diag": step}
    assert len(manifest_files(path)) == 3


def test_stream_override_accepts_snake_case_and_zero_means_flush_only(tmp_path):
    path = tmp_path / "ds"
    config = {"streams": {"fast": {"columns": {"e": "float64"}},
                          "held": {"columns": {"e": "float64"}, "commit_interval_ms": 0}},
              "workers": 2, "commitIntervalMs": INTERVAL_MS}
    with simingest.Ingestor(path, config=config) as ing:
        e, _ = values(7)
        ing.ingest("held", 0, 0.0, {"e": e})
        ing.ingest("fast", 0, 0.0, {"e": e})
        wait_for(lambda: len(manifest_files(path)) == 1)
        assert manifest_files(path)[0]["stream"] == "fast"
        ing.flush()
        assert sorted(f["stream"] for f in manifest_files(path)) == ["fast", "held"]


def test_out_of_range_interval_is_a_config_error_naming_the_key(tmp_path):
    with pytest.raises(simingest.ConfigError, match=r"streams\.s\.commitIntervalMs: expected an integer from 0"):
        simingest.Ingestor(tmp_path / "ds", config={"streams": {"s": {"columns": {"e": "float64"},
                                                                        "commit_interval_ms": -5}}})

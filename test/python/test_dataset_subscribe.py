"""open_dataset(path).subscribe(stream): following the realtime log that a
writer in ANOTHER process appends to. Every frame arrives exactly once, in
order, bit for bit as ingested, across the writer's segments; after the writer
is killed with SIGKILL the subscription has delivered exactly the records
fastavro (a reader simingest did not write) reads from the log, and the torn
tail is waited for, not an error; a damaged block raises CorruptDatasetError
naming the file; a batch stream is refused. The first test runs once more with
SIMINGEST_TAIL_POLL_MS set (the polling fallback; that it then polls is proved
by the C++ test's watch mode, which Python cannot see)."""

import json
import os
import pathlib
import signal
import subprocess
import sys

import fastavro
import numpy as np
import pytest

from simingest_under_test import REPO, load  # noqa: E402

simingest = load()

CONFIG = {
    "workers": 1,
    "streams": {
        "diag": {"columns": {"e": "float64", "v": "float32", "n": "int16"}, "route": "realtime",
                 "realtime": {"syncEveryMs": 5, "compact": False}},
        "bulk": {"columns": {"x": "float32"}},
    },
}

# The writer: ingests steps [first, first + count) ("forever" if count < 0),
# reopening the ingestor every `segment` frames, printing each step once
# ingest() returned.
WRITER = r"""
import json, sys
import numpy as np
import simingest
path, first, count, segment = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
config = json.loads(sys.argv[5])
def values(step):
    rng = np.random.default_rng(step)
    return {"e": rng.standard_normal(), "v": rng.standard_normal(5).astype(np.float32),
            "n": rng.integers(-32768, 32767, 5).astype(np.int16)}
ing = simingest.Ingestor(path, config)
step = first
while count < 0 or step < first + count:
    if step > first and (step - first) % segment == 0:
        ing.close()
        ing = simingest.Ingestor(path, config)
    ing.ingest("diag", step, step / 8, values(step))
    print(step, flush=True)
    step += 1
ing.close()
"""


def values(step):
    rng = np.random.default_rng(step)
    return {"e": rng.standard_normal(), "v": rng.standard_normal(5).astype(np.float32),
            "n": rng.integers(-32768, 32767, 5).astype(np.int16)}


def writer(path, first, count, segment):
    env = dict(os.environ, PYTHONPATH=str(REPO / "bindings" / "python"))
    return subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(first), str(count), str(segment),
                             json.dumps(CONFIG)], env=env, stdout=subprocess.PIPE, text=True)


def expect_frame(frame, step):
    want = values(step)
    assert frame["step"] == step and frame["stream"] == "diag" and frame["dropped_before"] == 0
    assert np.float64(frame["time"]).tobytes() == np.float64(step / 8).tobytes()
    assert np.float64(frame["columns"]["e"]).tobytes() == np.float64(want["e"]).tobytes()
    assert frame["columns"]["v"].dtype == np.float32 and frame["columns"]["v"].tobytes() == want["v"].tobytes()
    assert frame["columns"]["n"].dtype == np.int16 and frame["columns"]["n"].tobytes() == want["n"].tobytes()


def create(path):
    simingest.Ingestor(str(path), CONFIG).close()  # a manifest and the stream's log directory


@pytest.mark.parametrize("watch", ["inotify", "poll"])
def test_a_writer_in_another_process_every_frame_once_bit_exact(tmp_path, monkeypatch, watch):
    if watch == "poll":
        monkeypatch.setenv("SIMINGEST_TAIL_POLL_MS", "3")  # read by the library at subscribe
    path = tmp_path / "ds"
    create(path)
    with simingest.open_dataset(path) as ds, ds.subscribe("diag", from_step=0, timeout=60) as frames:
        child = writer(path, 0, 300, 120)  # segments of 120, 120 and 60 frames
        got = [next(frames) for _ in range(300)]
        assert child.wait(60) == 0
    for step, frame in enumerate(got):
        expect_frame(frame, step)


def log_records(path):
    records = []
    for file in sorted((pathlib.Path(path) / "_realtime" / "diag").glob("log-*.avro")):
        with open(file, "rb") as fo:
            try:
                for record in fastavro.reader(fo):
                    records.append(record)
            except Exception:  # noqa: BLE001 - a last block cut short by the kill: what came before counts
                pass
    return records


def test_after_kill_9_it_has_delivered_what_fastavro_reads_and_waits_at_the_torn_tail(tmp_path):
    path = tmp_path / "ds"
    create(path)
    with simingest.open_dataset(path) as ds, ds.subscribe("diag", from_step=0, timeout=60) as frames:
        child = writer(path, 0, -1, 1_000_000)
        for _ in range(200):  # 200 ingest() calls returned
            child.stdout.readline()
        child.send_signal(signal.SIGKILL)
        child.wait(60)
        child.stdout.close()
        records = log_records(path)
        assert len(records) >= 1
        got = [next(frames) for _ in range(len(records))]
        for record, frame in zip(records, got):
            assert frame["step"] == record["step"]
            expect_frame(frame, record["step"])
        assert [f["step"] for f in got] == list(range(len(records)))
        # The next writer recovers the torn tail, starts a new segment, and the tail follows on.
        next_child = writer(path, 10_000, 5, 100)
        assert [next(frames)["step"] for _ in range(5)] == list(range(10_000, 10_005))
        assert next_child.wait(60) == 0
        next_child.stdout.close()


def test_a_damaged_block_raises_corrupt_naming_the_file_and_a_batch_stream_is_refused(tmp_path):
    path = tmp_path / "ds"
    child = writer(path, 0, 3, 100)
    assert child.wait(60) == 0
    child.stdout.close()
    log = sorted((path / "_realtime" / "diag").glob("log-*.avro"))[-1]
    data = bytearray(log.read_bytes())
    data[-5] ^= 0x40  # inside the last block's sync marker
    log.write_bytes(bytes(data))
    with simingest.open_dataset(path) as ds:
        with pytest.raises(simingest.InvalidArgumentError, match='"bulk" has no realtime log'):
            ds.subscribe("bulk")
        with pytest.raises(simingest.UnknownStreamError):
            ds.subscribe("nope")
        with ds.subscribe("diag", from_step=0, timeout=60) as frames:
            with pytest.raises(simingest.CorruptDatasetError, match=str(log)):
                for _ in frames:
                    pass

"""Salvage on recovery, read back by pyarrow (docs/RELIABILITY.md): frames a
writer wrote but never flushed before it was killed survive if the file's
row-group journal recorded them. The writer is SIGKILLed once its journal
shows the unflushed row groups; reopening the dataset gives the file in
progress a footer and commits it, reports it, and pyarrow then reads every
frame, values exact."""
import json
import os
import signal
import struct
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from simingest_under_test import REPO, load  # noqa: E402

simingest = load()
ds = pytest.importorskip("pyarrow.dataset")

# 4096 rows of 16 bytes: every frame fills a row group of its own.
CONFIG = {
    "streams": {"fields": {"columns": {"u": "float64", "k": "int64"}, "grid": [64, 64]}},
    "rowGroupBytes": 65536,
    "workers": 1,
}
FLUSHED = 3    # steps 0..2 are flushed
UNFLUSHED = 4  # steps 3..6 are written but never flushed


def field(step):
    idx = np.arange(64 * 64, dtype=np.int64)
    return np.cos(idx * 0.003 + step) * (step + 2), idx * 7919 - step


WRITER = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {bindings!r})
    sys.path.insert(0, {tests!r})
    import simingest
    from test_journal_salvage import CONFIG, FLUSHED, UNFLUSHED, field
    ing = simingest.Ingestor(sys.argv[1], config=CONFIG)
    for step in range(FLUSHED + UNFLUSHED):
        u, k = field(step)
        ing.ingest("fields", step=step, time=step * 0.5, columns={{"u": u, "k": k}})
        if step == FLUSHED - 1:
            ing.flush()
    print("written", flush=True)
    time.sleep(600)  # until killed
    """
)


def journal_records(path):
    """Row-group records in a journal (docs/ON_DISK.md): the 8-byte magic,
    then records framed as u32 length, u32 CRC-32C, payload; the first is the
    header. Counts whole records only."""
    data = path.read_bytes()
    pos, records = 8, 0
    while pos + 8 <= len(data):
        (length,) = struct.unpack_from("<I", data, pos)
        if pos + 8 + length > len(data):
            break
        pos += 8 + length
        records += 1
    return max(records - 1, 0)


def wait_for_journal(path, records, writer):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert writer.poll() is None, "the writer died on its own"
        journals = list((path / "fields" / "part=0").glob(".*.inprogress.journal"))
        if journals and journal_records(journals[0]) == records:
            return journals[0]
        time.sleep(0.01)
    pytest.fail(f"the journal never recorded {records} row groups")


@pytest.fixture
def killed_with_unflushed_frames(tmp_path):
    path = tmp_path / "run"
    script = tmp_path / "writer.py"
    script.write_text(WRITER.format(bindings=str(REPO / "bindings" / "python"),
                                    tests=str(REPO / "test" / "python")))
    env = dict(os.environ)
    env.setdefault("SIMINGEST_LIBRARY", str(simingest.library_path()))
    writer = subprocess.Popen([sys.executable, str(script), str(path)], stdout=subprocess.PIPE,
                              env=env, text=True)
    try:
        assert writer.stdout.readline().strip() == "written"
        wait_for_journal(path, UNFLUSHED, writer)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    return path


def test_unflushed_row_groups_recorded_by_the_journal_are_salvaged_exactly(killed_with_unflushed_frames):
    path = killed_with_unflushed_frames
    manifest = json.loads((path / "_simingest" / "manifest.json").read_text())
    assert sum(f["frames"] for f in manifest["files"]) == FLUSHED  # only the flush was committed

    with simingest.Ingestor(path, config=CONFIG) as ing:
        recovery = ing.stats()["recovery"]
    assert len(recovery["salvaged"]) == 1, recovery
    salvaged = recovery["salvaged"][0]
    assert salvaged["rowGroups"] == UNFLUSHED and salvaged["frames"] == UNFLUSHED
    assert salvaged["rows"] == UNFLUSHED * 64 * 64

    assert not [p for p in path.rglob("*") if p.name.endswith((".inprogress", ".journal"))]
    manifest = json.loads((path / "_simingest" / "manifest.json").read_text())
    assert salvaged["path"] in {f["path"] for f in manifest["files"]}
    table = ds.dataset(str(path / "fields"), format="parquet", partitioning="hive").to_table()
    steps = table.column("step").to_numpy()
    assert sorted(np.unique(steps).tolist()) == list(range(FLUSHED + UNFLUSHED))
    for step in range(FLUSHED + UNFLUSHED):
        rows = table.filter(ds.field("step") == step)
        assert rows.num_rows == 64 * 64, f"step {step}"
        u, k = field(step)
        assert np.array_equal(rows.column("u").to_numpy().view(np.uint64), u.view(np.uint64))
        assert np.array_equal(rows.column("k").to_numpy(), k)
        assert np.all(rows.column("time").to_numpy() == step * 0.5)


def test_queries_read_a_salvaged_file_without_page_index_whole_and_exactly(killed_with_unflushed_frames):
    """A salvaged file has neither an OffsetIndex nor a manifest time index:
    the query falls back to whole row groups, decoding step and time, and
    gives the same values as the committed files that have both."""
    pq = pytest.importorskip("pyarrow.parquet")
    path = killed_with_unflushed_frames
    with simingest.Ingestor(path, config=CONFIG) as ing:
        salvaged = ing.stats()["recovery"]["salvaged"][0]["path"]
    entries = {f["path"]: f for f in json.loads((path / "_simingest" / "manifest.json").read_text())["files"]}
    metadata = pq.ParquetFile(str(path / salvaged)).metadata
    assert not metadata.row_group(0).column(2).has_offset_index
    assert "rowGroupIndex" not in entries[salvaged]
    others = [p for p in entries if p != salvaged]
    assert others and pq.ParquetFile(str(path / others[0])).metadata.row_group(0).column(2).has_offset_index

    with simingest.open_dataset(str(path)) as dataset:
        for steps in [(1, 1), (4, 4), (2, 5)]:
            table = dataset.query("fields", steps=steps, columns=["u", "k"])
            expected_steps = list(range(steps[0], steps[1] + 1))
            assert table.num_rows == len(expected_steps) * 64 * 64
            for i, step in enumerate(expected_steps):
                rows = slice(i * 64 * 64, (i + 1) * 64 * 64)
                u, k = field(step)
                assert np.array_equal(table.column("u").to_numpy()[rows].view(np.uint64), u.view(np.uint64))
                assert np.array_equal(table.column("k").to_numpy()[rows], k)
                assert np.all(table.column("step").to_numpy()[rows] == step)
                assert np.all(table.column("time").to_numpy()[rows] == step * 0.5)

"""A real full disk (issue 6, test 3, Python host): the dataset lives on a
small tmpfs that the ingestor fills. The host must get NoSpaceError, every
frame whose flush() returned must stay readable and exact (pyarrow), later
calls must be refused with the same typed error (not hang, not crash),
close() must report it, and nothing may leak: the process's file descriptors
and threads return to what they were, and the tmpfs unmounts (a descriptor
left open would keep it busy).

Mounting needs root (CAP_SYS_ADMIN): elsewhere the test skips, saying why.
The frames and the verifier are shared with the C and TypeScript hosts'
tests: test/enospc/no_space_data.py."""
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from simingest_under_test import REPO, load  # noqa: E402

simingest = load()
pytest.importorskip("pyarrow")

sys.path.insert(0, str(REPO / "test" / "enospc"))
import no_space_data as data  # noqa: E402

MAX_STEPS = 20000  # far more frames than either tmpfs holds


@pytest.fixture
def small_tmpfs(request):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CAP_SYS_ADMIN); not root here")
    mountpoint = tempfile.mkdtemp(prefix="simingest-enospc-")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={request.param},mode=0700", "tmpfs", mountpoint],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        os.rmdir(mountpoint)
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip() or mounted.returncode}")
    try:
        yield mountpoint
    finally:
        busy = subprocess.run(["umount", mountpoint], capture_output=True, text=True)
        if busy.returncode != 0:
            subprocess.run(["umount", "-l", mountpoint], capture_output=True)
        os.rmdir(mountpoint)
        if busy.returncode != 0:
            pytest.fail(f"the tmpfs was still in use after close() (a leaked descriptor?): {busy.stderr.strip()}")


def fds():
    return len(os.listdir("/proc/self/fd"))


def threads():
    return len(os.listdir("/proc/self/task"))


# (tmpfs size, rows per frame, flush every n frames): large frames fill the
# disk while a data file is written; one-row-group files flushed one by one
# make the manifest grow until its rewrite is what finds the disk full.
CASES = {"data_file": ("1m", data.ROWS, 3), "manifest": ("256k", 16, 1)}


@pytest.mark.parametrize("small_tmpfs,rows,flush_every", list(CASES.values()), ids=list(CASES),
                         indirect=["small_tmpfs"])
def test_a_full_disk_is_a_typed_error_and_committed_frames_survive(small_tmpfs, rows, flush_every):
    dataset = os.path.join(small_tmpfs, "run")
    fds_before, threads_before = fds(), threads()
    ing = simingest.Ingestor(dataset, config=data.CONFIG)
    committed = -1  # the last step whose flush() returned
    failure = None
    for step in range(MAX_STEPS):
        try:
            ing.ingest(data.STREAM, step=step, time=float(step), columns=data.frame(step, rows))
            if step % flush_every == flush_every - 1:
                ing.flush()
                committed = step
        except simingest.SimingestError as error:
            failure = error
            break
    assert failure is not None, f"{MAX_STEPS} frames fitted on the tmpfs"
    assert isinstance(failure, simingest.NoSpaceError), repr(failure)
    assert failure.status == simingest.Status.ERR_NO_SPACE
    assert committed >= 0, "the disk was full before the first flush: nothing tested"

    # From now on the ingestor refuses work, with the same typed error.
    for step in range(MAX_STEPS, MAX_STEPS + 5):
        with pytest.raises(simingest.NoSpaceError):
            ing.ingest(data.STREAM, step=step, time=float(step), columns=data.frame(step, rows))
    with pytest.raises(simingest.NoSpaceError):
        ing.flush()
    with pytest.raises(simingest.NoSpaceError):
        ing.close()
    assert ing.closed
    with pytest.raises(simingest.ClosedError):
        ing.flush()

    assert fds() == fds_before, "file descriptors leaked"
    assert threads() == threads_before, "engine threads left running"
    assert data.verify(dataset, committed, rows) == []


# Issue 13, "Bad input and faults": the disk fills during a group commit of the
# realtime log. With ack-after-fsync an ingest() that returned is a frame on
# disk: after the error (typed, sticky) and the space coming back, the next
# open cuts the half-written block and fastavro reads exactly the frames whose
# ingest() returned.
@pytest.mark.parametrize("small_tmpfs", ["256k"], indirect=True)
def test_a_full_disk_in_a_group_commit_keeps_every_acknowledged_realtime_frame(small_tmpfs):
    fastavro = pytest.importorskip("fastavro")
    dataset = os.path.join(small_tmpfs, "run")
    config = {"workers": 1, "durability": "ack-after-fsync",
              "streams": {"diag": {"columns": {"e": "float64", "v": "float32"}, "route": "realtime",
                                   "realtime": {"compact": False}}}}
    filler = os.path.join(small_tmpfs, "filler")
    with open(filler, "wb") as f:  # space to give back once the disk is full
        f.write(b"\0" * 65536)
    values = [float(i) for i in range(64)]
    ing = simingest.Ingestor(dataset, config=config)
    acknowledged = -1
    failure = None
    for step in range(MAX_STEPS):
        try:
            ing.ingest("diag", step=step, time=step * 0.5,
                       columns={"e": step / 7.0, "v": np.asarray(values, dtype=np.float32) + step})
            acknowledged = step
        except simingest.SimingestError as error:
            failure = error
            break
    assert isinstance(failure, simingest.NoSpaceError), repr(failure)
    assert "_realtime/diag/log-" in str(failure)
    assert acknowledged >= 0, "the disk was full before the first frame: nothing tested"
    with pytest.raises(simingest.NoSpaceError):  # sticky
        ing.ingest("diag", step=MAX_STEPS, time=0.0, columns={"e": 0.0, "v": np.zeros(64, dtype=np.float32)})
    with pytest.raises(simingest.NoSpaceError):
        ing.close()

    os.remove(filler)
    with simingest.Ingestor(dataset, config=config) as reopened:  # recovery cuts the torn block
        truncated = reopened.stats()["realtime"]["truncated"]
    # A block the full disk cut short (none when the write found no room at all).
    assert len(truncated) <= 1 and all(t["path"].startswith("_realtime/diag/log-") for t in truncated)
    records = []
    for path in sorted((Path(dataset) / "_realtime" / "diag").glob("log-*.avro")):
        with open(path, "rb") as fo:
            records += list(fastavro.reader(fo))
    assert [r["step"] for r in records] == list(range(acknowledged + 1))
    for r in records:
        step = r["step"]
        assert r["time"] == step * 0.5 and r["e"] == step / 7.0
        assert np.array_equal(np.asarray(r["v"], dtype=np.float32), np.asarray(values, dtype=np.float32) + step)

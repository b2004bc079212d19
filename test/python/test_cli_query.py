"""`simingest query/head/tail` run as a subprocess; their output parsed by
Python's csv and json modules, pyarrow's IPC reader and numpy's .npy reader,
and compared bit for bit with what pyarrow reads from the committed files."""

import csv
import io
import json
import os
import shutil
import signal
import subprocess

import numpy as np
import pytest

from simingest_under_test import REPO, load

simingest = load()
pa = pytest.importorskip("pyarrow")
pads = pytest.importorskip("pyarrow.dataset")

BIN = REPO / "bin" / "simingest.js"
NODE = shutil.which("node")
if NODE is None or not (REPO / "dist" / "cli_query.js").is_file() or not (REPO / "build" / "Release" / "simingest.node").is_file():
    pytest.skip("the Node package is not built (npm run compile)", allow_module_level=True)

GRID = (2, 3)
CELLS = 6
STREAMS = {
    "fields": {"columns": {"u": "float32", "k": "int64"}, "grid": list(GRID), "partition": {"steps": 4}},
    "diag": {"columns": {"e": "float64"}},
}


def frame(step):
    rng = np.random.default_rng(step)
    u = rng.integers(0, 2**32 - 1, CELLS, dtype=np.uint32, endpoint=True).view(np.float32)
    u[0] = -0.0
    u[1] = np.float32(0.1)
    return {"u": u, "k": np.arange(CELLS, dtype=np.int64) - 2**60 + step}


def diag(step):
    return {"e": np.random.default_rng(100 + step).integers(0, 2**64 - 1, 1, dtype=np.uint64, endpoint=True).view(np.float64)}


def ingest(ingestor, steps):
    for step in steps:
        ingestor.ingest("fields", step=step, time=step * 0.5, columns=frame(step))
        ingestor.ingest("diag", step=step, time=step * 0.5, columns=diag(step))
    ingestor.flush()


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("cli") / "ds")
    with simingest.Ingestor(path, streams=STREAMS, workers=1) as ingestor:
        ingest(ingestor, range(10))
    return path


def cli(*args):
    done = subprocess.run([NODE, str(BIN), *args], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


def reference(path, stream, steps=None):
    table = pads.dataset(f"{path}/{stream}", format="parquet", partitioning="hive").to_table()
    table = table.take(pa.compute.sort_indices(table, [("step", "ascending")]))
    if steps is not None:
        s = table["step"].to_numpy()
        table = table.filter(pa.array((s >= steps[0]) & (s <= steps[1])))
    return {name: table[name].to_numpy() for name in table.column_names if name != "part"}


def bits(array):
    array = np.ascontiguousarray(array)
    return array.view(f"u{array.dtype.itemsize}")


def test_csv_parses_back_bit_for_bit(dataset):
    rows = list(csv.reader(io.StringIO(cli("query", dataset, "fields", "--steps", "2:7", "--format", "csv").decode())))
    assert rows[0] == ["step", "time", "u", "k"]
    want = reference(dataset, "fields", (2, 7))
    body = rows[1:]
    assert len(body) == 6 * CELLS
    np.testing.assert_array_equal([int(r[0]) for r in body], want["step"])
    np.testing.assert_array_equal(bits(np.array([float(r[1]) for r in body])), bits(want["time"]))
    np.testing.assert_array_equal(bits(np.array([float(r[2]) for r in body], dtype=np.float32)), bits(want["u"]))
    np.testing.assert_array_equal(np.array([int(r[3]) for r in body], dtype=np.int64), want["k"])
    assert "0.1" in [r[2] for r in body]  # float32 written as its shortest decimal


def test_json_lines_parse_back_bit_for_bit(dataset):
    lines = cli("query", dataset, "diag", "--format", "json", "--every", "3").decode().splitlines()
    records = [json.loads(line) for line in lines]
    want = reference(dataset, "diag")
    keep = want["step"] % 3 == 0
    assert [r["step"] for r in records] == list(want["step"][keep])
    energy = np.array([float(r["e"]) for r in records])  # NaN/Infinity arrive as strings
    np.testing.assert_array_equal(bits(energy), bits(want["e"][keep]))


def test_arrow_output_is_read_by_pyarrow(dataset, tmp_path):
    out = tmp_path / "q.arrows"
    cli("query", dataset, "fields", "--columns", "k", "--time", "1:3", "--format", "arrow", "--out", str(out))
    table = pa.ipc.open_stream(out.read_bytes()).read_all()
    assert table.column_names == ["step", "time", "k"]
    want = reference(dataset, "fields", (2, 6))
    np.testing.assert_array_equal(table["k"].to_numpy(), want["k"])
    piped = pa.ipc.open_stream(cli("query", dataset, "diag", "--format", "arrow")).read_all()
    np.testing.assert_array_equal(bits(piped["e"].to_numpy()), bits(reference(dataset, "diag")["e"]))


def test_npy_output_has_the_grid_shape(dataset, tmp_path):
    out = tmp_path / "npy"
    cli("query", dataset, "fields", "--steps", "1:4", "--format", "npy", "--out", str(out))
    assert sorted(os.listdir(out)) == ["k.npy", "step.npy", "time.npy", "u.npy"]
    u = np.load(out / "u.npy")
    assert u.shape == (4, *GRID) and u.dtype == np.float32
    np.testing.assert_array_equal(bits(u.reshape(-1)), bits(reference(dataset, "fields", (1, 4))["u"]))
    np.testing.assert_array_equal(np.load(out / "step.npy"), [1, 2, 3, 4])
    flat = tmp_path / "flat"
    cli("query", dataset, "diag", "--format", "npy", "--out", str(flat))
    np.testing.assert_array_equal(bits(np.load(flat / "e.npy")), bits(reference(dataset, "diag")["e"]))


def test_head_and_tail_print_the_first_and_last_frames(dataset):
    head = list(csv.reader(io.StringIO(cli("head", dataset, "fields", "-n", "2", "--format", "csv").decode())))
    assert [int(r[0]) for r in head[1:]] == [0] * CELLS + [1] * CELLS
    tail = list(csv.reader(io.StringIO(cli("tail", dataset, "diag", "-n", "3", "--format", "csv").decode())))
    assert [int(r[0]) for r in tail[1:]] == [7, 8, 9]
    table = cli("tail", dataset, "diag", "-n", "1").decode().splitlines()
    assert table[0].split() == ["step", "time", "e"] and table[1].split()[:2] == ["9", "4.5"]


def test_errors_are_typed_and_exit_1(dataset, tmp_path):
    done = subprocess.run([NODE, str(BIN), "query", dataset, "nope"], capture_output=True, timeout=60)
    assert done.returncode == 1 and b"(ERR_UNKNOWN_STREAM)" in done.stderr
    done = subprocess.run([NODE, str(BIN), "query", dataset, "fields", "--steps", "5:1"], capture_output=True, timeout=60)
    assert done.returncode == 1 and b"(ERR_INVALID_ARGUMENT)" in done.stderr
    done = subprocess.run([NODE, str(BIN), "query", str(tmp_path), "fields"], capture_output=True, timeout=60)
    assert done.returncode == 1 and b"(ERR_IO)" in done.stderr


def test_tail_follow_prints_newly_committed_frames_and_exits_on_ctrl_c(tmp_path):
    path = str(tmp_path / "live")
    with simingest.Ingestor(path, streams=STREAMS, workers=1) as ingestor:
        ingest(ingestor, range(3))
        follower = subprocess.Popen(
            [NODE, str(BIN), "tail", path, "diag", "-n", "2", "--follow", "--interval", "50", "--format", "csv"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        try:
            seen = [follower.stdout.readline().decode().strip() for _ in range(3)]  # header, steps 1 and 2
            assert [line.split(",")[0] for line in seen] == ["step", "1", "2"]
            ingest(ingestor, range(3, 5))  # committed: the next poll prints them
            fresh = [follower.stdout.readline().decode().split(",")[0] for _ in range(2)]
            assert fresh == ["3", "4"]
            follower.send_signal(signal.SIGINT)
            assert follower.wait(timeout=30) == 0, follower.stderr.read().decode()
        finally:
            if follower.poll() is None:
                follower.kill()
                follower.wait()

"""Crash safety, end to end: a writer process is killed with SIGKILL while it
ingests; readers must then see exactly the frames that were flushed before the
kill (every value exact, nothing partial), and reopening the dataset recovers
and appends."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from simingest_under_test import REPO, load  # noqa: E402

simingest = load()
ds = pytest.importorskip("pyarrow.dataset")
duckdb = pytest.importorskip("duckdb")

CONFIG = {
    "streams": {"fields": {"columns": {"u": "float64", "k": "int64"}, "grid": [64, 64],
                           "partition": {"steps": 10}}},
    "rowGroupBytes": 65536,
    "workers": 2,
}
FLUSHED = 25  # steps 0..24 are flushed before the writer announces it


def field(step):
    idx = np.arange(64 * 64, dtype=np.int64)
    return np.sin(idx * 0.001 + step) * (step + 1), idx * 1000 + step


WRITER = textwrap.dedent(
    """
    import json, sys, time
    import numpy as np
    sys.path.insert(0, {bindings!r})
    sys.path.insert(0, {tests!r})
    import simingest
    from test_crash_recovery import CONFIG, FLUSHED, field
    ing = simingest.Ingestor(sys.argv[1], config=CONFIG)
    for step in range(FLUSHED):
        u, k = field(step)
        ing.ingest("fields", step=step, time=step * 0.5, columns={{"u": u, "k": k}})
    ing.flush()
    print("flushed", flush=True)
    step = FLUSHED
    while True:  # keep the engine busy until the test kills this process
        u, k = field(step)
        ing.ingest("fields", step=step, time=step * 0.5, columns={{"u": u, "k": k}})
        step += 1
        time.sleep(0.001)
    """
)


@pytest.fixture
def crashed_dataset(tmp_path):
    path = tmp_path / "run"
    script = tmp_path / "writer.py"
    script.write_text(WRITER.format(bindings=str(REPO / "bindings" / "python"),
                                    tests=str(REPO / "test" / "python")))
    env = dict(os.environ)
    if "SIMINGEST_LIBRARY" not in env:
        env["SIMINGEST_LIBRARY"] = str(simingest.library_path())
    writer = subprocess.Popen([sys.executable, str(script), str(path)], stdout=subprocess.PIPE,
                              env=env, text=True)
    try:
        assert writer.stdout.readline().strip() == "flushed"
        time.sleep(0.3)  # let it ingest (and maybe commit) more frames
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    return path


def committed_steps(path):
    manifest = json.loads((path / "_simingest" / "manifest.json").read_text())
    return manifest


def read_steps(path):
    table = ds.dataset(str(path / "fields"), format="parquet", partitioning="hive").to_table()
    return table


def test_readers_see_the_flushed_frames_exactly_after_a_kill(crashed_dataset):
    table = read_steps(crashed_dataset)
    steps = np.unique(table.column("step").to_numpy())
    # Every flushed step is there; anything later is whole frames only.
    assert set(range(FLUSHED)) <= set(steps.tolist())
    assert steps.tolist() == list(range(len(steps)))
    for step in steps:
        rows = table.filter(ds.field("step") == int(step))
        assert rows.num_rows == 64 * 64, f"step {step} is partial"
        u, k = field(int(step))
        assert np.array_equal(rows.column("u").to_numpy().view(np.uint64), u.view(np.uint64))
        assert np.array_equal(rows.column("k").to_numpy(), k)


def test_only_manifest_files_are_visible_and_duckdb_agrees(crashed_dataset):
    manifest = committed_steps(crashed_dataset)
    listed = {f["path"] for f in manifest["files"]}
    visible = {str(p.relative_to(crashed_dataset)) for p in (crashed_dataset / "fields").rglob("*.parquet")}
    assert visible <= listed  # a listed file may still await its rename: reopen finishes it
    rows = sum(f["rows"] for f in manifest["files"] if f["path"] in visible)
    glob = str(crashed_dataset / "fields" / "**" / "*.parquet")
    assert duckdb.sql(f"SELECT count(*) FROM read_parquet('{glob}')").fetchone()[0] == rows


def test_reopening_recovers_then_appends(crashed_dataset):
    before = read_steps(crashed_dataset).num_rows
    with simingest.Ingestor(crashed_dataset, config=CONFIG) as ing:
        u, k = field(1000)
        ing.ingest("fields", step=1000, time=500.0, columns={"u": u, "k": k})
    leftovers = [p for p in crashed_dataset.rglob("*") if p.name.endswith(".inprogress")]
    assert leftovers == []
    manifest = committed_steps(crashed_dataset)
    visible = {str(p.relative_to(crashed_dataset)) for p in (crashed_dataset / "fields").rglob("*.parquet")}
    assert visible == {f["path"] for f in manifest["files"]}
    table = read_steps(crashed_dataset)
    assert table.num_rows >= before + 64 * 64
    assert 1000 in set(table.column("step").to_numpy().tolist())

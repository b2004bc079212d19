"""Restart from step (issue 6): a run ingests steps 0..99 with flushes, stops (closed, or
killed with SIGKILL), and a re-run reopens the dataset with resume_from_step=60 and
ingests 61..99 with other values. Readers we did not write (pyarrow, DuckDB, polars)
must then see every step exactly once, 0..60 from the first run and 61..99 from the
second, bit for bit; the report lists what was set aside; checkpoint() says the last
durable step before and after."""
import os
import pathlib
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from simingest_under_test import REPO, load  # noqa: E402

simingest = load()
ds = pytest.importorskip("pyarrow.dataset")
duckdb = pytest.importorskip("duckdb")
pl = pytest.importorskip("polars")

ROWS = 256
RESUME = 60
CONFIG = {
    "streams": {
        "fields": {"columns": {"u": "float64", "k": "int32", "c": "float32"}, "grid": [16, 16],
                   "partition": {"steps": 25}},
        "diag": {"columns": {"energy": "float64", "n": "uint16"}},
    },
    "rowGroupBytes": 16384,  # several row groups per file: some copied, one cut
    "workers": 2,
}


def fields_frame(run, step):
    i = np.arange(ROWS, dtype=np.int64)
    u = np.sin(i * 0.01 + step) * (run + 1) + run * 1e-9 * i
    k = (i * 7 + step * 1000 + run * 1_000_000).astype(np.int32)
    return {"u": u, "k": k, "c": float(run * 100 + step) / 3.0}  # c: a scalar (float32 column)


def diag_frame(run, step):
    return {"energy": 1.0 / (step + 1) + run, "n": np.uint16((run * 1000 + step) % 65536)}


def ingest(ing, run, step):
    ing.ingest("fields", step=step, time=step * 0.5, columns=fields_frame(run, step))
    ing.ingest("diag", step=step, time=step * 0.5, columns=diag_frame(run, step))


def write_first_run(path):
    with simingest.Ingestor(path, config=CONFIG) as ing:
        assert ing.checkpoint() == {"fields": None, "diag": None}
        for step in range(100):
            ingest(ing, 0, step)
            if step % 10 == 9:
                ing.flush()
                assert ing.checkpoint() == {"fields": step, "diag": step}


KILLED_WRITER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {bindings!r})
    sys.path.insert(0, {tests!r})
    import simingest
    from test_resume import CONFIG, ingest
    ing = simingest.Ingestor(sys.argv[1], config=CONFIG)
    for step in range(100):
        ingest(ing, 0, step)
        if step % 10 == 9:
            ing.flush()
    print("flushed", flush=True)
    step = 100
    while True:  # more frames, never flushed, until the test kills this process
        ingest(ing, 0, step)
        step += 1
    """
)


def write_first_run_and_die(path):
    script = KILLED_WRITER.format(bindings=str(REPO / "bindings" / "python"),
                                  tests=str(pathlib.Path(__file__).resolve().parent))
    writer = subprocess.Popen([sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "flushed"
        os.kill(writer.pid, signal.SIGKILL)
    finally:
        writer.wait(timeout=60)
    assert writer.returncode == -signal.SIGKILL


def expected_fields(steps_runs):
    """Rows of `fields` for (step, run) pairs, in step order, as the engine stores them."""
    u, k, c, step, time = [], [], [], [], []
    for s, run in steps_runs:
        f = fields_frame(run, s)
        u.append(f["u"])
        k.append(f["k"])
        c.append(np.full(ROWS, f["c"], dtype=np.float32))
        step.append(np.full(ROWS, s, dtype=np.int64))
        time.append(np.full(ROWS, s * 0.5))
    return {"step": np.concatenate(step), "time": np.concatenate(time), "u": np.concatenate(u),
            "k": np.concatenate(k), "c": np.concatenate(c)}


def bits(array):
    array = np.ascontiguousarray(array)
    return array.view(np.uint8)


def arrow_of(relation):
    return relation.to_arrow_table() if hasattr(relation, "to_arrow_table") else relation.fetch_arrow_table()


def check_readers(path):
    """pyarrow, DuckDB and polars all see 0..60 of run 0 and 61..99 of run 1, once each."""
    wanted = [(s, 0 if s <= RESUME else 1) for s in range(100)]
    expected = expected_fields(wanted)
    tables = {
        "pyarrow": ds.dataset(path / "fields", format="parquet", partitioning="hive").to_table(),
        "duckdb": arrow_of(duckdb.sql(
            f"SELECT * FROM read_parquet('{path}/fields/**/*.parquet', hive_partitioning = true)")),
        "polars": pl.read_parquet(f"{path}/fields/**/*.parquet", hive_partitioning=True).to_arrow(),
    }
    for reader, table in tables.items():
        # Sort by (step, row within frame): rows of a frame are stored in order.
        steps = table.column("step").to_numpy()
        order = np.argsort(steps, kind="stable")
        assert table.num_rows == 100 * ROWS, reader
        counts = np.bincount(steps, minlength=100)
        assert (counts == ROWS).all(), (reader, np.nonzero(counts != ROWS))
        for name in ("step", "time", "u", "k", "c"):
            got = table.column(name).to_numpy()[order]
            assert got.dtype == expected[name].dtype, (reader, name, got.dtype)
            assert bits(got).tobytes() == bits(expected[name]).tobytes(), (reader, name)

    diag = ds.dataset(path / "diag", format="parquet").to_table().sort_by("step")
    assert diag.column("step").to_pylist() == list(range(100))
    energy = np.array([diag_frame(0 if s <= RESUME else 1, s)["energy"] for s in range(100)])
    assert bits(diag.column("energy").to_numpy()).tobytes() == bits(energy).tobytes()
    n = np.array([diag_frame(0 if s <= RESUME else 1, s)["n"] for s in range(100)], dtype=np.uint16)
    assert (diag.column("n").to_numpy() == n).all()


@pytest.mark.parametrize("first_run_ends", ["close", "kill -9"])
def test_resume_from_step_replaces_the_frames_after_it(tmp_path, first_run_ends):
    path = tmp_path / "run"
    if first_run_ends == "close":
        write_first_run(path)
    else:
        write_first_run_and_die(path)

    ing = simingest.Ingestor(path, config=CONFIG, resume_from_step=RESUME)
    try:
        assert ing.checkpoint() == {"fields": RESUME, "diag": RESUME}
        recovery = ing.stats()["recovery"]
        assert recovery["resumedFromStep"] == RESUME
        retired = recovery["retired"]
        assert retired, recovery
        for entry in retired:
            assert entry["stepMin"] > RESUME
            assert (path / entry["movedTo"]).is_file()  # set aside, not deleted
            assert entry["movedTo"].startswith("_simingest/retired/")
            assert not (path / entry["path"]).exists()
        cut = [e for e in retired if e["keptAs"] is not None]
        assert len(cut) == 2  # the files holding 60 (fields: 60..69, diag: 60..69)
        assert all(e["framesKept"] == 1 and e["framesRetired"] == 9 for e in cut)
        assert {e["stream"] for e in retired} == {"fields", "diag"}

        # The re-run restarts a little before its checkpoint: those frames are skipped.
        for step in range(58, 100):
            ingest(ing, 1, step)
        ing.flush()
        stats = ing.stats()
        for stream in ("fields", "diag"):
            s = stats["streams"][stream]
            assert s["framesSkippedDuplicate"] == 3  # steps 58, 59, 60
            assert s["framesCommitted"] == 39
            assert s["framesAccepted"] == s["framesCommitted"] + s["framesDropped"] + \
                s["framesSkippedDuplicate"] + s["framesInFlight"]
        assert ing.checkpoint() == {"fields": 99, "diag": 99}
    finally:
        ing.close()

    check_readers(path)
    # Everything of the first run is still somewhere: visible, or under _simingest/retired.
    aside = [p for p in (path / "_simingest" / "retired").rglob("*.parquet")]
    aside_steps = set()
    for p in aside:
        aside_steps.update(ds.dataset(p, format="parquet").to_table(columns=["step"]).column("step").to_pylist())
    assert set(range(RESUME + 1, 100)) <= aside_steps


def test_resume_from_step_keyword_and_camel_case_are_the_same_key(tmp_path):
    path = tmp_path / "run"
    write_first_run(path)
    with simingest.Ingestor(path, config={**CONFIG, "resumeFromStep": 89}) as ing:
        assert ing.checkpoint()["fields"] == 89
    with simingest.Ingestor(path, config=CONFIG, resume_from_step=79) as ing:
        assert ing.checkpoint() == {"fields": 79, "diag": 79}
    with simingest.Ingestor(path, config=CONFIG) as ing:  # no resume: nothing changes
        assert ing.checkpoint() == {"fields": 79, "diag": 79}
        assert ing.stats()["recovery"]["retired"] == []
    with pytest.raises(simingest.ConfigError):
        simingest.Ingestor(path, config=CONFIG, resume_from_step="60")

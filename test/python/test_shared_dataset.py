"""A shared dataset written by 4 writer processes at once (multiprocessing, as
MPI ranks would), read back bit for bit by pyarrow, DuckDB and
simingest.open_dataset(...).query(...) (docs/adr/0020-shared-datasets.md).

Every frame holds random float64 bit patterns (NaN payloads, -0.0,
infinities) that depend on (writer, step, row) only, so the expected table is
computed here, not read back from anything simingest wrote.
"""

import multiprocessing
import pathlib

import numpy as np
import pytest

from simingest_under_test import load

simingest = load()

pa = pytest.importorskip("pyarrow")
pads = pytest.importorskip("pyarrow.dataset")
duckdb = pytest.importorskip("duckdb")

WRITERS = 4
STEPS = 60
ROWS = 5
STREAMS = {"table": {"columns": {"u": "float64", "rank": "int32"}}}


def frame(rank, step):
    rng = np.random.default_rng(rank * 100_000 + step)
    u = rng.integers(0, 2**64 - 1, ROWS, dtype=np.uint64, endpoint=True).view(np.float64)
    if step == 0:
        u[0] = -0.0
    return {"u": u, "rank": np.full(ROWS, rank, dtype=np.int32)}


def time_of(step):
    return step * 0.25


def write_rank(path, rank):
    with simingest.Ingestor(path, streams=STREAMS, workers=1, writer=(rank, WRITERS)) as ingestor:
        for step in range(STEPS):
            ingestor.ingest("table", step=step, time=time_of(step), columns=frame(rank, step))
            if step % 10 == 9:
                ingestor.flush()  # commits of the four processes interleave


def expected_table():
    ranks, steps, times, us = [], [], [], []
    for rank in range(WRITERS):
        for step in range(STEPS):
            f = frame(rank, step)
            ranks.append(f["rank"])
            us.append(f["u"])
            steps.append(np.full(ROWS, step, dtype=np.int64))
            times.append(np.full(ROWS, time_of(step), dtype=np.float64))
    return {
        "rank": np.concatenate(ranks),
        "step": np.concatenate(steps),
        "time": np.concatenate(times),
        "u": np.concatenate(us),
    }


def in_order(columns):
    """The columns sorted by (rank, step, u bits): one order for every reader."""
    u_bits = np.asarray(columns["u"]).view(np.uint64)
    order = np.lexsort((u_bits, np.asarray(columns["step"]), np.asarray(columns["rank"])))
    return {name: np.asarray(values)[order] for name, values in columns.items()}


def assert_bit_exact(got, want):
    got, want = in_order(got), in_order(want)
    for name in ("rank", "step", "time", "u"):
        g, w = np.ascontiguousarray(got[name]), np.ascontiguousarray(want[name])
        assert g.dtype == w.dtype, name
        np.testing.assert_array_equal(g.view(f"u{g.dtype.itemsize}"), w.view(f"u{w.dtype.itemsize}"), err_msg=name)


@pytest.fixture(scope="module")
def shared_path(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("shared") / "ds")
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=write_rank, args=(path, rank)) for rank in range(WRITERS)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=300)
        assert process.exitcode == 0
    return path


def test_pyarrow_reads_every_writers_frames_exactly_once(shared_path):
    dataset = pads.dataset(shared_path, format="parquet", partitioning="hive")
    table = dataset.to_table()
    assert table.num_rows == WRITERS * STEPS * ROWS
    # The hive `writer` partition column agrees with the rank each frame holds.
    np.testing.assert_array_equal(table["writer"].to_numpy(), table["rank"].to_numpy())
    assert_bit_exact({name: table[name].to_numpy() for name in ("rank", "step", "time", "u")}, expected_table())


def test_duckdb_reads_every_writers_frames_exactly_once(shared_path):
    glob = f"{shared_path}/writer=*/table/*/*.parquet"
    con = duckdb.connect()
    rows = con.execute(f"SELECT count(*), count(DISTINCT writer) FROM read_parquet('{glob}', hive_partitioning=true)").fetchone()
    assert rows == (WRITERS * STEPS * ROWS, WRITERS)
    columns = con.execute(f"SELECT rank, step, time, u FROM read_parquet('{glob}')").fetchnumpy()
    assert_bit_exact({name: np.asarray(columns[name]) for name in ("rank", "step", "time", "u")}, expected_table())


def test_open_dataset_queries_the_union_of_the_writers(shared_path):
    with simingest.open_dataset(shared_path) as ds:
        assert ds.streams() == ["table"]
        result = ds.query("table")
        assert result.num_rows == WRITERS * STEPS * ROWS
        assert_bit_exact({name: result[name].to_numpy() for name in ("rank", "step", "time", "u")}, expected_table())
        some = ds.query("table", steps=(10, 19), columns=["rank"])
        assert some.num_rows == WRITERS * 10 * ROWS
        assert sorted(set(some["rank"].to_numpy().tolist())) == list(range(WRITERS))


def test_inspect_reports_each_writer_and_the_job_checkpoint(shared_path):
    report = simingest.inspect_dataset(shared_path)
    writers = report["writers"]
    assert writers["count"] == WRITERS and writers["present"] == WRITERS
    assert [w["id"] for w in writers["writers"]] == list(range(WRITERS))
    assert all(w["lastDurableSteps"]["table"] == STEPS - 1 for w in writers["writers"])
    assert writers["jobDurableSteps"]["table"] == STEPS - 1
    assert all(pathlib.PurePosixPath(f["path"]).parts[0].startswith("writer=") for f in report["fileList"])


def test_a_second_process_claiming_a_taken_writer_id_is_locked(tmp_path):
    path = str(tmp_path / "ds")
    with simingest.Ingestor(path, streams=STREAMS, workers=1, writer={"id": 1, "count": 2}):
        context = multiprocessing.get_context("spawn")
        with context.Pool(1) as pool:
            status = pool.apply(_open_status, (path, (1, 2)))
            other = pool.apply(_open_status, (path, (0, 2)))
            changed = pool.apply(_open_status, (path, (0, 3)))
    assert status == "ERR_DATASET_LOCKED"
    assert other == "OK"
    assert changed == "ERR_CONFIG"


def _open_status(path, writer):
    try:
        with simingest.Ingestor(path, streams=STREAMS, workers=1, writer=writer):
            return "OK"
    except simingest.SimingestError as error:
        return error.status.name

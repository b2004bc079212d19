"""The realtime log read by fastavro, a reader simingest did not write.

Frames routed to the realtime path (`route: "realtime"` / `"both"`) land in
Avro object container files under `<dataset>/_realtime/<stream>/`. Here
fastavro reads them: after close, while the ingestor is still appending
(every block written so far is complete and readable), after kill -9 and
after recovery cut a torn last block. Values are generated with numpy and
compared bit for bit. pyarrow's and DuckDB's discovery of the dataset's
Parquet files must not see the log.
"""

import io
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
fastavro = pytest.importorskip("fastavro")

STEPS = 30


def frame(step):
    """The columns of one frame: three rows of arrays of every Avro type, and one scalar."""
    rng = np.random.default_rng(step)
    f32 = rng.standard_normal(3).astype(np.float32)
    f32[0] = np.float32(-0.0) if step % 2 else np.float32(np.nan)
    return {
        "f32": f32,
        "f64": np.float64(step) / 7.0,  # a scalar
        "i32": rng.integers(-(2**31), 2**31, 3, dtype=np.int32),
        "i64": np.array([np.iinfo(np.int64).min, step, np.iinfo(np.int64).max], dtype=np.int64),
        "u16": np.array([65535, step, 0], dtype=np.uint16),
    }


COLUMNS = {"f32": "float32", "f64": "float64", "i32": "int32", "i64": "int64", "u16": "uint16"}


def config(route="realtime", codec="null", **top):
    stream = {"columns": COLUMNS, "route": route, "realtime": {"codec": codec}}
    if route == "realtime":
        stream["realtime"]["compact"] = False  # these tests read the log itself (test_compaction.py: compaction)
    if route == "both":
        stream["realtime"]["every_steps"] = 3  # snake_case, as keyword settings are spelled in Python
    return dict({"workers": 1, "streams": {"diag": stream}}, **top)


def use_zstandard_codec():
    """fastavro decodes zstandard blocks with backports.zstd (or Python 3.14's compression.zstd).
    Where neither is installed, the block's zstd frame is handed to the `zstandard` package (Debian's
    python3-zstandard) through fastavro's documented BLOCK_READERS hook: fastavro still reads the
    container and the records, zstd the block."""
    try:
        from backports import zstd  # noqa: F401
        return
    except ImportError:
        pass
    zstandard = pytest.importorskip("zstandard")
    from fastavro.read import BLOCK_READERS

    def read_block(fo):
        # fastavro hands over the file positioned at the block's byte size (a zigzag varint).
        shift = bits = 0
        while True:
            byte = fo.read(1)[0]
            bits |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                break
        data = fo.read((bits >> 1) ^ -(bits & 1))
        return io.BytesIO(zstandard.ZstdDecompressor().decompress(data))

    BLOCK_READERS["zstandard"] = read_block


def log_files(root):
    return sorted((pathlib.Path(root) / "_realtime" / "diag").glob("log-*.avro"))


def read_log(path):
    with open(path, "rb") as fo:
        reader = fastavro.reader(fo)
        return reader.metadata, list(reader)


def bits(values, dtype):
    return np.asarray(values, dtype=dtype).view(np.uint32 if np.dtype(dtype).itemsize == 4 else np.uint64)


def assert_record(record, step):
    expected = frame(step)
    assert record["step"] == step
    assert record["time"] == step * 0.25
    np.testing.assert_array_equal(bits(record["f32"], np.float32), bits(expected["f32"], np.float32))
    assert isinstance(record["f64"], float) and record["f64"] == float(expected["f64"])
    for name in ("i32", "i64", "u16"):
        assert record[name] == expected[name].tolist(), name


@pytest.mark.parametrize("codec", ["null", "deflate", "zstandard"])
def test_fastavro_reads_every_frame_after_close(tmp_path, codec):
    if codec == "zstandard":
        use_zstandard_codec()
    with simingest.Ingestor(tmp_path / "ds", config=config(codec=codec)) as ing:
        for step in range(STEPS):
            ing.ingest("diag", step, step * 0.25, frame(step))
    [path] = log_files(tmp_path / "ds")
    metadata, records = read_log(path)
    assert metadata["avro.codec"] == codec
    assert [r["step"] for r in records] == list(range(STEPS))
    for record in records:
        assert_record(record, record["step"])


def test_fastavro_reads_every_acknowledged_block_while_the_writer_appends(tmp_path):
    with simingest.Ingestor(tmp_path / "ds", config=config(durability="ack-after-fsync")) as ing:
        for step in range(STEPS):
            ing.ingest("diag", step, step * 0.25, frame(step))
            # ingest() returned: the frame's block is on disk, and complete.
            _, records = read_log(log_files(tmp_path / "ds")[0])
            assert [r["step"] for r in records] == list(range(step + 1))
        stats = ing.stats()["realtime"]
        assert stats["frames"] == STEPS
        assert stats["blocks"] == STEPS  # one host waiting: one frame per group
        assert stats["fsyncs"] == STEPS + 1  # and the header
        assert stats["bytes"] == log_files(tmp_path / "ds")[0].stat().st_size


def test_both_route_keeps_parquet_discovery_blind_to_the_log(tmp_path):
    pa_ds = pytest.importorskip("pyarrow.dataset")
    duckdb = pytest.importorskip("duckdb")
    root = tmp_path / "ds"
    with simingest.Ingestor(root, config=config(route="both")) as ing:
        for step in range(STEPS):
            ing.ingest("diag", step, step * 0.25, frame(step))
    _, records = read_log(log_files(root)[0])
    assert [r["step"] for r in records] == list(range(0, STEPS, 3))
    # Hive discovery from the dataset root (pyarrow skips '_'-prefixed names) and from the stream.
    for source in (root, root / "diag"):
        table = pa_ds.dataset(source, format="parquet", partitioning="hive").to_table()
        assert sorted(table.column("step").to_pylist()) == sorted(list(range(STEPS)) * 3)  # three rows a frame
    count = duckdb.sql(
        f"SELECT count(*) FROM read_parquet('{root}/*/*/*.parquet', hive_partitioning = true)"
    ).fetchone()[0]
    assert count == 3 * STEPS



def test_a_log_whose_header_holds_another_streams_schema_is_quarantined_naming_it(tmp_path):
    # A well-formed Avro file (fastavro reads it) in the wrong stream's directory: only the
    # schema in its header says it is not diag's log. Issue 13, "Bad input and faults".
    root = tmp_path / "ds"
    both = config()
    both["streams"]["other"] = {"columns": {"x": "float64"}, "route": "realtime", "realtime": {"compact": False}}
    with simingest.Ingestor(root, config=both) as ing:
        ing.ingest("diag", 0, 0.0, frame(0))
        ing.ingest("other", 0, 0.0, {"x": 1.5})
    [diag_log] = log_files(root)
    [other_log] = sorted((root / "_realtime" / "other").glob("log-*.avro"))
    assert [r["x"] for r in read_log(other_log)[1]] == [1.5]
    diag_log.write_bytes(other_log.read_bytes())
    with pytest.raises(simingest.CorruptDatasetError) as error:
        simingest.Ingestor(root, config=both)
    assert error.value.status == simingest.Status.ERR_CORRUPT
    assert f"_realtime/diag/{diag_log.name}: realtime log: the schema in its header is not the stream's" in str(error.value)
    assert not diag_log.exists()
    quarantined = root / "_simingest" / "quarantine" / "_realtime" / "diag" / diag_log.name
    assert quarantined.read_bytes() == other_log.read_bytes()  # moved aside as it was, not rewritten
    with simingest.Ingestor(root, config=both):  # once: the file is out of the way
        pass
    assert [r["x"] for r in read_log(other_log)[1]] == [1.5]  # the other stream's log is untouched

WRITER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {repo!r} + "/test/python")
    from simingest_under_test import load
    from test_realtime_log import config, frame
    simingest = load()
    ing = simingest.Ingestor(sys.argv[1], config=config(durability="ack-after-fsync"))
    step = 0
    while True:
        ing.ingest("diag", step, step * 0.25, frame(step))
        print(step, flush=True)  # acknowledged: fsynced
        step += 1
    """
)


def test_every_acknowledged_frame_survives_kill_9_and_a_torn_tail_is_cut(tmp_path):
    root = tmp_path / "ds"
    env = dict(os.environ, PYTHONPATH=str(REPO / "test" / "python"))
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER.format(repo=str(REPO)), str(root)], stdout=subprocess.PIPE, env=env, text=True
    )
    acknowledged = []
    try:
        for line in child.stdout:  # ends at EOF if the writer dies on its own
            acknowledged.append(int(line))
            if len(acknowledged) == 40:
                break
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert len(acknowledged) == 40, "the writer stopped before 40 frames were acknowledged"
    [path] = log_files(root)
    _, records = read_log(path)  # fastavro reads the log as kill -9 left it
    steps = [r["step"] for r in records]
    assert steps[: len(acknowledged)] == acknowledged
    for record in records:
        assert_record(record, record["step"])

    # A write cut short: the file ends inside its last block.
    size = path.stat().st_size
    os.truncate(path, size - 5)
    with pytest.raises(Exception):
        read_log(path)
    with simingest.Ingestor(root, config=config()) as ing:
        [cut] = ing.stats()["realtime"]["truncated"]
        assert cut["path"] == "_realtime/diag/" + path.name
        assert cut["keptBytes"] + cut["cutBytes"] == size - 5
    _, records = read_log(path)
    assert [r["step"] for r in records] == steps[:-1]
    assert len(log_files(root)) == 2  # the reopen began a new segment

"""Domain decomposition (issue 17 item 2): a grid stream whose writers each declare a `block` of
the global `grid`.

Each writer's frames hold its block's cells; every stored row carries its global C-order cell
index in a `cell` column (and each file its block in `simingest.block`), so pyarrow and DuckDB
rebuild the global field from the files alone, and the query API's `assemble=True` returns it
per step, bit for bit, with BlockMismatchError naming the step and cells when a block is missing
or two overlap. Until shared datasets land (item 1) the writers here take turns on one dataset:
each session is one writer with its own block.
"""
import json

import numpy as np
import pytest

from simingest_under_test import load

simingest = load()
pa = pytest.importorskip("pyarrow")
pads = pytest.importorskip("pyarrow.dataset")
pq = pytest.importorskip("pyarrow.parquet")

GRID = (6, 8)
# Four writers, 2 x 2 blocks of unequal shape: C order within a block differs from the grid's.
BLOCKS = [((0, 0), (4, 3)), ((0, 3), (4, 5)), ((4, 0), (2, 3)), ((4, 3), (2, 5))]
STEPS = 5


def field(step):
    """The global field of a step: random bit patterns (NaN payloads, -0.0, inf) and integers."""
    rng = np.random.default_rng(1000 + step)
    u = rng.integers(0, 2**32, GRID, dtype=np.uint64).astype(np.uint32).view(np.float32)
    u.flat[0] = -0.0
    n = rng.integers(-(2**31), 2**31, GRID, dtype=np.int64).astype(np.int32)
    return {"u": u, "n": n}


def block_of(values, block):
    (o0, o1), (s0, s1) = block
    return np.ascontiguousarray(values[o0:o0 + s0, o1:o1 + s1])


def stream(block):
    return {"columns": {"u": "float32", "n": "int32"}, "grid": list(GRID),
            "block": {"offset": list(block[0]), "shape": list(block[1])}, "partition": {"steps": 2}}


def write(root, block, steps=range(STEPS)):
    with simingest.Ingestor(root, config={"workers": 1, "streams": {"f": stream(block)}}) as ing:
        for step in steps:
            values = field(step)
            ing.ingest("f", step=step, time=step * 0.5, columns={k: block_of(v, block) for k, v in values.items()})


def arrow_table(relation):
    """A DuckDB relation as a pyarrow.Table (to_arrow_table since DuckDB 1.4, fetch_arrow_table before)."""
    return (getattr(relation, "to_arrow_table", None) or relation.fetch_arrow_table)()


def bits(array):
    array = np.ascontiguousarray(np.asarray(array))
    return array.view(f"u{array.dtype.itemsize}")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("blocks") / "ds"
    for block in BLOCKS:
        write(root, block)
    return root


def test_assembled_query_returns_the_global_field_bit_for_bit(dataset):
    with simingest.open_dataset(dataset) as ds:
        table = ds.query("f", assemble=True)
        grids = ds.query("f", as_grid=True, assemble=True)
    cells = GRID[0] * GRID[1]
    assert table.num_rows == STEPS * cells
    assert table.column_names == ["step", "time", "u", "n"]
    assert np.array_equal(table.column("step").to_numpy(), np.repeat(np.arange(STEPS), cells))
    for name in ("u", "n"):
        want = np.concatenate([field(s)[name].reshape(-1) for s in range(STEPS)])
        assert np.array_equal(bits(table.column(name).to_numpy()), bits(want)), name
        assert grids[name].shape == (STEPS, *GRID)
        assert np.array_equal(bits(grids[name]), bits(want.reshape(STEPS, *GRID))), name


def test_files_carry_the_cell_column_and_their_block(dataset):
    files = sorted(dataset.glob("f/part=*/part-*.parquet"))
    assert files
    seen = set()
    for path in files:
        meta = pq.ParquetFile(path).metadata
        kv = dict(meta.metadata)
        block = json.loads(kv[b"simingest.block"])
        assert json.loads(kv[b"simingest.grid"]) == list(GRID)
        assert json.loads(kv[b"simingest.schema"])["blocks"] is True
        seen.add((tuple(block["offset"]), tuple(block["shape"])))
        table = pq.read_table(path)
        assert table.column_names == ["step", "time", "u", "n", "cell"]
        (o0, o1), (s0, s1) = block["offset"], block["shape"]
        i, j = np.meshgrid(np.arange(o0, o0 + s0), np.arange(o1, o1 + s1), indexing="ij")
        per_frame = (i * GRID[1] + j).reshape(-1)
        frames = table.num_rows // per_frame.size
        assert np.array_equal(table.column("cell").to_numpy(), np.tile(per_frame, frames))
    assert seen == set(BLOCKS)


def test_pyarrow_and_duckdb_rebuild_the_field_from_the_cell_column(dataset):
    duckdb = pytest.importorskip("duckdb")
    table = pads.dataset(dataset / "f", format="parquet", partitioning="hive").to_table()
    table = table.take(pa.compute.sort_indices(table, [("step", "ascending"), ("cell", "ascending")]))
    rows = arrow_table(duckdb.sql(
        f"SELECT step, cell, u, n FROM read_parquet('{dataset}/f/*/*.parquet', hive_partitioning = true) "
        "ORDER BY step, cell"
    ))
    cells = GRID[0] * GRID[1]
    assert np.array_equal(table.column("cell").to_numpy(), np.tile(np.arange(cells), STEPS))
    for name in ("u", "n"):
        want = np.concatenate([field(s)[name].reshape(-1) for s in range(STEPS)])
        assert np.array_equal(bits(table.column(name).to_numpy()), bits(want)), name
        assert np.array_equal(bits(rows.column(name).to_numpy()), bits(want)), name


def test_ingestor_query_assembles_frames_not_yet_committed(tmp_path):
    root = tmp_path / "ds"
    for block in BLOCKS[:3]:
        write(root, block)
    config = {"workers": 1, "commit_interval_ms": 0, "streams": {"f": stream(BLOCKS[3])}}
    with simingest.Ingestor(root, config=config) as ing:
        for step in range(STEPS):
            ing.ingest("f", step=step, time=step * 0.5,
                       columns={k: block_of(v, BLOCKS[3]) for k, v in field(step).items()})
        grids = ing.query("f", as_grid=True, assemble=True, columns=["u"])
    want = np.stack([field(s)["u"] for s in range(STEPS)])
    assert np.array_equal(bits(grids["u"]), bits(want))


def test_a_missing_block_names_the_step_and_its_cells(tmp_path):
    root = tmp_path / "ds"
    for block in BLOCKS[:3]:
        write(root, block)
    write(root, BLOCKS[3], steps=range(2))  # the last writer stopped after step 1
    with simingest.open_dataset(root) as ds:
        assert ds.query("f", steps=(0, 1), assemble=True).num_rows == 2 * GRID[0] * GRID[1]
        with pytest.raises(simingest.BlockMismatchError) as error:
            ds.query("f", assemble=True)
    message = str(error.value)
    assert error.value.status == simingest.Status.ERR_BLOCK_MISMATCH
    assert 'stream "f"' in message and "step 2" in message
    assert "10 of 48 cells missing" in message and "offset [4, 3] shape [2, 5]" in message


def test_overlapping_blocks_are_refused_at_query_time(tmp_path):
    root = tmp_path / "ds"
    for block in BLOCKS:
        write(root, block, steps=range(1))
    write(root, ((3, 2), (2, 2)), steps=range(1))
    with simingest.open_dataset(root) as ds:
        with pytest.raises(simingest.BlockMismatchError, match=r"step 0: cell \[3, 2\] is written by two blocks"):
            ds.query("f", assemble=True)


def test_assemble_needs_a_stream_written_in_blocks(tmp_path):
    root = tmp_path / "ds"
    with simingest.Ingestor(root, config={"streams": {"g": {"columns": {"u": "float32"}, "grid": [2, 2]}}}) as ing:
        ing.ingest("g", step=0, time=0.0, columns={"u": np.zeros((2, 2), np.float32)})
        with pytest.raises(simingest.InvalidArgumentError, match="assemble needs a grid stream written in blocks"):
            ing.query("g", assemble=True)


@pytest.mark.parametrize(
    "block, message",
    [
        ({"offset": [4, 0], "shape": [3, 8]}, r"streams\.f\.block\.shape\[0\]: offset 4 \+ shape 3 = 7 exceeds the "
                                              r"grid's extent 6 on axis 0"),
        ({"offset": [0, 6], "shape": [1, 3]}, r"streams\.f\.block\.shape\[1\]: offset 6 \+ shape 3 .* axis 1"),
        ({"offset": [0], "shape": [1, 1]}, r"streams\.f\.block\.offset: has 1 axes but the grid has 2"),
        ({"offset": [0, 0], "shape": [0, 1]}, r"streams\.f\.block\.shape\[0\]: expected a positive integer"),
        ({"offset": [-1, 0], "shape": [1, 1]}, r"streams\.f\.block\.offset\[0\]: expected an integer >= 0"),
        ({"shape": [1, 1]}, r"streams\.f\.block\.offset: required but missing"),
        ({"offset": [0, 0], "shape": [1, 1], "size": 1}, r"streams\.f\.block\.size: unknown key"),
    ],
)
def test_bad_blocks_are_config_errors_naming_the_axis(tmp_path, block, message):
    config = {"streams": {"f": {"columns": {"u": "float32"}, "grid": list(GRID), "block": block}}}
    with pytest.raises(simingest.ConfigError, match=message):
        simingest.Ingestor(tmp_path / "ds", config=config)


def test_block_needs_a_grid_a_batch_route_and_leaves_cell_to_the_engine(tmp_path):
    block = {"offset": [0], "shape": [1]}
    with pytest.raises(simingest.ConfigError, match=r"streams\.f\.block: needs the stream's \"grid\""):
        simingest.Ingestor(tmp_path / "a", config={"streams": {"f": {"columns": {"u": "float32"}, "block": block}}})
    with pytest.raises(simingest.ConfigError, match=r"streams\.f\.block: applies to route \"batch\" only"):
        simingest.Ingestor(tmp_path / "b", config={"streams": {"f": {"columns": {"u": "float32"}, "grid": [2],
                                                                      "block": block, "route": "both"}}})
    with pytest.raises(simingest.ConfigError, match=r"streams\.f\.columns\.cell: reserved"):
        simingest.Ingestor(tmp_path / "c", config={"streams": {"f": {"columns": {"cell": "int64"}, "grid": [2],
                                                                      "block": block}}})


def test_a_frame_must_hold_the_blocks_cells(tmp_path):
    with simingest.Ingestor(tmp_path / "ds", config={"streams": {"f": stream(BLOCKS[0])}}) as ing:
        with pytest.raises(simingest.LengthMismatchError,
                           match=r"has 48 values but the block \[4, 3\] of the grid \[6, 8\] needs 12"):
            ing.ingest("f", step=0, time=0.0, columns=field(0))

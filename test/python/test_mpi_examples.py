"""examples/mpi (issue 17 item 4): heat2d_mpi in C++ (mpicxx, FindMPI) and in Python (mpi4py), run
by `mpirun --oversubscribe -np 4`, each rank a writer of one shared dataset (`writer: {id, count}`)
ingesting its block of a 2D heat equation every few steps; the output read back and compared bit
for bit with the same scheme run single-process in numpy (examples/mpi/heat2d_mpi.py `solve`),
through the query API (assembled), Ray Data, Dask and DuckDB. Skipped, with the reason, when mpirun
is missing.
"""
import glob
import importlib.util
import os
import pathlib
import shutil
import subprocess
import sys

import numpy as np
import pytest

from simingest_under_test import REPO, load

simingest = load()
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
if shutil.which("mpirun") is None:
    pytest.skip("mpirun is not installed (apt-get install openmpi-bin libopenmpi-dev)", allow_module_level=True)
pytest.importorskip("mpi4py")

EXAMPLE = REPO / "examples" / "mpi"
NX, NY, STEPS, EVERY = 40, 30, 60, 10
RANKS = 4
CELLS = NX * NY

spec = importlib.util.spec_from_file_location("heat2d_mpi", EXAMPLE / "heat2d_mpi.py")
heat2d = importlib.util.module_from_spec(spec)
spec.loader.exec_module(heat2d)
WANT = heat2d.solve(NY, NX, STEPS, EVERY)
WANT_STEPS = sorted(WANT)


def arrow_table(relation):
    """A DuckDB relation as a pyarrow.Table (to_arrow_table since DuckDB 1.4, fetch_arrow_table before)."""
    return (getattr(relation, "to_arrow_table", None) or relation.fetch_arrow_table)()


def bits(array):
    array = np.ascontiguousarray(np.asarray(array))
    return array.view(f"u{array.dtype.itemsize}")


def run(cmd, **kwargs):
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kwargs)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(map(str, cmd))} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def mpirun(*args):
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               PYTHONPATH=os.pathsep.join([str(REPO / "bindings" / "python"), os.environ.get("PYTHONPATH", "")]))
    return run(["mpirun", "--oversubscribe", "-np", str(RANKS), *map(str, args)], env=env)


@pytest.fixture(scope="module")
def cpp_example(tmp_path_factory):
    """heat2d_mpi built with CMake's FindMPI against an installed simingest."""
    for tool in ("cmake", "mpicxx"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed: cannot build the MPI C++ example")
    build = pathlib.Path(os.environ.get("SIMINGEST_BUILD_DIR", REPO / "build-test"))
    if not (build / "CMakeCache.txt").is_file():
        pytest.skip(f"{build} is not a configured simingest build (set SIMINGEST_BUILD_DIR)")
    run(["cmake", "--build", str(build), "--target", "simingest", "-j2"])
    prefix = tmp_path_factory.mktemp("prefix")
    run(["cmake", "--install", str(build), "--prefix", str(prefix)])
    out = tmp_path_factory.mktemp("build-mpi")
    run(["cmake", "-S", str(EXAMPLE), "-B", str(out), f"-DCMAKE_PREFIX_PATH={prefix}", "-DCMAKE_BUILD_TYPE=Release"])
    run(["cmake", "--build", str(out), "-j2"])
    return out / "heat2d_mpi"


@pytest.fixture(scope="module", params=["cpp", "python"])
def output(request, tmp_path_factory):
    """The dataset one run of an example with 4 ranks wrote."""
    kind = request.param
    command = [request.getfixturevalue("cpp_example")] if kind == "cpp" else [sys.executable,
                                                                              EXAMPLE / "heat2d_mpi.py"]
    out = tmp_path_factory.mktemp(f"heat-{kind}")
    mpirun(*command, out, NX, NY, STEPS, EVERY)
    return out


def parquet_files(out, writer="*"):
    """The committed data files of the writers' parts (docs/MULTI_WRITER.md): files being written are
    hidden ('.part-….parquet.inprogress'), so the glob never matches them."""
    files = sorted(glob.glob(f"{out}/writer={writer}/heat/**/*.parquet", recursive=True))
    assert files, f"no Parquet files under {out}"
    return files


def expect_field(steps, cells, u):
    """Rows (step, cell, u) in any order hold exactly the solver's fields."""
    order = np.lexsort((cells, steps))
    steps, cells, u = np.asarray(steps)[order], np.asarray(cells)[order], np.asarray(u)[order]
    assert np.array_equal(steps, np.repeat(WANT_STEPS, CELLS))
    assert np.array_equal(cells, np.tile(np.arange(CELLS), len(WANT_STEPS)))
    want = np.concatenate([WANT[s].reshape(-1) for s in WANT_STEPS])
    assert np.array_equal(bits(u), bits(want))


# ---- the query API ----


def test_the_query_api_assembles_the_field(output):
    with simingest.open_dataset(output) as ds:
        grids = ds.query("heat", as_grid=True, assemble=True)
    assert grids["step"].tolist() == WANT_STEPS
    assert np.array_equal(bits(grids["u"]), bits(np.stack([WANT[s] for s in WANT_STEPS])))


def test_every_rank_wrote_its_block_into_its_part(output):
    """Each writer's part holds its own block, every cell of every step exactly once over all ranks."""
    seen = np.zeros((len(WANT_STEPS), CELLS), dtype=np.int64)
    for rank in range(RANKS):
        files = parquet_files(output, rank)
        table = pa.concat_tables(pq.read_table(f, columns=["step", "u", "cell"]) for f in files)
        steps, cells, u = (table.column(c).to_numpy() for c in ("step", "cell", "u"))
        for k, step in enumerate(WANT_STEPS):
            rows = steps == step
            assert np.array_equal(bits(u[rows]), bits(WANT[step].reshape(-1)[cells[rows]]))
            seen[k, cells[rows]] += 1
    assert (seen == 1).all()


# ---- external engines: DuckDB, Dask, Ray Data ----


def test_duckdb_reads_the_field(output):
    duckdb = pytest.importorskip("duckdb")
    files = parquet_files(output)
    table = arrow_table(duckdb.sql(f"SELECT step, cell, u FROM read_parquet({files!r})"))
    expect_field(table.column("step").to_numpy(), table.column("cell").to_numpy(), table.column("u").to_numpy())


def test_dask_reads_the_field(output):
    dd = pytest.importorskip("dask.dataframe")
    frame = dd.read_parquet(parquet_files(output), columns=["step", "cell", "u"]).compute(scheduler="synchronous")
    expect_field(frame["step"].to_numpy(), frame["cell"].to_numpy(), frame["u"].to_numpy())


@pytest.fixture(scope="module")
def ray():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield ray
    ray.shutdown()


def test_ray_data_reads_the_field(ray, output):
    refs = ray.data.read_parquet(parquet_files(output)).select_columns(["step", "cell", "u"]).to_arrow_refs()
    table = pa.concat_tables(ray.get(refs))
    expect_field(table.column("step").to_numpy(), table.column("cell").to_numpy(), table.column("u").to_numpy())

"""The CLI demo's dataset, read back by pyarrow, polars and DuckDB: every
reader sees the same values bit for bit, and they are the values the solver
produced — checked against the exact Taylor–Green solution, which the
unperturbed demo solver must follow."""
import pathlib
import shutil
import subprocess

import numpy as np
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
CLI = REPO / "bin" / "simingest.js"
pa_ds = pytest.importorskip("pyarrow.dataset")
pl = pytest.importorskip("polars")
duckdb = pytest.importorskip("duckdb")

NX, NY, STEPS, NU = 32, 16, 12, 0.002

if shutil.which("node") is None or not (REPO / "dist" / "cli.js").is_file():
    pytest.skip("the Node package is not built (npm run compile)", allow_module_level=True)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "run"
    subprocess.run(["node", str(CLI), "demo", "--steps", str(STEPS), "--grid", f"{NX}x{NY}",
                    "--perturbation", "0", "--viscosity", str(NU), "--out", str(out), "--no-progress"],
                   check=True, capture_output=True, text=True, timeout=300)
    return out


def arrow_table(path, stream):
    return pa_ds.dataset(str(path / stream), format="parquet", partitioning="hive").to_table().sort_by("step")


def test_every_step_is_there_once(demo):
    fields = arrow_table(demo, "fields")
    steps = fields.column("step").to_numpy()
    assert np.array_equal(np.unique(steps), np.arange(STEPS))  # --steps N records steps 0 .. N-1
    assert all((steps == s).sum() == NX * NY for s in np.unique(steps))
    diagnostics = arrow_table(demo, "diagnostics")
    assert np.array_equal(diagnostics.column("step").to_numpy(), np.unique(steps))


def test_velocity_is_the_taylor_green_solution(demo):
    fields = arrow_table(demo, "fields")
    x = 2 * np.pi * np.arange(NX) / NX
    y = 2 * np.pi * np.arange(NY) / NY
    X, Y = np.meshgrid(x, y)  # rows in C order: y slow, x fast
    for step in np.unique(fields.column("step").to_numpy()):
        rows = fields.filter(pa_ds.field("step") == int(step))
        t = rows.column("time").to_numpy()[0]
        decay = np.exp(-2 * NU * t)
        vx = rows.column("vx").to_numpy().reshape(NY, NX)
        vy = rows.column("vy").to_numpy().reshape(NY, NX)
        np.testing.assert_allclose(vx, np.sin(X) * np.cos(Y) * decay, atol=2e-6)
        np.testing.assert_allclose(vy, -np.cos(X) * np.sin(Y) * decay, atol=2e-6)


def test_energy_diagnostic_decays_as_exp_minus_4_nu_t(demo):
    diagnostics = arrow_table(demo, "diagnostics")
    t = diagnostics.column("time").to_numpy()
    energy = diagnostics.column("energy").to_numpy()
    np.testing.assert_allclose(energy, energy[0] * np.exp(-4 * NU * (t - t[0])), rtol=1e-8)


@pytest.mark.parametrize("stream", ["fields", "diagnostics"])
def test_pyarrow_polars_and_duckdb_read_identical_bits(demo, stream):
    reference = arrow_table(demo, stream)
    glob = str(demo / stream / "**" / "*.parquet")
    frame = pl.read_parquet(glob, hive_partitioning=True).sort("step", maintain_order=True)
    relation = duckdb.sql(f"SELECT * FROM read_parquet('{glob}', hive_partitioning = true) ORDER BY step")
    duck = relation.to_arrow_table() if hasattr(relation, "to_arrow_table") else relation.fetch_arrow_table()
    for name in reference.column_names:
        if name == "part":
            continue
        want = reference.column(name).to_numpy()
        got_polars = frame[name].to_numpy()
        got_duck = duck.column(name).to_numpy()
        view = {4: np.uint32, 8: np.uint64}[want.dtype.itemsize] if want.dtype.kind == "f" else want.dtype
        assert np.array_equal(got_polars.view(view), want.view(view)), f"polars {stream}.{name}"
        assert np.array_equal(got_duck.view(view), want.view(view)), f"duckdb {stream}.{name}"

"""examples/python/heat2d.py: its run, read back from the dataset, is the heat equation.

The test runs the example as a user would (a subprocess), then checks the
dataset two ways, neither using the example's code:
  - bit for bit against the same FTCS scheme re-run here in numpy, and
  - against the closed-form solution of the discrete scheme (the initial sine
    modes are eigenvectors of the 5-point Laplacian with zero boundaries, so
    step n multiplies mode (kx, ky) by lambda^n), to 1e-12.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from simingest_under_test import REPO, load  # noqa: E402

simingest = load()
LIBRARY = simingest.library_path()

ds = pytest.importorskip("pyarrow.dataset")
pq = pytest.importorskip("pyarrow.parquet")

NX, NY, STEPS, EVERY, ALPHA, CFL = 40, 30, 300, 25, 1.0, 0.2
MODES = ((1, 1, 1.0), (2, 3, 0.5))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    work = tmp_path_factory.mktemp("heat2d")
    env = dict(os.environ, SIMINGEST_LIBRARY=LIBRARY, PYTHONPATH=str(REPO / "bindings" / "python"))
    done = subprocess.run(
        [sys.executable, str(REPO / "examples" / "python" / "heat2d.py"), str(work / "ds"),
         "--nx", str(NX), "--ny", str(NY), "--steps", str(STEPS), "--every", str(EVERY),
         "--stats", str(work / "stats.json")],
        env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return work / "ds", json.loads((work / "stats.json").read_text()), done.stdout


def spacing():
    hx, hy = 1.0 / (NX - 1), 1.0 / (NY - 1)
    dt = CFL * min(hx, hy) ** 2 / ALPHA
    return hx, hy, dt, ALPHA * dt / hx ** 2, ALPHA * dt / hy ** 2


def reference_run():
    """{step: field} every EVERY steps and per-step (heat, peak), by the documented scheme."""
    hx, hy, dt, rx, ry = spacing()
    x, y = np.linspace(0.0, 1.0, NX), np.linspace(0.0, 1.0, NY)
    u = np.zeros((NY, NX))
    for kx, ky, a in MODES:
        u += a * np.outer(np.sin(ky * np.pi * y), np.sin(kx * np.pi * x))
    u[[0, -1], :] = 0.0
    u[:, [0, -1]] = 0.0
    fields, heat, peak = {}, [], []
    for n in range(STEPS + 1):
        if n % EVERY == 0:
            fields[n] = u.copy()
        heat.append(u.sum() * hx * hy)
        peak.append(u.max())
        c = u[1:-1, 1:-1]
        u[1:-1, 1:-1] = (c + rx * (u[1:-1, 2:] - 2.0 * c + u[1:-1, :-2])
                         + ry * (u[2:, 1:-1] - 2.0 * c + u[:-2, 1:-1]))
    return fields, np.array(heat), np.array(peak), dt


def closed_form(n):
    hx, hy, _, rx, ry = spacing()
    x, y = np.linspace(0.0, 1.0, NX), np.linspace(0.0, 1.0, NY)
    u = np.zeros((NY, NX))
    for kx, ky, a in MODES:
        lam = 1 - 4 * rx * np.sin(kx * np.pi * hx / 2) ** 2 - 4 * ry * np.sin(ky * np.pi * hy / 2) ** 2
        u += a * lam ** n * np.outer(np.sin(ky * np.pi * y), np.sin(kx * np.pi * x))
    u[[0, -1], :] = 0.0
    u[:, [0, -1]] = 0.0
    return u


def read(dataset, stream):
    table = ds.dataset(dataset / stream, format="parquet", partitioning="hive").to_table()
    return table.sort_by([("step", "ascending")])


def test_fields_are_bit_exact_with_the_scheme_rerun_in_numpy(run):
    dataset, _, _ = run
    fields, _, _, dt = reference_run()
    table = read(dataset, "fields")
    steps = table.column("step").to_numpy()
    assert sorted(set(steps.tolist())) == sorted(fields)
    u = table.column("u").to_numpy()
    for n, want in fields.items():
        rows = steps == n
        assert rows.sum() == NX * NY
        got = u[rows].reshape(NY, NX)
        assert np.array_equal(got.view(np.uint64), want.view(np.uint64)), f"step {n}"
        assert np.all(table.column("time").to_numpy()[rows] == n * dt)


def test_fields_follow_the_closed_form_solution_of_the_scheme(run):
    dataset, _, _ = run
    table = read(dataset, "fields")
    steps, u = table.column("step").to_numpy(), table.column("u").to_numpy()
    for n in range(0, STEPS + 1, EVERY):
        got = u[steps == n].reshape(NY, NX)
        np.testing.assert_allclose(got, closed_form(n), rtol=0, atol=1e-12, err_msg=f"step {n}")
    assert u[steps == STEPS].max() < 0.5 * u[steps == 0].max(), "the field must have decayed"


def test_diagnostics_hold_every_step_and_heat_only_decreases(run):
    dataset, _, _ = run
    _, heat, peak, _ = reference_run()
    table = read(dataset, "diagnostics")
    np.testing.assert_array_equal(table.column("step").to_numpy(), np.arange(STEPS + 1))
    got_heat = table.column("heat").to_numpy()
    assert np.array_equal(got_heat, heat)
    assert np.array_equal(table.column("peak").to_numpy(), peak)
    assert np.all(np.diff(got_heat) < 0)


def test_partitions_and_stats_match_the_run(run):
    dataset, stats, stdout = run
    parts = {p.parent.name for p in (dataset / "fields").rglob("*.parquet")}
    assert parts == {f"part={n // (10 * EVERY)}" for n in range(0, STEPS + 1, EVERY)}
    for path in (dataset / "fields").rglob("*.parquet"):
        meta = pq.read_metadata(path).metadata
        assert json.loads(meta[b"simingest.grid"]) == [NY, NX]
    field_frames = STEPS // EVERY + 1
    assert stats["framesCommitted"] == stats["framesAccepted"] == field_frames + STEPS + 1
    assert stats["rowsCommitted"] == field_frames * NX * NY + STEPS + 1
    assert stats["framesRejected"] == 0
    assert f"{STEPS} steps of {NY}x{NX}" in stdout

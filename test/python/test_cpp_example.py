"""examples/cpp (wave2d) against an installed simingest, built two ways.

simingest is installed (`cmake --install`) into a temporary prefix; the
example is built from that prefix with its CMake project
(`find_package(simingest REQUIRED)`) and with its Makefile (pkg-config); both
binaries run, and each dataset is checked with pyarrow against the same
leapfrog scheme re-run here in numpy, bit for bit.

The simingest build to install: $SIMINGEST_BUILD_DIR, else `<repo>/build-test`
(configured if needed; only the library target is built). Skipped, with the
reason, when cmake, make, pkg-config or a C++ compiler is missing.
"""

import json
import os
import pathlib
import shutil
import subprocess

import numpy as np
import pytest
from readme_blocks import readme_block

REPO = pathlib.Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "cpp"
NX, NY, STEPS, EVERY = 60, 45, 120, 10

pa = pytest.importorskip("pyarrow")
ds = pytest.importorskip("pyarrow.dataset")
pq = pytest.importorskip("pyarrow.parquet")


def run(cmd, **kwargs):
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, **kwargs)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(map(str, cmd))} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


@pytest.fixture(scope="module")
def build_dir():
    for tool in ("cmake", "make", "pkg-config", "c++"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed: cannot build the C++ example")
    given = os.environ.get("SIMINGEST_BUILD_DIR")
    if given:
        build = pathlib.Path(given)
        if not (build / "CMakeCache.txt").is_file():
            pytest.skip(f"SIMINGEST_BUILD_DIR={given} is not a configured CMake build directory")
    else:
        build = REPO / "build-test"
        if not (build / "CMakeCache.txt").is_file():
            run(["cmake", "-S", str(REPO), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release"])
    run(["cmake", "--build", str(build), "--target", "simingest", "-j2"])
    return build


@pytest.fixture(scope="module")
def prefix(build_dir, tmp_path_factory):
    prefix = tmp_path_factory.mktemp("prefix")
    run(["cmake", "--install", str(build_dir), "--prefix", str(prefix)])
    return prefix


def pkg_config_dir(prefix):
    found = sorted(prefix.rglob("pkgconfig/simingest.pc"))
    assert found, f"no simingest.pc installed under {prefix}"
    return found[0].parent


def include_dirs(flags):
    # pkg-config leaves ${pcfiledir}/../.. unnormalised: compare resolved paths.
    return [pathlib.Path(token[2:]).resolve() for token in flags.split() if token.startswith("-I")]


def relocated_pkg_config_env(prefix):
    # Plain pkg-config: simingest.pc derives its prefix from where it lies.
    return dict(os.environ, PKG_CONFIG_PATH=str(pkg_config_dir(prefix)), PKG_CONFIG="pkg-config")


@pytest.fixture(scope="module")
def binaries(prefix, tmp_path_factory):
    work = tmp_path_factory.mktemp("wave2d-build")
    with_cmake = work / "cmake"
    run(["cmake", "-S", str(EXAMPLE), "-B", str(with_cmake), f"-DCMAKE_PREFIX_PATH={prefix}",
         "-DCMAKE_BUILD_TYPE=Release"])
    run(["cmake", "--build", str(with_cmake)])
    with_make = work / "make"
    with_make.mkdir()
    run(["make", "-f", str(EXAMPLE / "Makefile"), "-C", str(with_make)], env=relocated_pkg_config_env(prefix))
    return {"find_package": with_cmake / "wave2d", "pkg-config": with_make / "wave2d"}


@pytest.fixture(scope="module", params=["find_package", "pkg-config"])
def dataset(request, binaries, prefix, tmp_path_factory):
    binary = binaries[request.param]
    linked = run(["ldd", str(binary)]) if shutil.which("ldd") else ""
    if linked:
        line = next(l for l in linked.splitlines() if "libsimingest" in l)
        assert str(prefix) in line, f"{request.param}: not linked against the installed library: {line}"
    out = tmp_path_factory.mktemp(f"wave2d-{request.param}") / "ds"
    env = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
    stdout = run([str(binary), str(out), str(NX), str(NY), str(STEPS), str(EVERY)], env=env)
    stats = json.loads(stdout.splitlines()[1])
    return out, stats


# ---- the scheme, re-implemented with numpy (see the comment atop wave2d.cpp) ----


def reference():
    hx, hy = 1.0 / (NX - 1), 1.0 / (NY - 1)
    speed = 1.0
    dt = 0.5 * min(hx, hy) / speed
    cx2 = (speed * dt / hx) * (speed * dt / hx)
    cy2 = (speed * dt / hy) * (speed * dt / hy)
    dx = np.arange(NX, dtype=np.float64) * hx - 0.5
    dy = np.arange(NY, dtype=np.float64) * hy - 0.4
    w = 1.0 - ((dx * dx)[None, :] + (dy * dy)[:, None]) / (0.25 * 0.25)
    u = np.where(w > 0.0, w * w, 0.0)
    u[[0, -1], :] = 0.0
    u[:, [0, -1]] = 0.0
    prev = u.copy()
    fields, diagnostics = {}, []
    for n in range(STEPS + 1):
        if n % EVERY == 0:
            fields[n] = u.copy()
        v = (u - prev) / dt
        gx = (u[:-1, 1:] - u[:-1, :-1]) / hx
        gy = (u[1:, :-1] - u[:-1, :-1]) / hy
        energy = (0.5 * v * v * hx * hy).sum() + (0.5 * speed * speed * (gx * gx + gy * gy) * hx * hy).sum()
        diagnostics.append((energy, np.abs(u).max(), int((np.abs(u) > 1e-3).sum())))
        c = u[1:-1, 1:-1]
        lx = u[1:-1, 2:] - 2.0 * c + u[1:-1, :-2]
        ly = u[2:, 1:-1] - 2.0 * c + u[:-2, 1:-1]
        nxt = u.copy()
        nxt[1:-1, 1:-1] = c + 0.5 * (cx2 * lx + cy2 * ly) if n == 0 else 2.0 * c - prev[1:-1, 1:-1] + cx2 * lx + cy2 * ly
        prev, u = u, nxt
    return fields, diagnostics, dt


def read(path, stream):
    return ds.dataset(path / stream, format="parquet", partitioning="hive").to_table().sort_by("step")


def test_fields_are_bit_exact_with_the_scheme_rerun_in_numpy(dataset):
    path, _ = dataset
    fields, _, dt = reference()
    table = read(path, "fields")
    assert table.schema.field("u").type == pa.float64()
    steps = table.column("step").to_numpy()
    u = table.column("u").to_numpy()
    assert sorted(set(steps.tolist())) == sorted(fields)
    for n, want in fields.items():
        got = u[steps == n]
        assert got.size == NX * NY, f"step {n}"
        diff = np.flatnonzero(got.view(np.uint64) != want.reshape(-1).view(np.uint64))
        assert diff.size == 0, f"step {n}: {diff.size} values differ, first at {divmod(int(diff[0]), NX)}"
    assert np.array_equal(table.column("time").to_numpy(), steps * dt)
    # A wave, not a no-op: the pulse has moved away from its start.
    assert not np.array_equal(fields[STEPS], fields[0])


def test_diagnostics_hold_every_step(dataset):
    path, _ = dataset
    _, diagnostics, _ = reference()
    table = read(path, "diagnostics")
    np.testing.assert_array_equal(table.column("step").to_numpy(), np.arange(STEPS + 1))
    assert table.schema.field("cells_moving").type == pa.int32()
    energy, max_abs, moving = (np.array(c) for c in zip(*diagnostics))
    np.testing.assert_array_equal(table.column("cells_moving").to_numpy(), moving)
    np.testing.assert_array_equal(table.column("max_abs").to_numpy(), max_abs)
    # Summation order differs between the C++ loop and numpy: equal to rounding.
    np.testing.assert_allclose(table.column("energy").to_numpy(), energy, rtol=1e-10)


def test_dataset_layout_and_stats(dataset):
    path, stats = dataset
    frames = STEPS // EVERY + 1
    assert stats["framesCommitted"] == frames + STEPS + 1
    assert stats["rowsCommitted"] == frames * NX * NY + STEPS + 1
    parts = {p.parent.name for p in (path / "fields").rglob("*.parquet")}
    assert parts == {f"part={n // (10 * EVERY)}" for n in range(0, STEPS + 1, EVERY)}
    for file in (path / "fields").rglob("*.parquet"):
        assert json.loads(pq.read_metadata(file).metadata[b"simingest.grid"]) == [NY, NX]


def test_installed_prefix_has_headers_cmake_package_and_pkg_config(prefix):
    assert (prefix / "include" / "simingest.h").is_file()
    assert (prefix / "include" / "simingest.hpp").is_file()
    assert sorted(prefix.rglob("simingestConfig.cmake"))
    assert sorted(prefix.rglob("libsimingest.so*"))
    env = relocated_pkg_config_env(prefix)
    flags = run(["sh", "-c", "$PKG_CONFIG --cflags --libs simingest"], env=env)
    assert include_dirs(flags) == [(prefix / "include").resolve()] and "-lsimingest" in flags


def test_installed_pkg_config_file_names_its_own_prefix(prefix):
    env = dict(os.environ, PKG_CONFIG_PATH=str(pkg_config_dir(prefix)))
    flags = run(["pkg-config", "--cflags", "--libs", "simingest"], env=env)
    assert include_dirs(flags) == [(prefix / "include").resolve()], flags


def test_readme_cpp_install_and_pkg_config_lines_build_the_readme_example(build_dir, tmp_path):
    # README's install line into $HOME/.local, then its pkg-config block, as written, with HOME a temp dir.
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "PKG_CONFIG_PATH")}
    env["HOME"] = str(home)
    install = next(l for l in readme_block("sh", "cmake --install build").splitlines() if "cmake --install" in l)
    run(["bash", "-euc", install.replace("cmake --install build", f"cmake --install {build_dir}")], env=env)
    (tmp_path / "solver.cpp").write_text(readme_block("cpp", "simingest::Ingestor ingestor("))
    run(["bash", "-euc", readme_block("sh", "pkg-config --cflags --libs simingest")], cwd=tmp_path, env=env)
    run([str(tmp_path / "a.out")], cwd=tmp_path, env=env)
    assert any((tmp_path / "run42" / "fields").rglob("*.parquet"))

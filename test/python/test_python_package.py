"""The package as users get it: where the loader looks, the ctypes declarations,
and `pip install ./bindings/python` into a fresh virtual environment followed
by the README's Python example."""

import ctypes
import os
import pathlib
import re
import shutil
import subprocess
import sys
import venv

import pytest

from simingest_under_test import REPO, load  # noqa: E402

simingest = load()
from simingest import _native  # noqa: E402

LIBRARY = simingest.library_path()

PACKAGE = REPO / "bindings" / "python" / "simingest"


def run_python(code, cwd, pythonpath, env_extra=None):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(pythonpath)}
    env.update(env_extra or {})
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def layout(tmp_path):
    """A copy of the package outside any checkout, and a fake checkout with build dirs."""
    site = tmp_path / "site"
    shutil.copytree(PACKAGE, site / "simingest", ignore=shutil.ignore_patterns("__pycache__", "*.so*"))
    checkout = tmp_path / "checkout"
    (checkout / "include").mkdir(parents=True)
    (checkout / "include" / "simingest.h").write_text("/* marker */\n")
    (checkout / "CMakeLists.txt").write_text("# marker\n")
    return site, checkout


def test_loader_searches_package_folder_then_build_dirs_in_documented_order(layout):
    site, checkout = layout
    for d in ("build/Release", "build-zeta", "build-alpha", "build-test"):
        (checkout / d).mkdir(parents=True)
    for d in ("build-zeta", "build-alpha"):
        shutil.copy(LIBRARY, checkout / d / "libsimingest.so")
    os.utime(checkout / "build-alpha" / "libsimingest.so", (1, 1))  # older than build-zeta's
    code = ("from simingest import _native\n"
            "for p in _native.candidate_paths(): print(p)\n"
            "print('LOADED', _native.library_path())\n")
    lines = run_python(code, cwd=checkout, pythonpath=site).splitlines()
    suffix = "dylib" if sys.platform == "darwin" else "so"
    want = [site / "simingest" / f"libsimingest.{suffix}", site / "simingest" / f"libsimingest.{suffix}.0",
            checkout / "build/Release/libsimingest.so", checkout / "build-test/libsimingest.so",
            checkout / "build/libsimingest.so", checkout / "build-zeta/libsimingest.so",
            checkout / "build-alpha/libsimingest.so"]
    assert lines[:-1] == [str(p) for p in want]
    assert lines[-1] == f"LOADED {checkout / 'build-zeta' / 'libsimingest.so'}"

    # A library in the package folder wins over every build directory.
    shutil.copy(LIBRARY, site / "simingest" / "libsimingest.so")
    lines = run_python(code, cwd=checkout, pythonpath=site).splitlines()
    assert lines[-1] == f"LOADED {site / 'simingest' / 'libsimingest.so'}"
    # SIMINGEST_LIBRARY wins over both.
    lines = run_python(code, cwd=checkout, pythonpath=site,
                       env_extra={"SIMINGEST_LIBRARY": str(checkout / "build-alpha" / "libsimingest.so")}).splitlines()
    assert lines[-1] == f"LOADED {checkout / 'build-alpha' / 'libsimingest.so'}"


def test_error_lists_every_place_the_loader_looked(layout, tmp_path):
    site, checkout = layout
    (checkout / "build-broken").mkdir()
    (checkout / "build-broken" / "libsimingest.so").write_text("not an ELF file")
    code = ("import simingest\n"
            "try:\n    simingest.library_version()\n"
            "except simingest.LibraryNotFoundError as e:\n    print(e)\n")
    out = run_python(code, cwd=checkout, pythonpath=site)
    assert "cannot load libsimingest" in out
    assert "SIMINGEST_LIBRARY: not set" in out
    assert f"{site / 'simingest' / 'libsimingest.so'}: no such file" in out
    assert f"{checkout / 'build' / 'Release' / 'libsimingest.so'}: no such file" in out
    assert f"{checkout / 'build-broken' / 'libsimingest.so'}: " in out
    assert "system library" in out
    # An explicit SIMINGEST_LIBRARY that does not load is an error, not a fallback.
    out = run_python(code, cwd=checkout, pythonpath=site,
                     env_extra={"SIMINGEST_LIBRARY": str(tmp_path / "missing.so")})
    assert f"SIMINGEST_LIBRARY={tmp_path / 'missing.so'}" in out


def test_every_c_function_is_declared_with_argtypes_and_restype():
    lib = _native.library()
    source = (PACKAGE / "_native.py").read_text()
    header = (REPO / "include" / "simingest.h").read_text()
    functions = sorted(set(re.findall(r"SIMINGEST_API [^;]*?\b(simingest_\w+)\(", header)))
    assert len(functions) == 14, functions
    for name in functions:
        function = getattr(lib, name)
        assert function.argtypes is not None, name
        assert function.restype is not None or name == "simingest_free", name
        assert source.count(f"lib.{name}.argtypes =") == 1, f"{name} declared more than once"
        assert re.search(rf"# .*\b{name}\(", source), f"{name}: C prototype comment missing"
    assert isinstance(lib, ctypes.CDLL) and not isinstance(lib, ctypes.PyDLL), \
        "PyDLL would hold the GIL during calls"


def readme_python_example():
    """The Python example of the README."""
    blocks = re.findall(r"```python\n(.*?)```", (REPO / "README.md").read_text(), re.S)
    for block in blocks:
        if "simingest.Ingestor(" in block and "ing.ingest(" in block:
            return block
    pytest.fail("no README Python example with simingest.Ingestor found")


def test_pip_install_into_a_fresh_venv_then_the_readme_example_runs(tmp_path):
    env_dir = tmp_path / "venv"
    # System site packages give numpy without a download; the package itself is
    # built and installed from bindings/python like a user would.
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    source = REPO / "bindings" / "python"
    leftovers = [source / "build", source / "simingest.egg-info"]
    existed = [p.exists() for p in leftovers]
    try:
        done = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", str(source)],
            capture_output=True, text=True, timeout=300)
    finally:
        # pip builds a local directory in place; leave the checkout as it was.
        for path, was_there in zip(leftovers, existed):
            if not was_there:
                shutil.rmtree(path, ignore_errors=True)
    if done.returncode != 0 and "No matching distribution found for setuptools" in done.stderr:
        pytest.skip("pip cannot reach a package index for the build backend (setuptools)")
    assert done.returncode == 0, done.stdout + done.stderr
    env = {"PATH": f"{env_dir / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}"}
    # Outside the checkout, no SIMINGEST_LIBRARY: the installed package finds the
    # checkout it was installed from.
    where = subprocess.run(
        [str(python), "-c", "import simingest, pathlib; print(pathlib.Path(simingest.__file__).parent); "
                            "print(simingest.library_path())"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert where.returncode == 0, where.stderr
    package_dir, library = where.stdout.splitlines()
    assert pathlib.Path(package_dir).is_relative_to(env_dir)
    assert (pathlib.Path(package_dir) / "py.typed").is_file()
    assert pathlib.Path(library).is_relative_to(REPO)
    example = tmp_path / "example.py"
    example.write_text(readme_python_example())
    run = subprocess.run([str(python), str(example)], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "framesCommitted" in run.stdout
    assert any((tmp_path / "run42").rglob("*.parquet"))

"""The package's loader: where it looks for libsimingest (never in a checkout's
build directories), the version check, and the ctypes declarations. Building
and installing the package itself: test_python_wheel.py."""

import ctypes
import os
import pathlib
import re
import shutil
import subprocess
import sys

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
    """A copy of the package outside any checkout (as installed, with its
    _build_version.py), and a fake checkout with a built library in build-test."""
    site = tmp_path / "site"
    shutil.copytree(PACKAGE, site / "simingest", ignore=shutil.ignore_patterns("__pycache__", "*.so*"))
    (site / "simingest" / "_build_version.py").write_text(f'VERSION = "{simingest.__version__}"\n')
    checkout = tmp_path / "checkout"
    (checkout / "include").mkdir(parents=True)
    (checkout / "include" / "simingest.h").write_text("/* marker */\n")
    (checkout / "CMakeLists.txt").write_text("# marker\n")
    (checkout / "build-test").mkdir()
    shutil.copy(LIBRARY, checkout / "build-test" / "libsimingest.so")
    return site, checkout


LOAD = ("import simingest\n"
        "try:\n    print('LOADED', simingest.library_path())\n"
        "except ImportError as e:\n    print(type(e).__name__, e)\n")


def test_loader_takes_the_package_folder_and_never_a_build_directory(layout):
    site, checkout = layout
    suffix = "dylib" if sys.platform == "darwin" else "so"
    code = "from simingest import _native\nfor p in _native.candidate_paths(): print(p)\n"
    assert run_python(code, cwd=checkout, pythonpath=site).splitlines() == [
        str(site / "simingest" / f"libsimingest.{suffix}"), str(site / "simingest" / f"libsimingest.{suffix}.0")]
    # A checkout's build-test/ (the current directory here) is not a place to look.
    out = run_python(LOAD, cwd=checkout, pythonpath=site)
    assert out.startswith("LibraryNotFoundError"), out
    assert "build-test" not in out
    # The library in the package folder is what an installed package loads.
    shutil.copy(LIBRARY, site / "simingest" / "libsimingest.so")
    out = run_python(LOAD, cwd=checkout, pythonpath=site)
    assert out.strip() == f"LOADED {site / 'simingest' / 'libsimingest.so'}"
    # SIMINGEST_LIBRARY wins over it.
    explicit = checkout / "build-test" / "libsimingest.so"
    out = run_python(LOAD, cwd=checkout, pythonpath=site, env_extra={"SIMINGEST_LIBRARY": str(explicit)})
    assert out.strip() == f"LOADED {explicit}"


def test_error_lists_every_place_the_loader_looked(layout, tmp_path):
    site, checkout = layout
    (site / "simingest" / "libsimingest.so.0").write_text("not an ELF file")
    out = run_python(LOAD, cwd=checkout, pythonpath=site)
    assert "cannot load libsimingest" in out
    assert "pip install ./bindings/python" in out and "SIMINGEST_LIBRARY" in out
    assert "SIMINGEST_LIBRARY: not set" in out
    assert f"{site / 'simingest' / 'libsimingest.so'}: no such file" in out
    assert f"{site / 'simingest' / 'libsimingest.so.0'}: " in out
    assert "system library" in out
    # An explicit SIMINGEST_LIBRARY that does not load is an error, not a fallback.
    out = run_python(LOAD, cwd=checkout, pythonpath=site,
                     env_extra={"SIMINGEST_LIBRARY": str(tmp_path / "missing.so")})
    assert f"SIMINGEST_LIBRARY={tmp_path / 'missing.so'}" in out


def fake_library(directory, number):
    """A shared library whose simingest_version_number() returns `number`."""
    compiler = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if compiler is None:
        pytest.skip("no C compiler to build a fake libsimingest")
    source = directory / "fake.c"
    source.write_text(f"unsigned simingest_version_number(void) {{ return {number}u; }}\n")
    library = directory / "libsimingest.so"
    subprocess.run([compiler, "-shared", "-fPIC", "-o", str(library), str(source)], check=True)
    return library


def test_a_library_of_another_version_is_refused_with_both_versions_and_the_fix(layout, tmp_path):
    site, checkout = layout
    fake = fake_library(tmp_path, 99999)
    out = run_python(LOAD, cwd=checkout, pythonpath=site, env_extra={"SIMINGEST_LIBRARY": str(fake)})
    assert out.startswith("LibraryVersionError"), out
    assert f"the library {fake} is version 9.99.99" in out
    assert f"the simingest package is {simingest.__version__}" in out
    assert "SIMINGEST_LIBRARY" in out and "pip install ./bindings/python" in out
    # The same in the package folder: a stale copy there is refused, not used.
    shutil.copy(fake, site / "simingest" / "libsimingest.so")
    out = run_python(LOAD, cwd=checkout, pythonpath=site)
    assert out.startswith("LibraryVersionError"), out


def test_the_package_version_is_the_cmake_project_version():
    cmake = (REPO / "CMakeLists.txt").read_text()
    assert re.search(r"project\(simingest VERSION ([0-9.]+)", cmake).group(1) == simingest.__version__
    assert simingest.library_version() == simingest.__version__


def test_every_c_function_is_declared_with_argtypes_and_restype():
    lib = _native.library()
    # Declarations live in _native.py, and in the module of a handle of its own (_appender.py).
    source = "".join(p.read_text() for p in sorted(PACKAGE.glob("_*.py")))
    header = (REPO / "include" / "simingest.h").read_text()
    functions = sorted(set(re.findall(r"SIMINGEST_API [^;]*?\b(simingest_\w+)\(", header)))
    assert len(functions) == 42, functions
    for name in functions:
        function = getattr(lib, name)
        assert function.argtypes is not None, name
        assert function.restype is not None or name in ("simingest_free", "simingest_dataset_close", "simingest_frame_free"), name
        assert source.count(f"lib.{name}.argtypes =") == 1, f"{name} declared more than once"
        assert re.search(rf"# .*\b{name}\(", source), f"{name}: C prototype comment missing"
    assert isinstance(lib, ctypes.CDLL) and not isinstance(lib, ctypes.PyDLL), \
        "PyDLL would hold the GIL during calls"

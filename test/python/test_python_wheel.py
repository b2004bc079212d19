"""The Python package built and installed as users do, from a clean copy of the
checkout (its tracked files, no build directories), with SIMINGEST_LIBRARY unset:

- README's "Using it from Python -> Install" shell block, run as written, then
  README's Python example with that venv's python;
- the sdist (scikit-build-core's build_sdist, what `python -m build --sdist`
  calls), then `pip wheel` of that sdist alone: the wheel holds
  simingest/libsimingest.so (checked with `auditwheel show` when installed),
  and installed into a fresh venv it runs README's Python example.

Each compiles the engine (ccache used when present). pip needs an index that
serves scikit-build-core (and numpy for the plain venv); the tests skip, saying
so, when it has none.
"""

import os
import pathlib
import re
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile

import pytest
from readme_blocks import readme_block

REPO = pathlib.Path(__file__).resolve().parents[2]
CMAKE_VERSION = re.search(r"project\(simingest VERSION ([0-9.]+)", (REPO / "CMakeLists.txt").read_text()).group(1)
NO_INDEX = ("No matching distribution found", "Could not find a version that satisfies")


def clean_env(venv_dir=None):
    """The environment of a user's shell: no SIMINGEST_LIBRARY; ccache if any."""
    env = {k: v for k, v in os.environ.items() if k not in ("SIMINGEST_LIBRARY", "VIRTUAL_ENV", "PYTHONPATH")}
    env.setdefault("CMAKE_BUILD_PARALLEL_LEVEL", "2")
    env.setdefault("PIP_RETRIES", "0")
    if shutil.which("ccache"):
        env.setdefault("CMAKE_C_COMPILER_LAUNCHER", "ccache")
        env.setdefault("CMAKE_CXX_COMPILER_LAUNCHER", "ccache")
    if venv_dir is not None:
        env["PATH"] = f"{venv_dir / 'bin'}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
    return env


def run(cmd, cwd=None, env=None, timeout=1800):
    done = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env or clean_env(), capture_output=True,
                          text=True, timeout=timeout)
    if done.returncode != 0 and any(reason in done.stdout + done.stderr for reason in NO_INDEX):
        pytest.skip(f"pip has no index serving what the build needs: {done.stderr[-800:]}")
    assert done.returncode == 0, f"{cmd} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return done.stdout


def fresh_venv(path):
    # System site packages give numpy and pyarrow without a download.
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(path)
    return path / "bin" / "python"


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """The checkout's tracked files, as `git clone` gives them (symlinks kept)."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout: cannot list its tracked files")
    listed = subprocess.run(["git", "-C", str(REPO), "ls-files", "-z"], capture_output=True, check=True).stdout
    root = tmp_path_factory.mktemp("clone") / "simingest"
    for name in filter(None, listed.decode().split("\0")):
        source, target = REPO / name, root / name
        if not source.exists() and not source.is_symlink():
            continue  # deleted in the working tree
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
    assert not list(root.glob("build*")), "the clean copy has build directories"
    return root


def run_readme_example(python, tmp_path):
    work = tmp_path / "user"
    work.mkdir()
    (work / "example.py").write_text(readme_block("python", "simingest.Ingestor("))
    env = clean_env(python.parent.parent)
    where = run([python, "-c", "import simingest; print(simingest.library_path())"], cwd=work, env=env)
    assert pathlib.Path(where.strip()).is_relative_to(python.parent.parent), where
    out = run([python, "example.py"], cwd=work, env=env, timeout=600)
    assert "framesCommitted" in out
    assert any((work / "run42" / "fields").rglob("*.parquet"))


def test_readme_install_block_then_the_readme_example(clone, tmp_path):
    install = readme_block("sh", "pip install ./bindings/python")
    run(["bash", "-euc", install], cwd=clone)
    run_readme_example(clone / ".venv" / "bin" / "python", tmp_path)


@pytest.fixture(scope="module")
def sdist(clone, tmp_path_factory):
    tools = fresh_venv(tmp_path_factory.mktemp("tools") / "venv")
    run([tools, "-m", "pip", "install", "-q", "scikit-build-core>=1.0"])
    out = tmp_path_factory.mktemp("sdist")
    name = run([tools, "-c", f"from scikit_build_core.build import build_sdist; print(build_sdist({str(out)!r}))"],
               cwd=clone / "bindings" / "python").strip().splitlines()[-1]
    return out / name


def test_the_sdist_carries_the_engine_sources_as_files(sdist):
    with tarfile.open(sdist) as tar:
        members = {m.name.split("/", 1)[1]: m for m in tar.getmembers() if "/" in m.name}
    assert sdist.name == f"simingest-{CMAKE_VERSION}.tar.gz"
    assert not [n for n, m in members.items() if m.issym() or m.islnk()], "symlinks in the sdist"
    for needed in ("CMakeLists.txt", "engine/CMakeLists.txt", "engine/include/simingest.h",
                   "engine/cmake/simingest.pc.in", "engine/native/capi/simingest_capi.cpp"):
        assert needed in members, needed
    assert not [n for n in members if n.endswith("_test.cpp") or n.startswith("engine/native/node/")]


def test_pip_wheel_of_the_sdist_holds_the_library_and_runs_the_readme_example(sdist, tmp_path):
    wheels = tmp_path / "wheels"
    fresh = tmp_path / "elsewhere"
    fresh.mkdir()
    given = shutil.copy(sdist, fresh)  # nothing of the checkout next to it
    builder = fresh_venv(tmp_path / "builder")
    run([builder, "-m", "pip", "wheel", "--no-deps", "-w", wheels, given], cwd=fresh)
    (wheel,) = wheels.glob("simingest-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        assert z.read("simingest/_build_version.py").decode().count(f'VERSION = "{CMAKE_VERSION}"') == 1
    assert "simingest/libsimingest.so" in names
    assert not [n for n in names if not n.startswith(("simingest/", "simingest-"))], names
    if shutil.which("auditwheel"):
        print(run(["auditwheel", "show", wheel]))
    else:
        print("auditwheel is not installed: `auditwheel show` not run")
    user = fresh_venv(tmp_path / "user-venv")
    run([user, "-m", "pip", "install", "--no-deps", "--no-index", wheel])
    run_readme_example(user, tmp_path)

"""What a plain `cmake -S . -B build && cmake --build build` builds: the
library only. The tests and benchmarks are behind SIMINGEST_BUILD_TESTS and
SIMINGEST_BUILD_BENCH, which npm test, .ci/sanitizers.sh, scripts/fuzz.mjs
and bench/run.mjs turn on.

Configures (does not build) fresh directories; skipped without cmake or the
engine's build dependencies.
"""

import pathlib
import shutil
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


def targets(build, *options):
    configured = subprocess.run(["cmake", "-S", str(REPO), "-B", str(build), *options],
                                capture_output=True, text=True, timeout=300)
    if configured.returncode != 0:
        pytest.skip(f"cannot configure simingest here: {configured.stderr[-2000:]}")
    listed = subprocess.run(["cmake", "--build", str(build), "--target", "help"],
                            capture_output=True, text=True, timeout=120, check=True).stdout
    return {line.split()[-1].split(":")[0] for line in listed.splitlines() if line.startswith("...")}


@pytest.fixture(autouse=True)
def needs_cmake():
    if shutil.which("cmake") is None:
        pytest.skip("cmake is not installed")


def test_a_plain_build_compiles_the_library_and_nothing_else(tmp_path):
    found = targets(tmp_path / "plain")
    assert {"simingest", "simingest_core"} <= found
    assert not {t for t in found if "test" in t or "bench" in t or t.startswith("fuzz")}, found


def test_the_options_bring_back_the_tests_and_the_benchmarks(tmp_path):
    found = targets(tmp_path / "all", "-DSIMINGEST_BUILD_TESTS=ON", "-DSIMINGEST_BUILD_BENCH=ON")
    assert {"bench_ingest", "kernels_bench", "verify_open_bench"} <= found
    assert "simingest_tests" in found

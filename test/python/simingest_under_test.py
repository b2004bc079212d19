"""The simingest package of this checkout, for the Python tests.

Importing it puts bindings/python first on sys.path and, unless
SIMINGEST_LIBRARY is set already, sets it (for this process and every
subprocess) to the first built library of BUILDS: the package itself never
searches build directories. load() returns the package or skips the calling
test module when no libsimingest has been built.
"""
import os
import pathlib
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILDS = ("build/Release", "build-test", "build")  # npm run compile, npm test's ctest, a plain build
sys.path.insert(0, str(REPO / "bindings" / "python"))

if not os.environ.get("SIMINGEST_LIBRARY"):
    for build in BUILDS:
        if (REPO / build / "libsimingest.so").is_file():
            os.environ["SIMINGEST_LIBRARY"] = str(REPO / build / "libsimingest.so")
            break

import simingest  # noqa: E402


def load():
    try:
        simingest.library_path()
    except simingest.LibraryNotFoundError as error:
        pytest.skip(f"libsimingest is not built (cmake --build build): {error}", allow_module_level=True)
    return simingest

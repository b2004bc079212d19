"""The simingest package of this checkout, for the Python tests.

Importing it puts bindings/python first on sys.path; load() returns the package
or skips the calling test module when libsimingest has not been built.
"""
import pathlib
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bindings" / "python"))

import simingest  # noqa: E402


def load():
    try:
        simingest.library_path()
    except simingest.LibraryNotFoundError as error:
        pytest.skip(f"libsimingest is not built (cmake --build build): {error}", allow_module_level=True)
    return simingest

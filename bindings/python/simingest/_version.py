"""The version of this package, which is the version of the CMake project it is built from.

An installed package has it in ``_build_version.py``, written by the build
(scikit-build-core reads ``project(simingest VERSION ...)``). Run from a source
checkout (``bindings/python`` on ``sys.path``), it is read from the checkout's
top ``CMakeLists.txt``. The loader refuses a library of another version.
"""

from __future__ import annotations

import re
from pathlib import Path


def _checkout_version() -> str:
    cmake = Path(__file__).resolve().parents[3] / "CMakeLists.txt"
    try:
        found = re.search(r"project\(simingest VERSION ([0-9]+\.[0-9]+\.[0-9]+)", cmake.read_text("utf-8"))
    except OSError:
        found = None
    if found is None:
        raise ImportError(f"simingest: no _build_version.py and no version in {cmake}: reinstall the package")
    return found.group(1)


try:
    from ._build_version import VERSION
except ImportError:
    VERSION = _checkout_version()


def version_number(version: str) -> int:
    """"MAJOR.MINOR.PATCH" as simingest_version_number() encodes it: MAJOR*10000 + MINOR*100 + PATCH."""
    major, minor, patch = (int(part) for part in version.split("."))
    return major * 10000 + minor * 100 + patch

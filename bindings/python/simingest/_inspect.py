"""`inspect_dataset`: the summary `simingest inspect --json` prints, read through the engine.

The engine (simingest_inspect_json in include/simingest.h) reads and checks the
manifest exactly as opening the dataset does, so nothing about the manifest is
re-implemented here.
"""

from __future__ import annotations

import ctypes
import json
import os
from typing import Any, Dict, Union

from . import _native
from ._errors import InvalidArgumentError, Status

PathLike = Union[str, "os.PathLike[str]"]


def inspect_dataset(path: PathLike) -> Dict[str, Any]:
    """Summarises the dataset at ``path`` from its manifest alone.

    Returns a dict with ``path``, ``formatVersion``, ``manifestSource`` (which
    manifest copy was read, and why not the primary), ``streams`` (per stream:
    ``columns`` with dtype and raw/stored bytes, ``grid``, ``partitioning``,
    ``partitions``, ``files``, ``frames``, ``rows``, ``rowGroups``, ``bytes``,
    ``steps`` and ``time`` ranges), ``files``, ``bytes`` and ``quarantined``.
    Read-only and lock-free: works while an `Ingestor` holds the dataset.
    Raises StorageError when ``path`` holds no dataset, CorruptDatasetError
    when no manifest copy is good.
    """
    encoded = os.fsencode(path)
    if b"\0" in encoded:
        raise InvalidArgumentError(Status.ERR_INVALID_ARGUMENT, "path contains a NUL character")
    lib = _native.library()
    out = ctypes.c_void_p()
    error = ctypes.c_void_p()
    lib.simingest_inspect_json(encoded, ctypes.byref(out), ctypes.byref(error))
    try:
        text = ctypes.string_at(out.value).decode("utf-8")
    finally:
        lib.simingest_free(out)
    return json.loads(text)

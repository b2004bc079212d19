"""`inspect_dataset` and `verify_dataset`: the documents `simingest inspect --json`
and `simingest verify --json` print, read through the engine.

The engine (simingest_inspect_json and simingest_verify_json in
include/simingest.h) reads and checks the manifest exactly as opening the
dataset does, so nothing about the manifest is re-implemented here.
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
    ``steps`` and ``time`` ranges, ``index`` statistics, ``parquetSchema``),
    ``files``, ``bytes``, ``quarantined`` and ``fileList``. A shared dataset
    (``writer=``) reports the union of its writers plus ``writers``: ``count``,
    ``present``, per writer its ``lastDurableSteps``, and ``jobDurableSteps``,
    the last step durable on every writer (the whole job's checkpoint).
    Read-only and lock-free: works while an `Ingestor` holds the dataset.
    Raises StorageError when ``path`` holds no dataset, CorruptDatasetError
    when no manifest copy is good.
    """
    return _dataset_report("simingest_inspect_json", path)


def verify_dataset(path: PathLike) -> Dict[str, Any]:
    """Verifies every byte of the dataset at ``path`` and reports.

    Returns a dict with ``ok`` (False if a manifest copy is damaged or missing
    or any file fails), ``manifests`` and ``files`` (each with ``path``,
    ``ok`` and, when it failed, ``problem``), ``filesChecked``,
    ``filesFailed`` and ``bytesChecked``. Nothing is repaired or moved
    (opening the dataset quarantines); read-only and lock-free. Raises
    StorageError when ``path`` holds no dataset, CorruptDatasetError when no
    manifest copy is good.
    """
    return _dataset_report("simingest_verify_json", path)


def _dataset_report(function: str, path: PathLike) -> Dict[str, Any]:
    encoded = os.fsencode(path)
    if b"\0" in encoded:
        raise InvalidArgumentError(Status.ERR_INVALID_ARGUMENT, "path contains a NUL character")
    lib = _native.library()
    out = ctypes.c_void_p()
    error = ctypes.c_void_p()
    getattr(lib, function)(encoded, ctypes.byref(out), ctypes.byref(error))
    try:
        text = ctypes.string_at(out.value).decode("utf-8")
    finally:
        lib.simingest_free(out)
    return json.loads(text)

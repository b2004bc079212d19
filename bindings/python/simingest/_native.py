"""Loading libsimingest and declaring its C ABI (include/simingest.h) for ctypes.

Where the library is looked for, in this order (the first that loads wins):

1. the file named by the environment variable ``SIMINGEST_LIBRARY``; when it is
   set nothing else is tried, so a wrong value is an error, never silently
   replaced by another build;
2. ``libsimingest.so`` (``.so.0``; ``.dylib`` on macOS) in this package's folder;
3. the build directories of the simingest checkout, in each checkout found:
   the checkout the package was pip-installed from (recorded at install time),
   the checkout that contains the package's folder, then the one that contains
   the current directory. Within a checkout: ``build/Release`` (what ``npm
   install`` builds), ``build-test``, ``build``, then every other ``build*``
   directory, the most recently built library first;
4. the system's dynamic loader (``ctypes.util.find_library("simingest")``), so a
   ``cmake --install`` into a standard prefix works.

If none loads, `LibraryNotFoundError` lists every place and why it failed.

`ctypes.CDLL` (not `PyDLL`) releases the GIL for the duration of every foreign
call: threads ingesting in parallel really run in parallel inside the engine.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import threading
from pathlib import Path
from typing import List, Optional, Tuple

from ._errors import SimingestError, Status, error_for

_LIBRARY_NAMES = (
    ("libsimingest.dylib", "libsimingest.0.dylib")
    if sys.platform == "darwin"
    else ("libsimingest.so", "libsimingest.so.0")
)
_BUILD_DIRS_FIRST = ("build/Release", "build-test", "build")


class LibraryNotFoundError(ImportError):
    """libsimingest could not be loaded from any of the places listed in the message."""

    def __init__(self, attempts: List[Tuple[str, str]]) -> None:
        self.attempts = attempts
        lines = [f"  {where}: {why}" for where, why in attempts]
        super().__init__(
            "simingest: cannot load libsimingest. Build it (cmake -S . -B build && "
            "cmake --build build) or set SIMINGEST_LIBRARY to its path. Looked at, in order:\n"
            + "\n".join(lines)
        )


def _is_checkout(path: Path) -> bool:
    return (path / "include" / "simingest.h").is_file() and (path / "CMakeLists.txt").is_file()


def _checkout_containing(start: Path) -> Optional[Path]:
    for candidate in (start, *start.parents):
        if _is_checkout(candidate):
            return candidate
    return None


def _recorded_checkout(package_dir: Path) -> Optional[Path]:
    record = package_dir / "_source_tree.txt"
    try:
        path = Path(record.read_text(encoding="utf-8").strip())
    except OSError:
        return None
    return path if _is_checkout(path) else None


def _build_dirs(checkout: Path) -> List[Path]:
    first = [checkout / d for d in _BUILD_DIRS_FIRST]
    others = []
    for d in checkout.glob("build*"):
        if d.is_dir() and d not in first:
            newest = max(
                (f.stat().st_mtime for n in _LIBRARY_NAMES for f in [d / n] if f.is_file()),
                default=None,
            )
            if newest is not None:
                others.append((newest, d))
    others.sort(key=lambda item: (-item[0], item[1].name))
    return first + [d for _, d in others]


def candidate_paths() -> List[Path]:
    """Steps 2 and 3 of the search order, as files to try (existing or not)."""
    package_dir = Path(__file__).resolve().parent
    paths = [package_dir / n for n in _LIBRARY_NAMES]
    checkouts: List[Path] = []
    for checkout in (
        _recorded_checkout(package_dir),
        _checkout_containing(package_dir),
        _checkout_containing(Path.cwd().resolve()),
    ):
        if checkout is not None and checkout not in checkouts:
            checkouts.append(checkout)
    for checkout in checkouts:
        for d in _build_dirs(checkout):
            paths.append(d / _LIBRARY_NAMES[0])
    return paths


def _load() -> Tuple[ctypes.CDLL, str]:
    attempts: List[Tuple[str, str]] = []
    explicit = os.environ.get("SIMINGEST_LIBRARY")
    if explicit:
        try:
            return ctypes.CDLL(explicit), explicit
        except OSError as error:
            raise LibraryNotFoundError([(f"SIMINGEST_LIBRARY={explicit}", str(error))]) from None
    attempts.append(("SIMINGEST_LIBRARY", "not set"))
    for path in candidate_paths():
        if not path.is_file():
            attempts.append((str(path), "no such file"))
            continue
        try:
            return ctypes.CDLL(str(path)), str(path)
        except OSError as error:  # e.g. a sanitizer build that cannot be dlopen()ed
            attempts.append((str(path), str(error)))
    system = ctypes.util.find_library("simingest")
    if system:
        try:
            return ctypes.CDLL(system), system
        except OSError as error:
            attempts.append((f"system library {system}", str(error)))
    else:
        attempts.append(("system library search (find_library)", "not found"))
    raise LibraryNotFoundError(attempts)


# ---- C types ------------------------------------------------------------------

SCALAR = ctypes.c_size_t(-1).value  # SIMINGEST_SCALAR


class IngestorHandle(ctypes.Structure):
    """Opaque `simingest_ingestor`; only pointers to it are used."""


IngestorPointer = ctypes.POINTER(IngestorHandle)


class CColumn(ctypes.Structure):
    """`simingest_column`."""

    _fields_ = [
        ("name", ctypes.c_char_p),
        ("dtype", ctypes.c_int),
        ("data", ctypes.c_void_p),
        ("length", ctypes.c_size_t),
    ]


# typedef void (*simingest_room_callback)(void* user_data, simingest_status status);
RoomCallback = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int)


# ---- errcheck: failing statuses become exceptions -----------------------------


def _message_of(handle, status: int, lib: ctypes.CDLL) -> str:
    # Read at once, on the calling thread, before any other call on it: that is
    # what makes simingest_last_error() the message of *this* failure.
    text = lib.simingest_last_error(handle)
    message = text.decode("utf-8", "replace") if text else ""
    return message or lib.simingest_status_string(status).decode("utf-8", "replace")


def _make_errchecks(lib: ctypes.CDLL):
    def on_handle(result, func, args):
        # simingest_ingest / _flush / _stats_json / _checkpoint / _notify_room: args[0] is the handle.
        if result != Status.OK:
            raise error_for(result, _message_of(args[0], result, lib))
        return result

    def on_handle_may_block(result, func, args):
        # simingest_ingest_nowait: WOULD_BLOCK is an answer, not a failure.
        if result not in (Status.OK, Status.WOULD_BLOCK):
            raise error_for(result, _message_of(args[0], result, lib))
        return result

    def on_out_error(position: int):
        # The message comes back through out_error (args[position]), owned by us.
        def check(result, func, args):
            if result != Status.OK:
                out_error = args[position]
                raw = out_error._obj if hasattr(out_error, "_obj") else out_error
                message = ""
                if raw:
                    message = ctypes.string_at(raw).decode("utf-8", "replace")
                    lib.simingest_free(raw)
                raise error_for(result, message or lib.simingest_status_string(result).decode())
            return result

        return check

    def on_close(result, func, args):
        # The handle is gone; the library keeps the final flush's message as the
        # calling thread's failure on a NULL handle.
        if result != Status.OK:
            raise error_for(result, _message_of(None, result, lib))
        return result

    return on_handle, on_handle_may_block, on_out_error, on_close


def _declare(lib: ctypes.CDLL) -> None:
    """Each C function once, with its prototype from include/simingest.h."""
    column_p = ctypes.POINTER(CColumn)

    # const char* simingest_version(void);
    lib.simingest_version.argtypes = []
    lib.simingest_version.restype = ctypes.c_char_p
    # unsigned simingest_version_number(void);
    lib.simingest_version_number.argtypes = []
    lib.simingest_version_number.restype = ctypes.c_uint
    # const char* simingest_status_string(simingest_status status);
    lib.simingest_status_string.argtypes = [ctypes.c_int]
    lib.simingest_status_string.restype = ctypes.c_char_p
    # const char* simingest_last_error(const simingest_ingestor* ingestor);
    lib.simingest_last_error.argtypes = [IngestorPointer]
    lib.simingest_last_error.restype = ctypes.c_char_p
    # void simingest_free(void* pointer);
    lib.simingest_free.argtypes = [ctypes.c_void_p]
    lib.simingest_free.restype = None

    on_handle, on_handle_may_block, on_out_error, on_close = _make_errchecks(lib)

    # simingest_status simingest_open(const char* path, const char* config_json,
    #                                 simingest_ingestor** out, char** out_error);
    lib.simingest_open.argtypes = [
        ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(IngestorPointer), ctypes.POINTER(ctypes.c_void_p)
    ]
    lib.simingest_open.restype = ctypes.c_int
    lib.simingest_open.errcheck = on_out_error(3)
    # simingest_status simingest_ingest(simingest_ingestor* ingestor, const char* stream,
    #     int64_t step, double time, const simingest_column* columns, size_t ncolumns);
    lib.simingest_ingest.argtypes = [
        IngestorPointer, ctypes.c_char_p, ctypes.c_int64, ctypes.c_double, column_p, ctypes.c_size_t
    ]
    lib.simingest_ingest.restype = ctypes.c_int
    lib.simingest_ingest.errcheck = on_handle
    # simingest_status simingest_ingest_nowait(simingest_ingestor* ingestor, const char* stream,
    #     int64_t step, double time, const simingest_column* columns, size_t ncolumns);
    lib.simingest_ingest_nowait.argtypes = lib.simingest_ingest.argtypes
    lib.simingest_ingest_nowait.restype = ctypes.c_int
    lib.simingest_ingest_nowait.errcheck = on_handle_may_block
    # simingest_status simingest_notify_room(simingest_ingestor* ingestor, size_t bytes,
    #     simingest_room_callback callback, void* user_data);
    lib.simingest_notify_room.argtypes = [IngestorPointer, ctypes.c_size_t, RoomCallback, ctypes.c_void_p]
    lib.simingest_notify_room.restype = ctypes.c_int
    lib.simingest_notify_room.errcheck = on_handle
    # simingest_status simingest_flush(simingest_ingestor* ingestor);
    lib.simingest_flush.argtypes = [IngestorPointer]
    lib.simingest_flush.restype = ctypes.c_int
    lib.simingest_flush.errcheck = on_handle
    # simingest_status simingest_close(simingest_ingestor** ingestor);
    lib.simingest_close.argtypes = [ctypes.POINTER(IngestorPointer)]
    lib.simingest_close.restype = ctypes.c_int
    lib.simingest_close.errcheck = on_close
    # simingest_status simingest_stats_json(simingest_ingestor* ingestor, char** out_json);
    lib.simingest_stats_json.argtypes = [IngestorPointer, ctypes.POINTER(ctypes.c_void_p)]
    lib.simingest_stats_json.restype = ctypes.c_int
    lib.simingest_stats_json.errcheck = on_handle
    # simingest_status simingest_checkpoint(simingest_ingestor* ingestor, char** out_json);
    # (0.1 libraries built before it have no such symbol: everything else still works.)
    if hasattr(lib, "simingest_checkpoint"):
        lib.simingest_checkpoint.argtypes = [IngestorPointer, ctypes.POINTER(ctypes.c_void_p)]
        lib.simingest_checkpoint.restype = ctypes.c_int
        lib.simingest_checkpoint.errcheck = on_handle
    # simingest_status simingest_inspect_json(const char* path, char** out_json, char** out_error);
    if hasattr(lib, "simingest_inspect_json"):
        lib.simingest_inspect_json.argtypes = [
            ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_void_p)
        ]
        lib.simingest_inspect_json.restype = ctypes.c_int
        lib.simingest_inspect_json.errcheck = on_out_error(2)


_lock = threading.Lock()
_library: Optional[ctypes.CDLL] = None
_library_path: Optional[str] = None


def library() -> ctypes.CDLL:
    """The loaded, declared libsimingest (loaded on first use)."""
    global _library, _library_path
    if _library is None:
        with _lock:
            if _library is None:
                lib, path = _load()
                _declare(lib)
                _library_path = path
                _library = lib
    return _library


def library_path() -> str:
    """The file libsimingest was loaded from."""
    library()
    assert _library_path is not None
    return _library_path


def status_string(status: int) -> str:
    """simingest_status_string(): a static English description of a status."""
    return library().simingest_status_string(int(status)).decode("utf-8")


__all__ = [
    "CColumn",
    "IngestorPointer",
    "LibraryNotFoundError",
    "RoomCallback",
    "SCALAR",
    "SimingestError",
    "candidate_paths",
    "library",
    "library_path",
    "status_string",
]

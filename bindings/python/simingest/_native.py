"""Loading libsimingest and declaring its C ABI (include/simingest.h) for ctypes.

Where the library is looked for, in this order (the first that loads wins):

1. the file named by the environment variable ``SIMINGEST_LIBRARY``; when it is
   set nothing else is tried, so a wrong value is an error, never silently
   replaced by another build;
2. ``libsimingest.so`` (``.so.0``; ``.dylib`` on macOS) in this package's folder,
   where ``pip install`` puts the library it compiles;
3. the system's dynamic loader (``ctypes.util.find_library("simingest")``), so a
   ``cmake --install`` into a standard prefix works.

Build directories of a source checkout are never searched (a stale one could
win): point ``SIMINGEST_LIBRARY`` at one instead. If none loads,
`LibraryNotFoundError` lists every place and why it failed. The library that
loads must be of this package's version (``simingest_version_number()``), or
`LibraryVersionError` says which file, both versions and how to fix it.

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

from ._arrow_abi import ArrowArrayStream, DatasetPointer, QuerySpec
from ._errors import SimingestError, Status, error_for
from ._version import VERSION, version_number

_LIBRARY_NAMES = (
    ("libsimingest.dylib", "libsimingest.0.dylib")
    if sys.platform == "darwin"
    else ("libsimingest.so", "libsimingest.so.0")
)


class LibraryNotFoundError(ImportError):
    """libsimingest could not be loaded from any of the places listed in the message."""

    def __init__(self, attempts: List[Tuple[str, str]]) -> None:
        self.attempts = attempts
        lines = [f"  {where}: {why}" for where, why in attempts]
        super().__init__(
            "simingest: cannot load libsimingest. Reinstall the package (pip install ./bindings/python "
            "compiles the library into it) or set SIMINGEST_LIBRARY to a built libsimingest.so. "
            "Looked at, in order:\n" + "\n".join(lines)
        )


class LibraryVersionError(ImportError):
    """The libsimingest that loaded is not of this package's version."""

    def __init__(self, path: str, library_version: str) -> None:
        self.path = path
        self.library_version = library_version
        super().__init__(
            f"simingest: the library {path} is version {library_version} but the simingest package is "
            f"{VERSION}; refusing to use it. Point SIMINGEST_LIBRARY at a libsimingest.so built from "
            f"simingest {VERSION}, or reinstall the package (pip install ./bindings/python) so that it "
            "carries its own library."
        )


def _checked(lib: ctypes.CDLL, path: str) -> Tuple[ctypes.CDLL, str]:
    try:
        number_of = lib.simingest_version_number
    except AttributeError:
        raise LibraryVersionError(path, "unknown (no simingest_version_number)") from None
    number_of.argtypes = []
    number_of.restype = ctypes.c_uint
    number = int(number_of())
    if number != version_number(VERSION):
        raise LibraryVersionError(path, f"{number // 10000}.{number // 100 % 100}.{number % 100}")
    return lib, path


def candidate_paths() -> List[Path]:
    """Step 2 of the search order, as files to try (existing or not)."""
    package_dir = Path(__file__).resolve().parent
    return [package_dir / n for n in _LIBRARY_NAMES]


def _load() -> Tuple[ctypes.CDLL, str]:
    attempts: List[Tuple[str, str]] = []
    explicit = os.environ.get("SIMINGEST_LIBRARY")
    if explicit:
        try:
            return _checked(ctypes.CDLL(explicit), explicit)
        except OSError as error:
            raise LibraryNotFoundError([(f"SIMINGEST_LIBRARY={explicit}", str(error))]) from None
    attempts.append(("SIMINGEST_LIBRARY", "not set"))
    for path in candidate_paths():
        if not path.is_file():
            attempts.append((str(path), "no such file"))
            continue
        try:
            return _checked(ctypes.CDLL(str(path)), str(path))
        except OSError as error:
            attempts.append((str(path), str(error)))
    system = ctypes.util.find_library("simingest")
    if system:
        try:
            return _checked(ctypes.CDLL(system), system)
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


class FrameHandle(ctypes.Structure):
    """Opaque `simingest_frame` (a loaned frame); only pointers to it are used."""


FramePointer = ctypes.POINTER(FrameHandle)


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
# typedef void (*simingest_completion_callback)(void* user_data, simingest_status status,
#                                               const char* message);
CompletionCallback = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p)


class SubscribeOptions(ctypes.Structure):
    """`simingest_subscribe_options`."""

    _fields_ = [
        ("struct_size", ctypes.c_size_t),
        ("queue_frames", ctypes.c_size_t),
        ("policy", ctypes.c_int),
        ("has_from_step", ctypes.c_int),
        ("from_step", ctypes.c_int64),
    ]


class SubscriptionFrame(ctypes.Structure):
    """`simingest_subscription_frame`."""

    _fields_ = [
        ("stream", ctypes.c_char_p),
        ("step", ctypes.c_int64),
        ("time", ctypes.c_double),
        ("dropped_before", ctypes.c_uint64),
        ("columns", ctypes.POINTER(CColumn)),
        ("ncolumns", ctypes.c_size_t),
    ]


class SubscriptionHandle(ctypes.Structure):
    """Opaque `simingest_subscription`."""


SubscriptionPointer = ctypes.POINTER(SubscriptionHandle)
# int (*)(void* user, const simingest_subscription_frame* frame, simingest_status status, const char* message)
SubscriptionCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(SubscriptionFrame), ctypes.c_int, ctypes.c_char_p
)


# ---- errcheck: failing statuses become exceptions -----------------------------


def _message_of(handle, status: int, lib: ctypes.CDLL) -> str:
    # Read at once, on the calling thread, before any other call on it: that is
    # what makes simingest_last_error() the message of *this* failure.
    text = lib.simingest_last_error(handle)
    message = text.decode("utf-8", "replace") if text else ""
    return message or lib.simingest_status_string(status).decode("utf-8", "replace")


def raise_for_status(lib: ctypes.CDLL, handle, status: int) -> None:
    """What the errcheck of a handle's call raises, for calls made without one."""
    raise error_for(status, _message_of(handle, status, lib))


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


def _make_dataset_errcheck(lib: ctypes.CDLL):
    def on_dataset(result, func, args):
        # simingest_dataset_query / _streams_json: args[0] is the dataset handle,
        # whose per-thread last error is read at once, as for an ingestor.
        if result != Status.OK:
            text = lib.simingest_dataset_last_error(args[0])
            message = text.decode("utf-8", "replace") if text else ""
            raise error_for(result, message or lib.simingest_status_string(result).decode("utf-8", "replace"))
        return result

    return on_dataset


def _declare_query(lib: ctypes.CDLL, on_handle, on_out_error) -> None:
    """The query side (issue 12). Each function is declared when the library has
    it: libraries built before it have none, and the dataset functions came
    before simingest_query."""
    stream_p = ctypes.POINTER(ArrowArrayStream)
    spec_p = ctypes.POINTER(QuerySpec)
    on_dataset = _make_dataset_errcheck(lib)
    if hasattr(lib, "simingest_query"):
        # simingest_status simingest_query(simingest_ingestor* ingestor, const char* stream,
        #     const simingest_query_spec* spec, struct ArrowArrayStream* out);
        lib.simingest_query.argtypes = [IngestorPointer, ctypes.c_char_p, spec_p, stream_p]
        lib.simingest_query.restype = ctypes.c_int
        lib.simingest_query.errcheck = on_handle
    if hasattr(lib, "simingest_query_stream_status"):
        # simingest_status simingest_query_stream_status(struct ArrowArrayStream* stream);
        lib.simingest_query_stream_status.argtypes = [stream_p]
        lib.simingest_query_stream_status.restype = ctypes.c_int
    if not hasattr(lib, "simingest_dataset_open"):
        return
    # const char* simingest_dataset_last_error(const simingest_dataset* dataset);
    lib.simingest_dataset_last_error.argtypes = [DatasetPointer]
    lib.simingest_dataset_last_error.restype = ctypes.c_char_p
    # simingest_status simingest_dataset_open(const char* path, simingest_dataset** out, char** out_error);
    lib.simingest_dataset_open.argtypes = [
        ctypes.c_char_p, ctypes.POINTER(DatasetPointer), ctypes.POINTER(ctypes.c_void_p)
    ]
    lib.simingest_dataset_open.restype = ctypes.c_int
    lib.simingest_dataset_open.errcheck = on_out_error(2)
    # simingest_status simingest_dataset_query(simingest_dataset* dataset, const char* stream,
    #     const simingest_query_spec* spec, struct ArrowArrayStream* out);
    lib.simingest_dataset_query.argtypes = [DatasetPointer, ctypes.c_char_p, spec_p, stream_p]
    lib.simingest_dataset_query.restype = ctypes.c_int
    lib.simingest_dataset_query.errcheck = on_dataset
    # simingest_status simingest_dataset_streams_json(simingest_dataset* dataset, char** out_json);
    lib.simingest_dataset_streams_json.argtypes = [DatasetPointer, ctypes.POINTER(ctypes.c_void_p)]
    lib.simingest_dataset_streams_json.restype = ctypes.c_int
    lib.simingest_dataset_streams_json.errcheck = on_dataset
    if hasattr(lib, "simingest_dataset_subscribe"):
        # simingest_status simingest_dataset_subscribe(simingest_dataset* dataset, const char* stream,
        #     const simingest_subscribe_options* options, simingest_subscription_callback callback,
        #     void* user_data, simingest_subscription** out);
        lib.simingest_dataset_subscribe.argtypes = [
            DatasetPointer,
            ctypes.c_char_p,
            ctypes.POINTER(SubscribeOptions),
            SubscriptionCallback,
            ctypes.c_void_p,
            ctypes.POINTER(SubscriptionPointer),
        ]
        lib.simingest_dataset_subscribe.restype = ctypes.c_int
        lib.simingest_dataset_subscribe.errcheck = on_dataset
    # void simingest_dataset_close(simingest_dataset** dataset);
    lib.simingest_dataset_close.argtypes = [ctypes.POINTER(DatasetPointer)]
    lib.simingest_dataset_close.restype = None


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
    # The same function with no argtypes, restype int and no errcheck, for
    # Ingestor.ingest()'s fast path, which passes every argument as ctypes
    # would pass it after argtypes (FramePlan.bind: handle, columns and count
    # as argument objects built once, bytes stream, c_int64 step and c_double
    # time): nothing is converted or checked per call. Converting six
    # arguments through argtypes and calling errcheck cost ~1 µs of a small
    # frame's ~5 µs (issue 15 goal 3, docs/PERFORMANCE_ISSUE15.md). The caller
    # checks the status with raise_for_status().
    lib.simingest_ingest_raw = type(lib.simingest_ingest)(("simingest_ingest", lib))
    lib.simingest_ingest_raw.restype = ctypes.c_int
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
    # simingest_status simingest_verify_json(const char* path, char** out_json, char** out_error);
    if hasattr(lib, "simingest_verify_json"):
        lib.simingest_verify_json.argtypes = [
            ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_void_p)
        ]
        lib.simingest_verify_json.restype = ctypes.c_int
        lib.simingest_verify_json.errcheck = on_out_error(2)
    # simingest_status simingest_flush_async(simingest_ingestor* ingestor,
    #     simingest_completion_callback callback, void* user_data);
    # simingest_status simingest_close_async(simingest_ingestor* ingestor,
    #     simingest_completion_callback callback, void* user_data);
    # Declared for completeness: the Python package waits with simingest_flush/_close.
    # (0.1 libraries built before them have no such symbols.)
    if hasattr(lib, "simingest_flush_async"):
        lib.simingest_flush_async.argtypes = [IngestorPointer, CompletionCallback, ctypes.c_void_p]
        lib.simingest_flush_async.restype = ctypes.c_int
        lib.simingest_flush_async.errcheck = on_handle
        lib.simingest_close_async.argtypes = lib.simingest_flush_async.argtypes
        lib.simingest_close_async.restype = ctypes.c_int
        lib.simingest_close_async.errcheck = on_handle
    # simingest_status simingest_subscribe(simingest_ingestor* ingestor, const char* stream,
    #     const simingest_subscribe_options* options, simingest_subscription_callback callback,
    #     void* user_data, simingest_subscription** out);
    # simingest_status simingest_unsubscribe(simingest_subscription** subscription);
    # (0.1 libraries built before them have no such symbols: everything else still works.)
    if hasattr(lib, "simingest_subscribe"):
        lib.simingest_subscribe.argtypes = [
            IngestorPointer,
            ctypes.c_char_p,
            ctypes.POINTER(SubscribeOptions),
            SubscriptionCallback,
            ctypes.c_void_p,
            ctypes.POINTER(SubscriptionPointer),
        ]
        lib.simingest_subscribe.restype = ctypes.c_int
        lib.simingest_subscribe.errcheck = on_handle
        # The subscription is gone; its failure is the calling thread's on a NULL handle.
        lib.simingest_unsubscribe.argtypes = [ctypes.POINTER(SubscriptionPointer)]
        lib.simingest_unsubscribe.restype = ctypes.c_int
        lib.simingest_unsubscribe.errcheck = on_close
    _declare_query(lib, on_handle, on_out_error)
    _declare_loan(lib)
    from . import _appender  # its handle type lives with it; it imports nothing of this module

    _appender.declare(lib, IngestorPointer)


def _declare_loan(lib: ctypes.CDLL) -> None:
    """Loaned frames (simingest.h "Loaned frames"). No errcheck: the message of a
    failure belongs to the frame's ingestor, which only _loan.LoanedFrame knows."""
    if not hasattr(lib, "simingest_frame_begin_rows"):
        return  # a library built before loaned frames
    frame_pp = ctypes.POINTER(FramePointer)
    # simingest_status simingest_frame_begin(simingest_ingestor* ingestor, const char* stream,
    #     int64_t step, double time, simingest_frame** frame);
    lib.simingest_frame_begin.argtypes = [
        IngestorPointer, ctypes.c_char_p, ctypes.c_int64, ctypes.c_double, frame_pp
    ]
    lib.simingest_frame_begin.restype = ctypes.c_int
    # simingest_status simingest_frame_begin_rows(simingest_ingestor* ingestor, const char* stream,
    #     int64_t step, double time, size_t rows, simingest_frame** frame);
    lib.simingest_frame_begin_rows.argtypes = [
        IngestorPointer, ctypes.c_char_p, ctypes.c_int64, ctypes.c_double, ctypes.c_size_t, frame_pp
    ]
    lib.simingest_frame_begin_rows.restype = ctypes.c_int
    # simingest_status simingest_frame_column_count(const simingest_frame* frame, size_t* out_count);
    lib.simingest_frame_column_count.argtypes = [FramePointer, ctypes.POINTER(ctypes.c_size_t)]
    lib.simingest_frame_column_count.restype = ctypes.c_int
    # simingest_status simingest_frame_column(simingest_frame* frame, const char* name, void** out_data,
    #     size_t* out_length);
    lib.simingest_frame_column.argtypes = [
        FramePointer, ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_size_t)
    ]
    lib.simingest_frame_column.restype = ctypes.c_int
    # simingest_status simingest_frame_column_at(simingest_frame* frame, size_t index, const char** out_name,
    #     simingest_dtype* out_dtype, void** out_data, size_t* out_length);
    lib.simingest_frame_column_at.argtypes = [
        FramePointer, ctypes.c_size_t, ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_int),
        ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_size_t)
    ]
    lib.simingest_frame_column_at.restype = ctypes.c_int
    # simingest_status simingest_frame_commit(simingest_frame* frame);
    lib.simingest_frame_commit.argtypes = [FramePointer]
    lib.simingest_frame_commit.restype = ctypes.c_int
    # simingest_status simingest_frame_abort(simingest_frame* frame);
    lib.simingest_frame_abort.argtypes = [FramePointer]
    lib.simingest_frame_abort.restype = ctypes.c_int
    # void simingest_frame_free(simingest_frame** frame);
    lib.simingest_frame_free.argtypes = [frame_pp]
    lib.simingest_frame_free.restype = None


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
    "FramePointer",
    "IngestorPointer",
    "LibraryNotFoundError",
    "LibraryVersionError",
    "RoomCallback",
    "SCALAR",
    "SimingestError",
    "candidate_paths",
    "library",
    "library_path",
    "status_string",
]

"""Exceptions: one class per kind of failure a caller would catch.

Every exception simingest raises is a `SimingestError` carrying the C ABI's
`simingest_status` (`status`, a `Status`) and the engine's message (`str(e)`,
`e.message`). The message is exactly what `simingest_last_error()` returns to a
C caller for the same input, so logs read the same from every host.

The numeric values of `Status` must stay equal to those of `simingest_status`
in include/simingest.h; test_python_errors.py checks each against
`simingest_status_string()` of the loaded library.
"""

from __future__ import annotations

import enum
from typing import Dict, Type


class Status(enum.IntEnum):
    """`simingest_status` of include/simingest.h."""

    OK = 0
    ERR_INVALID_ARGUMENT = 1
    ERR_CONFIG = 2
    ERR_UNKNOWN_STREAM = 3
    ERR_UNKNOWN_COLUMN = 4
    ERR_MISSING_COLUMN = 5
    ERR_LENGTH_MISMATCH = 6
    ERR_DTYPE_MISMATCH = 7
    ERR_NON_FINITE = 8
    ERR_BACKPRESSURE = 9
    ERR_FRAME_TOO_LARGE = 10
    ERR_SCHEMA_CONFLICT = 11
    ERR_IO = 12
    ERR_CLOSED = 13
    ERR_OUT_OF_MEMORY = 14
    ERR_DATASET_LOCKED = 15
    WOULD_BLOCK = 16
    ERR_NO_SPACE = 17
    ERR_CORRUPT = 18
    ERR_DATASET_LOST = 19
    ERR_RESOURCE_LIMIT = 20
    ERR_UNSAFE_LAYOUT = 21
    ERR_BUSY = 22
    ERR_BLOCK_MISMATCH = 23
    ERR_INTERNAL = 99


class SimingestError(Exception):
    """A failed simingest call: `status` says what kind, `message` (and str()) what exactly."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        try:
            self.status: int = Status(status)
        except ValueError:  # a status from a newer library than this package
            self.status = int(status)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        name = self.status.name if isinstance(self.status, Status) else str(self.status)
        return f"{type(self).__name__}({name}, {self.message!r})"

    def __reduce__(self):  # picklable across processes with the same arguments
        return (type(self), (int(self.status), self.message))


class InvalidArgumentError(SimingestError, ValueError):
    """A NULL/impossible argument, a name breaking [A-Za-z_][A-Za-z0-9_]{0,63}, or an
    array the Python layer cannot hand over as it is (non-contiguous, unsupported dtype)."""


class ConfigError(SimingestError, ValueError):
    """The configuration is malformed, has an unknown key, a wrong type or range."""


class UnknownStreamError(SimingestError, LookupError):
    """ingest() named a stream the configuration does not declare."""


class ColumnError(SimingestError, ValueError):
    """A frame's columns do not fit the stream: base of the four column errors."""


class UnknownColumnError(ColumnError):
    """A column the stream does not declare, or a column named twice."""


class MissingColumnError(ColumnError):
    """A declared column left out of the frame."""


class LengthMismatchError(ColumnError):
    """Arrays of different lengths, or not matching the stream's grid."""


class DtypeMismatchError(ColumnError, TypeError):
    """A column whose dtype differs from the declared one (or a scalar that does not fit it)."""


class NonFiniteError(SimingestError, ValueError):
    """A NaN or infinity in a column whose policy is "reject"."""


class BackpressureError(SimingestError):
    """The memory budget is full under the "error" policy, or "block" timed out."""


class FrameTooLargeError(BackpressureError):
    """One frame needs more memory than the whole budget."""


class SchemaConflictError(SimingestError):
    """The dataset already holds a stream with a different schema."""


class StorageError(SimingestError):
    """A file-system operation failed; the ingestor accepts no more frames."""


class ClosedError(SimingestError):
    """The ingestor is closing or closed."""


class OutOfMemoryError(SimingestError, MemoryError):
    """The engine could not allocate memory."""


class DatasetLockedError(SimingestError):
    """Another ingestor (in this or another process) holds the dataset open."""


class NoSpaceError(StorageError):
    """The file system is full or the quota is exhausted (ENOSPC, EDQUOT)."""


class CorruptDatasetError(StorageError):
    """A committed file or the manifest failed its checks; the message names the file."""


class DatasetLostError(StorageError):
    """The dataset this ingestor held was removed or replaced at its path; nothing more is committed."""


class ResourceLimitError(SimingestError):
    """The operating system refused a thread, a file descriptor or a mapping the engine needs."""


class UnsafeLayoutError(StorageError):
    """A part of the dataset is a symbolic link, not a directory, or not valid UTF-8; refused."""


class BusyError(SimingestError):
    """A handle that is not thread-safe (an appender) was used from a second thread at once."""


class BlockMismatchError(SimingestError):
    """An assembled query found a step whose blocks do not tile the grid: cells missing
    (a writer's block absent) or covered twice (overlapping blocks); the message names them."""


class InternalError(SimingestError):
    """A bug in simingest: please report the message."""


_CLASS_OF_STATUS: Dict[int, Type[SimingestError]] = {
    Status.ERR_INVALID_ARGUMENT: InvalidArgumentError,
    Status.ERR_CONFIG: ConfigError,
    Status.ERR_UNKNOWN_STREAM: UnknownStreamError,
    Status.ERR_UNKNOWN_COLUMN: UnknownColumnError,
    Status.ERR_MISSING_COLUMN: MissingColumnError,
    Status.ERR_LENGTH_MISMATCH: LengthMismatchError,
    Status.ERR_DTYPE_MISMATCH: DtypeMismatchError,
    Status.ERR_NON_FINITE: NonFiniteError,
    Status.ERR_BACKPRESSURE: BackpressureError,
    Status.ERR_FRAME_TOO_LARGE: FrameTooLargeError,
    Status.ERR_SCHEMA_CONFLICT: SchemaConflictError,
    Status.ERR_IO: StorageError,
    Status.ERR_CLOSED: ClosedError,
    Status.ERR_OUT_OF_MEMORY: OutOfMemoryError,
    Status.ERR_DATASET_LOCKED: DatasetLockedError,
    Status.ERR_NO_SPACE: NoSpaceError,
    Status.ERR_CORRUPT: CorruptDatasetError,
    Status.ERR_DATASET_LOST: DatasetLostError,
    Status.ERR_RESOURCE_LIMIT: ResourceLimitError,
    Status.ERR_UNSAFE_LAYOUT: UnsafeLayoutError,
    Status.ERR_BUSY: BusyError,
    Status.ERR_BLOCK_MISMATCH: BlockMismatchError,
    Status.ERR_INTERNAL: InternalError,
}


def error_for(status: int, message: str) -> SimingestError:
    """The exception for a failing status: its own class, or SimingestError for a status
    this package does not know."""
    return _CLASS_OF_STATUS.get(status, SimingestError)(status, message)

"""simingest: arrays of a running simulation into a crash-safe, time-partitioned Parquet dataset.

    import simingest
    with simingest.Ingestor("run42", streams={
            "fields": {"columns": {"p": "float32"}, "grid": [512, 512], "partition": {"steps": 100}}},
            memory_limit=512 << 20) as ing:
        ing.ingest("fields", step=s, time=t, columns={"p": p})

The engine is libsimingest (C ABI, include/simingest.h), loaded with ctypes on
first use; see `simingest._native` for where it is looked for.
"""

from ._errors import (
    BackpressureError,
    ClosedError,
    ColumnError,
    ConfigError,
    CorruptDatasetError,
    DatasetLostError,
    ResourceLimitError,
    UnsafeLayoutError,
    BusyError,
    BlockMismatchError,
    DatasetLockedError,
    DtypeMismatchError,
    FrameTooLargeError,
    InternalError,
    InvalidArgumentError,
    LengthMismatchError,
    MissingColumnError,
    NoSpaceError,
    NonFiniteError,
    OutOfMemoryError,
    SchemaConflictError,
    SimingestError,
    Status,
    StorageError,
    UnknownColumnError,
    UnknownStreamError,
)
from ._frame import DTYPE_CODES
from ._dataset import Dataset, open_dataset
from ._ingestor import Ingestor
from ._loan import LoanedFrame
from ._query_stream import QueryStream
from ._inspect import inspect_dataset, verify_dataset
from ._native import LibraryNotFoundError, LibraryVersionError, library_path, status_string
from ._version import VERSION as __version__


def library_version() -> str:
    """simingest_version() of the loaded library, e.g. "0.1.0"."""
    from ._native import library

    return library().simingest_version().decode("ascii")


__all__ = [
    "BackpressureError",
    "ClosedError",
    "ColumnError",
    "ConfigError",
    "CorruptDatasetError",
    "Dataset",
    "DatasetLostError",
    "ResourceLimitError",
    "UnsafeLayoutError",
    "BusyError",
    "BlockMismatchError",
    "DTYPE_CODES",
    "DatasetLockedError",
    "DtypeMismatchError",
    "FrameTooLargeError",
    "Ingestor",
    "LoanedFrame",
    "InternalError",
    "InvalidArgumentError",
    "LengthMismatchError",
    "LibraryNotFoundError",
    "LibraryVersionError",
    "MissingColumnError",
    "NoSpaceError",
    "NonFiniteError",
    "OutOfMemoryError",
    "QueryStream",
    "SchemaConflictError",
    "SimingestError",
    "Status",
    "StorageError",
    "UnknownColumnError",
    "UnknownStreamError",
    "__version__",
    "inspect_dataset",
    "verify_dataset",
    "library_path",
    "library_version",
    "open_dataset",
    "status_string",
]

"""ctypes mirrors of the structs the query side of include/simingest.h uses.

`ArrowSchema`, `ArrowArray` and `ArrowArrayStream` are the standard structs of
the Arrow C data and C stream interfaces (arrow.apache.org, "The Arrow C data
interface" / "The Arrow C stream interface"); `QuerySpec` is
`simingest_query_spec`. Field order and types must match the header exactly:
ctypes lays them out with the platform's C rules.
"""

from __future__ import annotations

import ctypes


class ArrowSchema(ctypes.Structure):
    pass


ArrowSchema._fields_ = [
    ("format", ctypes.c_char_p),
    ("name", ctypes.c_char_p),
    ("metadata", ctypes.c_char_p),
    ("flags", ctypes.c_int64),
    ("n_children", ctypes.c_int64),
    ("children", ctypes.POINTER(ctypes.POINTER(ArrowSchema))),
    ("dictionary", ctypes.POINTER(ArrowSchema)),
    ("release", ctypes.CFUNCTYPE(None, ctypes.POINTER(ArrowSchema))),
    ("private_data", ctypes.c_void_p),
]


class ArrowArray(ctypes.Structure):
    pass


ArrowArray._fields_ = [
    ("length", ctypes.c_int64),
    ("null_count", ctypes.c_int64),
    ("offset", ctypes.c_int64),
    ("n_buffers", ctypes.c_int64),
    ("n_children", ctypes.c_int64),
    ("buffers", ctypes.POINTER(ctypes.c_void_p)),
    ("children", ctypes.POINTER(ctypes.POINTER(ArrowArray))),
    ("dictionary", ctypes.POINTER(ArrowArray)),
    ("release", ctypes.CFUNCTYPE(None, ctypes.POINTER(ArrowArray))),
    ("private_data", ctypes.c_void_p),
]


class ArrowArrayStream(ctypes.Structure):
    pass


ArrowArrayStream._fields_ = [
    ("get_schema", ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ArrowArrayStream), ctypes.POINTER(ArrowSchema))),
    ("get_next", ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ArrowArrayStream), ctypes.POINTER(ArrowArray))),
    ("get_last_error", ctypes.CFUNCTYPE(ctypes.c_char_p, ctypes.POINTER(ArrowArrayStream))),
    ("release", ctypes.CFUNCTYPE(None, ctypes.POINTER(ArrowArrayStream))),
    ("private_data", ctypes.c_void_p),
]


class QuerySpec(ctypes.Structure):
    """`simingest_query_spec`; build it with `_query_spec.make_spec`."""

    _fields_ = [
        ("struct_size", ctypes.c_size_t),
        ("columns", ctypes.POINTER(ctypes.c_char_p)),
        ("ncolumns", ctypes.c_size_t),
        ("has_steps", ctypes.c_int),
        ("step_from", ctypes.c_int64),
        ("step_to", ctypes.c_int64),
        ("has_time", ctypes.c_int),
        ("time_from", ctypes.c_double),
        ("time_to", ctypes.c_double),
        ("every", ctypes.c_int64),
        ("flags", ctypes.c_uint32),
        ("memory_limit", ctypes.c_uint64),
    ]


# SIMINGEST_QUERY_BATCH_PER_FRAME: one record batch per frame.
QUERY_BATCH_PER_FRAME = 1
# SIMINGEST_QUERY_ASSEMBLE: a decomposed grid's whole field, one batch per step.
QUERY_ASSEMBLE = 2


class DatasetHandle(ctypes.Structure):
    """Opaque `simingest_dataset`; only pointers to it are used."""


DatasetPointer = ctypes.POINTER(DatasetHandle)


def is_released(struct) -> bool:
    """True when a C struct's release callback is NULL (the C interfaces' "released" mark)."""
    return not ctypes.cast(struct.release, ctypes.c_void_p).value

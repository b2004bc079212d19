"""The Python arguments of a query as a `simingest_query_spec`.

Only what ctypes cannot carry is checked here (types, int64 range, a NUL in a
name). Every rule about values (an inverted or NaN range, ``every < 1``, an
unknown column) is the engine's, so each host reports it in the same words.
"""

from __future__ import annotations

import ctypes
import operator
from typing import Any, Iterable, Optional, Sequence, Tuple

from ._arrow_abi import QuerySpec
from ._errors import InvalidArgumentError, Status

_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1


def _invalid(message: str) -> InvalidArgumentError:
    return InvalidArgumentError(Status.ERR_INVALID_ARGUMENT, message)


def _int64(value: Any, name: str) -> int:
    try:
        number = operator.index(value)
    except TypeError:
        raise _invalid(f"{name} must be an integer but is {value!r}") from None
    if not _INT64_MIN <= number <= _INT64_MAX:
        raise _invalid(f"{name} {number} does not fit int64")
    return number


def _pair(value: Any, name: str) -> Tuple[Any, Any]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != 2:
        raise _invalid(f"{name} must be a pair (from, to) but is {value!r}")
    return value[0], value[1]


def _float(value: Any, name: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise _invalid(f"{name} must be a number but is {value!r}") from None


def column_names(columns: Optional[Iterable[str]]) -> Optional[Tuple[str, ...]]:
    if columns is None:
        return None
    if isinstance(columns, (str, bytes)):
        raise _invalid(f"columns must be a list of names, not the single string {columns!r}")
    names = tuple(columns)
    for name in names:
        if not isinstance(name, str):
            raise _invalid(f"columns must hold str names but holds {name!r}")
        if "\0" in name:
            raise _invalid(f"columns: the name {name!r} contains a NUL byte")
    return names


def encode_stream(stream: Any) -> bytes:
    if not isinstance(stream, str):
        raise _invalid(f"stream must be a str, not {type(stream).__name__}")
    if "\0" in stream:
        raise _invalid("stream: contains a NUL byte")
    return stream.encode("utf-8")


def _uint64(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value >= 1 << 64:
        raise _invalid(f"query: {name}: expected an integer from 0 to 2^64-1, got {value!r}")
    return value


class PreparedSpec:
    """A filled `simingest_query_spec` and the C strings its pointers refer to
    (kept alive here for as long as the spec is)."""

    def __init__(
        self,
        columns: Optional[Iterable[str]],
        steps: Optional[Sequence[int]],
        time: Optional[Sequence[float]],
        every: int,
        flags: int = 0,
        memory_limit: Optional[int] = None,
    ) -> None:
        self.names = column_names(columns)
        spec = QuerySpec()
        spec.struct_size = ctypes.sizeof(QuerySpec)
        spec.every = _int64(every, "every")
        spec.flags = flags
        # 0: the ingestor's queryMemoryLimit (a dataset handle: 4 GiB); the engine checks the rest.
        spec.memory_limit = 0 if memory_limit is None else _uint64(memory_limit, "memory_limit")
        self._encoded = None
        if self.names is not None:
            self._encoded = (ctypes.c_char_p * max(1, len(self.names)))(*(n.encode("utf-8") for n in self.names))
            spec.columns = ctypes.cast(self._encoded, ctypes.POINTER(ctypes.c_char_p))
            spec.ncolumns = len(self.names)
        if steps is not None:
            first, last = _pair(steps, "steps")
            spec.has_steps = 1
            spec.step_from = _int64(first, "steps[0]")
            spec.step_to = _int64(last, "steps[1]")
        if time is not None:
            first, last = _pair(time, "time")
            spec.has_time = 1
            spec.time_from = _float(first, "time[0]")
            spec.time_to = _float(last, "time[1]")
        self.spec = spec

    def pointer(self):
        return ctypes.byref(self.spec)

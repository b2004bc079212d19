"""The appender's host-side row buffer (ADR 0021, issue 15 goal 4).

A ctypes call costs far more than packing a row, so `Appender.append()` packs each row
- step, time and values - as one record into a preallocated buffer with ONE
`struct.pack_into` call, and the rows cross into the engine in one
`simingest_appender_append_rows()` call per batch. That call takes steps, times and
packed value rows as three arrays, so at hand-off numpy splits the records into three
preallocated arrays (three strided copies of a batch, a few nanoseconds a row).
"""

from __future__ import annotations

import ctypes
import struct
from typing import List, Mapping, Tuple

import numpy as np

from ._errors import Status

# Rows a batch holds at most: large enough that the batch call's fixed cost (the split,
# the ctypes call) is a few ns a row, small enough that the records stay in L2.
HOST_ROWS = 1024

# The statuses with which the engine refuses one row for what it holds; the row is then
# dropped (append_row() would have refused it). Any other failure keeps it pending.
_ROW_REFUSED = (Status.ERR_INVALID_ARGUMENT, Status.ERR_NON_FINITE, Status.ERR_DTYPE_MISMATCH)


class RowBuffer:
    """`capacity` records of (int64 step, float64 time, packed row); `pack_into(buffer,
    offset, step, time, *values)` writes one at ``offset = row * record_size``."""

    def __init__(self, row_format: str, row_bytes: int, capacity: int) -> None:
        self.record = struct.Struct("=qd" + row_format)
        self.record_size = self.record.size
        self.capacity = capacity
        self.buffer = bytearray(self.record_size * capacity)
        layout = np.dtype({"names": ["step", "time", "row"], "formats": ["=i8", "=f8", f"V{row_bytes}"],
                           "offsets": [0, 8, 16], "itemsize": self.record_size})
        self._records = np.frombuffer(self.buffer, dtype=layout)
        # The three arrays append_rows() reads; their addresses are fixed for their life.
        self._steps = np.empty(capacity, dtype=np.int64)
        self._times = np.empty(capacity, dtype=np.float64)
        self._rows = np.empty(capacity, dtype=f"V{row_bytes}")
        self.addresses = (self._steps.ctypes.data, self._times.ctypes.data, self._rows.ctypes.data)

    def split(self, rows: int) -> Tuple[int, int, int]:
        """Copies the first `rows` records into the three arrays; returns their addresses."""
        records = self._records[:rows]
        np.copyto(self._steps[:rows], records["step"])
        np.copyto(self._times[:rows], records["time"])
        np.copyto(self._rows[:rows], records["row"])
        return self.addresses

    def step_of(self, row: int) -> int:
        return int(self._records[row]["step"])

    def keep_from(self, first: int, rows: int) -> int:
        """Moves records [first, rows) to the front; returns how many that is."""
        size = self.record_size
        kept = rows - first
        if kept > 0 and first > 0:
            self.buffer[: kept * size] = self.buffer[first * size : rows * size]
        return max(kept, 0)


def hand(lib: ctypes.CDLL, handle, buffer: RowBuffer, rows: int, taken: ctypes.c_size_t) -> Tuple[int, int, int, int]:
    """Hands `rows` buffered rows to the engine in one call. Returns (status, rows still
    pending, index of the failing row or -1, its step). On failure the rows the engine
    took are gone from the buffer, a refused row too, and the rows after it stay pending."""
    steps, times, values = buffer.split(rows)
    status = lib.simingest_appender_append_rows(handle, rows, steps, times, values, ctypes.byref(taken))
    if status == 0:
        return 0, 0, -1, 0
    failed = min(taken.value, rows - 1)
    step = buffer.step_of(failed)
    first_kept = failed + 1 if status in _ROW_REFUSED else failed
    return status, buffer.keep_from(first_kept, rows), failed, step


def failing_row_message(text: str, failed: int, rows: int, step: int) -> str:
    """The engine's message for row `failed` of a batch of `rows`. The engine names the
    row by its index in the batch, which means nothing to a caller whose rows went in one
    call each: the batch's last row (the row of the append() now running) keeps the
    engine's own message, an earlier one is named by its step. Without that prefix the
    call was refused as a whole (busy, closed): no row to name."""
    prefix = f"appender: row {failed}: "
    if not text.startswith(prefix):
        return text
    text = text[len(prefix) :]
    return text if failed == rows - 1 else f"appender: the row at step {step}: {text}"


def reject_columns(stream_config, columns: List[str], dtypes) -> Tuple[int, ...]:
    """Indexes of the float columns whose nonFinite policy is "reject" (the column's own,
    else the stream's) as far as the configuration document says: rows with a
    non-finite value there go to the engine at once, so its refusal reaches the append()
    call that made the row. A policy the document hides still holds engine-side (the
    error then comes at the hand-off, naming the row's step)."""
    if not isinstance(stream_config, Mapping):
        return ()
    default = stream_config.get("nonFinite", "allow")
    specs = stream_config.get("columns")
    specs = specs if isinstance(specs, Mapping) else {}
    out = []
    for i, column in enumerate(columns):
        spec = specs.get(column)
        policy = spec.get("nonFinite", default) if isinstance(spec, Mapping) else default
        if policy == "reject" and str(dtypes[column]).startswith("float"):
            out.append(i)
    return tuple(out)

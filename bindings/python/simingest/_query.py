"""What `Ingestor.query/scan` and `Dataset.query/scan` share: running a query
and shaping its batches into the result the caller asked for.

A `Source` is one C entry point: ``simingest_query`` on an ingestor or
``simingest_dataset_query`` on a dataset handle, already bound to its handle.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence

import numpy as np

from ._arrow_abi import QUERY_ASSEMBLE, QUERY_BATCH_PER_FRAME
from ._errors import InvalidArgumentError, Status, error_for
from ._query_spec import PreparedSpec, encode_stream
from ._query_stream import QueryStream, _pyarrow

# (encoded stream name, spec pointer, stream pointer) -> None; raises on a failing status.
Source = Callable[[bytes, Any, Any], None]


def open_stream(
    source: Source,
    stream: str,
    *,
    columns: Optional[Iterable[str]],
    steps: Optional[Sequence[int]],
    time: Optional[Sequence[float]],
    every: int,
    per_frame: bool = False,
    memory_limit: Optional[int] = None,
    assemble: bool = False,
) -> QueryStream:
    encoded = encode_stream(stream)
    flags = (QUERY_BATCH_PER_FRAME if per_frame else 0) | (QUERY_ASSEMBLE if assemble else 0)
    spec = PreparedSpec(columns, steps, time, every, flags, memory_limit)

    def rerun() -> QueryStream:
        return open_stream(
            source, stream, columns=columns, steps=steps, time=time, every=every, per_frame=per_frame,
            memory_limit=memory_limit, assemble=assemble,
        )

    result = QueryStream(rerun)
    try:
        source(encoded, spec.pointer(), result.c_pointer())
    except BaseException:
        result.close()  # the engine left it unset: nothing to release, only memory to free
        raise
    return result


def batches(result: QueryStream) -> Iterator[Any]:
    """pyarrow.RecordBatch per batch when pyarrow is importable, else dicts of numpy arrays."""
    try:
        if _pyarrow() is not None:
            while True:
                batch = result.next_arrow_batch()
                if batch is None:
                    return
                yield batch
        else:
            while True:
                batch = result.next_numpy_batch()
                if batch is None:
                    return
                yield batch[1]
    finally:
        result.close()


def collect(result: QueryStream) -> Any:
    """The whole result: a pyarrow.Table, or a dict of numpy arrays without pyarrow."""
    pa = _pyarrow()
    if pa is not None:
        with result:
            schema = result.schema()
            return pa.Table.from_batches(list(batches(result)), schema=schema)
    with result:
        fields = result.fields()
        parts: List[Dict[str, np.ndarray]] = list(batches(result))
    if len(parts) == 1:
        return parts[0]  # zero-copy: the arrays keep the batch alive
    return {
        f.name: np.concatenate([p[f.name] for p in parts]) if parts else np.empty(0, dtype=f.dtype)
        for f in fields
    }


def grid_of(schema: Any, stream: str) -> List[int]:
    """The grid declared in a stream's configuration document ([] when it has none)."""
    grid = schema.get("grid", []) if isinstance(schema, dict) else []
    return [int(n) for n in grid]


def stack_frames(result: QueryStream, grid: Sequence[int]) -> Dict[str, np.ndarray]:
    """One batch per frame (the query asked for it) stacked into arrays of shape
    (frames, *grid), or (frames, rows per frame) for a stream without a grid,
    plus "step" and "time" with one entry per frame."""
    with result:
        fields = result.fields()
        frames: List[Dict[str, np.ndarray]] = []
        while True:
            batch = result.next_numpy_batch()
            if batch is None:
                break
            frames.append(batch[1])
    rows = {len(f["step"]) for f in frames}
    if grid:
        cells = math.prod(grid)
        shape = tuple(grid)
        if rows - {cells}:
            raise error_for(
                Status.ERR_INTERNAL, f"as_grid: a frame has {sorted(rows - {cells})} rows, the grid {cells}"
            )
    else:
        if len(rows) > 1:
            raise InvalidArgumentError(
                Status.ERR_INVALID_ARGUMENT,
                f"as_grid: the stream has no grid and its frames have different row counts {sorted(rows)}",
            )
        shape = (rows.pop(),) if rows else (0,)
    out: Dict[str, np.ndarray] = {
        "step": np.array([f["step"][0] for f in frames], dtype=np.int64),
        "time": np.array([f["time"][0] for f in frames], dtype=np.float64),
    }
    for field in fields:
        if field.name in ("step", "time"):
            continue
        stacked = np.empty((len(frames), *shape), dtype=field.dtype)
        for i, frame in enumerate(frames):
            stacked[i] = frame[field.name].reshape(shape)
        out[field.name] = stacked
    return out


class Queryable:
    """query/scan/query_stream over a `Source`; the class using it provides
    `_query_source()` and `_stream_schema(stream)`."""

    def _query_source(self) -> Source:  # pragma: no cover - provided by the subclass
        raise NotImplementedError

    def _stream_schema(self, stream: str) -> Dict[str, Any]:  # pragma: no cover
        raise NotImplementedError

    def query_stream(
        self,
        stream: str,
        steps: Optional[Sequence[int]] = None,
        time: Optional[Sequence[float]] = None,
        columns: Optional[Iterable[str]] = None,
        every: int = 1,
        *,
        per_frame: bool = False,
        memory_limit: Optional[int] = None,
        assemble: bool = False,
    ) -> QueryStream:
        """The raw result as a `QueryStream` (``__arrow_c_stream__``): hand it to
        ``pyarrow.table``, ``polars.DataFrame`` or DuckDB without a copy.
        ``assemble=True``: a grid stream written in blocks, one batch per step holding
        the whole grid in C order (BlockMismatchError when blocks are missing or overlap)."""
        return open_stream(
            self._query_source(), stream, columns=columns, steps=steps, time=time, every=every, per_frame=per_frame,
            memory_limit=memory_limit, assemble=assemble,
        )

    def query(
        self,
        stream: str,
        steps: Optional[Sequence[int]] = None,
        time: Optional[Sequence[float]] = None,
        columns: Optional[Iterable[str]] = None,
        every: int = 1,
        as_grid: bool = False,
        *,
        memory_limit: Optional[int] = None,
        assemble: bool = False,
    ) -> Any:
        """Frames of `stream` whose step is in ``steps=(from, to)`` and time in
        ``time=(t0, t1)`` (inclusive), every `every`-th step, with `step`, `time`
        and `columns` (default all). A pyarrow.Table when pyarrow is importable,
        else a dict of numpy arrays; ``as_grid=True``: a dict of arrays shaped
        (frames, *grid) plus "step" and "time" per frame. ``assemble=True``: a grid
        written in blocks by several writers, one whole field per step (with
        ``as_grid``: arrays shaped (steps, *grid)); BlockMismatchError names the
        step and cells when blocks are missing or overlap."""
        if as_grid:
            grid = grid_of(self._stream_schema(stream), stream)
            result = self.query_stream(
                stream, steps, time, columns, every, per_frame=True, memory_limit=memory_limit, assemble=assemble
            )
            return stack_frames(result, grid)
        return collect(
            self.query_stream(stream, steps, time, columns, every, memory_limit=memory_limit, assemble=assemble)
        )

    def scan(
        self,
        stream: str,
        steps: Optional[Sequence[int]] = None,
        time: Optional[Sequence[float]] = None,
        columns: Optional[Iterable[str]] = None,
        every: int = 1,
        *,
        per_frame: bool = False,
    ) -> Iterator[Any]:
        """The same rows as query(), one record batch at a time (a pyarrow.RecordBatch,
        or a dict of numpy arrays without pyarrow): for results larger than memory."""
        return batches(self.query_stream(stream, steps, time, columns, every, per_frame=per_frame))

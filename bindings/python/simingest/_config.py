"""The configuration document: Python keyword arguments to the engine's JSON.

Keyword arguments are the snake_case forms of the document's camelCase keys
(`memory_limit` → `memoryLimit`); both spellings are accepted. Only keys of the
documented schema are renamed, at the places the schema has them: stream and
column names are the user's and pass through untouched (a stream called
`my_fields` stays `my_fields`), and so does an unknown key, so that the engine
reports it under the name the caller wrote (`row_group_size: unknown key`).

The document is validated by the engine only (native/core/config.cpp); this
module never rejects anything, so every host reports a bad configuration with
the same message. The one exception is a mapping nested too deeply for
`json.dumps` to write: that becomes ConfigError in the engine's words.
"""

from __future__ import annotations

import json
import numbers
from typing import Any, Dict, Mapping, Optional

from ._errors import ConfigError, Status

_TOP = {
    "streams": "streams",
    "compression": "compression",
    "row_group_bytes": "rowGroupBytes",
    "page_bytes": "pageBytes",
    "file_bytes": "fileBytes",
    "memory_limit": "memoryLimit",
    "query_memory_limit": "queryMemoryLimit",
    "workers": "workers",
    "backpressure": "backpressure",
    "affinity": "affinity",
    "verify_on_open": "verifyOnOpen",
    "resume_from_step": "resumeFromStep",
    "durability": "durability",
    "commit_interval_ms": "commitIntervalMs",
    "schema_evolution": "schemaEvolution",
    "writer": "writer",
}
_STREAM = {
    "columns": "columns",
    "grid": "grid",
    "block": "block",
    "partition": "partition",
    "non_finite": "nonFinite",
    "route": "route",
    "realtime": "realtime",
    "commit_interval_ms": "commitIntervalMs",
    "appender": "appender",
}
_APPENDER = {"rows": "rows", "interval_ms": "intervalMs"}
_REALTIME = {
    "every_steps": "everySteps",
    "sync_every_ms": "syncEveryMs",
    "sync_every_frames": "syncEveryFrames",
    "codec": "codec",
    "compact": "compact",
}
_COLUMN = {
    "dtype": "dtype",
    "non_finite": "nonFinite",
    "encoding": "encoding",
    "bloom_filter": "bloomFilter",
    "quantize": "quantize",
}
_QUANTIZE = {"mantissa_bits": "mantissaBits", "rel_error": "relError", "abs_error": "absError"}
_PARTITION = {"steps": "steps", "time": "time"}
_COMPRESSION = {"codec": "codec", "level": "level"}
_BACKPRESSURE = {"policy": "policy", "timeout_ms": "timeoutMs"}


def _rename(mapping: Any, names: Mapping[str, str], nested: Optional[Dict[str, Any]] = None) -> Any:
    """Renames the known keys of one object; `nested[camel]` converts that key's value."""
    if not isinstance(mapping, Mapping):
        return mapping
    out: Dict[str, Any] = {}
    for key, value in mapping.items():
        camel = names.get(key, key) if isinstance(key, str) else key
        if nested and camel in nested:
            value = nested[camel](value)
        out[camel] = value
    return out


def _each_value(convert):
    def apply(mapping: Any) -> Any:
        if not isinstance(mapping, Mapping):
            return mapping
        return {name: convert(value) for name, value in mapping.items()}

    return apply


def _column(value: Any) -> Any:
    return _rename(value, _COLUMN, {"quantize": lambda v: _rename(v, _QUANTIZE)}) if isinstance(value, Mapping) else value


def _stream(value: Any) -> Any:
    return _rename(
        value,
        _STREAM,
        {
            "columns": _each_value(_column),
            "partition": lambda v: _rename(v, _PARTITION),
            "realtime": lambda v: _rename(v, _REALTIME),
            "appender": lambda v: _rename(v, _APPENDER),
        },
    )


def _writer(value: Any) -> Any:
    """`writer=(comm.rank, comm.size)` → {"id": rank, "count": size}; a mapping
    (or anything else, for the engine to judge) passes through."""
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return {"id": value[0], "count": value[1]}
    return value


def config_document(settings: Mapping[str, Any]) -> Dict[str, Any]:
    """The camelCase document for keyword arguments / a config mapping."""
    return _rename(
        settings,
        _TOP,
        {
            "streams": _each_value(_stream),
            "compression": lambda v: _rename(v, _COMPRESSION),
            "backpressure": lambda v: _rename(v, _BACKPRESSURE),
            "writer": _writer,
        },
    )


def _json_default(value: Any) -> Any:
    # numpy integers and floats (e.g. a grid taken from an array's shape).
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} into the configuration JSON")


# The engine's bound on nesting (native/core/config.cpp); only used to word the
# error for a mapping too deep for Python's own JSON encoder to write at all.
_NESTING_LIMIT = 64


def _nested_deeper_than(value: Any, limit: int) -> bool:
    """True when containers nest more than `limit` levels deep (iterative: no recursion)."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, Mapping):
            children = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False


def config_json(document: Mapping[str, Any]) -> str:
    try:
        return json.dumps(document, default=_json_default, allow_nan=False, separators=(",", ":"))
    except RecursionError:
        pass  # re-raised below, outside the handler, so no RecursionError is chained to it
    except (TypeError, ValueError) as error:
        # A value JSON cannot hold (a set, an object, NaN, ±Inf), e.g. in a
        # stream's `metadata`: a configuration error, as the Node host reports it.
        raise ConfigError(Status.ERR_CONFIG, f"config: cannot be written as JSON: {error}") from None
    if _nested_deeper_than(document, _NESTING_LIMIT):
        message = f"configuration nested deeper than {_NESTING_LIMIT} levels"
    else:
        message = "configuration nested too deeply to be written as JSON"
    raise ConfigError(Status.ERR_CONFIG, message)


def declared_dtypes(document: Mapping[str, Any]) -> Dict[str, Dict[str, str]]:
    """{stream: {column: dtype name}} as far as the (already accepted) document says."""
    out: Dict[str, Dict[str, str]] = {}
    streams = document.get("streams")
    if not isinstance(streams, Mapping):
        return out
    for stream, spec in streams.items():
        columns = spec.get("columns") if isinstance(spec, Mapping) else None
        if not isinstance(columns, Mapping):
            continue
        dtypes: Dict[str, str] = {}
        for column, value in columns.items():
            dtype = value.get("dtype") if isinstance(value, Mapping) else value
            if isinstance(dtype, str):
                dtypes[column] = dtype
        out[stream] = dtypes
    return out

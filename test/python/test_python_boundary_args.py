"""What Python hands the engine as C strings: the dataset path and the config
at open(), the stream and column names of every frame.

A path is a C string to the engine: a NUL byte would silently cut it short
(opening another directory), so it is refused, for str, bytes and PathLike
paths alike. A stream or column name with a NUL would name another stream or
column ("t\0x" is "t" to the engine): refused with the status and message the
Node addon gives (native/node/ingest_nowait.cpp). A config nested too deeply must never surface as Python's own
RecursionError: JSON text goes to the engine untouched, and a mapping too
deep to serialise becomes ConfigError.
"""

import json
import os
import sys

import numpy as np
import pytest

from simingest_under_test import load  # noqa: E402

simingest = load()

CONFIG = {"streams": {"t": {"columns": {"a": "int32"}}}}


class _PathLike(os.PathLike):
    def __init__(self, text):
        self._text = text

    def __fspath__(self):
        return self._text


def _entries(directory):
    return sorted(os.listdir(directory))


@pytest.mark.parametrize("kind", ["str", "bytes", "pathlike"])
def test_a_path_with_a_nul_byte_is_refused_and_nothing_is_created(tmp_path, kind):
    # Before: the engine saw the text up to the NUL and created tmp_path/"cut".
    text = str(tmp_path / "cut") + "\0tail"
    path = {"str": text, "bytes": os.fsencode(text), "pathlike": _PathLike(text)}[kind]
    with pytest.raises(simingest.InvalidArgumentError) as raised:
        simingest.Ingestor(path, CONFIG)
    assert raised.value.status == simingest.Status.ERR_INVALID_ARGUMENT
    assert str(raised.value).endswith("path: contains a NUL byte")
    assert _entries(tmp_path) == []


def test_bytes_and_pathlike_paths_open_the_named_directory(tmp_path):
    for path in (os.fsencode(str(tmp_path / "b")), tmp_path / "p"):
        with simingest.Ingestor(path, CONFIG) as ing:
            ing.ingest("t", 0, 0.0, {"a": 1})
    assert _entries(tmp_path) == ["b", "p"]


def _nested_dict(depth):
    inner = {}
    for _ in range(depth):
        inner = {"x": inner}
    return inner


def _nested_text(depth):
    return '{"streams":{"t":{"columns":{"a":"int32"}}},"x":' + "[" * depth + "]" * depth + "}"


def test_a_mapping_nested_too_deep_for_json_is_a_config_error(tmp_path):
    # Before: json.dumps raised RecursionError out of Ingestor().
    config = dict(CONFIG, extra=_nested_dict(sys.getrecursionlimit() * 2))
    with pytest.raises(simingest.ConfigError) as raised:
        simingest.Ingestor(str(tmp_path / "d"), config)
    assert raised.value.status == simingest.Status.ERR_CONFIG
    assert "configuration nested deeper than 64 levels" in str(raised.value)
    assert not isinstance(raised.value.__context__, RecursionError)


@pytest.mark.parametrize("as_bytes", [False, True])
def test_deep_json_text_goes_to_the_engine_untouched(tmp_path, as_bytes):
    # Before: json.loads(text) raised RecursionError before the engine saw it
    # (and bytes were not accepted as JSON text at all). Now the engine decides:
    # it either bounds the depth (ERR_CONFIG) or rejects the unknown key "x";
    # either way a ConfigError, never RecursionError.
    text = _nested_text(sys.getrecursionlimit() * 2)
    config = text.encode() if as_bytes else text
    with pytest.raises(simingest.ConfigError) as raised:
        simingest.Ingestor(str(tmp_path / "d"), config)
    assert raised.value.status == simingest.Status.ERR_CONFIG


def test_json_text_as_bytes_opens_like_str(tmp_path):
    with simingest.Ingestor(str(tmp_path / "d"), json.dumps(CONFIG).encode()) as ing:
        ing.ingest("t", 3, 0.0, {"a": 1})
        ing.flush()
        assert ing.checkpoint() == {"t": 3}


def test_config_text_with_a_nul_byte_is_refused(tmp_path):
    # The engine reads a C string: '{...}\0junk' would be read as '{...}' alone.
    with pytest.raises(simingest.InvalidArgumentError, match="config: contains a NUL byte"):
        simingest.Ingestor(str(tmp_path / "d"), json.dumps(CONFIG) + "\0junk")
    assert _entries(tmp_path) == []


@pytest.mark.parametrize("call", ["ingest", "try_ingest"])
def test_a_stream_name_with_a_nul_byte_is_refused_not_cut_short(tmp_path, call):
    with simingest.Ingestor(str(tmp_path / "d"), CONFIG) as ing:
        ing.ingest("t", 0, 0.0, {"a": 1})  # a plan for stream "t" exists on this thread
        with pytest.raises(simingest.InvalidArgumentError) as raised:
            getattr(ing, call)("t\0x", 1, 0.0, {"a": 1})
        assert raised.value.status == simingest.Status.ERR_INVALID_ARGUMENT
        assert str(raised.value).endswith("stream: contains a NUL byte")
        ing.flush()
        assert ing.stats()["streams"]["t"]["framesAccepted"] == 1  # only the first frame
        assert ing.checkpoint() == {"t": 0}


@pytest.mark.parametrize("call", ["ingest", "try_ingest"])
def test_a_column_name_with_a_nul_byte_is_refused_not_cut_short(tmp_path, call):
    with simingest.Ingestor(str(tmp_path / "d"), CONFIG) as ing:
        for value in (1, np.arange(3, dtype=np.int32)):
            with pytest.raises(simingest.InvalidArgumentError) as raised:
                getattr(ing, call)("t", 0, 0.0, {"a\0b": value})
            assert raised.value.status == simingest.Status.ERR_INVALID_ARGUMENT
            assert str(raised.value).endswith("columns.a: a column name contains a NUL byte")
        assert ing.stats()["streams"]["t"]["framesAccepted"] == 0

"""The parquet layer's files, read by readers simingest did not write.

Runs test/parquet_fixture/write_fixture (path in SIMINGEST_FIXTURE_BIN) and
checks its files with pyarrow, duckdb and polars. Expected values come from
the formula in write_fixture.cpp, restated here with numpy: never from the
files themselves.
"""
import math
import os
import struct
import subprocess

import numpy as np
import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
duckdb = pytest.importorskip("duckdb")
pl = pytest.importorskip("polars")

FIXTURE_BIN = os.environ.get("SIMINGEST_FIXTURE_BIN")
pytestmark = pytest.mark.skipif(
    not FIXTURE_BIN,
    reason="SIMINGEST_FIXTURE_BIN is not set (path of the built test/parquet_fixture/write_fixture)",
)

DTYPES = ["float32", "float64", "int8", "int16", "int32", "int64",
          "uint8", "uint16", "uint32", "uint64"]
FRAMES_PER_ROW_GROUP = [4, 5, 3]
ENCODINGS = ["auto", "plain", "bss", "delta"]
CODECS = ["none", "zstd"]
FILES = [f"{e}_{c}" for e in ENCODINGS for c in CODECS] + ["auto_zstd_tiny_pages"]
PAGE_BYTES = {name: (64 if name.endswith("tiny_pages") else 4096) for name in FILES}
KEY_VALUES = {
    "simingest.version": "0.1.0",
    "simingest.stream": "fixture",
    "simingest.schema": '{"columns":[],"grid":[],"partition":{}}',
    "fixture.unicode": "été",
}
U64 = np.uint64
MASK64 = (1 << 64) - 1


# ---- the formula (see write_fixture.cpp) --------------------------------------

def frame_rows(g):
    return 200 + 97 * (g % 5)


def values(dtype, rows):
    """value(r) for an array of file-global row indices (numpy uint64)."""
    rows = np.asarray(rows, dtype=U64)
    np_dtype = np.dtype(dtype)
    special_index = rows // U64(7)
    is_special = rows % U64(7) == U64(0)
    if np_dtype.kind == "f":
        specials = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0,
                             np.finfo(np_dtype).max, np.finfo(np_dtype).smallest_subnormal,
                             np.finfo(np_dtype).min], dtype=np_dtype)
        regular = ((rows.astype(np.float64) - 500.0) * 0.37).astype(np_dtype)
        return np.where(is_special, specials[(special_index % U64(8)).astype(np.intp)], regular)
    w = np_dtype.itemsize * 8
    mask = (1 << w) - 1
    top = 1 << (w - 1)
    if np_dtype.kind == "i":
        specials = [top, top - 1, 0, mask, 1]  # bits of min, max, 0, -1, 1
    else:
        specials = [0, mask, top, top - 1, 1]
    specials = np.array(specials, dtype=U64)
    with np.errstate(over="ignore"):
        hashed = rows * U64(0x9E3779B97F4A7C15) + U64(0x1234567)
    bits = np.where(rows % U64(3) == U64(1), rows, hashed)
    bits = np.where(is_special, specials[(special_index % U64(5)).astype(np.intp)], bits)
    unsigned = np.dtype(f"uint{w}")
    return (bits & U64(mask)).astype(unsigned).view(np_dtype)


def frames():
    """(row group, frame index g, first row, rows) of every frame."""
    g = row = 0
    out = []
    for rg, count in enumerate(FRAMES_PER_ROW_GROUP):
        for _ in range(count):
            out.append((rg, g, row, frame_rows(g)))
            row += frame_rows(g)
            g += 1
    return out


def expected_columns():
    cols = {"step": [], "time": []}
    for d in DTYPES:
        cols[d] = []
        cols[d + "_s"] = []
    for _, g, first, n in frames():
        cols["step"].append(np.full(n, 1000 + g, dtype=np.int64))
        cols["time"].append(np.full(n, (g // 2) * 0.25, dtype=np.float64))
        for d in DTYPES:
            if g % 3 == 1:
                cols[d].append(np.full(n, values(d, [first])[0], dtype=d))
            else:
                cols[d].append(values(d, np.arange(first, first + n, dtype=U64)))
            cols[d + "_s"].append(np.full(n, values(d, [7 * (g // 2)])[0], dtype=d))
    return {name: np.concatenate(parts) for name, parts in cols.items()}


EXPECTED = expected_columns()
COLUMN_NAMES = list(EXPECTED)  # file order: step, time, then <dtype>, <dtype>_s
ROW_GROUP_ROWS = [sum(n for rg_, _, _, n in frames() if rg_ == rg) for rg in range(3)]
TOTAL_ROWS = sum(ROW_GROUP_ROWS)


def dtype_of(column):
    return "int64" if column == "step" else "float64" if column == "time" else column.removesuffix("_s")


def is_dictionary_column(column):
    return column in ("step", "time") or column.endswith("_s")


def data_encoding(file_name, column):
    if is_dictionary_column(column):
        return "RLE_DICTIONARY"
    is_float = dtype_of(column).startswith("float")
    enc = file_name.split("_")[0]
    if enc == "plain":
        return "PLAIN"
    if enc == "bss" or is_float:
        return "BYTE_STREAM_SPLIT"
    return "DELTA_BINARY_PACKED"


def assert_same_values(actual, expected, column, exact_nan_bits=True):
    actual = np.asarray(actual)
    assert actual.dtype == expected.dtype, f"{column}: {actual.dtype} != {expected.dtype}"
    assert actual.shape == expected.shape, column
    if expected.dtype.kind == "f":
        bits = np.dtype(f"uint{expected.dtype.itemsize * 8}")
        a, e = actual.view(bits), expected.view(bits)
        nan = np.isnan(expected)
        assert np.array_equal(np.isnan(actual), nan), f"{column}: NaN positions differ"
        if exact_nan_bits:
            mismatch = a != e
        else:
            mismatch = (a != e) & ~nan
    else:
        mismatch = actual != expected
    assert not mismatch.any(), f"{column}: first mismatch at row {int(np.argmax(mismatch))}"


@pytest.fixture(scope="module")
def fixture_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("parquet_fixture")
    subprocess.run([FIXTURE_BIN, str(out)], check=True, timeout=120)
    return out


def path_of(fixture_dir, name):
    return str(fixture_dir / f"{name}.parquet")


# ---- pyarrow -------------------------------------------------------------------

@pytest.mark.parametrize("name", FILES)
def test_pyarrow_reads_every_value_bit_exact(fixture_dir, name):
    table = pq.read_table(path_of(fixture_dir, name))
    assert table.num_rows == TOTAL_ROWS
    assert table.column_names == COLUMN_NAMES
    for column in COLUMN_NAMES:
        assert_same_values(table.column(column).to_numpy(), EXPECTED[column], column)


@pytest.mark.parametrize("name", ["auto_zstd", "plain_none"])
def test_pyarrow_sees_logical_types_with_their_signedness(fixture_dir, name):
    schema = pq.read_schema(path_of(fixture_dir, name))
    expected = {"float32": pa.float32(), "float64": pa.float64(), "int8": pa.int8(),
                "int16": pa.int16(), "int32": pa.int32(), "int64": pa.int64(),
                "uint8": pa.uint8(), "uint16": pa.uint16(), "uint32": pa.uint32(),
                "uint64": pa.uint64()}
    for column in COLUMN_NAMES:
        assert schema.field(column).type == expected[dtype_of(column)], column
        assert not schema.field(column).nullable, column
    parquet_schema = pq.ParquetFile(path_of(fixture_dir, name)).schema
    for i, column in enumerate(COLUMN_NAMES):
        d = dtype_of(column)
        c = parquet_schema.column(i)
        assert c.max_definition_level == 0 and c.max_repetition_level == 0, column
        if d.startswith("float"):
            assert c.physical_type == ("FLOAT" if d == "float32" else "DOUBLE")
            continue
        bits = int(d.removeprefix("u").removeprefix("int"))
        signed = not d.startswith("u")
        assert c.physical_type == ("INT64" if bits == 64 else "INT32"), column
        assert str(c.logical_type) == f"Int(bitWidth={bits}, isSigned={'true' if signed else 'false'})"
        assert c.converted_type == f"{'INT' if signed else 'UINT'}_{bits}", column


def expected_stats(column, rg):
    start = sum(ROW_GROUP_ROWS[:rg])
    values_ = EXPECTED[column][start:start + ROW_GROUP_ROWS[rg]]
    if values_.dtype.kind == "f":
        values_ = values_[~np.isnan(values_)]
    return values_.min(), values_.max()


@pytest.mark.parametrize("name", ["auto_zstd", "plain_none", "auto_zstd_tiny_pages"])
def test_pyarrow_statistics_match_the_values(fixture_dir, name):
    meta = pq.ParquetFile(path_of(fixture_dir, name)).metadata
    saw_zero_min = saw_zero_max = False
    for rg in range(meta.num_row_groups):
        for j, column in enumerate(COLUMN_NAMES):
            stats = meta.row_group(rg).column(j).statistics
            assert stats is not None and stats.has_min_max, (column, rg)
            assert stats.null_count == 0
            lo, hi = expected_stats(column, rg)
            if lo.dtype.kind == "f":
                assert stats.min == float(lo) and stats.max == float(hi), (column, rg)
                # parquet.thrift: a zero min is written -0.0, a zero max +0.0.
                if stats.min == 0:
                    saw_zero_min = True
                    assert math.copysign(1.0, stats.min) < 0, (column, rg)
                if stats.max == 0:
                    saw_zero_max = True
                    assert math.copysign(1.0, stats.max) > 0, (column, rg)
            else:
                assert stats.min == int(lo) and stats.max == int(hi), (column, rg)
    assert saw_zero_min and saw_zero_max  # the fixture does exercise both rules


@pytest.mark.parametrize("name", FILES)
def test_chunk_metadata_lists_encodings_codec_and_counts(fixture_dir, name):
    meta = pq.ParquetFile(path_of(fixture_dir, name)).metadata
    assert meta.num_rows == TOTAL_ROWS
    assert meta.num_row_groups == 3
    assert meta.created_by == "simingest version 0.1.0"
    codec = "ZSTD" if "_zstd" in name else "UNCOMPRESSED"
    for rg in range(3):
        group = meta.row_group(rg)
        assert group.num_rows == ROW_GROUP_ROWS[rg]
        assert group.total_byte_size == sum(group.column(j).total_uncompressed_size
                                            for j in range(group.num_columns))
        for j, column in enumerate(COLUMN_NAMES):
            chunk = group.column(j)
            assert chunk.num_values == ROW_GROUP_ROWS[rg]
            assert chunk.compression == codec
            encoding = data_encoding(name, column)
            if encoding == "RLE_DICTIONARY":
                assert chunk.encodings == ("PLAIN", "RLE_DICTIONARY"), column
                assert chunk.has_dictionary_page
                assert chunk.dictionary_page_offset < chunk.data_page_offset
            else:
                assert chunk.encodings == (encoding,), column
                assert not chunk.has_dictionary_page


@pytest.mark.parametrize("name", ["auto_zstd", "plain_none"])
def test_key_value_metadata_is_written(fixture_dir, name):
    meta = pq.ParquetFile(path_of(fixture_dir, name)).metadata.metadata
    assert {k.decode(): v.decode() for k, v in meta.items()} == KEY_VALUES


# ---- duckdb --------------------------------------------------------------------

# DuckDB 1.x decodes BYTE_STREAM_SPLIT only for FLOAT and DOUBLE ("BYTE_STREAM_SPLIT
# encoding is only supported for FLOAT or DOUBLE data"); the integer columns of
# the bss files are checked with pyarrow and polars only.
def duckdb_columns(name):
    if name.startswith("bss"):
        return [c for c in COLUMN_NAMES
                if is_dictionary_column(c) or dtype_of(c).startswith("float")]
    return COLUMN_NAMES


@pytest.mark.parametrize("name", FILES)
def test_duckdb_reads_every_value(fixture_dir, name):
    columns = duckdb_columns(name)
    con = duckdb.connect()
    select = ", ".join(f'"{c}"' for c in columns)
    result = con.sql(f"SELECT {select} FROM read_parquet('{path_of(fixture_dir, name)}')").fetchnumpy()
    for column in columns:
        actual = np.asarray(result[column])
        assert_same_values(actual, EXPECTED[column], column, exact_nan_bits=False)


def test_duckdb_sees_unsigned_types_and_signed_order_legacy_statistics(fixture_dir):
    path = path_of(fixture_dir, "auto_zstd")
    con = duckdb.connect()
    types = {r[0]: r[1] for r in con.sql(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()}
    expected = {"int8": "TINYINT", "int16": "SMALLINT", "int32": "INTEGER", "int64": "BIGINT",
                "uint8": "UTINYINT", "uint16": "USMALLINT", "uint32": "UINTEGER",
                "uint64": "UBIGINT", "float32": "FLOAT", "float64": "DOUBLE"}
    for column in COLUMN_NAMES:
        assert types[column] == expected[dtype_of(column)], column
    rows = con.sql(
        "SELECT row_group_id, path_in_schema, stats_min, stats_max, stats_min_value, stats_max_value "
        f"FROM parquet_metadata('{path}')").fetchall()
    assert len(rows) == 3 * len(COLUMN_NAMES)
    for rg, column, legacy_min, legacy_max, min_value, max_value in rows:
        d = dtype_of(column)
        if d.startswith("float"):
            continue  # DuckDB leaves infinite bounds out of this view
        lo, hi = expected_stats(column, rg)
        assert (min_value, max_value) == (str(lo), str(hi)), (column, rg)
        if d.startswith("u"):
            # The deprecated min/max are signed order: never written for unsigned.
            assert legacy_min is None and legacy_max is None, (column, rg)
        else:
            assert (legacy_min, legacy_max) == (str(lo), str(hi)), (column, rg)


def test_duckdb_filters_with_unsigned_statistics(fixture_dir):
    # A value above 2^63 only matches if uint64 is compared unsigned everywhere.
    path = path_of(fixture_dir, "delta_zstd")
    con = duckdb.connect()
    got = con.sql(f"SELECT count(*) FROM read_parquet('{path}') "
                  f"WHERE uint64 >= {2**63}").fetchone()[0]
    assert got == int((EXPECTED["uint64"] >= U64(2**63)).sum())
    assert got > 0


# ---- polars --------------------------------------------------------------------

@pytest.mark.parametrize("name", FILES)
def test_polars_reads_every_value(fixture_dir, name):
    df = pl.read_parquet(path_of(fixture_dir, name))
    assert df.columns == COLUMN_NAMES
    assert df.height == TOTAL_ROWS
    expected_types = {"float32": pl.Float32, "float64": pl.Float64, "int8": pl.Int8,
                      "int16": pl.Int16, "int32": pl.Int32, "int64": pl.Int64,
                      "uint8": pl.UInt8, "uint16": pl.UInt16, "uint32": pl.UInt32,
                      "uint64": pl.UInt64}
    for column in COLUMN_NAMES:
        assert df.schema[column] == expected_types[dtype_of(column)], column
        assert_same_values(df[column].to_numpy(), EXPECTED[column], column, exact_nan_bits=False)


# ---- the bytes themselves: page structure ----------------------------------------

class CompactReader:
    """Just enough of the Thrift compact protocol to read page headers,
    written from the spec independently of the C++ writer."""

    def __init__(self, data, pos=0):
        self.data, self.pos = data, pos

    def varint(self):
        shift = result = 0
        while True:
            b = self.data[self.pos]
            self.pos += 1
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return result

    def zigzag(self):
        v = self.varint()
        return (v >> 1) ^ -(v & 1)

    def struct(self):
        fields, last = {}, 0
        while True:
            byte = self.data[self.pos]
            self.pos += 1
            if byte == 0:
                return fields
            kind, delta = byte & 0x0F, byte >> 4
            fid = last + delta if delta else self.zigzag()
            last = fid
            fields[fid] = self.value(kind)

    def value(self, kind):
        if kind in (1, 2):
            return kind == 1
        if kind == 3:
            self.pos += 1
            return struct.unpack("b", self.data[self.pos - 1:self.pos])[0]
        if kind in (4, 5, 6):
            return self.zigzag()
        if kind == 7:
            self.pos += 8
            return struct.unpack("<d", self.data[self.pos - 8:self.pos])[0]
        if kind == 8:
            n = self.varint()
            self.pos += n
            return self.data[self.pos - n:self.pos]
        if kind == 9:
            header = self.data[self.pos]
            self.pos += 1
            size, elem = header >> 4, header & 0x0F
            if size == 15:
                size = self.varint()
            return [self.value(elem) for _ in range(size)]
        if kind == 12:
            return self.struct()
        raise AssertionError(f"unexpected compact type {kind}")


def read_pages(data, start, length):
    pages, pos = [], start
    while pos < start + length:
        reader = CompactReader(data, pos)
        header = reader.struct()
        pages.append(header)
        pos = reader.pos + header[3]  # compressed_page_size
    assert pos == start + length
    return pages


@pytest.mark.parametrize("name", ["auto_zstd_tiny_pages", "plain_none", "delta_zstd"])
def test_chunks_are_split_into_pages_of_about_page_bytes(fixture_dir, name):
    path = path_of(fixture_dir, name)
    data = open(path, "rb").read()
    assert data[:4] == b"PAR1" and data[-4:] == b"PAR1"
    meta = pq.ParquetFile(path).metadata
    page_bytes = PAGE_BYTES[name]
    for rg in range(meta.num_row_groups):
        for j, column in enumerate(COLUMN_NAMES):
            chunk = meta.row_group(rg).column(j)
            start = chunk.dictionary_page_offset if chunk.has_dictionary_page else chunk.data_page_offset
            pages = read_pages(data, start, chunk.total_compressed_size)
            data_pages = [p for p in pages if p[1] == 0]
            dict_pages = [p for p in pages if p[1] == 2]
            assert len(dict_pages) == (1 if is_dictionary_column(column) else 0)
            if dict_pages:
                assert pages[0] is dict_pages[0]
                assert dict_pages[0][7][2] == 0  # dictionary page encoding PLAIN
            assert sum(p[5][1] for p in data_pages) == ROW_GROUP_ROWS[rg]
            size = 8 if dtype_of(column) in ("int64", "uint64", "float64") else 4
            rows_per_page = max(1, page_bytes // size)
            # Every page but the last holds exactly rows_per_page rows.
            assert all(p[5][1] == rows_per_page for p in data_pages[:-1]), column
            assert len(data_pages) == -(-ROW_GROUP_ROWS[rg] // rows_per_page)
            for p in data_pages:
                assert p[5][3] == 3 and p[5][4] == 3  # level encodings RLE
                if data_encoding(name, column) in ("PLAIN", "BYTE_STREAM_SPLIT"):
                    assert p[2] == p[5][1] * size  # uncompressed size = values
            if "_none" in name:
                assert all(p[2] == p[3] for p in pages)

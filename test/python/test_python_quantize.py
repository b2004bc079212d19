"""Quantised float columns (issue 16 item 4) read back by pyarrow within their bound.

The same frames are ingested twice, in child processes with SIMINGEST_KERNELS
set to "scalar" and "avx2" (the level is fixed per process), into datasets
whose columns use every quantize mode. Every value pyarrow reads back is
compared with the original numpy array generated here: within the mode's
bound, NaN/±Inf/zeros/subnormals/±max bit for bit; the Parquet statistics
are those of the stored values; both levels store the same bits; the error
stats() reports is the error numpy measures; the caller's arrays are unchanged.
"""

import functools
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from simingest_under_test import load  # noqa: E402

simingest = load()
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

GRID = (64, 64)
STEPS = 6
MODES = {
    "bits10": {"mantissaBits": 10},
    "bits16": {"mantissaBits": 16},
    "rel3": {"relError": 1e-3},
    "rel5": {"relError": 1e-5},
    "abs4": {"absError": 1e-4},
    "abs1": {"absError": 0.5},
}
FIELDS = ("tgv", "turb", "noise")  # smooth 2D vortex, 3D-like multi-mode field, random bits + specials


def column_name(field, mode, dtype):
    return f"{field}_{mode}_{dtype}"


def config():
    columns = {column_name(f, m, d): {"dtype": d, "quantize": q}
               for f in FIELDS for m, q in MODES.items() for d in ("float32", "float64")}
    columns["exact"] = "float64"
    # Small pages: absError derives its bits per block of at most a page, so
    # each frame spans several blocks.
    return {"streams": {"f": {"columns": columns, "grid": list(GRID)}}, "pageBytes": 8192, "workers": 2}


def field_values(field, step, dtype):
    n = GRID[0] * GRID[1]
    y, x = np.meshgrid(np.linspace(0, 2 * np.pi, GRID[0]), np.linspace(0, 2 * np.pi, GRID[1]), indexing="ij")
    if field == "tgv":
        v = np.sin(x) * np.cos(y) * np.exp(-0.02 * step)
    elif field == "turb":
        rng = np.random.default_rng(step)
        v = np.zeros_like(x)
        for k in range(1, 24):  # a k^-5/3-like spectrum with random phases, a slice of a 3D field
            v += k ** (-5 / 6) * np.sin(k * x + rng.uniform(0, 6.3)) * np.cos(k * y + rng.uniform(0, 6.3)) \
                * np.cos(0.3 * k * step + rng.uniform(0, 6.3))
        v *= 40.0
    else:
        rng = np.random.default_rng(100 + step)
        dt = np.dtype(dtype)
        ut = np.uint32 if dt.itemsize == 4 else np.uint64
        v = rng.integers(0, np.iinfo(ut).max, n, dtype=ut, endpoint=True).view(dt).copy()
        info = np.finfo(dt)
        specials = np.array([np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, info.max, -info.max,
                             info.smallest_subnormal, -info.smallest_subnormal, info.tiny,
                             np.nextafter(info.max, 0, dtype=dt)], dtype=dt)
        v[: len(specials)] = specials
        v.view(ut)[len(specials)] = ut(0x7FC12345) if dt.itemsize == 4 else ut(0x7FF8123456789ABC)  # NaN payload
        v.view(ut)[len(specials) + 1] = ut(0x7F800001) if dt.itemsize == 4 else ut(0x7FF0000000000001)  # sNaN
        return v.reshape(GRID)
    return np.ascontiguousarray(v, dtype=dtype)


def frames():
    for step in range(STEPS):
        cols = {column_name(f, m, d): field_values(f, step, d)
                for f in FIELDS for m in MODES for d in ("float32", "float64")}
        cols["exact"] = field_values("turb", step, "float64")
        yield step, cols


def write(path):
    """Child process: ingest every frame, check the caller's arrays survive, print stats()."""
    with simingest.Ingestor(path, config=config()) as ing:
        for step, cols in frames():
            copies = {k: v.copy() for k, v in cols.items()}
            ing.ingest("f", step=step, time=float(step), columns=cols)
            ing.flush()  # the frame is encoded: the engine is done with its copy
            for k, v in cols.items():
                assert v.tobytes() == copies[k].tobytes(), f"{k}: the caller's array changed"
        stats = ing.stats()
    print(json.dumps(stats["streams"]["f"]["quantize"]))


_WRITTEN = {}


def dataset(level, tmp_path_factory):
    """The dataset written at SIMD level `level` and its stats()' quantize section (once per level)."""
    if level not in _WRITTEN:
        path = tmp_path_factory.mktemp("quantize") / level
        env = dict(os.environ, SIMINGEST_KERNELS=level)
        out = subprocess.run([sys.executable, __file__, str(path)], env=env, capture_output=True, text=True,
                             timeout=300)
        assert out.returncode == 0, out.stderr
        _WRITTEN[level] = (path, json.loads(out.stdout.strip().splitlines()[-1]))
    return _WRITTEN[level]


@pytest.fixture(scope="module", params=["scalar", "avx2"])
def written(request, tmp_path_factory):
    return dataset(request.param, tmp_path_factory)


def read(path):
    files = sorted(pathlib.Path(path).rglob("part-*.parquet"))
    assert files
    table = pa.concat_tables([pq.read_table(f) for f in files]).sort_by("step")
    return files, table


def bits(a):
    return a.view(np.uint32 if a.dtype.itemsize == 4 else np.uint64)


@functools.lru_cache(maxsize=None)
def all_frames():
    return list(frames())


@functools.lru_cache(maxsize=None)
def original(name):
    """Column `name` over every frame, as generated (the reference every check uses)."""
    return np.concatenate([cols[name].reshape(-1) for _, cols in all_frames()])


def quantized_columns(table):
    """Each quantised column of `table` (as pyarrow read it) with its original
    values: (field, quantize, dtype, name, original, stored, finite, finite
    originals as float64, absolute error of the stored finite values)."""
    for f in FIELDS:
        for mode, q in MODES.items():
            for dtype in ("float32", "float64"):
                name = column_name(f, mode, dtype)
                x = original(name)
                stored = table.column(name).to_numpy()
                finite = np.isfinite(x)
                xd = x[finite].astype(np.float64)
                err = np.abs(stored[finite].astype(np.float64) - xd)
                yield f, q, dtype, name, x, stored, finite, xd, err


def test_every_value_is_within_its_bound_and_specials_are_exact(written):
    path, _ = written
    _, table = read(path)
    for f, q, dtype, name, x, stored, finite, xd, err in quantized_columns(table):
        assert stored.dtype == np.dtype(dtype)
        # NaN (payload and sign), ±Inf bit for bit.
        assert np.array_equal(bits(stored)[~finite], bits(x)[~finite]), name
        if "mantissaBits" in q:
            assert np.all(err <= np.ldexp(np.abs(xd), -(q["mantissaBits"] + 1))), name
        elif "relError" in q:
            assert np.all(err <= q["relError"] * np.abs(xd)), name
        else:
            assert np.all(err <= q["absError"]), name
        # Zeros, subnormals and ±max kept exactly.
        info = np.finfo(dtype)
        kept = finite & ((np.abs(x) < info.tiny) | (np.abs(x) == info.max))
        assert np.array_equal(bits(stored)[kept], bits(x)[kept]), name
        if f != "noise" or "absError" not in q:
            assert np.any(err > 0), f"{name}: nothing was rounded"
    assert np.array_equal(bits(table.column("exact").to_numpy()), bits(original("exact")))


def test_statistics_are_those_of_the_stored_values(written):
    path, _ = written
    files, _ = read(path)
    for file in files:
        meta = pq.ParquetFile(file).metadata
        table = pq.read_table(file)
        for rg in range(meta.num_row_groups):
            rows = meta.row_group(rg)
            start = sum(meta.row_group(i).num_rows for i in range(rg))
            for c in range(rows.num_columns):
                col = rows.column(c)
                name = col.path_in_schema
                if not name.startswith(("tgv", "turb")):
                    continue
                values = table.column(name).to_numpy()[start:start + rows.num_rows]
                assert col.statistics.min == values.min() and col.statistics.max == values.max(), name


def test_bound_is_in_the_file_metadata(written):
    path, _ = written
    files, _ = read(path)
    kv = pq.ParquetFile(files[0]).metadata.metadata
    recorded = json.loads(kv[b"simingest.quantize"])
    assert "exact" not in recorded
    assert recorded[column_name("tgv", "bits10", "float32")] == {
        "mode": "mantissaBits", "rounding": "nearestEven", "mantissaBits": 10, "maxRelError": 2.0 ** -11}
    rel = recorded[column_name("tgv", "rel3", "float64")]
    assert rel["mode"] == "relError" and rel["relError"] == 1e-3 and rel["mantissaBits"] == 9
    assert rel["maxRelError"] == 2.0 ** -10 <= 1e-3
    assert recorded[column_name("turb", "abs4", "float32")] == {
        "mode": "absError", "rounding": "nearestEven", "absError": 1e-4, "maxAbsError": 1e-4, "blockValues": 2048}


def test_stats_report_the_real_error(written):
    path, reported = written
    _, table = read(path)
    for f, q, _, name, _, _, finite, xd, err in quantized_columns(table):
        r = reported[name]
        assert r["mode"] == next(iter(q)) and r["values"] == int(finite.sum())
        assert r["maxAbsError"] == err.max(), name
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = np.where(err > 0, err / np.abs(xd), 0.0)
        assert r["maxRelError"] == rel.max(), name
        if f != "noise":  # noise squares overflow to inf
            assert r["rmsError"] == pytest.approx(np.sqrt(np.mean(err ** 2)), rel=1e-9), name


def test_scalar_and_avx2_store_the_same_bits(tmp_path_factory):
    tables = [read(dataset(level, tmp_path_factory)[0])[1] for level in ("scalar", "avx2")]
    for name in tables[0].column_names:
        a, b = tables[0].column(name).to_numpy(), tables[1].column(name).to_numpy()
        if a.dtype.kind == "f":
            a, b = bits(a), bits(b)
        assert np.array_equal(a, b), name


def test_python_config_takes_snake_case_and_errors_are_typed(tmp_path):
    from simingest._config import config_document

    doc = config_document({"streams": {"s": {"columns": {"x": {"dtype": "float32", "quantize": {"rel_error": 1e-3}},
                                                         "y": {"dtype": "float64", "quantize": {"mantissa_bits": 7}},
                                                         "z": {"dtype": "float64", "quantize": {"abs_error": 2}}}}}})
    columns = doc["streams"]["s"]["columns"]
    assert columns["x"]["quantize"] == {"relError": 1e-3}
    assert columns["y"]["quantize"] == {"mantissaBits": 7}
    assert columns["z"]["quantize"] == {"absError": 2}
    bad = {"streams": {"s": {"columns": {"i": {"dtype": "int32", "quantize": {"mantissa_bits": 4}}}}}}
    with pytest.raises(simingest.ConfigError, match=r"streams\.s\.columns\.i\.quantize: quantize applies to float "
                                                   r"columns only, not int32"):
        simingest.Ingestor(tmp_path / "ds", config=bad)
    assert not (tmp_path / "ds" / "_simingest" / "manifest.json").exists()


if __name__ == "__main__":
    write(sys.argv[1])

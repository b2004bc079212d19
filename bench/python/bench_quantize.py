"""Quantised columns against zfp at the same maximum error (issue 16 item 4).

For the tgv2d frames of the benchmark (512x512 float32 vx, vy, p; the
generator of frames.py) and a noisy case (the same plus Gaussian noise of
standard deviation 0.05, whose low mantissa bits are random), writes one
dataset per setting -- lossless, relError 1e-3 / 1e-5, mantissaBits 10 / 16 --
and reports:

- simingest: compression ratio (raw float bytes / Parquet bytes), throughput
  (first ingest to close), the max abs / rel error measured by reading every
  value back with pyarrow;
- zfp (libzfp through ctypes, fixed-accuracy mode, one 2D field per frame)
  at the same maximum error: the largest tolerance (simingest's measured max
  abs error of that field, doubled while zfp's real max error stays within
  it) -- its ratio, compression throughput and real error;
- pyarrow lossless (pq.write_table, zstd level 1, the engine's default).

Usage: SIMINGEST_LIBRARY=build-release/libsimingest.so python3 bench/python/bench_quantize.py
       [--n 512] [--frames 20] [--json out.json]
Throughput is only meaningful against a Release build of the library.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "bindings" / "python"))
import frames as frame_generator  # noqa: E402

import simingest  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

FIELDS = ("vx", "vy", "p")
SETTINGS = {
    "lossless": None,
    "relError 1e-3": {"relError": 1e-3},
    "relError 1e-5": {"relError": 1e-5},
    "mantissaBits 10": {"mantissaBits": 10},
    "mantissaBits 16": {"mantissaBits": 16},
}


def tgv2d(n: int, count: int, work: Path) -> dict:
    path = work / "tgv2d.f32"
    frame_generator._tgv2d(path, n, count, 0.01, 0.01)
    data = np.fromfile(path, dtype=np.float32).reshape(3, count, n * n)
    return {name: np.ascontiguousarray(data[i]) for i, name in enumerate(FIELDS)}


def noisy(clean: dict) -> dict:
    rng = np.random.default_rng(5)
    return {name: (v + rng.normal(0, 0.05, v.shape)).astype(np.float32) for name, v in clean.items()}


# ---- zfp through ctypes (zfp.h, libzfp 1.0) -------------------------------------

ZFP_TYPE_FLOAT = 3


def load_zfp():
    try:
        lib = ctypes.CDLL("libzfp.so.1")
    except OSError as error:
        raise SystemExit(f"bench_quantize: zfp, the contender of this section, is not installed ({error}); "
                         "Debian's libzfp-dev provides it (scripts/setup.sh installs it), "
                         "or skip the section with npm run bench -- --no-quantize")
    p, z = ctypes.c_void_p, ctypes.c_size_t
    signatures = {
        "zfp_field_2d": (p, [p, ctypes.c_int, z, z]),
        "zfp_field_free": (None, [p]),
        "zfp_stream_open": (p, [p]),
        "zfp_stream_close": (None, [p]),
        "zfp_stream_set_accuracy": (ctypes.c_double, [p, ctypes.c_double]),
        "zfp_stream_maximum_size": (z, [p, p]),
        "zfp_stream_set_bit_stream": (None, [p, p]),
        "zfp_stream_rewind": (None, [p]),
        "zfp_compress": (z, [p, p]),
        "zfp_decompress": (z, [p, p]),
        "stream_open": (p, [p, z]),
        "stream_close": (None, [p]),
    }
    for name, (restype, argtypes) in signatures.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes
    return lib


def zfp_field(zfp, frames: np.ndarray, n: int, tolerance: float):
    """Compresses each frame (n x n float32) at `tolerance`; returns bytes, seconds, max abs error."""
    total, seconds, max_err = 0, 0.0, 0.0
    stream = zfp.zfp_stream_open(None)
    zfp.zfp_stream_set_accuracy(stream, tolerance)
    out = np.empty(n * n, dtype=np.float32)
    for frame in frames:
        field = zfp.zfp_field_2d(frame.ctypes.data, ZFP_TYPE_FLOAT, n, n)
        size = zfp.zfp_stream_maximum_size(stream, field)
        buffer = ctypes.create_string_buffer(size)
        bits = zfp.stream_open(buffer, size)
        zfp.zfp_stream_set_bit_stream(stream, bits)
        zfp.zfp_stream_rewind(stream)
        start = time.perf_counter()
        written = zfp.zfp_compress(stream, field)
        seconds += time.perf_counter() - start
        assert written > 0
        total += written
        back = zfp.zfp_field_2d(out.ctypes.data, ZFP_TYPE_FLOAT, n, n)
        zfp.zfp_stream_rewind(stream)
        assert zfp.zfp_decompress(stream, back) > 0
        max_err = max(max_err, float(np.max(np.abs(out.astype(np.float64) - frame.astype(np.float64)))))
        zfp.zfp_field_free(back)
        zfp.zfp_field_free(field)
        zfp.stream_close(bits)
    zfp.zfp_stream_close(stream)
    return total, seconds, max_err


def zfp_matched(zfp, frames: np.ndarray, n: int, target: float):
    """zfp at the same maximum error as `target`: its accuracy mode errs well below the
    tolerance it is given, so the tolerance is doubled while the real max error stays
    within `target`; the largest such tolerance wins (bytes, seconds, max error)."""
    best = zfp_field(zfp, frames, n, target)
    for k in range(1, 8):
        trial = zfp_field(zfp, frames, n, target * 2 ** k)
        if trial[2] > target:
            break
        best = trial
    return best


# ---- simingest and pyarrow ----------------------------------------------------

def run_simingest(fields: dict, n: int, quantize, work: Path) -> dict:
    path = work / "ds"
    shutil.rmtree(path, ignore_errors=True)
    columns = {name: {"dtype": "float32", **({"quantize": quantize} if quantize else {})} for name in fields}
    config = {"streams": {"f": {"columns": columns, "grid": [n, n]}}, "workers": 2}
    count = len(next(iter(fields.values())))
    start = time.perf_counter()
    with simingest.Ingestor(path, config=config) as ing:
        for i in range(count):
            ing.ingest("f", i, float(i), {name: v[i] for name, v in fields.items()})
    seconds = time.perf_counter() - start
    files = sorted(path.rglob("part-*.parquet"))
    stored = sum(f.stat().st_size for f in files)
    table = pa.concat_tables([pq.read_table(f) for f in files]).sort_by("step")
    errors = {}
    for name, v in fields.items():
        x = v.reshape(-1).astype(np.float64)
        err = np.abs(table.column(name).to_numpy().astype(np.float64) - x)
        rel = np.where(err > 0, err / np.where(x == 0, 1, np.abs(x)), 0)
        errors[name] = {"maxAbs": float(err.max()), "maxRel": float(rel.max())}
    return {"bytes": stored, "seconds": seconds, "errors": errors}


def run_pyarrow(fields: dict, work: Path) -> dict:
    path = work / "pyarrow.parquet"
    table = pa.table({name: v.reshape(-1) for name, v in fields.items()})
    start = time.perf_counter()
    pq.write_table(table, path, compression="zstd", compression_level=1)
    return {"bytes": path.stat().st_size, "seconds": time.perf_counter() - start}


def bench_case(label: str, fields: dict, n: int, zfp, work: Path) -> list:
    raw = sum(v.nbytes for v in fields.values())
    rows = []
    lossless = run_pyarrow(fields, work)
    rows.append({"case": label, "setting": "lossless", "writer": "pyarrow", "ratio": raw / lossless["bytes"],
                 "MBps": raw / lossless["seconds"] / 1e6, "maxAbs": 0.0})
    for setting, quantize in SETTINGS.items():
        ours = run_simingest(fields, n, quantize, work)
        max_abs = max(e["maxAbs"] for e in ours["errors"].values())
        rows.append({"case": label, "setting": setting, "writer": "simingest", "ratio": raw / ours["bytes"],
                     "MBps": raw / ours["seconds"] / 1e6, "maxAbs": max_abs,
                     "maxRel": max(e["maxRel"] for e in ours["errors"].values())})
        if quantize is None:
            continue
        total, seconds, zfp_err = 0, 0.0, 0.0
        for name, v in fields.items():  # each field at simingest's max error of that field
            b, s, e = zfp_matched(zfp, v, n, ours["errors"][name]["maxAbs"])
            total, seconds, zfp_err = total + b, seconds + s, max(zfp_err, e)
        rows.append({"case": label, "setting": setting, "writer": "zfp", "ratio": raw / total,
                     "MBps": raw / seconds / 1e6, "maxAbs": zfp_err})
        rows[-2]["ofZfp"] = rows[-2]["ratio"] / rows[-1]["ratio"]
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=512)
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--json")
    args = parser.parse_args()
    zfp = load_zfp()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        clean = tgv2d(args.n, args.frames, work)
        rows = bench_case("tgv2d", clean, args.n, zfp, work) + bench_case("noisy", noisy(clean), args.n, zfp, work)
    print(f"{'case':<7}{'setting':<17}{'writer':<10}{'ratio':>8}{'MB/s':>9}{'max abs err':>13}{'of zfp':>8}")
    for r in rows:
        of = f"{r['ofZfp']:.0%}" if "ofZfp" in r else ""
        print(f"{r['case']:<7}{r['setting']:<17}{r['writer']:<10}{r['ratio']:>8.2f}{r['MBps']:>9.0f}"
              f"{r['maxAbs']:>13.3g}{of:>8}")
    if args.json:
        Path(args.json).write_text(json.dumps({"n": args.n, "frames": args.frames, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The read side of `npm run bench` (issue 12): simingest's query against DuckDB
and pyarrow.dataset on the same files, and both readers on the same data
written by pyarrow with default options.

Data: a 1000-step TGV 2D dataset (512^2, float32 vx, vy, p: 3 MiB of field
data per step, ~3 GB raw), frames taken in turn from the frames `npm run
bench` generated (bench/.data/tgv2d.bin), step i at time i * dt. Written
once by simingest (the bench's tgv2d configuration, partitions of 100 steps)
and once by pyarrow's ParquetWriter with default options (one file per 100
steps, one write_table per frame, hive directories like simingest's); both
are reused by later runs with the same parameters.

Measurements, each query in a fresh process (imports done, clock around the
query and the materialised Arrow table), contenders alternated, the median
of --repeat runs, warm page cache (every dataset is read once before):
  one_step   one step, all columns (step chosen per run, same for all)
  range50    a time range of 50 steps, one column (vx)
  scan       every step of one column (vx); reported as MB/s of vx
  inflight   simingest only: an open ingestor whose frames are not yet
             committed (one open row group), queried whole; MB/s of fields

Usage: bench_query.py [--data-dir bench/.data] [--steps 1000] [--repeat 5]
                      [--json OUT]
       bench_query.py --measure SPEC_JSON   (one measurement; prints JSON)
Numbers are reported, never asserted. Results differing between contenders
fail the run (row counts and a checksum of vx are compared).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "bindings" / "python"))
from frames import load_case  # noqa: E402

FIELDS = ["vx", "vy", "p"]
PARTITION_STEPS = 100
DT = 1e-3


# ---- data ---------------------------------------------------------------------

def _frames(data_dir: Path) -> Dict[str, np.ndarray]:
    manifest = json.loads((data_dir / "manifest.json").read_text())
    case = manifest["cases"]["tgv2d"]
    return load_case(case)


def _write_simingest(out: Path, frames: Dict[str, np.ndarray], steps: int) -> None:
    import simingest

    stored = frames["vx"].shape[0]
    n = int(round(frames["vx"].shape[1] ** 0.5))
    config = {
        "streams": {"fields": {"columns": {f: "float32" for f in FIELDS}, "grid": [n, n],
                               "partition": {"steps": PARTITION_STEPS}}},
        "compression": {"codec": "zstd", "level": 1},
        "rowGroupBytes": 9 * (3 * 4 * n * n + 16 * n * n),
        "memoryLimit": 512 << 20,
    }
    with simingest.Ingestor(str(out), config) as ing:
        for i in range(steps):
            j = i % stored
            ing.ingest("fields", step=i, time=i * DT, columns={f: frames[f][j] for f in FIELDS})


def _write_pyarrow_default(out: Path, frames: Dict[str, np.ndarray], steps: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    stored, cells = frames["vx"].shape
    schema = pa.schema([("step", pa.int64()), ("time", pa.float64())] + [(f, pa.float32()) for f in FIELDS])
    writer = None
    for i in range(steps):
        if i % PARTITION_STEPS == 0:
            if writer is not None:
                writer.close()
            part = out / "fields" / f"part={i // PARTITION_STEPS}"
            part.mkdir(parents=True, exist_ok=True)
            writer = pq.ParquetWriter(str(part / "part-0.parquet"), schema)  # default options
        j = i % stored
        columns = [pa.array(np.full(cells, i, dtype=np.int64)), pa.array(np.full(cells, i * DT))]
        columns += [pa.array(frames[f][j]) for f in FIELDS]
        writer.write_table(pa.Table.from_arrays(columns, schema=schema))
    if writer is not None:
        writer.close()


def prepare(data_dir: Path, steps: int) -> Dict[str, Path]:
    root = data_dir / "query"
    params = {"steps": steps, "partitionSteps": PARTITION_STEPS, "version": 1}
    stamp = root / "params.json"
    paths = {"simingest": root / "simingest", "pyarrow_default": root / "pyarrow-default"}
    if stamp.exists() and json.loads(stamp.read_text()) == params and all(p.exists() for p in paths.values()):
        return paths
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    frames = _frames(data_dir)
    started = time.perf_counter()
    _write_simingest(paths["simingest"], frames, steps)
    print(f"   wrote the simingest dataset ({steps} steps) in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    _write_pyarrow_default(paths["pyarrow_default"], frames, steps)
    print(f"   wrote the pyarrow-default dataset in {time.perf_counter() - started:.1f} s", flush=True)
    stamp.write_text(json.dumps(params))
    return paths


# ---- one measurement (run in its own process) ------------------------------------

def _digest(table) -> Dict[str, Any]:
    """Rows and a checksum of vx, so that contenders can be compared."""
    out = {"rows": table.num_rows}
    if "vx" in table.column_names:
        vx = table.column("vx").to_numpy()
        out["vxSum"] = float(np.sum(vx, dtype=np.float64))
    steps = table.column("step").to_numpy()
    out["steps"] = [int(steps.min()), int(steps.max())] if len(steps) else []
    return out


def _query(spec: Dict[str, Any]):
    kind, contender, path = spec["kind"], spec["contender"], spec["path"]
    k = spec["step"]
    columns = None if kind == "one_step" else ["vx"]
    if kind == "one_step":
        steps, trange = (k, k), None
    elif kind == "range50":
        steps, trange = None, (k * DT, (k + 49) * DT)
    else:
        steps, trange = None, None
    if contender == "simingest":
        import simingest

        with simingest.open_dataset(path) as dataset:
            return dataset.query("fields", steps=steps, time=trange, columns=columns, memory_limit=16 << 30)
    if contender == "duckdb":
        import duckdb

        # Bounds as DOUBLE parameters: a literal would be parsed as a DECIMAL and
        # rounded differently from the stored doubles.
        where, params = {"one_step": (f"WHERE step = {k}", []),
                         "range50": ("WHERE time BETWEEN ?::DOUBLE AND ?::DOUBLE", list(trange or ())),
                         "scan": ("", [])}[kind]
        select = "*" if columns is None else "step, time, vx"
        sql = f"SELECT {select} FROM read_parquet('{path}/fields/**/*.parquet', hive_partitioning = true) {where}"
        return duckdb.connect().execute(sql, params).fetch_arrow_table()
    if contender == "pyarrow":
        import pyarrow.dataset as ds

        dataset = ds.dataset(f"{path}/fields", format="parquet", partitioning="hive")
        if kind == "one_step":
            flt = ds.field("step") == k
        elif kind == "range50":
            flt = (ds.field("time") >= trange[0]) & (ds.field("time") <= trange[1])
        else:
            flt = None
        cols = None if columns is None else ["step", "time", "vx"]
        return dataset.to_table(columns=cols, filter=flt)
    raise ValueError(contender)


def _inflight(spec: Dict[str, Any]) -> Dict[str, Any]:
    import simingest

    frames = _frames(Path(spec["dataDir"]))
    count = spec["frames"]
    n = int(round(frames["vx"].shape[1] ** 0.5))
    out = Path(spec["path"])
    shutil.rmtree(out, ignore_errors=True)
    raw = count * 3 * 4 * n * n
    config = {
        "streams": {"fields": {"columns": {f: "float32" for f in FIELDS}, "grid": [n, n]}},
        "rowGroupBytes": 4 * raw, "fileBytes": 4 * raw, "memoryLimit": 4 * raw,
    }
    ing = simingest.Ingestor(str(out), config)
    try:
        for i in range(count):
            ing.ingest("fields", step=i, time=i * DT, columns={f: frames[f][i % frames[f].shape[0]] for f in FIELDS})
        started = time.perf_counter()
        table = ing.query("fields")
        seconds = time.perf_counter() - started
        stats = ing.stats()
        committed = stats["streams"]["fields"]["framesCommitted"] if "streams" in stats else None
        result = {"seconds": seconds, "fieldBytes": raw, "framesCommittedAtQuery": committed, **_digest(table)}
        del table
    finally:
        ing.close()
        shutil.rmtree(out, ignore_errors=True)
    return result


def measure(spec: Dict[str, Any]) -> Dict[str, Any]:
    if spec["kind"] == "inflight":
        return _inflight(spec)
    # Every contender's modules are imported before the clock starts: the
    # query is timed, not the interpreter loading pyarrow or DuckDB.
    import duckdb  # noqa: F401
    import pyarrow.dataset  # noqa: F401
    import simingest  # noqa: F401

    started = time.perf_counter()
    table = _query(spec)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, **_digest(table)}


# ---- the driver -----------------------------------------------------------------

def _run(spec: Dict[str, Any]) -> Dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--measure", json.dumps(spec)], check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _same(a: Dict[str, Any], b: Dict[str, Any]) -> bool:
    if a["rows"] != b["rows"] or a.get("steps") != b.get("steps"):
        return False
    return abs(a.get("vxSum", 0.0) - b.get("vxSum", 0.0)) <= 1e-6 * max(1.0, abs(a.get("vxSum", 0.0)))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--measure")
    parser.add_argument("--data-dir", default=str(HERE.parent / ".data"))
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--inflight-frames", type=int, default=100)
    parser.add_argument("--json")
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(json.loads(args.measure))))
        return 0

    data_dir = Path(args.data_dir)
    paths = prepare(data_dir, args.steps)
    rng = np.random.default_rng(12)
    contenders = [("simingest", "simingest"), ("duckdb", "simingest"), ("pyarrow", "simingest"),
                  ("duckdb", "pyarrow_default"), ("pyarrow", "pyarrow_default")]
    for contender, data in contenders:  # warm the page cache, check every reader works
        _run({"kind": "scan", "contender": contender, "path": str(paths[data]), "step": 0})

    report: Dict[str, Any] = {"steps": args.steps, "repeat": args.repeat, "cases": {}}
    failures: List[str] = []
    for kind in ("one_step", "range50", "scan"):
        samples: Dict[str, List[float]] = {f"{c} on {d}": [] for c, d in contenders}
        for r in range(args.repeat):
            k = int(rng.integers(0, args.steps - 50))
            reference = None
            order = contenders if r % 2 == 0 else list(reversed(contenders))
            for contender, data in order:
                result = _run({"kind": kind, "contender": contender, "path": str(paths[data]), "step": k})
                samples[f"{contender} on {data}"].append(result["seconds"])
                if reference is None:
                    reference = result
                elif not _same(reference, result):
                    failures.append(f"{kind} step {k}: {contender} on {data} differs: {result} vs {reference}")
            if kind == "scan":
                field_bytes = reference["rows"] * 4
        medians = {name: statistics.median(values) for name, values in samples.items()}
        entry: Dict[str, Any] = {"medianSeconds": medians, "samples": samples}
        if kind == "scan":
            entry["mbPerSecond"] = {name: field_bytes / s / 1e6 for name, s in medians.items()}
        report["cases"][kind] = entry

    inflight = [_run({"kind": "inflight", "contender": "simingest", "frames": args.inflight_frames,
                      "dataDir": str(data_dir), "path": str(data_dir / "query" / "inflight")})
                for _ in range(max(1, args.repeat // 2))]
    best = statistics.median(i["fieldBytes"] / i["seconds"] / 1e6 for i in inflight)
    report["cases"]["inflight"] = {"runs": inflight, "medianMBPerSecond": best}

    print("\n== queries on a %d-step TGV 2D dataset (512^2, vx vy p float32), medians of %d fresh processes"
          % (args.steps, args.repeat))
    sim = "simingest on simingest"
    for kind, label in (("one_step", "one step, all columns"), ("range50", "50-step time range, vx"),
                        ("scan", "full scan of vx")):
        medians = report["cases"][kind]["medianSeconds"]
        print(f"  {label}:")
        for name, seconds in medians.items():
            ratio = medians[name] / medians[sim]
            extra = f", {report['cases'][kind]['mbPerSecond'][name]:.0f} MB/s" if kind == "scan" else ""
            print(f"    {name:32s} {seconds * 1e3:9.1f} ms  ({ratio:5.2f}× simingest's time{extra})")
    runs = report["cases"]["inflight"]["runs"]
    print(f"  in-flight frames ({args.inflight_frames} frames, not committed at the query: "
          f"{[r['framesCommittedAtQuery'] for r in runs]} committed): {best:.0f} MB/s")
    if failures:
        report["failures"] = failures
        for failure in failures:
            print("!! " + failure)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

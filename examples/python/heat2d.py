#!/usr/bin/env python3
"""Explicit 2D heat equation in numpy, written to a simingest dataset as it runs.

    u_t = alpha * (u_xx + u_yy)   on [0, 1] x [0, 1],   u = 0 on the boundary

Forward Euler in time, 5-point Laplacian in space (FTCS) on an ny x nx grid
with spacings hx = 1 / (nx - 1), hy = 1 / (ny - 1) and time step
dt = cfl * min(hx, hy)^2 / alpha (stable for cfl <= 0.25). One step updates
the interior as

    c = u[1:-1, 1:-1]
    u[1:-1, 1:-1] = c + rx * (u[1:-1, 2:] - 2 * c + u[1:-1, :-2])
                      + ry * (u[2:, 1:-1] - 2 * c + u[:-2, 1:-1])
    with rx = alpha * dt / hx^2, ry = alpha * dt / hy^2

(test/python/test_python_heat2d.py re-runs exactly this to check the dataset,
so keep the two in step). The initial field is a sum of two sine modes, which
the discrete scheme damps by a known factor per step.

Every `--every` steps the whole field goes to stream "fields" (grid [ny, nx],
rows in C order), and every step the total heat and the peak go to stream
"diagnostics" as scalars.

    python examples/python/heat2d.py run-heat --nx 128 --ny 96 --steps 500 --every 50
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

try:
    import simingest
except ImportError:  # run from a checkout without `pip install ./bindings/python`:
    # then set SIMINGEST_LIBRARY to a built libsimingest.so (docs/PYTHON.md)
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bindings" / "python"))
    import simingest

MODES = ((1, 1, 1.0), (2, 3, 0.5))  # (kx, ky, amplitude)


def initial_field(nx: int, ny: int) -> np.ndarray:
    x = np.linspace(0.0, 1.0, nx)
    y = np.linspace(0.0, 1.0, ny)
    u = np.zeros((ny, nx))
    for kx, ky, amplitude in MODES:
        u += amplitude * np.outer(np.sin(ky * np.pi * y), np.sin(kx * np.pi * x))
    u[0, :] = u[-1, :] = 0.0
    u[:, 0] = u[:, -1] = 0.0
    return u


def step_heat(u: np.ndarray, rx: float, ry: float) -> None:
    """One FTCS step in place (the right-hand side is evaluated before assignment)."""
    c = u[1:-1, 1:-1]
    u[1:-1, 1:-1] = (c + rx * (u[1:-1, 2:] - 2.0 * c + u[1:-1, :-2])
                     + ry * (u[2:, 1:-1] - 2.0 * c + u[:-2, 1:-1]))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", help="dataset directory (created or appended to)")
    parser.add_argument("--nx", type=int, default=128)
    parser.add_argument("--ny", type=int, default=96)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--every", type=int, default=50, help="write the field every N steps")
    parser.add_argument("--alpha", type=float, default=1.0)
    parser.add_argument("--cfl", type=float, default=0.2)
    parser.add_argument("--stats", help="write the final statistics JSON to this file")
    args = parser.parse_args(argv)

    if args.nx < 3 or args.ny < 3 or args.every < 1 or not 0 < args.cfl <= 0.25:
        parser.error("need nx, ny >= 3, every >= 1 and 0 < cfl <= 0.25 (stability)")
    hx = 1.0 / (args.nx - 1)
    hy = 1.0 / (args.ny - 1)
    dt = args.cfl * min(hx, hy) ** 2 / args.alpha
    rx = args.alpha * dt / (hx * hx)
    ry = args.alpha * dt / (hy * hy)
    u = initial_field(args.nx, args.ny)

    with simingest.Ingestor(
        args.dataset,
        streams={
            "fields": {"columns": {"u": "float64"}, "grid": [args.ny, args.nx],
                       "partition": {"steps": 10 * args.every}},
            "diagnostics": {"columns": {"heat": "float64", "peak": "float64"}},
        },
        compression={"codec": "zstd", "level": 3},
        memory_limit=64 << 20,
        workers=2,
        backpressure="block",
    ) as ing:
        started = time.perf_counter()
        for step in range(args.steps + 1):
            t = step * dt
            if step % args.every == 0:
                ing.ingest("fields", step=step, time=t, columns={"u": u})
            ing.ingest("diagnostics", step=step, time=t,
                       columns={"heat": float(u.sum() * hx * hy), "peak": float(u.max())})
            if step < args.steps:
                step_heat(u, rx, ry)
        ing.flush()
        stats = ing.stats()
    elapsed = time.perf_counter() - started
    print(f"{args.steps} steps of {args.ny}x{args.nx} in {elapsed:.2f}s; "
          f"{stats['framesCommitted']} frames, {stats['rowsCommitted']} rows, "
          f"{stats['bytesWritten']} bytes in {stats['filesCommitted']} files")
    if args.stats:
        Path(args.stats).write_text(json.dumps(stats, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

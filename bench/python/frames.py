"""The frames every contender of `npm run bench` writes, generated once.

Three cases, each a raw little-endian file plus an entry of manifest.json:

- ``tgv2d``: the 2D Taylor-Green vortex on a 512x512 periodic grid, float32
  vx, vy, p, the analytic decaying solution (F = exp(-2 nu t)) plus a small
  deterministic travelling perturbation so that no two frames are equal and
  the mantissas look like a solver's, not like a formula's.
- ``noisy``: the tgv2d fields plus seeded Gaussian noise of standard
  deviation 2e-8 on every value (issue 15): a few ulps of float32 at these
  magnitudes, which randomises the low mantissa bits a real solver's rounding
  leaves and breaks the exact repeats a formula on a grid has. pyarrow's
  BYTE_STREAM_SPLIT + zstd 1 then compresses it about 1.8x instead of 3.5x.
- ``tgv3d``: the 3D Taylor-Green vortex on 128^3, float32 u, v, w, p, with the
  same kind of perturbation (w is not identically zero).
- ``small``: one row of eight float64 diagnostics per frame (energy, ...),
  a decaying signal plus seeded noise.

Grid cases are stored field-major: every frame of the first field, then every
frame of the next, so frame i of field f is a contiguous C-order array and a
field's column over all frames (what a reader returns) is one contiguous
slice. The small case is frame-major (frames x 8).

The frames depend only on the parameters, which the manifest records; a
second run with the same parameters reuses the files.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Dict

import numpy as np

GENERATOR_VERSION = 2
SMALL_FIELDS = [
    "energy", "enstrophy", "max_velocity", "cfl",
    "dt", "residual", "divergence", "pressure_mean",
]


# Standard deviation of the noisy case's perturbation, tuned for a pyarrow
# compression ratio near 1.8 (1e-8: 2.05, 1.5e-8: 1.86, 2e-8: 1.79; from
# 3e-8 up to 1e-5 it stays near 1.63, the ratio of fully random low bytes).
NOISE_STD = 2e-8
NOISE_SEED = 15


def _tgv2d(path: Path, n: int, frames: int, dt: float, nu: float, noise: float = 0.0) -> None:
    x = np.arange(n) * (2 * np.pi / n)
    X = x[np.newaxis, :]  # x varies fastest (column index)
    Y = x[:, np.newaxis]
    sx, cx, sy, cy = np.sin(X), np.cos(X), np.sin(Y), np.cos(Y)
    u0, v0 = sx * cy, -cx * sy
    p0 = (np.cos(2 * X) + np.cos(2 * Y)) / 4.0
    # Perturbation: modes travelling with time, written as a*cos(wt) + b*sin(wt).
    a1, a2, a3 = 3 * X + 2 * Y, 5 * X - 4 * Y, 7 * X + 6 * Y
    size = n * n
    out = np.memmap(path, dtype=np.float32, mode="w+", shape=(3, frames, size))
    eps = 1e-2
    rng = np.random.default_rng(NOISE_SEED)

    def perturbed(values: np.ndarray) -> np.ndarray:
        if noise > 0:
            values = values + noise * rng.standard_normal(values.shape)
        return values.astype(np.float32).ravel()

    for i in range(frames):
        t = i * dt
        f = np.exp(-2 * nu * t)
        out[0, i] = perturbed(f * u0 + eps * np.sin(a1 + 0.9 * t))
        out[1, i] = perturbed(f * v0 + eps * np.cos(a2 - 1.3 * t))
        out[2, i] = perturbed(f * f * p0 + eps * np.sin(a3 + 0.4 * t) * np.cos(a1))
    out.flush()
    del out


def _tgv3d(path: Path, n: int, frames: int, dt: float, nu: float) -> None:
    x = np.arange(n) * (2 * np.pi / n)
    Z = x[:, None, None]
    Y = x[None, :, None]
    X = x[None, None, :]
    u0 = np.sin(X) * np.cos(Y) * np.cos(Z)
    v0 = -np.cos(X) * np.sin(Y) * np.cos(Z)
    p0 = (np.cos(2 * X) + np.cos(2 * Y)) * (np.cos(2 * Z) + 2) / 16.0
    a1 = 2 * X + 3 * Y + Z
    a2 = X - 2 * Y + 3 * Z
    size = n ** 3
    out = np.memmap(path, dtype=np.float32, mode="w+", shape=(4, frames, size))
    eps = 1e-2
    for i in range(frames):
        t = i * dt
        f = np.exp(-3 * nu * t)
        s1 = np.sin(a1 + 0.7 * t)
        s2 = np.cos(a2 - 1.1 * t)
        out[0, i] = (f * u0 + eps * s1).astype(np.float32).ravel()
        out[1, i] = (f * v0 + eps * s2).astype(np.float32).ravel()
        out[2, i] = (eps * s1 * s2).astype(np.float32).ravel()
        out[3, i] = (f * f * p0 + eps * s2).astype(np.float32).ravel()
    out.flush()
    del out


def _small(path: Path, frames: int, dt: float) -> None:
    rng = np.random.default_rng(20240605)
    t = np.arange(frames) * dt
    decay = np.exp(-0.02 * t)
    values = np.empty((frames, len(SMALL_FIELDS)), dtype=np.float64)
    values[:, 0] = 0.25 * decay * (1 + 1e-3 * rng.standard_normal(frames))
    values[:, 1] = 0.5 * decay * (1 + 1e-3 * rng.standard_normal(frames))
    values[:, 2] = np.sqrt(decay) * (1 + 1e-4 * rng.standard_normal(frames))
    values[:, 3] = 0.5 * values[:, 2]
    values[:, 4] = dt
    values[:, 5] = np.abs(1e-6 * rng.standard_normal(frames)) * decay
    values[:, 6] = 1e-12 * rng.standard_normal(frames)
    values[:, 7] = 1e-3 * np.sin(0.1 * t) + 1e-6 * rng.standard_normal(frames)
    values.tofile(path)


def generate(out_dir: Path, frames2d: int, frames3d: int, small_frames: int) -> Dict[str, Any]:
    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    params = {
        "version": GENERATOR_VERSION,
        "frames2d": frames2d, "frames3d": frames3d, "smallFrames": small_frames,
    }
    manifest_path = out_dir / "manifest.json"
    cases = {
        "tgv2d": {
            "name": "tgv2d", "title": "TGV 2D 512^2 (vx,vy,p f32)",
            "data": str(out_dir / "tgv2d.bin"), "fields": ["vx", "vy", "p"], "dtype": "float32",
            "grid": [512, 512], "elements": 512 * 512, "frames": frames2d, "dt": 0.02,
            "layout": "field-major",
        },
        "noisy": {
            "name": "noisy", "title": "noisy TGV 2D 512^2 (vx,vy,p f32, noise 2e-8)",
            "data": str(out_dir / "noisy.bin"), "fields": ["vx", "vy", "p"], "dtype": "float32",
            "grid": [512, 512], "elements": 512 * 512, "frames": frames2d, "dt": 0.02,
            "layout": "field-major",
        },
        "tgv3d": {
            "name": "tgv3d", "title": "TGV 3D 128^3 (u,v,w,p f32)",
            "data": str(out_dir / "tgv3d.bin"), "fields": ["u", "v", "w", "p"], "dtype": "float32",
            "grid": [128, 128, 128], "elements": 128 ** 3, "frames": frames3d, "dt": 0.05,
            "layout": "field-major",
        },
        "small": {
            "name": "small", "title": "small frames (1 row, 8 f64)",
            "data": str(out_dir / "small.bin"), "fields": SMALL_FIELDS, "dtype": "float64",
            "grid": [], "elements": 1, "frames": small_frames, "dt": 1e-3,
            "layout": "frame-major",
        },
    }
    manifest = {"params": params, "cases": cases}
    if manifest_path.is_file():
        try:
            previous = json.loads(manifest_path.read_text())
        except ValueError:
            previous = None
        if previous == manifest and all(Path(c["data"]).is_file() for c in cases.values()):
            return manifest
    _tgv2d(Path(cases["tgv2d"]["data"]), 512, frames2d, cases["tgv2d"]["dt"], nu=0.05)
    _tgv2d(Path(cases["noisy"]["data"]), 512, frames2d, cases["noisy"]["dt"], nu=0.05, noise=NOISE_STD)
    _tgv3d(Path(cases["tgv3d"]["data"]), 128, frames3d, cases["tgv3d"]["dt"], nu=0.05)
    _small(Path(cases["small"]["data"]), small_frames, cases["small"]["dt"])
    manifest_path.write_text(json.dumps(manifest, indent=1))
    return manifest


def load_case(case: Dict[str, Any], frames: int = 0) -> Dict[str, np.ndarray]:
    """field -> array (frames x elements) in memory (not a memmap: the data is read,
    and its pages resident, before any clock starts). `frames` = 0 loads all."""
    stored = case["frames"]
    frames = stored if frames <= 0 else min(frames, stored)
    dtype = np.dtype(case["dtype"])
    if case["layout"] == "frame-major":
        values = np.fromfile(case["data"], dtype=dtype, count=frames * len(case["fields"]))
        return {"rows": values.reshape(frames, len(case["fields"]))}
    elements = case["elements"]
    mapped = np.memmap(case["data"], dtype=dtype, mode="r",
                       shape=(len(case["fields"]), stored, elements))
    return {name: np.array(mapped[f, :frames]) for f, name in enumerate(case["fields"])}


def peak_rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--frames2d", type=int, default=120)
    parser.add_argument("--frames3d", type=int, default=12)
    parser.add_argument("--small-frames", type=int, default=1_000_000)
    args = parser.parse_args()
    manifest = generate(Path(args.out), args.frames2d, args.frames3d, args.small_frames)
    json.dump({"manifest": str(Path(args.out).resolve() / "manifest.json"), "params": manifest["params"]}, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())

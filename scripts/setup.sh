#!/usr/bin/env bash
# First command of the README's quick start, for a fresh Debian 12 machine
# with Node.js >= 20: installs the system and Python prerequisites, then the
# package's dependencies (which builds the addon and libsimingest.so).
#   bash scripts/setup.sh && npx simingest demo
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "simingest needs Node.js >= 20 (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

echo "== system packages (apt-get)"
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  cmake g++ make pkg-config libzstd-dev libxxhash-dev nlohmann-json3-dev libgtest-dev \
  zlib1g-dev \
  openmpi-bin libopenmpi-dev \
  python3 python3-pip python3-venv \
  chromium \
  libzfp-dev \
  clang libclang-rt-14-dev  # the fuzzers (docs/FUZZING.md): clang and libFuzzer's runtime

echo "== Python readers for the demo's output and the Python tests (pip)"
pip_args=(--quiet --disable-pip-version-check)
# Debian 12 marks the system Python as externally managed (PEP 668).
if python3 -m pip install --help 2>/dev/null | grep -- --break-system-packages >/dev/null; then
  pip_args+=(--break-system-packages)
fi
# pip names; the import names differ for grpcio (grpc) and grpcio-tools (grpc_tools).
# zstandard: fastavro's reader of the realtime log's zstandard blocks on Python < 3.14 without
# backports.zstd (test/python/test_realtime_log.py). prometheus_client: its exposition parser checks
# GET /metrics (test/node/server_prometheus.test.ts). mpi4py, ray, dask[dataframe]: the MPI examples
# and the readers of a dataset many writers share (test/python/test_mpi_examples.py, docs/MULTI_WRITER.md);
# aiohttp: ray.data.read_parquet imports fsspec's HTTP filesystem for every path, which needs it.
python_modules=(pyarrow duckdb polars pandas numpy pytest fastavro zstandard grpcio grpcio-tools prometheus_client
  mpi4py ray "dask[dataframe]" aiohttp)
python_imports=(pyarrow duckdb polars pandas numpy pytest fastavro zstandard grpc grpc_tools prometheus_client
  mpi4py ray dask.dataframe aiohttp)
if python3 -c "import $(IFS=,; echo "${python_imports[*]}")" 2>/dev/null; then
  echo "already installed: ${python_modules[*]}"
else
  # --retries 0: where only a local index answers, an unreachable default
  # index costs minutes of retries per package otherwise.
  python3 -m pip install "${pip_args[@]}" --retries 0 "${python_modules[@]}"
fi

echo "== npm dependencies, addon and libsimingest.so"
npm ci --no-audit --no-fund

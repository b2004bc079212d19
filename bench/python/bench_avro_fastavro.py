"""fastavro's `writer` on the realtime log's one-row frames (issue 13: simingest >= 5x).

Writes the records bench/realtime_log_bench.cpp writes -- step, time, e = step / 2,
n = step -- with the schema and codec read from the header of a log file that
bench wrote (so both sides encode exactly the same Avro type), in blocks of
`--block` records, and prints one JSON line: {"writer": "fastavro", "frames", "framesPerSecond"}.

Usage: python3 bench/python/bench_avro_fastavro.py LOG.avro OUT.avro [--frames N] [--block N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import fastavro


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("schema_from", help="an Avro file whose header holds the schema and codec")
    parser.add_argument("out")
    parser.add_argument("--frames", type=int, default=2_000_000)
    parser.add_argument("--block", type=int, default=4096)
    args = parser.parse_args()
    with open(args.schema_from, "rb") as f:
        reader = fastavro.reader(f)
        schema, codec = reader.writer_schema, reader.codec
    parsed = fastavro.parse_schema(schema)
    # A generator, as a solver producing frames one at a time would feed it.
    records = ({"step": s, "time": float(s), "e": 0.5 * s, "n": s} for s in range(args.frames))
    start = time.perf_counter()
    with open(args.out, "wb") as out:
        # sync_interval is in bytes: ~23 bytes per record here, so blocks of about --block records.
        fastavro.writer(out, parsed, records, codec=codec, sync_interval=args.block * 23)
    seconds = time.perf_counter() - start
    print(json.dumps({"writer": "fastavro", "codec": codec, "frames": args.frames, "framesPerSecond": args.frames / seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

// The contender of the appender section (issue 15 item 4, whose anchor is
// DuckDB's Appender): the same rows (step, time, eight float64) one call each
// through @duckdb/node-api's appender into a DuckDB database file, then
// CHECKPOINT (the rows in the database file) and COPY to one Parquet file
// with zstd (what a user wanting Parquet does next). Values as in
// bench_appender.mjs; the row count is checked by DuckDB reading the file.
//
// Usage: node bench/node/bench_duckdb_appender.mjs OUT_DIR ROWS  -> one JSON line.
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const [out, count] = process.argv.slice(2);
const rows = Number(count);
mkdirSync(out, { recursive: true });
const parquet = path.join(out, 'joints.parquet');
const start = performance.now();
const instance = await DuckDBInstance.create(path.join(out, 'joints.duckdb'));
const connection = await instance.connect();
const q = Array.from({ length: 8 }, (_, j) => `q${j} DOUBLE`).join(', ');
await connection.run(`CREATE TABLE joints (step BIGINT, time DOUBLE, ${q})`);
const appender = await connection.createAppender('joints');
const loop = performance.now();
for (let step = 0; step < rows; ++step) {
  const base = step * 1.5;
  appender.appendBigInt(BigInt(step));
  appender.appendDouble(step * 0.001);
  for (let j = 0; j < 8; ++j) appender.appendDouble(base + 0.125 * j);
  appender.endRow();
}
const appendSeconds = (performance.now() - loop) / 1e3;
appender.closeSync();
await connection.run('CHECKPOINT');
await connection.run(`COPY joints TO '${parquet}' (FORMAT parquet, COMPRESSION zstd)`);
const totalSeconds = (performance.now() - start) / 1e3;
const reader = await connection.runAndReadAll(`SELECT count(*)::BIGINT FROM read_parquet('${parquet}')`);
const counted = Number(reader.getRows()[0][0]);
connection.closeSync();
instance.closeSync();
if (counted !== rows) throw new Error(`duckdb: ${counted} rows in ${parquet}, expected ${rows}`);
console.log(JSON.stringify({ host: 'duckdb (node)', rows, appendSeconds, totalSeconds,
                             appendRowsPerSecond: rows / appendSeconds, rowsPerSecond: rows / totalSeconds }));

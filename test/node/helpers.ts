// Shared by the Node tests: scratch directories and reading datasets back
// through DuckDB (an independent Parquet reader, not simingest's own code).
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export function scratchDir(t: { after(fn: () => void): void }, name = 'simingest-test-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), name));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export type Columns = Record<string, unknown[]>;

/** Runs SQL in a fresh in-memory DuckDB and returns the result by column. */
export async function query(sql: string): Promise<Columns> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(sql);
    return reader.getColumnsObject() as Columns;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Every committed row of `stream`, in commit order (files by sequence, rows within a file). */
export function readStream(dataset: string, stream: string, columns = '*'): Promise<Columns> {
  const glob = path.join(dataset, stream, '**', '*.parquet').replace(/'/g, "''");
  return query(
    `SELECT ${columns} FROM read_parquet('${glob}', hive_partitioning = true, filename = true, file_row_number = true)
     ORDER BY regexp_extract(filename, 'part-([0-9]+)', 1), file_row_number`,
  );
}

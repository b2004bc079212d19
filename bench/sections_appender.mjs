// Issue 15 item 4: the appender, eight float64 values per row, one call per
// row from C++, Python and Node; each host's dataset is read back with
// pyarrow (bench/python/bench_appender.py verify) before its figure counts.
// "rows/s" is rows over the whole run to a committed, closed dataset; the
// append loop alone (the host thread's cost) is reported beside it.
import { rmSync } from 'node:fs';
import * as path from 'node:path';

const M = (v) => `${(v / 1e6).toFixed(2)} M`;

export function appenderSection(ctx, options, nodeOk) {
  const script = path.join(ctx.benchDir, 'python', 'bench_appender.py');
  const env = { SIMINGEST_LIBRARY: path.join(ctx.buildDir, 'libsimingest.so') };
  const hosts = [
    ['cpp', options.appenderRows, 10e6, (out, rows) => ctx.runJson(path.join(ctx.buildDir, 'bench', 'appender_bench'), [out, rows])],
    ['python', options.appenderRowsBindings, 1e6, (out, rows) => ctx.runJson(ctx.python, [script, 'run', out, rows], { env })],
    // The batch call beside the per-row one (rows already in arrays, 10 000 a
    // call): an extra line, not the goal's API, so no target (floor null).
    ['python-rows', options.appenderRowsBindings, null, (out, rows) => ctx.runJson(ctx.python, [script, 'run-rows', out, rows], { env })],
    ...(nodeOk ? [['node', options.appenderRowsBindings, 1e6,
                   (out, rows) => ctx.runJson(process.execPath, [path.join(ctx.benchDir, 'node', 'bench_appender.mjs'), out, rows])]] : []),
  ];
  const result = {};
  const targets = [];
  for (const [host, rows, floor, run] of hosts) {
    const out = path.join(ctx.outRoot, `appender-${host}`);
    rmSync(out, { recursive: true, force: true });
    try {
      const r = run(out, String(rows));
      r.verify = ctx.runJson(ctx.python, [script, 'verify', out, String(rows)], { env, timeoutSeconds: 1800 });
      result[host] = r;
      console.log(`   ${host.padEnd(6)} ${M(r.rowsPerSecond)} rows/s committed, append loop ${M(r.appendRowsPerSecond)} rows/s (${rows} rows, verified)`);
      if (floor !== null) targets.push({ goal: 4, host, target: `issue 15 goal 4: appender ≥ ${floor / 1e6} M rows/s from ${host} (8 float64, committed)`,
                     measured: `${M(r.rowsPerSecond)} rows/s (append loop ${M(r.appendRowsPerSecond)})`, met: r.rowsPerSecond >= floor });
    } finally {
      if (!options.keepOutput) rmSync(out, { recursive: true, force: true });
    }
  }
  // The anchor's own appender beside them (Node's @duckdb/node-api): the same
  // rows into a DuckDB database, checkpointed and copied to Parquet.
  if (nodeOk) {
    const out = path.join(ctx.outRoot, 'appender-duckdb');
    rmSync(out, { recursive: true, force: true });
    try {
      const r = ctx.runJson(process.execPath, [path.join(ctx.benchDir, 'node', 'bench_duckdb_appender.mjs'), out,
                                               String(options.appenderRowsBindings)]);
      result.duckdb = r;
      const node = result.node?.rowsPerSecond;
      console.log(`   duckdb ${M(r.rowsPerSecond)} rows/s in a checkpointed database and a Parquet file, append loop ` +
        `${M(r.appendRowsPerSecond)} rows/s (@duckdb/node-api appender, ${r.rows} rows, counted)` +
        (node ? `; simingest from Node ${(node / r.rowsPerSecond).toFixed(2)}× that` : ''));
    } finally {
      if (!options.keepOutput) rmSync(out, { recursive: true, force: true });
    }
  }
  return { result, targets };
}

// Rows one call each through the appender from Node (issue 15 item 4, ADR
// 0021): the values a plain array literal per row, as users write them.
// bench/python/bench_appender.py verify reads the rows back with pyarrow.
//
// Usage: node bench/node/bench_appender.mjs OUT_DIR ROWS  -> one JSON line.
import { Ingestor } from 'simingest';

const [out, count] = process.argv.slice(2);
const rows = Number(count);
const columns = Object.fromEntries(Array.from({ length: 8 }, (_, j) => [`q${j}`, 'float64']));
const start = performance.now();
const ing = await Ingestor.open(out, { streams: { joints: { columns } } });
const app = ing.appender('joints');
const loop = performance.now();
for (let step = 0; step < rows; ++step) {
  const base = step * 1.5;
  app.append(step, step * 0.001, [base, base + 0.125, base + 0.25, base + 0.375, base + 0.5, base + 0.625, base + 0.75, base + 0.875]);
}
const appendSeconds = (performance.now() - loop) / 1e3;
app.close();
await ing.close();
const totalSeconds = (performance.now() - start) / 1e3;
console.log(JSON.stringify({ host: 'node', rows, appendSeconds, totalSeconds,
                             appendRowsPerSecond: rows / appendSeconds, rowsPerSecond: rows / totalSeconds }));

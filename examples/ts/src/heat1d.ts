// Explicit 1D heat equation u_t = alpha u_xx on [0, 1], u = 0 at both ends,
// written to a simingest dataset as it runs: the field every `every` steps
// (stream "fields", a grid of nx cells) and the total heat every step (stream
// "diagnostics", a scalar). Usage: node dist/heat1d.js [DATASET] [STEPS]
import { Ingestor, SimingestError, inspectDataset, type Config } from 'simingest';

const out = process.argv[2] ?? 'heat1d';
const steps = Number(process.argv[3] ?? 200);
const nx = 256;
const every = 10;
const alpha = 1;
const h = 1 / (nx - 1);
const dt = (0.4 * h * h) / alpha; // stable for alpha dt / h^2 <= 0.5

const config: Config = {
  streams: {
    fields: { columns: { u: 'float64' }, grid: [nx], partition: { steps: 100 } },
    diagnostics: { columns: { heat: 'float64' } },
  },
  memoryLimit: 16 * 2 ** 20,
  workers: 1,
};

let u = Float64Array.from({ length: nx }, (_, i) => Math.sin(Math.PI * i * h));
let next = new Float64Array(nx);

try {
  await using ingestor = await Ingestor.open(out, config);
  for (let step = 0; step < steps; step++) {
    const time = step * dt;
    if (step % every === 0) await ingestor.ingest('fields', { step, time, columns: { u } });
    const heat = u.reduce((sum, value) => sum + value, 0) * h;
    await ingestor.ingest('diagnostics', { step, time, columns: { heat } });
    const r = (alpha * dt) / (h * h);
    for (let i = 1; i < nx - 1; i++) next[i] = u[i]! + r * (u[i + 1]! - 2 * u[i]! + u[i - 1]!);
    [u, next] = [next, u]; // safe: ingest() copied the array before it resolved
  }
  await ingestor.flush();
  console.log('checkpoint', JSON.stringify(ingestor.checkpoint()));
} catch (error) {
  if (!(error instanceof SimingestError)) throw error;
  console.error(`simingest: ${error.code}: ${error.message}`);
  process.exit(1);
}

const summary = await inspectDataset(out);
for (const stream of summary.streams) console.log(`${stream.name}: ${stream.frames} frames, ${stream.rows} rows`);

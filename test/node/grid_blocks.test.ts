// Domain decomposition from Node (docs/MULTI_WRITER.md): writers each ingest
// their `block` of one grid; Dataset.query({ assemble: true }) returns the
// global field per step bit for bit (asGrid too), and a missing block fails
// with ERR_BLOCK_MISMATCH naming the step and the cells.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Dataset, Ingestor, SimingestError, type Config } from 'simingest';
import { scratchDir } from './helpers';

const GRID = [3, 5];
const CELLS = 15;
// Rows 0-1 and row 2 of the grid: two writers.
const BLOCKS = [
  { offset: [0, 0], shape: [2, 5] },
  { offset: [2, 0], shape: [1, 5] },
];

function field(step: number): Float64Array {
  const u = new Float64Array(CELLS);
  for (let i = 0; i < CELLS; i += 1) u[i] = (step + 1) * 1000 + i + 1 / (i + 3);
  u[0] = -0;
  return u;
}

function config(block: { offset: number[]; shape: number[] }): Config {
  return { streams: { f: { columns: { u: 'float64' }, grid: GRID, block } }, workers: 1 };
}

async function write(dir: string, b: number, steps: number): Promise<void> {
  const block = BLOCKS[b]!;
  const ingestor = await Ingestor.open(dir, config(block));
  const first = block.offset[0]! * GRID[1]!;
  for (let step = 0; step < steps; step += 1) {
    const u = field(step).slice(first, first + block.shape[0]! * GRID[1]!);
    await ingestor.ingest('f', { step, time: step * 0.5, columns: { u } });
  }
  await ingestor.close();
}

const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

test('assemble returns the global field per step, bit for bit', async (t) => {
  const dir = scratchDir(t);
  await write(dir, 1, 3); // the second block first: assembly does not depend on file order
  await write(dir, 0, 3);
  const ds = await Dataset.open(dir);
  t.after(() => ds.close());
  const table = await ds.query('f', { assemble: true });
  assert.deepEqual(table.schema.fields.map((f) => f.name), ['step', 'time', 'u']);
  assert.deepEqual(bytes(table.getChild('u')!.toArray() as Float64Array), Buffer.concat([0, 1, 2].map((s) => bytes(field(s)))));
  const grid = await ds.query('f', { assemble: true, asGrid: true });
  assert.deepEqual(grid.shape, [3, ...GRID]);
  assert.deepEqual([...grid.step], [0n, 1n, 2n]);
  const plain = await ds.query('f', { columns: ['u', 'cell'] });
  assert.equal(plain.numRows, 3 * CELLS);
});

test('a missing block is ERR_BLOCK_MISMATCH naming step and cells; assemble must be a boolean', async (t) => {
  const dir = scratchDir(t);
  await write(dir, 0, 2);
  await write(dir, 1, 1);
  const ds = await Dataset.open(dir);
  t.after(() => ds.close());
  await assert.rejects(ds.query('f', { assemble: true }), (e: unknown) => {
    assert.ok(e instanceof SimingestError);
    assert.equal(e.code, 'ERR_BLOCK_MISMATCH');
    assert.match(e.message, /step 1: 5 of 15 cells missing .*offset \[2, 0\] shape \[1, 5\]/);
    return true;
  });
  await assert.rejects(ds.query('f', { assemble: 1 as never }), { code: 'ERR_INVALID_ARGUMENT' });
});

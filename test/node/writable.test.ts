import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { Ingestor } from 'simingest';
import { readStream, scratchDir } from './helpers';

test('writable() ingests a piped stream of frames in order and commits them on finish', async (t) => {
  const dir = scratchDir(t);
  await using ingestor = await Ingestor.open(dir, {
    streams: { series: { columns: { value: 'float64', index: 'int32' } } },
    memoryLimit: 2 ** 20,
  });
  async function* frames() {
    for (let step = 0; step < 200; step += 1) {
      yield {
        step,
        time: step * 0.5,
        columns: { value: Float64Array.from({ length: 1000 }, (_, k) => step + k / 1000), index: Int32Array.from({ length: 1000 }, (_, k) => k) },
      };
    }
  }
  await pipeline(Readable.from(frames()), ingestor.writable('series'));
  const stats = ingestor.stats();
  assert.equal(stats.framesCommitted, 200);
  const rows = await readStream(dir, 'series', 'step, value, index');
  assert.equal(rows.step!.length, 200 * 1000);
  for (let row = 0; row < rows.step!.length; row += 997) {
    const step = Math.floor(row / 1000);
    const k = row % 1000;
    assert.equal(rows.step![row], BigInt(step));
    assert.equal(rows.value![row], step + k / 1000);
    assert.equal(rows.index![row], k);
  }
});

test('a writable() whose frame is refused ends the pipeline with that error', async (t) => {
  await using ingestor = await Ingestor.open(scratchDir(t), { streams: { s: { columns: { v: 'float64' } } } });
  const frames = [
    { step: 0, time: 0, columns: { v: new Float64Array(3) } },
    { step: 1, time: 1, columns: { w: new Float64Array(3) } },
  ];
  await assert.rejects(pipeline(Readable.from(frames), ingestor.writable('s')), { code: 'ERR_UNKNOWN_COLUMN' });
});

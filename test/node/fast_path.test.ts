// The small-frame fast path: tryIngest(), the shared settled promise of
// ingest(), and the addon's reused name buffers must commit exactly what the
// plain awaited ingest() commits.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ingestor, SimingestError, type Config } from 'simingest';
import { readStream, scratchDir } from './helpers';

// Longer than the addon's first guess at a name's size (32 bytes), up to the
// longest name the engine allows.
const LONG = 'pressure_integral_over_the_whole_domain_total';
const ACCENTED = 'kinetic_energy_of_the_whole_domain_summed_over_every_cell_abcdef';

const config: Config = {
  streams: {
    probes: {
      columns: { [LONG]: 'float64', [ACCENTED]: 'float32', count: 'int32', id: 'int64', flag: 'uint8' },
    },
  },
};

const FRAMES = 500;

function escapedBytes(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((byte) => (byte < 0x80 ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`))
    .join('');
}

function columnsOf(step: number) {
  return {
    [LONG]: step * 0.5 - 17.25,
    [ACCENTED]: step / 4,
    count: -step * 3,
    id: 2n ** 62n + BigInt(step),
    flag: step % 256,
  };
}

test('frames taken by tryIngest and by ingest commit the rows they were given', async (t) => {
  const viaIngest = scratchDir(t);
  const viaTry = scratchDir(t);
  {
    await using ingestor = await Ingestor.open(viaIngest, config);
    for (let step = 0; step < FRAMES; step += 1) {
      await ingestor.ingest('probes', { step, time: step * 0.01, columns: columnsOf(step) });
    }
  }
  let copied = 0;
  {
    await using ingestor = await Ingestor.open(viaTry, config);
    for (let step = 0; step < FRAMES; step += 1) {
      const frame = { step, time: step * 0.01, columns: columnsOf(step) };
      if (ingestor.tryIngest('probes', frame)) copied += 1;
      else await ingestor.ingest('probes', frame);
    }
  }
  assert.ok(copied > 0, 'tryIngest never took a frame');

  const fromIngest = await readStream(viaIngest, 'probes', `step, time, "${LONG}", "${ACCENTED}", count, id, flag`);
  const fromTry = await readStream(viaTry, 'probes', `step, time, "${LONG}", "${ACCENTED}", count, id, flag`);
  assert.deepEqual(fromTry, fromIngest);
  // Against values written out here, not only against each other.
  const steps = Array.from({ length: FRAMES }, (_, s) => s);
  assert.deepEqual(fromTry.step, steps.map((s) => BigInt(s)));
  assert.deepEqual(fromTry.time, steps.map((s) => s * 0.01));
  assert.deepEqual(fromTry[LONG], steps.map((s) => s * 0.5 - 17.25));
  assert.deepEqual(fromTry[ACCENTED], steps.map((s) => s / 4));
  assert.deepEqual(fromTry.count, steps.map((s) => 0 - 3 * s));
  assert.deepEqual(fromTry.id, steps.map((s) => 2n ** 62n + BigInt(s)));
  assert.deepEqual(fromTry.flag, steps.map((s) => s % 256));
});

test('ingest calls that are copied at once each resolve, in order, before later work', async (t) => {
  const dir = scratchDir(t);
  await using ingestor = await Ingestor.open(dir, config);
  const order: number[] = [];
  const calls = [0, 1, 2].map((step) =>
    ingestor.ingest('probes', { step, time: 0, columns: columnsOf(step) }).then(() => order.push(step)),
  );
  await Promise.all(calls);
  assert.deepEqual(order, [0, 1, 2]);
  await ingestor.flush();
  assert.equal(ingestor.stats().framesCommitted, 3);
});

test('tryIngest returns false and ingests nothing while the block budget is full', async (t) => {
  const dir = scratchDir(t);
  const cells = 16 * 1024; // 128 KiB per frame against a 1 MiB budget
  await using ingestor = await Ingestor.open(dir, {
    streams: { fields: { columns: { vx: 'float32', vy: 'float32' }, grid: [cells] } },
    memoryLimit: 2 ** 20,
    workers: 1,
    backpressure: 'block',
  });
  const vx = new Float32Array(cells).fill(1);
  const vy = new Float32Array(cells).fill(2);
  let taken = 0;
  let refused = 0;
  for (let step = 0; step < 5000 && refused === 0; step += 1) {
    if (ingestor.tryIngest('fields', { step, time: step, columns: { vx, vy } })) taken += 1;
    else refused += 1;
  }
  assert.equal(refused, 1, 'the budget never filled');
  await ingestor.flush();
  const stats = ingestor.stats();
  assert.equal(stats.framesAccepted, taken);
  assert.equal(stats.framesCommitted, taken);
});

test('tryIngest throws the errors ingest rejects with', async (t) => {
  const dir = scratchDir(t);
  const ingestor = await Ingestor.open(dir, config);
  const frame = { step: 0, time: 0, columns: columnsOf(0) };
  const rejected = await ingestor.ingest('nope', frame).then(
    () => assert.fail('ingest took a frame for an unknown stream'),
    (error: unknown) => error,
  );
  assert.ok(rejected instanceof SimingestError);
  assert.throws(() => ingestor.tryIngest('nope', frame), {
    name: 'SimingestError',
    code: rejected.code,
    message: rejected.message,
  });
  assert.throws(() => ingestor.tryIngest('probes', { step: 0.5, time: 0, columns: columnsOf(0) }), {
    code: 'ERR_INVALID_ARGUMENT',
    message: 'Expected an integer for step but received number 0.5',
  });
  await ingestor.close();
  assert.throws(() => ingestor.tryIngest('probes', frame), { code: 'ERR_CLOSED', message: 'the ingestor is closed' });
});

test('an undeclared column with a long non-ASCII name is reported with that name whole', async (t) => {
  const dir = scratchDir(t);
  await using ingestor = await Ingestor.open(dir, config);
  // 29 characters, 34 bytes: the copy of the first guess ends inside "€".
  const name = 'énergie_cinétique_totale_€€';
  await ingestor.ingest('probes', { step: 0, time: 0, columns: columnsOf(0) });
  assert.throws(
    () => ingestor.tryIngest('probes', { step: 1, time: 0, columns: { ...columnsOf(1), [name]: 1.5 } }),
    {
      name: 'SimingestError',
      // The engine quotes names byte by byte, escaping what is not ASCII.
      message: `stream "probes": unknown column "${escapedBytes(name)}"`,
    },
  );
});

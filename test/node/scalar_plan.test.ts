// The small-frame plan of tryIngest()/ingest() (lib/scalar_plan.ts): frames of
// scalars in their stream's learnt layout go through ingestPlanned; any other
// frame must behave exactly as on the full path (same result, same error code
// and message, same rows committed). The addon's calls are counted through a
// wrapper around the native object, so a test cannot pass by never reaching
// the plan path. Rows are read back with DuckDB.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test, type TestContext } from 'node:test';
import { Ingestor, SimingestError, type Config } from 'simingest';
import { readStream, scratchDir, type Columns } from './helpers';

const config: Config = {
  streams: {
    s: {
      columns: { a: 'float64', b: 'float32', n: 'int32', id: 'int64', f: { dtype: 'uint8' }, r: { dtype: 'float64', nonFinite: 'reject' } },
    },
  },
};
const COLUMNS = 'step, time, a, b, n, id, f, r';

function columnsOf(step: number) {
  return { a: step * 0.25 - 3, b: step / 8, n: 0 - 7 * step, id: 2n ** 60n + BigInt(step), f: step % 256, r: step + 0.5 };
}

type Frame = Parameters<Ingestor['tryIngest']>[1];
// Frames with values of the wrong type on purpose: the checks under test see them.
const loose = (frame: object): Frame => frame as Frame;

type Counts = Record<'ingestPlanned' | 'ingestNowait' | 'setScalarPlan', number>;
interface NativeClass {
  open(path: string, json: string): Promise<object>;
}

// Counts the addon's calls of every ingestor opened during test `t`: the
// exported class is swapped for one whose open() wraps the native object (its
// methods still run on the real object).
function countNativeCalls(t: TestContext): Counts {
  const addon = (require(path.join(path.dirname(require.resolve('simingest')), 'native.js')) as {
    default: { NativeIngestor: NativeClass };
  }).default;
  const original = addon.NativeIngestor;
  const counts: Counts = { ingestPlanned: 0, ingestNowait: 0, setScalarPlan: 0 };
  addon.NativeIngestor = {
    open: async (dir: string, json: string) => {
      const native = (await original.open(dir, json)) as Record<string, unknown>;
      return new Proxy(native, {
        get(target, key) {
          const value = Reflect.get(target, key) as unknown;
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            if (key in counts) counts[key as keyof Counts] += 1;
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
    },
  };
  t.after(() => {
    addon.NativeIngestor = original;
  });
  return counts;
}

// The rows of one step, by column, as readStream returns them.
function rowsOfStep(rows: Columns, step: bigint): Columns {
  const keep = rows.step!.map((s) => s === step);
  return Object.fromEntries(Object.entries(rows).map(([name, values]) => [name, values.filter((_, i) => keep[i])]));
}

type Outcome = { taken: boolean } | { code: string; message: string };

function outcomeOf(call: () => boolean): Outcome {
  try {
    return { taken: call() };
  } catch (error) {
    assert.ok(error instanceof SimingestError, `not a SimingestError: ${String(error)}`);
    return { code: error.code, message: error.message };
  }
}

test('frames in the learnt layout go through the plan and commit exactly their values', async (t) => {
  const counts = countNativeCalls(t);
  const dir = scratchDir(t);
  const FRAMES = 300;
  {
    await using ingestor = await Ingestor.open(dir, config);
    for (let step = 0; step < FRAMES; step += 1) {
      assert.equal(ingestor.tryIngest('s', { step, time: step * 0.01, columns: columnsOf(step) }), true);
    }
    // ingest() takes the same path when the frame is copied at once.
    await ingestor.ingest('s', { step: FRAMES, time: FRAMES * 0.01, columns: columnsOf(FRAMES) });
  }
  assert.deepEqual(counts, { ingestNowait: 1, setScalarPlan: 1, ingestPlanned: FRAMES });
  const rows = await readStream(dir, 's', COLUMNS);
  const steps = Array.from({ length: FRAMES + 1 }, (_, s) => s);
  assert.deepEqual(rows.step, steps.map((s) => BigInt(s)));
  assert.deepEqual(rows.time, steps.map((s) => s * 0.01));
  assert.deepEqual(rows.a, steps.map((s) => s * 0.25 - 3));
  assert.deepEqual(rows.b, steps.map((s) => s / 8));
  assert.deepEqual(rows.n, steps.map((s) => 0 - 7 * s));
  assert.deepEqual(rows.id, steps.map((s) => 2n ** 60n + BigInt(s)));
  assert.deepEqual(rows.f, steps.map((s) => s % 256));
  assert.deepEqual(rows.r, steps.map((s) => s + 0.5));
});

test('a frame that differs from the plan behaves exactly as it does on the full path', async (t) => {
  const counts = countNativeCalls(t);
  const { a, b, n, id, f, r } = columnsOf(1);
  const inherited = Object.assign(Object.create({ extra: 1 }) as object, columnsOf(1));
  const cases: [string, Record<string, unknown>][] = [
    ['keys in another order', { columns: { b, a, n, id, f, r } }],
    ['a missing key', { columns: { a, b, n, id, f } }],
    ['an extra undeclared key', { columns: { ...columnsOf(1), z: 1 } }],
    ['an inherited enumerable key', { columns: inherited }],
    ['a typed array where a number was', { columns: { a: new Float64Array([1, 2, 3]), b, n, id, f, r } }],
    ['a string where a number was', { columns: { a: 'x', b, n, id, f, r } }],
    ['a fraction in an int32 column', { columns: { a, b, n: 0.5, id, f, r } }],
    ['a number outside uint8', { columns: { a, b, n, id, f: 256, r } }],
    ['a safe-integer number in an int64 column', { columns: { a, b, n, id: 5, f, r } }],
    ['NaN in a reject column', { columns: { a, b, n, id, f, r: Number.NaN } }],
    ['a bigint step', { step: 1000n }],
    ['a fractional step', { step: 1.5 }],
    ['a non-finite time', { time: Number.POSITIVE_INFINITY }],
    ['a string time', { time: '0' }],
    ['columns as an array', { columns: [a, b, n, id, f, r] }],
  ];
  const frameOf = (step: number, change: Record<string, unknown>) =>
    loose({ step, time: step * 0.5, columns: columnsOf(step), ...change });

  const planned = scratchDir(t);
  await using withPlan = await Ingestor.open(planned, config);
  assert.equal(withPlan.tryIngest('s', frameOf(0, {})), true);
  const plannedBefore = counts.ingestPlanned;
  assert.equal(withPlan.tryIngest('s', frameOf(1, {})), true);
  assert.equal(counts.ingestPlanned, plannedBefore + 1, 'the plan was not learnt from the first frame');

  let step = 2;
  for (const [what, change] of cases) {
    const frame = frameOf(step, change);
    const reference = scratchDir(t);
    let expected: Outcome;
    {
      // A fresh ingestor has no plan: its first frame takes the full path.
      await using fresh = await Ingestor.open(reference, config);
      expected = outcomeOf(() => fresh.tryIngest('s', frame));
    }
    assert.deepEqual(outcomeOf(() => withPlan.tryIngest('s', frame)), expected, what);
    if ('taken' in expected) {
      const want = await readStream(reference, 's', COLUMNS);
      await withPlan.flush();
      assert.deepEqual(rowsOfStep(await readStream(planned, 's', COLUMNS), BigInt(frame.step)), want, what);
    }
    step += 1;
  }
  // The frames that fit the plan's layout went through it (and the engine refused
  // the NaN and the time there); none of the others did.
  assert.equal(counts.ingestPlanned, plannedBefore + 1 + 4, 'only the int64 number, NaN, bigint step and infinite time fit the plan');
});

test('a stream whose layout changes for good gets a new plan', async (t) => {
  const counts = countNativeCalls(t);
  const dir = scratchDir(t);
  const reordered = (s: number) => {
    const { a, b, n, id, f, r } = columnsOf(s);
    return { r, f, id, n, b, a };
  };
  {
    await using ingestor = await Ingestor.open(dir, config);
    assert.equal(ingestor.tryIngest('s', { step: 0, time: 0, columns: columnsOf(0) }), true);
    for (let step = 1; step < 100; step += 1) {
      assert.equal(ingestor.tryIngest('s', { step, time: step, columns: reordered(step) }), true);
    }
  }
  assert.equal(counts.setScalarPlan, 2);
  assert.ok(counts.ingestPlanned > 50, `the new layout was not planned (${counts.ingestPlanned} planned calls)`);
  const rows = await readStream(dir, 's', COLUMNS);
  const steps = Array.from({ length: 100 }, (_, s) => s);
  assert.deepEqual(rows.step, steps.map((s) => BigInt(s)));
  assert.deepEqual(rows.n, steps.map((s) => 0 - 7 * s));
  assert.deepEqual(rows.id, steps.map((s) => 2n ** 60n + BigInt(s)));
  assert.deepEqual(rows.r, steps.map((s) => s + 0.5));
});

test('a closed ingestor throws the same typed error with a plan as without', async (t) => {
  countNativeCalls(t);
  const ingestor = await Ingestor.open(scratchDir(t), config);
  for (let step = 0; step < 3; step += 1) ingestor.tryIngest('s', { step, time: 0, columns: columnsOf(step) });
  await ingestor.close();
  const closed = { name: 'SimingestError', code: 'ERR_CLOSED', message: 'the ingestor is closed' };
  assert.throws(() => ingestor.tryIngest('s', { step: 3, time: 0, columns: columnsOf(3) }), closed);
  await assert.rejects(ingestor.ingest('s', { step: 3, time: 0, columns: columnsOf(3) }), closed);
});

test('a getter that closes the ingestor while the plan is filled makes that ingest ERR_CLOSED', async (t) => {
  const counts = countNativeCalls(t);
  const dir = scratchDir(t);
  const ingestor = await Ingestor.open(dir, config);
  assert.equal(ingestor.tryIngest('s', { step: 0, time: 0, columns: columnsOf(0) }), true);
  let closing: Promise<void> | undefined;
  const columns: Record<string, unknown> = columnsOf(1);
  Object.defineProperty(columns, 'r', {
    enumerable: true,
    get: () => {
      closing ??= ingestor.close();
      return 1.5;
    },
  });
  assert.throws(() => ingestor.tryIngest('s', loose({ step: 1, time: 0, columns })), {
    code: 'ERR_CLOSED',
    message: 'the ingestor is closed',
  });
  assert.equal(counts.ingestPlanned, 1, 'the frame did not reach the plan path');
  await closing;
  assert.deepEqual((await readStream(dir, 's', 'step')).step, [0n]);
});

test('a getter that ingests into the same stream while the plan is filled leaves both frames their own values', async (t) => {
  const counts = countNativeCalls(t);
  const dir = scratchDir(t);
  {
    await using ingestor = await Ingestor.open(dir, config);
    assert.equal(ingestor.tryIngest('s', { step: 0, time: 0, columns: columnsOf(0) }), true);
    const outer = columnsOf(2);
    const nestedValue = outer.n;
    Object.defineProperty(outer, 'n', {
      enumerable: true,
      get: () => {
        assert.equal(ingestor.tryIngest('s', { step: 1, time: 0, columns: columnsOf(1) }), true);
        return nestedValue;
      },
    });
    assert.equal(ingestor.tryIngest('s', { step: 2, time: 0, columns: outer }), true);
  }
  assert.equal(counts.ingestPlanned, 1, 'the outer frame did not take the plan path');
  const rows = await readStream(dir, 's', 'step, a, n, id');
  // The nested frame went in first (it was copied while the outer one was being read).
  assert.deepEqual(rows.step, [0n, 1n, 2n]);
  assert.deepEqual(rows.a, [0, 1, 2].map((s) => s * 0.25 - 3));
  assert.deepEqual(rows.n, [0, 1, 2].map((s) => 0 - 7 * s));
  assert.deepEqual(rows.id, [0, 1, 2].map((s) => 2n ** 60n + BigInt(s)));
});

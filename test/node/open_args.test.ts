// Issue 10: text handed to the engine as C strings. A NUL byte cut the path
// (or a stream or column name) short there, naming another directory or
// column; a lone UTF-16 surrogate in the path became U+FFFD. Both are refused
// with ERR_INVALID_ARGUMENT and nothing is created. A config object nested
// 100 000 deep is ERR_CONFIG, not a RangeError or a crash.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Ingestor, SimingestError, type Config } from 'simingest';
import { scratchDir } from './helpers';

const CONFIG: Config = { streams: { t: { columns: { a: 'int32' } } } };

function invalid(pattern: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof SimingestError, `not a SimingestError: ${String(error)}`);
    assert.equal(error.code, 'ERR_INVALID_ARGUMENT');
    assert.match(error.message, pattern);
    return true;
  };
}

test('a path with a NUL byte is refused and nothing is created', async (t) => {
  const dir = scratchDir(t);
  const cut = path.join(dir, 'cut\0tail');
  await assert.rejects(Ingestor.open(cut, CONFIG), invalid(/^path: contains a NUL byte$/));
  assert.deepEqual(readdirSync(dir), []);
});

test('a path with a lone surrogate is refused; a paired one is a real character', async (t) => {
  const dir = scratchDir(t);
  for (const lone of ['a\uD800', '\uDC00b', 'x\uDFFF\uD800y']) {
    await assert.rejects(
      Ingestor.open(path.join(dir, lone), CONFIG),
      invalid(/^path: contains a lone UTF-16 surrogate/),
    );
  }
  assert.deepEqual(readdirSync(dir), []);
  const ingestor = await Ingestor.open(path.join(dir, 'emoji-\uD83D\uDE00'), CONFIG);
  await ingestor.close();
  assert.deepEqual(readdirSync(dir), ['emoji-😀']);
});

test('a stream or column name with a NUL byte is refused', async (t) => {
  await using ingestor = await Ingestor.open(scratchDir(t), { streams: { t: { columns: { a: 'int32' } } } });
  const columns = (name: string) => ({ [name]: new Int32Array([1]) });
  assert.throws(
    () => ingestor.tryIngest('t\0x', { step: 0, time: 0, columns: columns('a') }),
    invalid(/^stream: contains a NUL byte$/),
  );
  assert.throws(
    () => ingestor.tryIngest('t', { step: 0, time: 0, columns: columns('a\0b') }),
    invalid(/^columns\.a: a column name contains a NUL byte$/),
  );
});

test('a config object nested 100 000 deep is ERR_CONFIG', async (t) => {
  let deep: Record<string, unknown> = {};
  for (let i = 0; i < 100_000; i += 1) deep = { x: deep };
  await assert.rejects(Ingestor.open(scratchDir(t), { ...CONFIG, extra: deep } as Config), (error: unknown) => {
    assert.ok(error instanceof SimingestError, `not a SimingestError: ${String(error)}`);
    assert.equal(error.code, 'ERR_CONFIG');
    assert.match(error.message, /nested too deeply|nested deeper than/);
    return true;
  });
});

test('the addon itself refuses a NUL in the path or config text (callers that bypass lib/)', async (t) => {
  const dir = scratchDir(t);
  // dist/native.js, loaded at run time: it is not part of the package's exports.
  const addon = (require(path.join(__dirname, '..', 'native.js')) as { default: AddonOpen }).default;
  const text = JSON.stringify(CONFIG);
  assert.throws(() => addon.NativeIngestor.open(path.join(dir, 'cut\0tail'), text), invalid(/contains a NUL byte/));
  assert.throws(() => addon.NativeIngestor.open(path.join(dir, 'd'), `${text}\0junk`), invalid(/contains a NUL byte/));
  assert.deepEqual(readdirSync(dir), []);
});

interface AddonOpen {
  NativeIngestor: { open(path: string, configJson: string): Promise<unknown> };
}

// The REST body pool (lib/server/body_pool.ts): memory handed out is not
// handed out again until it was given back, and a body's bytes survive until then.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';

interface BodyPool {
  acquire(bytes: number): Buffer;
  release(body: Buffer): void;
}
// Internal module, not part of the package's exports: loaded from the compiled tree.
const { BodyPool } = require(path.resolve(__dirname, '..', 'server', 'body_pool.js')) as { BodyPool: new (keep?: number, largest?: number) => BodyPool };

test('a lent body is not lent twice; a released one is reused from offset 0 with the asked length', () => {
  const pool = new BodyPool(2, 2 ** 20);
  const a = pool.acquire(1000);
  a.fill(7);
  const b = pool.acquire(1000);
  assert.notEqual(a.buffer, b.buffer);
  b.fill(9);
  assert.ok(a.every((v) => v === 7), 'a second body overwrote the first');
  assert.equal(a.byteOffset, 0);
  assert.equal(a.length, 1000);
  pool.release(a);
  const c = pool.acquire(900);
  assert.equal(c.buffer, a.buffer);
  assert.equal(c.length, 900);
  // Too large for any free buffer: fresh memory.
  pool.release(b);
  const d = pool.acquire(200_000);
  assert.notEqual(d.buffer, b.buffer);
});

test('buffers not from the pool, released twice, or larger than kept are not pooled', () => {
  const pool = new BodyPool(4, 128 * 1024);
  pool.release(Buffer.alloc(10)); // ignored
  const big = pool.acquire(200_000);
  pool.release(big);
  assert.notEqual(pool.acquire(200_000).buffer, big.buffer, 'a body above the kept size was pooled');
  const small = pool.acquire(10);
  pool.release(small);
  pool.release(small); // a second release must not put it in the free list twice
  const x = pool.acquire(10);
  const y = pool.acquire(10);
  assert.equal(x.buffer, small.buffer);
  assert.notEqual(y.buffer, small.buffer);
});

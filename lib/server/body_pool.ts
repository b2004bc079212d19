// Request bodies of the frame routes are read into reused memory: a 1 MiB
// frame arrives as ~20 socket chunks, and joining them into a fresh buffer per
// request made the server spend more time in the garbage collector than in
// the engine (each large ArrayBuffer freed is external memory V8 must sweep;
// docs/PERFORMANCE.md, "Service throughput"). A body's arrays are views into
// its buffer until the engine copied them, so a buffer returns to the pool
// only when its request is done with it (release()).
export class BodyPool {
  readonly #free: ArrayBuffer[] = [];
  readonly #lent = new WeakSet<ArrayBuffer>();
  readonly #keep: number;
  readonly #largest: number;

  /** Keeps at most `keep` free buffers, none larger than `largest` bytes (a rare huge body is not held forever). */
  constructor(keep = 4, largest = 16 * 2 ** 20) {
    this.#keep = keep;
    this.#largest = largest;
  }

  /** A buffer of exactly `bytes` bytes (a view at offset 0 of pooled memory, so aligned for every dtype). */
  acquire(bytes: number): Buffer {
    const index = this.#free.findIndex((b) => b.byteLength >= bytes);
    // 64 KiB granules: bodies of one stream differ by a few header bytes at most.
    const memory = index >= 0 ? this.#free.splice(index, 1)[0]! : new ArrayBuffer(Math.ceil(Math.max(bytes, 1) / 65536) * 65536);
    this.#lent.add(memory);
    return Buffer.from(memory, 0, bytes);
  }

  /** Gives a buffer from acquire() back; anything else is ignored. */
  release(body: Buffer): void {
    const memory = body.buffer as ArrayBuffer;
    if (!this.#lent.has(memory)) return;
    this.#lent.delete(memory);
    if (this.#free.length < this.#keep && memory.byteLength <= this.#largest) this.#free.push(memory);
  }
}

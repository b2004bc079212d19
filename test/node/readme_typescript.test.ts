// The README's TypeScript snippet runs as written: the ```ts block under
// "Using it from TypeScript" is compiled with the settings docs/NODE.md states
// (examples/ts/tsconfig.json) and run against this checkout's package.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { readStream } from './helpers';
import { root, tsProject } from './ts_project';

// What the snippet leaves to the reader, declared before it (imports are
// hoisted, so the snippet's own import line may follow): `steps`, a `solver`
// with `advance()` and `time`, the field arrays `vx`, `vy`, `p` of the
// declared 512 x 512 grid, and the scalar diagnostics `energy` and `residual`.
const HARNESS = `
const steps = 3;
const vx = new Float32Array(512 * 512), vy = new Float32Array(512 * 512), p = new Float32Array(512 * 512);
let energy = 0, residual = 1;
const solver = {
  time: 0,
  advance() {
    this.time += 0.5;
    p.fill(this.time);
    energy += 1;
    residual /= 2;
  },
};
`;

function readmeTypeScript(readme: string): string {
  const section = readme.slice(readme.indexOf('## Using it from TypeScript'));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(block, 'README has a ```ts block under "Using it from TypeScript"');
  return block[1]!;
}

test("the README's TypeScript snippet compiles and runs as written", async (t) => {
  const snippet = readmeTypeScript(readFileSync(path.join(root, 'README.md'), 'utf8'));
  const project = await tsProject(t, { 'readme.ts': `${HARNESS}\n${snippet}` });
  const { stdout } = await project.run('readme');
  assert.match(stdout, /framesCommitted: 6/);
  const fields = await readStream(path.join(project.dir, 'run42'), 'fields', 'step, time, p');
  assert.equal(fields.step!.length, 3 * 512 * 512);
  assert.equal(fields.p![2 * 512 * 512], 1.5);
  const diagnostics = await readStream(path.join(project.dir, 'run42'), 'diagnostics', 'step, energy, residual');
  assert.deepEqual(diagnostics.energy, [1, 2, 3]);
  assert.deepEqual(diagnostics.residual, [0.5, 0.25, 0.125]);
});

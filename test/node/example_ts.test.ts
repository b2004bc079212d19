// examples/ts builds with the settings docs/NODE.md states and writes what it says.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { readStream } from './helpers';
import { root, tsProject } from './ts_project';

test('examples/ts/src/heat1d.ts compiles and writes its dataset', async (t) => {
  const source = readFileSync(path.join(root, 'examples', 'ts', 'src', 'heat1d.ts'), 'utf8');
  const project = await tsProject(t, { 'heat1d.ts': source });
  const { stdout } = await project.run('heat1d', ['heat', '30']);
  assert.match(stdout, /^checkpoint \{"fields":20,"diagnostics":29\}$/m);
  assert.match(stdout, /^fields: 3 frames, 768 rows$/m);
  assert.match(stdout, /^diagnostics: 30 frames, 30 rows$/m);
  const heat = await readStream(path.join(project.dir, 'heat'), 'diagnostics', 'step, heat');
  assert.deepEqual(heat.step, Array.from({ length: 30 }, (_, i) => BigInt(i)));
  // The total heat of a decaying sine mode falls every step.
  const values = heat.heat as number[];
  assert.ok(values.every((v, i) => i === 0 || v < values[i - 1]!), 'heat decays');
});

test('examples/ts/tsconfig.json has every setting docs/NODE.md states', () => {
  const doc = readFileSync(path.join(root, 'docs', 'NODE.md'), 'utf8');
  const table = doc.slice(doc.indexOf('## TypeScript settings'), doc.indexOf('## API'));
  const stated = [...table.matchAll(/^\| `("[a-zA-Z]+": [^`]+)`/gm)].flatMap((m) => m[1]!.split('`, `'));
  assert.ok(stated.length >= 4, stated.join(' '));
  const tsconfig = readFileSync(path.join(root, 'examples', 'ts', 'tsconfig.json'), 'utf8');
  assert.deepEqual(stated.filter((setting) => !tsconfig.includes(setting)), []);
});

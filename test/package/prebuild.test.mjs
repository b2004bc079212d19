// `npm run prebuild` makes a prebuild that a consumer's install uses as it is:
// with no compiler on PATH the install succeeds, nothing is built, and the
// README's example and the CLI run.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { installInto, npm, pack, pathWithoutCompiler, root, scratch } from './consumer.mjs';
// Compiled from test/node/ts_project.ts by `npm run compile`.
import { tsProject } from '../../dist/test/ts_project.js';

test('a consumer install picks up the prebuild without compiling', { timeout: 10 * 60e3 }, async (t) => {
  const built = npm(['run', 'prebuild'], root);
  assert.equal(built.status, 0, built.output);
  assert.ok(existsSync(path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'simingest.node')));

  const dir = scratch(t, 'prebuild');
  const tarball = pack(dir);
  const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' });
  assert.match(listing, new RegExp(`^package/prebuilds/${process.platform}-${process.arch}/simingest\\.node$`, 'm'));

  const consumer = path.join(dir, 'consumer');
  execFileSync('mkdir', [consumer]);
  const env = { ...process.env, PATH: pathWithoutCompiler(dir) };
  const installed = installInto(consumer, tarball, env);
  assert.equal(installed.status, 0, installed.output);
  assert.doesNotMatch(installed.output, /building it from source|No native build was found/);
  const pkg = path.join(consumer, 'node_modules', 'simingest');
  assert.equal(existsSync(path.join(pkg, 'build')), false, 'nothing was compiled');
  assert.ok(existsSync(path.join(consumer, 'node_modules', 'apache-arrow')), 'apache-arrow is installed with simingest');

  // The README's example in plain JavaScript (Node 20 does not parse \`await using\`: close() instead).
  const example = `
    import { Ingestor } from 'simingest';
    const ing = await Ingestor.open('run42', {
      streams: { fields: { columns: { p: 'float32' }, grid: [4, 4] }, diagnostics: { columns: { energy: 'float64' } } },
    });
    try {
      for (let step = 0; step < 5; step++) {
        await ing.ingest('fields', { step, time: step / 10, columns: { p: new Float32Array(16).fill(step) } });
        await ing.ingest('diagnostics', { step, time: step / 10, columns: { energy: step } });
      }
      await ing.flush();
      // query() loads the apache-arrow that came with the install.
      const energy = (await ing.query('diagnostics', { steps: [1, 3] })).getChild('energy').toArray();
      console.log(JSON.stringify({ ...ing.stats().streams, energy: Array.from(energy) }));
    } finally {
      await ing.close();
    }`;
  writeFileSync(path.join(consumer, 'example.mjs'), example);
  const ran = JSON.parse(execFileSync(process.execPath, ['example.mjs'], { cwd: consumer, env, encoding: 'utf8' }));
  assert.equal(ran.fields.framesCommitted, 5);
  assert.equal(ran.diagnostics.framesCommitted, 5);
  assert.deepEqual(ran.energy, [1, 2, 3]);

  const bin = path.join(consumer, 'node_modules', '.bin', 'simingest');
  const demo = execFileSync(bin, ['demo', '--steps', '4', '--grid', '8x8', '--out', 'demo'], { cwd: consumer, env, encoding: 'utf8' });
  assert.match(demo, /frames\s+8 committed/);
  const inspected = JSON.parse(execFileSync(bin, ['inspect', 'demo', '--json'], { cwd: consumer, env, encoding: 'utf8' }));
  assert.equal(inspected.streams.length, 2);

  // The TypeScript example compiles against the installed package's types (strict, no skipLibCheck) and runs.
  const source = readFileSync(path.join(root, 'examples', 'ts', 'src', 'heat1d.ts'), 'utf8');
  const project = await tsProject(t, { 'heat1d.ts': source }, pkg);
  assert.match((await project.run('heat1d', ['heat', '12'])).stdout, /^diagnostics: 12 frames, 12 rows$/m);
});

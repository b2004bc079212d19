// What `npm pack` ships: the engine's sources a source build needs, the
// compiled TypeScript, the CLI and the install scripts — and no test support,
// bench data or fuzz corpora. apache-arrow is a dependency that only query
// results load, on first use.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(__dirname, '..', '..');

let packed: string[] | undefined;
function packedFiles(): string[] {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  packed ??= (JSON.parse(execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' })) as
    { files: { path: string }[] }[])[0]!.files.map((f) => f.path).sort();
  return packed;
}

test('npm pack ships no test support, bench or fuzz files', () => {
  const files = packedFiles();
  assert.deepEqual(files.filter((f) => /test|^bench\/|fuzz\/corpus|\.tgz$/i.test(f)), []);
  for (const needed of ['package.json', 'README.md', 'bin/simingest.js', 'dist/index.js', 'dist/index.mjs',
    'dist/index.d.ts', 'dist/cli.js', 'scripts/install.mjs', 'scripts/build-addon.mjs', 'CMakeLists.txt',
    'include/simingest.h', 'native/node/CMakeLists.txt', 'proto/simingest/v1/simingest.proto', 'dist/server/index.js']) {
    assert.ok(files.includes(needed), `${needed} is packed`);
  }
});

test('npm pack ships every engine source a source build compiles', (t) => {
  const listed = spawnSync('git', ['ls-files', 'native', 'include', 'cmake'], { cwd: root, encoding: 'utf8' });
  if (listed.error || listed.status !== 0) return t.skip('not a git checkout');
  const files = new Set(packedFiles());
  const sources = listed.stdout.split('\n').filter((f) => f && !/test/i.test(f));
  assert.deepEqual(sources.filter((f) => !files.has(f)), []);
});

test('apache-arrow is a dependency that only the query results load, on first use', () => {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  // A dependency, not an optional peer: query() and scan() are declared with
  // its types, which must resolve in every consumer's TypeScript build.
  assert.ok(pkg.dependencies['apache-arrow']);
  assert.equal(pkg.peerDependencies?.['apache-arrow'], undefined);
  // Loading the package never loads apache-arrow: one file requires it, inside
  // the function that builds query results (query() and scan() return its
  // Tables and RecordBatches, so their declarations name its types).
  const shipped = packedFiles().filter((f) => /^dist\/.*\.m?js$/.test(f));
  const naming = shipped.filter((f) => /['"]apache-arrow['"]/.test(readFileSync(path.join(root, f), 'utf8')));
  assert.deepEqual(naming, ['dist/query_arrow.js']);
  const source = readFileSync(path.join(root, 'dist', 'query_arrow.js'), 'utf8');
  assert.match(source, /function loadArrow\(\) \{[^}]*require\('apache-arrow'\)/);
});

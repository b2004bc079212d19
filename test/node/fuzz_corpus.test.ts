// The tree keeps only the fuzz inputs a person wrote or a bug earned (seeds and
// regressions); the merged corpus lives in a cache outside git
// (scripts/fuzz-corpus.mjs, docs/FUZZING.md).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';

const root = path.resolve(__dirname, '..', '..');

interface FuzzCorpus {
  TREE_INPUT: RegExp;
  treeCorpus(root: string, harness: string): string;
  cacheCorpus(root: string, harness: string, env?: Record<string, string | undefined>): string;
}
const loadCorpus = (): Promise<FuzzCorpus> =>
  import(pathToFileURL(path.join(root, 'scripts', 'fuzz-corpus.mjs')).href) as Promise<FuzzCorpus>;

for (const harness of ['config', 'ingest']) {
  test(`test/fuzz/corpus/${harness} holds seeds and regressions only`, async () => {
    const { TREE_INPUT, treeCorpus } = await loadCorpus();
    const files = readdirSync(treeCorpus(root, harness));
    assert.ok(files.some((f) => f.startsWith('seed-')), 'at least one seed');
    assert.deepEqual(files.filter((f) => !TREE_INPUT.test(f)), []);
  });
}

test('the merged corpus cache is outside git', async (t) => {
  const { cacheCorpus } = await loadCorpus();
  const cache = cacheCorpus(root, 'ingest', {});
  assert.equal(cache, path.join(root, 'build-fuzz', 'corpus', 'ingest'));
  assert.equal(cacheCorpus(root, 'config', { SIMINGEST_FUZZ_CORPUS: '/var/cache/f' }), '/var/cache/f/config');
  const ignored = spawnSync('git', ['check-ignore', '-q', path.relative(root, cache)], { cwd: root });
  if (ignored.error || ignored.status === 128) return t.skip('not a git checkout');
  assert.equal(ignored.status, 0, `${cache} must be ignored by git`);
});

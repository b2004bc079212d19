// Where the fuzz corpora live (docs/FUZZING.md). The tree keeps only what a
// person wrote or a bug earned: seeds (`seed-*`) and regression inputs
// (`regression-*`) in test/fuzz/corpus/<harness>/. What the fuzzers find and
// merge goes to a cache outside git — build-fuzz/corpus/<harness>/, or
// $SIMINGEST_FUZZ_CORPUS/<harness>/ — which starts from the tree's inputs, so
// a long run never rewrites hundreds of tracked files.
import * as path from 'node:path';

export const TREE_INPUT = /^(seed|regression)-[A-Za-z0-9._-]+$/;

/** The tree's corpus directory of a harness (seeds and regressions, tracked). */
export function treeCorpus(root, harness) {
  return path.join(root, 'test', 'fuzz', 'corpus', harness);
}

/** The merged corpus of a harness, outside git. */
export function cacheCorpus(root, harness, env = process.env) {
  const base = env.SIMINGEST_FUZZ_CORPUS ? path.resolve(env.SIMINGEST_FUZZ_CORPUS) : path.join(root, 'build-fuzz', 'corpus');
  return path.join(base, harness);
}

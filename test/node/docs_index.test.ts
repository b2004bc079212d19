// docs/README.md indexes every document in docs/, and every link in it resolves.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const docs = path.resolve(__dirname, '..', '..', 'docs');

test('docs/README.md links every document and nothing missing', () => {
  const index = readFileSync(path.join(docs, 'README.md'), 'utf8');
  const links = [...index.matchAll(/\]\(([^)#]+)\)/g)].map((m) => m[1]!);
  assert.deepEqual(links.filter((link) => !existsSync(path.join(docs, link))), []);
  const documents = readdirSync(docs).filter((f) => f.endsWith('.md') && f !== 'README.md');
  assert.deepEqual(documents.filter((doc) => !links.includes(doc)), []);
});

// docs/CLI.md documents every option each command has (as its --help lists them).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(__dirname, '..', '..');
const bin = path.join(root, 'bin', 'simingest.js');

for (const command of ['demo', 'inspect', 'verify', 'query', 'head', 'tail', 'serve']) {
  test(`docs/CLI.md lists every option of simingest ${command}`, () => {
    const help = execFileSync(process.execPath, [bin, command, '--help'], { encoding: 'utf8' });
    const options = [...help.matchAll(/^\s+(--[a-z-]+(?: <[^>]+>)?)/gm)].map((m) => m[1]!).filter((o) => o !== '--help');
    assert.ok(options.length > 0);
    const reference = readFileSync(path.join(root, 'docs', 'CLI.md'), 'utf8');
    const section = reference.slice(reference.indexOf(`## \`simingest ${command}`));
    assert.deepEqual(options.filter((o) => !section.includes(`| \`${o}\``)), []);
  });
}

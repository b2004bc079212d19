// `simingest verify` exits 0 on a good dataset, and nonzero naming the file
// when one byte of a committed file is flipped; `inspect --files` lists files.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { openSync, readFileSync, readSync, writeSync, closeSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { scratchDir } from './helpers';

const run = promisify(execFile);
const bin = path.resolve(__dirname, '..', '..', 'bin', 'simingest.js');

test('simingest verify passes a good dataset and fails one with a flipped byte, naming the file', async (t) => {
  const out = path.join(scratchDir(t), 'demo');
  await run(process.execPath, [bin, 'demo', '--steps', '6', '--grid', '16x8', '--out', out, '--partition-steps', '3']);

  const good = await run(process.execPath, [bin, 'verify', out]);
  assert.match(good.stdout, /: OK$/m);
  const report = JSON.parse((await run(process.execPath, [bin, 'verify', out, '--json'])).stdout);
  assert.equal(report.ok, true);
  assert.equal(report.filesFailed, 0);
  assert.ok(report.filesChecked > 1);

  const listing = (await run(process.execPath, [bin, 'inspect', out, '--files'])).stdout;
  const manifest = JSON.parse(readFileSync(path.join(out, '_simingest', 'manifest.json'), 'utf8'));
  for (const file of manifest.files) assert.ok(listing.includes(file.path), file.path);

  const victim: string = manifest.files[0].path;
  const fd = openSync(path.join(out, victim), 'r+');
  const byte = Buffer.alloc(1);
  readSync(fd, byte, 0, 1, 64);
  byte[0] = byte[0]! ^ 0x10;
  writeSync(fd, byte, 0, 1, 64);
  closeSync(fd);

  await assert.rejects(run(process.execPath, [bin, 'verify', out]), (error: { code: number; stdout: string }) => {
    assert.equal(error.code, 2);
    assert.match(error.stdout, /FAILED/);
    assert.ok(error.stdout.includes(`${victim}: `), error.stdout);
    assert.match(error.stdout, /CRC-32C/);
    return true;
  });
});

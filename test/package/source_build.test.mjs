// Without a prebuild for this machine, a consumer's install builds the addon
// from source with cmake-js and says so in one calm line — no loader stack
// trace — and the package then loads. This compiles the engine (minutes on
// 2 cores; CMAKE_CXX_COMPILER_LAUNCHER=ccache makes a rerun quick).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { installInto, pack, scratch } from './consumer.mjs';

test('a consumer install without a prebuild builds from source, calmly', { timeout: 20 * 60e3 }, (t) => {
  const dir = scratch(t, 'source-build');
  const packed = pack(path.join(dir, 'packed'));
  // The same tarball less any prebuilds/.
  execFileSync('tar', ['-xzf', packed, '-C', dir]);
  rmSync(path.join(dir, 'package', 'prebuilds'), { recursive: true, force: true });
  const tarball = path.join(dir, 'simingest-source.tgz');
  execFileSync('tar', ['-czf', tarball, '-C', dir, 'package']);

  const consumer = path.join(dir, 'consumer');
  mkdirSync(consumer);
  const installed = installInto(consumer, tarball);
  assert.equal(installed.status, 0, installed.output);
  const notices = installed.output.split('\n').filter((line) => line.startsWith('simingest: '));
  assert.deepEqual(notices.map((l) => l.replace(/ \(needs.*$/, '')),
    [`simingest: no prebuilt addon for ${process.platform}-${process.arch} (Node-API 8); building it from source with cmake-js`]);
  assert.doesNotMatch(installed.output, /No native build was found|^\s+at /m);

  const pkg = path.join(consumer, 'node_modules', 'simingest');
  assert.ok(existsSync(path.join(pkg, 'build', 'Release', 'simingest.node')));
  const version = execFileSync(process.execPath, ['--input-type=module', '-e',
    "import { nativeVersion } from 'simingest'; console.log(nativeVersion())"], { cwd: consumer, encoding: 'utf8' });
  assert.match(version, /^\d+\.\d+\.\d+/);
});

// A consumer project in a temp directory that installs the simingest tarball
// the way a user does (`npm install <tarball>`), for the tests of
// `npm run test:package`. `npm` runs as `node npm-cli.js`, so a test can hand
// the install a PATH without a compiler.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const npmCli = realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());

export function scratch(t, name) {
  const dir = mkdtempSync(path.join(tmpdir(), `simingest-${name}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs npm with `args` in `cwd`; returns { status, output } (stdout and stderr together). */
export function npm(args, cwd, env = process.env) {
  const result = spawnSync(process.execPath, [npmCli, ...args], { cwd, env, encoding: 'utf8', timeout: 15 * 60e3 });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** `npm pack` of the checkout into `dir`; returns the tarball's path. */
export function pack(dir) {
  mkdirSync(dir, { recursive: true });
  const { status, output } = npm(['pack', '--pack-destination', dir], root);
  if (status !== 0) throw new Error(`npm pack failed:\n${output}`);
  return path.join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz')));
}

/** A PATH holding only node and sh: no cmake, make or compiler. */
export function pathWithoutCompiler(dir) {
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync(process.execPath, path.join(bin, 'node'));
  symlinkSync(realpathSync('/bin/sh'), path.join(bin, 'sh'));
  return bin;
}

/** A new project in `dir` with the tarball installed; returns npm's status and output. */
export function installInto(dir, tarball, env = process.env) {
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  return npm(['install', tarball, '--foreground-scripts', '--prefer-offline', '--no-audit', '--no-fund'], dir, env);
}

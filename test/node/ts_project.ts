// A throwaway TypeScript project that uses this checkout's simingest the way a
// user's project uses the installed package: `node_modules/simingest` links to
// the checkout (or to `pkg`), it is compiled by the project's own TypeScript
// with examples/ts/tsconfig.json — the settings docs/NODE.md states — and run
// with this Node.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { scratchDir } from './helpers';

const run = promisify(execFile);
export const root = path.resolve(__dirname, '..', '..');

export interface TsProject {
  dir: string;
  /** Runs dist/<name>.js of the compiled project with `args`, in the project directory. */
  run(name: string, args?: string[]): Promise<{ stdout: string; stderr: string }>;
}

export async function tsProject(
  t: { after(fn: () => void): void },
  sources: Record<string, string>,
  pkg = root,
): Promise<TsProject> {
  const dir = scratchDir(t, 'simingest-ts-');
  mkdirSync(path.join(dir, 'src'));
  mkdirSync(path.join(dir, 'node_modules'));
  symlinkSync(pkg, path.join(dir, 'node_modules', 'simingest'), 'dir');
  symlinkSync(path.join(root, 'node_modules', '@types'), path.join(dir, 'node_modules', '@types'), 'dir');
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ private: true, type: 'module' }));
  copyFileSync(path.join(root, 'examples', 'ts', 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
  for (const [name, text] of Object.entries(sources)) writeFileSync(path.join(dir, 'src', name), text);
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  await run(process.execPath, [tsc, '-p', dir]).catch((error: { stdout?: string }) => {
    throw new Error(`tsc failed:\n${error.stdout ?? error}`);
  });
  return {
    dir,
    run: (name, args = []) => run(process.execPath, [path.join('dist', `${name}.js`), ...args], { cwd: dir }),
  };
}

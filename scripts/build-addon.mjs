// Builds simingest.node and libsimingest.so into build/Release with cmake-js
// from the project's single CMake description. Incremental: a second run
// only rebuilds what changed. Parallelism is capped at 2 jobs (the machines
// this project targets have 2 cores).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const cmakeJs = path.join(path.dirname(require.resolve('cmake-js/package.json')), 'bin', 'cmake-js');
const jobs = process.env.SIMINGEST_BUILD_JOBS ?? '2';
const args = [cmakeJs, 'compile', '--out', 'build', '--parallel', jobs, ...process.argv.slice(2)];
const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (result.error) throw result.error;
process.exit(result.status ?? 1);

// `npm test`: builds what is missing or stale, then runs every suite of the
// project — C++ (ctest), Node (node:test) and Python (pytest) — and fails if
// any of them fails. Self-contained, so CI only has to provide the system
// packages and `npm ci` before calling it.
//
// `npm run test:quick` (--quick) is the day-to-day subset: the one build of
// `npm run compile`, then the Node and Python tests against it — no C++ test
// tree, no fuzzing (the lead's and CI's `npm test` runs those).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const jobs = process.env.SIMINGEST_BUILD_JOBS ?? '2';
const results = [];
const quick = process.argv.includes('--quick');

function header(title) {
  const line = '='.repeat(78);
  console.log(`\n${line}\n== ${title}\n${line}`);
}

function run(command, args, options = {}) {
  console.log(`$ ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.error) {
    console.error(`cannot run ${command}: ${result.error.message}`);
    return 127;
  }
  return result.status ?? 1;
}

function section(name, body) {
  header(name);
  const started = Date.now();
  const status = body();
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  results.push({ name, status, seconds });
  console.log(`-- ${name}: ${status === 0 ? 'ok' : status === 'skipped' ? 'skipped' : `FAILED (exit ${status})`} in ${seconds} s`);
  return status;
}

function finish() {
  header('summary');
  for (const { name, status, seconds } of results) {
    console.log(`  ${name.padEnd(34)} ${status === 0 ? 'ok' : status === 'skipped' ? 'skipped' : 'FAILED'}  (${seconds} s)`);
  }
  const failed = results.filter((r) => r.status !== 0 && r.status !== 'skipped');
  process.exit(failed.length === 0 ? 0 : 1);
}

// 1. The addon and libsimingest.so (cmake-js, build/) and the TypeScript (dist/).
if (section('build (npm run compile)', () => run('npm', ['run', 'compile'])) !== 0) finish();

function skippedByQuick() {
  console.log('skipped by --quick (`npm test` runs it)');
  return 'skipped';
}

// 2. C++ unit tests in their own CMake build directory.
section('C++ tests (ctest, build-test/)', () => {
  if (quick) return skippedByQuick();
  const buildDir = path.join(root, 'build-test');
  // Configured every time: the tests are OFF by default, and a build-test/
  // first configured by someone else (test_cpp_example.py) must still get them.
  const configure = ['-S', '.', '-B', 'build-test', '-DSIMINGEST_BUILD_TESTS=ON'];
  if (!existsSync(path.join(buildDir, 'CMakeCache.txt'))) configure.push('-DCMAKE_BUILD_TYPE=RelWithDebInfo');
  const configured = run('cmake', configure);
  if (configured !== 0) return configured;
  const built = run('cmake', ['--build', 'build-test', '-j', jobs]);
  if (built !== 0) return built;
  return run('ctest', ['--test-dir', 'build-test', '--output-on-failure', '-j', jobs]);
});

// 2b. Short fuzz runs (docs/FUZZING.md): clang + libFuzzer + ASan/UBSan in
// build-fuzz/, each harness fuzzed briefly from its saved corpus. The saved
// corpora are also replayed by the C++ tests above.
section('fuzz, short runs (build-fuzz/)', () => {
  if (quick) return skippedByQuick();
  const status = run(process.execPath, [path.join('scripts', 'fuzz.mjs'), '--short']);
  return status === 78 ? 'skipped' : status; // 78: no clang++ on this machine
});

// 3. Node tests, compiled by `npm run compile` into dist/test/.
section('Node tests (node --test)', () => {
  const dir = path.join(root, 'dist', 'test');
  const files = readdirSync(dir)
    .filter((name) => /\.test\.m?js$/.test(name))
    .sort()
    .map((name) => path.join('dist', 'test', name));
  if (files.length === 0) {
    console.error('no compiled Node tests in dist/test');
    return 1;
  }
  return run(process.execPath, ['--test', ...files]);
});

// 4. Python tests, once there are any. Tests skip themselves when an optional
// reader (pyarrow, polars, duckdb) is missing; pytest itself is required.
section('Python tests (pytest test/python)', () => {
  const dir = path.join(root, 'test', 'python');
  const hasTests =
    existsSync(dir) && readdirSync(dir, { recursive: true }).some((f) => /(^|\/)test_.*\.py$|_test\.py$/.test(String(f)));
  if (!hasTests) {
    console.log('no Python tests yet (test/python/test_*.py)');
    return 'skipped';
  }
  // Say it before pytest's own summary does: its skips are not failures.
  console.log('Skipped pytest tests are not failures: they need a program of the C++ test build (the Parquet');
  console.log('fixture, the C round trip, ...) and run under ctest (label "python") in `npm test`; `pytest -rs` gives each reason.');
  const python = process.env.PYTHON ?? 'python3';
  // test/python/simingest_under_test.py points SIMINGEST_LIBRARY at
  // build/Release/libsimingest.so (made by `npm run compile`) unless it is set.
  const status = run(python, ['-m', 'pytest', '-q', 'test/python']);
  return status === 5 ? 'skipped' : status; // 5: collected no tests
});

finish();

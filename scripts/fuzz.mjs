// `npm run fuzz`: builds the libFuzzer harnesses (clang, ASan+UBSan, in
// build-fuzz/) and fuzzes each one. See docs/FUZZING.md.
//
//   npm run fuzz                                 every harness, 600 s each
//   npm run fuzz -- --seconds 3600 --harness ingest
//   npm run fuzz -- --merge                      then fold new coverage into the corpus cache
//   node scripts/fuzz.mjs --short                the short runs of `npm test` (ctest in build-fuzz/)
//
// A long run starts from the tree's seeds and regressions plus the corpus cache
// (build-fuzz/corpus/<harness>/ or $SIMINGEST_FUZZ_CORPUS/<harness>/, never
// tracked; scripts/fuzz-corpus.mjs) and keeps what it finds in
// build-fuzz/fuzz-runs/<time>/<harness>/: corpus/ (new interesting inputs) and
// crashes/ (inputs that failed; each reproduces with
// `build-fuzz/test/fuzz/fuzz_<harness> <file>`). The run stops
// a harness at its first failure and exits non-zero if any harness failed.
// Exit 78: clang++ is missing (scripts/setup.sh installs it).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheCorpus, treeCorpus } from './fuzz-corpus.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = path.join(root, 'build-fuzz');
const jobs = process.env.SIMINGEST_BUILD_JOBS ?? '2';
const allHarnesses = ['config', 'ingest'];

function usage(message) {
  if (message) console.error(`fuzz: ${message}`);
  console.error('usage: node scripts/fuzz.mjs [--short] [--seconds N] [--harness NAME]... [--merge]');
  process.exit(2);
}

const options = { short: false, seconds: 600, harnesses: [], merge: false };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; ++i) {
  const arg = argv[i];
  if (arg === '--short') options.short = true;
  else if (arg === '--merge') options.merge = true;
  else if (arg === '--seconds') {
    options.seconds = Number(argv[++i]);
    if (!Number.isInteger(options.seconds) || options.seconds <= 0) usage('--seconds takes a positive integer');
  } else if (arg === '--harness') {
    const name = argv[++i];
    if (!allHarnesses.includes(name)) usage(`unknown harness "${name}" (${allHarnesses.join(', ')})`);
    options.harnesses.push(name);
  } else usage(`unknown argument "${arg}"`);
}
if (options.harnesses.length === 0) options.harnesses = allHarnesses;

function run(command, args, extra = {}) {
  console.log(`$ ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...extra });
  if (result.error) {
    console.error(`fuzz: cannot run ${command}: ${result.error.message}`);
    return 127;
  }
  return result.status ?? 1;
}

function hasCommand(command) {
  const result = spawnSync(command, ['--version'], { stdio: 'ignore' });
  return !result.error && result.status === 0;
}

// ---- build --------------------------------------------------------------------
if (!hasCommand('clang++')) {
  console.error('fuzz: clang++ not found; `bash scripts/setup.sh` installs it (Debian: clang, libclang-rt-14-dev)');
  process.exit(78);
}
if (!existsSync(path.join(buildDir, 'CMakeCache.txt'))) {
  const configured = run(
    'cmake',
    ['-S', '.', '-B', 'build-fuzz', '-DCMAKE_BUILD_TYPE=RelWithDebInfo', '-DSIMINGEST_FUZZ=ON',
     '-DSIMINGEST_BUILD_TESTS=ON'],
    { env: { ...process.env, CC: 'clang', CXX: 'clang++' } },
  );
  if (configured !== 0) process.exit(configured);
}
const targets = options.harnesses.flatMap((name) => ['--target', `fuzz_${name}`]);
const built = run('cmake', ['--build', 'build-fuzz', '-j', jobs, ...targets]);
if (built !== 0) process.exit(built);

// ---- the short runs: ctest, as in `npm test` ----------------------------------
if (options.short) {
  const regex = `^fuzz_(${options.harnesses.join('|')})$`;
  process.exit(run('ctest', ['--test-dir', 'build-fuzz', '--output-on-failure', '-j', jobs, '-R', regex]));
}

// ---- the long runs ---------------------------------------------------------------
// Runs a fuzzer with its log passed through as it comes (less the NEW/REDUCE
// lines of each input it keeps), remembering the end of it for the stats.
function fuzz(fuzzer, args, env) {
  console.log(`$ ${[fuzzer, ...args].join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(fuzzer, args, { cwd: root, env, stdio: ['ignore', 'inherit', 'pipe'] });
    let tail = '';
    let partial = '';
    child.stderr.on('data', (chunk) => {
      const text = partial + chunk.toString();
      const lines = text.split('\n');
      partial = lines.pop();
      for (const line of lines) if (!/^#\d+\s+(NEW|REDUCE)\s/.test(line)) process.stderr.write(`${line}\n`);
      tail = (tail + text.slice(0, text.length - partial.length)).slice(-65536);
    });
    child.on('error', (error) => resolve({ status: 127, tail: String(error) }));
    child.on('close', (status) => {
      if (partial) process.stderr.write(`${partial}\n`);
      resolve({ status, tail: tail + partial });
    });
  });
}

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const runDir = path.join(buildDir, 'fuzz-runs', stamp);
// The ingest harness's scratch datasets: tmpfs when there is one (commits fsync).
const scratchParent = existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
const summary = [];
for (const name of options.harnesses) {
  const work = path.join(runDir, name);
  const corpus = path.join(work, 'corpus');
  const crashes = path.join(work, 'crashes');
  const cache = cacheCorpus(root, name);
  const scratch = path.join(scratchParent, `simingest-fuzz-${process.pid}-${name}`);
  for (const dir of [corpus, crashes, scratch, cache]) mkdirSync(dir, { recursive: true });
  const fuzzer = path.join(buildDir, 'test', 'fuzz', `fuzz_${name}`);
  const dict = path.join(root, 'test', 'fuzz', `${name}.dict`);
  const args = [
    `-max_total_time=${options.seconds}`,
    '-timeout=60',
    '-rss_limit_mb=4096',
    '-print_final_stats=1',
    `-artifact_prefix=${crashes}/`,
    ...(existsSync(dict) ? [`-dict=${dict}`] : []),
    corpus,
    cache,
    treeCorpus(root, name),
  ];
  console.log(`\n== fuzz_${name}: ${options.seconds} s; new inputs in ${corpus}, failures in ${crashes}`);
  const result = await fuzz(fuzzer, args, {
    ...process.env,
    SIMINGEST_FUZZ_DIR: scratch,
    ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=1:allocator_may_return_null=1',
    UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
  });
  rmSync(scratch, { recursive: true, force: true });
  const stderr = result.tail;
  const executions = /stat::number_of_executed_units:\s*(\d+)/.exec(stderr)?.[1] ?? '?';
  const failures = readdirSync(crashes);
  summary.push({ name, status: result.status, executions, failures, crashes, corpus });

  if (options.merge && failures.length === 0) {
    console.log(`\n== merging new coverage of fuzz_${name} into ${cache}`);
    run(fuzzer, ['-merge=1', cache, treeCorpus(root, name), corpus], {
      env: { ...process.env, SIMINGEST_FUZZ_DIR: scratch },
    });
    rmSync(scratch, { recursive: true, force: true });
  }
}

console.log('\n== fuzz summary');
let failed = false;
for (const { name, status, executions, failures, crashes } of summary) {
  const ok = status === 0 && failures.length === 0;
  failed ||= !ok;
  console.log(`  fuzz_${name.padEnd(8)} ${executions} executions, ${failures.length} failing inputs` +
              (ok ? '' : ` (exit ${status}) in ${crashes}`));
  for (const file of failures) console.log(`    ${path.join(crashes, file)}`);
}
console.log(`  run directory: ${runDir}`);
process.exit(failed ? 1 : 0);

// Where `npm run bench` keeps what it measured (issue 15, bench hygiene).
//
// An ordinary run writes bench/results/local/latest.json and a timestamped
// copy: that folder is ignored by git, so running the bench never dirties the
// tree and no ad-hoc run is committed by accident. A reference run
// (`npm run bench -- --reference`) is one made on a clean tree: it refuses to
// start otherwise (checked before measuring, not after an hour of it), records
// the commit it measured, and writes bench/results/reference/<time>-<commit>.json,
// which is meant to be committed and is the only kind docs/PERFORMANCE.md cites.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

function git(root, args) {
  const done = spawnSync('git', ['-C', root, ...args], { encoding: 'utf8' });
  if (done.error || done.status !== 0) return undefined;
  return done.stdout.trimEnd();
}

// The commit a reference run will measure, or an Error saying why the tree does not qualify.
export function referenceCommit(root) {
  const commit = git(root, ['rev-parse', 'HEAD']);
  if (commit === undefined) return new Error('bench --reference: not a git checkout, so there is no commit to name the run by');
  const changes = git(root, ['status', '--porcelain', '--untracked-files=normal']);
  if (changes) {
    const listed = changes.split('\n').slice(0, 10).join('\n  ');
    return new Error(`bench --reference needs a clean tree (commit or stash first); changed:\n  ${listed}`);
  }
  return commit;
}

// Writes the report; returns the path of the file written for the run.
export function saveReport(root, report, { reference } = {}) {
  const stamp = report.timestamp.replace(/[:.]/g, '-');
  if (reference) {
    const dir = path.join(root, 'bench', 'results', 'reference');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${stamp}-${report.git.commit.slice(0, 10)}.json`);
    writeFileSync(file, JSON.stringify(report, null, 1) + '\n');
    return file;
  }
  const dir = path.join(root, 'bench', 'results', 'local');
  mkdirSync(dir, { recursive: true });
  const latest = path.join(dir, 'latest.json');
  writeFileSync(latest, JSON.stringify(report, null, 1) + '\n');
  copyFileSync(latest, path.join(dir, `${stamp}.json`));
  return latest;
}

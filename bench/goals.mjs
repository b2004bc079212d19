// The closing "issue 15 goals" table: every target entry that carries a
// `goal` (1..7) and a `host` ('cpp' | 'python' | 'node' | 'pyarrow' |
// undefined), grouped by goal, hosts in a fixed order. Sections of other
// engineers add entries without touching this printer.
import { spawnSync } from 'node:child_process';

const GOALS = {
  1: 'throughput ≥ 5× pyarrow, default configuration',
  2: 'commit path off the critical path',
  3: 'small frames in a real loop',
  4: 'appender',
  5: 'zero-copy frames (loan API)',
  6: 'event loop stays responsive',
  7: 'bench hygiene',
};
const HOST_ORDER = ['cpp', 'python', 'node', 'pyarrow', undefined];
const HOST_LABEL = { cpp: 'C++', python: 'Python', node: 'Node', pyarrow: 'pyarrow' };

const cell = (text) => String(text).replace(/\|/g, '\\|');

export function goalTable(targets) {
  const lines = ['| goal | host | measured | target | |', '| --- | --- | --- | --- | --- |'];
  for (const [goal, title] of Object.entries(GOALS)) {
    const entries = targets.filter((t) => String(t.goal) === goal)
      .sort((a, b) => HOST_ORDER.indexOf(a.host) - HOST_ORDER.indexOf(b.host));
    if (entries.length === 0) {
      lines.push(`| ${goal} ${title} | — | no entry in this run | — | n/a |`);
      continue;
    }
    for (const t of entries) {
      const target = t.target.replace(/^issue 15 goal \d+:\s*/, '');
      const verdict = t.met === null || t.met === undefined ? 'n/a' : t.met ? 'met' : 'GAP';
      lines.push(`| ${goal} ${title} | ${HOST_LABEL[t.host] ?? 'all'} | ${cell(t.measured)} | ${cell(target)} | ${verdict} |`);
    }
  }
  return lines.join('\n');
}

// Goal 7: where this run's report goes and whether the tree was clean. An
// ordinary run must land in a folder git ignores; a reference run must come
// from a clean tree (results_store.mjs refuses to start one otherwise).
export function hygieneTarget(root, reference, dirty) {
  const ignored = spawnSync('git', ['-C', root, 'check-ignore', '-q', 'bench/results/local/latest.json']).status === 0;
  const tree = dirty ? 'tree dirty' : 'tree clean';
  const measured = reference
    ? `written to bench/results/reference/ (${tree})`
    : `written to bench/results/local/ (${ignored ? 'ignored by git' : 'NOT ignored by git'}; ${tree})`;
  return { goal: 7, host: undefined, target: 'issue 15 goal 7: results written where git does not track them, reference runs from a clean tree only',
           measured, met: reference ? !dirty : ignored };
}

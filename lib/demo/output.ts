// Which directories `simingest demo --out DIR` may replace: only an earlier
// demo dataset that no ingestor holds. The demo marks its datasets with
// _simingest/demo (written right after it opens one, so a run that crashed is
// marked too); a user's dataset never has that file, and a demo dataset a
// user added streams to is not the demo's any more.
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Config } from '../config.js';
import { SimingestError } from '../errors.js';
import { Ingestor } from '../ingestor.js';

const MARKER = path.join('_simingest', 'demo');
const MARKER_TEXT = 'written by `simingest demo`: `simingest demo --out` may replace this dataset\n';
// What a demo dataset holds at its top level (demoConfig's two streams).
const DEMO_ENTRIES = new Set(['_simingest', 'fields', 'diagnostics']);

function refuse(out: string, why: string): never {
  throw new SimingestError(`${out}: ${why}; nothing was changed: choose another --out`, 'ERR_IO');
}

function isDemoMarker(file: string): boolean {
  try {
    return readFileSync(file, 'utf8') === MARKER_TEXT;
  } catch {
    return false;
  }
}

/** Marks `out` (just opened by the demo) as a demo dataset. */
export function markDemoOutput(out: string): void {
  writeFileSync(path.join(out, MARKER), MARKER_TEXT);
}

/**
 * Empties the way for a demo run into `out`: nothing there, an empty
 * directory, or an earlier demo dataset that no ingestor has open (which is
 * removed). Anything else is refused with ERR_IO and left as it was.
 * `config` is the run's configuration; opening the old dataset with it is how
 * the engine's lock is asked whether another ingestor holds it.
 */
export async function prepareDemoOutput(out: string, config: Config): Promise<void> {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) refuse(out, 'exists and is not a directory');
  const entries = readdirSync(out);
  if (entries.length === 0) return;
  if (!existsSync(path.join(out, '_simingest', 'manifest.json'))) {
    refuse(out, 'exists and is not a simingest dataset');
  }
  if (!isDemoMarker(path.join(out, MARKER))) {
    refuse(out, 'is a simingest dataset the demo did not write (the demo replaces only its own)');
  }
  const foreign = entries.filter((entry) => !DEMO_ENTRIES.has(entry));
  if (foreign.length > 0) {
    refuse(out, `is a demo dataset with other content too (${foreign.slice(0, 3).join(', ')})`);
  }
  // The lock is taken before anything else on open: ERR_DATASET_LOCKED means
  // another ingestor holds it, and a schema conflict (an earlier run with
  // another grid or partitioning) means the lock was free.
  try {
    const probe = await Ingestor.open(out, config);
    await probe.close();
  } catch (error) {
    const code = (error as SimingestError).code;
    if (code === 'ERR_DATASET_LOCKED') refuse(out, 'is open in another ingestor');
    if (code !== 'ERR_SCHEMA_CONFLICT') refuse(out, `cannot be checked: ${(error as Error).message}`);
  }
  rmSync(out, { recursive: true, force: true });
}

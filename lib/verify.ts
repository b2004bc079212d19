// `simingest verify`: the full verification of a dataset, built by the engine
// (simingest_verify_json): both manifest copies, and every listed file's size,
// magic, footer and whole-file CRC-32C. Read-only; opening the dataset is what
// quarantines. This file only declares the shape and formats it for people.
import addon from './native.js';

export interface VerifiedItem {
  path: string;
  ok: boolean;
  /** Why it failed; absent when it passed. */
  problem?: string;
}

export interface VerifyReport {
  path: string;
  manifestSource: string;
  /** False when a manifest copy is damaged or missing, or any file fails. */
  ok: boolean;
  manifests: VerifiedItem[];
  files: (VerifiedItem & { stream: string; bytes: number })[];
  filesChecked: number;
  filesFailed: number;
  bytesChecked: number;
}

/**
 * Verifies every byte of the dataset at `dir`. Resolves with the report even
 * when something fails (`ok` false); rejects with ERR_IO when `dir` holds no
 * dataset, ERR_CORRUPT when no manifest copy is good.
 */
export async function verifyDataset(dir: string): Promise<VerifyReport> {
  return JSON.parse(await addon.verifyJson(dir)) as VerifyReport;
}

/** The human-readable report of `simingest verify`: failures named, one line each. */
export function formatVerifyReport(report: VerifyReport): string {
  const lines = [`verify ${report.path}: ${report.ok ? 'OK' : 'FAILED'}`];
  for (const copy of report.manifests) {
    lines.push(`  ${copy.path}: ${copy.ok ? 'ok' : copy.problem ?? 'failed'}`);
  }
  for (const file of report.files) {
    if (!file.ok) lines.push(`  ${file.path}: ${file.problem ?? 'failed'}`);
  }
  lines.push(`  ${report.filesChecked} files checked, ${report.filesFailed} failed, ${report.bytesChecked} bytes`);
  return lines.join('\n');
}

// The package as an ES module: named imports, types, and the same classes as
// the CommonJS entry (one addon, one SimingestError).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { Ingestor, SimingestError, nativeVersion, type Config, type Stats } from 'simingest';

test('import and require give the same working, typed API', async () => {
  const required = createRequire(import.meta.url)('simingest') as typeof import('simingest');
  assert.equal(required.Ingestor, Ingestor);
  assert.equal(required.SimingestError, SimingestError);
  assert.match(nativeVersion(), /^\d+\.\d+\.\d+$/);

  const dir = mkdtempSync(path.join(tmpdir(), 'simingest-esm-'));
  try {
    const config: Config = { streams: { s: { columns: { v: 'int32' } } } };
    {
      await using ingestor = await Ingestor.open(dir, config);
      await ingestor.ingest('s', { step: 1n, time: 0.5, columns: { v: Int32Array.of(1, 2, 3) } });
      await ingestor.flush();
      const stats: Stats = ingestor.stats();
      assert.equal(stats.streams['s']?.rowsCommitted, 3);
      await assert.rejects(ingestor.ingest('t', { step: 1, time: 0, columns: {} }), SimingestError);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

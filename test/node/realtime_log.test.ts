// Issue 13: the realtime log read by avsc's createFileDecoder, a reader
// simingest did not write (null and deflate codecs: avsc's built-in ones;
// Node 20 has no zstd, so zstandard is read by fastavro in
// test/python/test_realtime_log.py). Read while the ingestor is still open
// (after flush(), every block written so far is complete) and after close.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import * as avro from 'avsc';
import { Ingestor, type Config } from 'simingest';
import { scratchDir } from './helpers';

function config(codec: 'null' | 'deflate'): Config {
  return {
    workers: 1,
    streams: {
      diag: {
        columns: { energy: 'float64', cells: 'int32', probe: 'float32' },
        route: 'realtime',
        // Thresholds that hold frames back for an hour: only flush() and close() write the last ones.
        // compact: false keeps the log after close (compaction turns it into Parquet; test/python/test_compaction.py).
        realtime: { codec, syncEveryFrames: 7, syncEveryMs: 3_600_000, compact: false },
      },
    },
  };
}

function logFiles(dataset: string): string[] {
  const dir = path.join(dataset, '_realtime', 'diag');
  return readdirSync(dir)
    .filter((name) => /^log-\d{20}\.avro$/.test(name))
    .sort()
    .map((name) => path.join(dir, name));
}

function readLog(file: string): Promise<{ codec: string; records: Record<string, unknown>[] }> {
  return new Promise((resolve, reject) => {
    const records: Record<string, unknown>[] = [];
    let codec = '';
    avro
      .createFileDecoder(file)
      .on('metadata', (_type, c) => {
        codec = c;
      })
      .on('data', (record: Record<string, unknown>) => records.push({ ...record }))
      .on('error', reject)
      .on('end', () => resolve({ codec, records }));
  });
}

// Values an Avro float can hold exactly, so the comparison is bit for bit.
const probe = (step: number) => Float32Array.of(step / 4, -step);

for (const codec of ['null', 'deflate'] as const) {
  test(`avsc reads the ${codec} realtime log while it is appended to and after close`, async (t) => {
    const dataset = scratchDir(t);
    const ingestor = await Ingestor.open(dataset, config(codec));
    const ingestSteps = async (from: number, to: number) => {
      for (let step = from; step < to; step += 1) {
        await ingestor.ingest('diag', {
          step,
          time: step * 0.5,
          columns: { energy: step / 3, cells: Int32Array.of(step, -step), probe: probe(step) },
        });
      }
    };
    await ingestSteps(0, 20);
    await ingestor.flush(); // every frame before it is in a complete, fsynced block
    const [file] = logFiles(dataset);
    const live = await readLog(file);
    assert.equal(live.codec, codec);
    assert.deepEqual(live.records.map((r) => r.step), Array.from({ length: 20 }, (_, i) => i));

    await ingestSteps(20, 30);
    const stats = ingestor.stats();
    assert.equal(stats.realtime?.frames, 30);
    assert.equal(stats.realtime?.streams.diag?.frames, 30);
    // compact: false: nothing is ever compacted (docs/STATS.md).
    assert.deepEqual(stats.realtime?.compaction, {
      runs: 0, frames: 0, bytesIn: 0, bytesOut: 0, files: 0, segmentsRetired: 0, lastError: null,
    });
    assert.deepEqual(stats.realtime?.streams.diag?.compaction, stats.realtime?.compaction);
    await ingestor.close();
    const { records } = await readLog(file);
    assert.equal(records.length, 30);
    records.forEach((record, step) => {
      assert.equal(record.step, step);
      assert.equal(record.time, step * 0.5);
      assert.equal(record.energy, step / 3); // a scalar: the union's plain branch
      assert.deepEqual(record.cells, Array.from(Int32Array.of(step, -step)));
      assert.deepEqual(record.probe, Array.from(probe(step)));
    });
  });
}

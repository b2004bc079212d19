// avsc's createFileEncoder on the realtime log's one-row frames (issue 13:
// simingest ≥ 5× its throughput). Writes the records
// bench/realtime_log_bench.cpp writes (step, time, e = step / 2, n = step)
// with the schema and codec read from the header of a log file that bench
// wrote, so both sides encode the same Avro type, in blocks of about --block
// records; prints one JSON line {writer, codec, frames, framesPerSecond}.
//
//   node bench/node/avro_avsc.mjs LOG.avro OUT.avro [--frames N] [--block N]
import avro from 'avsc';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import * as zlib from 'node:zlib';

const [schemaFrom, outPath] = process.argv.slice(2);
const option = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const frames = option('frames', 2_000_000);
const block = option('block', 4096);
if (!schemaFrom || !outPath) {
  console.error('usage: node bench/node/avro_avsc.mjs LOG.avro OUT.avro [--frames N] [--block N]');
  process.exit(2);
}

// extractFileHeader decodes the metadata: avro.schema comes back parsed, avro.codec as a Buffer.
const header = avro.extractFileHeader(schemaFrom);
const type = avro.Type.forSchema(header.meta['avro.schema']);
const codec = header.meta['avro.codec']?.toString() ?? 'null';
const codecs = { null: (buf, cb) => cb(null, buf), deflate: zlib.deflateRaw };
if (!codecs[codec]) throw new Error(`avro_avsc: codec ${codec} not wired here`);

// What createFileEncoder does (a BlockEncoder piped into a file stream), with
// the file stream kept so the clock stops once the last block is written.
// blockSize is in bytes: ~23 bytes per record here, so blocks of about `block` records.
const encoder = new avro.streams.BlockEncoder(type, { codec, codecs, blockSize: block * 23 });
const file = createWriteStream(outPath);
encoder.pipe(file);
const started = process.hrtime.bigint();
for (let step = 0; step < frames; step += 1) {
  // write() returning false asks the producer to wait, as a solver would have to.
  if (!encoder.write({ step, time: step, e: 0.5 * step, n: step })) await once(encoder, 'drain');
}
encoder.end();
await once(file, 'close');
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(JSON.stringify({ writer: 'avsc', codec, frames, framesPerSecond: frames / seconds }));

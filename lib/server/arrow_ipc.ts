// Query results as an Arrow IPC stream, one message at a time, so the
// consumer (an HTTP response, a gRPC call) pulls the next batch only after it
// sent the previous one. apache-arrow writes a stream whole (schema, batches,
// end-of-stream marker) into a queue without backpressure, so each batch is
// written as a one-batch stream and its record-batch message cut out: the
// schema message is the same bytes every time for the same schema (a test
// reads the joined stream back with apache-arrow and pyarrow).
import type * as Arrow from 'apache-arrow';
import { loadArrow } from '../query_arrow.js';

const END_OF_STREAM = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);

/** Schema message, one record-batch message per batch, end-of-stream marker. */
export async function* arrowIpcStream(
  batches: AsyncIterable<Arrow.RecordBatch>,
  emptySchema: () => Promise<Arrow.Schema>,
): AsyncGenerator<Uint8Array, void, undefined> {
  const a = loadArrow();
  let headerBytes = -1;
  for await (const batch of batches) {
    const whole = a.tableToIPC(new a.Table([batch]), 'stream');
    if (headerBytes < 0) {
      headerBytes = a.tableToIPC(new a.Table(batch.schema), 'stream').length - END_OF_STREAM.length;
      yield whole.subarray(0, whole.length - END_OF_STREAM.length);
    } else {
      yield whole.subarray(headerBytes, whole.length - END_OF_STREAM.length);
    }
  }
  // A result without batches still needs its schema to be a valid stream.
  if (headerBytes < 0) {
    const empty = a.tableToIPC(new a.Table(await emptySchema()), 'stream');
    yield empty.subarray(0, empty.length - END_OF_STREAM.length);
  }
  yield END_OF_STREAM;
}

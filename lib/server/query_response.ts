// GET /v1/streams/{stream}/query: the read side's query as an Arrow IPC
// stream, JSON, JSON Lines or CSV, chosen by Accept, written batch by batch
// with the socket's backpressure: a client that stops reading holds at most a
// batch, and the idle timeout closes it (which releases the query).
import type { ServerResponse } from 'node:http';
import type * as Arrow from 'apache-arrow';
import { InvalidArgumentError } from 'commander';
import { columnList, stepRange, timeRange } from '../cli_query.js';
import { SimingestError } from '../errors.js';
import type { Ingestor } from '../ingestor.js';
import type { QueryField } from '../native.js';
import type { QueryOptions, RawBatch, ResultArray } from '../query.js';
import { TextWriter } from '../query_text.js';
import { arrowIpcStream } from './arrow_ipc.js';
import { HttpError, writeChunk } from './http_io.js';

export const ARROW_STREAM = 'application/vnd.apache.arrow.stream';
const FORMATS = {
  [ARROW_STREAM]: 'arrow',
  'application/json': 'json',
  'application/x-ndjson': 'ndjson',
  'text/csv': 'csv',
} as const;
type Format = (typeof FORMATS)[keyof typeof FORMATS];

/** The first media type of Accept this endpoint writes; JSON for none or a wildcard. */
export function negotiate(accept: string | undefined): { format: Format; type: string } {
  if (accept === undefined || accept.trim() === '') return { format: 'json', type: 'application/json' };
  const wanted = accept
    .split(',')
    .map((part) => {
      const [type, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
      const q = params.find((p) => p.startsWith('q='));
      return { type: type!, q: q ? Number(q.slice(2)) : 1 };
    })
    .filter((w) => w.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { type } of wanted) {
    if (Object.prototype.hasOwnProperty.call(FORMATS, type)) return { format: FORMATS[type as keyof typeof FORMATS], type };
    if (type === '*/*' || type === 'application/*') return { format: 'json', type: 'application/json' };
    if (type === 'text/*') return { format: 'csv', type: 'text/csv' };
  }
  throw new HttpError(406, 'ERR_NOT_ACCEPTABLE', `cannot answer with ${accept}; this endpoint writes ${Object.keys(FORMATS).join(', ')}`);
}

/** steps=A:B, time=T0:T1, columns=a,b and every=n as query options (the CLI's syntax). */
export function queryOptions(params: URLSearchParams): QueryOptions {
  const options: QueryOptions = {};
  const parse = <T>(name: string, fn: (text: string) => T): T | undefined => {
    const text = params.get(name);
    if (text === null) return undefined;
    try {
      return fn(text);
    } catch (error) {
      if (error instanceof InvalidArgumentError) {
        throw new SimingestError(`query parameter ${name}=${text}: ${error.message}`, 'ERR_INVALID_ARGUMENT');
      }
      throw error;
    }
  };
  const steps = parse('steps', stepRange);
  const time = parse('time', timeRange);
  const columns = parse('columns', columnList);
  const every = parse('every', (text) => {
    if (!/^\d+$/.test(text)) throw new InvalidArgumentError('expected a positive integer');
    return BigInt(text);
  });
  if (steps) options.steps = steps;
  if (time) options.time = time;
  if (columns) options.columns = columns;
  if (every !== undefined) options.every = every;
  for (const name of params.keys()) {
    if (!['steps', 'time', 'columns', 'every'].includes(name)) {
      throw new SimingestError(`unknown query parameter "${name}" (expected steps, time, columns, every)`, 'ERR_INVALID_ARGUMENT');
    }
  }
  return options;
}

const FORMAT_OF_ARRAY = new Map<unknown, string>([
  [Float32Array, 'f'], [Float64Array, 'g'], [Int8Array, 'c'], [Int16Array, 's'], [Int32Array, 'i'],
  [BigInt64Array, 'l'], [Uint8Array, 'C'], [Uint16Array, 'S'], [Uint32Array, 'I'], [BigUint64Array, 'L'],
]);

// A RecordBatch of a query as the typed arrays the CLI's TextWriter formats
// (results have no nulls and one buffer per column, so toArray() does not copy).
function rawBatch(batch: Arrow.RecordBatch): { fields: QueryField[]; raw: RawBatch } {
  const fields: QueryField[] = [];
  const columns = new Map<string, ResultArray>();
  for (const field of batch.schema.fields) {
    const array = batch.getChild(field.name)!.toArray() as ResultArray;
    fields.push({ name: field.name, format: FORMAT_OF_ARRAY.get(array.constructor)! } as QueryField);
    columns.set(field.name, array);
  }
  return { fields, raw: { length: batch.numRows, columns } };
}

async function writeText(res: ServerResponse, batches: AsyncIterable<Arrow.RecordBatch>, format: 'json' | 'ndjson' | 'csv'): Promise<void> {
  let writer: TextWriter | null = null;
  let rows = 0;
  if (format === 'json') await writeChunk(res, '[');
  for await (const batch of batches) {
    const { fields, raw } = rawBatch(batch);
    if (writer === null) {
      writer = new TextWriter(fields, format === 'csv' ? 'csv' : 'json');
      if (format === 'csv') await writeChunk(res, writer.header());
    }
    let text = writer.batch(raw);
    if (format === 'json' && text.length > 0) {
      text = (rows > 0 ? ',\n' : '\n') + text.slice(0, -1).split('\n').join(',\n');
    }
    rows += raw.length;
    if (!(await writeChunk(res, text))) return;
  }
  if (format === 'json') await writeChunk(res, rows > 0 ? '\n]\n' : ']\n');
}

/** Starts the query (errors before the first byte become a 4xx) and streams it. */
export async function sendQuery(res: ServerResponse, ingestor: Ingestor, stream: string, options: QueryOptions, accept: string | undefined): Promise<void> {
  const { format, type } = negotiate(accept);
  // scan() plans the query now: an unknown stream or column throws here.
  const batches = ingestor.scan(stream, options);
  res.writeHead(200, { 'content-type': format === 'arrow' ? type : `${type}; charset=utf-8` });
  if (format === 'arrow') {
    // Empty results: the schema of the same (empty) selection.
    const emptySchema = async () => (await ingestor.query(stream, options)).schema;
    for await (const chunk of arrowIpcStream(batches, emptySchema)) if (!(await writeChunk(res, chunk))) return;
  }
  else await writeText(res, batches, format);
  res.end();
}

// Query batches as apache-arrow RecordBatches and Tables, built over the
// typed arrays the addon made on the engine's buffers (no copy). apache-arrow
// is a dependency (query() and scan() are typed by its Table and RecordBatch),
// loaded on the first query that needs it, so loading simingest stays cheap.
import type * as Arrow from 'apache-arrow';
import { SimingestError } from './errors.js';
import type { QueryReader, RawBatch } from './query.js';
import type { QueryField } from './native.js';

let arrow: typeof Arrow | undefined;

export function loadArrow(): typeof Arrow {
  arrow ??= require('apache-arrow') as typeof Arrow;
  return arrow;
}

function arrowType(a: typeof Arrow, format: string): Arrow.DataType {
  switch (format) {
    case 'f': return new a.Float32();
    case 'g': return new a.Float64();
    case 'c': return new a.Int8();
    case 's': return new a.Int16();
    case 'i': return new a.Int32();
    case 'l': return new a.Int64();
    case 'C': return new a.Uint8();
    case 'S': return new a.Uint16();
    case 'I': return new a.Uint32();
    case 'L': return new a.Uint64();
    default: throw new SimingestError(`query result: a column of unknown Arrow format "${format}"`, 'ERR_INTERNAL');
  }
}

/** The apache-arrow schema of a query's fields (nullable: a column some schema version lacks). */
export function arrowSchema(fields: readonly QueryField[]): Arrow.Schema {
  const a = loadArrow();
  return new a.Schema(fields.map((f) => new a.Field(f.name, arrowType(a, f.format), f.nullable === true)));
}

function nullCount(bitmap: Uint8Array, length: number): number {
  let valid = 0;
  for (let row = 0; row < length; ++row) valid += (bitmap[row >> 3]! >> (row & 7)) & 1;
  return length - valid;
}

export function recordBatch(schema: Arrow.Schema, batch: RawBatch): Arrow.RecordBatch {
  const a = loadArrow();
  const children = schema.fields.map((field) => {
    const bitmap = batch.validity?.get(field.name);
    return a.makeData({
      type: field.type,
      length: batch.length,
      nullCount: bitmap ? nullCount(bitmap, batch.length) : 0,
      nullBitmap: bitmap,
      data: batch.columns.get(field.name) as never,
    });
  });
  const struct = a.makeData({ type: new a.Struct(schema.fields), length: batch.length, nullCount: 0, children });
  return new a.RecordBatch(schema, struct);
}

/** Every batch of `reader` in one Table. */
export async function readTable(reader: QueryReader): Promise<Arrow.Table> {
  const a = loadArrow();
  let schema: Arrow.Schema;
  try {
    schema = arrowSchema(reader.fields);
  } catch (error) {
    reader.close();
    throw error;
  }
  const batches: Arrow.RecordBatch[] = [];
  for await (const batch of reader) batches.push(recordBatch(schema, batch));
  return new a.Table(schema, batches);
}

/** The batches of `reader` as RecordBatches; breaking off the loop releases the stream. */
export async function* readBatches(reader: QueryReader): AsyncGenerator<Arrow.RecordBatch, void, undefined> {
  let schema: Arrow.Schema;
  try {
    schema = arrowSchema(reader.fields);
  } catch (error) {
    reader.close();
    throw error;
  }
  for await (const batch of reader) yield recordBatch(schema, batch);
}

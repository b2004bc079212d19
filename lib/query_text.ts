// Query batches as text for the CLI: an aligned table, CSV, or JSON Lines.
// Every number is written so that parsing it gives back the stored value bit
// for bit: float32 as the shortest decimal that rounds to it, float64 as
// JavaScript's shortest round-trip form, -0 as "-0", integers exactly
// (int64 as digits, never through a double). Non-finite values are NaN,
// Infinity, -Infinity (in JSON as strings: JSON has no such numbers).
import type { RawBatch, ResultArray } from './query.js';
import type { QueryField } from './native.js';

export type TextFormat = 'table' | 'csv' | 'json';

function float32Text(value: number): string {
  if (!Number.isFinite(value) || value === 0) return floatText(value);
  for (let digits = 1; digits < 9; digits += 1) {
    const text = value.toPrecision(digits);
    if (Math.fround(Number(text)) === value) return String(Number(text));
  }
  return String(value);
}

function floatText(value: number): string {
  if (Object.is(value, -0)) return '-0';
  return String(value); // NaN, Infinity, -Infinity, or the shortest round-trip decimal
}

type Formatter = (array: ResultArray, row: number) => string;

function formatterOf(format: string, json: boolean): Formatter {
  const quoteNonFinite = (text: string, value: number) => (json && !Number.isFinite(value) ? `"${text}"` : text);
  if (format === 'f') return (a, i) => quoteNonFinite(float32Text(a[i] as number), a[i] as number);
  if (format === 'g') return (a, i) => quoteNonFinite(floatText(a[i] as number), a[i] as number);
  return (a, i) => String(a[i]);
}

function csvField(name: string): string {
  return /[",\n\r]/.test(name) ? `"${name.replace(/"/g, '""')}"` : name;
}

/** Writes batches as one text format; header() first, then batch() per batch. */
export class TextWriter {
  readonly #fields: readonly QueryField[];
  readonly #format: TextFormat;
  readonly #formatters: Formatter[];
  readonly #width: number[];

  constructor(fields: readonly QueryField[], format: TextFormat) {
    this.#fields = fields;
    this.#format = format;
    this.#formatters = fields.map((f) => formatterOf(f.format, format === 'json'));
    this.#width = fields.map((f) => Math.max(f.name.length, f.format === 'l' ? 6 : 12));
  }

  header(): string {
    if (this.#format === 'csv') return this.#fields.map((f) => csvField(f.name)).join(',') + '\n';
    if (this.#format === 'table') return this.#fields.map((f, i) => f.name.padStart(this.#width[i]!)).join('  ') + '\n';
    return '';
  }

  batch(batch: RawBatch): string {
    const arrays = this.#fields.map((f) => batch.columns.get(f.name)!);
    const lines: string[] = [];
    for (let row = 0; row < batch.length; row += 1) {
      const values = arrays.map((array, i) => this.#formatters[i]!(array, row));
      if (this.#format === 'csv') {
        lines.push(values.join(','));
      } else if (this.#format === 'table') {
        lines.push(values.map((v, i) => v.padStart(this.#width[i]!)).join('  '));
      } else {
        lines.push('{' + values.map((v, i) => `${JSON.stringify(this.#fields[i]!.name)}:${v}`).join(',') + '}');
      }
    }
    return lines.length > 0 ? lines.join('\n') + '\n' : '';
  }
}

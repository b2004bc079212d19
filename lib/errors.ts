// One error class for everything simingest throws, whether a check failed in
// TypeScript (argument shapes) or in the engine (every rule about frames and
// configuration). `status` is the C ABI's simingest_status, `code` its name.

/** Names of the C ABI status values (include/simingest.h), by value. */
export const STATUS_CODES = {
  1: 'ERR_INVALID_ARGUMENT',
  2: 'ERR_CONFIG',
  3: 'ERR_UNKNOWN_STREAM',
  4: 'ERR_UNKNOWN_COLUMN',
  5: 'ERR_MISSING_COLUMN',
  6: 'ERR_LENGTH_MISMATCH',
  7: 'ERR_DTYPE_MISMATCH',
  8: 'ERR_NON_FINITE',
  9: 'ERR_BACKPRESSURE',
  10: 'ERR_FRAME_TOO_LARGE',
  11: 'ERR_SCHEMA_CONFLICT',
  12: 'ERR_IO',
  13: 'ERR_CLOSED',
  14: 'ERR_OUT_OF_MEMORY',
  15: 'ERR_DATASET_LOCKED',
  17: 'ERR_NO_SPACE',
  18: 'ERR_CORRUPT',
  19: 'ERR_DATASET_LOST',
  20: 'ERR_RESOURCE_LIMIT',
  21: 'ERR_UNSAFE_LAYOUT',
  22: 'ERR_BUSY',
  23: 'ERR_BLOCK_MISMATCH',
  99: 'ERR_INTERNAL',
} as const;

export type SimingestErrorCode = (typeof STATUS_CODES)[keyof typeof STATUS_CODES];
export type SimingestStatus = keyof typeof STATUS_CODES;

const STATUS_BY_CODE = Object.fromEntries(
  Object.entries(STATUS_CODES).map(([status, code]) => [code, Number(status)]),
) as Record<SimingestErrorCode, number>;

export class SimingestError extends Error {
  /** The status name, e.g. `'ERR_UNKNOWN_STREAM'`. */
  readonly code: SimingestErrorCode;
  /** The numeric simingest_status of the C ABI. */
  readonly status: number;

  /**
   * The addon constructs errors as `new SimingestError(message, status)`;
   * TypeScript code may pass the code name instead of the number.
   */
  constructor(message: string, status: number | SimingestErrorCode) {
    super(message);
    const numeric = typeof status === 'number' ? status : STATUS_BY_CODE[status];
    this.status = numeric;
    this.code = (STATUS_CODES as Record<number, SimingestErrorCode>)[numeric] ?? 'ERR_INTERNAL';
  }
}

Object.defineProperty(SimingestError.prototype, 'name', {
  value: 'SimingestError',
  enumerable: false,
  configurable: true,
  writable: true,
});

/** A short name for what a value is, for "but received …" in messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  if (Array.isArray(value)) return 'Array';
  if (typeof value === 'object') {
    const name = (value as object).constructor?.name;
    return name && name !== 'Object' ? name : 'object';
  }
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return `${typeof value} ${String(value)}`;
  }
  return typeof value;
}

/**
 * The one argument check of the package: throws
 * `Expected ${expected} for ${name} but received ${describe(value)}`.
 */
export function expectArgument(
  ok: boolean,
  expected: string,
  name: string,
  value: unknown,
  code: SimingestErrorCode = 'ERR_INVALID_ARGUMENT',
): asserts ok {
  if (!ok) {
    throw new SimingestError(`Expected ${expected} for ${name} but received ${describe(value)}`, code);
  }
}

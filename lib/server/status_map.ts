// The engine's status codes as HTTP statuses and gRPC codes, one table for
// both listeners, so a frame refused over REST and over gRPC is refused for the
// same reason in the same words (the engine's message is passed on unchanged).
import { status as GrpcStatus } from '@grpc/grpc-js';
import { SimingestError, type SimingestErrorCode } from '../errors.js';

interface Mapping {
  http: number;
  grpc: GrpcStatus;
}

const TABLE: Record<SimingestErrorCode, Mapping> = {
  // The request is wrong: the same request will fail again.
  ERR_INVALID_ARGUMENT: { http: 400, grpc: GrpcStatus.INVALID_ARGUMENT },
  ERR_CONFIG: { http: 400, grpc: GrpcStatus.INVALID_ARGUMENT },
  ERR_UNKNOWN_COLUMN: { http: 400, grpc: GrpcStatus.INVALID_ARGUMENT },
  ERR_MISSING_COLUMN: { http: 400, grpc: GrpcStatus.INVALID_ARGUMENT },
  ERR_LENGTH_MISMATCH: { http: 400, grpc: GrpcStatus.INVALID_ARGUMENT },
  ERR_DTYPE_MISMATCH: { http: 400, grpc: GrpcStatus.INVALID_ARGUMENT },
  ERR_NON_FINITE: { http: 400, grpc: GrpcStatus.INVALID_ARGUMENT },
  ERR_UNKNOWN_STREAM: { http: 404, grpc: GrpcStatus.NOT_FOUND },
  ERR_FRAME_TOO_LARGE: { http: 413, grpc: GrpcStatus.RESOURCE_EXHAUSTED },
  // The request conflicts with what the dataset already holds.
  ERR_SCHEMA_CONFLICT: { http: 409, grpc: GrpcStatus.FAILED_PRECONDITION },
  ERR_DATASET_LOCKED: { http: 409, grpc: GrpcStatus.FAILED_PRECONDITION },
  ERR_UNSAFE_LAYOUT: { http: 409, grpc: GrpcStatus.FAILED_PRECONDITION },
  ERR_BLOCK_MISMATCH: { http: 409, grpc: GrpcStatus.FAILED_PRECONDITION },
  // The server cannot take it now: retrying later may succeed.
  ERR_BACKPRESSURE: { http: 503, grpc: GrpcStatus.RESOURCE_EXHAUSTED },
  ERR_RESOURCE_LIMIT: { http: 503, grpc: GrpcStatus.RESOURCE_EXHAUSTED },
  ERR_OUT_OF_MEMORY: { http: 503, grpc: GrpcStatus.RESOURCE_EXHAUSTED },
  ERR_CLOSED: { http: 503, grpc: GrpcStatus.UNAVAILABLE },
  ERR_BUSY: { http: 503, grpc: GrpcStatus.UNAVAILABLE },
  ERR_NO_SPACE: { http: 507, grpc: GrpcStatus.RESOURCE_EXHAUSTED },
  // The server or its storage failed.
  ERR_IO: { http: 500, grpc: GrpcStatus.INTERNAL },
  ERR_CORRUPT: { http: 500, grpc: GrpcStatus.DATA_LOSS },
  ERR_DATASET_LOST: { http: 500, grpc: GrpcStatus.DATA_LOSS },
  ERR_INTERNAL: { http: 500, grpc: GrpcStatus.INTERNAL },
};

/** What a failed request reports: the engine's code and message, or ERR_INTERNAL for anything else. */
export interface ErrorReport {
  code: SimingestErrorCode;
  message: string;
  http: number;
  grpc: GrpcStatus;
}

export function reportOf(error: unknown): ErrorReport {
  if (error instanceof SimingestError) {
    return { code: error.code, message: error.message, ...TABLE[error.code] };
  }
  // Not the engine's: the message may hold server internals, so it is not passed on.
  return { code: 'ERR_INTERNAL', message: 'internal server error', ...TABLE.ERR_INTERNAL };
}

/** The HTTP status of each engine code (for the OpenAPI document and docs/SERVER.md). */
export function httpStatusOf(code: SimingestErrorCode): number {
  return TABLE[code].http;
}

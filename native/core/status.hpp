// Status codes and the one error type of the engine.
//
// Status mirrors simingest_status of the C ABI value for value, so the C layer
// converts with a cast. Cold paths (configuration, storage) throw Error; the
// hot ingest path returns Status and fills a message only when it fails.
#pragma once

#include <stdexcept>
#include <string>

#include "simingest.h"

namespace simingest {

enum class Status : int {
  ok = SIMINGEST_OK,
  invalid_argument = SIMINGEST_ERR_INVALID_ARGUMENT,
  config = SIMINGEST_ERR_CONFIG,
  unknown_stream = SIMINGEST_ERR_UNKNOWN_STREAM,
  unknown_column = SIMINGEST_ERR_UNKNOWN_COLUMN,
  missing_column = SIMINGEST_ERR_MISSING_COLUMN,
  length_mismatch = SIMINGEST_ERR_LENGTH_MISMATCH,
  dtype_mismatch = SIMINGEST_ERR_DTYPE_MISMATCH,
  non_finite = SIMINGEST_ERR_NON_FINITE,
  backpressure = SIMINGEST_ERR_BACKPRESSURE,
  frame_too_large = SIMINGEST_ERR_FRAME_TOO_LARGE,
  schema_conflict = SIMINGEST_ERR_SCHEMA_CONFLICT,
  io = SIMINGEST_ERR_IO,
  closed = SIMINGEST_ERR_CLOSED,
  out_of_memory = SIMINGEST_ERR_OUT_OF_MEMORY,
  dataset_locked = SIMINGEST_ERR_DATASET_LOCKED,
  would_block = SIMINGEST_WOULD_BLOCK,
  no_space = SIMINGEST_ERR_NO_SPACE,
  corrupt = SIMINGEST_ERR_CORRUPT,
  dataset_lost = SIMINGEST_ERR_DATASET_LOST,
  resource_limit = SIMINGEST_ERR_RESOURCE_LIMIT,
  unsafe_layout = SIMINGEST_ERR_UNSAFE_LAYOUT,
  busy = SIMINGEST_ERR_BUSY,
  block_mismatch = SIMINGEST_ERR_BLOCK_MISMATCH,
  internal = SIMINGEST_ERR_INTERNAL,
};

// A static English description of a status ("unknown stream").
const char* status_string(Status status) noexcept;

// The engine's exception. Never crosses the C ABI: capi/ catches it.
class Error : public std::runtime_error {
 public:
  Error(Status status, const std::string& message) : std::runtime_error(message), status_(status) {}
  Status status() const noexcept { return status_; }

 private:
  Status status_;
};

// Builds an Error for a failed system call: "<what>: <strerror(errno)>".
// ENOSPC and EDQUOT give Status::no_space, every other errno Status::io.
Error io_error(const std::string& what, int errno_value);

}  // namespace simingest

#include "core/status.hpp"

#include <cerrno>
#include <cstring>

namespace simingest {

const char* status_string(Status status) noexcept {
  switch (status) {
    case Status::ok: return "ok";
    case Status::invalid_argument: return "invalid argument";
    case Status::config: return "invalid configuration";
    case Status::unknown_stream: return "unknown stream";
    case Status::unknown_column: return "unknown column";
    case Status::missing_column: return "missing column";
    case Status::length_mismatch: return "length mismatch";
    case Status::dtype_mismatch: return "dtype mismatch";
    case Status::non_finite: return "non-finite value rejected";
    case Status::backpressure: return "memory budget full";
    case Status::frame_too_large: return "frame larger than the memory budget";
    case Status::schema_conflict: return "schema conflicts with the dataset";
    case Status::io: return "i/o error";
    case Status::closed: return "ingestor closed";
    case Status::out_of_memory: return "out of memory";
    case Status::dataset_locked: return "dataset locked by another ingestor";
    case Status::would_block: return "would block";
    case Status::no_space: return "no space left on the file system";
    case Status::corrupt: return "corrupt file";
    case Status::dataset_lost: return "dataset no longer at its path";
    case Status::resource_limit: return "system resource limit reached";
    case Status::unsafe_layout: return "unsafe dataset layout";
    case Status::busy: return "handle in use by another thread";
    case Status::block_mismatch: return "blocks do not tile the grid";
    case Status::internal: return "internal error";
  }
  return "unknown status";
}

Error io_error(const std::string& what, int errno_value) {
  char buffer[256];
  // GNU strerror_r may return a static string instead of filling the buffer.
  const char* text = strerror_r(errno_value, buffer, sizeof buffer);
  const Status status = (errno_value == ENOSPC || errno_value == EDQUOT) ? Status::no_space : Status::io;
  return Error(status, what + ": " + text);
}

}  // namespace simingest

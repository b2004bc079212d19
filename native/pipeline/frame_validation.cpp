// Admission's checks of a frame against its stream's schema (the steps
// before anything is charged or copied), and the messages that name what is
// wrong. Nothing here allocates unless a frame is refused.
#include <cmath>
#include <cstdio>
#include <cstring>

#include "core/c_enum.hpp"
#include "core/names.hpp"
#include "kernels/non_finite.hpp"
#include "pipeline/frame_validation.hpp"
#include "pipeline/stream_state.hpp"

namespace simingest::pipeline {

namespace {

std::string column_prefix(const StreamState& stream, const ColumnConfig& column) {
  return stream_prefix(stream) + "column " + quote_name(column.name) + ": ";
}

std::string grid_text(const std::vector<int64_t>& grid) {
  std::string text = "[";
  for (std::size_t i = 0; i < grid.size(); ++i) text += (i ? ", " : "") + std::to_string(grid[i]);
  return text + "]";
}

// A double as it reads back ("1e+300", not 301 digits).
std::string number_text(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

// Measures the matched columns: every declared column present, arrays agree
// on the row count (and with the grid).
Status measure(StreamState& stream, const simingest_column* columns, FrameShape& shape, std::string& message) {
  const auto& declared = stream.config.columns;
  int32_t rows_from = -1;
  for (std::size_t j = 0; j < declared.size(); ++j) {
    if (shape.slot[j] < 0)
      return reject(stream, Status::missing_column,
                    stream_prefix(stream) + "missing column " + quote_name(declared[j].name), message);
    const simingest_column& given = columns[shape.slot[j]];
    const std::size_t width = dtype_size(declared[j].dtype);
    if (given.length == SIMINGEST_SCALAR) {
      shape.bytes_in += width;
      shape.scalar_width += width;
      continue;
    }
    if (given.length > (uint64_t{1} << 40))
      return reject(stream, Status::invalid_argument,
                    column_prefix(stream, declared[j]) + "length " + std::to_string(given.length) + " is impossible",
                    message);
    if (rows_from < 0) {
      shape.rows = given.length;
      rows_from = static_cast<int32_t>(j);
    } else if (given.length != shape.rows) {
      return reject(stream, Status::length_mismatch,
                    column_prefix(stream, declared[j]) + "has " + std::to_string(given.length) +
                        " values but column " + quote_name(declared[rows_from].name) + " has " +
                        std::to_string(shape.rows),
                    message);
    }
    shape.array_bytes += given.length * width;
    shape.padded_bytes += (given.length * width + 63) / 64 * 64;
  }
  shape.bytes_in += shape.array_bytes;
  if (stream.grid_rows != 0) {
    if (rows_from < 0) {
      shape.rows = stream.grid_rows;
    } else if (shape.rows != stream.grid_rows) {
      return reject(stream, Status::length_mismatch,
                    column_prefix(stream, declared[rows_from]) + "has " + std::to_string(shape.rows) +
                        (stream.config.block
                             ? " values but the block " + grid_text(stream.config.block->shape) + " of the grid "
                             : std::string(" values but the grid ")) +
                        grid_text(stream.config.grid) + " needs " +
                        std::to_string(stream.grid_rows),
                    message);
    }
  } else if (rows_from < 0) {
    shape.rows = 1;
  }
  return Status::ok;
}

}  // namespace

std::string stream_prefix(const StreamState& stream) { return "stream " + quote_name(stream.config.name) + ": "; }

std::string mib(uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return text;
}

Status reject(StreamState& stream, Status status, std::string text, std::string& message) {
  stream.counters.frames_rejected.fetch_add(1, std::memory_order_relaxed);
  message = std::move(text);
  return status;
}

StreamState* lookup_stream(const std::unordered_map<std::string_view, StreamState*>& index, const char* name,
                           Status& status, std::string& message) {
  if (name == nullptr) {
    message = "stream is NULL";
    status = Status::invalid_argument;
    return nullptr;
  }
  // Longer names than the rule allows cannot match; cut them for the message.
  const std::string_view stream_name(name, strnlen(name, 4 * kMaxNameLength));
  const auto found = index.find(stream_name);
  if (found != index.end()) return found->second;
  message = "unknown stream " + quote_name(stream_name);
  status = is_valid_name(stream_name) ? Status::unknown_stream : Status::invalid_argument;
  return nullptr;
}

Status check_time(StreamState& stream, const simingest_column* columns, std::size_t ncolumns, double time,
                  double& time_partition, std::string& message) {
  if (columns == nullptr && ncolumns > 0)
    return reject(stream, Status::invalid_argument,
                  stream_prefix(stream) + "columns is NULL but ncolumns is " + std::to_string(ncolumns), message);
  if (!std::isfinite(time))
    return reject(stream, Status::invalid_argument,
                  stream_prefix(stream) + "time must be finite but is " + std::to_string(time), message);
  // A partition number is an int64: a time past 2^63 spans has none (and
  // converting it would be undefined behaviour).
  if (stream.config.partition.kind == PartitionConfig::Kind::time) {
    time_partition = std::floor(time / stream.config.partition.time_span);
    if (!(time_partition >= -9223372036854775808.0 && time_partition < 9223372036854775808.0))
      return reject(stream, Status::invalid_argument,
                    stream_prefix(stream) + "time " + number_text(time) +
                        " is beyond the last partition (2^63 partitions of " +
                        number_text(stream.config.partition.time_span) + ")",
                    message);
  }
  return Status::ok;
}

Status match_columns(StreamState& stream, const simingest_column* columns, std::size_t ncolumns,
                     FrameShape& shape, std::string& message) {
  const auto& declared = stream.config.columns;
  const std::size_t ndeclared = declared.size();
  int32_t* const slot = shape.slot;
  for (std::size_t j = 0; j < ndeclared; ++j) slot[j] = -1;

  for (std::size_t i = 0; i < ncolumns; ++i) {
    const simingest_column& given = columns[i];
    if (given.name == nullptr)
      return reject(stream, Status::invalid_argument,
                    stream_prefix(stream) + "columns[" + std::to_string(i) + "].name is NULL", message);
    const std::string_view name(given.name, strnlen(given.name, 4 * kMaxNameLength));
    // Columns in declared order match by position; others by the stream's index.
    std::size_t j = i;
    if (j >= ndeclared || declared[j].name != name) {
      const auto index = stream.column_index.find(name);
      j = index == stream.column_index.end() ? ndeclared : index->second;
    }
    if (j == ndeclared) {
      if (is_reserved_column_name(name))
        return reject(stream, Status::invalid_argument,
                      stream_prefix(stream) + "column " + quote_name(name) + " is reserved: pass it as the " +
                          std::string(name) + " argument",
                      message);
      return reject(stream, is_valid_name(name) ? Status::unknown_column : Status::invalid_argument,
                    stream_prefix(stream) + "unknown column " + quote_name(name), message);
    }
    if (slot[j] >= 0)
      return reject(stream, Status::unknown_column, column_prefix(stream, declared[j]) + "given twice in one frame",
                    message);
    const int32_t dtype_value = c_enum_value(given.dtype);
    const auto dtype = dtype_from_c(dtype_value);
    if (!dtype)
      return reject(stream, Status::invalid_argument,
                    column_prefix(stream, declared[j]) + "dtype " + std::to_string(dtype_value) +
                        " is not a simingest_dtype",
                    message);
    if (*dtype != declared[j].dtype)
      return reject(stream, Status::dtype_mismatch,
                    column_prefix(stream, declared[j]) + "expected " + std::string(dtype_name(declared[j].dtype)) +
                        " but received " + std::string(dtype_name(*dtype)),
                    message);
    if (given.data == nullptr && given.length != 0)
      return reject(stream, Status::invalid_argument, column_prefix(stream, declared[j]) + "data is NULL", message);
    slot[j] = static_cast<int32_t>(i);
  }
  return measure(stream, columns, shape, message);
}

Status refuse_non_finite(StreamState& stream, const simingest_column* columns, const FrameShape& shape,
                         std::string& message) {
  const auto& declared = stream.config.columns;
  for (std::size_t j = 0; j < declared.size(); ++j) {
    const ColumnConfig& column = declared[j];
    if (column.non_finite != NonFinitePolicy::reject || !dtype_is_float(column.dtype)) continue;
    const simingest_column& given = columns[shape.slot[j]];
    const bool is_scalar = given.length == SIMINGEST_SCALAR;
    const std::size_t count = is_scalar ? 1 : given.length;
    const auto* data = static_cast<const unsigned char*>(given.data);
    const std::size_t bad = kernels::find_non_finite(column.dtype, data, count);
    if (bad < count)
      return reject(stream, Status::non_finite, non_finite_text(stream, j, data, bad, is_scalar), message);
  }
  return Status::ok;
}

std::string non_finite_text(const StreamState& stream, std::size_t column_index, const unsigned char* data,
                            std::size_t bad, bool is_scalar) {
  const ColumnConfig& column = stream.config.columns[column_index];
  double value = 0;
  if (column.dtype == Dtype::float32) {
    float f;
    std::memcpy(&f, data + bad * 4, 4);
    value = f;
  } else {
    std::memcpy(&value, data + bad * 8, 8);
  }
  const char* what = std::isnan(value) ? "NaN" : (value > 0 ? "+Inf" : "-Inf");
  return column_prefix(stream, column) + what +
         (is_scalar ? std::string(" as the scalar value") : " at row " + std::to_string(bad)) +
         " rejected (nonFinite is \"reject\")";
}

int64_t partition_of(const StreamState& stream, int64_t step, double time_partition) noexcept {
  switch (stream.config.partition.kind) {
    case PartitionConfig::Kind::none: return 0;
    case PartitionConfig::Kind::steps: {
      const int64_t span = stream.config.partition.steps;
      return step / span - ((step % span != 0 && step < 0) ? 1 : 0);
    }
    case PartitionConfig::Kind::time: return static_cast<int64_t>(time_partition);
  }
  return 0;
}

}  // namespace simingest::pipeline

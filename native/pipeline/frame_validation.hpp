// Admission's checks of a frame against its stream's schema, the steps
// before anything is charged or copied (frame_validation.cpp): check time,
// match the columns, and the non-finite scan of a frame that is not copied.
// Each step that refuses the frame counts the rejection on the stream and
// sets the message itself. FrameAdmission (frame_admission.hpp) runs them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/status.hpp"
#include "simingest.h"

namespace simingest::pipeline {

struct StreamState;

// The given columns matched to the declared ones, and the frame's size.
struct FrameShape {
  int32_t* slot = nullptr;    // slot[j]: index of declared column j among the given columns
  uint64_t rows = 0;
  uint64_t array_bytes = 0;   // arrays as given
  uint64_t padded_bytes = 0;  // arrays, each rounded up to 64 bytes
  uint64_t scalar_width = 0;  // bytes of one row of the scalar columns
  uint64_t bytes_in = 0;      // bytes the caller passed
};

// "stream \"name\": ", the start of every message about a stream.
std::string stream_prefix(const StreamState& stream);
// Bytes as "12.3 MiB".
std::string mib(uint64_t bytes);

// Counts a rejection on the stream, sets `message` and returns `status`.
Status reject(StreamState& stream, Status status, std::string text, std::string& message);

// The stream named `name` (a C string, may be NULL) in `index`, or nullptr
// with `status` and `message` set: invalid_argument for NULL or a name the
// naming rule refuses, unknown_stream otherwise. Counts nothing.
StreamState* lookup_stream(const std::unordered_map<std::string_view, StreamState*>& index, const char* name,
                           Status& status, std::string& message);

// Refuses a NULL column table and a time that is not finite or has no
// partition; sets `time_partition` for time-partitioned streams.
Status check_time(StreamState& stream, const simingest_column* columns, std::size_t ncolumns, double time,
                  double& time_partition, std::string& message);

// Matches the given columns to the declared ones by name (declared order
// by position, others by the stream's index) and measures the frame:
// unknown, reserved, duplicate, missing, mistyped or NULL columns and
// disagreeing lengths are refused. `shape.slot` holds one int32_t per
// declared column on entry.
Status match_columns(StreamState& stream, const simingest_column* columns, std::size_t ncolumns,
                     FrameShape& shape, std::string& message);

// Checks the `nonFinite: "reject"` columns in place, for a frame that is not
// copied (skipped, dropped or refused): bad values get the same error
// whatever the memory pressure. Status::ok when none is found.
Status refuse_non_finite(StreamState& stream, const simingest_column* columns, const FrameShape& shape,
                         std::string& message);

// The error for the first value a `nonFinite: "reject"` column refuses.
std::string non_finite_text(const StreamState& stream, std::size_t column, const unsigned char* data, std::size_t bad,
                            bool is_scalar);

// The frame's partition under the stream's partitioning.
int64_t partition_of(const StreamState& stream, int64_t step, double time_partition) noexcept;

}  // namespace simingest::pipeline

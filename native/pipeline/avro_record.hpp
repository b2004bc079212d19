// One frame as one Avro record of its stream's realtime log
// (storage/avro_container.hpp has the schema): step, time, then per declared
// column the union branch (0: the scalar, 1: the array) and its value(s).
// Encoded from the caller's columns during ingest(), straight into the
// stream's pending block: nothing is allocated once the block has grown.
#pragma once

#include <cstdint>

#include "pipeline/frame_validation.hpp"
#include "storage/avro_binary.hpp"

namespace simingest::pipeline {

struct StreamState;

// Appends the record. `shape` is match_columns()'s, for `columns`.
void encode_avro_record(storage::avro::Bytes& out, const StreamState& stream, int64_t step, double time,
                        const simingest_column* columns, const FrameShape& shape);

}  // namespace simingest::pipeline

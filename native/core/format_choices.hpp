// The two Parquet format choices a configuration makes: how an array column is
// encoded and how pages are compressed. Here, not in config.hpp, so that the
// Parquet layer can take them without the configuration schema.
#pragma once

namespace simingest {

// How an array column is encoded in Parquet. `automatic` picks
// BYTE_STREAM_SPLIT for floats and DELTA_BINARY_PACKED for integers.
enum class ColumnEncoding { automatic, plain, byte_stream_split, delta_binary_packed };

enum class Codec { none, zstd };

}  // namespace simingest

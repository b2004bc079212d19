// The Parquet format choices a configuration makes: how an array column is
// encoded, how pages are compressed, and which columns get bloom filters. Here, not in config.hpp, so that the
// Parquet layer can take them without the configuration schema.
#pragma once

#include <cstdint>

namespace simingest {

// How an array column is encoded in Parquet. `automatic` picks
// BYTE_STREAM_SPLIT for floats and DELTA_BINARY_PACKED for integers.
enum class ColumnEncoding { automatic, plain, byte_stream_split, delta_binary_packed };

enum class Codec { none, zstd };

// A split-block bloom filter per column chunk (Parquet BloomFilter.md), sized
// for `ndv` distinct values at false-positive probability `fpp`. ndv 0 sizes
// each chunk for its row count: every value distinct, the worst case (ids).
struct BloomFilterChoice {
  bool enabled = false;
  double fpp = 0.01;  // in (0, 1)
  uint64_t ndv = 0;
};

// Lossy, error-bounded quantisation of a float column (docs/ON_DISK.md,
// "Quantised columns"): values are rounded to nearest-even keeping
// `mantissa_bits` explicit mantissa bits, and stay ordinary floats. With
// rel_error / abs_error the bits follow from `error` (abs_error: per block of
// values, from the block's largest finite magnitude).
struct QuantizeChoice {
  enum class Mode { none, mantissa_bits, rel_error, abs_error } mode = Mode::none;
  int mantissa_bits = 0;  // mode mantissa_bits: 1..23 (float32) or 1..52 (float64)
  double error = 0;       // mode rel_error / abs_error: finite and > 0
};

}  // namespace simingest

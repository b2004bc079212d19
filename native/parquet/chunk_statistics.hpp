// Column-chunk Statistics from a ColumnStats.
//
// What must stay true (parquet.thrift, ColumnOrder / Statistics):
// - min_value/max_value are PLAIN physical values (small ints widened);
// - floats: NaN is never a min or max (ColumnStats guarantees it), a zero min
//   is written as -0.0 and a zero max as +0.0, nan_count is always written;
// - the deprecated min/max fields use signed order, so they are written for
//   signed integers and floats only, never for unsigned columns;
// - null_count is 0 (columns are REQUIRED) and always written.
#pragma once

#include <cstdint>
#include <string>

#include "core/column_stats.hpp"
#include "core/dtype.hpp"
#include "parquet/parquet_metadata.hpp"

namespace simingest::parquet {

format::Statistics chunk_statistics(Dtype dtype, const ColumnStats& stats);

// A min or max as Statistics and the ColumnIndex store it: the PLAIN physical
// value, a zero min as -0.0 and a zero max as +0.0.
std::string min_value_bytes(Dtype dtype, uint64_t min_bits);
std::string max_value_bytes(Dtype dtype, uint64_t max_bits);

}  // namespace simingest::parquet

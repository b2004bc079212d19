// A query's results in the Arrow C data interface
// (arrow.apache.org/docs/format/CDataInterface.html): a struct ("+s") of
// `step` (int64 "l"), `time` (float64 "g"), then the selected columns.
//
// Ownership follows the interface's rules: every ArrowSchema/ArrowArray we
// hand out owns its private data and its children; a parent's release
// releases the children still present (a consumer may move a child out,
// leaving a released one behind) and every release sets `release` to NULL.
// Each column's buffer belongs to its child array alone, 64-byte aligned, and
// is counted in the query's QueryMemory until that child is released.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "query/query_memory.hpp"
#include "query/query_spec.hpp"
#include "simingest.h"

namespace simingest::query {

// The Arrow format string of a dtype: "f", "g", "c", "s", "i", "l", "C", "S", "I", "L".
const char* arrow_format(Dtype dtype) noexcept;

// Fills `out` with the schema of a result holding `columns` after step and time.
void export_schema(const std::vector<OutputColumn>& columns, ArrowSchema* out);

struct ColumnBuffer;  // one child's buffer; arrow_export.cpp

// One record batch being filled. Construction takes its bytes from the
// QueryMemory (throwing Error(resource_limit) if they do not fit) and
// allocates every buffer; an unexported builder frees them again.
class BatchBuilder {
 public:
  BatchBuilder(std::shared_ptr<QueryMemory> memory, const std::vector<OutputColumn>& columns, uint64_t rows);
  ~BatchBuilder();
  BatchBuilder(const BatchBuilder&) = delete;
  BatchBuilder& operator=(const BatchBuilder&) = delete;

  uint64_t rows() const noexcept { return rows_; }
  int64_t* steps() noexcept;
  double* times() noexcept;
  // The buffer of output column j (after step and time): rows * dtype size bytes.
  uint8_t* column(std::size_t j) noexcept;
  // Marks rows [first, first + count) of output column j null (a file written
  // by a schema version without the column). The column's validity bitmap is
  // made, counted in the query's memory, by its first null: a column without
  // nulls exports none. Throws Error(resource_limit) if it does not fit.
  void set_null(std::size_t j, uint64_t first, uint64_t count);

  // Hands the batch to `out`; the builder is empty afterwards.
  void export_to(ArrowArray* out);

 private:
  uint64_t rows_;
  std::vector<std::unique_ptr<ColumnBuffer>> buffers_;  // step, time, then the columns
};

}  // namespace simingest::query

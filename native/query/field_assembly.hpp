// The assembled global field of a decomposed grid stream (query flag
// `assemble`, docs/MULTI_WRITER.md): the rows of every writer's block of a
// step, placed by their `cell` column into one batch of the whole grid in C
// order. A step is handed out only once every cell is covered exactly once:
// a cell no block covers, or one covered twice (overlapping blocks), fails
// the query with Status::block_mismatch naming the step and the cells.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "query/arrow_export.hpp"
#include "query/query_memory.hpp"
#include "query/query_spec.hpp"
#include "simingest.h"

namespace simingest::query {

class FieldAssembler {
 public:
  // `columns`: the output columns (without `cell`); each batch added holds
  // step, time, those columns, then `cell` (int64). Fields count against `memory`.
  FieldAssembler(std::shared_ptr<QueryMemory> memory, std::vector<OutputColumn> columns, std::vector<int64_t> grid,
                 std::string stream);

  // Places the rows of `batch` (a struct array as query_stream exports it);
  // throws Error(block_mismatch) for a cell outside the grid or seen twice.
  void add(const ArrowArray& batch);

  // Exports the lowest step not exported yet into `out`; false when none is
  // left. Throws Error(block_mismatch) if its field has cells no block covered.
  bool next(ArrowArray* out);

 private:
  struct Field {
    std::unique_ptr<BatchBuilder> batch;
    std::vector<bool> covered;
    uint64_t cells_covered = 0;
  };
  Field& field_of(int64_t step, double time);
  std::string cells_text(const Field& field) const;  // the box around the cells missing

  std::shared_ptr<QueryMemory> memory_;
  std::vector<OutputColumn> columns_;
  std::vector<int64_t> grid_;
  uint64_t grid_cells_ = 1;
  std::string prefix_;
  std::map<int64_t, Field> fields_;  // by step
};

}  // namespace simingest::query

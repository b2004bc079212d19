#include "query/field_assembly.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "core/dtype.hpp"
#include "core/names.hpp"
#include "core/status.hpp"

namespace simingest::query {

namespace {

const uint8_t* values_of(const ArrowArray& child, std::size_t width) {
  return static_cast<const uint8_t*>(child.buffers[1]) + static_cast<std::size_t>(child.offset) * width;
}

// "[i, j]" of a global C-order index.
std::string coordinates(uint64_t index, const std::vector<int64_t>& grid) {
  std::vector<uint64_t> at(grid.size());
  for (std::size_t axis = grid.size(); axis-- > 0;) {
    at[axis] = index % static_cast<uint64_t>(grid[axis]);
    index /= static_cast<uint64_t>(grid[axis]);
  }
  std::string text = "[";
  for (std::size_t axis = 0; axis < at.size(); ++axis) text += (axis ? ", " : "") + std::to_string(at[axis]);
  return text + "]";
}

}  // namespace

FieldAssembler::FieldAssembler(std::shared_ptr<QueryMemory> memory, std::vector<OutputColumn> columns,
                               std::vector<int64_t> grid, std::string stream)
    : memory_(std::move(memory)),
      columns_(std::move(columns)),
      grid_(std::move(grid)),
      prefix_("stream " + quote_name(stream) + ": query: assemble: ") {
  for (int64_t extent : grid_) grid_cells_ *= static_cast<uint64_t>(extent);
}

FieldAssembler::Field& FieldAssembler::field_of(int64_t step, double time) {
  auto it = fields_.find(step);
  if (it != fields_.end()) return it->second;
  Field field;
  field.batch = std::make_unique<BatchBuilder>(memory_, columns_, grid_cells_);
  std::fill_n(field.batch->steps(), grid_cells_, step);
  // A step's time is its first frame's: writers of one step agree on it.
  std::fill_n(field.batch->times(), grid_cells_, time);
  field.covered.assign(grid_cells_, false);
  return fields_.emplace(step, std::move(field)).first->second;
}

void FieldAssembler::add(const ArrowArray& batch) {
  const std::size_t ncolumns = columns_.size();
  if (batch.n_children != static_cast<int64_t>(ncolumns + 3))
    throw Error(Status::internal, prefix_ + "a batch without the cell column");
  for (int64_t c = 0; c < batch.n_children; ++c)
    if (batch.children[c]->null_count != 0)
      throw Error(Status::invalid_argument, prefix_ + "a column with nulls (schema evolution) cannot be assembled");
  const auto* steps = reinterpret_cast<const int64_t*>(values_of(*batch.children[0], 8));
  const auto* times = reinterpret_cast<const double*>(values_of(*batch.children[1], 8));
  const auto* cells = reinterpret_cast<const int64_t*>(values_of(*batch.children[ncolumns + 2], 8));
  Field* field = nullptr;
  for (int64_t r = 0; r < batch.length; ++r) {
    if (field == nullptr || r == 0 || steps[r] != steps[r - 1]) field = &field_of(steps[r], times[r]);
    const int64_t cell = cells[r];
    if (cell < 0 || static_cast<uint64_t>(cell) >= grid_cells_)
      throw Error(Status::block_mismatch, prefix_ + "step " + std::to_string(steps[r]) + ": cell " +
                                              std::to_string(cell) + " lies outside the grid");
    if (field->covered[cell])
      throw Error(Status::block_mismatch, prefix_ + "step " + std::to_string(steps[r]) + ": cell " +
                                              coordinates(static_cast<uint64_t>(cell), grid_) +
                                              " is written by two blocks (overlapping blocks)");
    field->covered[cell] = true;
    ++field->cells_covered;
    for (std::size_t j = 0; j < ncolumns; ++j) {
      const std::size_t width = dtype_size(columns_[j].dtype);
      std::memcpy(field->batch->column(j) + static_cast<std::size_t>(cell) * width,
                  values_of(*batch.children[j + 2], width) + static_cast<std::size_t>(r) * width, width);
    }
  }
}

std::string FieldAssembler::cells_text(const Field& field) const {
  std::vector<uint64_t> low(grid_.size(), UINT64_MAX), high(grid_.size(), 0);
  for (uint64_t index = 0; index < grid_cells_; ++index) {
    if (field.covered[index]) continue;
    uint64_t rest = index;
    for (std::size_t axis = grid_.size(); axis-- > 0;) {
      const uint64_t at = rest % static_cast<uint64_t>(grid_[axis]);
      rest /= static_cast<uint64_t>(grid_[axis]);
      low[axis] = std::min(low[axis], at);
      high[axis] = std::max(high[axis], at);
    }
  }
  std::string text = "offset [";
  for (std::size_t axis = 0; axis < grid_.size(); ++axis) text += (axis ? ", " : "") + std::to_string(low[axis]);
  text += "] shape [";
  for (std::size_t axis = 0; axis < grid_.size(); ++axis)
    text += (axis ? ", " : "") + std::to_string(high[axis] - low[axis] + 1);
  return text + "]";
}

bool FieldAssembler::next(ArrowArray* out) {
  if (fields_.empty()) return false;
  auto it = fields_.begin();
  if (it->second.cells_covered != grid_cells_)
    throw Error(Status::block_mismatch,
                prefix_ + "step " + std::to_string(it->first) + ": " +
                    std::to_string(grid_cells_ - it->second.cells_covered) + " of " + std::to_string(grid_cells_) +
                    " cells missing (no committed block covers them; they lie within " + cells_text(it->second) +
                    ")");
  it->second.batch->export_to(out);
  fields_.erase(it);
  return true;
}

}  // namespace simingest::query

#include "core/grid_block.hpp"

#include "core/status.hpp"

namespace simingest {

namespace {

using Json = nlohmann::ordered_json;

[[noreturn]] void fail(const std::string& path, const std::string& message) {
  throw Error(Status::config, path + ": " + message);
}

std::vector<int64_t> read_axes(const Json& j, const std::string& path, std::size_t rank, int64_t least) {
  if (!j.is_array()) fail(path, "expected an array of " + std::to_string(rank) + " integers but received " + j.dump());
  if (j.size() != rank)
    fail(path, "has " + std::to_string(j.size()) + " axes but the grid has " + std::to_string(rank));
  std::vector<int64_t> out;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const std::string at = path + "[" + std::to_string(i) + "]";
    if (!j[i].is_number_integer() || j[i].get<int64_t>() < least)
      fail(at, std::string("expected ") + (least == 0 ? "an integer >= 0" : "a positive integer") +
                   " but received " + j[i].dump());
    out.push_back(j[i].get<int64_t>());
  }
  return out;
}

}  // namespace

uint64_t GridBlock::cells() const noexcept {
  uint64_t n = 1;
  for (int64_t extent : shape) n *= static_cast<uint64_t>(extent);
  return n;
}

GridBlock parse_grid_block(const Json& j, const std::string& path, const std::vector<int64_t>& grid) {
  if (grid.empty()) fail(path, "needs the stream's \"grid\" (the global extent the block lies in)");
  if (!j.is_object()) fail(path, "expected an object with \"offset\" and \"shape\" but received " + j.dump());
  for (const auto& item : j.items())
    if (item.key() != "offset" && item.key() != "shape") fail(path + "." + item.key(), "unknown key");
  if (!j.contains("offset")) fail(path + ".offset", "required but missing");
  if (!j.contains("shape")) fail(path + ".shape", "required but missing");
  GridBlock block;
  block.offset = read_axes(j["offset"], path + ".offset", grid.size(), 0);
  block.shape = read_axes(j["shape"], path + ".shape", grid.size(), 1);
  for (std::size_t axis = 0; axis < grid.size(); ++axis) {
    // offset < grid and shape <= grid - offset: no overflow for any int64.
    if (block.offset[axis] >= grid[axis] || block.shape[axis] > grid[axis] - block.offset[axis])
      fail(path + ".shape[" + std::to_string(axis) + "]",
           "offset " + std::to_string(block.offset[axis]) + " + shape " + std::to_string(block.shape[axis]) + " = " +
               std::to_string(static_cast<uint64_t>(block.offset[axis]) + static_cast<uint64_t>(block.shape[axis])) +
               " exceeds the grid's extent " + std::to_string(grid[axis]) + " on axis " + std::to_string(axis));
  }
  return block;
}

std::vector<int64_t> global_cells(const GridBlock& block, const std::vector<int64_t>& grid) {
  const std::size_t rank = grid.size();
  std::vector<int64_t> stride(rank, 1);
  for (std::size_t axis = rank - 1; axis > 0; --axis) stride[axis - 1] = stride[axis] * grid[axis];
  std::vector<int64_t> cells;
  cells.reserve(block.cells());
  std::vector<int64_t> at(rank, 0);  // position within the block, C order
  for (uint64_t n = block.cells(); n > 0; --n) {
    int64_t index = 0;
    for (std::size_t axis = 0; axis < rank; ++axis) index += (block.offset[axis] + at[axis]) * stride[axis];
    cells.push_back(index);
    for (std::size_t axis = rank; axis-- > 0;) {
      if (++at[axis] < block.shape[axis]) break;
      at[axis] = 0;
    }
  }
  return cells;
}

std::string grid_block_json(const GridBlock& block) {
  return Json{{"offset", block.offset}, {"shape", block.shape}}.dump();
}

}  // namespace simingest

// A writer's block of a grid stream (domain decomposition, docs/MULTI_WRITER.md):
// the box of cells this writer's frames hold, inside the stream's global grid.
// A frame of such a stream holds the block's cells in C order within the
// block; the engine stores each row's global C-order cell index in a `cell`
// column, so any reader can place the row in the global field.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace simingest {

// The column every file of a stream with a block carries after the declared
// columns: the global C-order index of the row's cell in the grid.
inline constexpr const char* kCellColumn = "cell";

struct GridBlock {
  std::vector<int64_t> offset;  // per axis, >= 0
  std::vector<int64_t> shape;   // per axis, > 0; offset + shape <= grid
  uint64_t cells() const noexcept;
};

// Parses `block: { offset: [...], shape: [...] }` of the stream at `path`
// ("streams.fields.block") against the stream's grid. Throws
// Error(Status::config) naming the key path and, for a bound broken, the
// axis: "streams.fields.block.shape[1]: offset 4 + shape 8 = 12 exceeds the
// grid's extent 8 on axis 1".
GridBlock parse_grid_block(const nlohmann::ordered_json& j, const std::string& path,
                           const std::vector<int64_t>& grid);

// The global C-order index of every cell of `block`, in C order within the
// block: row r of a frame is cell global_cells(...)[r] of the grid.
std::vector<int64_t> global_cells(const GridBlock& block, const std::vector<int64_t>& grid);

// {"offset":[..],"shape":[..]}: the file key-value entry simingest.block.
std::string grid_block_json(const GridBlock& block);

}  // namespace simingest

// block: {offset, shape} of a grid stream (domain decomposition,
// docs/MULTI_WRITER.md): parsing, the key path and axis in every error, the
// schema's "blocks" mark and the global cell index of each of a frame's rows.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/grid_block.hpp"
#include "support/config_error.hpp"

namespace simingest {
namespace {

using testing_support::config_error;

std::string document(const std::string& block, const std::string& grid = "[6,8]", const std::string& extra = "") {
  return R"({"streams":{"f":{"columns":{"u":"float32"},"grid":)" + grid + R"(,"block":)" + block + extra + "}}}";
}

TEST(GridBlock, reads_offset_and_shape_and_marks_the_schema) {
  const Config config = parse_config(document(R"({"offset":[4,3],"shape":[2,5]})"));
  const StreamConfig& stream = config.streams.front();
  ASSERT_TRUE(stream.block.has_value());
  EXPECT_EQ(stream.block->offset, (std::vector<int64_t>{4, 3}));
  EXPECT_EQ(stream.block->shape, (std::vector<int64_t>{2, 5}));
  EXPECT_EQ(stream.block->cells(), 10u);
  EXPECT_TRUE(stream.decomposed);
  EXPECT_EQ(stream_schema_json(stream),
            R"({"columns":[{"name":"u","dtype":"float32"}],"grid":[6,8],"blocks":true,"partition":{}})");
}

TEST(GridBlock, a_stream_without_a_block_keeps_its_schema_text) {
  const Config config = parse_config(R"({"streams":{"f":{"columns":{"u":"float32"},"grid":[6,8]}}})");
  EXPECT_EQ(stream_schema_json(config.streams.front()),
            R"({"columns":[{"name":"u","dtype":"float32"}],"grid":[6,8],"partition":{}})");
}

TEST(GridBlock, refuses_a_block_past_the_grid_naming_the_axis) {
  EXPECT_EQ(config_error(document(R"({"offset":[0,6],"shape":[1,3]})")),
            "streams.f.block.shape[1]: offset 6 + shape 3 = 9 exceeds the grid's extent 8 on axis 1");
  EXPECT_EQ(config_error(document(R"({"offset":[6,0],"shape":[1,1]})")),
            "streams.f.block.shape[0]: offset 6 + shape 1 = 7 exceeds the grid's extent 6 on axis 0");
  EXPECT_EQ(config_error(document(R"({"offset":[0,0],"shape":[1,9223372036854775807]})")),
            "streams.f.block.shape[1]: offset 0 + shape 9223372036854775807 = 9223372036854775807 exceeds the "
            "grid's extent 8 on axis 1");
}

TEST(GridBlock, refuses_a_rank_other_than_the_grids_and_bad_extents) {
  EXPECT_EQ(config_error(document(R"({"offset":[0,0,0],"shape":[1,1]})")),
            "streams.f.block.offset: has 3 axes but the grid has 2");
  EXPECT_EQ(config_error(document(R"({"offset":[0,0],"shape":[0,1]})")),
            "streams.f.block.shape[0]: expected a positive integer but received 0");
  EXPECT_EQ(config_error(document(R"({"offset":[0,-1],"shape":[1,1]})")),
            "streams.f.block.offset[1]: expected an integer >= 0 but received -1");
  EXPECT_EQ(config_error(document(R"({"offset":[0,0]})")), "streams.f.block.shape: required but missing");
  EXPECT_EQ(config_error(document(R"([0,0])")),
            "streams.f.block: expected an object with \"offset\" and \"shape\" but received [0,0]");
}

TEST(GridBlock, needs_a_grid_and_the_batch_route_and_reserves_cell) {
  EXPECT_EQ(config_error(R"({"streams":{"f":{"columns":{"u":"float32"},"block":{"offset":[0],"shape":[1]}}}})"),
            "streams.f.block: needs the stream's \"grid\" (the global extent the block lies in)");
  EXPECT_EQ(config_error(document(R"({"offset":[0,0],"shape":[1,1]})", "[6,8]", R"(,"route":"realtime")")),
            "streams.f.block: applies to route \"batch\" only");
  EXPECT_EQ(config_error(R"({"streams":{"f":{"columns":{"cell":"int64"},"grid":[2],)"
                         R"("block":{"offset":[0],"shape":[1]}}}})"),
            "streams.f.columns.cell: reserved: a stream with a block stores each row's global cell index in it");
}

TEST(GridBlock, global_cells_list_the_blocks_cells_in_c_order_within_the_block) {
  const GridBlock block{{4, 3}, {2, 5}};
  EXPECT_EQ(global_cells(block, {6, 8}), (std::vector<int64_t>{35, 36, 37, 38, 39, 43, 44, 45, 46, 47}));
  const GridBlock cube{{1, 0, 2}, {1, 2, 2}};
  EXPECT_EQ(global_cells(cube, {2, 2, 4}), (std::vector<int64_t>{10, 11, 14, 15}));
  EXPECT_EQ(grid_block_json(block), R"({"offset":[4,3],"shape":[2,5]})");
}

}  // namespace
}  // namespace simingest

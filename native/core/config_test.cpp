#include "core/config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "support/config_error.hpp"

namespace simingest {
namespace {

const std::string kMinimal = R"({"streams":{"fields":{"columns":{"vx":"float32"}}}})";

using testing_support::config_error;

// A document with one stream `fields` whose object is `stream` (text inside the braces).
std::string with_stream(const std::string& stream) {
  return R"({"streams":{"fields":{)" + stream + "}}}";
}

// A minimal document plus top-level members `extra` (",\"key\":value").
std::string with_top(const std::string& extra) {
  return R"({"streams":{"fields":{"columns":{"vx":"float32"}}})" + extra + "}";
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

// ---- accepted documents ------------------------------------------------------

TEST(Config, minimal_document_gets_documented_defaults) {
  const Config config = parse_config(kMinimal);
  ASSERT_EQ(config.streams.size(), 1u);
  const StreamConfig& stream = config.streams[0];
  EXPECT_EQ(stream.name, "fields");
  ASSERT_EQ(stream.columns.size(), 1u);
  EXPECT_EQ(stream.columns[0].name, "vx");
  EXPECT_EQ(stream.columns[0].dtype, Dtype::float32);
  EXPECT_EQ(stream.columns[0].non_finite, NonFinitePolicy::allow);
  EXPECT_EQ(stream.columns[0].encoding, ColumnEncoding::automatic);
  EXPECT_TRUE(stream.grid.empty());
  EXPECT_EQ(stream.partition.kind, PartitionConfig::Kind::none);
  EXPECT_EQ(config.compression.codec, Codec::zstd);
  EXPECT_EQ(config.compression.level, 1);
  EXPECT_EQ(config.row_group_bytes, 67108864u);
  EXPECT_EQ(config.page_bytes, 1048576u);
  EXPECT_EQ(config.file_bytes, 536870912u);
  EXPECT_EQ(config.memory_limit, 268435456u);
  EXPECT_EQ(config.workers, 0u);
  EXPECT_EQ(config.backpressure.policy, BackpressurePolicy::block);
  EXPECT_EQ(config.backpressure.timeout_ms, -1);
}

TEST(Config, parses_every_documented_setting) {
  const Config config = parse_config(R"({
    "streams": {
      "fields": {
        "columns": {
          "vx": "float32",
          "p": { "dtype": "float64", "nonFinite": "reject", "encoding": "plain" }
        },
        "grid": [512, 256],
        "partition": { "steps": 100 },
        "nonFinite": "allow"
      }
    },
    "compression": { "codec": "zstd", "level": 7 },
    "rowGroupBytes": 8388608,
    "pageBytes": 65536,
    "fileBytes": 1073741824,
    "memoryLimit": 134217728,
    "workers": 3,
    "backpressure": { "policy": "block", "timeoutMs": 1000 }
  })");
  const StreamConfig& stream = config.streams.at(0);
  ASSERT_EQ(stream.columns.size(), 2u);
  EXPECT_EQ(stream.columns[1].name, "p");
  EXPECT_EQ(stream.columns[1].dtype, Dtype::float64);
  EXPECT_EQ(stream.columns[1].non_finite, NonFinitePolicy::reject);
  EXPECT_EQ(stream.columns[1].encoding, ColumnEncoding::plain);
  EXPECT_EQ(stream.grid, (std::vector<int64_t>{512, 256}));
  EXPECT_EQ(stream.partition.kind, PartitionConfig::Kind::steps);
  EXPECT_EQ(stream.partition.steps, 100);
  EXPECT_EQ(config.compression.level, 7);
  EXPECT_EQ(config.row_group_bytes, 8388608u);
  EXPECT_EQ(config.page_bytes, 65536u);
  EXPECT_EQ(config.file_bytes, 1073741824u);
  EXPECT_EQ(config.memory_limit, 134217728u);
  EXPECT_EQ(config.workers, 3u);
  EXPECT_EQ(config.backpressure.policy, BackpressurePolicy::block);
  EXPECT_EQ(config.backpressure.timeout_ms, 1000);
}

TEST(Config, accepts_every_dtype_name) {
  const Config config = parse_config(with_stream(R"("columns":{
      "a":"float32","b":"float64","c":"int8","d":"int16","e":"int32",
      "f":"int64","g":"uint8","h":"uint16","i":"uint32","j":"uint64"})"));
  const Dtype expected[] = {Dtype::float32, Dtype::float64, Dtype::int8,   Dtype::int16,
                            Dtype::int32,   Dtype::int64,   Dtype::uint8,  Dtype::uint16,
                            Dtype::uint32,  Dtype::uint64};
  const auto& columns = config.streams.at(0).columns;
  ASSERT_EQ(columns.size(), 10u);
  for (std::size_t i = 0; i < 10; ++i) EXPECT_EQ(columns[i].dtype, expected[i]) << i;
}

TEST(Config, accepts_every_encoding_that_fits_the_dtype) {
  const Config config = parse_config(with_stream(R"("columns":{
      "a":{"dtype":"float32","encoding":"auto"},
      "b":{"dtype":"float64","encoding":"byteStreamSplit"},
      "c":{"dtype":"int64","encoding":"delta"},
      "d":{"dtype":"uint8","encoding":"plain"}})"));
  const auto& columns = config.streams.at(0).columns;
  EXPECT_EQ(columns[0].encoding, ColumnEncoding::automatic);
  EXPECT_EQ(columns[1].encoding, ColumnEncoding::byte_stream_split);
  EXPECT_EQ(columns[2].encoding, ColumnEncoding::delta_binary_packed);
  EXPECT_EQ(columns[3].encoding, ColumnEncoding::plain);
}

TEST(Config, stream_non_finite_default_applies_to_columns_wherever_it_is_written) {
  const Config config = parse_config(with_stream(
      R"("columns":{"a":"float32","b":{"dtype":"float32","nonFinite":"allow"}},"nonFinite":"reject")"));
  const auto& columns = config.streams.at(0).columns;
  EXPECT_EQ(columns[0].non_finite, NonFinitePolicy::reject);
  EXPECT_EQ(columns[1].non_finite, NonFinitePolicy::allow);
}

TEST(Config, keeps_streams_and_columns_in_document_order) {
  const Config config = parse_config(R"({"streams":{
      "zeta":{"columns":{"z":"int8","a":"int8","m":"int8"}},
      "alpha":{"columns":{"b":"int8"}}}})");
  ASSERT_EQ(config.streams.size(), 2u);
  EXPECT_EQ(config.streams[0].name, "zeta");
  EXPECT_EQ(config.streams[1].name, "alpha");
  const auto& columns = config.streams[0].columns;
  EXPECT_EQ(columns[0].name, "z");
  EXPECT_EQ(columns[1].name, "a");
  EXPECT_EQ(columns[2].name, "m");
}

TEST(Config, parses_time_partition) {
  const Config config = parse_config(with_stream(R"("columns":{"a":"int8"},"partition":{"time":0.25})"));
  EXPECT_EQ(config.streams[0].partition.kind, PartitionConfig::Kind::time);
  EXPECT_EQ(config.streams[0].partition.time_span, 0.25);
}

TEST(Config, parses_backpressure_policy_strings) {
  EXPECT_EQ(parse_config(with_top(R"(,"backpressure":"error")")).backpressure.policy,
            BackpressurePolicy::error);
  EXPECT_EQ(parse_config(with_top(R"(,"backpressure":"drop")")).backpressure.policy,
            BackpressurePolicy::drop);
  const Config block = parse_config(with_top(R"(,"backpressure":{"policy":"block"})"));
  EXPECT_EQ(block.backpressure.policy, BackpressurePolicy::block);
  EXPECT_EQ(block.backpressure.timeout_ms, -1);
}

TEST(Config, parses_uncompressed_and_fast_zstd_levels) {
  EXPECT_EQ(parse_config(with_top(R"(,"compression":{"codec":"none"})")).compression.codec,
            Codec::none);
  EXPECT_EQ(parse_config(with_top(R"(,"compression":{"level":-7})")).compression.level, -7);
  EXPECT_EQ(parse_config(with_top(R"(,"compression":{"level":19})")).compression.level, 19);
}

TEST(Config, accepts_integers_written_as_integral_floats) {
  const Config config = parse_config(with_top(R"(,"memoryLimit":1e7,"workers":2.0)"));
  EXPECT_EQ(config.memory_limit, 10000000u);
  EXPECT_EQ(config.workers, 2u);
}

TEST(Config, accepts_bounds_of_ranges) {
  const Config config = parse_config(with_top(
      R"(,"rowGroupBytes":4096,"pageBytes":67108864,"fileBytes":1048576,"memoryLimit":1048576,"workers":256)"));
  EXPECT_EQ(config.row_group_bytes, 4096u);
  EXPECT_EQ(config.page_bytes, 67108864u);
  EXPECT_EQ(config.file_bytes, 1048576u);
  EXPECT_EQ(config.memory_limit, 1048576u);
  EXPECT_EQ(config.workers, 256u);
}

TEST(Config, accepts_grid_just_below_two_to_the_fortieth_cells) {
  const Config config =
      parse_config(with_stream(R"("columns":{"a":"int8"},"grid":[1099511627775])"));
  EXPECT_EQ(config.streams[0].grid, (std::vector<int64_t>{1099511627775}));
  EXPECT_NO_THROW(parse_config(with_stream(R"("columns":{"a":"int8"},"grid":[1,2,3,4,5,6,7,8])")));
}

TEST(Config, finds_streams_by_name) {
  const Config config = parse_config(R"({"streams":{"a":{"columns":{"x":"int8"}},
                                                     "b":{"columns":{"y":"int8"}}}})");
  ASSERT_NE(config.find_stream("b"), nullptr);
  EXPECT_EQ(config.find_stream("b")->columns.at(0).name, "y");
  EXPECT_EQ(config.find_stream("c"), nullptr);
  EXPECT_EQ(config.find_stream(""), nullptr);
}

// ---- malformed JSON ------------------------------------------------------------

TEST(Config, malformed_json_names_the_byte_position) {
  const std::string message = config_error(R"({"streams": })");
  EXPECT_TRUE(starts_with(message, "config: malformed JSON: byte 13 (line 1, column 13): "))
      << message;
}

TEST(Config, empty_text_is_malformed_json) {
  EXPECT_TRUE(starts_with(config_error(""), "config: malformed JSON: byte 1")) << config_error("");
}

TEST(Config, number_overflow_is_malformed_json) {
  const std::string message = config_error(with_top(R"(,"workers":1e400)"));
  EXPECT_TRUE(starts_with(message, "config: malformed JSON: ")) << message;
}

TEST(Config, malformed_json_message_escapes_document_bytes) {
  const std::string message = config_error("{\"a\xff\x1b\": 1}");
  EXPECT_TRUE(starts_with(message, "config: malformed JSON: ")) << message;
  EXPECT_EQ(message.find('\x1b'), std::string::npos) << message;
  EXPECT_EQ(message.find('\xff'), std::string::npos) << message;
}

TEST(Config, rejects_document_that_is_not_an_object) {
  EXPECT_EQ(config_error("[]"), "config: expected an object but received an empty array");
  EXPECT_EQ(config_error("42"), "config: expected an object but received 42");
}

// ---- unknown keys ---------------------------------------------------------------

TEST(Config, rejects_unknown_top_level_key) {
  EXPECT_EQ(config_error(with_top(R"(,"rowGroupSize":1)")), "rowGroupSize: unknown key");
}

TEST(Config, rejects_unknown_nested_key_with_its_path) {
  EXPECT_EQ(config_error(with_top(R"(,"compression":{"levle":3})")), "compression.levle: unknown key");
  EXPECT_EQ(config_error(with_stream(R"("columns":{"a":"int8"},"grids":[1])")),
            "streams.fields.grids: unknown key");
  EXPECT_EQ(config_error(with_stream(R"("columns":{"p":{"dtype":"int8","dtyp":"int8"}})")),
            "streams.fields.columns.p.dtyp: unknown key");
  EXPECT_EQ(config_error(with_stream(R"("columns":{"a":"int8"},"partition":{"step":1})")),
            "streams.fields.partition.step: unknown key");
  EXPECT_EQ(config_error(with_top(R"(,"backpressure":{"timeout":5})")),
            "backpressure.timeout: unknown key");
}

TEST(Config, quotes_hostile_unknown_keys) {
  EXPECT_EQ(config_error(with_top(R"(,"a\u001b[2Jb":1)")), R"("a\x1b[2Jb": unknown key)");
}

TEST(Config, snake_case_keys_are_unknown) {
  EXPECT_EQ(config_error(with_top(R"(,"memory_limit":1048576)")), "memory_limit: unknown key");
  EXPECT_EQ(config_error(with_top(R"(,"row_group_bytes":4096)")), "row_group_bytes: unknown key");
  EXPECT_EQ(config_error(with_stream(R"("columns":{"a":"int8"},"non_finite":"reject")")),
            "streams.fields.non_finite: unknown key");
  EXPECT_EQ(config_error(with_top(R"(,"backpressure":{"timeout_ms":5})")),
            "backpressure.timeout_ms: unknown key");
}

// ---- wrong types and out-of-range values --------------------------------------------

TEST(Config, wrong_type_names_expected_and_received) {
  EXPECT_EQ(config_error(with_top(R"(,"memoryLimit":"1GB")")),
            R"(memoryLimit: expected an integer >= 1048576 but received "1GB")");
  EXPECT_EQ(config_error(with_top(R"(,"workers":true)")),
            "workers: expected an integer from 1 to 256 but received true");
  EXPECT_EQ(config_error(with_top(R"(,"pageBytes":null)")),
            "pageBytes: expected an integer from 4096 to 67108864 but received null");
  EXPECT_EQ(config_error(with_top(R"(,"compression":"zstd")")),
            R"(compression: expected an object but received "zstd")");
}

TEST(Config, rejects_integer_with_fractional_part) {
  EXPECT_EQ(config_error(with_top(R"(,"workers":1.5)")),
            "workers: expected an integer from 1 to 256 but received 1.5");
}

TEST(Config, rejects_values_out_of_range) {
  EXPECT_EQ(config_error(with_top(R"(,"workers":0)")),
            "workers: expected an integer from 1 to 256 but received 0");
  EXPECT_EQ(config_error(with_top(R"(,"workers":257)")),
            "workers: expected an integer from 1 to 256 but received 257");
  EXPECT_EQ(config_error(with_top(R"(,"rowGroupBytes":4095)")),
            "rowGroupBytes: expected an integer >= 4096 but received 4095");
  EXPECT_EQ(config_error(with_top(R"(,"pageBytes":67108865)")),
            "pageBytes: expected an integer from 4096 to 67108864 but received 67108865");
  EXPECT_EQ(config_error(with_top(R"(,"fileBytes":1048575)")),
            "fileBytes: expected an integer >= 1048576 but received 1048575");
  EXPECT_EQ(config_error(with_top(R"(,"memoryLimit":-1)")),
            "memoryLimit: expected an integer >= 1048576 but received -1");
  EXPECT_EQ(config_error(with_top(R"(,"compression":{"level":20})")),
            "compression.level: expected an integer from -7 to 19 but received 20");
  EXPECT_EQ(config_error(with_top(R"(,"compression":{"level":-8})")),
            "compression.level: expected an integer from -7 to 19 but received -8");
}

// ---- streams and columns --------------------------------------------------------------

TEST(Config, requires_streams) {
  EXPECT_EQ(config_error("{}"), "streams: required but missing");
  EXPECT_EQ(config_error(R"({"streams":{}})"),
            "streams: expected at least one stream but received an empty object");
  EXPECT_EQ(config_error(R"({"streams":[]})"),
            "streams: expected an object of streams but received an empty array");
}

TEST(Config, rejects_invalid_stream_name) {
  EXPECT_EQ(config_error(R"({"streams":{"my-stream":{"columns":{"a":"int8"}}}})"),
            R"(streams: expected a name matching [A-Za-z_][A-Za-z0-9_]{0,63} but received "my-stream")");
  EXPECT_EQ(config_error(R"({"streams":{"..":{"columns":{"a":"int8"}}}})"),
            R"(streams: expected a name matching [A-Za-z_][A-Za-z0-9_]{0,63} but received "..")");
}

TEST(Config, requires_columns) {
  EXPECT_EQ(config_error(with_stream(R"("grid":[2])")), "streams.fields.columns: required but missing");
  EXPECT_EQ(config_error(with_stream(R"("columns":{})")),
            "streams.fields.columns: expected at least one column but received an empty object");
  EXPECT_EQ(config_error(R"({"streams":{"fields":"float32"}})"),
            R"(streams.fields: expected an object but received "float32")");
}

TEST(Config, rejects_invalid_column_name) {
  EXPECT_EQ(config_error(with_stream(R"("columns":{"v x":"int8"})")),
            R"(streams.fields.columns: expected a name matching [A-Za-z_][A-Za-z0-9_]{0,63} but received "v x")");
}

TEST(Config, rejects_reserved_column_names) {
  for (const char* name : {"step", "time"}) {
    const std::string message =
        config_error(with_stream(std::string(R"("columns":{")") + name + R"(":"int64"})"));
    EXPECT_TRUE(starts_with(message, std::string("streams.fields.columns.") + name + ": reserved"))
        << message;
  }
}

TEST(Config, rejects_unknown_dtype) {
  EXPECT_EQ(config_error(with_stream(R"("columns":{"vx":"float16"})")),
            R"(streams.fields.columns.vx: unknown dtype "float16")");
  EXPECT_EQ(config_error(with_stream(R"("columns":{"vx":{"dtype":"Float32"}})")),
            R"(streams.fields.columns.vx.dtype: unknown dtype "Float32")");
}

TEST(Config, rejects_column_of_wrong_type) {
  EXPECT_EQ(config_error(with_stream(R"("columns":{"vx":3})")),
            "streams.fields.columns.vx: expected a dtype name or an object but received 3");
  EXPECT_EQ(config_error(with_stream(R"("columns":{"vx":{"dtype":4}})")),
            "streams.fields.columns.vx.dtype: expected a dtype name but received 4");
}

TEST(Config, object_column_requires_dtype) {
  EXPECT_EQ(config_error(with_stream(R"("columns":{"vx":{"encoding":"plain"}})")),
            "streams.fields.columns.vx.dtype: required but missing");
}

TEST(Config, rejects_unknown_enum_values) {
  EXPECT_EQ(config_error(with_stream(R"("columns":{"a":"int8"},"nonFinite":"maybe")")),
            R"(streams.fields.nonFinite: expected one of "allow", "reject" but received "maybe")");
  EXPECT_EQ(config_error(with_stream(R"("columns":{"a":{"dtype":"int8","encoding":"rle"}})")),
            R"(streams.fields.columns.a.encoding: expected one of "auto", "plain", "byteStreamSplit", "delta" but received "rle")");
  EXPECT_EQ(config_error(with_top(R"(,"compression":{"codec":"gzip"})")),
            R"(compression.codec: expected one of "zstd", "none" but received "gzip")");
  EXPECT_EQ(config_error(with_top(R"(,"backpressure":"wait")")),
            R"(backpressure: expected one of "block", "error", "drop" but received "wait")");
  EXPECT_EQ(config_error(with_top(R"(,"backpressure":5)")),
            R"(backpressure: expected one of "block", "error", "drop" or an object but received 5)");
}

TEST(Config, rejects_encoding_that_does_not_fit_the_dtype) {
  EXPECT_EQ(config_error(with_stream(R"("columns":{"n":{"dtype":"int32","encoding":"byteStreamSplit"}})")),
            R"(streams.fields.columns.n.encoding: "byteStreamSplit" applies to float columns only, not int32)");
  EXPECT_EQ(config_error(with_stream(R"("columns":{"x":{"dtype":"float32","encoding":"delta"}})")),
            R"(streams.fields.columns.x.encoding: "delta" applies to integer columns only, not float32)");
}

// ---- grid and partition ------------------------------------------------------------

TEST(Config, rejects_grid_without_1_to_8_extents) {
  EXPECT_EQ(config_error(with_stream(R"("columns":{"a":"int8"},"grid":[])")),
            "streams.fields.grid: expected an array of 1 to 8 extents but received an empty array");
  EXPECT_EQ(config_error(with_stream(R"("columns":{"a":"int8"},"grid":[1,1,1,1,1,1,1,1,1])")),
            "streams.fields.grid: expected an array of 1 to 8 extents but received an array of 9 elements");
  EXPECT_EQ(config_error(with_stream(R"("columns":{"a":"int8"},"grid":512)")),
            "streams.fields.grid: expected an array of 1 to 8 extents but received 512");
}

TEST(Config, rejects_non_positive_grid_extent_with_its_index) {
  EXPECT_EQ(config_error(with_stream(R"("columns":{"a":"int8"},"grid":[4,0])")),
            "streams.fields.grid[1]: expected a positive integer below 2^40 but received 0");
  EXPECT_EQ(config_error(with_stream(R"("columns":{"a":"int8"},"grid":[4.5])")),
            "streams.fields.grid[0]: expected a positive integer below 2^40 but received 4.5");
}

TEST(Config, rejects_grid_of_two_to_the_fortieth_cells_or_more) {
  EXPECT_EQ(config_error(with_stream(R"("columns":{"a":"int8"},"grid":[1048576,1048576])")),
            "streams.fields.grid: expected fewer than 2^40 cells but received [1048576,1048576]");
  // A product that would overflow 64 bits is caught too.
  EXPECT_TRUE(starts_with(
      config_error(with_stream(
          R"("columns":{"a":"int8"},"grid":[1099511627775,1099511627775,1099511627775])")),
      "streams.fields.grid: expected fewer than 2^40 cells"));
}

TEST(Config, partition_needs_exactly_one_of_steps_or_time) {
  EXPECT_EQ(config_error(with_stream(R"("columns":{"a":"int8"},"partition":{})")),
            R"(streams.fields.partition: expected exactly one of "steps" or "time" but received neither)");
  EXPECT_EQ(config_error(with_stream(R"("columns":{"a":"int8"},"partition":{"steps":1,"time":1})")),
            R"(streams.fields.partition: expected exactly one of "steps" or "time" but received both)");
  EXPECT_EQ(config_error(with_stream(R"("columns":{"a":"int8"},"partition":100)")),
            R"(streams.fields.partition: expected an object with "steps" or "time" but received 100)");
}

TEST(Config, rejects_non_positive_partition_span) {
  EXPECT_EQ(config_error(with_stream(R"("columns":{"a":"int8"},"partition":{"steps":0})")),
            "streams.fields.partition.steps: expected a positive integer but received 0");
  EXPECT_EQ(config_error(with_stream(R"("columns":{"a":"int8"},"partition":{"time":0})")),
            "streams.fields.partition.time: expected a positive number but received 0");
  EXPECT_EQ(config_error(with_stream(R"("columns":{"a":"int8"},"partition":{"time":-0.5})")),
            "streams.fields.partition.time: expected a positive number but received -0.5");
  EXPECT_EQ(config_error(with_stream(R"("columns":{"a":"int8"},"partition":{"time":"1s"})")),
            R"(streams.fields.partition.time: expected a positive number but received "1s")");
}

// ---- settings that apply to one choice only --------------------------------------------

TEST(Config, rejects_level_without_zstd) {
  EXPECT_EQ(config_error(with_top(R"(,"compression":{"codec":"none","level":3})")),
            R"(compression.level: applies to codec "zstd" only)");
}

TEST(Config, rejects_timeout_without_block_policy) {
  EXPECT_EQ(config_error(with_top(R"(,"backpressure":{"policy":"drop","timeoutMs":10})")),
            R"(backpressure.timeoutMs: applies to policy "block" only)");
  EXPECT_EQ(config_error(with_top(R"(,"backpressure":{"policy":"block","timeoutMs":-2})")),
            "backpressure.timeoutMs: expected an integer from -1 to 2147483647 but received -2");
}

// ---- duplicate keys ---------------------------------------------------------------

TEST(Config, rejects_duplicate_column_name) {
  EXPECT_EQ(config_error(with_stream(R"("columns":{"vx":"float32","vx":"float64"})")),
            "streams.fields.columns.vx: duplicate key");
}

TEST(Config, rejects_duplicate_stream_and_top_level_keys) {
  EXPECT_EQ(config_error(R"({"streams":{"a":{"columns":{"x":"int8"}},"a":{"columns":{"y":"int8"}}}})"),
            "streams.a: duplicate key");
  EXPECT_EQ(config_error(with_top(R"(,"workers":1,"workers":2)")), "workers: duplicate key");
}

TEST(Config, duplicate_key_path_counts_array_elements) {
  EXPECT_EQ(config_error(with_stream(R"("columns":{"a":"int8"},"grid":[7,{"x":1,"x":2}])")),
            "streams.fields.grid[1].x: duplicate key");
}

TEST(Config, same_key_in_different_objects_is_not_a_duplicate) {
  EXPECT_NO_THROW(parse_config(R"({"streams":{"a":{"columns":{"x":"int8"}},
                                              "b":{"columns":{"x":"int8"}}}})"));
}

// ---- stream schema JSON -----------------------------------------------------------------

TEST(Config, stream_schema_matches_the_on_disk_example) {
  const Config config = parse_config(R"({"streams":{"fields":{
      "columns":{"vx":"float32","p":{"dtype":"float32","encoding":"plain","nonFinite":"reject"}},
      "grid":[512,512],"partition":{"steps":100}}}})");
  EXPECT_EQ(stream_schema_json(config.streams[0]),
            R"({"columns":[{"name":"vx","dtype":"float32"},{"name":"p","dtype":"float32"}],"grid":[512,512],"partition":{"steps":100}})");
}

TEST(Config, stream_schema_without_grid_or_partition) {
  const Config config = parse_config(with_stream(R"("columns":{"n":"uint16","t":"int64"})"));
  EXPECT_EQ(stream_schema_json(config.streams[0]),
            R"({"columns":[{"name":"n","dtype":"uint16"},{"name":"t","dtype":"int64"}],"grid":[],"partition":{}})");
}

// A column with every option at its default, whatever options ColumnConfig grows.
ColumnConfig plain_column(const char* name, Dtype dtype) {
  ColumnConfig column;
  column.name = name;
  column.dtype = dtype;
  return column;
}

TEST(Config, stream_schema_prints_time_span) {
  StreamConfig stream;
  stream.name = "s";
  stream.columns.push_back(plain_column("a", Dtype::float64));
  stream.partition.kind = PartitionConfig::Kind::time;
  stream.partition.time_span = 0.5;
  EXPECT_EQ(stream_schema_json(stream),
            R"({"columns":[{"name":"a","dtype":"float64"}],"grid":[],"partition":{"time":0.5}})");
}

TEST(Config, stream_schema_time_span_reads_back_exactly) {
  for (double span : {0.1, 1.0 / 3.0, 1e-7, 12345.678901234567, 3e20}) {
    StreamConfig stream;
    stream.columns.push_back(plain_column("a", Dtype::int8));
    stream.partition.kind = PartitionConfig::Kind::time;
    stream.partition.time_span = span;
    const std::string text = stream_schema_json(stream);
    const std::string prefix = R"({"columns":[{"name":"a","dtype":"int8"}],"grid":[],"partition":{"time":)";
    ASSERT_TRUE(starts_with(text, prefix)) << text;
    EXPECT_EQ(std::strtod(text.c_str() + prefix.size(), nullptr), span) << text;
    // And the whole text is a valid configuration fragment again.
    const std::string partition = text.substr(text.find(R"("partition")"));
    const Config config = parse_config(
        with_stream(R"("columns":{"a":"int8"},)" + partition.substr(0, partition.size() - 1)));
    EXPECT_EQ(config.streams[0].partition.time_span, span);
  }
}

TEST(Config, stream_schema_ignores_encoding_and_non_finite_policy) {
  const Config a = parse_config(with_stream(R"("columns":{"x":"float32"})"));
  const Config b = parse_config(
      with_stream(R"("columns":{"x":{"dtype":"float32","encoding":"plain","nonFinite":"reject"}})"));
  EXPECT_EQ(stream_schema_json(a.streams[0]), stream_schema_json(b.streams[0]));
}

// ---- affinity ----------------------------------------------------------------

TEST(Config, affinity_defaults_to_none) {
  EXPECT_EQ(parse_config(kMinimal).affinity.kind, AffinityConfig::Kind::none);
  EXPECT_EQ(parse_config(with_top(R"(,"affinity":"none")")).affinity.kind, AffinityConfig::Kind::none);
}

TEST(Config, affinity_accepts_numa_and_cpu_lists) {
  EXPECT_EQ(parse_config(with_top(R"(,"affinity":"numa")")).affinity.kind, AffinityConfig::Kind::numa);
  const Config config = parse_config(with_top(R"(,"affinity":[3,0,3.0,1048575])"));
  EXPECT_EQ(config.affinity.kind, AffinityConfig::Kind::cpus);
  EXPECT_EQ(config.affinity.cpus, (std::vector<int>{3, 0, 3, 1048575}));
}

TEST(Config, affinity_rejects_other_values_naming_what_it_expects) {
  const std::string what = R"(affinity: expected "none", "numa" or a non-empty array of CPU ids but received )";
  EXPECT_EQ(config_error(with_top(R"(,"affinity":"all")")), what + R"("all")");
  EXPECT_EQ(config_error(with_top(R"(,"affinity":2)")), what + "2");
  EXPECT_EQ(config_error(with_top(R"(,"affinity":[])")), what + "an empty array");
  EXPECT_EQ(config_error(with_top(R"(,"affinity":{"cpus":[0]})")), what + "an object");
}

TEST(Config, affinity_rejects_cpu_ids_that_are_not_non_negative_integers) {
  const std::string what = "expected a CPU id (an integer from 0 to 1048575) but received ";
  EXPECT_EQ(config_error(with_top(R"(,"affinity":[0,1,-1])")), "affinity[2]: " + what + "-1");
  EXPECT_EQ(config_error(with_top(R"(,"affinity":[0.5])")), "affinity[0]: " + what + "0.5");
  EXPECT_EQ(config_error(with_top(R"(,"affinity":["0"])")), "affinity[0]: " + what + R"("0")");
  EXPECT_EQ(config_error(with_top(R"(,"affinity":[1048576])")), "affinity[0]: " + what + "1048576");
}

TEST(Config, bloom_filter_true_or_object_on_integer_columns) {
  const Config config = parse_config(
      R"({"streams":{"p":{"columns":{"id":{"dtype":"int64","bloomFilter":true},)"
      R"("k":{"dtype":"uint16","bloomFilter":{"fpp":0.001,"ndv":5000}},"x":"float64"}}}})");
  const auto& columns = config.streams[0].columns;
  EXPECT_TRUE(columns[0].bloom_filter.enabled);
  EXPECT_EQ(columns[0].bloom_filter.fpp, 0.01);
  EXPECT_EQ(columns[0].bloom_filter.ndv, 0u);
  EXPECT_TRUE(columns[1].bloom_filter.enabled);
  EXPECT_EQ(columns[1].bloom_filter.fpp, 0.001);
  EXPECT_EQ(columns[1].bloom_filter.ndv, 5000u);
  EXPECT_FALSE(columns[2].bloom_filter.enabled);
}

TEST(Config, bloom_filter_errors_name_the_key) {
  EXPECT_EQ(config_error(with_stream(R"("columns":{"x":{"dtype":"float32","bloomFilter":true}})")),
            "streams.fields.columns.x.bloomFilter: bloom filters apply to integer columns only, not float32");
  EXPECT_TRUE(starts_with(config_error(with_stream(R"("columns":{"i":{"dtype":"int32","bloomFilter":{"fpp":1}}})")),
                          "streams.fields.columns.i.bloomFilter.fpp: expected a number between 0 and 1"));
  EXPECT_TRUE(starts_with(config_error(with_stream(R"("columns":{"i":{"dtype":"int32","bloomFilter":{"ndv":0}}})")),
                          "streams.fields.columns.i.bloomFilter.ndv: expected an integer from 1 to 2^40"));
  EXPECT_EQ(config_error(with_stream(R"("columns":{"i":{"dtype":"int32","bloomFilter":{"size":3}}})")),
            "streams.fields.columns.i.bloomFilter.size: unknown key");
  EXPECT_TRUE(starts_with(config_error(with_stream(R"("columns":{"i":{"dtype":"int32","bloomFilter":"yes"}})")),
                          "streams.fields.columns.i.bloomFilter: expected true, false or an object"));
}

}  // namespace
}  // namespace simingest

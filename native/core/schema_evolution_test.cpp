// The additive schema-evolution rules (core/schema_evolution.cpp): every
// accepted change, every refusal and what its message names.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/schema_evolution.hpp"
#include "core/status.hpp"
#include "support/config_error.hpp"

namespace simingest {
namespace {

// A canonical schema text with `columns` ("name":"dtype" pairs as JSON objects).
std::string schema(const std::string& columns, const std::string& grid = "[]", const std::string& partition = "{}") {
  return R"({"columns":[)" + columns + R"(],"grid":)" + grid + R"(,"partition":)" + partition + "}";
}
std::string col(const std::string& name, const std::string& dtype, const std::string& unit = "") {
  return R"({"name":")" + name + R"(","dtype":")" + dtype + "\"" + (unit.empty() ? "" : R"(,"unit":")" + unit + "\"") +
         "}";
}

// The message of the schema conflict check_schema_evolution throws, or "" if it accepts.
std::string refusal(const std::vector<std::string>& history, const std::string& next) {
  try {
    check_schema_evolution("fields", history, next);
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::schema_conflict) << e.what();
    return e.what();
  }
  return "";
}

TEST(ConfigSchemaEvolution, defaults_to_strict_and_parses_additive) {
  const std::string stream = R"("streams":{"fields":{"columns":{"vx":"float32"}}})";
  EXPECT_EQ(parse_config("{" + stream + "}").schema_evolution, SchemaEvolution::strict);
  EXPECT_EQ(parse_config(R"({"schemaEvolution":"additive",)" + stream + "}").schema_evolution,
            SchemaEvolution::additive);
  EXPECT_EQ(parse_config(R"({"schemaEvolution":"strict",)" + stream + "}").schema_evolution, SchemaEvolution::strict);
  EXPECT_EQ(testing_support::config_error(R"({"schemaEvolution":"loose",)" + stream + "}"),
            R"(schemaEvolution: expected one of "strict", "additive" but received "loose")");
}

TEST(SchemaEvolution, every_allowed_widening_widens) {
  const std::vector<std::pair<Dtype, Dtype>> allowed = {
      {Dtype::int8, Dtype::int16},     {Dtype::int8, Dtype::int32},     {Dtype::int8, Dtype::int64},
      {Dtype::int16, Dtype::int32},    {Dtype::int16, Dtype::int64},    {Dtype::int32, Dtype::int64},
      {Dtype::uint8, Dtype::uint16},   {Dtype::uint8, Dtype::uint32},   {Dtype::uint8, Dtype::uint64},
      {Dtype::uint16, Dtype::uint32},  {Dtype::uint16, Dtype::uint64},  {Dtype::uint32, Dtype::uint64},
      {Dtype::float32, Dtype::float64}, {Dtype::int8, Dtype::float64},  {Dtype::int16, Dtype::float64},
      {Dtype::int32, Dtype::float64},  {Dtype::uint8, Dtype::float64},  {Dtype::uint16, Dtype::float64},
      {Dtype::uint32, Dtype::float64}};
  const std::vector<Dtype> all = {Dtype::float32, Dtype::float64, Dtype::int8,   Dtype::int16,  Dtype::int32,
                                  Dtype::int64,   Dtype::uint8,   Dtype::uint16, Dtype::uint32, Dtype::uint64};
  // Exhaustive: exactly the listed pairs (and identity) widen.
  for (Dtype from : all)
    for (Dtype to : all) {
      bool listed = from == to;
      for (const auto& pair : allowed) listed = listed || (pair.first == from && pair.second == to);
      EXPECT_EQ(dtype_widens(from, to), listed) << dtype_name(from) << " → " << dtype_name(to);
    }
}

TEST(SchemaEvolution, accepts_added_removed_widened_and_renamed_columns) {
  const std::string v1 = schema(col("a", "int16") + "," + col("b", "float32"));
  EXPECT_EQ(refusal({v1}, schema(col("a", "int16") + "," + col("b", "float32") + "," + col("c", "uint8"))), "");
  EXPECT_EQ(refusal({v1}, schema(col("a", "int16"))), "");                                   // removed
  EXPECT_EQ(refusal({v1}, schema(col("a", "int64") + "," + col("b", "float64"))), "");       // widened
  EXPECT_EQ(refusal({v1}, schema(col("a", "int16") + "," + col("b2", "float32"))), "");      // renamed = remove + add
  EXPECT_EQ(refusal({v1}, schema(col("b", "float32") + "," + col("a", "float64"))), "");     // reordered, int→double
}

TEST(SchemaEvolution, refuses_narrowing_naming_column_types_and_rule) {
  const std::string message = refusal({schema(col("p", "float64"))}, schema(col("p", "float32")));
  EXPECT_NE(message.find(R"(stream "fields": column "p": float64 → float32 (narrowing) breaks the rule "a column's type may only widen)"),
            std::string::npos)
      << message;
  EXPECT_NE(refusal({schema(col("n", "int32"))}, schema(col("n", "int16"))).find(R"(column "n": int32 → int16 (narrowing))"),
            std::string::npos);
}

TEST(SchemaEvolution, refuses_float_to_int_sign_change_and_inexact_int64_to_double) {
  EXPECT_NE(refusal({schema(col("p", "float32"))}, schema(col("p", "int64"))).find(R"(column "p": float32 → int64 breaks)"),
            std::string::npos);
  EXPECT_NE(refusal({schema(col("n", "uint16"))}, schema(col("n", "int32"))).find(R"(column "n": uint16 → int32 breaks)"),
            std::string::npos);
  EXPECT_NE(refusal({schema(col("n", "int64"))}, schema(col("n", "float64")))
                .find(R"(column "n": int64 → float64 (not exact: a double holds 53 bits) breaks the rule)"),
            std::string::npos);
  EXPECT_NE(refusal({schema(col("n", "int16"))}, schema(col("n", "float32"))).find(R"(int16 → float32 breaks)"),
            std::string::npos);
}

TEST(SchemaEvolution, refuses_grid_and_partition_changes) {
  EXPECT_NE(refusal({schema(col("u", "float32"), "[4,4]")}, schema(col("u", "float32"), "[8,8]"))
                .find(R"(stream "fields": grid [4,4] → [8,8] breaks the rule "a stream's grid never changes)"),
            std::string::npos);
  EXPECT_NE(refusal({schema(col("u", "float32"), "[]", R"({"steps":10})")}, schema(col("u", "float32")))
                .find(R"(partition {"steps":10} → {} breaks the rule "a stream's partitioning never changes)"),
            std::string::npos);
}

TEST(SchemaEvolution, refuses_a_changed_unit) {
  EXPECT_NE(refusal({schema(col("u", "float32", "m/s"))}, schema(col("u", "float64", "km/h")))
                .find(R"(column "u": unit "m/s" → "km/h" breaks the rule "a column keeps its unit)"),
            std::string::npos);
}

TEST(SchemaEvolution, a_column_declared_again_is_held_to_its_widest_type) {
  const std::vector<std::string> history = {schema(col("a", "int32") + "," + col("b", "int8")),
                                            schema(col("a", "int64") + "," + col("b", "int8")),
                                            schema(col("b", "int8"))};
  EXPECT_NE(refusal(history, schema(col("b", "int8") + "," + col("a", "int32"))).find(R"(column "a": int64 → int32)"),
            std::string::npos);
  EXPECT_EQ(refusal(history, schema(col("b", "int8") + "," + col("a", "int64"))), "");
}

TEST(SchemaEvolution, unified_columns_keep_first_order_widest_type_and_presence) {
  const std::vector<UnifiedColumn> unified = unified_columns({schema(col("a", "int16") + "," + col("b", "float32")),
                                                              schema(col("a", "int32") + "," + col("b", "float32") +
                                                                     "," + col("c", "uint8")),
                                                              schema(col("a", "float64") + "," + col("c", "uint8"))});
  ASSERT_EQ(unified.size(), 3u);
  EXPECT_EQ(unified[0].name, "a");
  EXPECT_EQ(unified[0].dtype, Dtype::float64);
  EXPECT_TRUE(unified[0].in_every_version);
  EXPECT_EQ(unified[1].name, "b");
  EXPECT_EQ(unified[1].dtype, Dtype::float32);
  EXPECT_FALSE(unified[1].in_every_version);
  EXPECT_EQ(unified[2].name, "c");
  EXPECT_EQ(unified[2].dtype, Dtype::uint8);
  EXPECT_FALSE(unified[2].in_every_version);
}

}  // namespace
}  // namespace simingest

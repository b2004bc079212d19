// Units, descriptions and stream metadata on reopen: they are part of the
// stream's schema, so a dataset keeps one meaning per column — a different
// unit, description or metadata is ERR_SCHEMA_CONFLICT, like a dtype change
// (docs/ON_DISK.md, "Units and metadata"). What pyarrow sees of them is
// proven in test/python/test_annotations.py.
#include <gtest/gtest.h>

#include <string>

#include "pipeline/engine.hpp"
#include "support/scratch_directory.hpp"

namespace simingest {
namespace {

std::string config(const std::string& unit, const std::string& description, const std::string& metadata) {
  return R"({"commitIntervalMs":0,"workers":1,"streams":{"f":{"columns":{"v":{"dtype":"float64","unit":")" + unit +
         R"(","description":")" + description + R"("}},"metadata":)" + metadata + "}}}";
}

const std::string kMetadata = R"({"solver":"tgv2d","params":{"re":1600,"cfl":0.5}})";

class EngineAnnotations : public ::testing::Test {
 protected:
  void SetUp() override { Engine::open(root_, config("m/s", "velocity", kMetadata))->close(); }

  // The status and message of opening with `json`, ok if it opens.
  std::pair<Status, std::string> reopen(const std::string& json) {
    try {
      Engine::open(root_, json)->close();
      return {Status::ok, ""};
    } catch (const Error& e) {
      return {e.status(), e.what()};
    }
  }

  testing_support::ScratchDirectory scratch_;
  const std::string root_ = scratch_ / "ds";
};

TEST_F(EngineAnnotations, the_same_annotations_reopen_in_any_key_order) {
  EXPECT_EQ(reopen(config("m/s", "velocity", kMetadata)).first, Status::ok);
  EXPECT_EQ(reopen(config("m/s", "velocity", R"({"params":{"cfl":0.5,"re":1600},"solver":"tgv2d"})")).first,
            Status::ok);
}

TEST_F(EngineAnnotations, a_changed_unit_is_a_schema_conflict_that_shows_both) {
  const auto [status, message] = reopen(config("km/h", "velocity", kMetadata));
  EXPECT_EQ(status, Status::schema_conflict) << message;
  EXPECT_NE(message.find("\"unit\":\"m/s\""), std::string::npos) << message;
  EXPECT_NE(message.find("\"unit\":\"km/h\""), std::string::npos) << message;
}

TEST_F(EngineAnnotations, a_changed_description_or_metadata_is_a_schema_conflict) {
  EXPECT_EQ(reopen(config("m/s", "speed", kMetadata)).first, Status::schema_conflict);
  EXPECT_EQ(reopen(config("m/s", "velocity", R"({"solver":"tgv2d","params":{"re":3200,"cfl":0.5}})")).first,
            Status::schema_conflict);
  // Dropping them changes the schema too.
  EXPECT_EQ(reopen(R"({"streams":{"f":{"columns":{"v":"float64"}}}})").first, Status::schema_conflict);
  // And the dataset is unchanged by the refusals.
  EXPECT_EQ(reopen(config("m/s", "velocity", kMetadata)).first, Status::ok);
}

}  // namespace
}  // namespace simingest

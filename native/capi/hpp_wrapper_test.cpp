// simingest.hpp, the header-only C++ layer: RAII ownership, errors as
// simingest::Error with the library's status and message, and Column helpers
// that pick the dtype from the element type.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <cstdlib>
#include <limits>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "simingest.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kConfig = R"({
  "streams": {
    "fields": {"columns": {"vx": "float32", "n": "uint16"}, "grid": [2, 3]},
    "diagnostics": {"columns": {"energy": {"dtype": "float64", "nonFinite": "reject"},
                                "count": "int32"}}
  },
  "workers": 1
})";

static_assert(!std::is_copy_constructible_v<simingest::Ingestor>, "move-only");
static_assert(!std::is_copy_assignable_v<simingest::Ingestor>, "move-only");
static_assert(std::is_nothrow_move_constructible_v<simingest::Ingestor>, "movable");
static_assert(std::is_base_of_v<std::runtime_error, simingest::Error>, "an exception");

class HppWrapper : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() / "simingest-hpp-XXXXXX").string();
    ASSERT_NE(mkdtemp(dir_.data()), nullptr);
    path_ = dir_ + "/ds";
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  std::string dir_;
  std::string path_;
};

TEST(HppColumn, array_and_scalar_pick_the_dtype_of_the_element_type) {
  const float f[2] = {1, 2};
  const uint64_t u[1] = {7};
  const std::vector<int16_t> s = {1, 2, 3};
  EXPECT_EQ(simingest::array("a", f, 2).dtype(), SIMINGEST_FLOAT32);
  EXPECT_EQ(simingest::array("a", u, 1).dtype(), SIMINGEST_UINT64);
  EXPECT_EQ(simingest::array("a", s).dtype(), SIMINGEST_INT16);
  EXPECT_EQ(simingest::array("a", s).length(), 3u);
  EXPECT_EQ(simingest::scalar("e", 1.5).dtype(), SIMINGEST_FLOAT64);
  EXPECT_EQ(simingest::scalar("e", int8_t{-1}).dtype(), SIMINGEST_INT8);
  EXPECT_EQ(simingest::scalar("e", uint32_t{1}).dtype(), SIMINGEST_UINT32);

  const simingest_column c = simingest::array("vx", f, 2).c_column();
  EXPECT_STREQ(c.name, "vx");
  EXPECT_EQ(c.data, static_cast<const void*>(f));
  EXPECT_EQ(c.length, 2u);
}

TEST(HppColumn, a_scalar_column_owns_its_value) {
  simingest::Column column = simingest::scalar("energy", 2.25);
  const simingest::Column copy = column;  // the copy points at its own value
  column = simingest::scalar("energy", -1.0);
  const simingest_column c = copy.c_column();
  EXPECT_EQ(c.length, SIMINGEST_SCALAR);
  EXPECT_EQ(*static_cast<const double*>(c.data), 2.25);
  EXPECT_NE(c.data, column.c_column().data);
}

TEST_F(HppWrapper, ingests_flushes_and_reports_stats) {
  simingest::Ingestor ingestor(path_, kConfig);
  EXPECT_TRUE(ingestor.is_open());
  const float vx[6] = {1, 2, 3, 4, 5, 6};
  const std::vector<uint16_t> n = {1, 2, 3, 4, 5, 65535};
  ingestor.ingest("fields", 0, 0.0, {simingest::array("vx", vx, 6), simingest::array("n", n)});
  // A scalar for every row of a grid frame.
  ingestor.ingest("fields", 1, 0.1, {simingest::array("vx", vx, 6), simingest::scalar("n", uint16_t{9})});
  ingestor.ingest(std::string("diagnostics"), 0, 0.0,
                  std::vector<simingest::Column>{simingest::scalar("energy", 1.5),
                                                 simingest::scalar("count", int32_t{3})});
  EXPECT_TRUE(ingestor.try_ingest("diagnostics", 1, 0.1,
                                  {simingest::scalar("energy", 2.5), simingest::scalar("count", int32_t{4})}));
  ingestor.flush();
  const json stats = json::parse(ingestor.stats_json());
  EXPECT_EQ(stats["framesCommitted"], 4);
  EXPECT_EQ(stats["streams"]["fields"]["rowsCommitted"], 12);
  EXPECT_EQ(stats["streams"]["diagnostics"]["rowsCommitted"], 2);
  ingestor.close();
  EXPECT_FALSE(ingestor.is_open());
  ingestor.close();  // closing twice does nothing
}

TEST_F(HppWrapper, failures_throw_error_with_status_and_message) {
  simingest::Ingestor ingestor(path_, kConfig);
  const double wrong[6] = {};
  try {
    ingestor.ingest("fields", 0, 0.0, {simingest::array("vx", wrong, 6), simingest::scalar("n", uint16_t{1})});
    FAIL() << "a float64 array for a float32 column must throw";
  } catch (const simingest::Error& e) {
    EXPECT_EQ(e.status(), SIMINGEST_ERR_DTYPE_MISMATCH);
    const std::string what = e.what();
    EXPECT_NE(what.find("\"vx\""), std::string::npos) << what;
    EXPECT_NE(what.find("float32"), std::string::npos) << what;
  }
  try {
    ingestor.ingest("diagnostics", 0, 0.0,
                    {simingest::scalar("energy", std::numeric_limits<double>::quiet_NaN()), simingest::scalar("count", int32_t{1})});
    FAIL() << "NaN under reject must throw";
  } catch (const simingest::Error& e) {
    EXPECT_EQ(e.status(), SIMINGEST_ERR_NON_FINITE);
  }
  try {
    ingestor.ingest("nope", 0, 0.0, {simingest::scalar("energy", 1.0)});
    FAIL();
  } catch (const simingest::Error& e) {
    EXPECT_EQ(e.status(), SIMINGEST_ERR_UNKNOWN_STREAM);
    EXPECT_NE(std::string(e.what()).find("\"nope\""), std::string::npos) << e.what();
  }
  ingestor.flush();
  EXPECT_EQ(json::parse(ingestor.stats_json())["framesRejected"], 3);
  EXPECT_EQ(json::parse(ingestor.stats_json())["framesCommitted"], 0);
}

TEST_F(HppWrapper, open_failure_throws_the_configuration_message) {
  try {
    simingest::Ingestor ingestor(path_, R"({"streams":{"fields":{"columns":{"vx":"float16"}}}})");
    FAIL() << "a bad dtype must throw";
  } catch (const simingest::Error& e) {
    EXPECT_EQ(e.status(), SIMINGEST_ERR_CONFIG);
    EXPECT_STREQ(e.what(), "streams.fields.columns.vx: unknown dtype \"float16\"");
  }
}

TEST_F(HppWrapper, moving_transfers_ownership_and_the_destructor_closes) {
  {
    simingest::Ingestor first(path_, kConfig);
    simingest::Ingestor second(std::move(first));
    EXPECT_FALSE(first.is_open());  // NOLINT(bugprone-use-after-move): the moved-from state is specified
    EXPECT_TRUE(second.is_open());
    try {
      first.flush();
      FAIL() << "a moved-from ingestor must throw";
    } catch (const simingest::Error& e) {
      EXPECT_EQ(e.status(), SIMINGEST_ERR_CLOSED);
    }
    const float vx[6] = {};
    second.ingest("fields", 0, 0.0, {simingest::array("vx", vx, 6), simingest::scalar("n", uint16_t{1})});
  }  // destructor flushes and releases the lock
  simingest::Ingestor reopened(path_, kConfig);
  EXPECT_EQ(json::parse(reopened.stats_json())["framesCommitted"], 0);
  // Move assignment closes the target's own ingestor first, releasing its lock.
  simingest::Ingestor other(dir_ + "/other", kConfig);
  reopened = std::move(other);
  simingest::Ingestor again(path_, kConfig);
  EXPECT_TRUE(again.is_open());
}

TEST_F(HppWrapper, an_appender_packs_values_and_throws_with_the_status_and_message) {
  static_assert(!std::is_copy_constructible_v<simingest::Appender>, "move-only");
  simingest::Ingestor ingestor(path_, kConfig);
  simingest::Appender rows = ingestor.appender("diagnostics");
  EXPECT_EQ(rows.row_bytes(), 12u);  // float64 then int32, packed
  rows.append_values(0, 0.0, 1.5, int32_t{3});
  unsigned char packed[12];
  const double energy = 2.5;
  const int32_t count = 4;
  std::memcpy(packed, &energy, 8);
  std::memcpy(packed + 8, &count, 4);
  rows.append(1, 0.1, packed);
  // Two rows in one call (append_rows): the second is refused, the first taken.
  unsigned char two[24];
  std::memcpy(two, packed, 12);
  const double infinite = std::numeric_limits<double>::infinity();
  std::memcpy(two + 12, &infinite, 8);
  std::memcpy(two + 20, &count, 4);
  const int64_t steps[] = {10, 11};
  const double times[] = {1.0, 1.1};
  EXPECT_EQ(rows.append_rows(1, steps, times, two), 1u);
  try {
    (void)rows.append_rows(1, steps + 1, times + 1, two + 12);
    FAIL() << "expected a throw";
  } catch (const simingest::Error& e) {
    EXPECT_EQ(e.status(), SIMINGEST_ERR_NON_FINITE);
    EXPECT_NE(std::string(e.what()).find("appender: row 0: "), std::string::npos) << e.what();
  }
  try {
    rows.append_values(2, 0.2, std::numeric_limits<double>::infinity(), int32_t{5});
    FAIL() << "expected a throw";
  } catch (const simingest::Error& e) {
    EXPECT_EQ(e.status(), SIMINGEST_ERR_NON_FINITE);
    EXPECT_STREQ(e.what(), "stream \"diagnostics\": appended row at step 2: column \"energy\" is +Infinity but its "
                           "nonFinite policy is \"reject\"");
  }
  try {
    (void)ingestor.appender("fields");
    FAIL() << "expected a throw";
  } catch (const simingest::Error& e) {
    EXPECT_EQ(e.status(), SIMINGEST_ERR_INVALID_ARGUMENT);
  }
  simingest::Appender moved = std::move(rows);
  EXPECT_FALSE(rows.is_open());
  moved.close();
  EXPECT_THROW(moved.append_values(3, 0.3, 1.0, int32_t{1}), simingest::Error);
  ingestor.flush();
  EXPECT_EQ(json::parse(ingestor.stats_json())["streams"]["diagnostics"]["rowsCommitted"], 3);
}

TEST(HppVersion, version_matches_the_header) {
  EXPECT_STREQ(simingest::version(), SIMINGEST_VERSION_STRING);
  EXPECT_STREQ(simingest::status_string(SIMINGEST_ERR_UNKNOWN_STREAM), "unknown stream");
}

}  // namespace

namespace {

static_assert(!std::is_copy_constructible_v<simingest::LoanedFrame>, "move-only");
static_assert(std::is_nothrow_move_constructible_v<simingest::LoanedFrame>, "movable");

// LoanedFrame: typed column buffers over the engine's memory, commit without
// a copy, a handle reused across frames, and misuse as simingest::Error.
TEST_F(HppWrapper, a_loaned_frame_commits_what_was_written_and_reports_misuse) {
  simingest::Ingestor ingestor(path_, kConfig);
  simingest::LoanedFrame frame;
  for (int64_t step = 0; step < 3; ++step) {
    ingestor.begin_frame(frame, "fields", step, step * 0.5);
    EXPECT_TRUE(frame.is_open());
    auto vx = frame.column<float>("vx");
    ASSERT_EQ(vx.size, 6u);
    for (std::size_t i = 0; i < vx.size; ++i) vx[i] = static_cast<float>(step + i);
    auto n = frame.column<uint16_t>("n");
    for (auto& value : n) value = 7;
    frame.commit();
    EXPECT_FALSE(frame.is_open());
  }
  try {
    frame.commit();
    FAIL() << "a second commit must throw";
  } catch (const simingest::Error& e) {
    EXPECT_EQ(e.status(), SIMINGEST_ERR_INVALID_ARGUMENT);
    EXPECT_STREQ(e.what(), "loaned frame (stream \"fields\", step 2): cannot commit: it was already committed");
  }
  {
    simingest::LoanedFrame open = ingestor.begin_frame("fields", 9, 0.0);
    try {
      open.column<double>("vx");
      FAIL() << "a dtype mismatch must throw";
    } catch (const simingest::Error& e) {
      EXPECT_EQ(e.status(), SIMINGEST_ERR_DTYPE_MISMATCH);
    }
    try {
      open.column<float>("vy");
      FAIL() << "an unknown column must throw";
    } catch (const simingest::Error& e) {
      EXPECT_EQ(e.status(), SIMINGEST_ERR_UNKNOWN_COLUMN);
      EXPECT_STREQ(e.what(), "loaned frame (stream \"fields\", step 9): unknown column \"vy\"");
    }
  }  // destroyed open: aborted
  ingestor.flush();
  const json stats = json::parse(ingestor.stats_json());
  EXPECT_EQ(stats["streams"]["fields"]["framesCommitted"], 3);
  EXPECT_EQ(stats["loans"]["committed"], 3);
  EXPECT_EQ(stats["loans"]["aborted"], 1);
  EXPECT_EQ(stats["loans"]["open"], 0);
}

}  // namespace

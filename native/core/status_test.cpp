#include "core/status.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <set>
#include <string>

namespace simingest {
namespace {

constexpr Status kAllStatuses[] = {
    Status::ok,           Status::invalid_argument, Status::config,          Status::unknown_stream,
    Status::unknown_column, Status::missing_column, Status::length_mismatch, Status::dtype_mismatch,
    Status::non_finite,   Status::backpressure,     Status::frame_too_large, Status::schema_conflict,
    Status::io,           Status::closed,           Status::out_of_memory,   Status::dataset_locked,
    Status::would_block,  Status::no_space,         Status::corrupt,         Status::dataset_lost,
    Status::resource_limit, Status::unsafe_layout,  Status::block_mismatch, Status::internal,
};

TEST(Status, describes_statuses_in_plain_english) {
  EXPECT_STREQ(status_string(Status::ok), "ok");
  EXPECT_STREQ(status_string(Status::unknown_stream), "unknown stream");
  EXPECT_STREQ(status_string(Status::config), "invalid configuration");
  EXPECT_STREQ(status_string(Status::internal), "internal error");
}

TEST(Status, gives_every_status_its_own_description) {
  std::set<std::string> seen;
  for (Status status : kAllStatuses) {
    const char* text = status_string(status);
    ASSERT_NE(text, nullptr);
    EXPECT_STRNE(text, "unknown status") << static_cast<int>(status);
    EXPECT_TRUE(seen.insert(text).second) << "duplicate description: " << text;
  }
}

TEST(Status, describes_values_outside_the_enum_as_unknown) {
  EXPECT_STREQ(status_string(static_cast<Status>(24)), "unknown status");
  EXPECT_STREQ(status_string(static_cast<Status>(-1)), "unknown status");
}

TEST(Status, status_values_equal_the_c_abi_values) {
  EXPECT_EQ(static_cast<int>(Status::ok), 0);
  EXPECT_EQ(static_cast<int>(Status::config), 2);
  EXPECT_EQ(static_cast<int>(Status::would_block), 16);
  EXPECT_EQ(static_cast<int>(Status::no_space), 17);
  EXPECT_EQ(static_cast<int>(Status::corrupt), 18);
  EXPECT_EQ(static_cast<int>(Status::dataset_lost), 19);
  EXPECT_EQ(static_cast<int>(Status::resource_limit), 20);
  EXPECT_EQ(static_cast<int>(Status::unsafe_layout), 21);
  EXPECT_EQ(static_cast<int>(Status::busy), 22);
  EXPECT_EQ(static_cast<int>(Status::block_mismatch), 23);
  EXPECT_EQ(static_cast<int>(Status::internal), 99);
}

TEST(Status, error_carries_its_status_and_message) {
  const Error error(Status::schema_conflict, "fields: schema differs");
  EXPECT_EQ(error.status(), Status::schema_conflict);
  EXPECT_STREQ(error.what(), "fields: schema differs");
}

TEST(Status, io_error_appends_the_system_description) {
  const Error error = io_error("open run42/_simingest/lock", ENOENT);
  EXPECT_EQ(error.status(), Status::io);
  EXPECT_STREQ(error.what(), "open run42/_simingest/lock: No such file or directory");
}

}  // namespace
TEST(Status, a_full_file_system_is_its_own_status) {
  EXPECT_EQ(io_error("write /x", ENOSPC).status(), Status::no_space);
  EXPECT_EQ(io_error("write /x", EDQUOT).status(), Status::no_space);
  const Error eio = io_error("fsync /x", EIO);
  EXPECT_EQ(eio.status(), Status::io);
  EXPECT_NE(std::string(eio.what()).find("fsync /x: "), std::string::npos) << eio.what();
}

}  // namespace simingest

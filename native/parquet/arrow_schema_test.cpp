// The ARROW:schema entry's framing and base64. That Arrow reads the message
// (types, nullability, field metadata) is proven by pyarrow, a reader we did
// not write: test/python/test_annotations.py.
#include "parquet/arrow_schema.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

namespace simingest::parquet {
namespace {

TEST(ArrowSchema, base64_matches_the_rfc_4648_test_vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\xff\xfe\x00", 3)), "//4A");
}

TEST(ArrowSchema, message_is_an_encapsulated_flatbuffer_padded_to_eight_bytes) {
  FileSchema schema;
  schema.columns.emplace_back("step", Dtype::int64);
  schema.columns.emplace_back("u", Dtype::float32);
  const std::string message = arrow_schema_message(schema, {{}, {{"unit", "m/s"}}}, {{"simingest.stream", "f"}});
  ASSERT_GE(message.size(), 16u);
  uint32_t continuation = 0;
  int32_t length = 0;
  std::memcpy(&continuation, message.data(), 4);
  std::memcpy(&length, message.data() + 4, 4);
  EXPECT_EQ(continuation, 0xFFFFFFFFu);
  EXPECT_EQ(static_cast<std::size_t>(length), message.size() - 8);
  EXPECT_EQ(length % 8, 0);
  EXPECT_NE(message.find("m/s"), std::string::npos);
}

}  // namespace
}  // namespace simingest::parquet

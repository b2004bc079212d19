#include "parquet/codec.hpp"

#include <gtest/gtest.h>
#include <zstd.h>

namespace simingest::parquet {
namespace {

TEST(ParquetCodec, zstd_output_decompresses_to_the_input) {
  Compressor c(Codec::zstd, 3);
  std::vector<uint8_t> in(10000);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<uint8_t>(i % 251);
  std::vector<uint8_t> out = {0xAB};  // appended to, not overwritten
  const std::size_t n = c.compress(in.data(), in.size(), out);
  ASSERT_EQ(out.size(), 1 + n);
  EXPECT_EQ(out[0], 0xAB);
  EXPECT_LT(n, in.size());
  std::vector<uint8_t> back(in.size());
  ASSERT_EQ(ZSTD_decompress(back.data(), back.size(), out.data() + 1, n), in.size());
  EXPECT_EQ(back, in);
  // The context is reused: a second page compresses the same way.
  std::vector<uint8_t> again;
  c.compress(in.data(), in.size(), again);
  EXPECT_EQ(again, std::vector<uint8_t>(out.begin() + 1, out.end()));
}

TEST(ParquetCodec, none_copies_bytes) {
  Compressor c(Codec::none, 0);
  const uint8_t in[] = {1, 2, 3};
  std::vector<uint8_t> out;
  EXPECT_EQ(c.compress(in, 3, out), 3u);
  EXPECT_EQ(out, (std::vector<uint8_t>{1, 2, 3}));
}

TEST(ParquetCodec, footer_codec_ids) {
  EXPECT_EQ(thrift_codec(Codec::zstd), format::CompressionCodec::zstd);
  EXPECT_EQ(static_cast<int>(thrift_codec(Codec::zstd)), 6);
  EXPECT_EQ(static_cast<int>(thrift_codec(Codec::none)), 0);
}

}  // namespace
}  // namespace simingest::parquet

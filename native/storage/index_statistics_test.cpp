// The time histogram of the index statistics holds for any finite times,
// including spans that overflow a double (-DBL_MAX .. DBL_MAX): the fuzzer
// found a float-to-integer conversion out of range there (UBSan), on the
// commit thread, once stats() computed the index at every commit.
#include <gtest/gtest.h>

#include <cfloat>
#include <numeric>
#include <vector>

#include "storage/index_statistics.hpp"

namespace simingest::storage {
namespace {

ManifestFile file_of(double time_min, double time_max, int64_t frames) {
  ManifestFile file;
  file.stream = "s";
  file.path = "s/f.parquet";
  file.frames = frames;
  file.rows = frames;
  file.row_groups = 1;
  file.time_min = time_min;
  file.time_max = time_max;
  return file;  // no row-group index: frames are spread over the file's range
}

uint64_t total(const std::vector<uint64_t>& bins) { return std::accumulate(bins.begin(), bins.end(), uint64_t{0}); }

TEST(IndexStatistics, a_span_of_every_finite_double_fills_the_first_and_last_bins) {
  const std::vector<ManifestFile> files{file_of(-DBL_MAX, DBL_MAX, 3)};
  const StreamIndexStatistics s = stream_index_statistics(files, "s");
  ASSERT_FALSE(s.time_histogram.empty());
  EXPECT_EQ(total(s.time_histogram), 3u);
  EXPECT_EQ(s.time_histogram.front(), 1u);  // -DBL_MAX
  EXPECT_EQ(s.time_histogram.back(), 1u);   // DBL_MAX
}

TEST(IndexStatistics, extreme_and_tiny_times_count_every_frame_once) {
  const std::vector<ManifestFile> files{file_of(-DBL_MAX, -DBL_MAX, 1), file_of(0, DBL_MIN, 5),
                                        file_of(DBL_MAX, DBL_MAX, 2)};
  const StreamIndexStatistics s = stream_index_statistics(files, "s");
  EXPECT_EQ(total(s.time_histogram), 8u);
  EXPECT_EQ(s.time_histogram.front(), 1u);
  EXPECT_EQ(s.time_histogram.back(), 2u);
}

TEST(IndexStatistics, an_ordinary_range_spreads_frames_evenly) {
  const std::vector<ManifestFile> files{file_of(0, 1, 1001)};
  const StreamIndexStatistics s = stream_index_statistics(files, "s");
  EXPECT_EQ(total(s.time_histogram), 1001u);
  const uint64_t expected = 1001 / s.time_histogram.size();
  for (std::size_t b = 0; b + 1 < s.time_histogram.size(); ++b) EXPECT_NEAR(s.time_histogram[b], expected, 1) << b;
}

}  // namespace
}  // namespace simingest::storage

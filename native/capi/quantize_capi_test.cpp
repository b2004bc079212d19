// Quantised columns through the C ABI: a query of frames still in the
// engine's memory returns the stored (rounded) values, the same the files
// get; the caller's arrays are untouched; stats() reports the error made.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "simingest.h"
#include "support/query_frames.hpp"
#include "support/scratch_directory.hpp"

namespace {

using simingest::query::testing::collect;

// Round to nearest even keeping `bits` mantissa bits, written independently
// of the kernel: scale by the kept unit, nearbyint, scale back.
double rounded(double x, int bits) {
  if (!std::isnormal(x)) return x;
  const double unit = std::ldexp(1.0, std::ilogb(x) - bits);
  const double r = std::nearbyint(x / unit) * unit;
  return std::isinf(r) ? x : r;  // the top of the largest binade stays
}

TEST(QuantizeCapi, queries_of_frames_in_memory_see_the_stored_values) {
  simingest::testing_support::ScratchDirectory dir;
  const char* config = R"({"streams":{"s":{"columns":{
      "v":{"dtype":"float64","quantize":{"mantissaBits":4}},
      "c":{"dtype":"float64","quantize":{"mantissaBits":2}},
      "e":"float64"}}}, "workers": 1})";
  simingest_ingestor* ingestor = nullptr;
  char* error = nullptr;
  ASSERT_EQ(simingest_open(dir.path().c_str(), config, &ingestor, &error), SIMINGEST_OK) << error;

  const std::vector<double> v = {1.0 + 1.0 / 32, 3.3, -1e300, NAN, 0.0, DBL_MAX, 1e-310, -7.77};
  const std::vector<double> v_copy = v;
  const double c = 3.3;
  std::vector<double> e = v;
  e[1] = 3.3000001;
  const simingest_column columns[] = {{"v", SIMINGEST_FLOAT64, v.data(), v.size()},
                                      {"c", SIMINGEST_FLOAT64, &c, SIMINGEST_SCALAR},
                                      {"e", SIMINGEST_FLOAT64, e.data(), e.size()}};
  ASSERT_EQ(simingest_ingest(ingestor, "s", 1, 0.5, columns, 3), SIMINGEST_OK) << simingest_last_error(ingestor);
  EXPECT_EQ(std::memcmp(v.data(), v_copy.data(), v.size() * sizeof(double)), 0) << "the caller's array changed";

  // No flush: the frame is still in the engine.
  simingest_query_spec spec = SIMINGEST_QUERY_SPEC_INIT;
  ArrowArrayStream stream{};
  ASSERT_EQ(simingest_query(ingestor, "s", &spec, &stream), SIMINGEST_OK) << simingest_last_error(ingestor);
  const auto got = collect(stream);
  ASSERT_EQ(got.schema.size(), 5u);
  ASSERT_EQ(got.columns[2].size(), v.size() * sizeof(double));
  for (std::size_t i = 0; i < v.size(); ++i) {
    double stored, want = rounded(v[i], 4);
    std::memcpy(&stored, got.columns[2].data() + i * sizeof(double), sizeof stored);
    EXPECT_EQ(std::memcmp(&stored, &want, sizeof want), 0) << i << ": " << stored << " != " << want;
    std::memcpy(&stored, got.columns[3].data() + i * sizeof(double), sizeof stored);
    EXPECT_EQ(stored, rounded(3.3, 2));  // the scalar, rounded once
    std::memcpy(&stored, got.columns[4].data() + i * sizeof(double), sizeof stored);
    EXPECT_EQ(std::memcmp(&stored, &e[i], sizeof stored), 0) << "an unquantised column changed";
  }
  EXPECT_EQ(rounded(1.0 + 1.0 / 32, 4), 1.0);  // a tie, to even

  char* stats = nullptr;
  ASSERT_EQ(simingest_stats_json(ingestor, &stats), SIMINGEST_OK);
  const auto json = nlohmann::json::parse(stats);
  simingest_free(stats);
  const auto& q = json["streams"]["s"]["quantize"];
  EXPECT_FALSE(q.contains("e"));
  double max_abs = 0;
  for (double x : v)
    if (std::isfinite(x)) max_abs = std::max(max_abs, std::fabs(rounded(x, 4) - x));
  EXPECT_EQ(q["v"]["mode"], "mantissaBits");
  EXPECT_EQ(q["v"]["values"], 7);  // NaN is not counted
  EXPECT_EQ(q["v"]["maxAbsError"].get<double>(), max_abs);
  EXPECT_LE(q["v"]["maxRelError"].get<double>(), std::ldexp(1.0, -5));
  EXPECT_EQ(q["c"]["values"], 8);  // a scalar counts once per row
  EXPECT_EQ(q["c"]["maxAbsError"].get<double>(), std::fabs(rounded(3.3, 2) - 3.3));
  EXPECT_DOUBLE_EQ(q["c"]["rmsError"].get<double>(), std::fabs(rounded(3.3, 2) - 3.3));
  ASSERT_EQ(simingest_close(&ingestor), SIMINGEST_OK);
}

}  // namespace

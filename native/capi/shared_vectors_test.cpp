// The shared bad-input vectors (test/vectors/bad_input.json) through the C
// ABI: the status and message every host must report for them (the Python and
// TypeScript suites run the same file).
#include <gtest/gtest.h>

#include "support/scratch_directory.hpp"

#include <cmath>
#include <cstring>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "simingest.h"

namespace {

// ordered: columns are passed in the order the file lists them, as the other hosts do.
using json = nlohmann::ordered_json;

json load_vectors() {
  std::ifstream in(std::string(SIMINGEST_SOURCE_DIR) + "/test/vectors/bad_input.json");
  return json::parse(in);
}

double number(const json& fill) {
  if (fill.is_number()) return fill.get<double>();
  const std::string text = fill.get<std::string>();
  if (text == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (text == "inf") return std::numeric_limits<double>::infinity();
  if (text == "-inf") return -std::numeric_limits<double>::infinity();
  throw std::runtime_error("bad fill " + text);
}

// The bytes of one column as the vectors describe it; storage outlives the call.
struct ColumnData {
  std::string name;
  simingest_dtype dtype;
  std::vector<unsigned char> bytes;
  size_t length;
};

ColumnData make_column(const std::string& name, const json& spec) {
  ColumnData column{name, SIMINGEST_FLOAT64, {}, 0};
  const std::string dtype = spec.at("dtype");
  const bool scalar = spec.contains("scalar");
  const double value = number(scalar ? spec.at("scalar") : spec.at("fill"));
  const size_t count = scalar ? 1 : spec.at("length").get<size_t>();
  column.length = scalar ? SIMINGEST_SCALAR : count;
  auto fill = [&](auto typed) {
    using T = decltype(typed);
    column.bytes.resize(count * sizeof(T) + 1);
    for (size_t i = 0; i < count; ++i) {
      const T v = static_cast<T>(value);
      std::memcpy(column.bytes.data() + i * sizeof(T), &v, sizeof(T));
    }
  };
  if (dtype == "float32") { column.dtype = SIMINGEST_FLOAT32; fill(float{}); }
  else if (dtype == "float64") { column.dtype = SIMINGEST_FLOAT64; fill(double{}); }
  else if (dtype == "int64") { column.dtype = SIMINGEST_INT64; fill(int64_t{}); }
  else throw std::runtime_error("dtype not used by the vectors yet: " + dtype);
  return column;
}

class SharedVectors : public ::testing::Test {
 protected:
  simingest::testing_support::ScratchDirectory scratch_;
  const std::string& root_ = scratch_.path();
};

TEST_F(SharedVectors, every_bad_frame_gives_the_shared_status_and_message) {
  const json vectors = load_vectors();
  for (const json& c : vectors.at("frames")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const std::string path = root_ + "/" + std::to_string(&c - &vectors.at("frames")[0]);
    simingest_ingestor* ingestor = nullptr;
    ASSERT_EQ(simingest_open(path.c_str(), vectors.at("config").dump().c_str(), &ingestor, nullptr), SIMINGEST_OK);
    std::vector<ColumnData> data;
    for (const auto& [name, spec] : c.at("columns").items()) data.push_back(make_column(name, spec));
    std::vector<simingest_column> columns;
    for (const auto& d : data) columns.push_back({d.name.c_str(), d.dtype, d.bytes.data(), d.length});
    const std::string stream = c.at("stream");
    const simingest_status status = simingest_ingest(ingestor, stream.c_str(), c.at("step").get<int64_t>(),
                                                     c.at("time").get<double>(), columns.data(), columns.size());
    EXPECT_EQ(static_cast<int>(status), c.at("status").get<int>());
    EXPECT_EQ(std::string(simingest_last_error(ingestor)), c.at("message").get<std::string>());
    EXPECT_EQ(simingest_close(&ingestor), SIMINGEST_OK);
  }
}

TEST_F(SharedVectors, every_bad_config_gives_the_shared_status_and_message) {
  const json vectors = load_vectors();
  for (const json& c : vectors.at("configs")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    simingest_ingestor* ingestor = nullptr;
    char* error = nullptr;
    const simingest_status status = simingest_open(root_.c_str(), c.at("config").dump().c_str(), &ingestor, &error);
    EXPECT_EQ(static_cast<int>(status), c.at("status").get<int>());
    ASSERT_NE(error, nullptr);
    const std::string message(error);
    simingest_free(error);
    if (c.contains("message")) {
      EXPECT_EQ(message, c.at("message").get<std::string>());
    } else {
      EXPECT_EQ(message.rfind(c.at("messagePrefix").get<std::string>(), 0), 0u) << message;
    }
    EXPECT_EQ(ingestor, nullptr);
  }
}

}  // namespace

// The saved fuzz corpora (test/fuzz/corpus/<harness>/: seeds, inputs the
// fuzzers found interesting, and every input that once exposed a bug) run
// again through the same harness code in the ordinary build, so the normal
// test suite — and its ASan/UBSan and TSan builds — keep every finding fixed.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <ostream>
#include <string>
#include <vector>

#include "fuzz/harnesses.hpp"

namespace {

namespace fs = std::filesystem;
using simingest::fuzz::Harness;

struct Corpus {
  const char* name;
  Harness harness;
};

std::vector<fs::path> inputs_of(const std::string& name) {
  std::vector<fs::path> files;
  const fs::path dir = fs::path(SIMINGEST_SOURCE_DIR) / "test" / "fuzz" / "corpus" / name;
  if (fs::is_directory(dir))
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.is_regular_file()) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

// Test names and ctest listings show the harness, not the struct's bytes.
void PrintTo(const Corpus& corpus, std::ostream* out) { *out << corpus.name; }

class CorpusReplay : public ::testing::TestWithParam<Corpus> {};

TEST_P(CorpusReplay, EverySavedInputBehaves) {
  const auto files = inputs_of(GetParam().name);
  ASSERT_FALSE(files.empty()) << "no saved inputs for " << GetParam().name;
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_TRUE(in.good() || in.eof()) << "cannot read " << file;
    const std::string finding =
        GetParam().harness(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    EXPECT_EQ(finding, "") << "input " << file.filename();
  }
}

INSTANTIATE_TEST_SUITE_P(Harnesses, CorpusReplay,
                         ::testing::Values(Corpus{"config", simingest::fuzz::config_harness},
                                           Corpus{"ingest", simingest::fuzz::ingest_harness}),
                         [](const ::testing::TestParamInfo<Corpus>& corpus) { return std::string(corpus.param.name); });

// The message check is what turns an unreadable error message into a
// finding; it must be able to say no.
TEST(FuzzMessageCheck, RefusesWhatNoHostCanShow) {
  using simingest::fuzz::check_message;
  EXPECT_EQ(check_message("streams.s.columns: expected an object but received null"), "");
  EXPECT_EQ(check_message("stream \"x\xe2\x80\xa6\": unknown"), "");  // U+2026, as names are cut
  EXPECT_NE(check_message(""), "");
  EXPECT_NE(check_message("line\nbreak"), "");
  EXPECT_NE(check_message("bell\x07"), "");
  EXPECT_NE(check_message("raw byte \xff"), "");
  EXPECT_NE(check_message("overlong \xc0\xaf"), "");
  EXPECT_NE(check_message("surrogate \xed\xa0\x80"), "");
  EXPECT_NE(check_message("cut \xe2\x80"), "");
}

}  // namespace

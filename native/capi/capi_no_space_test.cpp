// A real full disk through the C ABI (issue 6, test 3, C host): the dataset
// lives on a small tmpfs that the ingestor fills. The caller must get
// SIMINGEST_ERR_NO_SPACE, later calls must be refused with it (not hang, not
// crash), simingest_close() must report it, every frame whose flush returned
// must stay readable and exact (pyarrow reads it back, through
// test/enospc/no_space_data.py, which also defines the frames), and nothing
// may leak: descriptors and threads return to their count before the open,
// the tmpfs unmounts (an open descriptor keeps it busy), and under ASan the
// leak checker sees every allocation freed.
//
// Mounting needs CAP_SYS_ADMIN: without it the test skips, saying why.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "simingest.h"
#include "support/deadline.hpp"

namespace {

// The frames of test/enospc/no_space_data.py, bit for bit.
constexpr uint32_t kFullRows = 4096;

uint32_t lowbias32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

void fill_frame(int64_t step, std::size_t rows, std::vector<int64_t>& k, std::vector<double>& x) {
  k.resize(rows);
  x.resize(rows);
  for (std::size_t row = 0; row < rows; ++row) {
    const auto u = static_cast<uint32_t>(static_cast<uint64_t>(step) * kFullRows + row);
    k[row] = lowbias32(u);
    x[row] = lowbias32(u ^ 0x5bd1e995U) / 4294967296.0;
  }
}

const char* const kConfig =
    R"({"streams":{"fill":{"columns":{"k":"int64","x":"float64"},"partition":{"steps":4}}},)"
    R"("rowGroupBytes":65536,"workers":2})";

std::size_t entries(const char* dir) {
  std::size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    (void)entry;
    ++n;
  }
  return n;
}

struct Case {
  const char* name;
  const char* size;     // of the tmpfs
  std::size_t rows;     // per frame
  int flush_every;      // frames
};

// ctest and gtest name a case by this.
void PrintTo(const Case& c, std::ostream* out) { *out << c.name; }

// Large frames fill the disk while a data file is written; one-row-group
// files flushed one by one make the manifest's rewrite find the disk full.
const Case kCases[] = {{"data_file", "1m", kFullRows, 3}, {"manifest", "256k", 16, 1}};

class CapiNoSpace : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "simingest-enospc-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) FAIL() << "mkdtemp: " << std::strerror(errno);
    mountpoint_ = pattern;
    const std::string options = std::string("size=") + GetParam().size + ",mode=0700";
    if (::mount("tmpfs", mountpoint_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
      const int error = errno;
      ::rmdir(mountpoint_.c_str());
      mountpoint_.clear();
      GTEST_SKIP() << "cannot mount a tmpfs here (needs root / CAP_SYS_ADMIN): " << std::strerror(error);
    }
    mounted_ = true;
  }

  void TearDown() override {
    if (mounted_ && ::umount2(mountpoint_.c_str(), 0) != 0) {
      const int error = errno;
      ::umount2(mountpoint_.c_str(), MNT_DETACH);  // unmount all the same
      ADD_FAILURE() << "the tmpfs was still in use after simingest_close() (a leaked descriptor?): "
                    << std::strerror(error);
    }
    if (!mountpoint_.empty()) ::rmdir(mountpoint_.c_str());
  }

  std::string mountpoint_;
  bool mounted_ = false;
};

TEST_P(CapiNoSpace, a_full_disk_is_a_typed_error_and_committed_frames_survive) {
  const Case& c = GetParam();
  const std::string dataset = mountpoint_ + "/run";
  // A first thread makes a sanitizer runtime start its own helper thread
  // (TSan does, lazily) before the count, so only the engine's are compared.
  std::thread([] {}).join();
  const std::size_t fds_before = entries("/proc/self/fd"), threads_before = entries("/proc/self/task");
  simingest_ingestor* ingestor = nullptr;
  char* error = nullptr;
  ASSERT_EQ(simingest_open(dataset.c_str(), kConfig, &ingestor, &error), SIMINGEST_OK) << (error ? error : "");

  std::vector<int64_t> k;
  std::vector<double> x;
  auto ingest = [&](int64_t step) {
    fill_frame(step, c.rows, k, x);
    const simingest_column columns[] = {{"k", SIMINGEST_INT64, k.data(), k.size()},
                                        {"x", SIMINGEST_FLOAT64, x.data(), x.size()}};
    return simingest_ingest(ingestor, "fill", step, static_cast<double>(step), columns, 2);
  };

  constexpr int64_t kMaxSteps = 20000;  // far more than either tmpfs holds
  int64_t committed = -1;               // the last step whose flush returned
  simingest_status failure = SIMINGEST_OK;
  std::string message;
  simingest::testing_support::within(std::chrono::seconds(120), "filling the tmpfs", [&] {
    for (int64_t step = 0; step < kMaxSteps && failure == SIMINGEST_OK; ++step) {
      failure = ingest(step);
      if (failure == SIMINGEST_OK && step % c.flush_every == c.flush_every - 1) {
        failure = simingest_flush(ingestor);
        if (failure == SIMINGEST_OK) committed = step;
      }
      if (failure != SIMINGEST_OK) message = simingest_last_error(ingestor);
    }
    ASSERT_EQ(failure, SIMINGEST_ERR_NO_SPACE) << simingest_status_string(failure) << ": " << message;
    EXPECT_NE(message.find("No space left on device"), std::string::npos) << message;
    ASSERT_GE(committed, 0) << "the disk was full before the first flush: nothing tested";

    // From now on every call is refused, with the same typed error.
    for (int64_t step = kMaxSteps; step < kMaxSteps + 5; ++step) EXPECT_EQ(ingest(step), SIMINGEST_ERR_NO_SPACE);
    EXPECT_EQ(simingest_flush(ingestor), SIMINGEST_ERR_NO_SPACE);
    char* stats = nullptr;
    EXPECT_EQ(simingest_stats_json(ingestor, &stats), SIMINGEST_OK);  // still observable
    simingest_free(stats);
    EXPECT_EQ(simingest_close(&ingestor), SIMINGEST_ERR_NO_SPACE);
    EXPECT_EQ(ingestor, nullptr);
    EXPECT_NE(std::string(simingest_last_error(nullptr)).find("No space left on device"), std::string::npos);
  });
  if (ingestor != nullptr) simingest_close(&ingestor);  // after a failed assertion above
  EXPECT_EQ(entries("/proc/self/fd"), fds_before) << "file descriptors leaked";
  EXPECT_EQ(entries("/proc/self/task"), threads_before) << "engine threads left running";

  // The committed frames, read back by pyarrow.
  const std::string verify = std::string("python3 ") + SIMINGEST_SOURCE_DIR + "/test/enospc/no_space_data.py verify '" +
                             dataset + "' " + std::to_string(committed) + " " + std::to_string(c.rows);
  const int status = std::system(verify.c_str());
  ASSERT_NE(status, -1) << "cannot run " << verify;
  ASSERT_TRUE(WIFEXITED(status)) << verify;
  if (WEXITSTATUS(status) == 77 || WEXITSTATUS(status) == 127)
    GTEST_SKIP() << "the pyarrow read-back did not run (python3 or pyarrow missing); the rest passed";
  EXPECT_EQ(WEXITSTATUS(status), 0) << verify << " found problems (printed above)";
}

INSTANTIATE_TEST_SUITE_P(Cases, CapiNoSpace, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& param) { return std::string(param.param.name); });

}  // namespace

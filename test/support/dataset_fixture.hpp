// A fixture for the storage tests that commit files into a dataset of their
// own: a scratch directory, the dataset's path in it, and files framed like
// Parquet (parquet_framed.hpp), which is all the storage layer checks.
// Test-only.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>

#include "storage/dataset.hpp"
#include "storage/manifest.hpp"
#include "support/parquet_framed.hpp"
#include "support/scratch_directory.hpp"

namespace simingest::testing_support {

class DatasetFixture : public ::testing::Test {
 protected:
  // A pending file of `stream` in `partition`, written and not yet committed.
  static std::unique_ptr<storage::PendingFile> written_file(storage::Dataset& dataset, const std::string& stream,
                                                            int64_t partition = 0) {
    const std::string contents = parquet_framed("frame of " + stream + " in " + std::to_string(partition));
    auto file = dataset.begin_file(stream, partition);
    file->write(contents.data(), contents.size());
    return file;
  }

  // The manifest entry of a file holding one frame of four rows.
  static storage::ManifestFile one_frame_entry() {
    storage::ManifestFile entry;
    entry.rows = 4;
    entry.frames = 1;
    entry.row_groups = 1;
    entry.columns = {{"step", 20, 10}, {"time", 21, 11}, {"vx", 400, 300}};
    return entry;
  }

  ScratchDirectory scratch;
  const std::string root = scratch / "ds";
};

}  // namespace simingest::testing_support

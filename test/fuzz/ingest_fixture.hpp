// What the ingest harness works on: three ingestors, one per backpressure
// policy, each on its own scratch dataset, opened once per process and reused
// by every input (opening per input would cost more than the input); the
// streams they declare, as the harness's own description; and the memory the
// harness's frames point into.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "simingest.h"

namespace simingest::fuzz {

struct ColumnSpec {
  std::string name;
  int dtype;  // a simingest_dtype value
  std::size_t width;
  bool rejects_non_finite;  // float column with nonFinite "reject"
};

struct StreamSpec {
  std::string name;
  std::vector<ColumnSpec> columns;
  uint64_t grid_rows;  // product of the grid, 0 without one
  double time_span;    // partition by time, 0 if not
};

enum class Policy { block, error, drop };

struct IngestorSlot {
  Policy policy;
  std::string config;
  std::string path;  // the current dataset directory
  simingest_ingestor* handle = nullptr;
  unsigned generation = 0;  // datasets opened so far
};

class IngestFixture {
 public:
  // Small enough that a frame of a few hundred KiB does not fit.
  static constexpr uint64_t kMemoryLimit = uint64_t{1} << 20;
  // Frames point into one region: a scratch part the input can write
  // (NaN, Inf, any bytes), then a clean part that holds finite values in every
  // dtype. The clean part is four memory limits long, so a frame whose arrays
  // reach past the region's end cannot fit the budget and must be refused
  // before the engine reads them.
  static constexpr std::size_t kScratchBytes = std::size_t{64} << 10;
  static constexpr std::size_t kCleanBytes = std::size_t{4} << 20;
  static constexpr unsigned char kCleanByte = 0x41;  // 12.07f, 2.26e6 as a double

  // The one fixture of the process, opened on first use; closed, and its
  // scratch directory removed, when the process exits normally.
  static IngestFixture& get();

  const std::vector<StreamSpec>& streams() const { return streams_; }
  std::vector<IngestorSlot>& ingestors() { return ingestors_; }

  unsigned char* region() { return region_.data(); }
  unsigned char* scratch() { return region_.data(); }
  unsigned char* clean() { return region_.data() + kScratchBytes; }
  const unsigned char* region_end() const { return region_.data() + region_.size(); }
  void reset_scratch();

  // Closes the slot's ingestor, deletes its dataset and opens a fresh one:
  // bounds the disk a long run uses, and leaves a failed ingestor behind.
  // Returns "" or what went wrong in opening; *close_status gets the close's.
  std::string recycle(IngestorSlot& slot, simingest_status* close_status);

  IngestFixture(const IngestFixture&) = delete;
  IngestFixture& operator=(const IngestFixture&) = delete;
  ~IngestFixture();

 private:
  IngestFixture();
  std::string open(IngestorSlot& slot);

  std::string root_;
  std::vector<StreamSpec> streams_;
  std::vector<IngestorSlot> ingestors_;
  std::vector<unsigned char> region_;
};

}  // namespace simingest::fuzz

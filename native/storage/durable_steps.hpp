// The last durable step of each stream: the largest step of any frame in a
// committed file (one the manifest lists). What checkpoint() reports, and
// what resumeFromStep compares re-run frames against.
//
// The commit thread updates it whenever the manifest changes; any thread may
// read it. Shared (shared_ptr) so the engine can still answer after the
// Dataset is gone.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "storage/manifest.hpp"

namespace simingest::storage {

class DurableSteps {
 public:
  // Replaces everything with what `files` (the manifest's list) holds.
  void reset(const std::vector<ManifestFile>& files);
  // The stream's last durable step, if it has a committed file.
  std::optional<int64_t> last_step(const std::string& stream) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, int64_t> last_step_;
};

}  // namespace simingest::storage

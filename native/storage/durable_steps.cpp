#include "storage/durable_steps.hpp"

#include <algorithm>

namespace simingest::storage {

void DurableSteps::reset(const std::vector<ManifestFile>& files) {
  std::map<std::string, int64_t> steps;
  for (const ManifestFile& file : files) {
    auto [it, inserted] = steps.emplace(file.stream, file.step_max);
    if (!inserted) it->second = std::max(it->second, file.step_max);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  last_step_.swap(steps);
}

std::optional<int64_t> DurableSteps::last_step(const std::string& stream) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = last_step_.find(stream);
  if (it == last_step_.end()) return std::nullopt;
  return it->second;
}

}  // namespace simingest::storage

// A stream's time-index statistics (storage/index_statistics.hpp) as the
// commit thread last computed them, for stats() on any thread. The manifest
// entries belong to the commit thread alone, so it recomputes the statistics
// from them at open and after each commit of the stream's file, and
// publishes a copy here; stats() then reads the copy, never the manifest.
//
// Lock: `mutex_` guards `statistics_`.
#pragma once

#include <mutex>

#include "storage/index_statistics.hpp"

namespace simingest::pipeline {

class PublishedIndexStatistics {
 public:
  void publish(storage::StreamIndexStatistics statistics) {
    std::lock_guard<std::mutex> lock(mutex_);
    statistics_ = std::move(statistics);
  }

  storage::StreamIndexStatistics get() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return statistics_;
  }

 private:
  mutable std::mutex mutex_;
  storage::StreamIndexStatistics statistics_;
};

}  // namespace simingest::pipeline

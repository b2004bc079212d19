// What a subscription's callback saw (simingest_subscription_callback), for
// the tests of both kinds of subscription: in-process (subscribe_test.cpp)
// and tailing the log on disk (dataset_subscribe_test.cpp). Callbacks touch
// the recorder only under its mutex, and tests wait on its condition
// variable, never on a clock (TSan-clean).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "simingest.h"

namespace simingest::testing_support {

struct Received {
  int64_t step = 0;
  double time = 0;
  uint64_t dropped_before = 0;
  std::vector<double> e;  // column "e" (float64 array)
  int32_t n = 0;          // column "n" (int32 scalar)
  uint16_t u = 0;         // column "u" (uint16 scalar), where the stream has one
  std::string stream;
};

// What one subscription's callback saw. `gate_closed` holds the callback
// inside its first frame until open_gate(): a subscriber that does not read.
class Recorder {
 public:
  static int callback(void* user, const simingest_subscription_frame* frame, simingest_status status,
                      const char* message) {
    auto& self = *static_cast<Recorder*>(user);
    std::unique_lock<std::mutex> lock(self.mutex_);
    if (frame == nullptr) {
      ++self.end_calls_;
      self.end_status_ = status;
      self.end_message_ = message;
      self.changed_.notify_all();
      return 0;
    }
    if (self.ended_calls_after_end()) ++self.calls_after_end_;
    Received got;
    got.stream = frame->stream;
    got.step = frame->step;
    got.time = frame->time;
    got.dropped_before = frame->dropped_before;
    for (size_t j = 0; j < frame->ncolumns; ++j) {
      const simingest_column& c = frame->columns[j];
      if (std::string(c.name) == "e" && c.dtype == SIMINGEST_FLOAT64) {
        const auto* values = static_cast<const double*>(c.data);
        got.e.assign(values, values + c.length);
      } else if (std::string(c.name) == "n" && c.dtype == SIMINGEST_INT32 && c.length == SIMINGEST_SCALAR) {
        got.n = *static_cast<const int32_t*>(c.data);
      } else if (std::string(c.name) == "u" && c.dtype == SIMINGEST_UINT16 && c.length == SIMINGEST_SCALAR) {
        std::memcpy(&got.u, c.data, 2);
      }
    }
    self.frames_.push_back(got);
    self.in_callback_ = true;
    self.changed_.notify_all();
    self.changed_.wait(lock, [&] { return !self.gate_closed_; });
    self.in_callback_ = false;
    if (self.throw_at_ == frame->step) throw std::runtime_error("a host's callback threw");
    if (self.unsubscribe_inside_ != nullptr) {
      self.inside_status_ = simingest_unsubscribe(self.unsubscribe_inside_);
      self.unsubscribe_inside_ = nullptr;
    }
    return frame->step == self.stop_at_ ? 7 : 0;
  }

  void close_gate() {
    std::lock_guard<std::mutex> lock(mutex_);
    gate_closed_ = true;
  }
  void open_gate() {
    std::lock_guard<std::mutex> lock(mutex_);
    gate_closed_ = false;
    changed_.notify_all();
  }
  void wait_in_callback() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return in_callback_; });
  }
  void wait_frames(size_t count) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return frames_.size() >= count; });
  }
  // As wait_frames, but an end call also ends the wait (a tail that ends
  // early fails the test's assertions instead of hanging it).
  void wait_frames_or_end(size_t count) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return frames_.size() >= count || end_calls_ > 0; });
  }
  void wait_end() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return end_calls_ > 0; });
  }
  std::vector<Received> frames() {
    std::lock_guard<std::mutex> lock(mutex_);
    return frames_;
  }
  int end_calls() {
    std::lock_guard<std::mutex> lock(mutex_);
    return end_calls_;
  }
  simingest_status end_status() {
    std::lock_guard<std::mutex> lock(mutex_);
    return end_status_;
  }
  std::string end_message() {
    std::lock_guard<std::mutex> lock(mutex_);
    return end_message_;
  }
  int calls_after_end() {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls_after_end_;
  }

  int64_t stop_at_ = -1;   // the callback returns nonzero at this step
  int64_t throw_at_ = -1;  // the callback throws at this step
  simingest_subscription** unsubscribe_inside_ = nullptr;
  simingest_status inside_status_ = SIMINGEST_OK;

 private:
  bool ended_calls_after_end() const { return end_calls_ > 0; }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Received> frames_;
  bool gate_closed_ = false;
  bool in_callback_ = false;
  int end_calls_ = 0;
  int calls_after_end_ = 0;
  simingest_status end_status_ = SIMINGEST_OK;
  std::string end_message_;
};

}  // namespace simingest::testing_support

// The appender's C ABI (simingest.h "Appender", ADR 0021): the handle, its
// one-thread-at-a-time guard, and its life beyond the ingestor's. The rows
// themselves are pipeline::RowAppender's.
#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "capi_support.hpp"
#include "core/status.hpp"
#include "pipeline/row_appender.hpp"
#include "simingest.h"

struct simingest_appender {
  simingest_ingestor* owner = nullptr;  // nullptr once the ingestor closed
  std::unique_ptr<simingest::pipeline::RowAppender> rows;  // reset when detached
  // Set for the duration of a call: a second thread's call finds it set and
  // returns SIMINGEST_ERR_BUSY without touching anything.
  std::atomic<bool> in_use{false};
};

namespace {

using simingest::Status;
using simingest::capi::LastError;
using simingest::capi::record;

thread_local LastError last_appender_error;

simingest_status fail_appender(const simingest_appender* appender, Status status, std::string message) noexcept {
  return record(last_appender_error, appender, status, std::move(message));
}

// Claims the appender for this call, or says why not (NULL, busy, detached).
class Claim {
 public:
  explicit Claim(simingest_appender* appender) noexcept : appender_(appender) {
    if (appender == nullptr) {
      refused_ = fail_appender(nullptr, Status::invalid_argument, "appender is NULL");
      return;
    }
    if (appender->in_use.exchange(true, std::memory_order_acquire)) {
      appender_ = nullptr;  // not ours to release
      refused_ = fail_appender(appender, Status::busy,
                               "appender: in use by another thread (an appender is for one thread at a time)");
      return;
    }
    if (!appender->rows) refused_ = fail_appender(appender, Status::closed, "appender: the ingestor is closed");
  }
  ~Claim() {
    if (appender_ != nullptr) appender_->in_use.store(false, std::memory_order_release);
  }
  Claim(const Claim&) = delete;
  Claim& operator=(const Claim&) = delete;
  simingest_status refused() const noexcept { return refused_; }

 private:
  simingest_appender* appender_;
  simingest_status refused_ = SIMINGEST_OK;
};

simingest_status flush_rows(simingest_appender* appender) noexcept {
  std::string message;
  const Status status = appender->rows->flush(message);
  if (status == Status::ok) return SIMINGEST_OK;
  return fail_appender(appender, status, std::move(message));
}

}  // namespace

namespace simingest::capi {

simingest_status detach_appenders(simingest_ingestor* handle) noexcept {
  simingest_status first = SIMINGEST_OK;
  std::lock_guard<std::mutex> lock(handle->appenders_mutex);
  for (simingest_appender* appender : handle->appenders) {
    if (appender->rows) {
      std::string message;
      const Status status = appender->rows->flush(message);
      if (status != Status::ok && first == SIMINGEST_OK)
        first = fail(handle, status, "appender: its pending rows at close: " + message);
      appender->rows.reset();
    }
    appender->owner = nullptr;
  }
  handle->appenders.clear();
  return first;
}

}  // namespace simingest::capi

extern "C" {

simingest_status simingest_appender_open(simingest_ingestor* ingestor, const char* stream, simingest_appender** out) {
  using simingest::capi::fail;
  if (const simingest_status refused = simingest::capi::check_usable(ingestor)) return refused;
  if (out == nullptr) return fail(ingestor, Status::invalid_argument, "appender: out is NULL");
  return simingest::capi::guarded(ingestor, [&] {
    Status status = Status::ok;
    std::string message;
    auto rows = ingestor->engine->open_appender(stream, status, message);
    if (!rows) return fail(ingestor, status, std::move(message));
    auto appender = std::make_unique<simingest_appender>();
    appender->owner = ingestor;
    appender->rows = std::move(rows);
    {
      std::lock_guard<std::mutex> lock(ingestor->appenders_mutex);
      ingestor->appenders.push_back(appender.get());
    }
    *out = appender.release();
    return SIMINGEST_OK;
  });
}

simingest_status simingest_appender_row_bytes(const simingest_appender* appender, size_t* out_bytes) {
  if (appender == nullptr) return fail_appender(nullptr, Status::invalid_argument, "appender is NULL");
  if (out_bytes == nullptr) return fail_appender(appender, Status::invalid_argument, "appender: out_bytes is NULL");
  if (!appender->rows) return fail_appender(appender, Status::closed, "appender: the ingestor is closed");
  *out_bytes = appender->rows->row_bytes();
  return SIMINGEST_OK;
}

simingest_status simingest_appender_append_row(simingest_appender* appender, int64_t step, double time,
                                               const void* values) {
  const Claim claim(appender);
  if (claim.refused() != SIMINGEST_OK) return claim.refused();
  if (values == nullptr) return fail_appender(appender, Status::invalid_argument, "appender: values is NULL");
  std::string message;  // empty: no allocation unless a failure writes it
  const Status status = appender->rows->append(step, time, values, message);
  if (status == Status::ok) return SIMINGEST_OK;
  return fail_appender(appender, status, std::move(message));
}

simingest_status simingest_appender_append_rows(simingest_appender* appender, size_t rows, const int64_t* steps,
                                                const double* times, const void* values, size_t* out_appended) {
  if (out_appended != nullptr) *out_appended = 0;
  const Claim claim(appender);
  if (claim.refused() != SIMINGEST_OK) return claim.refused();
  if (rows == 0) return SIMINGEST_OK;
  if (steps == nullptr || times == nullptr || values == nullptr)
    return fail_appender(appender, Status::invalid_argument, "appender: steps, times or values is NULL");
  // One claim for every row: the per-row work is exactly append_row()'s.
  const auto* row = static_cast<const unsigned char*>(values);
  const std::size_t row_bytes = appender->rows->row_bytes();
  std::string message;
  for (size_t i = 0; i < rows; ++i, row += row_bytes) {
    const Status status = appender->rows->append(steps[i], times[i], row, message);
    if (status != Status::ok) {
      if (out_appended != nullptr) *out_appended = i;  // the rows before it are in
      return fail_appender(appender, status, "appender: row " + std::to_string(i) + ": " + message);
    }
  }
  if (out_appended != nullptr) *out_appended = rows;
  return SIMINGEST_OK;
}

simingest_status simingest_appender_flush(simingest_appender* appender) {
  const Claim claim(appender);
  if (claim.refused() != SIMINGEST_OK) return claim.refused();
  return flush_rows(appender);
}

simingest_status simingest_appender_close(simingest_appender** appender) {
  if (appender == nullptr || *appender == nullptr) return SIMINGEST_OK;
  simingest_appender* handle = *appender;
  simingest_status status = SIMINGEST_OK;
  {
    const Claim claim(handle);
    if (claim.refused() == SIMINGEST_ERR_BUSY) return claim.refused();  // another thread's call: leave it be
    *appender = nullptr;
    if (handle->rows) {
      status = flush_rows(handle);
      if (status != SIMINGEST_OK) record(last_appender_error, nullptr, static_cast<Status>(status),
                                         last_appender_error.message);
      handle->rows.reset();
    }
    if (handle->owner != nullptr) {
      std::lock_guard<std::mutex> lock(handle->owner->appenders_mutex);
      auto& list = handle->owner->appenders;
      list.erase(std::remove(list.begin(), list.end(), handle), list.end());
    }
  }
  delete handle;
  return status;
}

const char* simingest_appender_last_error(const simingest_appender* /*appender*/) {
  return last_appender_error.message.c_str();
}

}  // extern "C"

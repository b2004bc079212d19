// What every file of the C ABI shares: the ingestor handle, the per-thread
// last-error records, and the exception firewall (guarded) that turns every
// exception into a status and a message. Internal to capi/.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <mutex>
#include <thread>
#include <vector>

#include "core/status.hpp"
#include "pipeline/engine.hpp"
#include "simingest.h"

struct simingest_ingestor {
  std::unique_ptr<simingest::Engine> engine;
  // The appenders open on it (appender_capi.cpp): closing the ingestor hands
  // their pending rows to the engine and detaches them, before the engine
  // closes. The mutex guards the list only.
  std::mutex appenders_mutex;
  std::vector<simingest_appender*> appenders;
  // Set by simingest_close_async(): every call but simingest_close is refused.
  std::atomic<bool> closing{false};
  // simingest_close_async()'s thread: closes the engine, then calls back.
  // Joined by simingest_close().
  std::thread closer;
};

namespace simingest::capi {

// The last failure of this thread, and the handle it concerned. Ingestors
// and datasets keep separate records: simingest_last_error() is promised to
// stay valid until the thread's next call on an ingestor.
struct LastError {
  const void* handle = nullptr;
  std::string message;
};
inline thread_local LastError last_error;
inline thread_local LastError last_dataset_error;

inline simingest_status record(LastError& where, const void* handle, Status status, std::string message) noexcept {
  try {
    where.handle = handle;
    where.message = std::move(message);
  } catch (...) {
    where.message.clear();
  }
  return static_cast<simingest_status>(status);
}

inline simingest_status fail(const simingest_ingestor* handle, Status status, std::string message) noexcept {
  return record(last_error, handle, status, std::move(message));
}
inline simingest_status fail(std::nullptr_t, Status status, std::string message) noexcept {
  return record(last_error, nullptr, status, std::move(message));
}
inline simingest_status fail(const simingest_dataset* handle, Status status, std::string message) noexcept {
  return record(last_dataset_error, handle, status, std::move(message));
}

inline simingest_status succeed() noexcept { return SIMINGEST_OK; }

// Both kinds of subscription (simingest_subscribe, simingest_dataset_subscribe)
// refuse options whose struct_size is not this library's, in these words.
inline std::string subscribe_options_size_message(std::size_t given) {
  return "subscribe: options.struct_size is " + std::to_string(given) +
         " but this library's simingest_subscribe_options is " + std::to_string(sizeof(simingest_subscribe_options)) +
         " bytes (start from SIMINGEST_SUBSCRIBE_OPTIONS_INIT)";
}

inline char* copy_string(const std::string& text) noexcept {
  char* out = static_cast<char*>(std::malloc(text.size() + 1));
  if (out != nullptr) std::memcpy(out, text.c_str(), text.size() + 1);
  return out;
}

// Runs `body`, turning any exception into a status and a message recorded
// for `handle` (an ingestor, a dataset or nullptr).
template <typename Handle, typename Body>
simingest_status guarded(Handle handle, Body&& body) noexcept {
  try {
    return body();
  } catch (const Error& e) {
    return fail(handle, e.status(), e.what());
  } catch (const std::bad_alloc&) {
    return fail(handle, Status::out_of_memory, "out of memory");
  } catch (const std::exception& e) {
    return fail(handle, Status::internal, std::string("internal error: ") + e.what());
  } catch (...) {
    return fail(handle, Status::internal, "internal error: unknown exception");
  }
}

// Hands every open appender's pending rows to the engine and detaches it
// (appender_capi.cpp); called by both closes before the engine closes. The
// first hand-off failure is returned (message recorded for the ingestor on
// this thread); SIMINGEST_OK otherwise.
simingest_status detach_appenders(simingest_ingestor* handle) noexcept;

// NULL, or closing since simingest_close_async(): the failure to return, else OK.
inline simingest_status check_usable(simingest_ingestor* handle) noexcept {
  if (handle == nullptr || !handle->engine) return fail(handle, Status::invalid_argument, "ingestor is NULL");
  if (handle->closing.load(std::memory_order_acquire)) return fail(handle, Status::closed, "the ingestor is closed");
  return SIMINGEST_OK;
}

}  // namespace simingest::capi

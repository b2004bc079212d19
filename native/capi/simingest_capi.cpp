// The C ABI: argument checks, exception firewall, per-thread error messages.
// Every entry point catches everything; no C++ exception leaves this file.
// The query functions are in query_capi.cpp.
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <thread>

#include "capi_support.hpp"
#include "core/status.hpp"
#include "pipeline/engine.hpp"
#include "pipeline/thread_start.hpp"
#include "storage/inspect_report.hpp"
#include "storage/verify_report.hpp"
#include "simingest.h"

namespace {

using simingest::Status;
using simingest::capi::check_usable;
using simingest::capi::copy_string;
using simingest::capi::fail;
using simingest::capi::guarded;
using simingest::capi::last_error;
using simingest::capi::succeed;

simingest_status ingest(simingest_ingestor* handle, const char* stream, int64_t step, double time,
                        const simingest_column* columns, size_t ncolumns, bool nowait) noexcept {
  if (const simingest_status refused = check_usable(handle)) return refused;
  return guarded(handle, [&] {
    std::string message;
    const Status status = handle->engine->ingest(stream, step, time, columns, ncolumns, nowait, message);
    if (status == Status::ok) return succeed();
    if (status == Status::would_block) return static_cast<simingest_status>(status);
    return fail(handle, status, std::move(message));
  });
}

// A read-only report on the dataset at `path` (inspect, verify): one shape of
// arguments, errors and ownership for both.
template <class Report>
simingest_status dataset_report(const char* path, char** out_json, char** out_error, Report report_json) {
  if (out_json != nullptr) *out_json = nullptr;
  if (out_error != nullptr) *out_error = nullptr;
  auto report = [&](simingest_status status) {
    if (out_error != nullptr) *out_error = copy_string(last_error.message);
    return status;
  };
  if (out_json == nullptr) return report(fail(nullptr, Status::invalid_argument, "out_json is NULL"));
  if (path == nullptr) return report(fail(nullptr, Status::invalid_argument, "path is NULL"));
  if (path[0] == '\0') return report(fail(nullptr, Status::invalid_argument, "path is empty"));
  const simingest_status status = guarded(nullptr, [&] {
    char* text = copy_string(report_json(path));
    if (text == nullptr) return fail(nullptr, Status::out_of_memory, "out of memory");
    *out_json = text;
    return succeed();
  });
  return status == SIMINGEST_OK ? status : report(status);
}

}  // namespace

extern "C" {

const char* simingest_version(void) { return SIMINGEST_VERSION_STRING; }

unsigned simingest_version_number(void) { return SIMINGEST_VERSION_NUMBER; }

const char* simingest_status_string(simingest_status status) {
  return simingest::status_string(static_cast<Status>(status));
}

simingest_status simingest_open(const char* path, const char* config_json, simingest_ingestor** out,
                                char** out_error) {
  if (out != nullptr) *out = nullptr;
  if (out_error != nullptr) *out_error = nullptr;
  auto report = [&](simingest_status status) {
    if (out_error != nullptr) *out_error = copy_string(last_error.message);
    return status;
  };
  if (out == nullptr) return report(fail(nullptr, Status::invalid_argument, "out is NULL"));
  if (path == nullptr) return report(fail(nullptr, Status::invalid_argument, "path is NULL"));
  if (config_json == nullptr) return report(fail(nullptr, Status::invalid_argument, "config_json is NULL"));
  if (path[0] == '\0') return report(fail(nullptr, Status::invalid_argument, "path is empty"));
  const simingest_status status = guarded(nullptr, [&] {
    auto handle = std::make_unique<simingest_ingestor>();
    handle->engine = simingest::Engine::open(path, config_json);
    *out = handle.release();
    return succeed();
  });
  return status == SIMINGEST_OK ? status : report(status);
}

simingest_status simingest_ingest(simingest_ingestor* ingestor, const char* stream, int64_t step, double time,
                                  const simingest_column* columns, size_t ncolumns) {
  return ingest(ingestor, stream, step, time, columns, ncolumns, false);
}

simingest_status simingest_ingest_nowait(simingest_ingestor* ingestor, const char* stream, int64_t step,
                                         double time, const simingest_column* columns, size_t ncolumns) {
  return ingest(ingestor, stream, step, time, columns, ncolumns, true);
}

simingest_status simingest_notify_room(simingest_ingestor* ingestor, size_t bytes,
                                       simingest_room_callback callback, void* user_data) {
  if (const simingest_status refused = check_usable(ingestor)) return refused;
  if (callback == nullptr) return fail(ingestor, Status::invalid_argument, "callback is NULL");
  ingestor->engine->notify_room(bytes, callback, user_data);
  return succeed();
}

simingest_status simingest_flush(simingest_ingestor* ingestor) {
  if (const simingest_status refused = check_usable(ingestor)) return refused;
  return guarded(ingestor, [&] {
    ingestor->engine->flush();
    return succeed();
  });
}

simingest_status simingest_flush_async(simingest_ingestor* ingestor, simingest_completion_callback callback,
                                       void* user_data) {
  if (const simingest_status refused = check_usable(ingestor)) return refused;
  if (callback == nullptr) return fail(ingestor, Status::invalid_argument, "callback is NULL");
  std::string message;
  const Status status = ingestor->engine->flush_async(callback, user_data, message);
  if (status == Status::ok) return succeed();
  return fail(ingestor, status, std::move(message));
}

simingest_status simingest_close_async(simingest_ingestor* ingestor, simingest_completion_callback callback,
                                       void* user_data) {
  if (const simingest_status refused = check_usable(ingestor)) return refused;
  if (callback == nullptr) return fail(ingestor, Status::invalid_argument, "callback is NULL");
  ingestor->closing.store(true, std::memory_order_release);
  const simingest_status status = guarded(ingestor, [&] {
    ingestor->closer = simingest::pipeline::start_thread("the closing thread", "si-close", [ingestor, callback, user_data] {
      const simingest_status detached = simingest::capi::detach_appenders(ingestor);
      simingest_status closed = guarded(nullptr, [ingestor] {
        ingestor->engine->close();
        return succeed();
      });
      if (closed == SIMINGEST_OK && detached != SIMINGEST_OK)
        closed = fail(nullptr, static_cast<Status>(detached), last_error.message);
      // last_error is this thread's own, set by guarded() just above.
      callback(user_data, closed, closed == SIMINGEST_OK ? "" : last_error.message.c_str());
      // Nothing here may touch `ingestor`: simingest_close() may free it now.
    });
    return succeed();
  });
  if (status != SIMINGEST_OK) ingestor->closing.store(false, std::memory_order_release);  // nothing started
  return status;
}

simingest_status simingest_close(simingest_ingestor** ingestor) {
  if (ingestor == nullptr || *ingestor == nullptr) return SIMINGEST_OK;
  simingest_ingestor* handle = *ingestor;
  *ingestor = nullptr;
  if (handle->closer.joinable()) {
    // From the close callback itself (which it must not do) a join would
    // deadlock: the thread ends on its own as the callback returns.
    if (handle->closer.get_id() == std::this_thread::get_id()) {
      handle->closer.detach();
    } else {
      handle->closer.join();
    }
  }
  const simingest_status detached = simingest::capi::detach_appenders(handle);
  std::string detach_message = detached == SIMINGEST_OK ? std::string() : last_error.message;
  simingest_status status = guarded(nullptr, [&] {
    handle->engine->close();
    return succeed();
  });
  // Rows an appender still held that the engine refused are this close's failure.
  if (status == SIMINGEST_OK && detached != SIMINGEST_OK)
    status = fail(nullptr, static_cast<Status>(detached), std::move(detach_message));
  try {
    delete handle;
  } catch (...) {
  }
  return status;
}

simingest_status simingest_stats_json(simingest_ingestor* ingestor, char** out_json) {
  if (const simingest_status refused = check_usable(ingestor)) return refused;
  if (out_json == nullptr) return fail(ingestor, Status::invalid_argument, "out_json is NULL");
  return guarded(ingestor, [&] {
    char* text = copy_string(ingestor->engine->stats_json());
    if (text == nullptr) return fail(ingestor, Status::out_of_memory, "out of memory");
    *out_json = text;
    return succeed();
  });
}

simingest_status simingest_checkpoint(simingest_ingestor* ingestor, char** out_json) {
  if (const simingest_status refused = check_usable(ingestor)) return refused;
  if (out_json == nullptr) return fail(ingestor, Status::invalid_argument, "out_json is NULL");
  return guarded(ingestor, [&] {
    char* text = copy_string(ingestor->engine->checkpoint_json());
    if (text == nullptr) return fail(ingestor, Status::out_of_memory, "out of memory");
    *out_json = text;
    return succeed();
  });
}

simingest_status simingest_inspect_json(const char* path, char** out_json, char** out_error) {
  return dataset_report(path, out_json, out_error,
                        [](const char* root) { return simingest::storage::inspect_report_json(root); });
}

simingest_status simingest_verify_json(const char* path, char** out_json, char** out_error) {
  return dataset_report(path, out_json, out_error,
                        [](const char* root) { return simingest::storage::verify_report_json(root); });
}

const char* simingest_last_error(const simingest_ingestor* ingestor) {
  if (last_error.handle != ingestor) return "";
  return last_error.message.c_str();
}

void simingest_free(void* pointer) { std::free(pointer); }

}  // extern "C"

// The C ABI: argument checks, exception firewall, per-thread error messages.
// Every entry point catches everything; no C++ exception leaves this file.
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "core/status.hpp"
#include "pipeline/engine.hpp"
#include "storage/inspect_report.hpp"
#include "simingest.h"

struct simingest_ingestor {
  std::unique_ptr<simingest::Engine> engine;
};

namespace {

using simingest::Status;

// The last failure of this thread, and the handle it concerned.
struct LastError {
  const simingest_ingestor* handle = nullptr;
  std::string message;
};
thread_local LastError last_error;

simingest_status fail(const simingest_ingestor* handle, Status status, std::string message) noexcept {
  try {
    last_error.handle = handle;
    last_error.message = std::move(message);
  } catch (...) {
    last_error.message.clear();
  }
  return static_cast<simingest_status>(status);
}

simingest_status succeed() noexcept { return SIMINGEST_OK; }

char* copy_string(const std::string& text) noexcept {
  char* out = static_cast<char*>(std::malloc(text.size() + 1));
  if (out != nullptr) std::memcpy(out, text.c_str(), text.size() + 1);
  return out;
}

// Runs `body`, turning any exception into a status and a message.
template <typename Body>
simingest_status guarded(const simingest_ingestor* handle, Body&& body) noexcept {
  try {
    return body();
  } catch (const simingest::Error& e) {
    return fail(handle, e.status(), e.what());
  } catch (const std::bad_alloc&) {
    return fail(handle, Status::out_of_memory, "out of memory");
  } catch (const std::exception& e) {
    return fail(handle, Status::internal, std::string("internal error: ") + e.what());
  } catch (...) {
    return fail(handle, Status::internal, "internal error: unknown exception");
  }
}

simingest_status ingest(simingest_ingestor* handle, const char* stream, int64_t step, double time,
                        const simingest_column* columns, size_t ncolumns, bool nowait) noexcept {
  if (handle == nullptr || !handle->engine) return fail(handle, Status::invalid_argument, "ingestor is NULL");
  return guarded(handle, [&] {
    std::string message;
    const Status status = handle->engine->ingest(stream, step, time, columns, ncolumns, nowait, message);
    if (status == Status::ok) return succeed();
    if (status == Status::would_block) return static_cast<simingest_status>(status);
    return fail(handle, status, std::move(message));
  });
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
  if (ingestor == nullptr || !ingestor->engine) return fail(ingestor, Status::invalid_argument, "ingestor is NULL");
  if (callback == nullptr) return fail(ingestor, Status::invalid_argument, "callback is NULL");
  ingestor->engine->notify_room(bytes, callback, user_data);
  return succeed();
}

simingest_status simingest_flush(simingest_ingestor* ingestor) {
  if (ingestor == nullptr || !ingestor->engine) return fail(ingestor, Status::invalid_argument, "ingestor is NULL");
  return guarded(ingestor, [&] {
    ingestor->engine->flush();
    return succeed();
  });
}

simingest_status simingest_close(simingest_ingestor** ingestor) {
  if (ingestor == nullptr || *ingestor == nullptr) return SIMINGEST_OK;
  simingest_ingestor* handle = *ingestor;
  *ingestor = nullptr;
  const simingest_status status = guarded(nullptr, [&] {
    handle->engine->close();
    return succeed();
  });
  try {
    delete handle;
  } catch (...) {
  }
  return status;
}

simingest_status simingest_stats_json(simingest_ingestor* ingestor, char** out_json) {
  if (ingestor == nullptr || !ingestor->engine) return fail(ingestor, Status::invalid_argument, "ingestor is NULL");
  if (out_json == nullptr) return fail(ingestor, Status::invalid_argument, "out_json is NULL");
  return guarded(ingestor, [&] {
    char* text = copy_string(ingestor->engine->stats_json());
    if (text == nullptr) return fail(ingestor, Status::out_of_memory, "out of memory");
    *out_json = text;
    return succeed();
  });
}

simingest_status simingest_checkpoint(simingest_ingestor* ingestor, char** out_json) {
  if (ingestor == nullptr || !ingestor->engine) return fail(ingestor, Status::invalid_argument, "ingestor is NULL");
  if (out_json == nullptr) return fail(ingestor, Status::invalid_argument, "out_json is NULL");
  return guarded(ingestor, [&] {
    char* text = copy_string(ingestor->engine->checkpoint_json());
    if (text == nullptr) return fail(ingestor, Status::out_of_memory, "out of memory");
    *out_json = text;
    return succeed();
  });
}

simingest_status simingest_inspect_json(const char* path, char** out_json, char** out_error) {
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
    char* text = copy_string(simingest::storage::inspect_report_json(path));
    if (text == nullptr) return fail(nullptr, Status::out_of_memory, "out of memory");
    *out_json = text;
    return succeed();
  });
  return status == SIMINGEST_OK ? status : report(status);
}

const char* simingest_last_error(const simingest_ingestor* ingestor) {
  if (last_error.handle != ingestor) return "";
  return last_error.message.c_str();
}

void simingest_free(void* pointer) { std::free(pointer); }

}  // extern "C"

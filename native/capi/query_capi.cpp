// The query half of the C ABI: simingest_query (an ingestor's snapshot, the
// engine's job), the read-only dataset handle and simingest_query_stream_status.
// Argument checks and the exception firewall as in simingest_capi.cpp; one
// conversion of simingest_query_spec serves both query functions.
#include <cmath>
#include <memory>
#include <string>

#include "capi_support.hpp"
#include "dataset_handle.hpp"
#include "core/status.hpp"
#include "pipeline/engine.hpp"
#include "query/dataset_reader.hpp"
#include "query/query_spec.hpp"
#include "query/query_stream.hpp"
#include "simingest.h"

namespace {

using simingest::Error;
using simingest::Status;
using simingest::capi::check_usable;
using simingest::capi::copy_string;
using simingest::capi::fail;
using simingest::capi::guarded;
using simingest::capi::last_dataset_error;
using simingest::capi::succeed;
using simingest::query::QuerySpec;

constexpr uint32_t kKnownFlags = SIMINGEST_QUERY_BATCH_PER_FRAME | SIMINGEST_QUERY_ASSEMBLE;

// The C spec as a QuerySpec. Checks what the struct alone can show (size,
// NULLs, flags); ranges and columns are checked against the stream by
// query::resolve_query, the same for the engine and a dataset. Throws
// Error(invalid_argument) naming the field.
QuerySpec convert_spec(const simingest_query_spec* spec) {
  if (spec == nullptr) throw Error(Status::invalid_argument, "query: spec is NULL");
  if (spec->struct_size != sizeof(simingest_query_spec))
    throw Error(Status::invalid_argument,
                "query: spec.struct_size is " + std::to_string(spec->struct_size) + " but this library's " +
                    "simingest_query_spec has " + std::to_string(sizeof(simingest_query_spec)) +
                    " bytes: start from SIMINGEST_QUERY_SPEC_INIT and build against this simingest.h");
  QuerySpec out;
  if (spec->columns != nullptr) {
    out.columns.emplace();
    for (size_t i = 0; i < spec->ncolumns; ++i) {
      if (spec->columns[i] == nullptr)
        throw Error(Status::invalid_argument, "query: spec.columns[" + std::to_string(i) + "] is NULL");
      out.columns->emplace_back(spec->columns[i]);
    }
  } else if (spec->ncolumns != 0) {
    throw Error(Status::invalid_argument, "query: spec.columns is NULL but spec.ncolumns is " +
                                              std::to_string(spec->ncolumns) + " (NULL with 0 means every column)");
  }
  if (spec->has_steps) out.steps = simingest::query::StepRange{spec->step_from, spec->step_to};
  if (spec->has_time) out.time = simingest::query::TimeRange{spec->time_from, spec->time_to};
  out.every = spec->every;
  if ((spec->flags & ~kKnownFlags) != 0)
    throw Error(Status::invalid_argument, "query: spec.flags has unknown bits " + std::to_string(spec->flags & ~kKnownFlags));
  out.batch_per_frame = (spec->flags & SIMINGEST_QUERY_BATCH_PER_FRAME) != 0;
  out.assemble = (spec->flags & SIMINGEST_QUERY_ASSEMBLE) != 0;
  out.memory_limit = spec->memory_limit;
  return out;
}

}  // namespace

extern "C" {

simingest_status simingest_query(simingest_ingestor* ingestor, const char* stream, const simingest_query_spec* spec,
                                 struct ArrowArrayStream* out) {
  if (const simingest_status refused = check_usable(ingestor)) return refused;
  if (stream == nullptr) return fail(ingestor, Status::invalid_argument, "query: stream is NULL");
  if (out == nullptr) return fail(ingestor, Status::invalid_argument, "query: out is NULL");
  return guarded(ingestor, [&] {
    const QuerySpec converted = convert_spec(spec);
    std::string message;
    const Status status = ingestor->engine->query(stream, converted, out, message);
    if (status != Status::ok) return fail(ingestor, status, message);
    return SIMINGEST_OK;
  });
}

simingest_status simingest_query_stream_status(struct ArrowArrayStream* stream) {
  return static_cast<simingest_status>(simingest::query::query_stream_status(stream));
}

simingest_status simingest_dataset_open(const char* path, simingest_dataset** out, char** out_error) {
  if (out != nullptr) *out = nullptr;
  if (out_error != nullptr) *out_error = nullptr;
  const simingest_dataset* none = nullptr;
  auto report = [&](simingest_status status) {
    if (out_error != nullptr) *out_error = copy_string(last_dataset_error.message);
    return status;
  };
  if (out == nullptr) return report(fail(none, Status::invalid_argument, "out is NULL"));
  if (path == nullptr) return report(fail(none, Status::invalid_argument, "path is NULL"));
  if (path[0] == '\0') return report(fail(none, Status::invalid_argument, "path is empty"));
  const simingest_status status = guarded(none, [&] {
    auto handle = std::make_unique<simingest_dataset>();
    handle->reader = std::make_unique<simingest::query::DatasetReader>(path);
    *out = handle.release();
    return succeed();
  });
  return status == SIMINGEST_OK ? status : report(status);
}

simingest_status simingest_dataset_query(simingest_dataset* dataset, const char* stream,
                                         const simingest_query_spec* spec, struct ArrowArrayStream* out) {
  if (dataset == nullptr) return fail(dataset, Status::invalid_argument, "dataset is NULL");
  if (stream == nullptr) return fail(dataset, Status::invalid_argument, "query: stream is NULL");
  if (out == nullptr) return fail(dataset, Status::invalid_argument, "query: out is NULL");
  return guarded(dataset, [&] {
    dataset->reader->query(stream, convert_spec(spec), out);
    return succeed();
  });
}

simingest_status simingest_dataset_streams_json(simingest_dataset* dataset, char** out_json) {
  if (dataset == nullptr) return fail(dataset, Status::invalid_argument, "dataset is NULL");
  if (out_json == nullptr) return fail(dataset, Status::invalid_argument, "out_json is NULL");
  return guarded(dataset, [&] {
    char* text = copy_string(dataset->reader->streams_json());
    if (text == nullptr) return fail(dataset, Status::out_of_memory, "out of memory");
    *out_json = text;
    return succeed();
  });
}

const char* simingest_dataset_last_error(const simingest_dataset* dataset) {
  if (last_dataset_error.handle != dataset) return "";
  return last_dataset_error.message.c_str();
}

void simingest_dataset_close(simingest_dataset** dataset) {
  if (dataset == nullptr || *dataset == nullptr) return;
  delete *dataset;
  *dataset = nullptr;
}

}  // extern "C"

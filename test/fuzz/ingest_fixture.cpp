#include "fuzz/ingest_fixture.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace simingest::fuzz {

namespace {

namespace fs = std::filesystem;

// Where the scratch datasets go: $SIMINGEST_FUZZ_DIR, else /dev/shm (a commit
// fsyncs; on tmpfs that costs nothing), else the temp directory.
std::string make_scratch_root() {
  fs::path parent;
  if (const char* dir = std::getenv("SIMINGEST_FUZZ_DIR"); dir != nullptr && dir[0] != '\0') {
    parent = dir;
    fs::create_directories(parent);
  } else if (::access("/dev/shm", W_OK) == 0) {
    parent = "/dev/shm";
  } else {
    parent = fs::temp_directory_path();
  }
  std::string pattern = (parent / "simingest-fuzz-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp " + pattern + " failed");
  return pattern;
}

ColumnSpec column(std::string name, simingest_dtype dtype, bool rejects_non_finite = false) {
  static constexpr std::size_t kWidth[] = {0, 4, 8, 1, 2, 4, 8, 1, 2, 4, 8};
  return ColumnSpec{std::move(name), dtype, kWidth[dtype], rejects_non_finite};
}

// Every dtype, every encoding, both non-finite policies, a grid, both kinds
// of partition, and a stream wider than the engine's 128 column slots on the stack.
std::vector<StreamSpec> make_streams() {
  std::vector<StreamSpec> streams;
  streams.push_back({"grid",
                     {column("u", SIMINGEST_FLOAT32, true), column("v", SIMINGEST_FLOAT64),
                      column("k", SIMINGEST_INT8)},
                     12,
                     0});
  streams.push_back({"table",
                     {column("a", SIMINGEST_INT16), column("b", SIMINGEST_UINT64),
                      column("c", SIMINGEST_FLOAT64, true), column("d", SIMINGEST_INT32),
                      column("e", SIMINGEST_UINT8), column("f", SIMINGEST_UINT16),
                      column("g", SIMINGEST_UINT32), column("h", SIMINGEST_INT64),
                      column("i", SIMINGEST_FLOAT32)},
                     0,
                     2.5});
  streams.push_back({"one", {column("x", SIMINGEST_FLOAT64)}, 0, 0});
  StreamSpec wide{"wide", {}, 0, 0};
  for (int i = 0; i < 130; ++i)
    wide.columns.push_back(column("w" + std::to_string(i), i % 2 ? SIMINGEST_FLOAT32 : SIMINGEST_INT8));
  streams.push_back(std::move(wide));
  return streams;
}

// The configuration text of make_streams(), written by hand so that the
// harness's picture of the streams does not come from the engine's parser.
std::string make_config(Policy policy) {
  static const char* kDtype[] = {"",      "float32", "float64", "int8",   "int16", "int32",
                                 "int64", "uint8",   "uint16",  "uint32", "uint64"};
  std::string streams;
  for (const StreamSpec& stream : make_streams()) {
    std::string columns;
    for (const ColumnSpec& c : stream.columns) {
      if (!columns.empty()) columns += ",";
      columns += "\"" + c.name + "\":";
      if (c.rejects_non_finite)
        columns += std::string("{\"dtype\":\"") + kDtype[c.dtype] + "\",\"nonFinite\":\"reject\"}";
      else if (c.name == "b")
        columns += "{\"dtype\":\"uint64\",\"encoding\":\"plain\"}";
      else if (c.name == "h")
        columns += "{\"dtype\":\"int64\",\"encoding\":\"delta\"}";
      else if (c.name == "i")
        columns += "{\"dtype\":\"float32\",\"encoding\":\"byteStreamSplit\"}";
      else
        columns += std::string("\"") + kDtype[c.dtype] + "\"";
    }
    if (!streams.empty()) streams += ",";
    streams += "\"" + stream.name + "\":{\"columns\":{" + columns + "}";
    if (stream.name == "grid") streams += ",\"grid\":[4,3],\"partition\":{\"steps\":5}";
    if (stream.name == "table") streams += ",\"partition\":{\"time\":2.5}";
    streams += "}";
  }
  std::string policy_text;
  switch (policy) {
    case Policy::block:
      policy_text = R"("backpressure":{"policy":"block","timeoutMs":100},"compression":{"codec":"zstd","level":1})";
      break;
    case Policy::error: policy_text = R"("backpressure":"error","compression":{"codec":"none"})"; break;
    case Policy::drop:
      policy_text = R"("backpressure":"drop","compression":{"codec":"zstd","level":-3})";
      break;
  }
  return "{\"streams\":{" + streams + "}," + policy_text +
         ",\"memoryLimit\":" + std::to_string(IngestFixture::kMemoryLimit) +
         R"(,"rowGroupBytes":65536,"pageBytes":4096,"fileBytes":1048576,"workers":1})";
}

const char* policy_name(Policy policy) {
  switch (policy) {
    case Policy::block: return "block";
    case Policy::error: return "error";
    case Policy::drop: return "drop";
  }
  return "?";
}

}  // namespace

IngestFixture& IngestFixture::get() {
  static IngestFixture fixture;
  return fixture;
}

IngestFixture::IngestFixture()
    : root_(make_scratch_root()),
      streams_(make_streams()),
      region_(kScratchBytes + kCleanBytes, kCleanByte) {
  for (Policy policy : {Policy::block, Policy::error, Policy::drop})
    ingestors_.push_back(IngestorSlot{policy, make_config(policy), "", nullptr, 0});
  for (IngestorSlot& slot : ingestors_) {
    const std::string problem = open(slot);
    if (!problem.empty()) throw std::runtime_error(problem);
  }
}

IngestFixture::~IngestFixture() {
  for (IngestorSlot& slot : ingestors_) {
    if (simingest_close(&slot.handle) != SIMINGEST_OK)
      std::fprintf(stderr, "ingest fixture: closing the %s ingestor failed: %s\n", policy_name(slot.policy),
                   simingest_last_error(nullptr));
  }
  std::error_code ignored;
  fs::remove_all(root_, ignored);
}

void IngestFixture::reset_scratch() { std::memset(scratch(), kCleanByte, kScratchBytes); }

std::string IngestFixture::open(IngestorSlot& slot) {
  slot.path = root_ + "/" + policy_name(slot.policy) + "-" + std::to_string(slot.generation++);
  char* error = nullptr;
  const simingest_status status = simingest_open(slot.path.c_str(), slot.config.c_str(), &slot.handle, &error);
  std::string problem;
  if (status != SIMINGEST_OK)
    problem = std::string("opening the ") + policy_name(slot.policy) + " ingestor failed (" +
              simingest_status_string(status) + "): " + (error ? error : "(no message)");
  simingest_free(error);
  return problem;
}

std::string IngestFixture::recycle(IngestorSlot& slot, simingest_status* close_status) {
  // A close may fail (storage failed earlier); the handle is freed anyway.
  *close_status = simingest_close(&slot.handle);
  std::error_code ignored;
  fs::remove_all(slot.path, ignored);
  return open(slot);
}

}  // namespace simingest::fuzz

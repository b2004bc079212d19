// Bytes → a program of up to 64 C ABI calls on the ingest fixture's three
// ingestors (block, error and drop policies). The calls:
//   ingest / ingest_nowait  a frame of random stream name (declared, unknown,
//                           invalid, overlong, non-UTF-8, NULL), step and time
//                           (extremes, NaN, Inf), column list (NULL, missing,
//                           duplicate, unknown and reserved names, any dtype
//                           value, lengths 0 / scalar / mismatched / huge,
//                           NULL data) pointing at finite values or at bytes
//                           the input wrote (NaN, Inf, anything);
//   flush, stats, checkpoint, notify_room, calls with NULL handles and
//   arguments, open misuse (NULL arguments, a dataset already open), and
//   close/reopen.
// Each call's status must be documented, and one the call's own contract
// allows: a frame's status is checked against what its defects call for
// (frame_expectation below, written from simingest.h, not from the engine);
// every failure leaves a clean simingest_last_error; stats keep
// accepted = committed + dropped + skipped + in flight. Anything else is a
// finding.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "fuzz/byte_reader.hpp"
#include "fuzz/harnesses.hpp"
#include "fuzz/ingest_fixture.hpp"
#include "simingest.h"

namespace simingest::fuzz {

namespace {

constexpr int kMaxCalls = 64;
constexpr uint64_t kLimit = IngestFixture::kMemoryLimit;
// Datasets are replaced after this many committed files, to bound disk use
// and manifest size over a long run.
constexpr uint64_t kMaxFilesPerDataset = 400;

using StatusSet = std::set<int>;

bool is_documented(int status) { return (status >= 0 && status <= 18) || status == 99; }

bool follows_naming_rule(const char* name) {
  const std::size_t length = std::strlen(name);
  if (length == 0 || length > 64) return false;
  for (std::size_t i = 0; i < length; ++i) {
    const char c = name[i];
    const bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

// Printable text of harness-made names for findings.
std::string shown(const char* text) {
  if (text == nullptr) return "NULL";
  std::string out = "\"";
  for (const char* p = text; *p != '\0' && out.size() < 80; ++p) {
    const auto byte = static_cast<unsigned char>(*p);
    if (byte < 0x20 || byte >= 0x7f || byte == '"') {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", byte);
      out += hex;
    } else {
      out += *p;
    }
  }
  return out + "\"";
}

std::string shown(const StatusSet& statuses) {
  std::string out = "{";
  for (int status : statuses) out += (out.size() > 1 ? ", " : "") + std::to_string(status);
  return out + "}";
}

// ---- frames ------------------------------------------------------------------

struct FrameCall {
  std::string stream_storage;
  const char* stream = nullptr;
  int64_t step = 0;
  double time = 0;
  std::vector<std::string> names;  // storage for column names
  std::vector<simingest_column> columns;
  bool columns_null = false;
  std::size_t ncolumns = 0;
};

int dtype_of(const simingest_column& column) {
  int value;
  std::memcpy(&value, &column.dtype, sizeof value);
  return value;
}

bool holds_non_finite(const ColumnSpec& spec, const void* data, std::size_t count) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < count; ++i) {
    double value;
    if (spec.width == 4) {
      float f;
      std::memcpy(&f, bytes + 4 * i, 4);
      value = f;
    } else {
      std::memcpy(&value, bytes + 8 * i, 8);
    }
    if (!std::isfinite(value)) return true;
  }
  return false;
}

// The statuses simingest.h allows for this frame: the ones its defects call
// for (the engine may report any one of them), or for a well-formed frame the
// outcomes of the backpressure policy.
StatusSet frame_expectation(const FrameCall& call, const std::vector<StreamSpec>& streams, Policy policy,
                            bool nowait) {
  if (call.stream == nullptr) return {SIMINGEST_ERR_INVALID_ARGUMENT};
  const StreamSpec* spec = nullptr;
  for (const StreamSpec& candidate : streams)
    if (candidate.name == call.stream) spec = &candidate;
  if (spec == nullptr)
    return {follows_naming_rule(call.stream) ? SIMINGEST_ERR_UNKNOWN_STREAM : SIMINGEST_ERR_INVALID_ARGUMENT};

  StatusSet defects;
  if (call.columns_null && call.ncolumns > 0) return {SIMINGEST_ERR_INVALID_ARGUMENT};
  if (!std::isfinite(call.time)) defects.insert(SIMINGEST_ERR_INVALID_ARGUMENT);
  if (spec->time_span > 0 && std::isfinite(call.time)) {
    // Partition numbers are int64: time / span must floor to one.
    const double partition = std::floor(call.time / spec->time_span);
    if (!(partition >= -9223372036854775808.0 && partition < 9223372036854775808.0))
      defects.insert(SIMINGEST_ERR_INVALID_ARGUMENT);
  }

  // Each given column against the declared ones.
  const std::size_t ndeclared = spec->columns.size();
  std::vector<const simingest_column*> given(ndeclared, nullptr);
  for (std::size_t i = 0; i < call.ncolumns; ++i) {
    const simingest_column& column = call.columns[i];
    if (column.name == nullptr) {
      defects.insert(SIMINGEST_ERR_INVALID_ARGUMENT);
      continue;
    }
    std::size_t j = 0;
    while (j < ndeclared && spec->columns[j].name != column.name) ++j;
    if (j == ndeclared) {
      const bool reserved = std::strcmp(column.name, "step") == 0 || std::strcmp(column.name, "time") == 0;
      defects.insert(!reserved && follows_naming_rule(column.name) ? SIMINGEST_ERR_UNKNOWN_COLUMN
                                                                    : SIMINGEST_ERR_INVALID_ARGUMENT);
      continue;
    }
    if (given[j] != nullptr) {
      defects.insert(SIMINGEST_ERR_UNKNOWN_COLUMN);  // given twice
      continue;
    }
    given[j] = &column;
    const int dtype = dtype_of(column);
    if (dtype < SIMINGEST_FLOAT32 || dtype > SIMINGEST_UINT64)
      defects.insert(SIMINGEST_ERR_INVALID_ARGUMENT);
    else if (dtype != spec->columns[j].dtype)
      defects.insert(SIMINGEST_ERR_DTYPE_MISMATCH);
    if (column.data == nullptr && column.length != 0) defects.insert(SIMINGEST_ERR_INVALID_ARGUMENT);
  }
  if (!defects.empty()) return defects;

  // The frame as a whole: every column present, arrays of one length.
  uint64_t rows = 0;
  bool has_array = false;
  for (std::size_t j = 0; j < ndeclared; ++j) {
    if (given[j] == nullptr) {
      defects.insert(SIMINGEST_ERR_MISSING_COLUMN);
      continue;
    }
    const std::size_t length = given[j]->length;
    if (length == SIMINGEST_SCALAR) continue;
    // More bytes than the whole budget: an impossible count or a frame too large.
    if (length > kLimit / spec->columns[j].width) {
      defects.insert(SIMINGEST_ERR_INVALID_ARGUMENT);
      defects.insert(SIMINGEST_ERR_FRAME_TOO_LARGE);
    }
    if (has_array && length != rows) defects.insert(SIMINGEST_ERR_LENGTH_MISMATCH);
    if (!has_array) rows = length;
    has_array = true;
  }
  if (spec->grid_rows != 0 && has_array && rows != spec->grid_rows)
    defects.insert(SIMINGEST_ERR_LENGTH_MISMATCH);
  if (!defects.empty()) return defects;

  // Well formed. Its size decides whether it can fit the budget at all: the
  // engine charges its copy and a reservation for the encoded pages, each at
  // least the arrays' bytes, plus headers (bounded generously here).
  uint64_t array_bytes = 0, padded = 0;
  bool non_finite = false;
  for (std::size_t j = 0; j < ndeclared; ++j) {
    const ColumnSpec& spec_column = spec->columns[j];
    const bool scalar = given[j]->length == SIMINGEST_SCALAR;
    const std::size_t count = scalar ? 1 : given[j]->length;
    if (!scalar) {
      array_bytes += count * spec_column.width;
      padded += (count * spec_column.width + 63) / 64 * 64;
    }
    if (spec_column.rejects_non_finite && count != 0)
      non_finite = non_finite || holds_non_finite(spec_column, given[j]->data, count);
  }
  if (2 * array_bytes > kLimit) return {SIMINGEST_ERR_FRAME_TOO_LARGE};
  const uint64_t upper = (256 + 256 * ndeclared) + padded + 64 + array_bytes + array_bytes / 128 +
                         64 * (ndeclared + 2) + 512;

  StatusSet allowed;
  switch (policy) {
    case Policy::block:
      allowed = nowait ? StatusSet{SIMINGEST_OK, SIMINGEST_WOULD_BLOCK} : StatusSet{SIMINGEST_OK, SIMINGEST_ERR_BACKPRESSURE};
      break;
    case Policy::error: allowed = {SIMINGEST_OK, SIMINGEST_ERR_BACKPRESSURE}; break;
    case Policy::drop: allowed = {SIMINGEST_OK}; break;
  }
  if (non_finite) {
    // Refused once copied; a frame dropped under pressure is never looked at.
    if (policy != Policy::drop) allowed.erase(SIMINGEST_OK);
    allowed.insert(SIMINGEST_ERR_NON_FINITE);
  }
  if (upper > kLimit) allowed.insert(SIMINGEST_ERR_FRAME_TOO_LARGE);
  return allowed;
}

const char* pick_name(ByteReader& in, const StreamSpec& target, const std::vector<StreamSpec>& streams,
                      std::size_t i, std::size_t rotation, std::string& storage) {
  const auto& declared = target.columns;
  switch (in.byte() % 16) {
    case 1: return nullptr;
    case 2: storage = "step"; break;
    case 3: storage = "time"; break;
    case 4: storage = "nosuch"; break;
    case 5: storage = in.text(80); break;  // any bytes; C sees them up to the first NUL
    case 6: storage = streams[in.byte() % streams.size()].columns[0].name; break;  // another stream's
    case 7: storage = declared[in.byte() % declared.size()].name; break;  // often a duplicate
    case 8: storage = declared[i % declared.size()].name + "\xff"; break;
    case 9: storage = std::string(in.byte() % 2 ? 65 : 300, 'a'); break;
    default: storage = declared[(i + rotation) % declared.size()].name; break;
  }
  return storage.c_str();
}

int pick_dtype(ByteReader& in, const ColumnSpec* declared) {
  const int fallback = declared ? declared->dtype : SIMINGEST_FLOAT64;
  switch (in.byte() % 16) {
    case 1: return SIMINGEST_FLOAT32 + in.byte() % 10;
    case 2: return 0;
    case 3: return SIMINGEST_UINT64 + 1;
    case 4: return -1;
    case 5: return in.byte() % 2 ? std::numeric_limits<int>::max() : std::numeric_limits<int>::min();
    case 6: return in.pod<int>();
    default: return fallback;
  }
}

std::size_t pick_length(ByteReader& in, std::size_t rows) {
  switch (in.byte() % 16) {
    case 1: return SIMINGEST_SCALAR;
    case 2: return 0;
    case 3: return rows + 1;
    case 4: return rows - 1;  // rows 0: SIZE_MAX, which is SIMINGEST_SCALAR
    case 5: return std::size_t{1} << 40;
    case 6: return (std::size_t{1} << 40) + 1;
    case 7: return SIMINGEST_SCALAR - 1;
    case 8: return in.pod<std::size_t>();
    case 9: return in.byte();
    default: return rows;
  }
}

const void* pick_data(ByteReader& in, IngestFixture& fixture) {
  switch (in.byte() % 8) {
    case 1: return nullptr;
    case 2: return fixture.clean() + in.byte() % 64;  // unaligned
    case 3: return fixture.scratch();
    case 4: return fixture.scratch() + in.pod<uint16_t>() % IngestFixture::kScratchBytes;
    default: return fixture.clean();
  }
}

std::size_t pick_rows(ByteReader& in, const StreamSpec& target) {
  switch (in.byte() % 16) {
    case 1: return 0;
    case 2: return 1;
    case 3: return in.byte();
    case 4: return in.pod<uint16_t>();
    case 5: return kLimit / 8;
    case 6: return kLimit / 16;
    case 7: return 12;
    case 8: return std::size_t{1} << 40;
    default: return target.grid_rows ? target.grid_rows : 4;
  }
}

int64_t pick_step(ByteReader& in) {
  switch (in.byte() % 8) {
    case 1: return in.byte();
    case 2: return -static_cast<int64_t>(in.byte());
    case 3: return std::numeric_limits<int64_t>::min();
    case 4: return std::numeric_limits<int64_t>::max();
    case 5: case 6: return in.pod<int64_t>();
    default: return 0;
  }
}

double pick_time(ByteReader& in) {
  switch (in.byte() % 16) {
    case 1: return -0.0;
    case 2: return in.byte() * 0.25;
    case 3: return 1e300;
    case 4: return -1e300;
    case 5: return std::numeric_limits<double>::quiet_NaN();
    case 6: return std::numeric_limits<double>::infinity();
    case 7: return -std::numeric_limits<double>::infinity();
    case 8: return std::numeric_limits<double>::max();
    case 9: return std::numeric_limits<double>::denorm_min();
    case 10: return 2.5 * 9.3e18;  // near the edge of int64 partitions
    case 11: case 12: return in.pod<double>();
    default: return 0.0;
  }
}

void build_frame(ByteReader& in, IngestFixture& fixture, FrameCall& call) {
  const auto& streams = fixture.streams();
  const StreamSpec& target = streams[in.byte() % streams.size()];
  bool null_stream = false;
  switch (in.byte() % 16) {
    case 1: null_stream = true; break;
    case 2: call.stream_storage = ""; break;
    case 3: call.stream_storage = "nosuch"; break;
    case 4: call.stream_storage = in.text(120); break;
    case 5: call.stream_storage = target.name + "\xc3"; break;
    case 6: call.stream_storage = std::string(in.byte() % 2 ? 65 : 300, 's'); break;
    case 7: call.stream_storage = "Grid"; break;
    default: call.stream_storage = target.name; break;
  }
  call.stream = null_stream ? nullptr : call.stream_storage.c_str();
  call.step = pick_step(in);
  call.time = pick_time(in);

  const std::size_t ndeclared = target.columns.size();
  std::size_t ncolumns = ndeclared;
  switch (in.byte() % 8) {
    case 1: ncolumns = ndeclared - std::min<std::size_t>(ndeclared, 1 + in.byte() % 2); break;
    case 2: ncolumns = ndeclared + 1 + in.byte() % 3; break;
    case 3: ncolumns = 0; break;
    case 4: call.columns_null = true; break;
    default: break;
  }
  const std::size_t rotation = in.byte();
  const std::size_t rows = pick_rows(in, target);
  call.names.resize(ncolumns);
  call.columns.resize(ncolumns);
  for (std::size_t i = 0; i < ncolumns; ++i) {
    simingest_column& column = call.columns[i];
    column.name = pick_name(in, target, streams, i, rotation, call.names[i]);
    const ColumnSpec* declared = nullptr;
    for (const ColumnSpec& c : target.columns)
      if (column.name != nullptr && c.name == column.name) declared = &c;
    const int dtype = pick_dtype(in, declared);
    // Any int may sit in the enum field; store its bytes, as a C caller would.
    std::memcpy(&column.dtype, &dtype, sizeof dtype);
    column.length = pick_length(in, rows);
    column.data = pick_data(in, fixture);
  }
  call.ncolumns = call.columns_null ? 1 + in.byte() % 4 : ncolumns;
}

// ---- the interpreter ---------------------------------------------------------------

struct RoomCallbacks {
  std::atomic<uint64_t> bad_status{0};  // a status the callback may not receive
};
RoomCallbacks room_callbacks;

void on_room(void* user_data, simingest_status status) {
  auto* callbacks = static_cast<RoomCallbacks*>(user_data);
  if (status != SIMINGEST_OK && status != SIMINGEST_ERR_BACKPRESSURE && status != SIMINGEST_ERR_CLOSED)
    callbacks->bad_status.store(static_cast<uint64_t>(status) + 1, std::memory_order_relaxed);
}

class Program {
 public:
  Program(IngestFixture& fixture, const uint8_t* data, std::size_t size)
      : fixture_(fixture), in_(data, size) {}

  std::string run() {
    fixture_.reset_scratch();
    for (int call = 0; call < kMaxCalls && !in_.exhausted() && finding_.empty(); ++call) {
      call_ = call;
      step();
    }
    if (finding_.empty() && room_callbacks.bad_status.load() != 0)
      finding_ = "a room callback received status " + std::to_string(room_callbacks.bad_status.load() - 1);
    return finding_;
  }

 private:
  IngestorSlot& slot() {
    auto& slots = fixture_.ingestors();
    return slots[in_.byte() % slots.size()];
  }

  void fail(const std::string& what) {
    if (finding_.empty()) finding_ = "call " + std::to_string(call_) + ": " + what;
  }

  // Checks a returned status against the allowed ones and the error message
  // the failure left for `handle`. Storage failures are allowed anywhere (they
  // come from the machine, not the input); the slot is then replaced.
  void expect(const char* what, simingest_status status, const StatusSet& allowed,
              const simingest_ingestor* handle, IngestorSlot* slot = nullptr) {
    const int value = static_cast<int>(status);
    const bool storage_failed = value == SIMINGEST_ERR_IO || value == SIMINGEST_ERR_NO_SPACE;
    if (!is_documented(value)) return fail(std::string(what) + " returned undocumented status " + std::to_string(value));
    const std::string message = simingest_last_error(handle);
    if (!allowed.count(value) && !storage_failed)
      return fail(std::string(what) + " returned " + std::to_string(value) + " (" + message + "), allowed " +
                  shown(allowed));
    if (value != SIMINGEST_OK && value != SIMINGEST_WOULD_BLOCK) {
      const std::string problem = check_message(message);
      if (!problem.empty()) return fail(std::string(what) + " returned " + std::to_string(value) + ": " + problem);
    }
    if (storage_failed && slot != nullptr) recycle(*slot, true);
  }

  void recycle(IngestorSlot& slot, bool failed) {
    simingest_status closed = SIMINGEST_OK;
    const std::string problem = fixture_.recycle(slot, &closed);
    if (!problem.empty()) return fail(problem);
    if (!failed && closed != SIMINGEST_OK)
      fail("closing a healthy ingestor returned " + std::to_string(closed) + ": " + simingest_last_error(nullptr));
  }

  // Frames are most of the program; replacing a dataset costs the most time
  // (an open), so it is the rarest call.
  void step() {
    const unsigned op = in_.byte() % 32;
    if (op < 10) return ingest(false);
    if (op < 14) return ingest(true);
    if (op < 17) return flush();
    if (op < 19) return stats(slot(), false);
    if (op < 21) return notify_room();
    if (op < 23) return write_scratch();
    if (op < 25) return poke_special();
    if (op < 28) return null_arguments();
    if (op < 31) return open_misuse();
    if (in_.byte() % 4 == 0) recycle(slot(), false);
  }

  void ingest(bool nowait) {
    IngestorSlot& target = slot();
    FrameCall call;
    build_frame(in_, fixture_, call);
    const StatusSet allowed = frame_expectation(call, fixture_.streams(), target.policy, nowait);
    const simingest_column* columns = call.columns_null ? nullptr : call.columns.data();
    const simingest_status status =
        nowait ? simingest_ingest_nowait(target.handle, call.stream, call.step, call.time, columns, call.ncolumns)
               : simingest_ingest(target.handle, call.stream, call.step, call.time, columns, call.ncolumns);
    const std::string what = std::string(nowait ? "ingest_nowait" : "ingest") + "(stream " + shown(call.stream) +
                             ", step " + std::to_string(call.step) + ", time " + std::to_string(call.time) +
                             ", " + std::to_string(call.ncolumns) + " columns" +
                             (call.columns_null ? " at NULL" : "") + ")";
    expect(what.c_str(), status, allowed, target.handle, &target);
  }

  void flush() {
    IngestorSlot& target = slot();
    expect("flush", simingest_flush(target.handle), {SIMINGEST_OK}, target.handle, &target);
    if (finding_.empty() && target.handle != nullptr) stats(target, true);
  }

  // The statistics are JSON and keep accepted = committed + dropped +
  // skipped + in flight, in total and per stream; right after a flush (one
  // host thread) nothing is in flight. The checkpoint names every stream.
  void stats(IngestorSlot& target, bool after_flush) {
    char* text = nullptr;
    const simingest_status status = simingest_stats_json(target.handle, &text);
    expect("stats_json", status, {SIMINGEST_OK}, target.handle);
    if (status != SIMINGEST_OK) return;
    const auto stats = nlohmann::json::parse(text, nullptr, false);
    simingest_free(text);
    if (!stats.is_object() || !stats.contains("streams")) return fail("stats_json is not the documented object");
    auto balanced = [&](const nlohmann::json& counts, const std::string& where) {
      const auto accepted = counts.value("framesAccepted", uint64_t{0});
      const auto committed = counts.value("framesCommitted", uint64_t{0});
      const auto dropped = counts.value("framesDropped", uint64_t{0});
      const auto skipped = counts.value("framesSkippedDuplicate", uint64_t{0});
      const auto in_flight = counts.value("framesInFlight", uint64_t{0});
      if (accepted != committed + dropped + skipped + in_flight)
        fail(where + ": accepted " + std::to_string(accepted) + " != committed " + std::to_string(committed) +
             " + dropped " + std::to_string(dropped) + " + skipped " + std::to_string(skipped) + " + in flight " +
             std::to_string(in_flight));
      else if (after_flush && in_flight != 0)
        fail(where + ": " + std::to_string(in_flight) + " frames in flight right after a flush");
    };
    balanced(stats, "stats");
    for (const auto& item : stats["streams"].items()) balanced(item.value(), "stats.streams." + item.key());
    if (stats.value("memoryPeak", uint64_t{0}) > stats.value("memoryLimit", uint64_t{0}))
      fail("stats: memoryPeak above memoryLimit");
    if (!finding_.empty()) return;
    text = nullptr;
    const simingest_status checkpoint_status = simingest_checkpoint(target.handle, &text);
    expect("checkpoint", checkpoint_status, {SIMINGEST_OK}, target.handle);
    if (checkpoint_status != SIMINGEST_OK) return;
    const auto checkpoint = nlohmann::json::parse(text, nullptr, false);
    simingest_free(text);
    if (!checkpoint.is_object() || checkpoint.size() != fixture_.streams().size())
      return fail("checkpoint is not an object naming every stream");
    if (finding_.empty() && stats.value("filesCommitted", uint64_t{0}) > kMaxFilesPerDataset)
      recycle(target, false);
  }

  void notify_room() {
    IngestorSlot& target = slot();
    const std::size_t bytes = in_.byte() % 2 ? in_.pod<uint32_t>() : in_.pod<std::size_t>();
    if (in_.byte() % 4 == 1) {
      expect("notify_room(callback NULL)", simingest_notify_room(target.handle, bytes, nullptr, nullptr),
             {SIMINGEST_ERR_INVALID_ARGUMENT}, target.handle);
      return;
    }
    expect("notify_room", simingest_notify_room(target.handle, bytes, on_room, &room_callbacks), {SIMINGEST_OK},
           target.handle);
  }

  void write_scratch() {
    const std::size_t offset = in_.pod<uint16_t>() % IngestFixture::kScratchBytes;
    const std::size_t wanted = in_.byte();
    in_.copy(fixture_.scratch() + offset, std::min(wanted, IngestFixture::kScratchBytes - offset));
  }

  void poke_special() {
    const std::size_t offset = in_.pod<uint16_t>() % (IngestFixture::kScratchBytes - 8);
    unsigned char* at = fixture_.scratch() + offset;
    const float f32[] = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                         -std::numeric_limits<float>::infinity(), std::numeric_limits<float>::denorm_min()};
    const uint64_t f64[] = {0x7ff8000000000000ull, 0x7ff0000000000000ull, 0xfff0000000000000ull,
                            0x7ff0000000000001ull /* signalling NaN */, 0xfff8000000000001ull};
    const unsigned choice = in_.byte() % 9;
    if (choice < 4)
      std::memcpy(at, &f32[choice], 4);
    else
      std::memcpy(at, &f64[choice - 4], 8);
  }

  void null_arguments() {
    IngestorSlot& target = slot();
    const simingest_column column{"x", SIMINGEST_FLOAT64, fixture_.clean(), 1};
    const StatusSet invalid{SIMINGEST_ERR_INVALID_ARGUMENT};
    char* text = nullptr;
    simingest_ingestor* none = nullptr;
    switch (in_.byte() % 8) {
      case 0: return expect("ingest(NULL handle)", simingest_ingest(nullptr, "one", 0, 0, &column, 1), invalid, nullptr);
      case 1:
        return expect("ingest_nowait(NULL handle)", simingest_ingest_nowait(nullptr, "one", 0, 0, &column, 1),
                      invalid, nullptr);
      case 2: return expect("flush(NULL)", simingest_flush(nullptr), invalid, nullptr);
      case 3:
        if (in_.byte() % 2) return expect("checkpoint(NULL handle)", simingest_checkpoint(nullptr, &text), invalid, nullptr);
        return expect("stats_json(NULL handle)", simingest_stats_json(nullptr, &text), invalid, nullptr);
      case 4:
        if (in_.byte() % 2)
          return expect("checkpoint(out NULL)", simingest_checkpoint(target.handle, nullptr), invalid, target.handle);
        return expect("stats_json(out NULL)", simingest_stats_json(target.handle, nullptr), invalid, target.handle);
      case 5:
        return expect("notify_room(NULL handle)", simingest_notify_room(nullptr, 1, on_room, &room_callbacks),
                      invalid, nullptr);
      case 6:
        expect("close(NULL)", simingest_close(nullptr), {SIMINGEST_OK}, nullptr);
        return expect("close(&NULL)", simingest_close(&none), {SIMINGEST_OK}, nullptr);
      default: {
        const auto value = static_cast<simingest_status>(in_.byte() % 128);
        const char* text_of = simingest_status_string(value);
        if (text_of == nullptr || text_of[0] == '\0') fail("simingest_status_string gave no text");
        return;
      }
    }
  }

  void open_misuse() {
    IngestorSlot& target = slot();
    simingest_ingestor* out = nullptr;
    char* error = nullptr;
    simingest_status status = SIMINGEST_OK;
    StatusSet allowed{SIMINGEST_ERR_INVALID_ARGUMENT};
    switch (in_.byte() % 6) {
      case 0: status = simingest_open(target.path.c_str(), target.config.c_str(), nullptr, &error); break;
      case 1: status = simingest_open(nullptr, target.config.c_str(), &out, &error); break;
      case 2: status = simingest_open(target.path.c_str(), nullptr, &out, &error); break;
      case 3: status = simingest_open("", target.config.c_str(), &out, &error); break;
      case 4: status = simingest_open(nullptr, nullptr, &out, nullptr); break;
      default:  // the dataset is held by the fixture's ingestor
        allowed = {SIMINGEST_ERR_DATASET_LOCKED};
        status = simingest_open(target.path.c_str(), target.config.c_str(), &out, &error);
        break;
    }
    const std::string message = error ? error : "";
    simingest_free(error);
    if (out != nullptr) {
      simingest_close(&out);
      return fail("open misuse returned a handle (status " + std::to_string(status) + ")");
    }
    expect("open misuse", status, allowed, nullptr);
    if (finding_.empty() && error != nullptr && message != simingest_last_error(nullptr))
      fail("open: out_error differs from simingest_last_error(NULL)");
  }

  IngestFixture& fixture_;
  ByteReader in_;
  int call_ = 0;
  std::string finding_;
};

}  // namespace

std::string ingest_harness(const uint8_t* data, std::size_t size) {
  return Program(IngestFixture::get(), data, size).run();
}

}  // namespace simingest::fuzz
